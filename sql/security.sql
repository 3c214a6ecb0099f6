-- Security: a database owner who is not a superuser plants objects in public
-- and waits for a superuser (installing, or running a SECURITY DEFINER
-- function) to run them; each attack must fail and the planted code never
-- run.  Then the ownership and search_path of every SECURITY DEFINER
-- function, adoption of pre-existing roles, the schema, and the secrets.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
DROP EXTENSION IF EXISTS pg_trgm;
\i test/fails.sql
GRANT EXECUTE ON FUNCTION pg_temp.fails(text) TO PUBLIC;

CREATE ROLE tenant_owner LOGIN;
SELECT pg_catalog.format('ALTER DATABASE %I OWNER TO tenant_owner', current_database()) \gexec

-- The planted code records each run and tries to make its author superuser.
SET ROLE tenant_owner;
CREATE TABLE public.planted_runs (ran_as name);
GRANT INSERT ON public.planted_runs TO PUBLIC;
CREATE FUNCTION public.planted() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.planted_runs VALUES (current_user);
	BEGIN
		ALTER ROLE tenant_owner SUPERUSER;
	EXCEPTION WHEN insufficient_privilege THEN
		NULL;
	END;
END
$$;
-- install time: 900_privileges.sql of 0.1 compared oid = regnamespace
CREATE FUNCTION public.oid_eq_namespace(oid, regnamespace) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM public.planted();
	RETURN $1 = $2::oid;
END
$$;
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regnamespace, FUNCTION = public.oid_eq_namespace);
-- search(): 0.8 * word_similarity(...) is numeric * real
CREATE FUNCTION public.numeric_times_real(numeric, real) RETURNS real LANGUAGE plpgsql AS $$
BEGIN
	PERFORM public.planted();
	RETURN $1::real * $2;
END
$$;
CREATE OPERATOR public.* (LEFTARG = numeric, RIGHTARG = real, FUNCTION = public.numeric_times_real);
-- pg_trgm is trusted: the database owner installs it, in public
CREATE EXTENSION pg_trgm;
RESET ROLE;

-- the superuser installs hybridmusic
CREATE EXTENSION hybridmusic;
SELECT rolsuper AS owner_became_superuser FROM pg_roles WHERE rolname = 'tenant_owner';
SELECT count(*) AS planted_runs FROM public.planted_runs;

-- an app searches: search() runs as music_owner with pg_trgm named by schema
SET ROLE music_app;
SELECT music.create_user('searcher') AS user_id;
SELECT music.create_creator(1, 'First Creator') AS creator_id;
SELECT music.publish_track(1, 'first song', 100000) AS track_id;
SELECT kind, id, title FROM music.search('first song', 1);
RESET ROLE;
SELECT rolsuper AS owner_became_superuser FROM pg_roles WHERE rolname = 'tenant_owner';
SELECT count(*) AS planted_runs FROM public.planted_runs;

-- (This session has public on its path, so its own catalog queries use exact
-- types: oid = oid.)
-- Every SECURITY DEFINER function: owned by music_owner, search_path
-- pg_catalog first and nothing writable by others, no EXECUTE for PUBLIC.
SELECT p.oid::regprocedure AS function, r.rolname AS owner, p.proconfig
FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
WHERE p.pronamespace = 'music'::regnamespace::oid AND p.prosecdef
  AND (r.rolname <> 'music_owner'
	   OR NOT 'search_path=pg_catalog, music, pg_temp' = ANY (p.proconfig)
	   OR has_function_privilege('public', p.oid, 'EXECUTE'));
SELECT count(*) >= 30 AS definers_checked FROM pg_proc
WHERE pronamespace = 'music'::regnamespace::oid AND prosecdef;
-- music_owner: no login, no attributes, no members, a member of nothing
SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls
FROM pg_roles WHERE rolname = 'music_owner';
SELECT count(*) AS owner_memberships FROM pg_auth_members m JOIN pg_roles r ON r.oid IN (m.roleid, m.member)
WHERE r.rolname = 'music_owner';

-- The salt of the IP hashes is readable by music_owner only.
SET ROLE music_admin;
SELECT pg_temp.fails($$SELECT salt FROM music.ip_salt$$);
RESET ROLE;
-- an empty salt is a clear error, not a read past the result
DELETE FROM music.ip_salt;
SET ROLE music_app;
SELECT pg_temp.fails($$SELECT music.record_play(1, 1, 100000, '2026-02-01 00:00:00+00', client_ip => '192.0.2.1')$$);
RESET ROLE;
INSERT INTO music.ip_salt DEFAULT VALUES;

-- A 300 KB job error is stored whole (it was read after SPI_finish).
SET ROLE music_admin;
SELECT music.enqueue_job('noop', jsonb_build_object('fail_attempts', 1, 'error', repeat('x', 300000))) AS job_id;
SELECT music.process_jobs(1) AS ran;
SELECT length(last_error) AS error_length, last_error = repeat('x', 300000) AS error_intact FROM music.jobs;
RESET ROLE;

-- The schema must be ours: one made by the database owner is refused.
DROP EXTENSION hybridmusic CASCADE;
DROP SCHEMA music;
SET ROLE tenant_owner;
CREATE SCHEMA music;
RESET ROLE;
SELECT pg_temp.fails('CREATE EXTENSION hybridmusic');
DROP SCHEMA music;

-- Existing roles are adopted only when they look like ours.
CREATE ROLE role_maker CREATEROLE;
SET ROLE role_maker;
GRANT music_admin TO role_maker;
RESET ROLE;
SELECT pg_temp.fails('CREATE EXTENSION hybridmusic');
REVOKE music_admin FROM role_maker;
ALTER ROLE music_owner LOGIN;
SELECT pg_temp.fails('CREATE EXTENSION hybridmusic');
ALTER ROLE music_owner NOLOGIN;
CREATE EXTENSION hybridmusic;
SELECT extversion FROM pg_extension WHERE extname = 'hybridmusic';

-- What a fresh 0.2 install defines and grants, to compare with an upgraded
-- 0.1 below: owners, settings, function bodies, view and constraint
-- definitions, column comments and privileges.
CREATE TEMP VIEW music_privileges AS
SELECT 'function ' || p.oid::regprocedure AS object, p.proowner::regrole::text AS owner,
	   coalesce(array_to_string(p.proconfig, '; '), '') || ' ' || md5(p.prosrc) AS config,
	   a.grantor::regrole::text AS grantor, a.grantee::regrole::text AS grantee, a.privilege_type
FROM pg_proc p LEFT JOIN LATERAL aclexplode(p.proacl) a ON true
WHERE p.pronamespace = 'music'::regnamespace::oid
UNION ALL
SELECT 'relation ' || c.oid::regclass, c.relowner::regrole::text,
	   md5(coalesce(pg_get_viewdef(c.oid), '') || coalesce((SELECT string_agg(d.objsubid || ':' || d.description, ',' ORDER BY d.objsubid)
															FROM pg_description d WHERE d.objoid = c.oid AND d.classoid = 'pg_class'::regclass::oid), '')),
	   a.grantor::regrole::text, a.grantee::regrole::text, a.privilege_type
FROM pg_class c LEFT JOIN LATERAL aclexplode(c.relacl) a ON true
WHERE c.relnamespace = 'music'::regnamespace::oid
UNION ALL
SELECT 'constraint ' || c.conrelid::regclass || '.' || c.conname, NULL, pg_get_constraintdef(c.oid), NULL, NULL, NULL
FROM pg_constraint c WHERE c.connamespace = 'music'::regnamespace::oid;
CREATE TEMP TABLE fresh_privileges AS SELECT * FROM music_privileges;

-- 0.1 brought up to 0.2 with the planted objects in place: the same checks.
DROP EXTENSION hybridmusic CASCADE;
CREATE EXTENSION hybridmusic VERSION '0.1';
-- (0.1 itself falls to the install-time attack)
SELECT rolsuper AS owner_became_superuser_with_01 FROM pg_roles WHERE rolname = 'tenant_owner';
SELECT count(*) > 0 AS planted_ran_at_01_install FROM public.planted_runs;
DELETE FROM public.planted_runs;
ALTER ROLE tenant_owner NOSUPERUSER;
ALTER EXTENSION hybridmusic UPDATE;
SELECT rolsuper AS owner_became_superuser FROM pg_roles WHERE rolname = 'tenant_owner';
SELECT count(*) AS planted_runs FROM public.planted_runs;
SELECT p.oid::regprocedure AS function, r.rolname AS owner, p.proconfig
FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
WHERE p.pronamespace = 'music'::regnamespace::oid AND p.prosecdef
  AND (r.rolname <> 'music_owner'
	   OR NOT 'search_path=pg_catalog, music, pg_temp' = ANY (p.proconfig)
	   OR has_function_privilege('public', p.oid, 'EXECUTE'));
SELECT has_table_privilege('music_admin', 'music.ip_salt', 'SELECT') AS admin_reads_salt;
-- owners, settings and grants equal those of a fresh install
(SELECT 'only upgraded' AS side, * FROM music_privileges EXCEPT SELECT 'only upgraded', * FROM fresh_privileges)
UNION ALL
(SELECT 'only fresh', * FROM fresh_privileges EXCEPT SELECT 'only fresh', * FROM music_privileges)
ORDER BY 2, 1, 5, 6, 7;
SET ROLE music_app;
SELECT music.create_user('upgraded') AS user_id;
SELECT music.create_creator(1, 'Upgraded Creator') AS creator_id;
SELECT kind, id, title FROM music.search('upgraded');
RESET ROLE;
SELECT count(*) AS planted_runs FROM public.planted_runs;

-- clean up for the tests that follow
DROP EXTENSION hybridmusic CASCADE;
DROP SCHEMA music;
DROP EXTENSION pg_trgm;
DROP TABLE public.planted_runs;
DROP OPERATOR public.= (oid, regnamespace);
DROP OPERATOR public.* (numeric, real);
DROP FUNCTION public.oid_eq_namespace(oid, regnamespace), public.numeric_times_real(numeric, real), public.planted();
SELECT pg_catalog.format('ALTER DATABASE %I OWNER TO %I', current_database(), current_user) \gexec
DROP ROLE tenant_owner, role_maker;
