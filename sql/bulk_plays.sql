SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

-- One transaction records 100,000 plays of distinct users at the default
-- lock table size: the play locks of a transaction are bounded (per kind,
-- 16 single keys and then at most 128 buckets; src/play_locks.c), where one
-- lock per user used to fail with "out of shared memory".
SHOW max_locks_per_transaction;
-- setup: 100,040 listeners, a creator (user 1) with ten 3-minute tracks
INSERT INTO music.users (handle) SELECT 'listener' || i FROM generate_series(1, 100040) i;
SELECT music.create_creator(1, 'Band');
SELECT count(music.publish_track(1, 'track' || i, 180000)) FROM generate_series(1, 10) i;

BEGIN;
-- twenty batches of 5,000 distinct users each, then forty single plays
-- from forty client addresses, all in one transaction
SELECT count(*) AS batches, sum(counted) AS counted FROM (
	SELECT music.record_plays(array_agg(u::bigint), array_agg(1 + u % 10::bigint), array_fill(60000, ARRAY[5000]),
							  array_fill('2026-06-01 12:00:00+00'::timestamptz, ARRAY[5000])) AS counted
	FROM generate_series(1, 100000) u GROUP BY (u - 1) / 5000) batches;
SELECT count(*) FILTER (WHERE music.record_play(u, 1, 60000, '2026-06-01 12:00:00+00',
												client_ip => ('10.0.0.' || u - 100000)::inet)) AS counted
FROM generate_series(100001, 100040) u;
-- the locks held: at most 16 + 128 per kind (user, client address); the
-- batches took every user bucket (lock space 0x4d05 = 19717) exclusively
SELECT count(*) <= 2 * (16 + 128) AS locks_bounded,
	   count(*) FILTER (WHERE mode = 'ExclusiveLock' AND objsubid = 19717) AS user_buckets_locked
FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
-- a user's second play 10 s later is still judged against the first, now
-- under the user's bucket lock: it overlaps
SELECT music.record_play(77777, 2, 60000, '2026-06-01 12:00:10+00') AS counted;
COMMIT;

-- every play stored once and counted exactly
SELECT count(*) AS plays, count(*) FILTER (WHERE counted) AS counted, count(DISTINCT user_id) AS users FROM music.plays;
SELECT sum(plays) AS plays, sum(counted_plays) AS counted FROM music.track_stats;
SELECT plays, counted_plays FROM music.creator_stats;
