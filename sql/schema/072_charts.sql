-- Charts: weekly charts, trending tracks and live leaderboards, kept by
-- refresh_analytics() (src/charts.c) from the events of each refresh.

-- Chart weeks run Friday 00:00 to Thursday 23:59:59 UTC.  The body runs
-- with its caller's search_path (a SET would stop it being inlined), so its
-- operators are named with their schema.
CREATE FUNCTION chart_week(day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
	SELECT day OPERATOR(pg_catalog.-)
		   ((extract(isodow FROM day)::int OPERATOR(pg_catalog.+) 2) OPERATOR(pg_catalog.%) 7)
$$;
COMMENT ON FUNCTION chart_week(date) IS 'The Friday that starts the chart week of a day.';

CREATE TABLE weekly_track_plays (
	week_start date NOT NULL CHECK (extract(isodow FROM week_start) = 5),
	track_id bigint NOT NULL,
	counted_plays bigint NOT NULL,
	PRIMARY KEY (week_start, track_id)
);
CREATE INDEX weekly_track_plays_top ON weekly_track_plays (week_start, counted_plays DESC, track_id);
COMMENT ON TABLE weekly_track_plays IS 'Counted plays per chart week and track: what weekly_charts ranks.';
COMMENT ON COLUMN weekly_track_plays.week_start IS 'The Friday (UTC) that starts the chart week.';
COMMENT ON COLUMN weekly_track_plays.track_id IS 'The track.';
COMMENT ON COLUMN weekly_track_plays.counted_plays IS 'Counted plays of the track in that week.';

CREATE TABLE weekly_creator_plays (
	week_start date NOT NULL CHECK (extract(isodow FROM week_start) = 5),
	creator_id bigint NOT NULL,
	counted_plays bigint NOT NULL,
	PRIMARY KEY (week_start, creator_id)
);
CREATE INDEX weekly_creator_plays_top ON weekly_creator_plays (week_start, counted_plays DESC, creator_id);
COMMENT ON TABLE weekly_creator_plays IS 'Counted plays per chart week and creator.';
COMMENT ON COLUMN weekly_creator_plays.week_start IS 'The Friday (UTC) that starts the chart week.';
COMMENT ON COLUMN weekly_creator_plays.creator_id IS 'The creator.';
COMMENT ON COLUMN weekly_creator_plays.counted_plays IS 'Counted plays of the creator''s tracks in that week.';

CREATE TABLE weekly_charts (
	week_start date NOT NULL,
	rank int NOT NULL CHECK (rank > 0),
	track_id bigint NOT NULL,
	plays bigint NOT NULL,
	last_week_rank int,
	peak_rank int NOT NULL,
	weeks_on_chart int NOT NULL,
	movement text NOT NULL CHECK (movement IN ('new', 're-entry', 'up', 'down', 'same')),
	PRIMARY KEY (week_start, rank),
	UNIQUE (week_start, track_id)
);
CREATE INDEX weekly_charts_track ON weekly_charts (track_id, week_start);
COMMENT ON TABLE weekly_charts IS 'The top music.chart_size tracks of each chart week (Friday to Thursday, UTC) by counted plays; the running week is live.';
COMMENT ON COLUMN weekly_charts.week_start IS 'The Friday (UTC) that starts the chart week.';
COMMENT ON COLUMN weekly_charts.rank IS 'Position, 1 first; ties in plays go to the lower track id.';
COMMENT ON COLUMN weekly_charts.track_id IS 'The track.';
COMMENT ON COLUMN weekly_charts.plays IS 'Counted plays in the week.';
COMMENT ON COLUMN weekly_charts.last_week_rank IS 'Rank in the previous chart week; null when not on that chart.';
COMMENT ON COLUMN weekly_charts.peak_rank IS 'Best rank the track has reached up to this week.';
COMMENT ON COLUMN weekly_charts.weeks_on_chart IS 'Chart weeks the track has been on the chart, this one included.';
COMMENT ON COLUMN weekly_charts.movement IS 'new (first time on the chart), re-entry (on an earlier chart, not last week''s), up, down or same against last week.';

-- Trending: each window has a length and a half-life.  A track's score is
-- the sum of its daily trending points over the window, each day's points
-- halved every half_life_days of age.  It is kept exact, so that equal
-- scores tie and the order falls to the track id: the stored weight sums
-- each day's points times a growth factor from a fixed epoch, rounded to
-- fixed places (trending_growth), which no refresh order can change; the
-- displayed score is the weight decayed to the base day (trending_score).
-- A refresh touches only the tracks with new events, and once a day every
-- row's displayed score.
CREATE TABLE trending_windows (
	time_window text PRIMARY KEY,
	days int NOT NULL CHECK (days > 0),
	half_life_days double precision NOT NULL CHECK (half_life_days > 0),
	base_day date,
	expired_through date,
	weight_epoch date
);
INSERT INTO trending_windows (time_window, days, half_life_days) VALUES ('week', 7, 2), ('month', 30, 7);
COMMENT ON TABLE trending_windows IS 'Trending windows: length and half-life (settable), and the refresh''s bookkeeping.';
COMMENT ON COLUMN trending_windows.time_window IS 'Window name: week or month.';
COMMENT ON COLUMN trending_windows.days IS 'Days in the window, today included.';
COMMENT ON COLUMN trending_windows.half_life_days IS 'Age in days at which a day''s points count half.';
COMMENT ON COLUMN trending_windows.base_day IS 'The day the displayed scores are decayed to.';
COMMENT ON COLUMN trending_windows.expired_through IS 'Last day whose points have left the window.';
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

CREATE TABLE trending_tracks (
	time_window text NOT NULL REFERENCES trending_windows,
	track_id bigint NOT NULL,
	genre text,
	score double precision NOT NULL,
	last_day date NOT NULL,
	weight numeric NOT NULL,
	PRIMARY KEY (time_window, track_id)
);
CREATE INDEX trending_tracks_top ON trending_tracks (time_window, score DESC, track_id);
CREATE INDEX trending_tracks_genre_top ON trending_tracks (time_window, genre, score DESC, track_id);
COMMENT ON TABLE trending_tracks IS 'Trending score per window and track: time-decayed karma-weighted unique listeners, likes and comments; rank by score descending, then track_id.';
COMMENT ON COLUMN trending_tracks.time_window IS 'week or month (see trending_windows).';
COMMENT ON COLUMN trending_tracks.track_id IS 'The track.';
COMMENT ON COLUMN trending_tracks.genre IS 'The track''s genre, for per-genre trending.';
COMMENT ON COLUMN trending_tracks.score IS 'Sum over the window of each day''s trending_points times 0.5^(age in days / half-life), as of the last refresh''s day; exactly equal for tracks with equal points on the same days.';
COMMENT ON COLUMN trending_tracks.last_day IS 'Last day with trending points; rows leave when it leaves the window.';
COMMENT ON COLUMN trending_tracks.weight IS 'Exact form of the score: each day''s points times trending_growth(day), summed.';

-- Live leaderboards: top 100 tracks and creators of the current UTC day and
-- chart week, each branch an index scan.
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

GRANT SELECT ON weekly_track_plays, weekly_creator_plays, weekly_charts, trending_windows,
	trending_tracks, leaderboards TO music_reader;
GRANT EXECUTE ON FUNCTION chart_week(date) TO music_reader, music_app;
