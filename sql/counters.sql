-- Counters: exact before and after folding, across rollbacks and deletes.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

SELECT music.create_user('fan_' || i) FROM generate_series(1, 4) i;
SELECT music.create_user('maker');
SELECT music.create_creator(5, 'Maker');
SELECT music.publish_track(1, 'One', 100000), music.publish_track(1, 'Two', 100000);

SELECT music.record_play(i, 1, 100000, '2026-03-01 00:00:00+00') FROM generate_series(1, 4) i;
SELECT music.record_play(1, 2, 1000, '2026-03-01 01:00:00+00');      -- stored, not counted
SELECT music.like_track(i, 1) FROM generate_series(1, 3) i;
SELECT music.follow(i, 1) FROM generate_series(1, 4) i;
SELECT music.add_comment(1, 2, 'hi');

-- a rolled-back transaction leaves no trace in the counters
BEGIN;
SELECT music.record_play(2, 2, 100000, '2026-03-01 02:00:00+00');
SELECT music.unlike_track(1, 1);
SELECT music.unfollow(1, 1);
ROLLBACK;

SELECT music.unlike_track(3, 1), music.unfollow(4, 1);
SELECT * FROM music.track_stats ORDER BY track_id;
SELECT * FROM music.creator_stats;

-- folding moves the deltas into the totals and changes no figure
SELECT count(*) > 0 AS deltas_pending FROM music.counter_deltas;
SELECT music.fold_counters() > 0 AS folded;
SELECT count(*) AS deltas_left FROM music.counter_deltas;
SELECT * FROM music.track_stats ORDER BY track_id;
SELECT * FROM music.creator_stats;

-- the counters agree with a recount from the source tables
SELECT s.track_id,
       s.plays = (SELECT count(*) FROM music.plays p WHERE p.track_id = s.track_id) AS plays_ok,
       s.counted_plays = (SELECT count(*) FROM music.plays p WHERE p.track_id = s.track_id AND counted) AS counted_ok,
       s.likes = (SELECT count(*) FROM music.likes l WHERE l.track_id = s.track_id) AS likes_ok,
       s.comments = (SELECT count(*) FROM music.comments c WHERE c.track_id = s.track_id) AS comments_ok
FROM music.track_stats s ORDER BY s.track_id;

-- a multi-row statement adds one delta row per track
INSERT INTO music.plays (user_id, track_id, creator_id, played_at, ms_played, counted)
SELECT 1, 1 + i % 2, 1, '2026-03-02'::timestamptz + i * interval '1 minute', 100000, true
FROM generate_series(1, 10) i;
SELECT track_id, plays, counted_plays FROM music.counter_deltas ORDER BY track_id;
SELECT track_id, plays FROM music.track_stats ORDER BY track_id;

-- a multi-row statement logs one analytics event per play; a single play
-- appends one row only: its delta row carries the event, and folding
-- appends it to analytics_events
SELECT count(*) AS events FROM music.analytics_events WHERE kind = 'play' AND at >= '2026-03-02' AND at < '2026-03-03';
SELECT music.record_play(3, 1, 100000, '2026-03-03 10:00:00+00') AS counted;
SELECT music.record_play(3, 2, 1000, '2026-03-03 11:00:00+00') AS counted;
SELECT track_id, plays, counted_plays, user_id, at FROM music.counter_deltas WHERE user_id IS NOT NULL ORDER BY at;
SELECT count(*) AS events FROM music.analytics_events WHERE kind = 'play' AND user_id = 3 AND at >= '2026-03-03';
SELECT unrefreshed_events - (SELECT count(*) FROM music.analytics_events) AS carried_events FROM music.worker_status;
SELECT music.fold_counters() > 0 AS folded;
SELECT track_id, creator_id, delta, counted, at FROM music.analytics_events
WHERE kind = 'play' AND user_id = 3 AND at >= '2026-03-03' ORDER BY at;
SELECT count(*) AS deltas_left FROM music.counter_deltas;
