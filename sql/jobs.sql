SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

\i test/fails.sql

-- a noop job is picked up and done once
SELECT music.enqueue_job('noop') AS noop_job \gset
SELECT kind, status, attempts, creator_id, payload FROM music.jobs WHERE id = :noop_job;
SELECT music.process_jobs(10);
SELECT kind, status, attempts, claimed_by = 'backend ' || pg_backend_pid() AS by_me,
	   lease_until IS NULL AS no_lease, finished_at IS NOT NULL AS finished
FROM music.jobs WHERE id = :noop_job;
SELECT attempt, outcome, error, started_at <= finished_at AS timed FROM music.job_attempts WHERE job_id = :noop_job;
-- nothing left to do
SELECT music.process_jobs(10);

-- network kinds (here pdp_snapshot) are left to the worker: a backend does not claim them
SELECT music.enqueue_job('pdp_snapshot', '{"note": "later"}') AS pdp_job \gset
SELECT music.process_jobs(10);
SELECT kind, status, attempts, last_error FROM music.jobs WHERE id = :pdp_job;

-- refresh_analytics as a job
SELECT music.enqueue_job('refresh_analytics') AS refresh_job \gset
SELECT music.process_jobs(10);
SELECT status, attempts FROM music.jobs WHERE id = :refresh_job;

-- failures back off exponentially (+/-25% jitter) and end dead
SET music.max_attempts = 3;
SET music.retry_delay = '1s';
SELECT music.enqueue_job('noop', '{"fail_attempts": 10, "error": "chain unreachable"}') AS failing \gset
SELECT music.process_jobs(10);
SELECT status, attempts, last_error,
	   next_attempt_at - updated_at BETWEEN interval '0.74 s' AND interval '1.26 s' AS first_backoff
FROM music.jobs WHERE id = :failing;
-- not due yet: not claimed
SELECT music.process_jobs(10);
UPDATE music.jobs SET next_attempt_at = now() WHERE id = :failing;
SELECT music.process_jobs(10);
SELECT status, attempts,
	   next_attempt_at - updated_at BETWEEN interval '1.49 s' AND interval '2.51 s' AS second_backoff
FROM music.jobs WHERE id = :failing;
UPDATE music.jobs SET next_attempt_at = now() WHERE id = :failing;
SELECT music.process_jobs(10);
SELECT status, attempts, last_error FROM music.jobs WHERE id = :failing;
SELECT kind, attempts, last_error FROM music.dead_jobs;
SELECT attempt, outcome, error FROM music.job_attempts WHERE job_id = :failing ORDER BY id;
-- a dead job is never claimed again
UPDATE music.jobs SET next_attempt_at = now() - interval '1 hour' WHERE id = :failing;
SELECT music.process_jobs(10);

-- a job that fails once, then succeeds
SELECT music.enqueue_job('noop', '{"fail_attempts": 1}') AS flaky \gset
SELECT music.process_jobs(10);
UPDATE music.jobs SET next_attempt_at = now() WHERE id = :flaky;
SELECT music.process_jobs(10);
SELECT status, attempts, last_error FROM music.jobs WHERE id = :flaky;
SELECT attempt, outcome, error FROM music.job_attempts WHERE job_id = :flaky ORDER BY id;

-- the overview for monitoring
SELECT kind, status, jobs, oldest_pending_age > interval '0' AS pending_waits,
	   oldest_due_age IS NOT NULL AS has_due, last_error
FROM music.job_overview ORDER BY kind, status;

-- retry_job brings a dead job back with fresh attempts
SELECT music.retry_job(:failing);
SELECT status, attempts, last_error FROM music.jobs WHERE id = :failing;
SELECT count(*) FROM music.dead_jobs;
SELECT music.process_jobs(10);
UPDATE music.jobs SET next_attempt_at = now() WHERE id = :failing;
SELECT music.process_jobs(10);
SELECT status, attempts FROM music.jobs WHERE id = :failing;
SELECT attempt, outcome FROM music.job_attempts WHERE job_id = :failing ORDER BY id;
SELECT pg_temp.fails(format('SELECT music.retry_job(%s)', :failing));
SELECT pg_temp.fails(format('SELECT music.retry_job(%s)', :noop_job));
SELECT pg_temp.fails('SELECT music.retry_job(NULL)');
SELECT pg_temp.fails('SELECT music.retry_job(0)');
SELECT pg_temp.fails('SELECT music.retry_job(999999)');

-- a lease that ran out (its drainer died) is taken back; the lost attempt is
-- kept.  (The retried job above is due too, and fails again; a long retry
-- delay keeps it out of the later drains.)
SET music.retry_delay = '1h';
SELECT music.enqueue_job('noop') AS leased \gset
UPDATE music.jobs SET status = 'running', attempts = 1, claimed_by = 'backend 1', claimed_at = now(),
	lease_until = clock_timestamp() - interval '1 s' WHERE id = :leased;
SELECT music.process_jobs(10);
SELECT status, attempts FROM music.jobs WHERE id = :leased;
SELECT attempt, outcome, error FROM music.job_attempts WHERE job_id = :leased ORDER BY id;
-- a lease still running is left alone
SELECT music.enqueue_job('noop') AS held \gset
UPDATE music.jobs SET status = 'running', attempts = 1, claimed_by = 'backend 1', claimed_at = now(),
	lease_until = clock_timestamp() + interval '1 hour' WHERE id = :held;
SELECT music.process_jobs(10);
SELECT status, attempts FROM music.jobs WHERE id = :held;

-- a rolled back drain leaves the job as it was
SELECT music.enqueue_job('noop') AS rolled \gset
BEGIN;
SELECT music.process_jobs(10);
ROLLBACK;
SELECT status, attempts FROM music.jobs WHERE id = :rolled;
SELECT count(*) FROM music.job_attempts WHERE job_id = :rolled;

-- argument checks
SELECT pg_temp.fails('SELECT music.process_jobs(0)');
SELECT pg_temp.fails('SELECT music.process_jobs(NULL)');
SELECT pg_temp.fails('SELECT music.process_jobs(10001)');
SELECT pg_temp.fails($$SELECT music.enqueue_job('bogus')$$);
-- the kinds are those the C code registers; the table's check uses the same list
SELECT music.job_kinds();
SELECT pg_temp.fails($$INSERT INTO music.jobs (kind) VALUES ('bogus')$$);
SELECT pg_temp.fails($$SELECT music.enqueue_job(NULL)$$);
SELECT pg_temp.fails($$SELECT music.enqueue_job('noop', NULL)$$);
SELECT pg_temp.fails($$SELECT music.enqueue_job('noop', '{}', 424242)$$);
SELECT pg_temp.fails($$SELECT music.enqueue_job('noop', '{}', -1)$$);

-- jobs are never deleted
SELECT pg_temp.fails('DELETE FROM music.jobs');
SELECT pg_temp.fails('TRUNCATE music.jobs CASCADE');
SELECT pg_temp.fails('DELETE FROM music.job_attempts');

-- privileges: music_admin operates the queue, apps cannot
SET ROLE music_app;
SELECT pg_temp.fails('SELECT music.process_jobs(1)');
SELECT pg_temp.fails($$SELECT music.enqueue_job('noop')$$);
SELECT pg_temp.fails('SELECT count(*) FROM music.jobs');
RESET ROLE;
SET ROLE music_admin;
SELECT pg_temp.fails(format('SELECT music.retry_job(%s)', :rolled));
SELECT music.process_jobs(100) >= 1 AS drained;
SELECT count(*) > 0 AS sees_overview FROM music.job_overview;
SELECT pg_temp.fails('UPDATE music.jobs SET status = ''done''');
RESET ROLE;
