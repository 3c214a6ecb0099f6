-- The read API: profiles, pages, lists with keyset cursors, charts, search
-- pages and BI dimensions, read as music_app and music_reader.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql
GRANT EXECUTE ON FUNCTION pg_temp.fails(text) TO PUBLIC;

-- users 1..4 listen; users 5 and 6 are creators 1 and 2
SELECT music.create_user(h, d) FROM (VALUES ('ann', 'Ann'), ('ben', NULL), ('cat', 'Cat'), ('dan', NULL),
	('maker', 'The Maker'), ('beats', NULL)) v(h, d);
SELECT music.create_creator(5, 'Maker'), music.create_creator(6, 'Beat Shop');
SELECT music.publish_track(1, 'Morning Rain', 200000, 'ambient', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', NULL),
       music.publish_track(1, 'Crystal Rain', 180000, 'ambient'),
       music.publish_track(2, 'Drum Loop', 120000, 'hiphop');
SELECT music.publish_track(1, 'Late Song', 240000, 'jazz');
SELECT music.follow(1, 1), music.follow(2, 1);
SELECT music.follow(1, 2);
SELECT music.like_track(1, 1), music.like_track(1, 3);
SELECT music.like_track(2, 1);
SELECT music.add_comment(2, 1, 'first!') AS c1;
SELECT music.add_comment(3, 1, 'lovely', NULL, 30000) AS c2;
SELECT music.add_comment(1, 1, 'thanks', 1) AS c3, music.add_comment(4, 1, 'agreed', 1) AS c4;
SELECT music.create_playlist(1, 'Rainy day'), music.create_playlist(1, 'Private mix', false),
       music.create_playlist(2, 'Rain and drums');
SELECT music.playlist_add(1, t) FROM unnest(ARRAY[2, 1, 3, 2]) t;
SELECT music.playlist_add(2, 4);
SELECT count(*) FILTER (WHERE music.record_play(1, t, 60000, '2026-03-06 10:00+00'::timestamptz + t * interval '5 minutes'))
FROM unnest(ARRAY[1, 2, 3]) t;
SELECT music.record_play(1, 4, 10, '2026-03-06 12:00+00');   -- too short: not history
SELECT music.record_play(2, 1, 60000, '2026-03-07 10:00+00');

SET ROLE music_app;

-- profiles and pages
SELECT id, handle, display_name, creator_id, following, public_playlists FROM music.user_profile(1);
SELECT id, handle, display_name, creator_id, following, public_playlists FROM music.user_profile(5);
SELECT id, user_id, handle, name, verified, tracks, plays, counted_plays, followers, likes, comments,
       viewer_follows FROM music.creator_page(1, 1);
SELECT viewer_follows FROM music.creator_page(1, 3);
SELECT viewer_follows FROM music.creator_page(1);
SELECT id, title, creator_id, creator_name, duration_ms, genre, audio_cid, artwork_cid, plays,
       counted_plays, likes, comments, viewer_liked FROM music.track(1, 1);
SELECT viewer_liked FROM music.track(2, 1);

-- a creator's tracks, newest first, in pages of two
SELECT track_id, title, genre, plays, likes, viewer_liked FROM music.creator_tracks(1, 1, NULL, 2);
SELECT track_id, title FROM music.creator_tracks(1, 1,
	(SELECT cursor FROM music.creator_tracks(1, 1, NULL, 2) OFFSET 1), 2);

-- playlists: the owner sees the private one, others do not
SELECT id, handle, title, is_public, tracks FROM music.playlist(1, 2);
SELECT position, track_id, title, creator_name FROM music.playlist_tracks(1, NULL, NULL, 3);
SELECT position, track_id, title FROM music.playlist_tracks(1, NULL, '3', 3);
SELECT playlist_id, title, is_public FROM music.user_playlists(1, 1);
SELECT playlist_id, title, is_public FROM music.user_playlists(1, 2);
SELECT playlist_id, title FROM music.user_playlists(1, 1, '2');
SELECT tracks FROM music.playlist(2, 1);
SELECT pg_temp.fails($$SELECT * FROM music.playlist(2, 2)$$);
SELECT pg_temp.fails($$SELECT * FROM music.playlist_tracks(2)$$);

-- comments as threads: newest thread first, replies oldest first
SELECT comment_id, handle, body, at_ms, replies FROM music.track_comments(1);
SELECT comment_id, handle, body FROM music.track_comments(1, '2');
SELECT comment_id, handle, body, replies FROM music.comment_replies(1);
SELECT comment_id, body FROM music.comment_replies(1, '3');

-- the social graph, most recent first
SELECT user_id, handle, display_name FROM music.followers(1);
SELECT user_id, handle FROM music.followers(1, (SELECT cursor FROM music.followers(1, NULL, 1)));
SELECT creator_id, name, verified FROM music.following(1);
SELECT track_id, title, creator_name FROM music.user_likes(1);
SELECT play_id, track_id, title, played_at, ms_played FROM music.listening_history(1, NULL, 2);
SELECT play_id, track_id FROM music.listening_history(1, (SELECT cursor FROM music.listening_history(1, NULL, 2) OFFSET 1));

-- the home feed: followed creators' tracks, newest first, paged
SELECT track_id, title, creator_name FROM music.home_feed(1);
SELECT track_id, title FROM music.home_feed(1, NULL, 3);
SELECT track_id, title FROM music.home_feed(1, (SELECT cursor FROM music.home_feed(1, NULL, 3) OFFSET 2), 3);
SELECT count(*) AS empty_feed FROM music.home_feed(4);

-- search, page by page, with kind and genre filters
SELECT result_kind, id, title FROM music.search_page('rain');
SELECT result_kind, id, title FROM music.search_page('rain', NULL, NULL, NULL, 2);
SELECT result_kind, id, title FROM music.search_page('rain', NULL, NULL,
	(SELECT cursor FROM music.search_page('rain', NULL, NULL, NULL, 2) OFFSET 1), 2);
SELECT result_kind, id, title FROM music.search_page('rain', 'playlist');
SELECT result_kind, id, title FROM music.search_page('rain', NULL, 'ambient');
SELECT result_kind, id, title FROM music.search_page('maker', 'user');
SELECT result_kind, id, title FROM music.search_page('maker', 'creator');
RESET ROLE;

-- charts with titles and names, for apps and BI readers alike
SELECT music.refresh_analytics();
SET ROLE music_reader;
SELECT rank, movement, plays, track_id, title, creator_name FROM music.weekly_chart('2026-03-06');
SELECT rank, title FROM music.weekly_chart('2026-03-06', '1', 1);
SELECT count(*) AS no_chart_that_week FROM music.weekly_chart('2025-01-03');
SELECT track_id, title, creator_name, track_genre, score > 0 AS scored FROM music.trending('week');
SELECT track_id, title FROM music.trending('month', 'hiphop');
SELECT track_id, title FROM music.trending('week', NULL, (SELECT cursor FROM music.trending('week', NULL, NULL, 1)), 1);
SELECT refreshed_at IS NOT NULL AS refreshed FROM music.analytics_freshness;
RESET ROLE;

-- today's leaderboard: a play at the platform clock's instant
BEGIN;
SELECT music.record_play(3, 3, 60000, music.as_of());
SELECT music.refresh_analytics();
SET LOCAL ROLE music_app;
SELECT rank, id, name, creator_name, counted_plays FROM music.leaderboard('day', 'track');
SELECT rank, id, name, creator_name, counted_plays FROM music.leaderboard('day', 'creator');
COMMIT;

-- every dashboard query of docs/bi.md, as written there ($1 = creator or
-- track 1), runs as music_reader
\set bi_queries `awk '$0 ~ "^\140\140\140sql" { on = 1; next } $0 ~ "^\140\140\140" { on = 0 } on' docs/bi.md`
SET ROLE music_reader;
SELECT n, pg_temp.fails(replace(q, '$1', '1')) AS runs
FROM regexp_split_to_table(:'bi_queries', ';\s*') WITH ORDINALITY AS b(q, n) WHERE q <> '' ORDER BY n;
SELECT c.rank, c.movement, t.title, t.creator_name, c.plays
FROM music.weekly_charts c JOIN music.track_catalog t ON t.track_id = c.track_id
WHERE c.week_start = music.chart_week('2026-03-06') ORDER BY c.rank LIMIT 100;
SELECT track_id, title, creator_id, creator_name, genre, duration_ms FROM music.track_catalog ORDER BY track_id;
SELECT creator_id, name, verified FROM music.creator_catalog ORDER BY creator_id;
-- readers see no personal data and call no app reads
SELECT pg_temp.fails($$SELECT handle FROM music.users$$);
SELECT pg_temp.fails($$SELECT title FROM music.tracks$$);
SELECT pg_temp.fails($$SELECT * FROM music.user_profile(1)$$);
SELECT pg_temp.fails($$SELECT * FROM music.listening_history(1)$$);
RESET ROLE;
SET ROLE music_app;
SELECT pg_temp.fails($$SELECT music.read_id_cursor('1')$$);
SELECT pg_temp.fails($$SELECT * FROM music.analytics_state$$);
RESET ROLE;

-- bad input
SELECT pg_temp.fails($$SELECT * FROM music.user_profile(NULL)$$);
SELECT pg_temp.fails($$SELECT * FROM music.user_profile(0)$$);
SELECT pg_temp.fails($$SELECT * FROM music.user_profile(99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.creator_page(99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.creator_page(1, 99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.track(99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.track(-1)$$);
SELECT pg_temp.fails($$SELECT * FROM music.creator_tracks(1, NULL, 'garbage')$$);
SELECT pg_temp.fails($$SELECT * FROM music.creator_tracks(1, NULL, NULL, 0)$$);
SELECT pg_temp.fails($$SELECT * FROM music.creator_tracks(1, NULL, NULL, 101)$$);
SELECT pg_temp.fails($$SELECT * FROM music.creator_tracks(1, NULL, NULL, NULL)$$);
SELECT pg_temp.fails($$SELECT * FROM music.playlist(99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.playlist_tracks(1, NULL, '-1')$$);
SELECT pg_temp.fails($$SELECT * FROM music.track_comments(99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.comment_replies(99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.followers(99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.following(99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.user_likes(NULL)$$);
SELECT pg_temp.fails($$SELECT * FROM music.listening_history(1, '12:x')$$);
SELECT pg_temp.fails($$SELECT * FROM music.home_feed(99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.trending('year')$$);
SELECT pg_temp.fails($$SELECT * FROM music.trending(NULL)$$);
SELECT pg_temp.fails($$SELECT * FROM music.trending('week', NULL, 'nan:x:1')$$);
SELECT pg_temp.fails($$SELECT * FROM music.leaderboard('year')$$);
SELECT pg_temp.fails($$SELECT * FROM music.leaderboard('day', 'genre')$$);
SELECT pg_temp.fails($$SELECT * FROM music.weekly_chart(NULL, NULL, 500)$$);
SELECT pg_temp.fails($$SELECT * FROM music.search_page('')$$);
SELECT pg_temp.fails($$SELECT * FROM music.search_page(NULL)$$);
SELECT pg_temp.fails($$SELECT * FROM music.search_page(repeat('q', 201))$$);
SELECT pg_temp.fails($$SELECT * FROM music.search_page('rain', 'album')$$);
SELECT pg_temp.fails($$SELECT * FROM music.search_page('rain', NULL, NULL, '0.5:track')$$);

-- every read is STABLE and pins pg_catalog first
SELECT p.proname, p.provolatile, p.proconfig[1] FROM pg_proc p
WHERE p.pronamespace = 'music'::regnamespace AND p.prosecdef
  AND p.proname IN ('user_profile', 'creator_page', 'track', 'creator_tracks', 'playlist', 'playlist_tracks',
	'user_playlists', 'track_comments', 'comment_replies', 'followers', 'following', 'user_likes',
	'listening_history', 'home_feed', 'weekly_chart', 'trending', 'leaderboard', 'search_page')
ORDER BY p.proname;
