-- The synthetic platform of the scale-out suite, loaded the same way on the
-- single node and on the cluster: 40 users, 8 creators with 3 tracks each,
-- a week of plays at pinned instants (deterministic: every choice is a
-- function of the row number), likes, follows, comments, subscription
-- payments; then the month closed, analytics refreshed, jobs drained.
SET client_min_messages = warning;
-- thresholds this small platform reaches, so that milestones and their jobs
-- are compared too
UPDATE music.milestone_rules SET threshold = 50 WHERE rule = 'plays';
UPDATE music.milestone_rules SET threshold = 5 WHERE rule = 'followers';
UPDATE music.milestone_rules SET threshold = 150 WHERE rule = 'coin';
SELECT music.create_user('listener' || i, NULL, (ARRAY['DE', 'FR', 'US', 'JP'])[i % 4 + 1], 1980 + i % 20)
FROM generate_series(1, 40) i ORDER BY i;
SELECT music.create_creator(i, 'Creator ' || i) FROM generate_series(1, 8) i ORDER BY i;
SELECT music.publish_track(c, 'Track ' || c || '.' || n, 150000 + 1000 * n, (ARRAY['pop', 'rock', 'jazz'])[n])
FROM generate_series(1, 8) c, generate_series(1, 3) n ORDER BY c, n;
-- plays: 2,000 calls, one every 5 minutes back from the pinned clock, each
-- user on tracks skewed towards the low ids; some too short to count
SELECT count(*) FILTER (WHERE counted) AS counted_plays FROM (
	SELECT music.record_play(1 + (i * 7) % 40, 1 + (i * i) % (1 + i % 24), 20000 + (i * 13) % 160000,
							 timestamptz '2026-06-17 11:00:00+00' - i * interval '5 minutes', NULL,
							 (ARRAY['DE', 'FR', 'US'])[i % 3 + 1]) AS counted
	FROM generate_series(1, 2000) i ORDER BY i) p;
SELECT count(*) FROM (SELECT music.like_track(u, t) FROM generate_series(1, 40) u, generate_series(1, 24) t
					  WHERE (u + t) % 3 = 0 ORDER BY u, t) l;
SELECT count(*) FROM (SELECT music.follow(u, c) FROM generate_series(1, 40) u, generate_series(1, 8) c
					  WHERE (u * c) % 5 < 2 AND u <> c ORDER BY u, c) f;
SELECT count(*) FROM (SELECT music.unlike_track(u, t) FROM generate_series(1, 40) u, generate_series(1, 24) t
					  WHERE (u + t) % 3 = 0 AND u % 7 = 0 ORDER BY u, t) l;
SELECT count(*) FROM (SELECT music.add_comment(u, t, 'comment ' || u || '/' || t) FROM generate_series(1, 40) u, generate_series(1, 24) t
					  WHERE (u * t) % 11 = 0 ORDER BY u, t) c;
SELECT count(*) FROM (SELECT music.record_subscription_payment(u, '2026-05-01', 9.99) FROM generate_series(1, 40) u
					  WHERE u % 2 = 0 ORDER BY u) s;
SELECT music.close_month('2026-05-01');
SELECT music.refresh_analytics();
SELECT music.detect_milestones();
SELECT music.process_jobs(1000) >= 0;
