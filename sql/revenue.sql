-- Subscription payments and the monthly close (pro-rata earnings).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql
SET datestyle = 'ISO';

SELECT music.create_user('payer_' || i) FROM generate_series(1, 2) i;
SELECT music.create_user('maker_' || i) FROM generate_series(1, 2) i;
SELECT music.create_creator(3, 'Maker One'), music.create_creator(4, 'Maker Two');
SELECT music.publish_track(1, 'A', 200000), music.publish_track(2, 'B', 200000);

-- October 2025: creator 1 has two counted plays, creator 2 one; a play
-- outside the month and an uncounted one do not share in the pool
SELECT music.record_play(1, 1, 60000, '2025-10-01 00:00:00+00'),
       music.record_play(1, 1, 60000, '2025-10-31 23:59:59+00'),
       music.record_play(2, 2, 60000, '2025-10-15 12:00:00+00'),
       music.record_play(2, 2, 1000, '2025-10-16 12:00:00+00'),
       music.record_play(2, 1, 60000, '2025-11-01 00:00:00+00');
SELECT music.record_subscription_payment(1, '2025-10-01', 10),
       music.record_subscription_payment(2, '2025-10-01', 5);

SELECT music.close_month('2025-10-01');
SELECT month, revenue, payout_share FROM music.closed_months;
SELECT creator_id, month, counted_plays, revenue FROM music.creator_earnings ORDER BY creator_id;

-- the payout share is a setting
SET music.payout_share = 0.5;
SELECT music.record_subscription_payment(1, '2025-11-01', 4);
SELECT music.close_month('2025-11-01');
RESET music.payout_share;
SELECT creator_id, month, counted_plays, revenue FROM music.creator_earnings
WHERE month = '2025-11-01';

-- a month with payments but no counted plays closes with no earnings
SELECT music.record_subscription_payment(1, '2025-12-01', 3);
SELECT music.close_month('2025-12-01');
SELECT count(*) AS december_earnings FROM music.creator_earnings WHERE month = '2025-12-01';

SELECT pg_temp.fails($$SELECT music.close_month('2025-10-01')$$);
SELECT pg_temp.fails($$SELECT music.close_month('2999-01-01')$$);
SELECT pg_temp.fails($$SELECT music.close_month('2025-10-02')$$);
SELECT pg_temp.fails($$SELECT music.close_month(NULL)$$);
SELECT pg_temp.fails($$SELECT music.close_month('infinity')$$);
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(1, '2025-10-01', 1)$$);
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(1, '2026-01-15', 1)$$);
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(1, '2026-01-01', 0)$$);
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(1, '2026-01-01', -2)$$);
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(1, '2026-01-01', 'NaN')$$);
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(1, '2026-01-01', NULL)$$);
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(9, '2026-01-01', 1)$$);
SELECT count(*) AS payments FROM music.subscription_payments;
