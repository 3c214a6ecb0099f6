-- Batch ingest: many plays in one call, judged like record_play (src/batch.c).

CREATE FUNCTION record_plays(user_ids bigint[], track_ids bigint[], ms_played int[], played_at timestamptz[])
RETURNS int AS 'MODULE_PATHNAME', 'music_record_plays' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;
COMMENT ON FUNCTION record_plays(bigint[], bigint[], int[], timestamptz[]) IS 'Stores up to 5,000 plays (element i of each array is play i), all or none, with record_play''s counting rules; returns how many count.';

GRANT EXECUTE ON FUNCTION record_plays(bigint[], bigint[], int[], timestamptz[]) TO music_app;
