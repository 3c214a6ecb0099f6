-- The platform clock (src/clock.c, sql/schema/005_clock.sql) and exact
-- trending scores (src/charts.c).

CREATE FUNCTION as_of() RETURNS timestamptz
AS 'MODULE_PATHNAME', 'music_as_of' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION as_of() IS 'The platform clock: the music.as_of setting when set, else the start of the current transaction.';

CREATE FUNCTION today() RETURNS date
AS 'MODULE_PATHNAME', 'music_today' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION today() IS 'The platform clock''s UTC calendar day.';

-- events happen at the platform clock's "now"
ALTER TABLE likes ALTER COLUMN created_at SET DEFAULT music.as_of();
ALTER TABLE follows ALTER COLUMN created_at SET DEFAULT music.as_of();
ALTER TABLE comments ALTER COLUMN created_at SET DEFAULT music.as_of();
ALTER TABLE calendar ALTER COLUMN starts SET DEFAULT date_trunc('month', music.as_of() AT TIME ZONE 'UTC')::date;
CREATE OR REPLACE FUNCTION record_play(user_id bigint, track_id bigint, ms_played int,
							played_at timestamptz DEFAULT music.as_of(), source text DEFAULT NULL,
							country text DEFAULT NULL, client_ip inet DEFAULT NULL,
							session_id bigint DEFAULT NULL)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_record_play' LANGUAGE C VOLATILE SECURITY DEFINER;
-- (10_security.sql pins its search_path again, with every SECURITY DEFINER function's)

-- leaderboards reads every column of daily_track_stats, so it goes while
-- trending_points changes type (further down: "exact decimals"), and comes
-- back with its comments and grant.
DROP VIEW leaderboards;
ALTER TABLE analytics_batch_points ALTER COLUMN points TYPE numeric USING round(points::numeric, 6);
ALTER TABLE daily_track_stats ALTER COLUMN trending_points TYPE numeric USING round(trending_points::numeric, 6);
CREATE VIEW leaderboards AS
SELECT * FROM (
	SELECT 'day'::text AS period, 'track'::text AS kind, d.day AS period_start,
		   row_number() OVER (ORDER BY d.counted_plays DESC, d.track_id)::int AS rank,
		   d.track_id AS id, d.counted_plays
	FROM (SELECT day, track_id, counted_plays FROM daily_track_stats
		  WHERE day = music.today() AND counted_plays > 0
		  ORDER BY counted_plays DESC, track_id LIMIT 100) d
) day_tracks
UNION ALL
SELECT * FROM (
	SELECT 'day', 'creator', d.day,
		   row_number() OVER (ORDER BY d.counted_plays DESC, d.creator_id)::int,
		   d.creator_id, d.counted_plays
	FROM (SELECT day, creator_id, counted_plays FROM daily_creator_stats
		  WHERE day = music.today() AND counted_plays > 0
		  ORDER BY counted_plays DESC, creator_id LIMIT 100) d
) day_creators
UNION ALL
SELECT * FROM (
	SELECT 'week', 'track', w.week_start,
		   row_number() OVER (ORDER BY w.counted_plays DESC, w.track_id)::int,
		   w.track_id, w.counted_plays
	FROM (SELECT week_start, track_id, counted_plays FROM weekly_track_plays
		  WHERE week_start = chart_week(music.today()) AND counted_plays > 0
		  ORDER BY counted_plays DESC, track_id LIMIT 100) w
) week_tracks
UNION ALL
SELECT * FROM (
	SELECT 'week', 'creator', w.week_start,
		   row_number() OVER (ORDER BY w.counted_plays DESC, w.creator_id)::int,
		   w.creator_id, w.counted_plays
	FROM (SELECT week_start, creator_id, counted_plays FROM weekly_creator_plays
		  WHERE week_start = chart_week(music.today()) AND counted_plays > 0
		  ORDER BY counted_plays DESC, creator_id LIMIT 100) w
) week_creators;
COMMENT ON VIEW leaderboards IS 'Top 100 tracks and creators by counted plays for the current UTC day and chart week, as of the last refresh.';
COMMENT ON COLUMN leaderboards.period IS 'day or week.';
COMMENT ON COLUMN leaderboards.kind IS 'track or creator.';
COMMENT ON COLUMN leaderboards.period_start IS 'The day, or the Friday starting the chart week.';
COMMENT ON COLUMN leaderboards.rank IS 'Position, 1 first.';
COMMENT ON COLUMN leaderboards.id IS 'Track id or creator id, after kind.';
COMMENT ON COLUMN leaderboards.counted_plays IS 'Counted plays in the period.';
GRANT SELECT ON leaderboards TO music_reader;

-- Trending points become exact decimals and scores exact weights.
COMMENT ON COLUMN daily_track_stats.trending_points IS 'The day''s contribution to trending before decay: karma-weighted unique listeners (each 1 + ln(1 + followers), to six places), plus 2 per like and 3 per comment.';
ALTER TABLE trending_windows ADD COLUMN weight_epoch date;
UPDATE trending_windows SET weight_epoch = base_day - days WHERE base_day IS NOT NULL;
COMMENT ON COLUMN trending_windows.base_day IS 'The day the displayed scores are decayed to.';
COMMENT ON COLUMN trending_windows.weight_epoch IS 'The day growth factors count from; moved once it is a year old.';

-- 2^((day - epoch) / half_life) to twelve places: the same day always
-- weighs the same, so weights are exact sums.
CREATE FUNCTION trending_growth(day date, epoch date, half_life double precision)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN pg_catalog.round(pg_catalog.power(2::numeric,
	pg_catalog.numeric_div((day OPERATOR(pg_catalog.-) epoch)::numeric, half_life::numeric)), 12);
COMMENT ON FUNCTION trending_growth(date, date, double precision) IS 'Trending growth factor of a day''s points, counted from the window''s epoch.';

-- A weight as a score decayed to base_day: equal weights give equal scores.
CREATE FUNCTION trending_score(weight numeric, base_day date, epoch date, half_life double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN pg_catalog.numeric_div(weight, music.trending_growth(base_day, epoch, half_life))::double precision;
COMMENT ON FUNCTION trending_score(numeric, date, date, double precision) IS 'Trending score as of base_day of a stored weight.';

ALTER TABLE trending_tracks ADD COLUMN weight numeric;
UPDATE trending_tracks t SET weight = coalesce((
	SELECT sum(d.trending_points * music.trending_growth(d.day, w.weight_epoch, w.half_life_days))
	FROM daily_track_stats d WHERE d.track_id = t.track_id AND d.day > w.expired_through), 0)
FROM trending_windows w WHERE w.time_window = t.time_window;
UPDATE trending_tracks t SET score = music.trending_score(t.weight, w.base_day, w.weight_epoch, w.half_life_days)
FROM trending_windows w WHERE w.time_window = t.time_window;
ALTER TABLE trending_tracks ALTER COLUMN weight SET NOT NULL;
DROP INDEX trending_tracks_top, trending_tracks_genre_top;
CREATE INDEX trending_tracks_top ON trending_tracks (time_window, score DESC, track_id);
CREATE INDEX trending_tracks_genre_top ON trending_tracks (time_window, genre, score DESC, track_id);
COMMENT ON TABLE trending_tracks IS 'Trending score per window and track: time-decayed karma-weighted unique listeners, likes and comments; rank by score descending, then track_id.';
COMMENT ON COLUMN trending_tracks.score IS 'Sum over the window of each day''s trending_points times 0.5^(age in days / half-life), as of the last refresh''s day; exactly equal for tracks with equal points on the same days.';
COMMENT ON COLUMN trending_tracks.weight IS 'Exact form of the score: each day''s points times trending_growth(day), summed.';

-- as in 900_privileges.sql: nothing for PUBLIC; the clock for the roles
-- whose views and defaults read it
REVOKE ALL ON FUNCTION as_of(), today(), trending_growth(date, date, double precision),
	trending_score(numeric, date, date, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION as_of(), today() TO music_app, music_reader, music_admin;
