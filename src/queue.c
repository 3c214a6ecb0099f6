/*
 * queue.c
 *		The job queue (music.jobs): claim, run, settle; retries and leases.
 *
 * A drain claims due jobs in one statement (UPDATE ... FROM (SELECT ... FOR
 * UPDATE SKIP LOCKED) ... RETURNING, as pgmq does), so two drainers never
 * hold the same job.  A claim gives the job a lease and counts an attempt;
 * the settle that ends the attempt matches on (id, attempts), so a drainer
 * whose lease was taken back cannot overwrite the newer attempt.
 *
 * The worker claims in a short transaction and commits it, runs network
 * handlers with no transaction open, and settles in another short
 * transaction; database handlers run inside the settling transaction, so
 * their effects and the job's "done" commit together.  process_jobs()
 * called from SQL runs the same code inside the caller's transaction: the
 * claim is only visible once the caller commits, and a rollback undoes the
 * whole drain.  It exists for tests and manual drains; the worker is the
 * real drainer.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "hybridmusic.h"
#include "queue.h"

PG_FUNCTION_INFO_V1(music_jobs_wake_worker);
PG_FUNCTION_INFO_V1(music_enqueue_job);
PG_FUNCTION_INFO_V1(music_process_jobs);
PG_FUNCTION_INFO_V1(music_retry_job);

#define MAX_JOBS_PER_CALL 10000
#define MAX_BACKOFF_MS (3600 * 1000)

static int	max_attempts = 8;
static int	retry_delay_ms = 10000;
static int	job_lease_s = 300;

/* Set when this transaction inserted a job; the worker is woken at commit. */
static bool wake_at_commit = false;

static void noop_handler(HmJob *job);
static void refresh_analytics_handler(HmJob *job);

/*
 * Job kinds with a handler.  The chain and PDP kinds (pdp_snapshot,
 * coin_creation, metrics_update, revenue_share, verification, wallet_link)
 * are added here by the releases that implement them.
 */
static const HmJobKind job_kinds[] = {
	{"noop", noop_handler, true},
	{"refresh_analytics", refresh_analytics_handler, true},
};

/* Every kind the jobs table accepts. */
static const char *const known_kinds[] = {
	"pdp_snapshot", "coin_creation", "metrics_update", "revenue_share",
	"verification", "wallet_link", "noop", "refresh_analytics"
};

/*
 * Takes back running jobs whose lease has passed, and at worker start-up
 * (or after its drain was cancelled) those the worker held ($3 = 'worker').
 * A job that had started is a lost attempt and becomes due again (or dead
 * once out of attempts); one the worker claimed but never started
 * (claimed_at still null) gets its attempt back.
 */
static HmQuery reap_lost_jobs = {
	"WITH unstarted AS ("
	"  UPDATE music.jobs j SET status = CASE WHEN j.attempts > 1 THEN 'failed' ELSE 'pending' END,"
	"         attempts = j.attempts - 1, lease_until = NULL, next_attempt_at = clock_timestamp(),"
	"         updated_at = clock_timestamp()"
	"  WHERE j.status = 'running' AND j.claimed_at IS NULL"
	"    AND (j.lease_until < clock_timestamp() OR j.claimed_by = $3)"
	"), lost AS ("
	"  UPDATE music.jobs j SET status = CASE WHEN j.attempts >= $1 THEN 'dead' ELSE 'failed' END,"
	"         last_error = CASE WHEN j.claimed_by = $3 THEN 'the worker stopped while running it'"
	"                           ELSE 'lease expired: its drainer stopped or hung' END,"
	"         lease_until = NULL, next_attempt_at = clock_timestamp(), updated_at = clock_timestamp()"
	"  WHERE j.status = 'running' AND j.claimed_at IS NOT NULL"
	"    AND (j.lease_until < clock_timestamp() OR j.claimed_by = $3)"
	"  RETURNING j.id, j.attempts, j.claimed_by, j.claimed_at, j.last_error"
	") INSERT INTO music.job_attempts (job_id, attempt, claimed_by, started_at, outcome, error)"
	"  SELECT id, attempts, claimed_by, claimed_at, 'lost', last_error FROM lost",
	3, {INT4OID, INT4OID, TEXTOID}, NULL
};
/*
 * Claims due jobs.  claimed_at is when the job started: a backend runs its
 * jobs in the claiming transaction, but the worker commits the claim of a
 * batch first and marks each job (mark_started) only in the transaction
 * that commits just before it runs.
 */
static HmQuery claim_jobs = {
	"UPDATE music.jobs j SET status = 'running', attempts = j.attempts + 1,"
	"       lease_until = clock_timestamp() + $3::float8 * interval '1 second',"
	"       claimed_by = $4, claimed_at = CASE WHEN $4 <> 'worker' THEN clock_timestamp() END,"
	"       updated_at = clock_timestamp()"
	"  FROM (SELECT id FROM music.jobs"
	"        WHERE status IN ('pending', 'failed', 'submitted') AND next_attempt_at <= clock_timestamp()"
	"          AND kind = ANY ($1)"
	"        ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) due"
	" WHERE j.id = due.id"
	" RETURNING j.id, j.kind, j.creator_id, j.payload::text, j.attempts, j.external_ref",
	4, {TEXTARRAYOID, INT4OID, INT4OID, TEXTOID}, NULL
};

/*
 * Ends an attempt: $2 is done, submitted or failed; a failure past
 * max_attempts ($5) makes the job dead, otherwise it waits an exponential
 * backoff from the retry delay ($6), with +/-25% jitter so that jobs that
 * failed together do not retry together.
 */
static HmQuery settle_job = {
	"WITH settled AS ("
	"  UPDATE music.jobs j SET"
	"    status = CASE WHEN $2 = 'failed' AND j.attempts >= $5 THEN 'dead' ELSE $2 END,"
	"    last_error = coalesce($3, j.last_error),"
	"    external_ref = coalesce($4, j.external_ref),"
	"    lease_until = NULL,"
	"    next_attempt_at = CASE $2"
	"      WHEN 'failed' THEN clock_timestamp() + least($6::float8 * power(2::float8, (j.attempts - 1)::float8), $8)"
	"                         * (0.75::float8 + 0.5::float8 * random()) * interval '1 millisecond'"
	"      WHEN 'submitted' THEN clock_timestamp() + $6::float8 * interval '1 millisecond'"
	"      ELSE j.next_attempt_at END,"
	"    updated_at = clock_timestamp(),"
	"    finished_at = CASE WHEN $2 = 'done' THEN clock_timestamp() END"
	"  WHERE j.id = $1 AND j.status = 'running' AND j.attempts = $7"
	"  RETURNING j.id, j.attempts, j.claimed_by, j.claimed_at"
	") INSERT INTO music.job_attempts (job_id, attempt, claimed_by, started_at, outcome, error)"
	"  SELECT id, attempts, claimed_by, claimed_at, $2, $3 FROM settled",
	8, {INT8OID, TEXTOID, TEXTOID, TEXTOID, INT4OID, INT4OID, INT4OID, FLOAT8OID}, NULL
};
static HmQuery mark_started = {
	"UPDATE music.jobs SET claimed_at = clock_timestamp() WHERE id = $1 AND status = 'running' AND attempts = $2",
	2, {INT8OID, INT4OID}, NULL
};
static HmQuery next_due = {
	"SELECT ceil(extract(epoch FROM min(next_attempt_at) - clock_timestamp()) * 1000)::bigint"
	"  FROM music.jobs WHERE status IN ('pending', 'failed', 'submitted') AND kind = ANY ($1)",
	1, {TEXTARRAYOID}, NULL
};
static HmQuery insert_job = {
	"INSERT INTO music.jobs (kind, creator_id, payload) VALUES ($1, $2, $3) RETURNING id",
	3, {TEXTOID, INT8OID, JSONBOID}, NULL
};
static HmQuery job_status = {
	"SELECT status FROM music.jobs WHERE id = $1 FOR UPDATE", 1, {INT8OID}, NULL
};
static HmQuery requeue_job = {
	"UPDATE music.jobs SET status = 'pending', attempts = 0, next_attempt_at = now(),"
	"       updated_at = clock_timestamp(), finished_at = NULL WHERE id = $1",
	1, {INT8OID}, NULL
};
static HmQuery noop_options = {
	"SELECT coalesce((p->>'sleep_ms')::int, 0), coalesce((p->>'fail_attempts')::int, 0), p->>'error' "
	"FROM (SELECT $1::jsonb AS p) x",
	1, {TEXTOID}, NULL
};

/* Sets a flag at commit/abort; wakes the worker when a job was committed. */
static void
queue_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (wake_at_commit)
				hm_worker_wake();
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

/* Registers the queue settings and the commit callback. */
void
QueueInit(void)
{
	DefineCustomIntVariable("music.max_attempts",
							"Attempts at a job before it is dead.",
							"Dead jobs wait for music.retry_job().",
							&max_attempts, 8, 1, 1000,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("music.retry_delay",
							"Delay before the first retry of a failed job; each further retry doubles it, up to an hour.",
							"Also the interval at which submitted jobs are polled.",
							&retry_delay_ms, 10000, 0, MAX_BACKOFF_MS,
							PGC_SUSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("music.job_lease",
							"How long a claimed job may run before another drainer takes it back.",
							NULL,
							&job_lease_s, 300, 1, 86400,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	RegisterXactCallback(queue_xact_callback, NULL);
}

/*
 * jobs_wake_worker(): BEFORE INSERT ... FOR EACH ROW trigger on jobs; the
 * worker is woken when the transaction commits, never before, so it cannot
 * look for the job too early, and never for a rolled back one.
 */
Datum
music_jobs_wake_worker(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event))
		elog(ERROR, "jobs_wake_worker must be a BEFORE ... FOR EACH ROW trigger");
	wake_at_commit = true;
	return PointerGetDatum(trigdata->tg_trigtuple);
}

/* Returns the handler entry of a kind, or NULL when it has none yet. */
static const HmJobKind *
find_kind(const char *kind)
{
	for (size_t i = 0; i < lengthof(job_kinds); i++)
		if (strcmp(job_kinds[i].kind, kind) == 0)
			return &job_kinds[i];
	return NULL;
}

/* The kinds with a handler, as a text[] for the claim query. */
static Datum
handled_kinds(void)
{
	Datum		elems[lengthof(job_kinds)];

	for (size_t i = 0; i < lengthof(job_kinds); i++)
		elems[i] = CStringGetTextDatum(job_kinds[i].kind);
	return PointerGetDatum(construct_array(elems, lengthof(job_kinds), TEXTOID, -1, false, TYPALIGN_INT));
}

/* Orders claimed jobs by id, so a drain runs them in the order queued. */
static int
job_cmp(const void *a, const void *b)
{
	int64		x = ((const HmJob *) a)->id;
	int64		y = ((const HmJob *) b)->id;

	return (x > y) - (x < y);
}

/* Starts one of the worker's short transactions. */
static void
begin_worker_xact(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
}

/* Commits one of the worker's short transactions. */
static void
end_worker_xact(void)
{
	PopActiveSnapshot();
	CommitTransactionCommand();
}

/* The claimed_by label of this drainer. */
static char *
drainer_label(HmDrainer drainer)
{
	return drainer == HM_DRAINER_WORKER ? pstrdup("worker") : psprintf("backend %d", MyProcPid);
}

/*
 * Reaps lost jobs and claims up to max_jobs due ones (connected to SPI);
 * copies them into jobcxt and returns how many.
 */
static int
claim(int max_jobs, HmDrainer drainer, MemoryContext jobcxt, HmJob **jobs)
{
	Datum		values[4];
	char		nulls[4] = "    ";
	uint64		n;
	MemoryContext oldcxt;

	values[0] = Int32GetDatum(max_attempts);
	values[1] = Int32GetDatum(0);
	values[2] = (Datum) 0;
	nulls[2] = 'n';
	hm_exec(&reap_lost_jobs, values, nulls, false);

	values[0] = handled_kinds();
	values[1] = Int32GetDatum(max_jobs);
	values[2] = Int32GetDatum(job_lease_s);
	values[3] = CStringGetTextDatum(drainer_label(drainer));
	n = hm_exec(&claim_jobs, values, NULL, false);

	oldcxt = MemoryContextSwitchTo(jobcxt);
	*jobs = palloc0(sizeof(HmJob) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		HmJob	   *job = &(*jobs)[i];

		job->id = hm_get_int64(i, 1, NULL);
		job->kind = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		job->creator_id = hm_get_int64(i, 3, NULL);
		job->payload = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 4);
		job->attempts = (int32) hm_get_int64(i, 5, NULL);
		job->external_ref = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 6);
	}
	MemoryContextSwitchTo(oldcxt);
	qsort(*jobs, n, sizeof(HmJob), job_cmp);
	return (int) n;
}

/*
 * Runs a handler and turns an error it raises into a failed attempt.
 * Inside a transaction the handler gets a subtransaction, so a failure
 * rolls back its own work and nothing else.  A query cancel is not a job
 * failure: it is raised again and ends the drain.
 */
static void
run_handler(const HmJobKind *kind, HmJob *job)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	bool		subxact = IsTransactionState();

	job->outcome = HM_JOB_DONE;
	job->error = NULL;
	if (subxact)
	{
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(oldcxt);
	}
	PG_TRY();
	{
		kind->handler(job);
		if (subxact)
		{
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(oldcxt);
			CurrentResourceOwner = oldowner;
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		if (subxact)
		{
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(oldcxt);
			CurrentResourceOwner = oldowner;
		}
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		job->outcome = HM_JOB_FAILED;
		job->error = pstrdup(edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/*
 * Records how an attempt ended (connected to SPI).  Returns false when the
 * job was taken back meanwhile (its lease ran out), in which case this
 * attempt's result must not count.
 */
static bool
settle(HmJob *job)
{
	static const char *const outcome_names[] = {"done", "submitted", "failed"};
	Datum		values[8];
	char		nulls[8] = "        ";

	values[0] = Int64GetDatum(job->id);
	values[1] = CStringGetTextDatum(outcome_names[job->outcome]);
	values[2] = hm_text_or_null(job->error, &nulls[2]);
	values[3] = hm_text_or_null(job->external_ref, &nulls[3]);
	values[4] = Int32GetDatum(max_attempts);
	values[5] = Int32GetDatum(retry_delay_ms);
	values[6] = Int32GetDatum(job->attempts);
	values[7] = Float8GetDatum((double) MAX_BACKOFF_MS);
	return hm_exec(&settle_job, values, nulls, false) > 0;
}

/* Logs a failed attempt where a DBA looks first. */
static void
report_failure(HmJob *job)
{
	if (job->outcome == HM_JOB_FAILED)
		ereport(LOG,
				(errmsg("hybridmusic job " INT64_FORMAT " (%s) attempt %d failed: %s",
						job->id, job->kind, job->attempts, job->error ? job->error : "no reason given")));
}

/*
 * Marks a job the worker claimed as started, in the transaction that
 * commits before it runs (connected to SPI): should the worker die, only
 * started jobs count the attempt.
 */
static void
mark_job_started(HmJob *job)
{
	Datum		values[2];

	values[0] = Int64GetDatum(job->id);
	values[1] = Int32GetDatum(job->attempts);
	hm_exec(&mark_started, values, NULL, false);
}

/*
 * Drains up to max_jobs due jobs whose kind has a handler; returns how many
 * it ran.  The worker passes HM_DRAINER_WORKER and no open transaction; a
 * backend passes HM_DRAINER_BACKEND from inside its transaction.  jobcxt
 * must outlive the drain.
 */
int
hm_process_jobs(int max_jobs, HmDrainer drainer, MemoryContext jobcxt)
{
	bool		worker = drainer == HM_DRAINER_WORKER;
	MemoryContext callercxt = CurrentMemoryContext;
	HmJob	   *jobs;
	int			n;

	if (worker)
		begin_worker_xact();
	SPI_connect();
	n = claim(max_jobs, drainer, jobcxt, &jobs);
	if (worker)
	{
		if (n > 0)
			mark_job_started(&jobs[0]);
		SPI_finish();
		end_worker_xact();
		MemoryContextSwitchTo(callercxt);
	}

	for (int i = 0; i < n; i++)
	{
		HmJob	   *job = &jobs[i];
		const HmJobKind *kind = find_kind(job->kind);
		bool		settled;

		/* claim only returns kinds with a handler */
		Assert(kind != NULL);
		if (worker)
		{
			if (kind->in_transaction)
			{
				begin_worker_xact();
				SPI_connect();
				run_handler(kind, job);
			}
			else
			{
				/* network work: no transaction, no snapshot, no locks held */
				run_handler(kind, job);
				begin_worker_xact();
				SPI_connect();
			}
			/* before settling: the error text lives no longer than SPI */
			report_failure(job);
			settled = settle(job);
			/* a database handler's work must not outlive a lost lease */
			if (!settled && kind->in_transaction)
				ereport(ERROR,
						(errmsg("hybridmusic job " INT64_FORMAT " was taken back before it finished", job->id),
						 errdetail("Its lease (music.job_lease) ran out; the work of this attempt is rolled back.")));
			if (i + 1 < n)
				mark_job_started(&jobs[i + 1]);
			SPI_finish();
			end_worker_xact();
			MemoryContextSwitchTo(callercxt);
		}
		else
		{
			run_handler(kind, job);
			report_failure(job);
			settled = settle(job);
		}
		if (!settled)
			ereport(WARNING,
					(errmsg("hybridmusic job " INT64_FORMAT " was taken back before it finished; this attempt's result is discarded",
							job->id)));
	}
	if (!worker)
		SPI_finish();
	return n;
}

/*
 * At worker start-up: jobs still running under the "worker" label belong to
 * a worker that died (there is one per cluster), so they are due again at
 * once rather than after their lease.  Needs a transaction.
 */
int
hm_recover_worker_jobs(void)
{
	Datum		values[3];
	uint64		n;

	SPI_connect();
	values[0] = Int32GetDatum(max_attempts);
	values[1] = Int32GetDatum(0);
	values[2] = CStringGetTextDatum("worker");
	n = hm_exec(&reap_lost_jobs, values, NULL, false);
	SPI_finish();
	return (int) n;
}

/*
 * Milliseconds until the next job with a handler falls due (0 if one is
 * due now), or -1 when none waits; lets the worker wake for a retry rather
 * than sleep through its backoff.  Needs a transaction.
 */
int64
hm_next_job_due_ms(void)
{
	Datum		value = handled_kinds();
	bool		isnull;
	int64		ms;

	SPI_connect();
	hm_exec(&next_due, &value, NULL, true);
	ms = hm_get_int64(0, 1, &isnull);
	SPI_finish();
	return isnull ? -1 : Max(ms, 0);
}

/* Checks that a kind is one the jobs table knows. */
static void
check_kind(const char *kind)
{
	for (size_t i = 0; i < lengthof(known_kinds); i++)
		if (strcmp(known_kinds[i], kind) == 0)
			return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown job kind \"%s\"", kind),
			 errhint("Job kinds are pdp_snapshot, coin_creation, metrics_update, revenue_share, "
					 "verification, wallet_link, noop and refresh_analytics.")));
}

/*
 * enqueue_job(kind, payload, creator_id): queues a job by hand, for
 * operations and tests; milestones queue their own.
 */
Datum
music_enqueue_job(PG_FUNCTION_ARGS)
{
	char	   *kind = hm_arg_text(fcinfo, 0, "kind", 50);
	int64		creator_id = 0;
	bool		has_creator = hm_arg_optional_id(fcinfo, 2, "creator_id", &creator_id);
	Datum		values[3];
	char		nulls[3] = "   ";
	int64		id;

	check_kind(kind);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("payload must not be null"),
				 errhint("Pass '{}' for a job without options.")));

	SPI_connect();
	if (has_creator)
		hm_require_creator(creator_id);
	values[0] = CStringGetTextDatum(kind);
	values[1] = Int64GetDatum(creator_id);
	nulls[1] = has_creator ? ' ' : 'n';
	values[2] = PG_GETARG_DATUM(1);
	hm_exec(&insert_job, values, nulls, false);
	id = hm_get_int64(0, 1, NULL);
	SPI_finish();
	PG_RETURN_INT64(id);
}

/*
 * process_jobs(max_jobs): drains up to max_jobs due jobs in this backend,
 * inside the caller's transaction; returns how many ran.
 */
Datum
music_process_jobs(PG_FUNCTION_ARGS)
{
	int32		max_jobs = hm_arg_int(fcinfo, 0, "max_jobs");

	hm_check_range("max_jobs", max_jobs, 1, MAX_JOBS_PER_CALL);
	PG_RETURN_INT32(hm_process_jobs(max_jobs, HM_DRAINER_BACKEND, CurrentMemoryContext));
}

/*
 * retry_job(id): brings a dead (or failed) job back to pending with a fresh
 * set of attempts; its history stays in job_attempts.
 */
Datum
music_retry_job(PG_FUNCTION_ARGS)
{
	int64		id = hm_arg_id(fcinfo, 0, "id");
	Datum		value = Int64GetDatum(id);
	char	   *status;

	SPI_connect();
	if (hm_exec(&job_status, &value, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("job " INT64_FORMAT " does not exist", id)));
	status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (strcmp(status, "dead") != 0 && strcmp(status, "failed") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("job " INT64_FORMAT " is %s", id, status),
				 errdetail("Only dead or failed jobs can be retried.")));
	hm_exec(&requeue_job, &value, NULL, false);
	SPI_finish();
	wake_at_commit = true;
	PG_RETURN_VOID();
}

/*
 * noop: a job without effects, for tests and health checks.  Payload
 * options: sleep_ms (wait that long, interruptibly), fail_attempts (fail
 * while attempts <= it) and error (the message of those failures).
 */
static void
noop_handler(HmJob *job)
{
	Datum		value = CStringGetTextDatum(job->payload);
	int32		sleep_ms;
	int32		fail_attempts;
	char	   *error;
	TimestampTz until;
	MemoryContext handlercxt = CurrentMemoryContext;

	SPI_connect();
	hm_exec(&noop_options, &value, NULL, true);
	sleep_ms = (int32) hm_get_int64(0, 1, NULL);
	fail_attempts = (int32) hm_get_int64(0, 2, NULL);
	/* SPI_finish frees the result: copy the message to the handler's memory */
	error = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	if (error != NULL)
		error = MemoryContextStrdup(handlercxt, error);
	SPI_finish();

	until = GetCurrentTimestamp() + (TimestampTz) sleep_ms * 1000;
	for (;;)
	{
		long		left_ms;

		CHECK_FOR_INTERRUPTS();
		left_ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);
		if (left_ms <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(left_ms, 100), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	if (job->attempts <= fail_attempts)
		ereport(ERROR,
				(errmsg("%s", error ? error : psprintf("noop failed on purpose (attempt %d)", job->attempts))));
}

/* refresh_analytics: runs music.refresh_analytics() as a job. */
static void
refresh_analytics_handler(HmJob *job)
{
	SPI_connect();
	if (SPI_execute("SELECT music.refresh_analytics()", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "refresh_analytics failed");
	SPI_finish();
}
