-- record_play's backend cache of track facts (src/track_facts.c) never
-- answers with a duration or creator that changed, or a track that is gone.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql
SET timezone = 'UTC';

SELECT music.create_user('listener'), music.create_user('artist'), music.create_user('label');
SELECT music.create_creator(2, 'Artist'), music.create_creator(3, 'Label');
SELECT music.publish_track(1, 'Song', 240000);
-- cached by this play
SELECT music.record_play(1, 1, 200000, '2026-06-01 10:00:00+00') AS counted;
-- a shorter cut: the next play is judged by the new duration
UPDATE music.tracks SET duration_ms = 180000 WHERE id = 1;
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 200000, '2026-06-01 11:00:00+00')$$);
-- the track moves to another creator: the next play is theirs
UPDATE music.tracks SET creator_id = 2 WHERE id = 1;
SELECT music.record_play(1, 1, 180000, '2026-06-01 12:00:00+00') AS counted;
SELECT played_at, creator_id FROM music.plays ORDER BY id;

-- a track published and played in a transaction that rolls back is gone,
-- also from the cache
BEGIN;
SELECT music.publish_track(1, 'Demo', 200000) AS demo;
SELECT music.record_play(1, 2, 100000, '2026-06-02 10:00:00+00') AS counted;
ROLLBACK;
SELECT pg_temp.fails($$SELECT music.record_play(1, 2, 100000, '2026-06-02 11:00:00+00')$$);
-- the same in a subtransaction
BEGIN;
SAVEPOINT demo;
SELECT music.publish_track(1, 'Demo 2', 200000) AS demo;
SELECT music.record_play(1, 3, 100000, '2026-06-02 12:00:00+00') AS counted;
ROLLBACK TO SAVEPOINT demo;
SELECT pg_temp.fails($$SELECT music.record_play(1, 3, 100000, '2026-06-02 13:00:00+00')$$);
COMMIT;
-- a deleted track
SELECT music.publish_track(1, 'Withdrawn', 200000) AS withdrawn;
SELECT music.record_play(1, 4, 100000, '2026-06-03 10:00:00+00') AS counted;
DELETE FROM music.tracks WHERE id = 4;
SELECT pg_temp.fails($$SELECT music.record_play(1, 4, 100000, '2026-06-03 11:00:00+00')$$);
-- an unknown user is still refused, and nothing is stored for it
SELECT pg_temp.fails($$SELECT music.record_play(99, 1, 100000, '2026-06-03 12:00:00+00')$$);
SELECT count(*) AS plays FROM music.plays;
