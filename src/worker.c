/*
 * worker.c
 *		The background worker: drains the job queue and runs the schedule.
 *
 * One worker per cluster, registered when hybridmusic is in
 * shared_preload_libraries, connected to music.database.  It waits on its
 * latch, which the commit of any transaction that queued a job sets
 * (wake.c), with music.naptime as the fallback.  Each turn of the loop:
 * drain due jobs until none are left, fold counter deltas (at most once a
 * second), re-check creators with unfolded counter changes for milestones
 * two concurrent writers may both have missed (milestones.c), refresh the
 * analytics every music.refresh_interval and close ended months and
 * quarters.  Every step is its own short
 * transaction; a step that fails is logged and retried next turn, and never
 * stops the worker.
 *
 * It starts only once recovery has finished, so a standby runs none.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "datasafety.h"
#include "hybridmusic.h"
#include "queue.h"
#include "status.h"
#include "wake.h"

PGDLLEXPORT void hm_worker_main(Datum main_arg);

/* Jobs claimed per transaction; the worker drains batch after batch. */
#define WORKER_BATCH 100
/* How often counter deltas are folded. */
#define FOLD_INTERVAL_MS 1000
/* Shortest sleep while a due job is held by another drainer. */
#define MIN_SLEEP_MS 100
/* How often the calendar (month and quarter closing) is looked at. */
#define CALENDAR_CHECK_MS (60 * 1000)

/* What one start of the worker leaves to the next. */
typedef struct HmWorkerShared
{
	slock_t		mutex;
	/* music.database, found by the previous start; used once */
	Oid			database_oid;
	/* the name it was found by: a later music.database makes it stale */
	NameData	database_name;
} HmWorkerShared;

static HmWorkerShared *worker_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static char *worker_database = NULL;
static int	naptime_ms = 1000;
static int	refresh_interval_s = 60;

/* Requests the worker's shared state (PG15: only in this hook). */
static void
worker_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(HmWorkerShared)));
}

/* Creates the worker's shared state, also after a crash restart. */
static void
worker_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	worker_shared = ShmemInitStruct("hybridmusic worker", sizeof(HmWorkerShared), &found);
	if (!found)
	{
		SpinLockInit(&worker_shared->mutex);
		worker_shared->database_oid = InvalidOid;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Registers the worker settings and, when preloaded, its shared memory
 * and the worker itself.  Without preloading the SQL side works alone and
 * process_jobs() drains by hand.
 */
void
WorkerInit(void)
{
	BackgroundWorker worker;

	DefineCustomStringVariable("music.database",
							   "Database the hybridmusic worker connects to.",
							   "The worker waits there until CREATE EXTENSION hybridmusic has run. "
							   "A change restarts the worker.",
							   &worker_database, "postgres",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("music.naptime",
							"Longest time the hybridmusic worker sleeps between two looks at the queue.",
							"Committed jobs wake it at once; this is the fallback, and the "
							"interval of its milestone re-check.",
							&naptime_ms, 1000, 10, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("music.refresh_interval",
							"How often the hybridmusic worker runs refresh_analytics(); 0 disables it.",
							NULL,
							&refresh_interval_s, 60, 0, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = worker_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = worker_shmem_startup;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "hybridmusic");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "hm_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "hybridmusic worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "hybridmusic worker");
	RegisterBackgroundWorker(&worker);
}

/* Begins one of the worker's short transactions. */
static void
begin_step_xact(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
}

/* Commits one of the worker's short transactions. */
static void
end_step_xact(void)
{
	PopActiveSnapshot();
	CommitTransactionCommand();
}

typedef int64 (*WorkerStep) (void);

/* What extension_step() found in the worker's database. */
#define EXTENSION_MISSING 0
#define EXTENSION_READY 1
#define EXTENSION_OTHER_RELEASE 2

/*
 * Whether the extension is installed in the worker's database, and at this
 * library's release: new C on old SQL objects (make install without ALTER
 * EXTENSION ... UPDATE) waits, saying so once in the log.
 */
static int64
extension_step(void)
{
	static bool reported = false;

	if (!OidIsValid(get_extension_oid("hybridmusic", true)))
		return EXTENSION_MISSING;
	if (hm_installed_version_matches())
	{
		reported = false;
		return EXTENSION_READY;
	}
	if (!reported)
		ereport(LOG,
				(errmsg("hybridmusic worker waits: the installed SQL objects are not of release %s of its library",
						HM_LIBRARY_VERSION),
				 errhint("Run ALTER EXTENSION hybridmusic UPDATE in database \"%s\".", get_database_name(MyDatabaseId))));
	reported = true;
	return EXTENSION_OTHER_RELEASE;
}

/*
 * Runs one step of the loop, shown in pg_stat_activity as activity.  With
 * in_xact the step gets its own transaction; otherwise it manages its own.
 * An error is logged and the transaction rolled back, and the step returns
 * -1: the worker carries on and tries again next turn.
 */
static int64
run_step(const char *activity, WorkerStep step, bool in_xact, MemoryContext stepcxt)
{
	volatile int64 result = -1;

	pgstat_report_activity(STATE_RUNNING, activity);
	MemoryContextSwitchTo(stepcxt);
	PG_TRY();
	{
		if (in_xact)
			begin_step_xact();
		result = step();
		if (in_xact)
			end_step_xact();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(stepcxt);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		result = -1;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(stepcxt);
	MemoryContextReset(stepcxt);
	return result;
}

static MemoryContext job_context;

/* Drains one batch of due jobs. */
static int64
drain_step(void)
{
	int64		n = hm_process_jobs(WORKER_BATCH, HM_DRAINER_WORKER, job_context);

	MemoryContextReset(job_context);
	hm_status_step_done(HM_STEP_DRAIN);
	return n;
}

/* Takes back the jobs a previous worker died holding. */
static int64
recover_step(void)
{
	int			n = hm_recover_worker_jobs();

	if (n > 0)
		ereport(LOG,
				(errmsg("hybridmusic worker took back %d job(s) interrupted by a previous worker", n)));
	return n;
}

/* Runs refresh_analytics(). */
static int64
refresh_step(void)
{
	SPI_connect();
	if (SPI_execute("SELECT music.refresh_analytics()", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "refresh_analytics() failed");
	SPI_finish();
	hm_status_step_done(HM_STEP_REFRESH);
	return 1;
}

/*
 * Folds counter deltas into the totals.  Exact reads (creator_stats, and
 * milestone detection on every counted change) sum a creator's unfolded
 * deltas, so folding often keeps their cost at about a second of traffic
 * instead of growing until the next analytics refresh.
 */
static int64
fold_step(void)
{
	SPI_connect();
	if (SPI_execute("SELECT music.fold_counters()", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "fold_counters() failed");
	SPI_finish();
	hm_status_step_done(HM_STEP_FOLD);
	return 1;
}

/* Closes ended months and quarters. */
static int64
calendar_step(void)
{
	int64		closed = hm_close_due_periods();

	hm_status_step_done(HM_STEP_CALENDAR);
	return closed;
}

/* Whether at least interval_ms passed since *last; if so, moves *last to now. */
static bool
due(TimestampTz *last, int64 interval_ms)
{
	TimestampTz now = GetCurrentTimestamp();

	if (*last != 0 && !TimestampDifferenceExceeds(*last, now, (int) Min(interval_ms, INT_MAX)))
		return false;
	*last = now;
	return true;
}

/*
 * The OID of a database, or InvalidOid; reads pg_database with a plain scan,
 * which needs no catalog outside the shared ones.  Needs a transaction.
 */
static Oid
find_database(const char *name)
{
	Relation	rel = table_open(DatabaseRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tuple;
	Oid			found = InvalidOid;

	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);

		if (strcmp(NameStr(db->datname), name) == 0)
		{
			found = db->oid;
			break;
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * Connects to music.database.  Connecting to a database that does not exist
 * is FATAL, and the postmaster would start the worker again every 5 s with
 * the same FATAL each time; so a worker that has not found the database yet
 * connects to the shared catalogs only, looks for it there, says once that
 * it is missing and waits.  A process connects only once: when the database
 * is there it exits, and the next start connects to it by OID.  The OID is
 * used once, so a dropped database is looked for again by name.
 */
static void
connect_to_database(const char *database)
{
	Oid			database_oid;
	bool		reported = false;
	char	   *waiting;

	SpinLockAcquire(&worker_shared->mutex);
	database_oid = worker_shared->database_oid;
	worker_shared->database_oid = InvalidOid;
	if (strcmp(NameStr(worker_shared->database_name), database) != 0)
		database_oid = InvalidOid;
	SpinLockRelease(&worker_shared->mutex);
	if (OidIsValid(database_oid))
	{
		BackgroundWorkerInitializeConnectionByOid(database_oid, InvalidOid, 0);
		return;
	}

	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	waiting = psprintf("waiting for database \"%s\"", database);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			if (strcmp(database, worker_database) != 0)
				proc_exit(1);
		}
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		database_oid = find_database(database);
		CommitTransactionCommand();
		if (OidIsValid(database_oid))
		{
			SpinLockAcquire(&worker_shared->mutex);
			worker_shared->database_oid = database_oid;
			namestrcpy(&worker_shared->database_name, database);
			SpinLockRelease(&worker_shared->mutex);
			proc_exit(1);
		}
		if (!reported)
			ereport(LOG,
					(errmsg("hybridmusic worker: database \"%s\" (music.database) does not exist; waiting for it",
							database)));
		reported = true;
		pgstat_report_activity(STATE_IDLE, waiting);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 naptime_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* Entry point of the background worker. */
void
hm_worker_main(Datum main_arg)
{
	char	   *database;
	MemoryContext stepcxt;
	bool		recovered = false;
	TimestampTz last_refresh = 0;
	TimestampTz last_calendar = 0;
	TimestampTz last_fold = 0;
	int64		extension;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	database = MemoryContextStrdup(TopMemoryContext, worker_database);
	connect_to_database(database);
	pgstat_report_appname("hybridmusic worker");
	/*
	 * The worker is a superuser in a database whose owner may not be: names
	 * resolve in pg_catalog first and never in a schema that owner can
	 * write to, such as public (docs/operations.md, "Security").
	 */
	SetConfigOption("search_path", "pg_catalog, music, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
	/* short statements run every naptime: compiling them never pays */
	SetConfigOption("jit", "off", PGC_SUSET, PGC_S_OVERRIDE);

	hm_wake_publish_latch();
	hm_status_worker_started();

	stepcxt = AllocSetContextCreate(TopMemoryContext, "hybridmusic worker step", ALLOCSET_DEFAULT_SIZES);
	job_context = AllocSetContextCreate(TopMemoryContext, "hybridmusic worker jobs", ALLOCSET_DEFAULT_SIZES);
	ereport(LOG, (errmsg("hybridmusic worker started in database \"%s\"", database)));

	for (;;)
	{
		bool		busy = false;
		int64		drained;
		long		sleep_ms;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			/* month_close_delay may have changed: look at the calendar now */
			last_calendar = 0;
			if (strcmp(database, worker_database) != 0)
			{
				/* the postmaster starts it again, connected to the new one */
				ereport(LOG,
						(errmsg("hybridmusic worker restarting: music.database changed from \"%s\" to \"%s\"",
								database, worker_database)));
				proc_exit(1);
			}
		}
		/* after the reload: a shorter music.naptime applies to this nap */
		sleep_ms = naptime_ms;

		extension = run_step("checking for the extension", extension_step, true, stepcxt);
		if (extension == EXTENSION_READY)
		{
			if (!recovered)
				recovered = run_step("taking back interrupted jobs", recover_step, true, stepcxt) >= 0;
			drained = run_step("running jobs", drain_step, false, stepcxt);
			busy = drained > 0;
			/* a drain that failed (say, was cancelled) leaves its claimed jobs running */
			if (drained < 0)
				recovered = false;
			if (due(&last_fold, FOLD_INTERVAL_MS))
				run_step("folding counters", fold_step, true, stepcxt);
			run_step("checking milestones", hm_detect_milestones_all, true, stepcxt);
			if (refresh_interval_s > 0 && due(&last_refresh, (int64) refresh_interval_s * 1000))
				run_step("refreshing analytics", refresh_step, true, stepcxt);
			if (due(&last_calendar, CALENDAR_CHECK_MS))
				run_step("closing months and quarters", calendar_step, true, stepcxt);
			if (!busy)
			{
				int64		next = run_step("waiting for jobs", hm_next_job_due_ms, true, stepcxt);

				/*
				 * Wake for the next retry.  A job that is due but was not
				 * claimed is held by another drainer: look again soon, not
				 * in a tight loop.
				 */
				if (next >= 0 && next < sleep_ms)
					sleep_ms = Max(next, MIN_SLEEP_MS);
			}
		}
		else
		{
			/* a later CREATE EXTENSION starts afresh */
			recovered = false;
			pgstat_report_activity(STATE_IDLE, extension == EXTENSION_OTHER_RELEASE ?
								   "waiting for ALTER EXTENSION hybridmusic UPDATE" :
								   "waiting for CREATE EXTENSION hybridmusic");
		}

		/* more may be due: look again before sleeping */
		if (busy)
			continue;
		/* so that autovacuum sees what the worker changed */
		pgstat_report_stat(true);
		if (recovered)
			pgstat_report_activity(STATE_IDLE, "waiting for jobs");
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 sleep_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
