-- Issue 14 (performance): record_play's backend cache of track facts; see
-- sql/schema/076_track_facts.sql.

-- record_play keeps each track's duration and creator in its backend
-- (src/track_facts.c) instead of reading music.tracks for every play;
-- changing either, or removing tracks, makes every backend forget them.
CREATE FUNCTION track_facts_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'music_track_facts_changed' LANGUAGE C;
CREATE TRIGGER tracks_facts_changed AFTER UPDATE OF duration_ms, creator_id OR DELETE OR TRUNCATE ON tracks
	FOR EACH STATEMENT EXECUTE FUNCTION track_facts_changed();
