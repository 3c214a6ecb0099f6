SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

-- setup: listeners 1..10, a creator (user 11) with tracks A..E, and a second
-- creator (user 12) followed by three listeners, so user 12 has karma
SELECT count(music.create_user('listener' || i)) FROM generate_series(1, 12) i;
SELECT music.create_creator(11, 'Artist'), music.create_creator(12, 'Famous');
SELECT music.publish_track(1, t, 180000, g)
FROM unnest(ARRAY['A', 'B', 'C', 'D', 'E'], ARRAY['pop', 'pop', 'rock', 'rock', 'pop']) AS x(t, g);
SELECT music.follow(u, 2) FROM generate_series(1, 3) u;
SELECT music.refresh_analytics();

-- day(n): midnight UTC n days ago
CREATE FUNCTION pg_temp.day(n int) RETURNS timestamptz
LANGUAGE sql AS $$ SELECT date_trunc('day', music.as_of() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - n * interval '1 day' $$;

-- A: 4 listeners today and a like; B: 8 listeners two days ago;
-- C: 10 listeners ten days ago (outside the week window);
-- D: one play today by user 12, whose karma is 1 + ln(1 + 3 followers);
-- E: five plays today, all by listener 1: one listener, so one point
SELECT count(*) FILTER (WHERE music.record_play(u, 1, 60000, pg_temp.day(0) + interval '10 seconds')) FROM generate_series(1, 4) u;
SELECT music.like_track(5, 1);
SELECT count(*) FILTER (WHERE music.record_play(u, 2, 60000, pg_temp.day(2))) FROM generate_series(1, 8) u;
SELECT count(*) FILTER (WHERE music.record_play(u, 3, 60000, pg_temp.day(10))) FROM generate_series(1, 10) u;
SELECT music.record_play(12, 4, 60000, pg_temp.day(0));
SELECT count(*) FILTER (WHERE music.record_play(1, 5, 60000, pg_temp.day(0) + i * interval '1 minute')) FROM generate_series(1, 5) i;
SELECT music.refresh_analytics();

-- week: half-life 2 days, so B's 8 points count 4; A 4 + 2 for the like
-- month: half-life 7 days: B 8 * 0.5^(2/7), C 10 * 0.5^(10/7)
SELECT time_window, track_id, genre, round(score::numeric, 3) AS score
FROM music.trending_tracks ORDER BY time_window, score DESC, track_id;
SELECT round((8 * 0.5 ^ (2 / 7.0))::numeric, 3) AS b_month, round((10 * 0.5 ^ (10 / 7.0))::numeric, 3) AS c_month,
	   round((1 + ln(4))::numeric, 3) AS d_karma;

-- per genre, top first
SELECT track_id, round(score::numeric, 3) AS score FROM music.trending_tracks
WHERE time_window = 'week' AND genre = 'rock' ORDER BY score DESC LIMIT 100;

-- two days later the week window's scores are halved
SET music.as_of = '2026-06-19 12:00:00+00';
SELECT music.refresh_analytics();
SELECT time_window, track_id, round(score::numeric, 3) AS score
FROM music.trending_tracks WHERE time_window = 'week' ORDER BY score DESC, track_id;
RESET music.as_of;

-- the top 100 of a window is an index scan
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT track_id, score FROM music.trending_tracks WHERE time_window = 'week' ORDER BY score DESC LIMIT 100;
EXPLAIN (COSTS OFF) SELECT track_id, score FROM music.trending_tracks WHERE time_window = 'week' AND genre = 'pop' ORDER BY score DESC LIMIT 100;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- leaderboards: today's top tracks and creators
SELECT period, kind, rank, id, counted_plays FROM music.leaderboards WHERE period = 'day' ORDER BY kind, rank;

-- ties: F and G earn the same points on the same days, F in one refresh and
-- G across three; their scores are exactly equal and rank by track id
SELECT music.publish_track(1, t, 180000, 'jazz') FROM unnest(ARRAY['F', 'G']) t;
SELECT count(*) FILTER (WHERE music.record_play(u, 6, 60000, pg_temp.day(d) + interval '1 hour'))
FROM (VALUES (1, 1), (2, 2), (3, 3), (4, 3)) AS p(u, d);
SELECT music.refresh_analytics();
SELECT music.record_play(5, 7, 60000, pg_temp.day(3) + interval '1 hour');
SELECT music.refresh_analytics();
SELECT music.record_play(6, 7, 60000, pg_temp.day(1) + interval '1 hour');
SELECT music.record_play(7, 7, 60000, pg_temp.day(3) + interval '2 hours');
SELECT music.refresh_analytics();
SELECT music.record_play(8, 7, 60000, pg_temp.day(2) + interval '1 hour');
SELECT music.refresh_analytics();
SELECT time_window, track_id, score = first_value(score) OVER w AS tied, weight = first_value(weight) OVER w AS same_weight
FROM music.trending_tracks WHERE genre = 'jazz'
WINDOW w AS (PARTITION BY time_window ORDER BY track_id)
ORDER BY time_window, score DESC, track_id;
