-- Rules that must not be gamed: the per-IP limit whatever the reporting
-- order, one limit for an address and its IPv4-mapped form, IPv6 per /64.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql

SELECT music.create_user('user_' || i) FROM generate_series(1, 8) i;
SELECT music.create_creator(1, 'Artist');
SELECT music.publish_track(1, 'Song', 200000);
SET music.ip_hourly_limit = 2;

-- five plays within four minutes from one address, reported newest first:
-- only two count
SELECT i AS user_id, music.record_play(i, 1, 60000, '2026-03-01 12:04:00+00'::timestamptz - (i - 1) * interval '1 minute',
									   client_ip => '198.51.100.7') AS counted
FROM generate_series(1, 5) i ORDER BY i;
-- nor does any later report inside an hour of them
SELECT music.record_play(6, 1, 60000, '2026-03-01 11:30:00+00', client_ip => '198.51.100.7') AS half_hour_before;
SELECT music.record_play(6, 1, 60000, '2026-03-01 13:02:59+00', client_ip => '198.51.100.7') AS just_under_an_hour_after;
-- an hour after the first counted play (12:03), only one other is within the hour
SELECT music.record_play(7, 1, 60000, '2026-03-01 13:03:00+00', client_ip => '198.51.100.7') AS an_hour_after;

-- the IPv4-mapped IPv6 form is the same address
SELECT music.record_play(1, 1, 60000, '2026-03-02 12:00:00+00', client_ip => '198.51.100.8') AS v4;
SELECT music.record_play(2, 1, 60000, '2026-03-02 12:01:00+00', client_ip => '::ffff:198.51.100.8') AS mapped;
SELECT music.record_play(3, 1, 60000, '2026-03-02 12:02:00+00', client_ip => '::ffff:198.51.100.8') AS mapped_over_limit;

-- IPv6: one /64 is one client, another /64 another
SELECT music.record_play(1, 1, 60000, '2026-03-03 12:00:00+00', client_ip => '2001:db8:0:1::1') AS first_in_64;
SELECT music.record_play(2, 1, 60000, '2026-03-03 12:01:00+00', client_ip => '2001:db8:0:1:ffff::2') AS second_in_64;
SELECT music.record_play(3, 1, 60000, '2026-03-03 12:02:00+00', client_ip => '2001:db8:0:1:abcd::3') AS third_in_64;
SELECT music.record_play(4, 1, 60000, '2026-03-03 12:02:00+00', client_ip => '2001:db8:0:2::1') AS other_64;

SELECT count(*) FILTER (WHERE counted) AS counted, count(*) FILTER (WHERE not_counted_reason = 'ip_limit') AS ip_limited
FROM music.plays;

-- Payments: outside [1 attoFIL, 1e9 FIL] is 22023, not a column error
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(1, '2026-01-01', 1e-30)$$);
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(1, '2026-01-01', 1e20)$$);
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(1, '2026-01-01', 0)$$);
SELECT music.record_subscription_payment(1, '2026-01-01', 1e-18) > 0 AS smallest_paid;

-- A month whose revenue overflows stays open with a warning; the months
-- after it close regardless (the calendar is not blocked).
SET music.month_close_delay = 0;
UPDATE music.calendar SET starts = date_trunc('month', music.as_of() AT TIME ZONE 'UTC' - interval '3 months');
SELECT count(music.record_subscription_payment(1, (SELECT starts FROM music.calendar), 1e9)) AS payments
FROM generate_series(1, 1000);
SET client_min_messages = error;
SELECT music.close_due_periods() >= 2 AS closed_some;
SET client_min_messages = warning;
SELECT count(*) AS months_closed,
	   count(*) FILTER (WHERE month = (SELECT starts FROM music.calendar)) AS overflowing_closed
FROM music.closed_months;

-- played_at: nothing before 2000-01-01 UTC, with a plain 22023
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 60000, '1999-12-31 23:59:59+00')$$);
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 60000, '4713-01-01 00:00:00+00 BC')$$);
SELECT pg_temp.fails($$SELECT music.record_plays('{1}', '{1}', '{60000}', '{4713-01-01 00:00:00+00 BC}')$$);

-- milestone steps: bounded, and lowering one fires at most 100 steps at once
SELECT pg_temp.fails($$UPDATE music.milestone_rules SET threshold = 1e19 WHERE rule = 'plays'$$);
SELECT music.record_plays(array_fill(8::bigint, ARRAY[300]), array_fill(1::bigint, ARRAY[300]),
						  array_fill(60000, ARRAY[300]),
						  ARRAY(SELECT '2026-04-01 00:00:00+00'::timestamptz + i * interval '2 minutes'
								FROM generate_series(1, 300) i)) AS batch_counted;
SELECT count(*) AS counted_plays FROM music.plays WHERE counted;
UPDATE music.milestone_rules SET threshold = 1 WHERE rule = 'plays';
SELECT music.record_play(8, 1, 60000, '2026-03-05 12:00:00+00') AS counted;
SELECT count(*) AS plays_milestones, min(threshold) AS lowest, max(threshold) AS highest
FROM music.milestones WHERE rule = 'plays';

-- create_user does not repeat a megabyte of handle
SELECT pg_temp.fails($$SELECT music.create_user(repeat('x', 1000000))$$);

-- follow_age_days counts UTC days, whatever the session's TimeZone
SELECT music.follow(5, 1);
UPDATE music.follows SET created_at = '2026-03-01 23:30:00+00' WHERE user_id = 5;
SELECT music.record_play(5, 1, 60000, '2026-03-06 12:00:00+00') AS counted;
SELECT music.refresh_analytics();
SET TimeZone = 'Pacific/Kiritimati';
SELECT follow_age_days = music.today() - date '2026-03-01' AS utc_days
FROM music.fan_engagement_metrics WHERE fan_id = 5;
RESET TimeZone;

-- An unlike on a later day takes back exactly what its like gave: trending
-- never goes below the tracks nobody touched.
SELECT music.publish_track(1, 'Liked Yesterday', 200000) AS liked_track;
SELECT music.refresh_analytics();
SELECT music.like_track(6, 2);
UPDATE music.likes SET created_at = now() - interval '1 day' WHERE track_id = 2;
UPDATE music.analytics_events SET at = now() - interval '1 day' WHERE kind = 'like';
SELECT music.refresh_analytics();
SELECT score > 0 AS liked_score_positive FROM music.trending_tracks WHERE track_id = 2 AND time_window = 'week';
SELECT music.unlike_track(6, 2);
SELECT music.refresh_analytics();
SELECT coalesce(min(score), 0) >= 0 AS never_negative FROM music.trending_tracks WHERE track_id = 2;
