-- Analytics for BI: daily statistics, weekly charts, trending and
-- leaderboards, all refreshed incrementally by refresh_analytics().
--
-- The counter triggers of 060_counters.sql also append every play, like,
-- comment and follow to analytics_events (insert-only, no index, so writers
-- never wait on each other).  refresh_analytics() consumes that log with
-- DELETE ... RETURNING under an advisory lock: each event is folded into the
-- derived tables by exactly one refresh, whatever the commit order of the
-- writers, and a refresh costs in proportion to the events since the last
-- one, not to the history.

CREATE TABLE analytics_events (
	kind text NOT NULL CHECK (kind IN ('play', 'like', 'comment', 'follow')),
	user_id bigint NOT NULL,
	track_id bigint,
	creator_id bigint NOT NULL,
	at timestamptz NOT NULL,
	delta int NOT NULL CHECK (delta IN (-1, 1)),
	counted boolean NOT NULL DEFAULT false,
	country text
);
COMMENT ON TABLE analytics_events IS 'Events not yet folded into the analytics relations; refresh_analytics() empties it.';
-- Every refresh deletes what it takes, so these logs are mostly dead rows
-- unless vacuumed often; a scan of the dead space would cost every refresh.
ALTER TABLE analytics_events SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);

-- What one refresh took from analytics_events; empty outside a refresh.
CREATE UNLOGGED TABLE analytics_batch (
	kind text NOT NULL,
	user_id bigint NOT NULL,
	track_id bigint,
	creator_id bigint NOT NULL,
	day date NOT NULL,
	delta int NOT NULL,
	counted boolean NOT NULL,
	country text
);
COMMENT ON TABLE analytics_batch IS 'Work table of refresh_analytics(): the events of the refresh in progress.';
ALTER TABLE analytics_batch SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);

CREATE UNLOGGED TABLE analytics_batch_points (
	day date NOT NULL,
	track_id bigint NOT NULL,
	points numeric NOT NULL
);
COMMENT ON TABLE analytics_batch_points IS 'Work table of refresh_analytics(): trending points added by the refresh in progress.';

-- Who listened to what on which day: the sets behind the unique-listener
-- figures, kept so that a refresh only asks whether a listener is new.
CREATE TABLE track_day_listeners (
	day date NOT NULL,
	track_id bigint NOT NULL,
	user_id bigint NOT NULL,
	PRIMARY KEY (day, track_id, user_id)
);
COMMENT ON TABLE track_day_listeners IS 'Users with a counted play of a track on a day (UTC).';

CREATE TABLE creator_day_listeners (
	day date NOT NULL,
	creator_id bigint NOT NULL,
	user_id bigint NOT NULL,
	PRIMARY KEY (day, creator_id, user_id)
);
COMMENT ON TABLE creator_day_listeners IS 'Users with a counted play of a creator''s tracks on a day (UTC).';

CREATE TABLE daily_track_stats (
	day date NOT NULL,
	track_id bigint NOT NULL,
	creator_id bigint NOT NULL,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	listeners bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0,
	trending_points numeric NOT NULL DEFAULT 0,
	PRIMARY KEY (day, track_id)
);
CREATE INDEX daily_track_stats_top ON daily_track_stats (day, counted_plays DESC, track_id);
CREATE INDEX daily_track_stats_track ON daily_track_stats (track_id, day);
COMMENT ON TABLE daily_track_stats IS 'Per UTC day and track: plays, counted plays, unique listeners, likes, comments.';
COMMENT ON COLUMN daily_track_stats.day IS 'UTC calendar day of the events.';
COMMENT ON COLUMN daily_track_stats.track_id IS 'The track (music.tracks.id).';
COMMENT ON COLUMN daily_track_stats.creator_id IS 'The track''s creator (music.creators.id).';
COMMENT ON COLUMN daily_track_stats.plays IS 'Every play reported that day, counted or not.';
COMMENT ON COLUMN daily_track_stats.counted_plays IS 'Plays that count for charts and earnings.';
COMMENT ON COLUMN daily_track_stats.listeners IS 'Distinct users with a counted play that day.';
COMMENT ON COLUMN daily_track_stats.likes IS 'Likes given that day and not withdrawn since (an unlike counts on the day of its like).';
COMMENT ON COLUMN daily_track_stats.comments IS 'Comments written that day and not deleted since.';
COMMENT ON COLUMN daily_track_stats.trending_points IS 'The day''s contribution to trending before decay: karma-weighted unique listeners (each 1 + ln(1 + followers), to six places), plus 2 per like and 3 per comment.';

CREATE TABLE daily_creator_stats (
	day date NOT NULL,
	creator_id bigint NOT NULL,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	listeners bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0,
	follows bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (day, creator_id)
);
CREATE INDEX daily_creator_stats_top ON daily_creator_stats (day, counted_plays DESC, creator_id);
CREATE INDEX daily_creator_stats_creator ON daily_creator_stats (creator_id, day);
COMMENT ON TABLE daily_creator_stats IS 'Per UTC day and creator: plays, counted plays, unique listeners, likes, comments, follows.';
COMMENT ON COLUMN daily_creator_stats.day IS 'UTC calendar day of the events.';
COMMENT ON COLUMN daily_creator_stats.creator_id IS 'The creator (music.creators.id).';
COMMENT ON COLUMN daily_creator_stats.plays IS 'Every play of the creator''s tracks that day, counted or not.';
COMMENT ON COLUMN daily_creator_stats.counted_plays IS 'Plays that count for charts and earnings.';
COMMENT ON COLUMN daily_creator_stats.listeners IS 'Distinct users with a counted play of any of the creator''s tracks that day.';
COMMENT ON COLUMN daily_creator_stats.likes IS 'Likes of the creator''s tracks given that day and not withdrawn since.';
COMMENT ON COLUMN daily_creator_stats.comments IS 'Comments on the creator''s tracks written that day and not deleted since.';
COMMENT ON COLUMN daily_creator_stats.follows IS 'New followers minus unfollows that day.';

CREATE VIEW daily_stats AS
SELECT day, 'track'::text AS level, track_id, creator_id, plays, counted_plays, listeners,
	   likes, comments, NULL::bigint AS follows
FROM daily_track_stats
UNION ALL
SELECT day, 'creator', NULL, creator_id, plays, counted_plays, listeners,
	   likes, comments, follows
FROM daily_creator_stats;
COMMENT ON VIEW daily_stats IS 'Per day and track (level track) and per day and creator (level creator); filter on level and day.';
COMMENT ON COLUMN daily_stats.day IS 'UTC calendar day.';
COMMENT ON COLUMN daily_stats.level IS 'track: one row per track and day; creator: one row per creator and day.';
COMMENT ON COLUMN daily_stats.track_id IS 'The track; null on creator rows.';
COMMENT ON COLUMN daily_stats.creator_id IS 'The creator (of the track on track rows).';
COMMENT ON COLUMN daily_stats.plays IS 'Every play reported that day, counted or not.';
COMMENT ON COLUMN daily_stats.counted_plays IS 'Plays that count for charts and earnings.';
COMMENT ON COLUMN daily_stats.listeners IS 'Distinct users with a counted play that day.';
COMMENT ON COLUMN daily_stats.likes IS 'Likes given that day and not withdrawn since.';
COMMENT ON COLUMN daily_stats.comments IS 'Comments written that day and not deleted since.';
COMMENT ON COLUMN daily_stats.follows IS 'New followers minus unfollows that day; null on track rows.';

CREATE FUNCTION refresh_analytics() RETURNS void
AS 'MODULE_PATHNAME', 'music_refresh_analytics' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;
COMMENT ON FUNCTION refresh_analytics() IS 'Folds counters and every event since the last refresh into the analytics relations; concurrent callers wait for each other.';

GRANT SELECT ON daily_track_stats, daily_creator_stats, daily_stats TO music_reader;
