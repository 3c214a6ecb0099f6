/*
 * status.c
 *		Heartbeats of the background worker: which database it serves and
 *		when it last drained the queue, folded counters, refreshed analytics
 *		and closed the calendar.  Kept in shared memory, so recording them
 *		writes nothing to the database; music.worker_status shows them with
 *		what is pending.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/dbcommands.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "datasafety.h"
#include "status.h"

HM_FUNCTION(music_worker_heartbeat);

typedef struct HmWorkerStatus
{
	slock_t		mutex;
	int			pid;			/* 0 when no worker runs */
	Oid			database;
	TimestampTz started_at;
	TimestampTz last_done[HM_STEP_COUNT];	/* 0: not yet */
} HmWorkerStatus;

static HmWorkerStatus *worker_status = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Requests the heartbeat area (PG15: only in this hook). */
static void
status_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(HmWorkerStatus)));
}

/* Creates the heartbeat area, empty, also after a crash restart. */
static void
status_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	worker_status = ShmemInitStruct("hybridmusic worker status", sizeof(HmWorkerStatus), &found);
	if (!found)
	{
		memset(worker_status, 0, sizeof(HmWorkerStatus));
		SpinLockInit(&worker_status->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Reserves the heartbeat area; only a preloaded library has a worker. */
void
StatusInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = status_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = status_shmem_startup;
}

/* Forgets the worker when it exits. */
static void
status_worker_exit(int code, Datum arg)
{
	SpinLockAcquire(&worker_status->mutex);
	if (worker_status->pid == MyProcPid)
		worker_status->pid = 0;
	SpinLockRelease(&worker_status->mutex);
}

/* Records that the worker runs, in MyDatabaseId; a new worker starts with no heartbeats. */
void
hm_status_worker_started(void)
{
	SpinLockAcquire(&worker_status->mutex);
	worker_status->pid = MyProcPid;
	worker_status->database = MyDatabaseId;
	worker_status->started_at = GetCurrentTimestamp();
	memset(worker_status->last_done, 0, sizeof(worker_status->last_done));
	SpinLockRelease(&worker_status->mutex);
	before_shmem_exit(status_worker_exit, (Datum) 0);
}

/* Records that the worker completed one step of its loop. */
void
hm_status_step_done(HmWorkerStep step)
{
	TimestampTz now = GetCurrentTimestamp();

	SpinLockAcquire(&worker_status->mutex);
	worker_status->last_done[step] = now;
	SpinLockRelease(&worker_status->mutex);
}

/*
 * worker_heartbeat(): the running worker's pid and database, when it
 * started, and when it last drained, folded, refreshed and closed the
 * calendar; all null when no worker runs.
 */
static Datum
music_worker_heartbeat_body(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[4 + HM_STEP_COUNT];
	bool		nulls[4 + HM_STEP_COUNT];
	HmWorkerStatus snapshot;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "worker_heartbeat must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	memset(nulls, true, sizeof(nulls));
	memset(&snapshot, 0, sizeof(snapshot));
	if (worker_status != NULL)
	{
		SpinLockAcquire(&worker_status->mutex);
		snapshot = *worker_status;
		SpinLockRelease(&worker_status->mutex);
	}
	nulls[0] = false;
	values[0] = BoolGetDatum(worker_status != NULL);
	if (snapshot.pid != 0)
	{
		char	   *database = get_database_name(snapshot.database);

		values[1] = Int32GetDatum(snapshot.pid);
		nulls[1] = false;
		if (database != NULL)
		{
			values[2] = CStringGetTextDatum(database);
			nulls[2] = false;
		}
		values[3] = TimestampTzGetDatum(snapshot.started_at);
		nulls[3] = false;
		for (int step = 0; step < HM_STEP_COUNT; step++)
		{
			values[4 + step] = TimestampTzGetDatum(snapshot.last_done[step]);
			nulls[4 + step] = snapshot.last_done[step] == 0;
		}
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
