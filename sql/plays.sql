-- record_play and the play-counting rules at their boundaries.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql
SET timezone = 'UTC';

SELECT music.create_user('listener') AS u1, music.create_user('second') AS u2,
       music.create_user('artist') AS u3;
SELECT music.create_creator(3, 'Artist');
SELECT music.publish_track(1, 'Long', 240000) AS long_track,
       music.publish_track(1, 'Jingle', 20000) AS short_track;

-- minimum length: 29,999 ms does not count, 30,000 ms does
SELECT music.record_play(1, 1, 29999, '2026-01-01 10:00:00+00') AS at_29999;
SELECT music.record_play(1, 1, 30000, '2026-01-01 11:00:00+00') AS at_30000;
-- a 20-second track counts when played in full, not a millisecond less
SELECT music.record_play(1, 2, 19999, '2026-01-01 12:00:00+00') AS jingle_19999;
SELECT music.record_play(1, 2, 20000, '2026-01-01 12:10:00+00') AS jingle_full;

-- overlap: a second counted play closer than the minimum length does not count
SELECT music.record_play(2, 1, 60000, '2026-01-02 10:00:00+00') AS first;
SELECT music.record_play(2, 1, 60000, '2026-01-02 10:00:29.999+00') AS overlapping;
SELECT music.record_play(2, 1, 60000, '2026-01-02 10:00:30+00') AS just_after;
-- also when the plays arrive out of order (a backfilled earlier play)
SELECT music.record_play(2, 1, 60000, '2026-01-02 09:59:45+00') AS backfilled_overlap;
-- for the 20-second track the minimum gap is 20 seconds
SELECT music.record_play(2, 2, 20000, '2026-01-02 11:00:00+00') AS jingle_a,
       music.record_play(2, 2, 20000, '2026-01-02 11:00:19+00') AS jingle_b,
       music.record_play(2, 2, 20000, '2026-01-02 11:00:39+00') AS jingle_c;

-- every play is stored, with the reason when it does not count
SELECT user_id, track_id, ms_played, played_at, counted, not_counted_reason
FROM music.plays ORDER BY id;
SELECT * FROM music.track_stats ORDER BY track_id;

-- the per-IP limit: at most music.ip_hourly_limit counted plays an hour
SET music.ip_hourly_limit = 3;
SELECT music.create_user('u' || i) FROM generate_series(100, 104) i;
SELECT i AS play, music.record_play(i - 96, 1, 60000,
         '2026-01-03 10:00:00+00'::timestamptz + (i - 100) * interval '10 minutes',
         client_ip => '203.0.113.7')
FROM generate_series(100, 104) i;
-- another address is not affected; an hour after the first play a slot frees up
SELECT music.record_play(4, 1, 60000, '2026-01-03 10:45:00+00', client_ip => '203.0.113.8') AS other_ip;
SELECT music.record_play(8, 1, 60000, '2026-01-03 11:00:00.001+00', client_ip => '203.0.113.7') AS next_hour;
RESET music.ip_hourly_limit;
-- the address itself is never stored, only a salted hash
SELECT count(*) AS plays_from_ip, count(DISTINCT ip_hash) AS distinct_hashes,
       bool_and(length(ip_hash) = 32) AS sha256
FROM music.plays WHERE ip_hash IS NOT NULL;
SELECT not_counted_reason, count(*) FROM music.plays GROUP BY 1 ORDER BY 1;

-- the minimum length is a setting
SET music.min_play_ms = 10000;
SELECT music.record_play(3, 1, 10000, '2026-01-04 10:00:00+00') AS ten_seconds_now_counts;
RESET music.min_play_ms;

-- source, country and session are kept
SELECT music.start_session(3, 'phone') AS session;
SELECT music.record_play(3, 1, 240000, '2026-01-05 10:00:00+00', 'playlist', 'se', NULL, 1);
SELECT source, country, session_id FROM music.plays WHERE session_id IS NOT NULL;

-- bad input: an error, and nothing stored
SELECT count(*) AS plays_before_errors FROM music.plays \gset
SELECT pg_temp.fails($$SELECT music.record_play(99, 1, 60000)$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 99, 60000)$$);
SELECT pg_temp.fails($$SELECT music.record_play(NULL, 1, 60000)$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, NULL, 60000)$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, NULL)$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, -1)$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 240001)$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 60000, NULL)$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 60000, '2999-01-01 00:00:00+00')$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 60000, 'infinity')$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 60000, music.as_of(), repeat('s', 51))$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 60000, music.as_of(), NULL, 'Germany')$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 60000, music.as_of(), NULL, NULL, NULL, 99)$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 60000, music.as_of(), NULL, NULL, NULL, 1)$$);  -- another user's session
SELECT music.end_session(1);
SELECT pg_temp.fails($$SELECT music.record_play(3, 1, 60000, music.as_of(), NULL, NULL, NULL, 1)$$);  -- ended
SELECT count(*) - :plays_before_errors AS plays_written_by_errors FROM music.plays;
