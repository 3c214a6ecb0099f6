-- Roles: apps, BI readers and operators, and music_owner, the NOLOGIN role
-- that owns the SECURITY DEFINER functions (900_privileges.sql has the rule).
--
-- The script resolves names only in music (checked below to be ours; it
-- comes first because objects are created in the first schema) and
-- pg_catalog, never in a schema that others can write to: a database owner
-- may have planted operators or functions in public (CVE-2018-1058 class).
-- pg_trgm's operator class is named with its schema (050_search.sql).
SELECT pg_catalog.set_config('search_path', 'music, pg_catalog, pg_temp', true);

-- The schema must be ours: CREATE EXTENSION adopts an existing schema, and
-- whoever owns it could plant objects that our functions would then find.
DO $schema$
DECLARE
	owner name;
BEGIN
	SELECT r.rolname INTO owner
	FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
	WHERE n.nspname OPERATOR(pg_catalog.=) 'music'::pg_catalog.name AND NOT r.rolsuper;
	IF owner IS NOT NULL THEN
		RAISE EXCEPTION 'schema music is owned by role %, which is not a superuser', owner
			USING ERRCODE = '42501',
				  HINT = 'Drop the schema (or make a superuser its owner) before CREATE EXTENSION hybridmusic.';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
			   WHERE n.nspname OPERATOR(pg_catalog.=) 'music'::pg_catalog.name
				 AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
				 AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner) THEN
		RAISE EXCEPTION 'schema music grants CREATE to roles other than its owner'
			USING ERRCODE = '42501', HINT = 'REVOKE CREATE ON SCHEMA music FROM those roles.';
	END IF;
END
$schema$;

-- Roles are cluster-wide, so they are created only when missing and outlive
-- DROP EXTENSION.  An existing role is adopted only when it looks like one
-- we made: no LOGIN or other attributes, and every membership in it granted
-- by a superuser (a role with CREATEROLE could otherwise create music_admin
-- first, with members of its choosing).  music_owner has no members at all.
DO $roles$
DECLARE
	role_name name;
	offender text;
BEGIN
	FOREACH role_name IN ARRAY ARRAY['music_owner', 'music_app', 'music_reader', 'music_admin']::pg_catalog.name[]
	LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) role_name) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
			CONTINUE;
		END IF;
		SELECT 'it has the attribute LOGIN, SUPERUSER, CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS'
		INTO offender
		FROM pg_catalog.pg_roles
		WHERE rolname OPERATOR(pg_catalog.=) role_name
		  AND (rolcanlogin OR rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls);
		IF offender IS NULL THEN
			SELECT pg_catalog.format('role %s is a member of it, granted by %s', member.rolname,
									 coalesce(grantor.rolname, 'a dropped role'))
			INTO offender
			FROM pg_catalog.pg_auth_members m
			JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) m.roleid
			JOIN pg_catalog.pg_roles member ON member.oid OPERATOR(pg_catalog.=) m.member
			LEFT JOIN pg_catalog.pg_roles grantor ON grantor.oid OPERATOR(pg_catalog.=) m.grantor
			WHERE r.rolname OPERATOR(pg_catalog.=) role_name
			  AND (role_name OPERATOR(pg_catalog.=) 'music_owner'::pg_catalog.name
				   OR NOT coalesce(grantor.rolsuper, false))
			LIMIT 1;
		END IF;
		IF offender IS NOT NULL THEN
			RAISE EXCEPTION 'role % already exists and was not made by hybridmusic: %', role_name, offender
				USING ERRCODE = '42710',
					  HINT = 'Drop the role, or fix it as a superuser, before installing hybridmusic.';
		END IF;
	END LOOP;
END
$roles$;

GRANT music_app, music_reader TO music_admin;
