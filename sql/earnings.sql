SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

-- setup: subscribers 1..4, creators X (id 1, user 5) and Y (id 2, user 6)
-- with one track each (tracks 1 and 2)
SELECT count(music.create_user('user' || i)) FROM generate_series(1, 6) i;
SELECT music.create_creator(5, 'X'), music.create_creator(6, 'Y');
SELECT music.publish_track(1, 'x', 180000), music.publish_track(2, 'y', 180000);

-- January 2026: user 1 pays 10 and plays X 9 times and Y once; user 2 pays
-- 10 and plays Y 10 times; user 3 pays 30 and plays Y once; user 4 pays 10
-- and plays nothing.  Counted plays: X 9, Y 12.
SELECT music.record_subscription_payment(u, '2026-01-01', a) IS NOT NULL
FROM unnest(ARRAY[1, 2, 3, 4], ARRAY[10, 10, 30, 10]) AS p(u, a);
-- plays(user, track, n): n counted plays in January, one minute apart
CREATE FUNCTION pg_temp.plays(u bigint, track bigint, n int) RETURNS bigint
LANGUAGE sql AS $$
	SELECT count(*) FILTER (WHERE music.record_play(u, track, 60000,
		'2026-01-10 00:00+00'::timestamptz + (track * 100 + i) * interval '1 minute'))
	FROM generate_series(1, n) i
$$;
SELECT pg_temp.plays(1, 1, 9) + pg_temp.plays(1, 2, 1) + pg_temp.plays(2, 2, 10) + pg_temp.plays(3, 2, 1) AS counted;
-- an uncounted play earns nothing
SELECT music.record_play(4, 1, 1000, '2026-01-11 00:00+00');

-- pro-rata (default), payout share 70%: pool 42; X 42 * 9/21 = 18, Y 24
BEGIN;
SELECT music.close_month('2026-01-01');
SELECT month, revenue, payout_share, model FROM music.closed_months;
SELECT creator_id, counted_plays, revenue FROM music.creator_earnings ORDER BY creator_id;
ROLLBACK;

-- user-centric: user 1's 7 goes 6.3 to X and 0.7 to Y, user 2's 7 and user
-- 3's 21 to Y; user 4 played nothing, so 4's 7 is shared pro-rata (X 3,
-- Y 4): X 9.3, Y 32.7, the same 42 in all
BEGIN;
SET music.earnings_model = user_centric;
SELECT music.close_month('2026-01-01');
SELECT month, revenue, payout_share, model FROM music.closed_months;
SELECT creator_id, counted_plays, revenue FROM music.creator_earnings ORDER BY creator_id;
SELECT sum(revenue) FROM music.creator_earnings;
ROLLBACK;

-- payout share is a setting: at 50% the pool is 30, pro-rata X 30 * 9/21,
-- Y 30 * 12/21
BEGIN;
SET music.payout_share = 0.5;
SELECT music.close_month('2026-01-01');
SELECT creator_id, counted_plays, revenue FROM music.creator_earnings ORDER BY creator_id;
ROLLBACK;

-- errors: an unknown model, a month closed twice, a month not ended
SET music.earnings_model = 'fair';
SELECT music.close_month('2026-01-01');
SELECT music.close_month('2026-01-01');
SELECT music.close_month('2999-01-01');
