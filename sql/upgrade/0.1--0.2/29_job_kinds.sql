-- 0.2: the job kinds come from the C code that registers them (job_kinds(),
-- as in sql/schema/080_milestones.sql), instead of a list written out in
-- each check.
CREATE FUNCTION job_kinds() RETURNS text[]
AS 'MODULE_PATHNAME', 'music_job_kinds' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION job_kinds() IS 'The job kinds this release knows, in registration order.';
REVOKE ALL ON FUNCTION job_kinds() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION job_kinds() TO music_admin;
ALTER TABLE milestone_rules DROP CONSTRAINT milestone_rules_jobs_check,
	ADD CONSTRAINT milestone_rules_jobs_check CHECK (jobs <@ job_kinds());
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check,
	ADD CONSTRAINT jobs_kind_check CHECK (kind = ANY (job_kinds()));

-- 0.2: a job made due earlier wakes the worker (sql/schema/085_jobs.sql).
CREATE TRIGGER jobs_due_earlier_wake_worker BEFORE UPDATE OF next_attempt_at ON jobs
	FOR EACH ROW WHEN (NEW.next_attempt_at < OLD.next_attempt_at) EXECUTE FUNCTION jobs_wake_worker();
