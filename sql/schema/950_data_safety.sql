-- Data safety: what pg_dump keeps, what DROP EXTENSION refuses, who may
-- monitor and tune.  Runs after every other part, so its rules cover every
-- table those parts create.  The upgrade from 0.1 runs this same file last
-- (sql/upgrade/0.1--0.2/90_data_safety.sql links here).

-- Restored rows already carry their effects (counters, milestones,
-- notifications, fan score counts are in the dump too): every trigger that
-- derives rows or notices from new rows skips rows loaded by COPY FROM,
-- which is how pg_restore loads them.  Triggers in C ask
-- hm_loading_copied_rows() (src/datasafety.c), those in PL/pgSQL this.
CREATE FUNCTION loading_copied_rows() RETURNS boolean
AS 'MODULE_PATHNAME', 'music_loading_copied_rows' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION loading_copied_rows() IS 'Whether the running statement is a COPY FROM (pg_restore loading a dump): triggers skip the rows it loads.';

-- Restoring a dump runs CREATE EXTENSION, which seeds some tables (rules,
-- singletons such as the IP salt), and then loads the dumped rows.  On a
-- seeded table a loaded row replaces the seeded row with the same primary
-- key (a table without one holds a single row) instead of failing or
-- doubling it, so changed rules and the salt come back as they were.
CREATE FUNCTION replace_seeded_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $replace$
DECLARE
	columns text;
	key_match text;
BEGIN
	SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum),
		   string_agg(format('r.%I', attname), ', ' ORDER BY attnum)
	INTO columns, key_match
	FROM pg_catalog.pg_attribute
	WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
	columns := format('(%s) = (SELECT %s FROM (SELECT ($1).*) r)', columns, key_match);
	SELECT coalesce(string_agg(format('t.%1$I = ($1).%1$I', a.attname), ' AND '), 'true')
	INTO key_match
	FROM pg_catalog.pg_index i
	JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
	WHERE i.indrelid = TG_RELID AND i.indisprimary;
	EXECUTE format('UPDATE %s AS t SET %s WHERE %s', TG_RELID::regclass, columns, key_match) USING NEW;
	IF FOUND THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$replace$;
COMMENT ON FUNCTION replace_seeded_row() IS 'On tables the install script seeds: a loaded row replaces the seeded row with its key, so a restored dump keeps changed rules and singletons.';

-- Every table and sequence of the extension holds platform data: register
-- each for pg_dump (rows and sequence positions).  A table that joined the
-- extension in the running transaction (its membership row is that new) and
-- already holds rows was seeded by the install or upgrade script, and gets
-- the trigger above.  Tables of an earlier release are never taken for
-- seeded, whatever the upgrade writes to them.
CREATE FUNCTION register_platform_data() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $register$
DECLARE
	rel regclass;
	relkind char;
	joined_now boolean;
	seeded boolean;
BEGIN
	FOR rel, relkind, joined_now IN
		SELECT c.oid, c.relkind, d.xmin = pg_catalog.pg_current_xact_id()::xid FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
			AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
		JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'hybridmusic'
		WHERE c.relkind IN ('r', 'p', 'S') AND c.relnamespace = 'music'::regnamespace
		ORDER BY c.relname
	LOOP
		PERFORM pg_catalog.pg_extension_config_dump(rel, '');
		CONTINUE WHEN relkind = 'S' OR NOT joined_now;
		EXECUTE format('SELECT EXISTS (SELECT FROM %s)', rel) INTO seeded;
		IF seeded AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger
								  WHERE tgrelid = rel AND tgname = 'replace_seeded_row') THEN
			EXECUTE format('CREATE TRIGGER replace_seeded_row BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION music.replace_seeded_row()', rel);
		END IF;
	END LOOP;
END
$register$;
COMMENT ON FUNCTION register_platform_data() IS 'Install and upgrade scripts only: registers every table and sequence of the extension for pg_dump, and marks the tables the script seeded.';

-- Whether the platform holds data: a row in any registered table that the
-- install script does not seed.
CREATE FUNCTION platform_holds_data() RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, music, pg_temp AS $holds$
DECLARE
	rel regclass;
	found_row boolean;
BEGIN
	FOR rel IN
		SELECT c.oid FROM pg_catalog.pg_extension e, unnest(e.extconfig) AS cfg(oid)
		JOIN pg_catalog.pg_class c ON c.oid = cfg.oid
		WHERE e.extname = 'hybridmusic' AND c.relkind IN ('r', 'p')
		  AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
						  WHERE t.tgrelid = c.oid AND t.tgname = 'replace_seeded_row')
	LOOP
		EXECUTE format('SELECT EXISTS (SELECT FROM %s)', rel) INTO found_row;
		IF found_row THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END
$holds$;
COMMENT ON FUNCTION platform_holds_data() IS 'Whether any table of the platform (other than the seeded settings tables) holds a row; DROP EXTENSION without CASCADE refuses then.';

-- DROP EXTENSION hybridmusic without CASCADE refuses while the platform
-- holds data; CASCADE is the explicit way.  An event trigger, because
-- the extension's tables are its members and a plain DROP would take them.
CREATE FUNCTION guard_drop_extension() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'music_guard_drop_extension' LANGUAGE C;
CREATE EVENT TRIGGER hybridmusic_guard_drop ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION') EXECUTE FUNCTION guard_drop_extension();

-- What the worker did last and what waits for it.  The heartbeats live in
-- shared memory (src/status.c): all null when no worker runs.
CREATE FUNCTION worker_heartbeat(OUT preloaded boolean, OUT pid int, OUT database text,
	OUT started_at timestamptz, OUT last_drain timestamptz, OUT last_fold timestamptz,
	OUT last_refresh timestamptz, OUT last_calendar timestamptz)
RETURNS record AS 'MODULE_PATHNAME', 'music_worker_heartbeat' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION worker_heartbeat() IS 'The running worker: pid, database, start, and the last completion of each step of its loop.';

CREATE VIEW worker_status AS
SELECT coalesce(h.database = current_database(), false) AS serves_this_database,
	   CASE WHEN NOT h.preloaded
			THEN 'no worker: hybridmusic is not in shared_preload_libraries'
			WHEN h.pid IS NULL
			THEN 'no worker running now: the postmaster starts it again within seconds; see the server log'
			WHEN h.database <> current_database()
			THEN format('the worker serves database %I: set music.database = %L to serve this one',
						h.database, current_database())
			ELSE 'the worker serves this database'
	   END AS explanation,
	   h.pid AS worker_pid, h.database AS worker_database, h.started_at,
	   h.last_drain, h.last_fold, h.last_refresh, h.last_calendar,
	   (SELECT count(*) FROM jobs WHERE status IN ('pending', 'failed', 'submitted')) AS waiting_jobs,
	   (SELECT count(*) FROM jobs WHERE status IN ('pending', 'failed', 'submitted')
		  AND next_attempt_at <= now()) AS due_jobs,
	   (SELECT count(*) FROM jobs WHERE status = 'running') AS running_jobs,
	   (SELECT count(*) FROM counter_deltas) AS unfolded_counter_deltas,
	   (SELECT count(*) FROM analytics_events)
		 + (SELECT count(*) FROM counter_deltas WHERE user_id IS NOT NULL) AS unrefreshed_events
FROM worker_heartbeat() h;
COMMENT ON VIEW worker_status IS 'Whether a worker serves this database and why not, when it last drained the queue, folded counters, refreshed analytics and closed the calendar, and what waits for it.';

REVOKE ALL ON FUNCTION loading_copied_rows(), replace_seeded_row(), register_platform_data(),
	platform_holds_data(), guard_drop_extension(), worker_heartbeat() FROM PUBLIC;
REVOKE ALL ON worker_status FROM PUBLIC;
GRANT EXECUTE ON FUNCTION worker_heartbeat() TO music_admin, pg_monitor;
GRANT SELECT ON worker_status TO music_admin, pg_monitor;

-- Monitoring: pg_monitor members read the monitoring views; music_admin
-- sees the worker in pg_stat_activity and sets the settings docs/operations.md
-- gives it.
GRANT USAGE ON SCHEMA music TO pg_monitor;
GRANT pg_read_all_stats TO music_admin;
GRANT SET ON PARAMETER music.chart_size, music.earnings_model, music.payout_share,
	music.min_play_ms, music.ip_hourly_limit, music.max_attempts, music.retry_delay,
	music.job_lease, music.month_close_delay, music.milestone_exact_rows TO music_admin;
GRANT ALTER SYSTEM ON PARAMETER music.chart_size, music.earnings_model, music.payout_share,
	music.min_play_ms, music.ip_hourly_limit, music.max_attempts, music.retry_delay,
	music.job_lease, music.month_close_delay, music.milestone_exact_rows, music.naptime,
	music.refresh_interval TO music_admin;

-- Say at install when nothing will happen.
DO $warn$
BEGIN
	IF pg_catalog.current_setting('shared_preload_libraries') !~ '(^|[,/ "])hybridmusic("|,| |$)' THEN
		RAISE WARNING 'hybridmusic is not in shared_preload_libraries: no worker will drain jobs, fold counters, refresh charts or close months'
			USING HINT = 'Add hybridmusic to shared_preload_libraries and restart the server; until then call music.process_jobs() and music.refresh_analytics() yourself.';
	ELSIF pg_catalog.current_setting('music.database') <> pg_catalog.current_database() THEN
		RAISE WARNING 'the hybridmusic worker serves database "%", not "%": nothing will drain jobs, fold counters, refresh charts or close months here',
			pg_catalog.current_setting('music.database'), pg_catalog.current_database()
			USING HINT = format('Set music.database = %L (ALTER SYSTEM SET music.database = %L; SELECT pg_reload_conf();).',
								pg_catalog.current_database(), pg_catalog.current_database());
	END IF;
END
$warn$;

SELECT register_platform_data();
