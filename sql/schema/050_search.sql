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

CREATE FUNCTION search(query text, user_id bigint DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (kind text, id bigint, title text, score real)
AS 'MODULE_PATHNAME', 'music_search' LANGUAGE C VOLATILE SECURITY DEFINER ROWS 20;

-- pg_trgm lives wherever the DBA installed it; pin that schema, found now.
DO $pin$
BEGIN
	EXECUTE format('ALTER FUNCTION search(text, bigint, int) SET search_path = music, %I, pg_catalog, pg_temp',
				   (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
					WHERE e.extname = 'pg_trgm'));
END
$pin$;
ALTER FUNCTION search(text, bigint, int) SET pg_trgm.word_similarity_threshold = 0.4;
