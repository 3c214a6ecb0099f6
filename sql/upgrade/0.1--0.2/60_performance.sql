-- Issue 14 (performance): record_play's backend cache of track facts (see
-- sql/schema/076_track_facts.sql), and the analytics event of a single play
-- carried in its counter delta row (060_counters.sql; fold_counters() is replaced by
-- 61_fold_counters.sql, which is 071_analytics_fold.sql itself).

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

