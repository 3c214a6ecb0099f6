-- 0.2: every schema change since 0.1 comes with a part in this folder, named
-- after the subsystem it changes, so that an 0.1 install brought up to 0.2
-- equals a fresh 0.2 install.


-- Every part resolves names only in music and pg_catalog (see
-- sql/schema/900_privileges.sql, "THE RULE").
SELECT pg_catalog.set_config('search_path', 'music, pg_catalog, pg_temp', true);
