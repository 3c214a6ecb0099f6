/*
 * search.c
 *		Typo-tolerant search over tracks, creators and public playlists.
 *
 * Matching uses pg_trgm's word similarity (the query against the closest
 * run of words in a title), served by trigram GIN indexes.  The score blends
 * it with whole-title similarity, so an exact title ranks above a longer
 * title that merely contains the query.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_search);

#define QUERY_MAX_CHARS 200
#define MAX_RESULTS_LIMIT 100

/*
 * The query, with %s for pg_trgm's schema: search() runs with only
 * pg_catalog and music on its search_path (a schema such as public, where
 * pg_trgm usually lives, is writable by the database owner, who could plant
 * better-matching functions there), so pg_trgm's functions and operator are
 * named with their schema, and every argument matches their types exactly.
 */
#define FIND_SQL \
	"SELECT kind, id, title, score FROM (" \
	"  SELECT 'track'::text AS kind, t.id, t.title," \
	"         (0.8::real * %1$s.word_similarity($1, t.title) + 0.2::real * %1$s.similarity($1, t.title)) AS score" \
	"  FROM music.tracks t WHERE $1 OPERATOR(%1$s.<%%) t.title AND t.unpublished_at IS NULL" \
	"  UNION ALL" \
	"  SELECT 'creator', c.id, c.name," \
	"         (0.8::real * %1$s.word_similarity($1, c.name) + 0.2::real * %1$s.similarity($1, c.name))" \
	"  FROM music.creators c WHERE $1 OPERATOR(%1$s.<%%) c.name" \
	"  UNION ALL" \
	"  SELECT 'playlist', p.id, p.title," \
	"         (0.8::real * %1$s.word_similarity($1, p.title) + 0.2::real * %1$s.similarity($1, p.title))" \
	"  FROM music.playlists p WHERE p.is_public AND $1 OPERATOR(%1$s.<%%) p.title" \
	") found ORDER BY score DESC, kind, id LIMIT $2"

static HmQuery find = {NULL, 2, {TEXTOID, INT4OID}, NULL};
static HmQuery remember = {
	"INSERT INTO music.search_history (user_id, query, results) VALUES ($1, $2, $3)",
	3, {INT8OID, TEXTOID, INT4OID}, NULL
};

/*
 * The search query with pg_trgm's schema filled in, found in the catalog
 * (the extension may have been installed, or moved, to any schema); needs
 * an SPI connection.
 */
static const char *
find_query(void)
{
	char	   *schema;

	if (SPI_execute("SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_extension e"
					" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace"
					" WHERE e.extname OPERATOR(pg_catalog.=) 'pg_trgm'::pg_catalog.name",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"pg_trgm\" is not installed")));
	schema = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	return MemoryContextStrdup(TopMemoryContext, psprintf(FIND_SQL, schema));
}

/*
 * search(query, user_id, max_results): the best matches, best first; when
 * user_id is given the query is kept in that user's search history.
 */
static Datum
music_search_body(PG_FUNCTION_ARGS)
{
	char	   *query = hm_arg_text(fcinfo, 0, "query", QUERY_MAX_CHARS);
	int64		user_id = 0;
	bool		has_user = hm_arg_optional_id(fcinfo, 1, "user_id", &user_id);
	int32		max_results = hm_arg_int(fcinfo, 2, "max_results");
	Datum		args[3];
	uint64		found;

	hm_check_range("max_results", max_results, 1, MAX_RESULTS_LIMIT);
	InitMaterializedSRF(fcinfo, 0);

	SPI_connect();
	if (has_user)
		hm_require_user(user_id);
	if (find.sql == NULL)
		find.sql = find_query();
	args[0] = CStringGetTextDatum(query);
	args[1] = Int32GetDatum(max_results);
	found = hm_exec(&find, args, NULL, true);
	hm_return_rows(fcinfo, found);
	if (has_user)
	{
		args[0] = Int64GetDatum(user_id);
		args[1] = CStringGetTextDatum(query);
		args[2] = Int32GetDatum((int32) found);
		hm_exec(&remember, args, NULL, false);
	}
	SPI_finish();
	return (Datum) 0;
}
