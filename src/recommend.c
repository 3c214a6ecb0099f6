/*
 * recommend.c
 *		similar_tracks and recommend_tracks: listening co-occurrence.
 *
 * Both read the per-day listener sets that refresh_analytics() keeps
 * (track_day_listeners), so they see plays up to the last refresh.  A
 * session is a user's listening on one UTC day.  similar_tracks samples the
 * track's most recent listeners, one session each, and counts for every
 * other track how many of them played it in that session: each listener
 * counts once, so a heavy listener weighs what any other does, and the cost
 * is bounded by the sample, not by the track's history.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_similar_tracks);
HM_FUNCTION(music_recommend_tracks);

#define MAX_RESULTS_LIMIT 1000

static HmQuery similar = {
	"WITH recent AS ("
	"  SELECT user_id, day FROM music.track_day_listeners"
	"  WHERE track_id = $1 ORDER BY day DESC LIMIT 5000"
	"), listeners AS ("
	"  SELECT user_id, max(day) AS day FROM recent GROUP BY user_id ORDER BY max(day) DESC LIMIT 1000"
	"), sample AS (SELECT count(*) AS n FROM listeners) "
	"SELECT o.track_id, (count(*)::float8 / sample.n)::real AS score "
	"FROM listeners l "
	"JOIN music.track_day_listeners o ON o.user_id = l.user_id AND o.day = l.day AND o.track_id <> $1 "
	"CROSS JOIN sample "
	"GROUP BY o.track_id, sample.n ORDER BY count(*) DESC, o.track_id LIMIT $2",
	2, {INT8OID, INT4OID}, NULL
};

/*
 * Seeds are the user's ten most recent tracks; candidates the tracks their
 * co-listeners played, scored by the sum of their similarity over the
 * seeds and explained by the seed they are most similar to.  Tracks the
 * user has played are left out; trending tracks of the week
 * fill what co-occurrence cannot (new users, rare tracks).
 */
static HmQuery recommend = {
	"WITH played AS ("
	"  SELECT DISTINCT track_id FROM music.track_day_listeners WHERE user_id = $1"
	"), seeds AS ("
	"  SELECT track_id, max(day) AS day FROM music.track_day_listeners WHERE user_id = $1"
	"  GROUP BY track_id ORDER BY max(day) DESC, track_id LIMIT 10"
	"), candidates AS ("
	"  SELECT s.track_id, sum(s.score::numeric) AS score,"
	"         (array_agg(seed.track_id ORDER BY s.score DESC, seed.track_id))[1] AS because"
	"  FROM seeds seed CROSS JOIN LATERAL music.similar_tracks(seed.track_id, 50) s"
	"  WHERE s.track_id NOT IN (SELECT track_id FROM played)"
	"  GROUP BY s.track_id"
	"), co AS ("
	"  SELECT c.track_id, c.score::real AS score,"
	"         format('fans of \"%s\" also played', t.title) AS reason, 0 AS tier,"
	"         row_number() OVER (ORDER BY c.score DESC, c.track_id) AS ord"
	"  FROM candidates c JOIN music.tracks t ON t.id = c.because"
	"  ORDER BY c.score DESC, c.track_id LIMIT $2"
	"), trending AS ("
	"  SELECT tt.track_id, 0::real AS score, 'trending this week' AS reason, 1 AS tier,"
	"         row_number() OVER (ORDER BY tt.score DESC, tt.track_id) AS ord"
	"  FROM music.trending_tracks tt"
	"  WHERE tt.time_window = 'week' AND tt.track_id NOT IN (SELECT track_id FROM played)"
	"    AND tt.track_id NOT IN (SELECT track_id FROM co)"
	"  ORDER BY tt.score DESC, tt.track_id LIMIT $2"
	") "
	"SELECT track_id, score, reason FROM ("
	"  SELECT * FROM co UNION ALL SELECT * FROM trending"
	") r ORDER BY tier, ord LIMIT $2",
	2, {INT8OID, INT4OID}, NULL
};

/* similar_tracks(track_id, max_results): "fans also played", best first. */
static Datum
music_similar_tracks_body(PG_FUNCTION_ARGS)
{
	int64		track_id = hm_arg_id(fcinfo, 0, "track_id");
	int32		max_results = hm_arg_int(fcinfo, 1, "max_results");
	Datum		args[2];

	hm_check_range("max_results", max_results, 1, MAX_RESULTS_LIMIT);
	InitMaterializedSRF(fcinfo, 0);

	SPI_connect();
	hm_require_track(track_id);
	args[0] = Int64GetDatum(track_id);
	args[1] = Int32GetDatum(max_results);
	hm_return_rows(fcinfo, hm_exec(&similar, args, NULL, true));
	SPI_finish();
	return (Datum) 0;
}

/* recommend_tracks(user_id, max_results): personal picks, best first. */
static Datum
music_recommend_tracks_body(PG_FUNCTION_ARGS)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	int32		max_results = hm_arg_int(fcinfo, 1, "max_results");
	Datum		args[2];

	hm_check_range("max_results", max_results, 1, MAX_RESULTS_LIMIT);
	InitMaterializedSRF(fcinfo, 0);

	SPI_connect();
	hm_require_user(user_id);
	args[0] = Int64GetDatum(user_id);
	args[1] = Int32GetDatum(max_results);
	hm_return_rows(fcinfo, hm_exec(&recommend, args, NULL, true));
	SPI_finish();
	return (Datum) 0;
}
