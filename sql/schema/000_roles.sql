-- Roles: apps, BI readers and operators.  Roles are cluster-wide, so they
-- are created only when missing and outlive DROP EXTENSION.
DO $roles$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'music_app') THEN
		CREATE ROLE music_app NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'music_reader') THEN
		CREATE ROLE music_reader NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'music_admin') THEN
		CREATE ROLE music_admin NOLOGIN;
	END IF;
END
$roles$;

GRANT music_app, music_reader TO music_admin;
