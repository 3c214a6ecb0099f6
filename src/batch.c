/*
 * batch.c
 *		record_plays: many plays in one call, judged like record_play.
 *
 * The whole batch is validated first (every user and track exists, no
 * null, no negative or too long ms_played, no future played_at), so a call
 * stores everything or nothing.  Counting follows record_play's rules: too
 * short plays do not count, and a user's counted plays must be at least the
 * minimum play length apart, against both the stored plays and the batch's
 * own, taken in time order.  The users' play locks (play_locks.c) are
 * taken in one ascending pass, so batches and single plays of the same
 * users are judged one after the other without deadlocks.  The plays then go in with one INSERT,
 * so the counter trigger fires once per batch, not once per play.
 *
 * Batches carry no client IP, so the per-IP limit does not apply, as for a
 * record_play call without client_ip.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "datasafety.h"
#include "hybridmusic.h"
#include "play_locks.h"

HM_FUNCTION(music_record_plays);

/* Bounds the memory of one call; a transaction may make any number of calls. */
#define MAX_BATCH 5000
#define MAX_CLOCK_SKEW_MS (5 * 60 * 1000)

/* One play of the batch, in the order the plays are judged. */
typedef struct BatchPlay
{
	int			ord;			/* 1-based position in the arrays */
	int64		user_id;
	TimestampTz played_at;
	int32		ms_played;
	int32		min_ms;			/* least(music.min_play_ms, duration) */
	int64		creator_id;
	bool		overlaps_stored;	/* a stored counted play is too close */
} BatchPlay;

static HmQuery facts = {
	"SELECT x.ord, x.u, x.at, x.ms, t.duration_ms, t.creator_id, u.id IS NOT NULL, t.id IS NOT NULL, x.t "
	"FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::timestamptz[]) WITH ORDINALITY AS x(u, t, ms, at, ord) "
	"LEFT JOIN music.tracks t ON t.id = x.t "
	"LEFT JOIN music.users u ON u.id = x.u "
	"ORDER BY x.u, x.at, x.ord",
	4, {INT8ARRAYOID, INT8ARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID}, NULL
};
static HmQuery stored_overlaps = {
	"SELECT x.i FROM unnest($1::bigint[], $2::timestamptz[], $3::int[]) WITH ORDINALITY AS x(u, at, m, i) "
	"WHERE EXISTS (SELECT 1 FROM music.plays p WHERE p.user_id = x.u AND p.counted "
	"  AND p.played_at > x.at - x.m::float8 * interval '1 millisecond' "
	"  AND p.played_at < x.at + x.m::float8 * interval '1 millisecond')",
	3, {INT8ARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID}, NULL
};
static HmQuery insert_plays = {
	"INSERT INTO music.plays (user_id, track_id, creator_id, played_at, ms_played, counted, not_counted_reason) "
	"SELECT x.u, x.t, c.creator_id, x.at, x.ms, c.reason IS NULL, c.reason "
	"FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::timestamptz[]) WITH ORDINALITY AS x(u, t, ms, at, ord) "
	"JOIN unnest($5::int[], $6::bigint[], $7::text[]) AS c(ord, creator_id, reason) ON c.ord = x.ord "
	"ORDER BY x.ord",
	7, {INT8ARRAYOID, INT8ARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID, INT8ARRAYOID, TEXTARRAYOID},
	NULL
};

/* Returns a required array argument's elements; null elements are errors. */
static Datum *
arg_array(FunctionCallInfo fcinfo, int argno, const char *name, Oid elemtype, int *count)
{
	ArrayType  *array;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	array = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", name)));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign, &elems, &nulls, count);
	for (int i = 0; i < *count; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s[%d] must not be null", name, i + 1)));
	return elems;
}

/* Builds a one-dimensional array from datums. */
static Datum
make_array(Datum *elems, int count, Oid elemtype)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(elems, count, elemtype, typlen, typbyval, typalign));
}

/*
 * Reads the facts query into plays[], sorted by user and time, raising the
 * first validation error found.
 */
static void
load_facts(BatchPlay *plays, int count, int min_play_ms)
{
	for (int row = 0; row < count; row++)
	{
		BatchPlay  *p = &plays[row];
		bool		isnull;
		int32		duration;

		p->ord = (int) hm_get_int64(row, 1, NULL);
		p->user_id = hm_get_int64(row, 2, NULL);
		p->played_at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[row],
														 SPI_tuptable->tupdesc, 3, &isnull));
		p->ms_played = (int32) hm_get_int64(row, 4, NULL);
		if (!hm_get_bool(row, 8))
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("track " INT64_FORMAT " of play %d does not exist",
							hm_get_int64(row, 9, NULL), p->ord)));
		if (!hm_get_bool(row, 7))
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("user " INT64_FORMAT " of play %d does not exist", p->user_id, p->ord)));
		duration = (int32) hm_get_int64(row, 5, NULL);
		if (p->ms_played > duration)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ms_played %d of play %d exceeds the track's duration (%d ms)",
							p->ms_played, p->ord, duration)));
		p->creator_id = hm_get_int64(row, 6, NULL);
		p->min_ms = Min(min_play_ms, duration);
		p->overlaps_stored = false;
	}
}

/*
 * record_plays(user_ids, track_ids, ms_played, played_at): stores a batch
 * of plays, element i of each array making play i; returns how many count.
 */
static Datum
music_record_plays_body(PG_FUNCTION_ARGS)
{
	int			n_users,
				n_tracks,
				n_ms,
				n_at;
	Datum	   *ms;
	Datum	   *at;
	int			count;
	int			min_play_ms = atoi(GetConfigOption("music.min_play_ms", false, false));
	TimestampTz latest = TimestampTzPlusMilliseconds(hm_as_of(), MAX_CLOCK_SKEW_MS);
	BatchPlay  *plays;
	Datum	   *by_user,
			   *by_at,
			   *by_min,
			   *ords,
			   *creators,
			   *reasons;
	bool	   *reason_nulls;
	int64	   *user_keys;
	int			dims[1] = {0};
	int			lbs[1] = {1};
	Datum		args[7];
	int			counted = 0;
	uint64		found;

	/* user and track ids are checked against the catalog by the facts query */
	(void) arg_array(fcinfo, 0, "user_ids", INT8OID, &n_users);
	(void) arg_array(fcinfo, 1, "track_ids", INT8OID, &n_tracks);
	ms = arg_array(fcinfo, 2, "ms_played", INT4OID, &n_ms);
	at = arg_array(fcinfo, 3, "played_at", TIMESTAMPTZOID, &n_at);
	count = n_users;
	if (n_tracks != count || n_ms != count || n_at != count)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("user_ids, track_ids, ms_played and played_at must have the same length"),
				 errdetail("Lengths are %d, %d, %d and %d.", n_users, n_tracks, n_ms, n_at)));
	hm_check_range("number of plays", count, 0, MAX_BATCH);
	for (int i = 0; i < count; i++)
	{
		if (DatumGetInt32(ms[i]) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ms_played of play %d must not be negative", i + 1)));
		if (TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(at[i])) || DatumGetTimestampTz(at[i]) > latest)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("played_at of play %d is in the future", i + 1)));
		if (DatumGetTimestampTz(at[i]) < HM_EARLIEST_PLAY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("played_at of play %d is before " HM_EARLIEST_PLAY_TEXT, i + 1)));
	}
	if (count == 0)
		PG_RETURN_INT32(0);

	SPI_connect();
	args[0] = PG_GETARG_DATUM(0);
	args[1] = PG_GETARG_DATUM(1);
	args[2] = PG_GETARG_DATUM(2);
	args[3] = PG_GETARG_DATUM(3);
	hm_exec(&facts, args, NULL, true);
	plays = palloc(sizeof(BatchPlay) * count);
	load_facts(plays, count, min_play_ms);

	by_user = palloc(sizeof(Datum) * count);
	user_keys = palloc(sizeof(int64) * count);
	for (int i = 0; i < count; i++)
		user_keys[i] = plays[i].user_id;
	hm_lock_play_keys(HM_PLAY_LOCK_USER, user_keys, count);

	by_at = palloc(sizeof(Datum) * count);
	by_min = palloc(sizeof(Datum) * count);
	for (int i = 0; i < count; i++)
	{
		by_user[i] = Int64GetDatum(plays[i].user_id);
		by_at[i] = TimestampTzGetDatum(plays[i].played_at);
		by_min[i] = Int32GetDatum(plays[i].min_ms);
	}
	args[0] = make_array(by_user, count, INT8OID);
	args[1] = make_array(by_at, count, TIMESTAMPTZOID);
	args[2] = make_array(by_min, count, INT4OID);
	found = hm_exec_latest(&stored_overlaps, args, NULL);
	for (uint64 row = 0; row < found; row++)
		plays[hm_get_int64(row, 1, NULL) - 1].overlaps_stored = true;

	/* Judge each user's plays in time order against their last counted one. */
	ords = palloc(sizeof(Datum) * count);
	creators = palloc(sizeof(Datum) * count);
	reasons = palloc(sizeof(Datum) * count);
	reason_nulls = palloc(sizeof(bool) * count);
	for (int i = 0, last_counted = -1; i < count; i++)
	{
		BatchPlay  *p = &plays[i];
		const char *reason = NULL;

		if (last_counted >= 0 && plays[last_counted].user_id != p->user_id)
			last_counted = -1;
		if (p->ms_played < p->min_ms)
			reason = "too_short";
		else if (p->overlaps_stored ||
				 (last_counted >= 0 &&
				  p->played_at - plays[last_counted].played_at < (TimestampTz) p->min_ms * 1000))
			reason = "overlap";
		else
		{
			last_counted = i;
			counted++;
		}
		ords[i] = Int32GetDatum(p->ord);
		creators[i] = Int64GetDatum(p->creator_id);
		reasons[i] = reason ? CStringGetTextDatum(reason) : (Datum) 0;
		reason_nulls[i] = reason == NULL;
	}

	args[0] = PG_GETARG_DATUM(0);
	args[1] = PG_GETARG_DATUM(1);
	args[2] = PG_GETARG_DATUM(2);
	args[3] = PG_GETARG_DATUM(3);
	args[4] = make_array(ords, count, INT4OID);
	args[5] = make_array(creators, count, INT8OID);
	dims[0] = count;
	args[6] = PointerGetDatum(construct_md_array(reasons, reason_nulls, 1, dims, lbs,
												 TEXTOID, -1, false, TYPALIGN_INT));
	hm_exec(&insert_plays, args, NULL, false);
	SPI_finish();
	PG_RETURN_INT32(counted);
}
