-- Search over track titles, creator names and public playlist titles.

CREATE TABLE search_history (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users,
	query text NOT NULL,
	results int NOT NULL,
	searched_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_history_user_id ON search_history (user_id, searched_at);
COMMENT ON TABLE search_history IS 'Queries users ran, with how many results they got.';

-- Trigram indexes for search().  The operator class is named with pg_trgm's
-- schema, which is not on this script's search_path (000_roles.sql).
DO $trgm$
DECLARE
	trgm name := (SELECT n.nspname FROM pg_catalog.pg_extension e
				  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
				  WHERE e.extname OPERATOR(pg_catalog.=) 'pg_trgm'::pg_catalog.name);
BEGIN
	EXECUTE pg_catalog.format('CREATE INDEX creators_name_trgm ON creators USING gin (name %I.gin_trgm_ops)', trgm);
	EXECUTE pg_catalog.format('CREATE INDEX tracks_title_trgm ON tracks USING gin (title %I.gin_trgm_ops)', trgm);
	EXECUTE pg_catalog.format('CREATE INDEX playlists_title_trgm ON playlists USING gin (title %I.gin_trgm_ops) WHERE is_public', trgm);
END
$trgm$;

-- pg_trgm's functions and operator are called with its schema, looked up
-- when search() first runs (search.c), so search_path needs no schema that
-- others can write to.
CREATE FUNCTION search(query text, user_id bigint DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (kind text, id bigint, title text, score real)
AS 'MODULE_PATHNAME', 'music_search' LANGUAGE C VOLATILE SECURITY DEFINER ROWS 20
SET search_path = pg_catalog, music, pg_temp
SET pg_trgm.word_similarity_threshold = 0.4;
