-- Exact counters without hot rows.  Statement-level triggers append one delta
-- row per track/creator touched by a statement (an insert, never an update,
-- so concurrent writers never queue on a shared row); fold_counters() moves
-- deltas into the per-track and per-creator totals in one atomic statement.
-- The stats views add the two, so every reader sees exact figures for its
-- snapshot whether or not a fold has run.

CREATE TABLE counter_deltas (
	track_id bigint,
	creator_id bigint NOT NULL,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0,
	followers bigint NOT NULL DEFAULT 0,
	user_id bigint,
	at timestamptz,
	country text
);
CREATE INDEX counter_deltas_track_id ON counter_deltas (track_id) WHERE track_id IS NOT NULL;
CREATE INDEX counter_deltas_creator_id ON counter_deltas (creator_id);
COMMENT ON TABLE counter_deltas IS 'Counter changes not yet folded into track_counters and creator_counters.';
COMMENT ON COLUMN counter_deltas.user_id IS 'Set for a statement that recorded a single play: the listener; the row then also carries the play''s analytics event, which fold_counters() appends to analytics_events.';
COMMENT ON COLUMN counter_deltas.at IS 'The single play''s played_at, when user_id is set.';
COMMENT ON COLUMN counter_deltas.country IS 'The single play''s country, when user_id is set.';
-- Folds delete every row they take: vacuum after a fixed number of dead rows,
-- not a fraction of a table that is always small when live.
ALTER TABLE counter_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);

-- Folds update these rows in place; free room on each page lets those
-- updates stay on the page (HOT), since no updated column is indexed.
CREATE TABLE track_counters (
	track_id bigint PRIMARY KEY,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 70);
COMMENT ON TABLE track_counters IS 'Folded per-track totals; read them through track_stats.';

CREATE TABLE creator_counters (
	creator_id bigint PRIMARY KEY,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	followers bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 70);
COMMENT ON TABLE creator_counters IS 'Folded per-creator totals; read them through creator_stats.';

CREATE FUNCTION count_events() RETURNS trigger
AS 'MODULE_PATHNAME', 'music_count_events' LANGUAGE C;

CREATE TRIGGER plays_count AFTER INSERT ON plays
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('plays');
CREATE TRIGGER likes_count_insert AFTER INSERT ON likes
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('likes');
CREATE TRIGGER likes_count_delete AFTER DELETE ON likes
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('likes');
CREATE TRIGGER comments_count_insert AFTER INSERT ON comments
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('comments');
CREATE TRIGGER comments_count_delete AFTER DELETE ON comments
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('comments');
CREATE TRIGGER follows_count_insert AFTER INSERT ON follows
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('follows');
CREATE TRIGGER follows_count_delete AFTER DELETE ON follows
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('follows');

-- fold_counters(), which moves deltas into these totals, is defined in
-- 071_analytics.sql, after the analytics_events it also appends to.

CREATE VIEW track_stats AS
SELECT t.id AS track_id,
	   coalesce(c.plays, 0) + d.plays AS plays,
	   coalesce(c.counted_plays, 0) + d.counted_plays AS counted_plays,
	   coalesce(c.likes, 0) + d.likes AS likes,
	   coalesce(c.comments, 0) + d.comments AS comments
FROM tracks t
LEFT JOIN track_counters c ON c.track_id = t.id
CROSS JOIN LATERAL (
	SELECT coalesce(sum(x.plays), 0)::bigint AS plays,
		   coalesce(sum(x.counted_plays), 0)::bigint AS counted_plays,
		   coalesce(sum(x.likes), 0)::bigint AS likes,
		   coalesce(sum(x.comments), 0)::bigint AS comments
	FROM counter_deltas x WHERE x.track_id = t.id
) d;
COMMENT ON VIEW track_stats IS 'Exact per-track counts: plays (all), counted_plays, likes, comments.';
COMMENT ON COLUMN track_stats.track_id IS 'The track.';
COMMENT ON COLUMN track_stats.plays IS 'Every play of the track, counted or not; exact for the reader''s snapshot.';
COMMENT ON COLUMN track_stats.counted_plays IS 'Plays that count for charts, milestones and earnings.';
COMMENT ON COLUMN track_stats.likes IS 'Current likes.';
COMMENT ON COLUMN track_stats.comments IS 'Comments on the track.';

CREATE VIEW creator_stats AS
SELECT cr.id AS creator_id,
	   coalesce(c.plays, 0) + d.plays AS plays,
	   coalesce(c.counted_plays, 0) + d.counted_plays AS counted_plays,
	   coalesce(c.followers, 0) + d.followers AS followers,
	   coalesce(c.likes, 0) + d.likes AS likes,
	   coalesce(c.comments, 0) + d.comments AS comments
FROM creators cr
LEFT JOIN creator_counters c ON c.creator_id = cr.id
CROSS JOIN LATERAL (
	SELECT coalesce(sum(x.plays), 0)::bigint AS plays,
		   coalesce(sum(x.counted_plays), 0)::bigint AS counted_plays,
		   coalesce(sum(x.followers), 0)::bigint AS followers,
		   coalesce(sum(x.likes), 0)::bigint AS likes,
		   coalesce(sum(x.comments), 0)::bigint AS comments
	FROM counter_deltas x WHERE x.creator_id = cr.id
) d;
COMMENT ON VIEW creator_stats IS 'Exact per-creator counts: plays (all), counted_plays, followers, likes, comments.';
COMMENT ON COLUMN creator_stats.creator_id IS 'The creator.';
COMMENT ON COLUMN creator_stats.plays IS 'Every play of the creator''s tracks, counted or not; exact for the reader''s snapshot.';
COMMENT ON COLUMN creator_stats.counted_plays IS 'Plays that count for charts, milestones and earnings.';
COMMENT ON COLUMN creator_stats.followers IS 'Current followers.';
COMMENT ON COLUMN creator_stats.likes IS 'Current likes of the creator''s tracks.';
COMMENT ON COLUMN creator_stats.comments IS 'Comments on the creator''s tracks.';
