-- A platform as release 0.1 left it, for the upgrade test: written straight
-- into 0.1's tables, since the 0.2 library refuses 0.1's objects (the worker
-- waits, and every function it gives SQL raises object_not_in_prerequisite_
-- state).  Triggers are off (replica role): the C triggers are 0.2's too.
-- Times are fixed, so the data is the same at any date.
SET session_replication_role = replica;
INSERT INTO music.users (handle, country, birth_year, created_at)
SELECT 'user_' || i, (ARRAY['US', 'DE', 'BR', 'JP'])[1 + i % 4], 1960 + i % 45,
	   timestamptz '2026-01-01 00:00+00' + i * interval '1 minute'
FROM generate_series(1, 300) i;
INSERT INTO music.creators (user_id, name)
SELECT 270 + i, 'Creator ' || i FROM generate_series(1, 30) i;
INSERT INTO music.tracks (creator_id, title, duration_ms)
SELECT 1 + (i - 1) / 5, 'Track ' || i, 120000 + (i * 7919) % 240000 FROM generate_series(1, 150) i;
INSERT INTO music.plays (user_id, track_id, creator_id, played_at, ms_played, source, counted, not_counted_reason)
SELECT 1 + g % 270, t, 1 + (t - 1) / 5, timestamptz '2026-02-01 00:00+00' + g * interval '7 minutes',
	   CASE WHEN g % 7 = 0 THEN 1000 ELSE 60000 END, 'radio', g % 7 <> 0,
	   CASE WHEN g % 7 = 0 THEN 'too_short' END
FROM generate_series(1, 6000) g, LATERAL (SELECT 1 + (g * 31) % 150 AS t) pick;
INSERT INTO music.likes (user_id, track_id) SELECT 1 + i % 270, 1 + (i * 13) % 150 FROM generate_series(1, 2000) i
ON CONFLICT DO NOTHING;
INSERT INTO music.follows (user_id, creator_id) SELECT 1 + i % 270, 1 + (i * 7) % 30 FROM generate_series(1, 1500) i
ON CONFLICT DO NOTHING;
INSERT INTO music.comments (user_id, track_id, body) SELECT 1 + i % 270, 1 + i % 150, 'Comment ' || i FROM generate_series(1, 300) i;
INSERT INTO music.comments (user_id, track_id, body, parent_id) SELECT 2, 1, 'Reply', id FROM music.comments WHERE id <= 10;
INSERT INTO music.jobs (kind, creator_id, payload) SELECT 'pdp_snapshot', 1 + i % 30, '{}' FROM generate_series(1, 86) i;
RESET session_replication_role;
UPDATE music.milestone_rules SET threshold = 300 WHERE rule = 'plays';
UPDATE music.calendar SET starts = date '2020-01-01';
