/*
 * query.c
 *		Prepared SPI statements and the small helpers around them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "datasafety.h"
#include "hybridmusic.h"

/*
 * The statement's plan, prepared and kept on first use.  Every statement the
 * library runs on its tables comes through here: the statements are this
 * release's, so the SQL objects must be too (a cached branch).
 */
static SPIPlanPtr
prepared_plan(HmQuery *query)
{
	hm_require_installed_version();
	if (query->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(query->sql, query->nargs, query->argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", query->sql,
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		query->plan = plan;
	}
	return query->plan;
}

/*
 * Runs a statement, preparing and keeping its plan on first use; returns the
 * number of rows processed.  The caller must be connected to SPI.
 */
uint64
hm_exec(HmQuery *query, Datum *values, const char *nulls, bool read_only)
{
	int			rc = SPI_execute_plan(prepared_plan(query), values, nulls, read_only, 0);

	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s", query->sql,
			 SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * Runs a read-only statement like hm_exec, but on a snapshot taken now.  For
 * checks made under a lock: they must see what the previous holder of the
 * lock committed, also in a REPEATABLE READ or SERIALIZABLE transaction,
 * whose own snapshot may be older than the lock.
 */
uint64
hm_exec_latest(HmQuery *query, Datum *values, const char *nulls)
{
	int			rc = SPI_execute_snapshot(prepared_plan(query), values, nulls,
										  GetLatestSnapshot(), InvalidSnapshot, true, false, 0);

	if (rc < 0)
		elog(ERROR, "SPI_execute_snapshot failed for \"%s\": %s", query->sql,
			 SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * Runs an INSERT ... RETURNING id and returns the new row's id.
 */
int64
hm_insert_returning_id(HmQuery *query, Datum *values, const char *nulls)
{
	hm_exec(query, values, nulls, false);
	return hm_get_int64(0, 1, NULL);
}

/* Reads a boolean column of the last result; NULL reads as false. */
bool
hm_get_bool(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return !isnull && DatumGetBool(d);
}

/* Reads a bigint (or int) column of the last result. */
int64
hm_get_int64(int row, int col, bool *isnull)
{
	bool		null;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &null);

	if (isnull)
		*isnull = null;
	if (null)
		return 0;
	if (SPI_gettypeid(SPI_tuptable->tupdesc, col) == INT4OID)
		return DatumGetInt32(d);
	return DatumGetInt64(d);
}

/*
 * Runs a one-parameter existence query (SELECT ... WHERE id = $1) and raises
 * no_data_found naming the missing object when it returns no row.  Not
 * read-only, as PL/pgSQL runs a volatile function's queries: the check sees
 * what the statement calling us did before (a user that create_user() made
 * in an argument of the same statement), not only the statement's snapshot.
 */
void
hm_require_row(HmQuery *query, int64 id, const char *what)
{
	Datum		value = Int64GetDatum(id);

	if (hm_exec(query, &value, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("%s " INT64_FORMAT " does not exist", what, id)));
}

static HmQuery user_exists = {
	"SELECT 1 FROM music.users WHERE id = $1 AND erased_at IS NULL", 1, {INT8OID}, NULL
};
static HmQuery creator_user = {
	"SELECT user_id FROM music.creators WHERE id = $1", 1, {INT8OID}, NULL
};
static HmQuery track_duration = {
	"SELECT duration_ms FROM music.tracks WHERE id = $1 AND unpublished_at IS NULL", 1, {INT8OID}, NULL
};

/* Raises no_data_found unless the user exists (an erased user does not). */
void
hm_require_user(int64 user_id)
{
	hm_require_row(&user_exists, user_id, "user");
}

/* Raises no_data_found unless the creator exists; returns its user id. */
int64
hm_require_creator(int64 creator_id)
{
	hm_require_row(&creator_user, creator_id, "creator");
	return hm_get_int64(0, 1, NULL);
}

/*
 * Raises no_data_found unless the track exists and is published; returns
 * its duration in ms.
 */
int32
hm_require_track(int64 track_id)
{
	hm_require_row(&track_duration, track_id, "track");
	return (int32) hm_get_int64(0, 1, NULL);
}

/*
 * Takes a transaction-scoped advisory lock on (space, key) in the given mode,
 * in a key space that pg_advisory_lock() callers cannot collide with;
 * returns false when the transaction already held it.
 */
bool
hm_lock_in_mode(HmLockSpace space, int64 key, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (key >> 32), (uint32) key, space);
	return LockAcquire(&tag, mode, false, false) == LOCKACQUIRE_OK;
}

/* Takes a transaction-scoped exclusive advisory lock on (space, key). */
void
hm_lock(HmLockSpace space, int64 key)
{
	(void) hm_lock_in_mode(space, key, ExclusiveLock);
}

/* The same lock in share mode: holders of it exclude only hm_lock(). */
void
hm_lock_shared(HmLockSpace space, int64 key)
{
	(void) hm_lock_in_mode(space, key, ShareLock);
}

/*
 * Returns a text datum for an optional C string and sets its SPI null flag.
 */
Datum
hm_text_or_null(const char *s, char *null_flag)
{
	*null_flag = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * Copies the rows of the last SPI result into the materialized result set
 * of a set-returning function (set up by InitMaterializedSRF); the query's
 * columns must match the function's result columns.
 */
void
hm_return_rows(FunctionCallInfo fcinfo, uint64 rows)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			ncols = rsinfo->setDesc->natts;
	Datum	   *values = palloc(sizeof(Datum) * ncols);
	bool	   *nulls = palloc(sizeof(bool) * ncols);

	for (uint64 row = 0; row < rows; row++)
	{
		for (int col = 0; col < ncols; col++)
			values[col] = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
										col + 1, &nulls[col]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}
