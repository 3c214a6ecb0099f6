SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

-- setup: listeners 1..6, creators X (id 1, user 7) with tracks x1..x3
-- (ids 1..3) and Y (id 2, user 8) with track y1 (id 4)
SELECT count(music.create_user('user' || i)) FROM generate_series(1, 8) i;
SELECT music.create_creator(7, 'X'), music.create_creator(8, 'Y');
SELECT music.publish_track(1, t, 180000) FROM unnest(ARRAY['x1', 'x2', 'x3']) t;
SELECT music.publish_track(2, 'y1', 180000);

-- January 2026: X has 9 counted plays from 4 listeners (5 from DE, 3 from
-- US, 1 from FR), Y one play from FR; user 5 only likes, comments and
-- follows X
SELECT count(*) FILTER (WHERE music.record_play(u, t, 60000, at, NULL, c))
FROM (VALUES (1, 1, '2026-01-10 10:00+00'::timestamptz, 'DE'), (1, 2, '2026-01-10 10:05+00', 'DE'),
			 (2, 1, '2026-01-10 11:00+00', 'DE'), (2, 2, '2026-01-10 11:05+00', 'DE'), (2, 3, '2026-01-10 11:10+00', 'DE'),
			 (3, 1, '2026-01-11 10:00+00', 'FR'), (3, 4, '2026-01-11 10:05+00', 'FR'),
			 (4, 1, '2026-01-12 10:00+00', 'US'), (4, 1, '2026-01-12 10:05+00', 'US'), (4, 1, '2026-01-12 10:10+00', 'US'))
	 AS p(u, t, at, c);
SELECT music.like_track(5, 1), music.add_comment(5, 1, 'great') > 0, music.follow(5, 1);
-- an uncounted play is a play, but no listener
SELECT music.record_play(6, 1, 1000, '2026-01-13 10:00+00', NULL, 'US');
SELECT music.refresh_analytics();

-- monthly analytics: listeners are distinct users with a counted play;
-- revenue stays null until the month is closed
SELECT creator_id, month, plays, counted_plays, listeners, new_followers, revenue, top_countries
FROM music.monthly_analytics WHERE month = '2026-01-01' ORDER BY creator_id;
SELECT music.record_subscription_payment(1, '2026-01-01', 10) > 0;
SELECT music.close_month('2026-01-01');
SELECT creator_id, counted_plays, revenue FROM music.monthly_analytics WHERE month = '2026-01-01' ORDER BY creator_id;

-- 28-day listeners: computed once a day for yesterday's month, from the
-- 28 days up to yesterday (users 6 and 1 played X three and five days ago)
CREATE FUNCTION pg_temp.day(n int) RETURNS timestamptz
LANGUAGE sql AS $$ SELECT date_trunc('day', music.as_of() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - n * interval '1 day' $$;
SELECT music.record_play(6, 1, 60000, pg_temp.day(3)), music.record_play(1, 2, 60000, pg_temp.day(5));
UPDATE music.analytics_state SET listeners_28d_day = NULL;
SELECT music.refresh_analytics();
SELECT creator_id, listeners_28d FROM music.monthly_analytics
WHERE month = date_trunc('month', music.as_of() AT TIME ZONE 'UTC' - interval '1 day')::date ORDER BY creator_id;

-- fans of X: user 5's like (3), comment (5) and follow (10) make 18; ties
-- share a rank
SELECT fan_id, plays, likes, comments, follow_age_days, superfan_score, superfan_rank
FROM music.fan_engagement_metrics WHERE creator_id = 1 ORDER BY superfan_rank, fan_id;
-- unliking and unfollowing take the points back
SELECT music.unlike_track(5, 1), music.unfollow(5, 1);
SELECT music.refresh_analytics();
SELECT fan_id, likes, follow_age_days, superfan_score, superfan_rank
FROM music.fan_engagement_metrics WHERE creator_id = 1 AND fan_id = 5;

-- BI: music_reader reads every analytics relation, and every column it can
-- read has a comment
SELECT c.relname, has_table_privilege('music_reader', c.oid, 'SELECT') AS readable
FROM pg_class c
WHERE c.relnamespace = 'music'::regnamespace
  AND c.relname IN ('daily_stats', 'daily_track_stats', 'daily_creator_stats', 'weekly_charts',
					'trending_tracks', 'leaderboards', 'monthly_analytics', 'creator_earnings',
					'fan_engagement_metrics', 'track_stats', 'creator_stats')
ORDER BY c.relname;
SELECT c.relname, a.attname AS uncommented
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = 'music'::regnamespace AND c.relkind IN ('r', 'v')
  AND has_table_privilege('music_reader', c.oid, 'SELECT')
  AND col_description(c.oid, a.attnum) IS NULL
ORDER BY 1, 2;
SELECT c.relname AS relation_without_comment
FROM pg_class c
WHERE c.relnamespace = 'music'::regnamespace AND c.relkind IN ('r', 'v')
  AND obj_description(c.oid, 'pg_class') IS NULL
ORDER BY 1;
