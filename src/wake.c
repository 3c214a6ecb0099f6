/*
 * wake.c
 *		Waking the background worker.
 *
 * The worker publishes its latch in a small piece of shared memory; a
 * backend that queued a job sets it when its transaction commits, never
 * before (the worker would look for the job too early) and never for a
 * rolled back one.  The BEFORE INSERT trigger on music.jobs asks for the
 * wake, and so does its BEFORE UPDATE trigger when a job is made due
 * earlier; music.retry_job() asks too.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "datasafety.h"
#include "wake.h"

HM_FUNCTION(music_jobs_wake_worker);

/* Where the worker's latch is, for the backends that wake it. */
typedef struct HmWakeShared
{
	slock_t		mutex;
	Latch	   *latch;
} HmWakeShared;

static HmWakeShared *wake_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Set when this transaction queued a job; the worker is woken at commit. */
static bool wake_at_commit = false;

/* Requests the shared state (PG15: only in this hook). */
static void
wake_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(HmWakeShared)));
}

/* Creates the shared state, also after a crash restart. */
static void
wake_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	wake_shared = ShmemInitStruct("hybridmusic wake", sizeof(HmWakeShared), &found);
	if (!found)
	{
		SpinLockInit(&wake_shared->mutex);
		wake_shared->latch = NULL;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Wakes the worker at commit when asked to; forgets the request at abort. */
static void
wake_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (wake_at_commit)
				hm_wake_worker();
			wake_at_commit = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			wake_at_commit = false;
			break;
		default:
			break;
	}
}

/*
 * Registers the commit callback and, when preloaded, the shared memory.
 * Without preloading there is no worker and nobody to wake.
 */
void
WakeInit(void)
{
	RegisterXactCallback(wake_xact_callback, NULL);
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = wake_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = wake_shmem_startup;
}

/* Asks for the worker to be woken when the current transaction commits. */
void
hm_wake_at_commit(void)
{
	wake_at_commit = true;
}

/* Wakes the worker, if one runs. */
void
hm_wake_worker(void)
{
	Latch	   *latch;

	if (wake_shared == NULL)
		return;
	SpinLockAcquire(&wake_shared->mutex);
	latch = wake_shared->latch;
	SpinLockRelease(&wake_shared->mutex);
	if (latch != NULL)
		SetLatch(latch);
}

/* Unpublishes the worker's latch when it exits. */
static void
wake_detach(int code, Datum arg)
{
	SpinLockAcquire(&wake_shared->mutex);
	if (wake_shared->latch == MyLatch)
		wake_shared->latch = NULL;
	SpinLockRelease(&wake_shared->mutex);
}

/* Publishes the worker's latch, so that committing backends can set it. */
void
hm_wake_publish_latch(void)
{
	SpinLockAcquire(&wake_shared->mutex);
	wake_shared->latch = MyLatch;
	SpinLockRelease(&wake_shared->mutex);
	before_shmem_exit(wake_detach, (Datum) 0);
}

/*
 * jobs_wake_worker(): BEFORE INSERT or UPDATE ... FOR EACH ROW trigger on
 * jobs; asks for the worker to be woken when the transaction commits.
 */
static Datum
music_jobs_wake_worker_body(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event))
		elog(ERROR, "jobs_wake_worker must be a BEFORE ... FOR EACH ROW trigger");
	hm_wake_at_commit();
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		return PointerGetDatum(trigdata->tg_newtuple);
	return PointerGetDatum(trigdata->tg_trigtuple);
}
