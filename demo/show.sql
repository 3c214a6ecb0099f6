-- What an app would show, read as music_app through the read API (see
-- docs/sql-api.md, "Reads"); the last sections are the operator's and the
-- analyst's views.
\pset footer off

-- The worker refreshes the charts every music.refresh_interval; the demo
-- does not wait for it.
SELECT music.refresh_analytics() \gset

SET ROLE music_app;

\echo
\echo '== A creator''s page (music.creator_page, music.creator_tracks), seen by user 7'
SELECT name, verified, tracks, counted_plays, plays, followers, likes, comments, viewer_follows
FROM music.creator_page(1, 7);
SELECT title, genre, plays, likes, viewer_liked FROM music.creator_tracks(1, 7, NULL, 5);

\echo '== A track (music.track) and its comment threads (music.track_comments)'
SELECT title, creator_name, duration_ms / 1000 AS seconds, genre, counted_plays, likes, comments
FROM music.track(1, 7);
SELECT handle, body, replies FROM music.track_comments(1, NULL, 3);

\echo '== A user''s profile, playlists and the first tracks of one (music.user_profile, music.user_playlists, music.playlist_tracks)'
SELECT handle, display_name, following, public_playlists FROM music.user_profile(38);
SELECT title, is_public FROM music.user_playlists(38, 38);
SELECT position, title, creator_name FROM music.playlist_tracks(
	(SELECT playlist_id FROM music.user_playlists(38, 38) LIMIT 1), 38, NULL, 5);

\echo '== User 7''s home feed: new tracks from the creators they follow (music.home_feed), two pages'
SELECT title, creator_name, genre FROM music.home_feed(7, NULL, 3);
SELECT title, creator_name, genre FROM music.home_feed(7, (SELECT cursor FROM music.home_feed(7, NULL, 3) OFFSET 2), 3);

\echo '== User 7''s likes and listening history (music.user_likes, music.listening_history)'
SELECT title, creator_name FROM music.user_likes(7, NULL, 3);
SELECT title, creator_name, ms_played / 1000 AS seconds FROM music.listening_history(7, NULL, 3);

\echo '== search_page(''cristal rain''): typos and all, tracks only, then the next page'
SELECT result_kind, id, title, round(score::numeric, 2) AS score FROM music.search_page('cristal rain', 'track', NULL, NULL, 3);
SELECT result_kind, id, title, round(score::numeric, 2) AS score FROM music.search_page('cristal rain', 'track', NULL,
	(SELECT cursor FROM music.search_page('cristal rain', 'track', NULL, NULL, 3) OFFSET 2), 3);

\echo '== This week''s chart (music.weekly_chart, Friday to Thursday UTC)'
SELECT rank, title, creator_name, plays, movement, peak_rank, weeks_on_chart FROM music.weekly_chart(NULL, NULL, 5);

\echo '== Trending this month in jazz (music.trending) and this week''s top creators (music.leaderboard)'
SELECT title, creator_name, round(score::numeric, 1) AS score FROM music.trending('month', 'jazz', NULL, 3);
SELECT rank, name, counted_plays FROM music.leaderboard('week', 'creator', NULL, 3);
RESET ROLE;

\echo '== Operator view (music_admin): milestones reached (demo thresholds: every 250 counted plays, every 25 followers, a coin at 900)'
SET ROLE music_admin;
SELECT m.rule, count(*) AS milestones, count(DISTINCT m.creator_id) AS creators,
       max(m.threshold) AS highest_threshold,
       (array_agg(c.name ORDER BY m.threshold DESC, c.id))[1] AS for_example
FROM music.milestones m JOIN music.creators c ON c.id = m.creator_id
GROUP BY m.rule ORDER BY m.rule;

\echo '== Operator view: the job queue they filled (music.job_overview)'
SELECT kind, status, jobs FROM music.job_overview ORDER BY kind, status;
RESET ROLE;

\echo '== Analyst view (music_reader): last month''s earnings (70% of subscriptions, pro-rata by counted plays)'
SET ROLE music_reader;
SELECT c.name AS creator, e.counted_plays, round(e.revenue, 4) AS revenue_fil
FROM music.creator_earnings e JOIN music.creator_catalog c ON c.creator_id = e.creator_id
ORDER BY e.revenue DESC, e.creator_id LIMIT 5;
RESET ROLE;
