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
#include "lib/stringinfo.h"
#include "catalog/pg_type.h"
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

#include "datasafety.h"
#include "hybridmusic.h"
#include "queue.h"
#include "wake.h"

HM_FUNCTION(music_job_kinds);
HM_FUNCTION(music_enqueue_job);
HM_FUNCTION(music_process_jobs);
HM_FUNCTION(music_retry_job);

#define MAX_JOBS_PER_CALL 10000
#define MAX_BACKOFF_MS (3600 * 1000)
/* More kinds than the project will ever have. */
#define MAX_JOB_KINDS 32

static int	max_attempts = 8;
static int	retry_delay_ms = 10000;
static int	job_lease_s = 300;

/* The registered kinds, in registration order. */
static HmJobKind job_kinds[MAX_JOB_KINDS];
static int	njob_kinds = 0;

static void noop_handler(HmJob *job);
static void refresh_analytics_handler(HmJob *job);

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
	"      WHEN 'submitted' THEN clock_timestamp() + $9::float8 * interval '1 millisecond'"
	"      ELSE j.next_attempt_at END,"
	"    updated_at = clock_timestamp(),"
	"    finished_at = CASE WHEN $2 = 'done' THEN clock_timestamp() END"
	"  WHERE j.id = $1 AND j.status = 'running' AND j.attempts = $7"
	"  RETURNING j.id, j.attempts, j.claimed_by, j.claimed_at"
	") INSERT INTO music.job_attempts (job_id, attempt, claimed_by, started_at, outcome, error)"
	"  SELECT id, attempts, claimed_by, claimed_at, $2, $3 FROM settled",
	9, {INT8OID, TEXTOID, TEXTOID, TEXTOID, INT4OID, INT4OID, INT4OID, FLOAT8OID, INT4OID}, NULL
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

/*
 * Makes a kind known (see queue.h).  Called from _PG_init, so a mistake
 * here is the programmer's and stops the module from loading.
 */
void
hm_register_job_kind(const HmJobKind *kind)
{
	if (kind->kind == NULL || kind->kind[0] == '\0')
		elog(ERROR, "a job kind needs a name");
	for (int i = 0; i < njob_kinds; i++)
		if (strcmp(job_kinds[i].kind, kind->kind) == 0)
			elog(ERROR, "job kind \"%s\" is registered twice", kind->kind);
	if (kind->handler != NULL && kind->batch_handler != NULL)
		elog(ERROR, "job kind \"%s\" has both a handler and a batch handler", kind->kind);
	if (kind->batch_handler != NULL && kind->max_batch < 1)
		elog(ERROR, "job kind \"%s\" has a batch handler but no max_batch", kind->kind);
	if (njob_kinds >= MAX_JOB_KINDS)
		elog(ERROR, "too many job kinds");
	job_kinds[njob_kinds++] = *kind;
}

/* Registers the queue settings and the job kinds the queue carries out itself. */
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
	hm_register_job_kind(&(HmJobKind) {.kind = "noop",.handler = noop_handler,.in_transaction = true});
	hm_register_job_kind(&(HmJobKind) {.kind = "refresh_analytics",.handler = refresh_analytics_handler,.in_transaction = true});
}

/* Returns the registered entry of a kind, or NULL for an unknown kind. */
static const HmJobKind *
find_kind(const char *kind)
{
	for (int i = 0; i < njob_kinds; i++)
		if (strcmp(job_kinds[i].kind, kind) == 0)
			return &job_kinds[i];
	return NULL;
}

/* Whether jobs of a kind can be carried out by this release. */
static bool
has_handler(const HmJobKind *kind)
{
	return kind->handler != NULL || kind->batch_handler != NULL;
}

/*
 * The registered kinds as a text[]: all of them, or those a drainer
 * carries out.  Network kinds are the worker's alone: they commit their own
 * short transactions (a transaction signed and stored before it is
 * broadcast), which a backend's drain inside its caller's transaction
 * cannot.
 */
static Datum
kinds_array(bool handled_only, HmDrainer drainer)
{
	Datum		elems[MAX_JOB_KINDS];
	int			n = 0;

	for (int i = 0; i < njob_kinds; i++)
	{
		const HmJobKind *kind = &job_kinds[i];

		if (handled_only && (!has_handler(kind) || (drainer == HM_DRAINER_BACKEND && !kind->in_transaction)))
			continue;
		elems[n++] = CStringGetTextDatum(kind->kind);
	}
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* The kinds a drainer claims. */
static Datum
handled_kinds(HmDrainer drainer)
{
	return kinds_array(true, drainer);
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

	values[0] = handled_kinds(drainer);
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
 * Runs a kind's handler on a group of its jobs (one job unless the kind has
 * a batch handler) and turns an error it raises into a failed attempt of
 * every job of the group.  Inside a transaction the handler gets a
 * subtransaction, so a failure rolls back its own work and nothing else.
 * A query cancel is not a job failure: it is raised again and ends the
 * drain.
 */
static void
run_handler(const HmJobKind *kind, HmJob **group, int ngroup)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	bool		subxact = IsTransactionState();

	for (int i = 0; i < ngroup; i++)
	{
		group[i]->outcome = HM_JOB_DONE;
		group[i]->error = NULL;
		group[i]->poll_in_ms = 0;
	}
	if (subxact)
	{
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(oldcxt);
	}
	PG_TRY();
	{
		if (kind->batch_handler != NULL)
			kind->batch_handler(group, ngroup);
		else
			kind->handler(group[0]);
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
		else
		{
			/* a network handler's own short transaction, if one was open */
			AbortOutOfAnyTransaction();
			MemoryContextSwitchTo(oldcxt);
		}
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		for (int i = 0; i < ngroup; i++)
		{
			group[i]->outcome = HM_JOB_FAILED;
			group[i]->error = pstrdup(edata->message);
		}
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
	Datum		values[9];
	char		nulls[9] = "         ";

	values[0] = Int64GetDatum(job->id);
	values[1] = CStringGetTextDatum(outcome_names[job->outcome]);
	values[2] = hm_text_or_null(job->error, &nulls[2]);
	values[3] = hm_text_or_null(job->external_ref, &nulls[3]);
	values[4] = Int32GetDatum(max_attempts);
	values[5] = Int32GetDatum(retry_delay_ms);
	values[6] = Int32GetDatum(job->attempts);
	values[7] = Float8GetDatum((double) MAX_BACKOFF_MS);
	values[8] = Int32GetDatum(job->poll_in_ms > 0 ? job->poll_in_ms : retry_delay_ms);
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
 * Settles every job of a group (connected to SPI) and says so when one was
 * taken back meanwhile.  In the worker a database handler's work must not
 * outlive a lost lease, so that raises an error, which rolls it back.
 */
static void
settle_group(const HmJobKind *kind, HmJob **group, int ngroup, bool worker)
{
	for (int i = 0; i < ngroup; i++)
	{
		HmJob	   *job = group[i];

		report_failure(job);
		if (settle(job))
			continue;
		if (worker && kind->in_transaction)
			ereport(ERROR,
					(errmsg("hybridmusic job " INT64_FORMAT " was taken back before it finished", job->id),
					 errdetail("Its lease (music.job_lease) ran out; the work of this attempt is rolled back.")));
		ereport(WARNING,
				(errmsg("hybridmusic job " INT64_FORMAT " was taken back before it finished; this attempt's result is discarded",
						job->id)));
	}
}

/*
 * Collects into group the claimed jobs that run together with jobs[first]:
 * when its kind has a batch handler, the later ones of every kind with the
 * same batch handler (coin_creation and metrics_update share one call), up
 * to max_batch.  Marks them as taken; returns how many.
 */
static int
gather_group(HmJob *jobs, int njobs, int first, bool *taken, HmJob **group)
{
	const HmJobKind *kind = find_kind(jobs[first].kind);
	int			ngroup = 0;

	for (int i = first; i < njobs; i++)
	{
		const HmJobKind *other = find_kind(jobs[i].kind);

		if (taken[i] || (other != kind && (kind->batch_handler == NULL ||
										   other->batch_handler != kind->batch_handler)))
			continue;
		taken[i] = true;
		group[ngroup++] = &jobs[i];
		if (kind->batch_handler == NULL || ngroup >= kind->max_batch)
			break;
	}
	return ngroup;
}

/*
 * Marks the jobs of a group the worker claimed as started, in the
 * transaction that commits before they run (connected to SPI): should the
 * worker die, only started jobs count the attempt.
 */
static void
mark_group_started(HmJob **group, int ngroup)
{
	for (int i = 0; i < ngroup; i++)
	{
		Datum		values[2];

		values[0] = Int64GetDatum(group[i]->id);
		values[1] = Int32GetDatum(group[i]->attempts);
		hm_exec(&mark_started, values, NULL, false);
	}
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
	HmJob	  **members;		/* the claimed jobs, group after group */
	int		   *starts;			/* group g is members[starts[g] .. starts[g + 1]) */
	bool	   *taken;
	int			ngroups = 0;
	int			n;

	if (worker)
		begin_worker_xact();
	SPI_connect();
	n = claim(max_jobs, drainer, jobcxt, &jobs);

	/* the groups that run together, in the order queued */
	members = MemoryContextAlloc(jobcxt, sizeof(HmJob *) * (n + 1));
	starts = MemoryContextAlloc(jobcxt, sizeof(int) * (n + 1));
	taken = MemoryContextAllocZero(jobcxt, sizeof(bool) * (n + 1));
	starts[0] = 0;
	for (int i = 0; i < n; i++)
		if (!taken[i])
		{
			starts[ngroups + 1] = starts[ngroups] + gather_group(jobs, n, i, taken, &members[starts[ngroups]]);
			ngroups++;
		}

	if (worker)
	{
		if (ngroups > 0)
			mark_group_started(members, starts[1]);
		SPI_finish();
		end_worker_xact();
		MemoryContextSwitchTo(callercxt);
	}

	for (int g = 0; g < ngroups; g++)
	{
		HmJob	  **group = &members[starts[g]];
		int			ngroup = starts[g + 1] - starts[g];
		const HmJobKind *kind = find_kind(group[0]->kind);

		/* claim only returns kinds with a handler */
		Assert(kind != NULL && has_handler(kind));
		if (worker)
		{
			if (kind->in_transaction)
			{
				begin_worker_xact();
				SPI_connect();
				run_handler(kind, group, ngroup);
			}
			else
			{
				/* network work: no transaction, no snapshot, no locks held */
				run_handler(kind, group, ngroup);
				begin_worker_xact();
				SPI_connect();
			}
			/* before committing: the error texts live no longer than SPI */
			settle_group(kind, group, ngroup, true);
			if (g + 1 < ngroups)
				mark_group_started(&members[starts[g + 1]], starts[g + 2] - starts[g + 1]);
			SPI_finish();
			end_worker_xact();
			MemoryContextSwitchTo(callercxt);
		}
		else
		{
			run_handler(kind, group, ngroup);
			settle_group(kind, group, ngroup, false);
		}
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
	Datum		value = handled_kinds(HM_DRAINER_WORKER);
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
	StringInfoData known;

	if (find_kind(kind) != NULL)
		return;
	initStringInfo(&known);
	for (int i = 0; i < njob_kinds; i++)
		appendStringInfo(&known, "%s%s", i == 0 ? "" : ", ", job_kinds[i].kind);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown job kind \"%s\"", kind),
			 errhint("Job kinds are %s.", known.data)));
}

/*
 * job_kinds(): the registered job kinds; the jobs table and the milestone
 * rules accept exactly these.
 */
static Datum
music_job_kinds_body(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(kinds_array(false, HM_DRAINER_WORKER));
}

/*
 * enqueue_job(kind, payload, creator_id): queues a job by hand, for
 * operations and tests; milestones queue their own.
 */
static Datum
music_enqueue_job_body(PG_FUNCTION_ARGS)
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
static Datum
music_process_jobs_body(PG_FUNCTION_ARGS)
{
	int32		max_jobs = hm_arg_int(fcinfo, 0, "max_jobs");

	hm_check_range("max_jobs", max_jobs, 1, MAX_JOBS_PER_CALL);
	PG_RETURN_INT32(hm_process_jobs(max_jobs, HM_DRAINER_BACKEND, CurrentMemoryContext));
}

/*
 * retry_job(id): brings a dead (or failed) job back to pending with a fresh
 * set of attempts; its history stays in job_attempts.
 */
static Datum
music_retry_job_body(PG_FUNCTION_ARGS)
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
	hm_wake_at_commit();
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
