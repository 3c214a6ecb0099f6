-- The job queue (transactional outbox).  A job is inserted in the same
-- transaction as the milestone that needs it and carried out by the
-- background worker (src/worker.c) or by process_jobs(); see src/queue.c.
--
-- Life of a job: pending -> running (claimed with a lease) -> done, or
-- submitted (an external reference exists, the result is polled), or failed
-- (retried after an exponential backoff with jitter) -> ... -> dead after
-- music.max_attempts, where it waits for retry_job().  Jobs are never deleted.

CREATE TABLE jobs (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind text NOT NULL
		CHECK (kind = ANY (job_kinds())),
	creator_id bigint REFERENCES creators,
	milestone_id bigint REFERENCES milestones,
	status text NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'running', 'submitted', 'done', 'failed', 'dead')),
	attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	payload jsonb NOT NULL DEFAULT '{}',
	last_error text,
	external_ref text,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	lease_until timestamptz,
	claimed_by text,
	claimed_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	CHECK ((status = 'running') = (lease_until IS NOT NULL))
);
-- The claim query walks this index: only jobs that may still run are in it.
CREATE INDEX jobs_due ON jobs (next_attempt_at, id) WHERE status IN ('pending', 'failed', 'submitted');
CREATE INDEX jobs_running ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_dead ON jobs (updated_at) WHERE status = 'dead';
CREATE INDEX jobs_creator_id ON jobs (creator_id) WHERE creator_id IS NOT NULL;
CREATE INDEX jobs_milestone_id ON jobs (milestone_id) WHERE milestone_id IS NOT NULL;
COMMENT ON TABLE jobs IS 'Outbox of work for the chain and PDP storage; never deleted, see job_attempts for history.';
COMMENT ON COLUMN jobs.next_attempt_at IS 'Not claimed before this time: the backoff after a failure, the poll time once submitted.';
COMMENT ON COLUMN jobs.lease_until IS 'A running job whose lease has passed is taken back (its drainer died or hung).';
COMMENT ON COLUMN jobs.claimed_by IS '"worker" or "backend <pid>": who holds or last held the job.';
COMMENT ON COLUMN jobs.external_ref IS 'Transaction hash, piece CID or status URL, once one exists.';

-- One row per attempt that ended, including attempts lost to a crash or an
-- expired lease, so the history explains every state a job went through.
CREATE TABLE job_attempts (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	job_id bigint NOT NULL REFERENCES jobs,
	attempt int NOT NULL,
	claimed_by text,
	started_at timestamptz,
	finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	outcome text NOT NULL CHECK (outcome IN ('done', 'submitted', 'failed', 'lost')),
	error text
);
-- attempt numbers start again at 1 after retry_job(); id keeps the order
CREATE INDEX job_attempts_job_id ON job_attempts (job_id, id);
COMMENT ON TABLE job_attempts IS 'How every attempt at a job ended; lost means its drainer died or its lease ran out.';

-- A job is evidence that gas is owed or was paid: refuse to delete it.
CREATE FUNCTION jobs_forbid_delete() RETURNS trigger
LANGUAGE plpgsql AS $forbid$
BEGIN
	RAISE EXCEPTION 'jobs are never deleted'
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  HINT = 'Let a job finish or die; music.retry_job() brings a dead job back.';
END
$forbid$;
CREATE TRIGGER jobs_no_delete BEFORE DELETE OR TRUNCATE ON jobs
	FOR EACH STATEMENT EXECUTE FUNCTION jobs_forbid_delete();
CREATE TRIGGER job_attempts_no_delete BEFORE DELETE OR TRUNCATE ON job_attempts
	FOR EACH STATEMENT EXECUTE FUNCTION jobs_forbid_delete();

-- Wakes the worker when the inserting transaction commits.  A row trigger,
-- because a statement trigger also fires for statements that insert no job
-- (every milestone check), and would wake the worker for nothing.
CREATE FUNCTION jobs_wake_worker() RETURNS trigger
AS 'MODULE_PATHNAME', 'music_jobs_wake_worker' LANGUAGE C;
CREATE TRIGGER jobs_wake_worker BEFORE INSERT ON jobs
	FOR EACH ROW EXECUTE FUNCTION jobs_wake_worker();
-- A job made due earlier than it was (a waiting job released by what it
-- waited for) wakes the worker too, instead of waiting out its poll time.
CREATE TRIGGER jobs_due_earlier_wake_worker BEFORE UPDATE OF next_attempt_at ON jobs
	FOR EACH ROW WHEN (NEW.next_attempt_at < OLD.next_attempt_at) EXECUTE FUNCTION jobs_wake_worker();

CREATE VIEW dead_jobs AS
SELECT id, kind, creator_id, milestone_id, attempts, last_error, payload, created_at, updated_at AS died_at
FROM jobs WHERE status = 'dead';
COMMENT ON VIEW dead_jobs IS 'Jobs that used up music.max_attempts; fix the cause, then music.retry_job(id).';

CREATE VIEW job_overview AS
SELECT kind, status, count(*) AS jobs,
	   now() - min(created_at) FILTER (WHERE status = 'pending') AS oldest_pending_age,
	   now() - min(next_attempt_at) FILTER (WHERE status IN ('pending', 'failed', 'submitted')
											AND next_attempt_at <= now()) AS oldest_due_age,
	   now() - min(created_at) AS oldest_age,
	   max(updated_at) AS last_change,
	   (array_agg(last_error ORDER BY updated_at DESC) FILTER (WHERE last_error IS NOT NULL))[1] AS last_error
FROM jobs GROUP BY kind, status;
COMMENT ON VIEW job_overview IS 'Jobs by kind and state: how many, the age of the oldest pending one, how long the oldest due one has waited past its time, the latest error.';

CREATE FUNCTION enqueue_job(kind text, payload jsonb DEFAULT '{}', creator_id bigint DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_enqueue_job' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION process_jobs(max_jobs int DEFAULT 100)
RETURNS int AS 'MODULE_PATHNAME', 'music_process_jobs' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION retry_job(id bigint)
RETURNS void AS 'MODULE_PATHNAME', 'music_retry_job' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

REVOKE ALL ON jobs, job_attempts, dead_jobs, job_overview FROM PUBLIC;
GRANT SELECT ON jobs, job_attempts, dead_jobs, job_overview TO music_admin;
GRANT SELECT ON job_overview TO pg_monitor;
GRANT EXECUTE ON FUNCTION enqueue_job(text, jsonb, bigint), process_jobs(int), retry_job(bigint), job_kinds() TO music_admin;
