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
	followers bigint NOT NULL DEFAULT 0
);
CREATE INDEX counter_deltas_track_id ON counter_deltas (track_id) WHERE track_id IS NOT NULL;
CREATE INDEX counter_deltas_creator_id ON counter_deltas (creator_id);
COMMENT ON TABLE counter_deltas IS 'Counter changes not yet folded into track_counters and creator_counters.';
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

-- Moves every visible delta into the totals; returns how many delta rows it
-- folded.  Concurrent folds are safe: a delta row is deleted, and so
-- counted, by exactly one of them.
CREATE FUNCTION fold_counters() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $fold$
	WITH moved AS (
		DELETE FROM counter_deltas RETURNING *
	), by_track AS (
		INSERT INTO track_counters AS c (track_id, plays, counted_plays, likes, comments)
		SELECT track_id, sum(plays), sum(counted_plays), sum(likes), sum(comments)
		FROM moved WHERE track_id IS NOT NULL GROUP BY track_id
		ON CONFLICT (track_id) DO UPDATE SET
			plays = c.plays + excluded.plays,
			counted_plays = c.counted_plays + excluded.counted_plays,
			likes = c.likes + excluded.likes,
			comments = c.comments + excluded.comments
	), by_creator AS (
		INSERT INTO creator_counters AS c (creator_id, plays, counted_plays, followers, likes, comments)
		SELECT creator_id, sum(plays), sum(counted_plays), sum(followers), sum(likes), sum(comments)
		FROM moved GROUP BY creator_id
		ON CONFLICT (creator_id) DO UPDATE SET
			plays = c.plays + excluded.plays,
			counted_plays = c.counted_plays + excluded.counted_plays,
			followers = c.followers + excluded.followers,
			likes = c.likes + excluded.likes,
			comments = c.comments + excluded.comments
	)
	SELECT count(*) FROM moved;
$fold$;

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
