-- Privileges, last so that they cover every object above.  Apps write only
-- through the SECURITY DEFINER functions; readers see only the derived views.

REVOKE ALL ON ALL TABLES IN SCHEMA music FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA music FROM PUBLIC;
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

-- Every SECURITY DEFINER function runs with a pinned search_path; search()
-- has its own, which also names pg_trgm's schema.
DO $pin$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN
		SELECT p.oid FROM pg_proc p
		WHERE p.pronamespace = 'music'::regnamespace AND p.prosecdef
		  AND p.proname <> 'search' AND p.proconfig IS NULL
	LOOP
		EXECUTE format('ALTER FUNCTION %s SET search_path = music, pg_catalog, pg_temp', f);
	END LOOP;
END
$pin$;
