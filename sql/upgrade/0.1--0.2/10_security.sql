-- 0.2 security (issue 9): SECURITY DEFINER functions owned by music_owner
-- with search_path = pg_catalog, music, pg_temp; the salt hidden from
-- music_admin; roles and the schema checked before they are trusted.  The
-- rule is written at the top of sql/schema/900_privileges.sql.
--
-- As in 000_roles.sql, this script (and every part after it) resolves names
-- only in music and pg_catalog.
SELECT pg_catalog.set_config('search_path', 'music, pg_catalog, pg_temp', true);

-- The schema must be ours (a schema made by a database owner before 0.1
-- was installed would let that owner plant objects our functions find).
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

-- Every SECURITY DEFINER function of 0.1 gets the 0.2 search_path (search()
-- loses public: it names pg_trgm's schema itself now).
DO $paths$
DECLARE
	f pg_catalog.regprocedure;
BEGIN
	FOR f IN
		SELECT p.oid FROM pg_catalog.pg_proc p
		WHERE p.pronamespace OPERATOR(pg_catalog.=) 'music'::pg_catalog.regnamespace::pg_catalog.oid
		  AND p.prosecdef
	LOOP
		EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, music, pg_temp', f);
	END LOOP;
END
$paths$;

REVOKE ALL ON ip_salt FROM music_admin;

-- refresh_analytics() analyzes its work tables, which takes their owner
ALTER TABLE analytics_batch OWNER TO music_owner;
ALTER TABLE analytics_batch_points OWNER TO music_owner;

-- music_owner's privileges and ownership: sql/schema/990_definers.sql, the
-- last part of this script.

-- Count-rule steps fit the bigint counts they are compared with (a step of
-- 1e19 made every counted play fail with 22003).
ALTER TABLE milestone_rules DROP CONSTRAINT milestone_rules_check,
	ADD CONSTRAINT milestone_rules_check
	CHECK (rule NOT IN ('followers', 'plays', 'coin')
		   OR (threshold >= 1 AND threshold <= 1000000000000000 AND threshold = trunc(threshold)));

-- follow_age_days in UTC calendar days of the platform clock, whatever the
-- session's TimeZone.
CREATE OR REPLACE VIEW fan_engagement_metrics AS
SELECT f.creator_id, f.user_id AS fan_id, f.counted_plays AS plays, f.likes, f.comments,
	   fo.created_at AS following_since,
	   (music.today() - (fo.created_at AT TIME ZONE 'UTC')::date) AS follow_age_days,
	   f.first_play_day, f.last_play_day,
	   f.score AS superfan_score,
	   rank() OVER (PARTITION BY f.creator_id ORDER BY f.score DESC)::int AS superfan_rank
FROM fan_stats f
LEFT JOIN follows fo ON fo.user_id = f.user_id AND fo.creator_id = f.creator_id;

-- An unlike (or a deleted comment) counts on the day of its like, so its
-- trending points leave with the decay they came with (src/counters.c).
COMMENT ON COLUMN daily_track_stats.likes IS 'Likes given that day and not withdrawn since (an unlike counts on the day of its like).';
COMMENT ON COLUMN daily_track_stats.comments IS 'Comments written that day and not deleted since.';
COMMENT ON COLUMN daily_creator_stats.likes IS 'Likes of the creator''s tracks given that day and not withdrawn since.';
COMMENT ON COLUMN daily_creator_stats.comments IS 'Comments on the creator''s tracks written that day and not deleted since.';
COMMENT ON COLUMN daily_stats.likes IS 'Likes given that day and not withdrawn since.';
COMMENT ON COLUMN daily_stats.comments IS 'Comments written that day and not deleted since.';

-- chart_week() runs with its caller's search_path: operators by schema.
CREATE OR REPLACE FUNCTION chart_week(day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
	SELECT day OPERATOR(pg_catalog.-)
		   ((extract(isodow FROM day)::int OPERATOR(pg_catalog.+) 2) OPERATOR(pg_catalog.%) 7)
$$;
