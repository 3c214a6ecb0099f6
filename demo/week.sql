-- One chart week of the demo platform (Friday :week_start to the next), at
-- the platform clock :as_of (its end).  Plays follow Zipf's law over the
-- catalogue (track r with probability ln((r + 1) / r) / ln(n + 1), about 1/r), ten tracks below the
-- top five trade places from week to week; 15% of plays stop before 30 s
-- and do not count.  A tenth go through record_play one by one, the rest
-- through record_plays in batches of 5,000.  When :viral is 1, creator 1's
-- fans play their three first tracks until creator 1 passes the coin
-- threshold (creator 1 owns tracks 1 to 5).  Each user plays at most once per four minutes, so no play
-- overlaps another of the same user.
\set QUIET on
\o /dev/null
SET music.as_of = :'as_of';
SELECT setseed(extract(doy FROM date :'week_start') / 400.0);
SELECT (date :'week_start' - date '2025-01-03') / 7 AS week_no \gset

-- the month's premium subscriptions, paid in its first week
SELECT count(music.record_subscription_payment(u, m.month, 4.99)) AS payments
FROM (SELECT date_trunc('month', date :'week_start' + 6)::date AS month) m,
	 generate_series(1, (:users - :creators) * 2 / 5) u
WHERE NOT EXISTS (SELECT FROM music.subscription_payments p WHERE p.month = m.month) \gset

SELECT CASE WHEN :viral = 1 THEN greatest(0, (SELECT threshold FROM music.milestone_rules WHERE rule = 'coin')::bigint
		- (SELECT count(*) FROM music.plays p JOIN music.tracks t ON t.id = p.track_id
		   WHERE p.counted AND t.creator_id = 1)) + 100
	   ELSE 0 END AS viral_plays \gset

CREATE TEMP TABLE week_plays AS
SELECT g, 1 + g % :users AS user_id, track_id,
	   CASE WHEN g < :plays AND random() < 0.15 THEN floor(random() * 29000)::int ELSE d.duration_ms END AS ms_played,
	   timestamptz :'week_start' + (g / :users) * interval '4 minutes' + (g % :users) * interval '100 ms' AS played_at
FROM (
	SELECT g, CASE WHEN g >= :plays THEN 1 + g % 3
				   WHEN r BETWEEN 6 AND 15 THEN 6 + (r - 6 + :week_no * 3) % 10
				   ELSE r END AS track_id
	FROM (SELECT g, floor(exp(random() * ln(5 * :creators + 1)))::bigint AS r
		  FROM generate_series(0, :plays + :viral_plays - 1) g) z
) pick
JOIN music.tracks d ON d.id = pick.track_id;

SELECT count(*) FILTER (WHERE music.record_play(user_id, track_id, ms_played, played_at, 'radio')) AS single_counted
FROM (SELECT * FROM week_plays WHERE g < :plays / 10 ORDER BY g) s \gset
SELECT coalesce(sum(music.record_plays(u, t, m, p)), 0) AS batch_counted
FROM (SELECT array_agg(user_id ORDER BY g) u, array_agg(track_id ORDER BY g) t,
			 array_agg(ms_played ORDER BY g) m, array_agg(played_at ORDER BY g) p
	  FROM week_plays WHERE g >= :plays / 10 GROUP BY g / 5000) b \gset

-- likes and follows lean to the popular, comments to the top twenty tracks
SELECT count(*) FILTER (WHERE music.like_track(1 + g % :users,
			floor(exp(random() * ln(5 * :creators + 1)))::bigint)) AS likes
FROM generate_series(1, :plays / 10) g \gset
SELECT count(*) FILTER (WHERE music.follow(1 + floor(random() * (:users - :creators))::bigint,
			floor(exp(random() * ln(:creators + 1)))::bigint)) AS follows
FROM generate_series(1, :plays / 10) g \gset
SELECT count(music.add_comment(1 + floor(random() * (:users - :creators))::bigint, 1 + floor(20 * random())::bigint,
		(ARRAY['This is on repeat', 'That bridge!', 'Saw this live last year', 'Underrated'])[1 + g % 4])) AS comments
FROM generate_series(1, :plays / 100) g \gset

DROP TABLE week_plays;
SELECT music.refresh_analytics();
\o
\echo '  ' :single_counted '+' :batch_counted 'counted plays,' :likes 'likes,' :follows 'follows,' :comments 'comments,' :payments 'subscription payments'
