-- Superfan ranks read from kept score counts, 28-day listeners of a
-- backfilled month, and where a month's payout pool went.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

SELECT count(music.create_user('fan' || i)) FROM generate_series(1, 8) i;
SELECT music.create_user('maker'), music.create_user('other');
SELECT music.create_creator(9, 'Maker'), music.create_creator(10, 'Other');
SELECT music.publish_track(1, 'Song', 180000), music.publish_track(2, 'Tune', 180000);

-- fan u plays track 1 u times in January 2026 (a backfill: that month is over)
SELECT count(*) FILTER (WHERE music.record_play(u, 1, 60000,
		'2026-01-20 00:00+00'::timestamptz + (u * 100 + n) * interval '5 minutes'))
FROM generate_series(1, 8) u, generate_series(1, 8) n WHERE n <= u;
SELECT music.like_track(2, 1), music.follow(3, 1), music.follow(1, 2);
SELECT music.add_comment(1, 1, 'ties fan 1 with fan 6');
SELECT music.refresh_analytics();

CREATE FUNCTION pg_temp.plan(query text) RETURNS TABLE ("QUERY PLAN" text) LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || query;
END
$$;

-- ranks against rank() over every fan, before and after scores change
CREATE FUNCTION pg_temp.ranks_agree() RETURNS boolean LANGUAGE sql AS $$
	SELECT bool_and(m.superfan_rank = r.rank) AND count(*) = (SELECT count(*) FROM music.fan_stats)
	FROM music.fan_engagement_metrics m
	JOIN (SELECT creator_id, user_id, rank() OVER (PARTITION BY creator_id ORDER BY score DESC) AS rank
		  FROM music.fan_stats) r ON r.creator_id = m.creator_id AND r.user_id = m.fan_id
$$;
SELECT fan_id, plays, likes, comments, superfan_score, superfan_rank
FROM music.fan_engagement_metrics WHERE creator_id = 1 ORDER BY superfan_score DESC, fan_id LIMIT 50;
SELECT pg_temp.ranks_agree();
SELECT music.unlike_track(2, 1), music.unfollow(3, 1), music.follow(8, 1);
SELECT music.record_play(4, 1, 60000, '2026-02-02 00:00+00');
SELECT music.refresh_analytics();
SELECT pg_temp.ranks_agree();
SELECT creator_id, score, fans FROM music.fan_score_counts ORDER BY creator_id, score DESC;
-- a top 50 and a single fan's rank read indexes: no sort, no window over every fan
-- (the tables are tiny, so scans and sorts are priced out to show what can be done)
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET enable_sort = off;
SELECT bool_and(line !~ '(Sort|WindowAgg)') AS top_50_without_sort FROM (
	SELECT "QUERY PLAN" AS line FROM pg_temp.plan($q$SELECT fan_id, following_since, superfan_rank
		FROM music.fan_engagement_metrics
		WHERE creator_id = 1 ORDER BY superfan_score DESC, fan_id LIMIT 50$q$)) p;
SELECT bool_and(line !~ '(Sort|WindowAgg)') AS one_rank_without_sort FROM (
	SELECT "QUERY PLAN" AS line FROM pg_temp.plan($q$SELECT superfan_rank FROM music.fan_engagement_metrics
		WHERE creator_id = 1 AND fan_id = 3$q$)) p;
RESET enable_seqscan;
RESET enable_bitmapscan;
RESET enable_sort;

-- January's 28-day listeners: the fans with a counted play on 4 to 31 January
SELECT month, listeners, listeners_28d FROM music.monthly_analytics WHERE creator_id = 1 AND month < '2026-03-01' ORDER BY month;

-- a closed month with revenue and no counted plays keeps its whole pool, visibly
SELECT music.record_subscription_payment(1, '2025-06-01', 10);
SELECT music.close_month('2025-06-01');
SELECT music.close_month('2026-01-01');
SELECT month, revenue, pool, paid_to_creators, undistributed FROM music.month_payouts ORDER BY month;
SET ROLE music_reader;
SELECT count(*) AS readable FROM music.month_payouts;
RESET ROLE;
