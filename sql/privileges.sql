-- Roles: apps write only through functions; readers only read derived views.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql
GRANT EXECUTE ON FUNCTION pg_temp.fails(text) TO PUBLIC;

SET ROLE music_app;
SELECT music.create_user('via_app') AS user_id;
SELECT music.create_creator(1, 'App Creator') AS creator_id;
SELECT music.publish_track(1, 'App Track', 100000) AS track_id;
SELECT music.record_play(1, 1, 100000, '2026-02-01 00:00:00+00') AS counted;
SELECT plays FROM music.track_stats WHERE track_id = 1;
SELECT pg_temp.fails($$INSERT INTO music.users (handle) VALUES ('direct')$$);
SELECT pg_temp.fails($$UPDATE music.tracks SET title = 'hijacked'$$);
SELECT pg_temp.fails($$DELETE FROM music.plays$$);
SELECT pg_temp.fails($$INSERT INTO music.counter_deltas (creator_id, plays) VALUES (1, 1000000)$$);
SELECT pg_temp.fails($$SELECT * FROM music.plays$$);
SELECT pg_temp.fails($$SELECT music.fold_counters()$$);
SELECT pg_temp.fails($$SELECT music.close_month('2020-01-01')$$);
RESET ROLE;

SET ROLE music_reader;
SELECT track_id, plays, counted_plays FROM music.track_stats;
SELECT pg_temp.fails($$SELECT music.create_user('reader_user')$$);
SELECT pg_temp.fails($$SELECT handle FROM music.users$$);
RESET ROLE;

SET ROLE music_admin;
SELECT music.fold_counters() AS folded;
SELECT count(*) AS admin_reads_tables FROM music.plays;
RESET ROLE;

-- every SECURITY DEFINER function pins its search_path
SELECT p.proname FROM pg_proc p
WHERE p.pronamespace = 'music'::regnamespace AND p.prosecdef
  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%');
