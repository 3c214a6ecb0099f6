-- Privileges, last so that they cover every object above.  Apps write only
-- through the SECURITY DEFINER functions; readers see only the derived views.
--
-- THE RULE for every SECURITY DEFINER function in schema music (also in
-- docs/operations.md, "Security"; the checks at the end of this file refuse
-- an install that breaks points 1 and 2):
--   1. Its CREATE FUNCTION declares
--          SET search_path = pg_catalog, music, pg_temp
--      pg_catalog first, then only music, which nobody else can write to.
--   2. It is owned by music_owner, the NOLOGIN role without members that
--      holds exactly the data privileges the functions need: not the
--      installing superuser.  990_definers.sql, the last part of both the
--      install script and every upgrade script, sets that owner for every
--      such function and refuses a function that breaks point 1.
--   3. EXECUTE is revoked from PUBLIC (990_definers.sql, for every function)
--      and granted in the function's own part only to the roles meant to
--      call it.
--   4. Objects outside pg_catalog and music are called with their schema,
--      looked up, never assumed (pg_trgm: search.c and 050_search.sql);
--      queries use argument types that match the function or operator
--      exactly, casting explicitly.
-- Install and upgrade scripts run with search_path = music, pg_catalog,
-- pg_temp (set at the top of 000_roles.sql and of the upgrade script, after
-- checking that music is ours), and
-- catalog queries in DO blocks write OPERATOR(pg_catalog.=) and
-- pg_catalog.-qualified functions so that they stay safe if moved.

GRANT USAGE ON SCHEMA music TO music_app, music_reader, music_admin;

GRANT EXECUTE ON FUNCTION
	create_user(text, text, text, int),
	create_creator(bigint, text),
	publish_track(bigint, text, int, text, text, text),
	record_play(bigint, bigint, int, timestamptz, text, text, inet, bigint),
	start_session(bigint, text),
	end_session(bigint),
	like_track(bigint, bigint),
	unlike_track(bigint, bigint),
	follow(bigint, bigint),
	unfollow(bigint, bigint),
	add_comment(bigint, bigint, text, bigint, int),
	create_playlist(bigint, text, boolean),
	playlist_add(bigint, bigint, int),
	playlist_remove(bigint, int),
	playlist_move(bigint, int, int),
	search(text, bigint, int)
TO music_app;

GRANT SELECT ON track_stats, creator_stats TO music_app, music_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA music TO music_admin;
GRANT EXECUTE ON FUNCTION fold_counters(), refresh_analytics(), close_month(date) TO music_admin;
GRANT SELECT ON creator_earnings TO music_reader;
-- views and argument defaults read the platform clock as their caller
GRANT EXECUTE ON FUNCTION as_of(), today() TO music_app, music_reader, music_admin;

-- The salt would let an operator reverse the IP hashes (the IPv4 space is
-- small enough to enumerate): only music_owner reads it.
REVOKE ALL ON ip_salt FROM music_admin;

-- refresh_analytics() analyzes its work tables, which takes their owner
ALTER TABLE analytics_batch OWNER TO music_owner;
ALTER TABLE analytics_batch_points OWNER TO music_owner;

