-- Issue 14 (performance): record_play's backend cache of track facts (see
-- sql/schema/076_track_facts.sql), and the analytics event of a single play
-- carried in its counter delta row (060_counters.sql, 071_analytics.sql).

-- record_play keeps each track's duration and creator in its backend
-- (src/track_facts.c) instead of reading music.tracks for every play;
-- changing either, or removing tracks, makes every backend forget them.
CREATE FUNCTION track_facts_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'music_track_facts_changed' LANGUAGE C;
CREATE TRIGGER tracks_facts_changed AFTER UPDATE OF duration_ms, creator_id OR DELETE OR TRUNCATE ON tracks
	FOR EACH STATEMENT EXECUTE FUNCTION track_facts_changed();

-- A statement that records a single play appends one counter_deltas row that
-- also carries the play's analytics event; fold_counters() appends it to
-- analytics_events.
ALTER TABLE counter_deltas ADD COLUMN user_id bigint, ADD COLUMN at timestamptz, ADD COLUMN country text;
COMMENT ON COLUMN counter_deltas.user_id IS 'Set for a statement that recorded a single play: the listener; the row then also carries the play''s analytics event, which fold_counters() appends to analytics_events.';
COMMENT ON COLUMN counter_deltas.at IS 'The single play''s played_at, when user_id is set.';
COMMENT ON COLUMN counter_deltas.country IS 'The single play''s country, when user_id is set.';

-- Moves every visible delta into the totals, and the play events that
-- single-play rows carry into analytics_events; returns how many delta rows
-- it folded.  Concurrent folds are safe: a delta row is deleted, and so
-- counted, by exactly one of them.
CREATE OR REPLACE FUNCTION fold_counters() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $fold$
	WITH moved AS (
		DELETE FROM counter_deltas RETURNING *
	), events AS (
		INSERT INTO analytics_events (kind, user_id, track_id, creator_id, at, delta, counted, country)
		SELECT 'play', user_id, track_id, creator_id, at, plays, counted_plays > 0, country
		FROM moved WHERE user_id IS NOT NULL
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

