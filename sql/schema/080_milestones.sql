-- Milestones: the few moments worth paying gas for.  Detection is in C
-- (src/milestones.c) and fires on threshold crossing; a milestone and its
-- jobs are inserted in the same statement, so they commit (or roll back)
-- together with whatever crossed the threshold.

-- The job kinds are registered by the C code of the subsystems that carry
-- them out (hm_register_job_kind); the jobs table and the rules accept
-- exactly those.
CREATE FUNCTION job_kinds() RETURNS text[]
AS 'MODULE_PATHNAME', 'music_job_kinds' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION job_kinds() IS 'The job kinds this release knows, in registration order.';

CREATE TABLE milestone_rules (
	rule text PRIMARY KEY
		CHECK (rule IN ('followers', 'plays', 'coin', 'revenue', 'month', 'verification', 'quarter')),
	threshold numeric NOT NULL CHECK (threshold >= 0),
	repeats boolean NOT NULL DEFAULT false,
	jobs text[] NOT NULL
		CHECK (jobs <@ job_kinds()),
	share numeric(5, 4) CHECK (share BETWEEN 0 AND 1),
	enabled boolean NOT NULL DEFAULT true,
	description text NOT NULL,
	-- Count rules step through whole numbers; a zero step would never end,
	-- and a step must fit the bigint counts it is compared with.
	CHECK (rule NOT IN ('followers', 'plays', 'coin')
		   OR (threshold >= 1 AND threshold <= 1000000000000000 AND threshold = trunc(threshold)))
);
COMMENT ON TABLE milestone_rules IS 'When a milestone fires and which jobs it enqueues; music_admin may edit thresholds, jobs and enabled.';
COMMENT ON COLUMN milestone_rules.threshold IS 'followers/plays: the step (every N); coin: the one count; revenue: minimum monthly revenue in FIL; month: revenue must exceed it; unused otherwise.';
COMMENT ON COLUMN milestone_rules.share IS 'revenue: the part of the month''s creator revenue that the revenue_share job distributes.';

INSERT INTO milestone_rules (rule, threshold, repeats, jobs, share, description) VALUES
	('followers', 1000, true, '{pdp_snapshot}', NULL, 'every 1,000 followers (highest count reached)'),
	('plays', 5000, true, '{pdp_snapshot}', NULL, 'every 5,000 counted plays'),
	('coin', 50000, false, '{coin_creation,metrics_update}', NULL, 'creator coin at 50,000 counted plays, once'),
	('revenue', 100, false, '{revenue_share}', 0.10, 'a closed month with creator revenue >= 100 FIL'),
	('month', 0, false, '{pdp_snapshot}', NULL, 'a closed month with any revenue (monthly report)'),
	('verification', 0, false, '{verification,pdp_snapshot}', NULL, 'the creator is verified'),
	('quarter', 0, false, '{pdp_snapshot}', NULL, 'a quarter closes with the creator active in it');
SELECT pg_catalog.pg_extension_config_dump('milestone_rules', '');

-- threshold is the count for followers/plays/coin, 1 for verification, and
-- the period for calendar rules (yyyymm for month/revenue, yyyyq for
-- quarter), so the unique key makes every rule fire once per creator and
-- step or period.
CREATE TABLE milestones (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	creator_id bigint NOT NULL REFERENCES creators,
	rule text NOT NULL
		CHECK (rule IN ('followers', 'plays', 'coin', 'revenue', 'month', 'verification', 'quarter')),
	threshold bigint NOT NULL,
	value numeric NOT NULL,
	period date,
	reached_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	UNIQUE (creator_id, rule, threshold)
);
CREATE INDEX milestones_reached_at ON milestones (reached_at);
COMMENT ON TABLE milestones IS 'Every milestone reached, once per (creator, rule, threshold); rows are never changed.';
COMMENT ON COLUMN milestones.id IS 'Milestone id; on-chain calls carry it so the contracts can reject a replay.';
COMMENT ON COLUMN milestones.creator_id IS 'The creator who reached it.';
COMMENT ON COLUMN milestones.rule IS 'followers, plays, coin, revenue, month, verification or quarter.';
COMMENT ON COLUMN milestones.threshold IS 'The count reached (followers, plays, coin), or the period as yyyymm (month, revenue) or yyyyq (quarter).';
COMMENT ON COLUMN milestones.reached_at IS 'When the milestone was detected (the commit of the change that crossed it, or the re-check that found it).';
COMMENT ON COLUMN milestones.value IS 'The figure that reached the threshold: followers, counted plays or revenue (FIL).';
COMMENT ON COLUMN milestones.period IS 'First day of the month or quarter, for the calendar rules.';

-- Where the worker's calendar starts: months before it are closed by hand
-- (close_month), never automatically, so installing on an old database does
-- not close years of history at once.
CREATE TABLE calendar (
	only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	starts date NOT NULL DEFAULT date_trunc('month', music.as_of() AT TIME ZONE 'UTC')::date
		CHECK (starts = date_trunc('month', starts))
);
INSERT INTO calendar DEFAULT VALUES;
COMMENT ON TABLE calendar IS 'First month the worker closes automatically; music_admin may move it.';

CREATE TABLE closed_quarters (
	quarter date PRIMARY KEY CHECK (quarter = date_trunc('quarter', quarter)),
	closed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE closed_quarters IS 'Quarters whose milestones have fired; close_quarter() adds one row per quarter, once.';

-- Detection on threshold crossing: every counted change lands in
-- counter_deltas, so one trigger sees plays, follows and batch ingest alike.
-- The delete trigger re-checks creators whose deltas are folded, so a
-- crossing that two concurrent writers each missed (neither saw the other's
-- uncommitted delta) is still found, even when the fold beats the worker's
-- sweep to it.
CREATE FUNCTION detect_counter_milestones() RETURNS trigger
AS 'MODULE_PATHNAME', 'music_detect_counter_milestones' LANGUAGE C;
CREATE TRIGGER counter_deltas_milestones AFTER INSERT ON counter_deltas
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION detect_counter_milestones();
CREATE TRIGGER counter_deltas_folded_milestones AFTER DELETE ON counter_deltas
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION detect_counter_milestones();

CREATE FUNCTION detect_earnings_milestones() RETURNS trigger
AS 'MODULE_PATHNAME', 'music_detect_earnings_milestones' LANGUAGE C;
CREATE TRIGGER creator_earnings_milestones AFTER INSERT ON creator_earnings
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION detect_earnings_milestones();

-- Re-checks every creator with unfolded counter changes; the worker runs it
-- every naptime.  Returns the number of milestones fired.
CREATE FUNCTION detect_milestones() RETURNS bigint
AS 'MODULE_PATHNAME', 'music_detect_milestones' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION set_verified(creator_id bigint, verified boolean)
RETURNS void AS 'MODULE_PATHNAME', 'music_set_verified' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION close_quarter(quarter date)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_close_quarter' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

-- Closes every ended month and quarter since calendar.starts that is still
-- open (a bounded number per call); the worker runs it.  Returns how many
-- months and quarters it closed.
CREATE FUNCTION close_due_periods() RETURNS int
AS 'MODULE_PATHNAME', 'music_close_due_periods' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

REVOKE ALL ON milestone_rules, milestones, calendar, closed_quarters FROM PUBLIC;
GRANT SELECT, UPDATE (threshold, repeats, jobs, share, enabled, description) ON milestone_rules TO music_admin;
GRANT SELECT, UPDATE (starts) ON calendar TO music_admin;
GRANT SELECT ON milestones TO music_admin, music_reader;
GRANT EXECUTE ON FUNCTION detect_milestones(), set_verified(bigint, boolean), close_quarter(date),
	close_due_periods() TO music_admin;
