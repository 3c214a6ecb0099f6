-- The last part of the install script and of every upgrade script (the
-- Makefile appends it to both): whatever the parts before it created, every
-- table and function of schema music ends with the same privileges, and
-- every SECURITY DEFINER function follows points 1 to 3 of the rule at the
-- top of 900_privileges.sql.

REVOKE ALL ON ALL TABLES IN SCHEMA music FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA music FROM PUBLIC;

-- music_owner: what the SECURITY DEFINER functions do, and nothing more.
GRANT USAGE ON SCHEMA music TO music_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA music TO music_owner;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA music TO music_owner;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA music TO music_owner;

-- Points 1 and 2 of the rule, for every SECURITY DEFINER function.
DO $definers$
DECLARE
	f pg_catalog.regprocedure;
BEGIN
	FOR f IN
		SELECT p.oid FROM pg_catalog.pg_proc p
		WHERE p.pronamespace OPERATOR(pg_catalog.=) 'music'::pg_catalog.regnamespace::pg_catalog.oid
		  AND p.prosecdef
	LOOP
		EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO music_owner', f);
	END LOOP;
	SELECT p.oid INTO f FROM pg_catalog.pg_proc p
	WHERE p.pronamespace OPERATOR(pg_catalog.=) 'music'::pg_catalog.regnamespace::pg_catalog.oid
	  AND p.prosecdef
	  AND NOT coalesce('search_path=pg_catalog, music, pg_temp' OPERATOR(pg_catalog.=) ANY (p.proconfig), false)
	LIMIT 1;
	IF f IS NOT NULL THEN
		RAISE EXCEPTION 'SECURITY DEFINER function % does not declare SET search_path = pg_catalog, music, pg_temp', f;
	END IF;
END
$definers$;
