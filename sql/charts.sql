SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

-- setup: six listeners, one creator, five tracks A..E (ids 1..5)
SELECT count(music.create_user('listener' || i)) FROM generate_series(1, 6) i;
SELECT music.create_user('artist');
SELECT music.create_creator(7, 'Artist');
SELECT music.publish_track(1, t, 180000, 'pop') FROM unnest(ARRAY['A', 'B', 'C', 'D', 'E']) t;

-- chart weeks start on Friday, UTC
SELECT d, music.chart_week(d) FROM unnest(ARRAY['2026-01-01', '2026-01-02', '2026-01-08', '2026-01-09']::date[]) d;

-- plays(week, track, n): n counted plays of a track in a chart week, one per
-- listener, spaced so that no listener has two plays at once
CREATE FUNCTION pg_temp.plays(week date, track bigint, n int) RETURNS bigint
LANGUAGE sql AS $$
	SELECT count(*) FILTER (WHERE music.record_play(u, track, 60000,
		week::timestamp AT TIME ZONE 'UTC' + u * interval '1 hour' + track * interval '1 minute'))
	FROM generate_series(1, n) u
$$;

SET music.chart_size = 3;

-- week 1 (2026-01-02): A 5, B 4, C 3, D 2: everything new
SELECT pg_temp.plays('2026-01-02', 1, 5) + pg_temp.plays('2026-01-02', 2, 4)
	 + pg_temp.plays('2026-01-02', 3, 3) + pg_temp.plays('2026-01-02', 4, 2) AS counted;
SELECT music.refresh_analytics();
SELECT week_start, rank, track_id, plays, last_week_rank, peak_rank, weeks_on_chart, movement
FROM music.weekly_charts ORDER BY week_start, rank;

-- week 2: B climbs to 1, A drops to 2, D enters, C falls off
SELECT pg_temp.plays('2026-01-09', 2, 6) + pg_temp.plays('2026-01-09', 1, 4)
	 + pg_temp.plays('2026-01-09', 4, 3) + pg_temp.plays('2026-01-09', 3, 1) AS counted;
SELECT music.refresh_analytics();
-- week 3: B stays 1, C re-enters at 2 (peak 2, second week on chart),
-- E is new, A and D fall off
SELECT pg_temp.plays('2026-01-16', 2, 5) + pg_temp.plays('2026-01-16', 3, 4)
	 + pg_temp.plays('2026-01-16', 5, 3) + pg_temp.plays('2026-01-16', 1, 2)
	 + pg_temp.plays('2026-01-16', 4, 1) AS counted;
SELECT music.refresh_analytics();
SELECT week_start, rank, track_id, plays, last_week_rank, peak_rank, weeks_on_chart, movement
FROM music.weekly_charts ORDER BY week_start, rank;

-- late plays: D gets 4 more plays in week 1 (6 in all) and tops it; the
-- later weeks are re-ranked from it: D was 1, so week 2 has D down and B up
-- from 3, and C, now never on an earlier chart, enters week 3 as new
SELECT count(*) FILTER (WHERE music.record_play(u, 4, 60000, '2026-01-03 00:30+00'))
FROM generate_series(1, 4) u;
SELECT music.refresh_analytics();
SELECT week_start, rank, track_id, plays, last_week_rank, peak_rank, weeks_on_chart, movement
FROM music.weekly_charts ORDER BY week_start, rank;

-- an uncounted play changes nothing on the chart, only the raw plays
SELECT music.record_play(1, 5, 1000, '2026-01-16 12:00+00');
SELECT music.refresh_analytics();
SELECT rank, track_id, plays FROM music.weekly_charts WHERE week_start = '2026-01-16' ORDER BY rank;

-- daily stats: week 3's Friday, per track and per creator
SELECT day, level, track_id, creator_id, plays, counted_plays, listeners, likes, comments, follows
FROM music.daily_stats WHERE day = '2026-01-16' ORDER BY level, track_id;

-- a refresh with nothing new changes nothing and every event was consumed
SELECT music.refresh_analytics();
SELECT (SELECT count(*) FROM music.analytics_events) AS pending,
	   (SELECT sum(counted_plays) FROM music.weekly_track_plays) AS weekly,
	   (SELECT sum(counted_plays) FROM music.daily_track_stats) AS daily,
	   (SELECT count(*) FROM music.plays WHERE counted) AS counted;

-- the top of a chart week is an index scan
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM music.weekly_charts WHERE week_start = '2026-01-16' ORDER BY rank LIMIT 100;
RESET enable_seqscan;
RESET enable_bitmapscan;
