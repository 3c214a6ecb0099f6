-- Streaming sessions.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql

SELECT music.create_user('walker');
SELECT music.start_session(1) AS s1, music.start_session(1, 'car stereo') AS s2;
SELECT id, user_id, device, ended_at IS NULL AS open FROM music.sessions ORDER BY id;
SELECT music.end_session(1);
SELECT ended_at AS first_end FROM music.sessions WHERE id = 1 \gset
SELECT music.end_session(1);     -- ending again is harmless
SELECT ended_at = :'first_end' AS end_time_kept, ended_at >= started_at AS ordered
FROM music.sessions WHERE id = 1;
SELECT pg_temp.fails($$SELECT music.start_session(9)$$);
SELECT pg_temp.fails($$SELECT music.start_session(1, repeat('d', 101))$$);
SELECT pg_temp.fails($$SELECT music.end_session(9)$$);
SELECT pg_temp.fails($$SELECT music.end_session(NULL)$$);
SELECT count(*) AS sessions FROM music.sessions;
