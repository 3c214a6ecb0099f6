-- What an app would show, read through the public API and views.
\pset footer off

\echo
\echo '== Top creators (music.creator_stats)'
SELECT c.name AS creator, s.counted_plays, s.plays, s.followers, s.likes, s.comments
FROM music.creator_stats s JOIN music.creators c ON c.id = s.creator_id
ORDER BY s.counted_plays DESC, c.id LIMIT 5;

\echo '== One creator''s tracks (music.track_stats)'
SELECT t.title, t.genre, s.counted_plays, s.plays - s.counted_plays AS not_counted, s.likes, s.comments
FROM music.track_stats s JOIN music.tracks t ON t.id = s.track_id
WHERE t.creator_id = 1 ORDER BY s.counted_plays DESC;

\echo '== Why plays did not count'
SELECT coalesce(not_counted_reason, '(counted)') AS outcome, count(*) AS plays
FROM music.plays GROUP BY 1 ORDER BY 2 DESC;

\echo '== Playlists of user 38'
SELECT p.title AS playlist, p.is_public AS public, pt.position, t.title AS track
FROM music.playlists p
JOIN music.playlist_tracks pt ON pt.playlist_id = p.id
JOIN music.tracks t ON t.id = pt.track_id
WHERE p.user_id = 38 ORDER BY p.id, pt.position;

\echo '== search(''cristal rain'') by user 7, typos and all'
SELECT kind, id, title, round(score::numeric, 2) AS score FROM music.search('cristal rain', 7, 8);

SELECT music.refresh_analytics();
\echo '== This week''s chart (music.weekly_charts, Friday to Thursday UTC)'
SELECT w.rank, t.title, w.plays, w.movement, w.peak_rank, w.weeks_on_chart
FROM music.weekly_charts w JOIN music.tracks t ON t.id = w.track_id
WHERE w.week_start = music.chart_week((now() AT TIME ZONE 'UTC')::date)
ORDER BY w.rank LIMIT 5;

\echo '== Milestones reached (demo thresholds: every 250 counted plays, every 25 followers, a coin at 900)'
SELECT m.rule, count(*) AS milestones, count(DISTINCT m.creator_id) AS creators,
       max(m.threshold) AS highest_threshold,
       (array_agg(c.name ORDER BY m.threshold DESC, c.id))[1] AS for_example
FROM music.milestones m JOIN music.creators c ON c.id = m.creator_id
GROUP BY m.rule ORDER BY m.rule;

\echo '== The job queue they filled (music.job_overview); chain and PDP handlers come later'
SELECT kind, status, jobs FROM music.job_overview ORDER BY kind, status;

\echo '== Last month''s earnings (70% of subscriptions, pro-rata by counted plays)'
SELECT c.name AS creator, e.counted_plays, round(e.revenue, 4) AS revenue_fil
FROM music.creator_earnings e JOIN music.creators c ON c.id = e.creator_id
ORDER BY e.revenue DESC LIMIT 5;
