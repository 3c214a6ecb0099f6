-- More of the platform's life after the cluster is distributed, the same on
-- both sides: plays of the last hour before the pinned clock, new follows
-- and likes, an unfollow, then analytics refreshed and jobs drained.
SET client_min_messages = warning;
SELECT count(*) FILTER (WHERE counted) AS counted_plays FROM (
	SELECT music.record_play(1 + (i * 11) % 40, 1 + (i * 5) % 24, 40000 + (i * 17) % 140000,
							 timestamptz '2026-06-17 11:59:00+00' - i * interval '7 seconds', NULL, 'DE') AS counted
	FROM generate_series(1, 500) i ORDER BY i) p;
SELECT count(*) FROM (SELECT music.follow(u, c) FROM generate_series(1, 40) u, generate_series(1, 8) c
					  WHERE (u * c) % 5 = 3 AND u <> c ORDER BY u, c) f;
SELECT music.unfollow(10, 4);
SELECT count(*) FROM (SELECT music.like_track(u, t) FROM generate_series(1, 40) u, generate_series(1, 24) t
					  WHERE (u + 2 * t) % 7 = 1 AND (u + t) % 3 <> 0 ORDER BY u, t) l;
SELECT music.refresh_analytics();
SELECT music.detect_milestones();
SELECT music.process_jobs(1000) >= 0;
