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

#include "hybridmusic.h"

PG_FUNCTION_INFO_V1(music_search);

#define QUERY_MAX_CHARS 200
#define MAX_RESULTS_LIMIT 100

static HmQuery find = {
	"SELECT kind, id, title, score FROM ("
	"  SELECT 'track'::text AS kind, t.id, t.title,"
	"         (0.8 * word_similarity($1, t.title) + 0.2 * similarity($1, t.title))::real AS score"
	"  FROM music.tracks t WHERE $1 <% t.title AND t.unpublished_at IS NULL"
	"  UNION ALL"
	"  SELECT 'creator', c.id, c.name,"
	"         (0.8 * word_similarity($1, c.name) + 0.2 * similarity($1, c.name))::real"
	"  FROM music.creators c WHERE $1 <% c.name"
	"  UNION ALL"
	"  SELECT 'playlist', p.id, p.title,"
	"         (0.8 * word_similarity($1, p.title) + 0.2 * similarity($1, p.title))::real"
	"  FROM music.playlists p WHERE p.is_public AND $1 <% p.title"
	") found ORDER BY score DESC, kind, id LIMIT $2",
	2, {TEXTOID, INT4OID}, NULL
};
static HmQuery remember = {
	"INSERT INTO music.search_history (user_id, query, results) VALUES ($1, $2, $3)",
	3, {INT8OID, TEXTOID, INT4OID}, NULL
};

/*
 * search(query, user_id, max_results): the best matches, best first; when
 * user_id is given the query is kept in that user's search history.
 */
Datum
music_search(PG_FUNCTION_ARGS)
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
