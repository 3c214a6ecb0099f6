-- The read API: what an app shows, as STABLE SECURITY DEFINER functions for
-- music_app (the charts also for music_reader), dimension views for BI, and
-- the edits, deletes, erasure and export that go with them.  This file is
-- also the 0.1 to 0.2 upgrade part (sql/upgrade/0.1--0.2/50_reads.sql links
-- to it), so it only adds objects and columns.
--
-- Paging: every list returns a column `cursor`; pass the last row's cursor
-- as `after` to get the next page.  A cursor is the row's key in the list's
-- one order (never an offset), so rows inserted or deleted meanwhile neither
-- repeat nor skip rows on later pages.  max_results is 1 to 100.

-- Edits and deletes (src/edits.c) and erasure leave rows in place where
-- others rely on them: an unpublished track keeps its plays and chart
-- history, a deleted comment stays as a placeholder in its thread, an
-- erased user stays as an anonymous id behind plays and payments.
ALTER TABLE tracks ADD COLUMN unpublished_at timestamptz;
COMMENT ON COLUMN tracks.unpublished_at IS 'When the track was taken off the platform; null while published.';
ALTER TABLE comments ALTER COLUMN body DROP NOT NULL,
	ADD COLUMN edited_at timestamptz,
	ADD COLUMN deleted_at timestamptz,
	ADD CONSTRAINT comments_deleted_without_body CHECK ((body IS NULL) = (deleted_at IS NOT NULL));
COMMENT ON COLUMN comments.edited_at IS 'When the author last edited the text; null if never.';
COMMENT ON COLUMN comments.deleted_at IS 'When the comment was deleted; its text is gone and it no longer counts.';
ALTER TABLE users ALTER COLUMN handle DROP NOT NULL,
	ADD COLUMN erased_at timestamptz,
	ADD CONSTRAINT users_erased_without_handle CHECK ((handle IS NULL) = (erased_at IS NOT NULL));
COMMENT ON COLUMN users.erased_at IS 'When erase_user() removed the user''s personal data; the id remains, anonymous.';

-- A deleted comment counts down like a deleted row (count_events() in
-- src/counters.c does the same for a DELETE): one counter delta per track
-- and one analytics event per comment whose deleted_at was just set.
CREATE FUNCTION count_comment_deletions() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	WITH c AS (
		SELECT o.user_id, o.track_id, t.creator_id
		FROM old_rows o
		JOIN new_rows n ON n.id = o.id
		JOIN tracks t ON t.id = o.track_id
		WHERE o.deleted_at IS NULL AND n.deleted_at IS NOT NULL
	), events AS (
		INSERT INTO analytics_events (kind, user_id, track_id, creator_id, at, delta)
		SELECT 'comment', c.user_id, c.track_id, c.creator_id, now(), -1 FROM c
	)
	INSERT INTO counter_deltas (track_id, creator_id, comments)
	SELECT c.track_id, c.creator_id, -count(*) FROM c GROUP BY c.track_id, c.creator_id;
	RETURN NULL;
END
$$;
CREATE TRIGGER comments_count_soft_delete AFTER UPDATE ON comments
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION count_comment_deletions();

-- Indexes that let each list be read in its order, newest first.
CREATE INDEX tracks_creator_published ON tracks (creator_id, released_at, id) WHERE unpublished_at IS NULL;
CREATE INDEX likes_user_recent ON likes (user_id, created_at, track_id);
CREATE INDEX follows_creator_recent ON follows (creator_id, created_at, user_id);
CREATE INDEX follows_user_recent ON follows (user_id, created_at, creator_id);
CREATE INDEX comments_track_threads ON comments (track_id, id) WHERE parent_id IS NULL;
CREATE INDEX playlists_user_recent ON playlists (user_id, id);
-- (pg_trgm's operator class named with its schema, as in 050_search.sql)
DO $trgm$
BEGIN
	EXECUTE pg_catalog.format('CREATE INDEX users_handle_trgm ON users USING gin (handle %I.gin_trgm_ops)',
							  (SELECT n.nspname FROM pg_catalog.pg_extension e
							   JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
							   WHERE e.extname OPERATOR(pg_catalog.=) 'pg_trgm'::pg_catalog.name));
END
$trgm$;

-- When refresh_analytics() last ran, for "as of" labels on BI dashboards.
ALTER TABLE analytics_state ADD COLUMN refreshed_at timestamptz;
COMMENT ON COLUMN analytics_state.refreshed_at IS 'When refresh_analytics() last committed.';

-- Argument checks shared by the read functions, worded like the C API's.
CREATE FUNCTION read_check_id(name text, id bigint) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	IF id IS NULL THEN
		RAISE EXCEPTION '% must not be null', name USING ERRCODE = 'null_value_not_allowed';
	ELSIF id <= 0 THEN
		RAISE EXCEPTION '% must be a positive identifier, got %', name, id
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;

CREATE FUNCTION read_check_page(max_results int) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	IF max_results IS NULL THEN
		RAISE EXCEPTION 'max_results must not be null' USING ERRCODE = 'null_value_not_allowed';
	ELSIF max_results NOT BETWEEN 1 AND 100 THEN
		RAISE EXCEPTION 'max_results must be between 1 and 100, got %', max_results
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;

-- Raises P0002 unless the user exists and is not erased; a NULL viewer is
-- anonymous and passes.
CREATE FUNCTION read_require_user(name text, user_id bigint, optional boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	IF optional AND user_id IS NULL THEN
		RETURN;
	END IF;
	PERFORM read_check_id(name, user_id);
	IF NOT EXISTS (SELECT FROM users u WHERE u.id = user_id AND u.erased_at IS NULL) THEN
		RAISE EXCEPTION 'user % does not exist', user_id USING ERRCODE = 'no_data_found';
	END IF;
END
$$;

-- Cursors: "<epoch microseconds>:<id>" for lists in time order, "<id>" for
-- lists in id or position order, "<score>:<kind>:<id>" for ranked lists.
-- The first page compares with the cursor's open end ('infinity', 0 or the
-- largest bigint) rather than skipping the comparison, so every page is one
-- index range.
-- (Inlined into the callers' queries, so no SET clause: it names only
-- pg_catalog functions.)
CREATE FUNCTION time_cursor(at timestamptz, id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT (extract(epoch FROM at) * 1000000)::bigint || ':' || id
$$;

CREATE FUNCTION read_time_cursor(after text, OUT at timestamptz, OUT id bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	parts text[] := regexp_match(after, '^(-?[0-9]{1,18}):([0-9]{1,18})$');
BEGIN
	IF after IS NULL THEN
		RETURN;
	ELSIF parts IS NULL THEN
		RAISE EXCEPTION 'invalid cursor "%"', after USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Pass the cursor column of the last row of the previous page.';
	END IF;
	at := to_timestamp(0) + parts[1]::bigint * interval '1 microsecond';
	id := parts[2]::bigint;
END
$$;

CREATE FUNCTION read_id_cursor(after text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	IF after IS NULL THEN
		RETURN NULL;
	ELSIF after !~ '^[0-9]{1,18}$' THEN
		RAISE EXCEPTION 'invalid cursor "%"', after USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Pass the cursor column of the last row of the previous page.';
	END IF;
	RETURN after::bigint;
END
$$;

CREATE FUNCTION read_score_cursor(after text, OUT score double precision, OUT kind text, OUT id bigint)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	parts text[] := regexp_match(after, '^(-?[0-9.eE+-]{1,30}):([a-z]{0,10}):([0-9]{1,18})$');
BEGIN
	IF after IS NULL THEN
		RETURN;
	ELSIF parts IS NULL OR parts[1] !~ '^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$' THEN
		RAISE EXCEPTION 'invalid cursor "%"', after USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Pass the cursor column of the last row of the previous page.';
	END IF;
	score := parts[1]::double precision;
	kind := parts[2];
	id := parts[3]::bigint;
END
$$;

-- Profiles -----------------------------------------------------------------

CREATE FUNCTION user_profile(user_id bigint)
RETURNS TABLE (id bigint, handle text, display_name text, creator_id bigint,
			   following bigint, public_playlists bigint, joined_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	PERFORM read_require_user('user_id', user_profile.user_id);
	RETURN QUERY
	SELECT u.id, u.handle, u.display_name, c.id,
		   (SELECT count(*) FROM follows f WHERE f.user_id = u.id),
		   (SELECT count(*) FROM playlists p WHERE p.user_id = u.id AND p.is_public),
		   u.created_at
	FROM users u LEFT JOIN creators c ON c.user_id = u.id
	WHERE u.id = user_profile.user_id;
END
$$;

CREATE FUNCTION creator_page(creator_id bigint, viewer_id bigint DEFAULT NULL)
RETURNS TABLE (id bigint, user_id bigint, handle text, name text, verified boolean,
			   tracks bigint, plays bigint, counted_plays bigint, followers bigint, likes bigint,
			   comments bigint, viewer_follows boolean, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	PERFORM read_check_id('creator_id', creator_page.creator_id);
	PERFORM read_require_user('viewer_id', viewer_id, true);
	IF NOT EXISTS (SELECT FROM creators c WHERE c.id = creator_page.creator_id) THEN
		RAISE EXCEPTION 'creator % does not exist', creator_page.creator_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN QUERY
	SELECT c.id, c.user_id, u.handle, c.name, c.verified,
		   (SELECT count(*) FROM tracks t WHERE t.creator_id = c.id AND t.unpublished_at IS NULL),
		   s.plays, s.counted_plays, s.followers, s.likes, s.comments,
		   CASE WHEN viewer_id IS NOT NULL THEN
			   EXISTS (SELECT FROM follows f WHERE f.user_id = viewer_id AND f.creator_id = c.id) END,
		   c.created_at
	FROM creators c
	JOIN users u ON u.id = c.user_id
	JOIN creator_stats s ON s.creator_id = c.id
	WHERE c.id = creator_page.creator_id;
END
$$;

-- Tracks -------------------------------------------------------------------

CREATE FUNCTION track(track_id bigint, viewer_id bigint DEFAULT NULL)
RETURNS TABLE (id bigint, title text, creator_id bigint, creator_name text, duration_ms int,
			   genre text, audio_cid text, artwork_cid text, released_at timestamptz, plays bigint,
			   counted_plays bigint, likes bigint, comments bigint, viewer_liked boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	PERFORM read_check_id('track_id', track.track_id);
	PERFORM read_require_user('viewer_id', viewer_id, true);
	IF NOT EXISTS (SELECT FROM tracks t WHERE t.id = track.track_id AND t.unpublished_at IS NULL) THEN
		RAISE EXCEPTION 'track % does not exist', track.track_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN QUERY
	SELECT t.id, t.title, t.creator_id, c.name, t.duration_ms, t.genre, t.audio_cid, t.artwork_cid,
		   t.released_at, s.plays, s.counted_plays, s.likes, s.comments,
		   CASE WHEN viewer_id IS NOT NULL THEN
			   EXISTS (SELECT FROM likes l WHERE l.user_id = viewer_id AND l.track_id = t.id) END
	FROM tracks t
	JOIN creators c ON c.id = t.creator_id
	JOIN track_stats s ON s.track_id = t.id
	WHERE t.id = track.track_id;
END
$$;

-- A creator's tracks, newest release first.
CREATE FUNCTION creator_tracks(creator_id bigint, viewer_id bigint DEFAULT NULL,
							   after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (track_id bigint, title text, duration_ms int, genre text, released_at timestamptz,
			   plays bigint, likes bigint, viewer_liked boolean, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	k record := read_time_cursor(after);
BEGIN
	PERFORM read_check_id('creator_id', creator_tracks.creator_id);
	PERFORM read_require_user('viewer_id', viewer_id, true);
	PERFORM read_check_page(max_results);
	IF NOT EXISTS (SELECT FROM creators c WHERE c.id = creator_tracks.creator_id) THEN
		RAISE EXCEPTION 'creator % does not exist', creator_tracks.creator_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN QUERY
	SELECT t.id, t.title, t.duration_ms, t.genre, t.released_at, s.plays, s.likes,
		   CASE WHEN viewer_id IS NOT NULL THEN
			   EXISTS (SELECT FROM likes l WHERE l.user_id = viewer_id AND l.track_id = t.id) END,
		   time_cursor(t.released_at, t.id)
	FROM (SELECT * FROM tracks t
		  WHERE t.creator_id = creator_tracks.creator_id AND t.unpublished_at IS NULL
			AND (t.released_at, t.id) < (coalesce(k.at, 'infinity'), coalesce(k.id, 0))
		  ORDER BY t.released_at DESC, t.id DESC LIMIT max_results) t
	JOIN track_stats s ON s.track_id = t.id
	ORDER BY t.released_at DESC, t.id DESC;
END
$$;

-- Playlists ----------------------------------------------------------------

-- Private playlists exist only for their owner: anyone else gets P0002.
CREATE FUNCTION read_require_playlist(playlist_id bigint, viewer_id bigint) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	PERFORM read_check_id('playlist_id', playlist_id);
	PERFORM read_require_user('viewer_id', viewer_id, true);
	IF NOT EXISTS (SELECT FROM playlists p WHERE p.id = playlist_id
				   AND (p.is_public OR p.user_id = viewer_id)) THEN
		RAISE EXCEPTION 'playlist % does not exist', playlist_id USING ERRCODE = 'no_data_found';
	END IF;
END
$$;

CREATE FUNCTION playlist(playlist_id bigint, viewer_id bigint DEFAULT NULL)
RETURNS TABLE (id bigint, user_id bigint, handle text, title text, is_public boolean,
			   tracks bigint, created_at timestamptz, updated_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	PERFORM read_require_playlist(playlist.playlist_id, viewer_id);
	RETURN QUERY
	SELECT p.id, p.user_id, u.handle, p.title, p.is_public,
		   (SELECT count(*) FROM playlist_tracks pt WHERE pt.playlist_id = p.id),
		   p.created_at, p.updated_at
	FROM playlists p
	JOIN users u ON u.id = p.user_id
	WHERE p.id = playlist.playlist_id;
END
$$;

-- A playlist's entries in position order; the cursor is the position.  An
-- unpublished track keeps its place, marked unavailable (as streaming apps
-- grey it out).
CREATE FUNCTION playlist_tracks(playlist_id bigint, viewer_id bigint DEFAULT NULL,
								after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE ("position" int, track_id bigint, title text, creator_id bigint, creator_name text,
			   duration_ms int, available boolean, added_at timestamptz, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	after_position bigint := read_id_cursor(after);
BEGIN
	PERFORM read_require_playlist(playlist_tracks.playlist_id, viewer_id);
	PERFORM read_check_page(max_results);
	RETURN QUERY
	SELECT pt.position, t.id, t.title, c.id, c.name, t.duration_ms, t.unpublished_at IS NULL,
		   pt.added_at, pt.position::text
	FROM (SELECT * FROM music.playlist_tracks x
		  WHERE x.playlist_id = playlist_tracks.playlist_id
			AND x.position > coalesce(after_position, 0)
		  ORDER BY x.position LIMIT max_results) pt
	JOIN tracks t ON t.id = pt.track_id
	JOIN creators c ON c.id = t.creator_id
	ORDER BY pt.position;
END
$$;

-- A user's playlists, newest first; others see only the public ones.
CREATE FUNCTION user_playlists(user_id bigint, viewer_id bigint DEFAULT NULL,
							   after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (playlist_id bigint, title text, is_public boolean, created_at timestamptz,
			   updated_at timestamptz, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	after_id bigint := read_id_cursor(after);
BEGIN
	PERFORM read_require_user('user_id', user_playlists.user_id);
	PERFORM read_require_user('viewer_id', viewer_id, true);
	PERFORM read_check_page(max_results);
	RETURN QUERY
	SELECT p.id, p.title, p.is_public, p.created_at, p.updated_at, p.id::text
	FROM playlists p
	WHERE p.user_id = user_playlists.user_id
	  AND (p.is_public OR p.user_id = viewer_id)
	  AND p.id < coalesce(after_id, 9223372036854775807)
	ORDER BY p.id DESC LIMIT max_results;
END
$$;

-- Comments -----------------------------------------------------------------

-- Whether a comment is shown: a live one always, a deleted one only as the
-- placeholder of a thread that still has live replies.
-- (Inlined into the callers' queries, so no SET clause and qualified names.)
CREATE FUNCTION comment_shown(comment_id bigint, deleted_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT comment_shown.deleted_at IS NULL
		OR EXISTS (SELECT FROM music.comments r WHERE r.parent_id = comment_shown.comment_id AND r.deleted_at IS NULL)
$$;

-- A track's threads: top-level comments, newest first, with reply counts.
-- A deleted comment shows as a placeholder (deleted, no author or text).
CREATE FUNCTION track_comments(track_id bigint, after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (comment_id bigint, user_id bigint, handle text, body text, at_ms int,
			   created_at timestamptz, edited boolean, deleted boolean, replies bigint, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	after_id bigint := read_id_cursor(after);
BEGIN
	PERFORM read_check_id('track_id', track_comments.track_id);
	PERFORM read_check_page(max_results);
	IF NOT EXISTS (SELECT FROM tracks t WHERE t.id = track_comments.track_id) THEN
		RAISE EXCEPTION 'track % does not exist', track_comments.track_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN QUERY
	SELECT c.id, CASE WHEN c.deleted_at IS NULL THEN c.user_id END,
		   CASE WHEN c.deleted_at IS NULL THEN u.handle END, c.body, c.at_ms, c.created_at,
		   c.edited_at IS NOT NULL, c.deleted_at IS NOT NULL,
		   (SELECT count(*) FROM comments r WHERE r.parent_id = c.id AND r.deleted_at IS NULL), c.id::text
	FROM (SELECT * FROM comments x
		  WHERE x.track_id = track_comments.track_id AND x.parent_id IS NULL
			AND x.id < coalesce(after_id, 9223372036854775807) AND comment_shown(x.id, x.deleted_at)
		  ORDER BY x.id DESC LIMIT max_results) c
	JOIN users u ON u.id = c.user_id
	ORDER BY c.id DESC;
END
$$;

-- The replies to one comment, oldest first (a conversation reads down).
CREATE FUNCTION comment_replies(parent_id bigint, after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (comment_id bigint, user_id bigint, handle text, body text, at_ms int,
			   created_at timestamptz, edited boolean, deleted boolean, replies bigint, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	after_id bigint := read_id_cursor(after);
BEGIN
	PERFORM read_check_id('parent_id', comment_replies.parent_id);
	PERFORM read_check_page(max_results);
	IF NOT EXISTS (SELECT FROM comments c WHERE c.id = comment_replies.parent_id) THEN
		RAISE EXCEPTION 'comment % does not exist', comment_replies.parent_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN QUERY
	SELECT c.id, CASE WHEN c.deleted_at IS NULL THEN c.user_id END,
		   CASE WHEN c.deleted_at IS NULL THEN u.handle END, c.body, c.at_ms, c.created_at,
		   c.edited_at IS NOT NULL, c.deleted_at IS NOT NULL,
		   (SELECT count(*) FROM comments r WHERE r.parent_id = c.id AND r.deleted_at IS NULL), c.id::text
	FROM (SELECT * FROM comments x
		  WHERE x.parent_id = comment_replies.parent_id
			AND x.id > coalesce(after_id, 0) AND comment_shown(x.id, x.deleted_at)
		  ORDER BY x.id LIMIT max_results) c
	JOIN users u ON u.id = c.user_id
	ORDER BY c.id;
END
$$;

-- The social graph ---------------------------------------------------------

-- A creator's followers, most recent follow first.
CREATE FUNCTION followers(creator_id bigint, after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (user_id bigint, handle text, display_name text, followed_at timestamptz, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	k record := read_time_cursor(after);
BEGIN
	PERFORM read_check_id('creator_id', followers.creator_id);
	PERFORM read_check_page(max_results);
	IF NOT EXISTS (SELECT FROM creators c WHERE c.id = followers.creator_id) THEN
		RAISE EXCEPTION 'creator % does not exist', followers.creator_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN QUERY
	SELECT u.id, u.handle, u.display_name, f.created_at, time_cursor(f.created_at, f.user_id)
	FROM (SELECT * FROM follows x
		  WHERE x.creator_id = followers.creator_id
			AND (x.created_at, x.user_id) < (coalesce(k.at, 'infinity'), coalesce(k.id, 0))
		  ORDER BY x.created_at DESC, x.user_id DESC LIMIT max_results) f
	JOIN users u ON u.id = f.user_id
	ORDER BY f.created_at DESC, f.user_id DESC;
END
$$;

-- The creators a user follows, most recent follow first.
CREATE FUNCTION following(user_id bigint, after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (creator_id bigint, name text, verified boolean, followed_at timestamptz, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	k record := read_time_cursor(after);
BEGIN
	PERFORM read_require_user('user_id', following.user_id);
	PERFORM read_check_page(max_results);
	RETURN QUERY
	SELECT c.id, c.name, c.verified, f.created_at, time_cursor(f.created_at, f.creator_id)
	FROM (SELECT * FROM follows x
		  WHERE x.user_id = following.user_id
			AND (x.created_at, x.creator_id) < (coalesce(k.at, 'infinity'), coalesce(k.id, 0))
		  ORDER BY x.created_at DESC, x.creator_id DESC LIMIT max_results) f
	JOIN creators c ON c.id = f.creator_id
	ORDER BY f.created_at DESC, f.creator_id DESC;
END
$$;

-- The tracks a user likes, most recent like first.
CREATE FUNCTION user_likes(user_id bigint, after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (track_id bigint, title text, creator_id bigint, creator_name text,
			   liked_at timestamptz, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	k record := read_time_cursor(after);
BEGIN
	PERFORM read_require_user('user_id', user_likes.user_id);
	PERFORM read_check_page(max_results);
	RETURN QUERY
	SELECT l.track_id, l.title, c.id, c.name, l.created_at, time_cursor(l.created_at, l.track_id)
	FROM (SELECT x.track_id, x.created_at, t.title, t.creator_id
		  FROM likes x JOIN tracks t ON t.id = x.track_id AND t.unpublished_at IS NULL
		  WHERE x.user_id = user_likes.user_id
			AND (x.created_at, x.track_id) < (coalesce(k.at, 'infinity'), coalesce(k.id, 0))
		  ORDER BY x.created_at DESC, x.track_id DESC LIMIT max_results) l
	JOIN creators c ON c.id = l.creator_id
	ORDER BY l.created_at DESC, l.track_id DESC;
END
$$;

-- A user's counted plays, most recent first (plays too short to count, or
-- refused, are not history).
CREATE FUNCTION listening_history(user_id bigint, after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (play_id bigint, track_id bigint, title text, creator_id bigint, creator_name text,
			   played_at timestamptz, ms_played int, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	k record := read_time_cursor(after);
BEGIN
	PERFORM read_require_user('user_id', listening_history.user_id);
	PERFORM read_check_page(max_results);
	RETURN QUERY
	SELECT p.id, t.id, t.title, c.id, c.name, p.played_at, p.ms_played, time_cursor(p.played_at, p.id)
	FROM (SELECT * FROM plays x
		  WHERE x.user_id = listening_history.user_id AND x.counted
			AND (x.played_at, x.id) < (coalesce(k.at, 'infinity'), coalesce(k.id, 0))
		  ORDER BY x.played_at DESC, x.id DESC LIMIT max_results) p
	JOIN tracks t ON t.id = p.track_id
	JOIN creators c ON c.id = p.creator_id
	ORDER BY p.played_at DESC, p.id DESC;
END
$$;

-- The home feed: tracks of the creators a user follows, newest release
-- first.  Each followed creator contributes at most one page of ids from its
-- own index range (index-only), and only the page's tracks are then read,
-- so a page costs one short index read per followed creator.
CREATE FUNCTION home_feed(user_id bigint, after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (track_id bigint, title text, creator_id bigint, creator_name text, duration_ms int,
			   genre text, released_at timestamptz, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	k record := read_time_cursor(after);
BEGIN
	PERFORM read_require_user('user_id', home_feed.user_id);
	PERFORM read_check_page(max_results);
	RETURN QUERY
	SELECT t.id, t.title, c.id, c.name, t.duration_ms, t.genre, t.released_at,
		   time_cursor(t.released_at, t.id)
	FROM (SELECT x.id, x.released_at
		  FROM follows f
		  CROSS JOIN LATERAL (
			  SELECT y.id, y.released_at FROM tracks y
			  WHERE y.creator_id = f.creator_id AND y.unpublished_at IS NULL
				AND (y.released_at, y.id) < (coalesce(k.at, 'infinity'), coalesce(k.id, 0))
			  ORDER BY y.released_at DESC, y.id DESC LIMIT max_results
		  ) x
		  WHERE f.user_id = home_feed.user_id
		  ORDER BY x.released_at DESC, x.id DESC LIMIT max_results) page
	JOIN tracks t ON t.id = page.id
	JOIN creators c ON c.id = t.creator_id
	ORDER BY t.released_at DESC, t.id DESC;
END
$$;

-- Charts for end users -----------------------------------------------------

-- A chart week's chart (default: the running week) with titles and names;
-- an unpublished track leaves its rank empty.
CREATE FUNCTION weekly_chart(week date DEFAULT NULL, after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (week_start date, rank int, movement text, last_week_rank int, peak_rank int,
			   weeks_on_chart int, plays bigint, track_id bigint, title text, creator_id bigint,
			   creator_name text, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	after_rank bigint := read_id_cursor(after);
	chart_start date := chart_week(coalesce(week, today()));
BEGIN
	PERFORM read_check_page(max_results);
	RETURN QUERY
	SELECT w.week_start, w.rank, w.movement, w.last_week_rank, w.peak_rank, w.weeks_on_chart,
		   w.plays, t.id, t.title, c.id, c.name, w.rank::text
	FROM (SELECT x.* FROM weekly_charts x JOIN tracks y ON y.id = x.track_id AND y.unpublished_at IS NULL
		  WHERE x.week_start = chart_start AND x.rank > coalesce(after_rank, 0)
		  ORDER BY x.rank LIMIT max_results) w
	JOIN tracks t ON t.id = w.track_id
	JOIN creators c ON c.id = t.creator_id
	ORDER BY w.rank;
END
$$;

-- Trending tracks of a window (week or month), overall or in one genre.
CREATE FUNCTION trending(time_window text DEFAULT 'week', genre text DEFAULT NULL,
						 after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (track_id bigint, title text, creator_id bigint, creator_name text, track_genre text,
			   score double precision, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp SET extra_float_digits = 1 AS $$
DECLARE
	k record := read_score_cursor(after);
BEGIN
	IF time_window IS NULL THEN
		RAISE EXCEPTION 'time_window must not be null' USING ERRCODE = 'null_value_not_allowed';
	ELSIF NOT EXISTS (SELECT FROM trending_windows w WHERE w.time_window = trending.time_window) THEN
		RAISE EXCEPTION 'unknown time_window "%"', time_window USING ERRCODE = 'invalid_parameter_value',
			HINT = 'The windows are listed in music.trending_windows: week, month.';
	END IF;
	PERFORM read_check_page(max_results);
	RETURN QUERY
	SELECT t.id, t.title, c.id, c.name, t.genre, x.score, x.score::text || '::' || x.track_id
	FROM (SELECT y.* FROM trending_tracks y JOIN tracks z ON z.id = y.track_id AND z.unpublished_at IS NULL
		  WHERE y.time_window = trending.time_window
			AND (trending.genre IS NULL OR y.genre = lower(btrim(trending.genre)))
			AND (k.score IS NULL OR y.score < k.score OR (y.score = k.score AND y.track_id > k.id))
		  ORDER BY y.score DESC, y.track_id LIMIT max_results) x
	JOIN tracks t ON t.id = x.track_id
	JOIN creators c ON c.id = t.creator_id
	ORDER BY x.score DESC, x.track_id;
END
$$;

-- Today's or this chart week's top 100 tracks or creators (music.leaderboards).
CREATE FUNCTION leaderboard(period text DEFAULT 'week', kind text DEFAULT 'track',
							after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (rank int, id bigint, name text, creator_name text, counted_plays bigint, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	after_rank bigint := read_id_cursor(after);
BEGIN
	IF period IS NULL OR kind IS NULL THEN
		RAISE EXCEPTION '% must not be null', CASE WHEN period IS NULL THEN 'period' ELSE 'kind' END
			USING ERRCODE = 'null_value_not_allowed';
	ELSIF period NOT IN ('day', 'week') THEN
		RAISE EXCEPTION 'period must be day or week, got "%"', period USING ERRCODE = 'invalid_parameter_value';
	ELSIF kind NOT IN ('track', 'creator') THEN
		RAISE EXCEPTION 'kind must be track or creator, got "%"', kind USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM read_check_page(max_results);
	RETURN QUERY
	SELECT b.rank, b.id, coalesce(t.title, c.name), tc.name, b.counted_plays, b.rank::text
	FROM leaderboards b
	LEFT JOIN tracks t ON b.kind = 'track' AND t.id = b.id
	LEFT JOIN creators tc ON tc.id = t.creator_id
	LEFT JOIN creators c ON b.kind = 'creator' AND c.id = b.id
	WHERE b.period = leaderboard.period AND b.kind = leaderboard.kind
	  AND b.rank > coalesce(after_rank, 0) AND (b.kind = 'creator' OR t.unpublished_at IS NULL)
	ORDER BY b.rank LIMIT max_results;
END
$$;

-- Search -------------------------------------------------------------------

-- Search results page by page: the same matching and score as search(), with
-- a kind filter (track, creator, playlist, user) and a genre filter (which
-- keeps only tracks of that genre).  Ranked by score, then kind, then id.
-- pg_trgm lives wherever the DBA installed it: its schema is written into
-- the function here, qualifying each of its operators and functions.
DO $search_page$
BEGIN
	EXECUTE pg_catalog.replace($body$
CREATE FUNCTION search_page(query text, kind text DEFAULT NULL, genre text DEFAULT NULL,
							after text DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (result_kind text, id bigint, title text, score real, cursor text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp SET extra_float_digits = 1
SET pg_trgm.word_similarity_threshold = 0.4 AS $$
DECLARE
	k record := read_score_cursor(after);
	q text := btrim(query);
BEGIN
	IF query IS NULL THEN
		RAISE EXCEPTION 'query must not be null' USING ERRCODE = 'null_value_not_allowed';
	ELSIF q = '' THEN
		RAISE EXCEPTION 'query must not be empty' USING ERRCODE = 'invalid_parameter_value';
	ELSIF char_length(q) > 200 THEN
		RAISE EXCEPTION 'query is too long: % characters, at most 200 allowed', char_length(q)
			USING ERRCODE = 'string_data_right_truncation';
	ELSIF kind NOT IN ('track', 'creator', 'playlist', 'user') THEN
		RAISE EXCEPTION 'kind must be track, creator, playlist or user, got "%"', kind
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM read_check_page(max_results);
	RETURN QUERY
	SELECT f.kind, f.id, f.title, f.score, f.score::text || ':' || f.kind || ':' || f.id
	FROM (
		SELECT 'track'::text AS kind, t.id, t.title,
			   (0.8::real * @trgm@.word_similarity(q, t.title) + 0.2::real * @trgm@.similarity(q, t.title)) AS score
		FROM tracks t
		WHERE coalesce(search_page.kind, 'track') = 'track' AND q OPERATOR(@trgm@.<%) t.title
		  AND t.unpublished_at IS NULL
		  AND (search_page.genre IS NULL OR t.genre = lower(btrim(search_page.genre)))
		UNION ALL
		SELECT 'creator', c.id, c.name,
			   (0.8::real * @trgm@.word_similarity(q, c.name) + 0.2::real * @trgm@.similarity(q, c.name))
		FROM creators c
		WHERE coalesce(search_page.kind, 'creator') = 'creator' AND search_page.genre IS NULL
		  AND q OPERATOR(@trgm@.<%) c.name
		UNION ALL
		SELECT 'playlist', p.id, p.title,
			   (0.8::real * @trgm@.word_similarity(q, p.title) + 0.2::real * @trgm@.similarity(q, p.title))
		FROM playlists p
		WHERE coalesce(search_page.kind, 'playlist') = 'playlist' AND search_page.genre IS NULL
		  AND p.is_public AND q OPERATOR(@trgm@.<%) p.title
		UNION ALL
		SELECT 'user', u.id, u.handle,
			   (0.8::real * @trgm@.word_similarity(q, u.handle) + 0.2::real * @trgm@.similarity(q, u.handle))
		FROM users u
		WHERE coalesce(search_page.kind, 'user') = 'user' AND search_page.genre IS NULL
		  AND q OPERATOR(@trgm@.<%) u.handle
	) f
	WHERE k.score IS NULL OR f.score < k.score::real
	   OR (f.score = k.score::real AND (f.kind, f.id) > (k.kind, k.id))
	ORDER BY f.score DESC, f.kind, f.id LIMIT max_results;
END
$$
$body$, '@trgm@', pg_catalog.quote_ident((SELECT n.nspname FROM pg_catalog.pg_extension e
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
		WHERE e.extname OPERATOR(pg_catalog.=) 'pg_trgm'::pg_catalog.name)));
END
$search_page$;

-- Edits and deletes (src/edits.c) --------------------------------------------

CREATE FUNCTION update_profile(user_id bigint, display_name text, country text, birth_year int)
RETURNS void AS 'MODULE_PATHNAME', 'music_update_profile' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION update_track(track_id bigint, title text, genre text, artwork_cid text)
RETURNS void AS 'MODULE_PATHNAME', 'music_update_track' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION unpublish_track(track_id bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_unpublish_track' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION update_playlist(playlist_id bigint, title text DEFAULT NULL, is_public boolean DEFAULT NULL)
RETURNS void AS 'MODULE_PATHNAME', 'music_update_playlist' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION delete_playlist(playlist_id bigint)
RETURNS void AS 'MODULE_PATHNAME', 'music_delete_playlist' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION edit_comment(user_id bigint, comment_id bigint, body text)
RETURNS void AS 'MODULE_PATHNAME', 'music_edit_comment' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION delete_comment(user_id bigint, comment_id bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_delete_comment' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

-- Erasure and export (music_admin) -------------------------------------------

-- erase_user(user_id): removes a user's personal data for good and returns
-- true, or false when the user was already erased.  The id stays as an
-- anonymous key behind what others rely on: plays (without IP hash, country
-- or session), subscription payments, and the aggregates built from them,
-- so no creator's plays, charts or earnings change retroactively.  Likes,
-- follows and comments go with their counter effects (a comment with
-- replies stays as a placeholder); playlists, search history, session
-- devices and the profile go.  A creator's tracks are unpublished; the
-- creator profile, its coin and every on-chain record stay.
CREATE FUNCTION erase_user(user_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
DECLARE
	erased timestamptz;
BEGIN
	PERFORM read_check_id('user_id', user_id);
	SELECT u.erased_at INTO erased FROM users u WHERE u.id = erase_user.user_id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'user % does not exist', user_id USING ERRCODE = 'no_data_found';
	ELSIF erased IS NOT NULL THEN
		RETURN false;
	END IF;
	UPDATE tracks t SET unpublished_at = now()
	FROM creators c WHERE c.user_id = erase_user.user_id AND t.creator_id = c.id AND t.unpublished_at IS NULL;
	DELETE FROM likes l WHERE l.user_id = erase_user.user_id;
	DELETE FROM follows f WHERE f.user_id = erase_user.user_id;
	UPDATE comments c SET body = NULL, deleted_at = now()
	WHERE c.user_id = erase_user.user_id AND c.deleted_at IS NULL;
	DELETE FROM playlist_tracks pt USING playlists p
	WHERE p.user_id = erase_user.user_id AND pt.playlist_id = p.id;
	DELETE FROM playlists p WHERE p.user_id = erase_user.user_id;
	DELETE FROM search_history h WHERE h.user_id = erase_user.user_id;
	UPDATE sessions s SET device = NULL WHERE s.user_id = erase_user.user_id AND s.device IS NOT NULL;
	UPDATE plays p SET ip_hash = NULL, country = NULL, session_id = NULL
	WHERE p.user_id = erase_user.user_id
	  AND (p.ip_hash IS NOT NULL OR p.country IS NOT NULL OR p.session_id IS NOT NULL);
	UPDATE users u SET handle = NULL, display_name = NULL, country = NULL, birth_year = NULL,
		erased_at = now()
	WHERE u.id = erase_user.user_id;
	RETURN true;
END
$$;

-- export_user(user_id): everything held about a user, as one JSON document
-- (an erased user's export shows what is left: the anonymous rows).
CREATE FUNCTION export_user(user_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	PERFORM read_check_id('user_id', user_id);
	IF NOT EXISTS (SELECT FROM users u WHERE u.id = export_user.user_id) THEN
		RAISE EXCEPTION 'user % does not exist', user_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN jsonb_build_object(
		'user', (SELECT to_jsonb(u) FROM users u WHERE u.id = export_user.user_id),
		'creator', (SELECT to_jsonb(c) FROM creators c WHERE c.user_id = export_user.user_id),
		'tracks', coalesce((SELECT jsonb_agg(to_jsonb(t) ORDER BY t.id) FROM tracks t
							JOIN creators c ON c.id = t.creator_id WHERE c.user_id = export_user.user_id), '[]'),
		'playlists', coalesce((SELECT jsonb_agg(to_jsonb(p) || jsonb_build_object('entries',
									coalesce((SELECT jsonb_agg(jsonb_build_object('position', pt.position,
												'track_id', pt.track_id, 'added_at', pt.added_at) ORDER BY pt.position)
											  FROM playlist_tracks pt WHERE pt.playlist_id = p.id), '[]'))
								ORDER BY p.id)
							   FROM playlists p WHERE p.user_id = export_user.user_id), '[]'),
		'likes', coalesce((SELECT jsonb_agg(to_jsonb(l) ORDER BY l.created_at, l.track_id)
						   FROM likes l WHERE l.user_id = export_user.user_id), '[]'),
		'follows', coalesce((SELECT jsonb_agg(to_jsonb(f) ORDER BY f.created_at, f.creator_id)
							 FROM follows f WHERE f.user_id = export_user.user_id), '[]'),
		'comments', coalesce((SELECT jsonb_agg(to_jsonb(c) ORDER BY c.id)
							  FROM comments c WHERE c.user_id = export_user.user_id), '[]'),
		'sessions', coalesce((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.id)
							  FROM sessions s WHERE s.user_id = export_user.user_id), '[]'),
		'plays', coalesce((SELECT jsonb_agg(to_jsonb(p) - 'user_id' ORDER BY p.played_at, p.id)
						   FROM plays p WHERE p.user_id = export_user.user_id), '[]'),
		'search_history', coalesce((SELECT jsonb_agg(to_jsonb(h) ORDER BY h.id)
									FROM search_history h WHERE h.user_id = export_user.user_id), '[]'),
		'subscription_payments', coalesce((SELECT jsonb_agg(to_jsonb(sp) ORDER BY sp.id)
										   FROM subscription_payments sp WHERE sp.user_id = export_user.user_id), '[]'));
END
$$;

-- BI dimensions and freshness ----------------------------------------------

CREATE VIEW track_catalog AS
SELECT t.id AS track_id, t.title, t.creator_id, c.name AS creator_name, t.genre, t.duration_ms,
	   t.released_at, t.unpublished_at IS NULL AS published
FROM tracks t JOIN creators c ON c.id = t.creator_id;
COMMENT ON VIEW track_catalog IS 'Tracks as a BI dimension: titles, creators and genres, no personal data.';
COMMENT ON COLUMN track_catalog.track_id IS 'The track (the track_id of the analytics relations).';
COMMENT ON COLUMN track_catalog.title IS 'The track''s title.';
COMMENT ON COLUMN track_catalog.creator_id IS 'The track''s creator.';
COMMENT ON COLUMN track_catalog.creator_name IS 'The creator''s public name.';
COMMENT ON COLUMN track_catalog.genre IS 'The genre, as published; null when none was given.';
COMMENT ON COLUMN track_catalog.duration_ms IS 'Length in milliseconds.';
COMMENT ON COLUMN track_catalog.released_at IS 'When the track was published.';
COMMENT ON COLUMN track_catalog.published IS 'False once the track is unpublished; its history stays in the analytics.';

CREATE VIEW creator_catalog AS
SELECT c.id AS creator_id, c.name, c.verified, c.created_at
FROM creators c;
COMMENT ON VIEW creator_catalog IS 'Creators as a BI dimension: public names and verification, no personal data.';
COMMENT ON COLUMN creator_catalog.creator_id IS 'The creator (the creator_id of the analytics relations).';
COMMENT ON COLUMN creator_catalog.name IS 'The creator''s public name.';
COMMENT ON COLUMN creator_catalog.verified IS 'Whether the platform verified the creator.';
COMMENT ON COLUMN creator_catalog.created_at IS 'When the creator profile was made.';

CREATE VIEW analytics_freshness AS
SELECT refreshed_at, listeners_28d_day FROM analytics_state;
COMMENT ON VIEW analytics_freshness IS 'How fresh the analytics relations are: one row.';
COMMENT ON COLUMN analytics_freshness.refreshed_at IS 'When refresh_analytics() last committed; null before the first refresh.';
COMMENT ON COLUMN analytics_freshness.listeners_28d_day IS 'The day 28-day listeners were last computed.';

-- Finished months whose 28-day listeners were never computed (backfilled
-- before refresh_analytics() learnt to, in src/analytics.c): their 28 days
-- up to the month's last day.
INSERT INTO monthly_creator_stats AS m (creator_id, month, listeners_28d)
SELECT l.creator_id, s.month, count(DISTINCT l.user_id)
FROM (SELECT DISTINCT x.month FROM monthly_creator_stats x
	  WHERE x.listeners_28d IS NULL AND x.month < date_trunc('month', today())) s
JOIN creator_day_listeners l
  ON l.day > (s.month + interval '1 month')::date - 29 AND l.day < (s.month + interval '1 month')::date
GROUP BY l.creator_id, s.month
ON CONFLICT (creator_id, month) DO UPDATE SET listeners_28d = excluded.listeners_28d
WHERE m.listeners_28d IS NULL;

-- Superfan ranks without ranking every fan: how many fans of a creator have
-- each score, kept by statement triggers as refresh_analytics() upserts
-- fan_stats.  A fan's rank is 1 + the fans with a higher score: a short
-- index range over distinct scores, however many fans the creator has.
CREATE TABLE fan_score_counts (
	creator_id bigint NOT NULL,
	score bigint NOT NULL,
	fans bigint NOT NULL,
	PRIMARY KEY (creator_id, score)
);
COMMENT ON TABLE fan_score_counts IS 'Per creator and superfan score: how many fans have it (superfan ranks read it).';
COMMENT ON COLUMN fan_score_counts.creator_id IS 'The creator.';
COMMENT ON COLUMN fan_score_counts.score IS 'A superfan score (fan_stats.score).';
COMMENT ON COLUMN fan_score_counts.fans IS 'Fans of the creator with that score.';
INSERT INTO fan_score_counts (creator_id, score, fans)
SELECT f.creator_id, f.score, count(*) FROM fan_stats f GROUP BY f.creator_id, f.score;

-- Applies fan_stats score changes (old_rows out, new_rows in) to fan_score_counts.
CREATE FUNCTION count_fan_scores() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	WITH changes AS (
		SELECT n.creator_id, n.score, 1 AS fans FROM new_rows n
		UNION ALL
		SELECT o.creator_id, o.score, -1 FROM old_rows o
	), net AS (
		SELECT c.creator_id, c.score, sum(c.fans) AS fans FROM changes c
		GROUP BY c.creator_id, c.score HAVING sum(c.fans) <> 0
	)
	INSERT INTO fan_score_counts AS h (creator_id, score, fans)
	SELECT n.creator_id, n.score, n.fans FROM net n
	ON CONFLICT (creator_id, score) DO UPDATE SET fans = h.fans + excluded.fans;
	-- only a score that fans left can have none left
	DELETE FROM fan_score_counts h USING (SELECT DISTINCT o.creator_id, o.score FROM old_rows o) o
	WHERE h.creator_id = o.creator_id AND h.score = o.score AND h.fans = 0;
	RETURN NULL;
END
$$;
-- An INSERT has no old rows: the insert trigger reads an empty old_rows.
-- Restored fan_stats rows are counted already in the restored counts.
CREATE FUNCTION count_new_fan_scores() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $$
BEGIN
	IF music.loading_copied_rows() THEN
		RETURN NULL;
	END IF;
	INSERT INTO fan_score_counts AS h (creator_id, score, fans)
	SELECT n.creator_id, n.score, count(*) FROM new_rows n GROUP BY n.creator_id, n.score
	ON CONFLICT (creator_id, score) DO UPDATE SET fans = h.fans + excluded.fans;
	RETURN NULL;
END
$$;
CREATE TRIGGER fan_stats_scores_insert AFTER INSERT ON fan_stats
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_new_fan_scores();
CREATE TRIGGER fan_stats_scores_update AFTER UPDATE ON fan_stats
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_fan_scores();

CREATE OR REPLACE VIEW fan_engagement_metrics AS
SELECT f.creator_id, f.user_id AS fan_id, f.counted_plays AS plays, f.likes, f.comments,
	   fo.created_at AS following_since,
	   (music.today() - (fo.created_at AT TIME ZONE 'UTC')::date) AS follow_age_days,
	   f.first_play_day, f.last_play_day,
	   f.score AS superfan_score,
	   (1 + coalesce((SELECT sum(h.fans) FROM fan_score_counts h
					  WHERE h.creator_id = f.creator_id AND h.score > f.score), 0))::int AS superfan_rank
FROM fan_stats f
LEFT JOIN follows fo ON fo.user_id = f.user_id AND fo.creator_id = f.creator_id;
COMMENT ON VIEW fan_engagement_metrics IS 'Per creator and fan: plays, likes, comments, follow age, superfan score and rank; filter on creator_id, and list top fans by superfan_score DESC (the index order), not by superfan_rank.';

-- Where each closed month's payout pool went: paid to creators, or kept
-- because no creator had a counted play that month.
CREATE VIEW month_payouts AS
SELECT m.month, m.revenue, m.payout_share, m.model,
	   round(m.revenue * m.payout_share, 18) AS pool,
	   coalesce(e.paid, 0) AS paid_to_creators,
	   round(m.revenue * m.payout_share, 18) - coalesce(e.paid, 0) AS undistributed
FROM closed_months m
LEFT JOIN (SELECT x.month, sum(x.revenue) AS paid FROM creator_earnings x GROUP BY x.month) e USING (month);
COMMENT ON VIEW month_payouts IS 'Per closed month: the payout pool and where it went.';
COMMENT ON COLUMN month_payouts.month IS 'The closed month, as its first day.';
COMMENT ON COLUMN month_payouts.revenue IS 'Subscription revenue of the month, in FIL.';
COMMENT ON COLUMN month_payouts.payout_share IS 'The part of revenue owed to creators when the month closed.';
COMMENT ON COLUMN month_payouts.model IS 'pro_rata or user_centric.';
COMMENT ON COLUMN month_payouts.pool IS 'revenue x payout_share: what creators are owed in total.';
COMMENT ON COLUMN month_payouts.paid_to_creators IS 'Sum of the month''s creator_earnings.';
COMMENT ON COLUMN month_payouts.undistributed IS 'Pool not paid to any creator (a month with revenue but no counted plays keeps it all): it stays with the platform; rounding leaves at most a few units of 1e-18 FIL.';

-- Privileges: the helpers stay private; the reads go to apps, the charts
-- and dimensions to BI readers too.
REVOKE ALL ON FUNCTION read_check_id(text, bigint), read_check_page(int),
	read_require_user(text, bigint, boolean), time_cursor(timestamptz, bigint),
	read_time_cursor(text), read_id_cursor(text), read_score_cursor(text),
	read_require_playlist(bigint, bigint), comment_shown(bigint, timestamptz),
	count_comment_deletions(), count_fan_scores(), count_new_fan_scores() FROM PUBLIC;
REVOKE ALL ON FUNCTION user_profile(bigint), creator_page(bigint, bigint), track(bigint, bigint),
	creator_tracks(bigint, bigint, text, int), playlist(bigint, bigint),
	playlist_tracks(bigint, bigint, text, int), user_playlists(bigint, bigint, text, int),
	track_comments(bigint, text, int), comment_replies(bigint, text, int),
	followers(bigint, text, int), following(bigint, text, int), user_likes(bigint, text, int),
	listening_history(bigint, text, int), home_feed(bigint, text, int),
	weekly_chart(date, text, int), trending(text, text, text, int),
	leaderboard(text, text, text, int), search_page(text, text, text, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION user_profile(bigint), creator_page(bigint, bigint), track(bigint, bigint),
	creator_tracks(bigint, bigint, text, int), playlist(bigint, bigint),
	playlist_tracks(bigint, bigint, text, int), user_playlists(bigint, bigint, text, int),
	track_comments(bigint, text, int), comment_replies(bigint, text, int),
	followers(bigint, text, int), following(bigint, text, int), user_likes(bigint, text, int),
	listening_history(bigint, text, int), home_feed(bigint, text, int)
TO music_app;
GRANT EXECUTE ON FUNCTION search_page(text, text, text, text, int) TO music_app;
GRANT EXECUTE ON FUNCTION weekly_chart(date, text, int), trending(text, text, text, int),
	leaderboard(text, text, text, int) TO music_app, music_reader;
REVOKE ALL ON FUNCTION update_profile(bigint, text, text, int), update_track(bigint, text, text, text),
	unpublish_track(bigint), update_playlist(bigint, text, boolean), delete_playlist(bigint),
	edit_comment(bigint, bigint, text), delete_comment(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION update_profile(bigint, text, text, int), update_track(bigint, text, text, text),
	unpublish_track(bigint), update_playlist(bigint, text, boolean), delete_playlist(bigint),
	edit_comment(bigint, bigint, text), delete_comment(bigint, bigint) TO music_app;
REVOKE ALL ON FUNCTION erase_user(bigint), export_user(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erase_user(bigint), export_user(bigint) TO music_admin;
-- Money is not the app's: subscription payments are recorded by music_admin
-- (or a billing role granted the function), never by music_app.  (A fresh
-- install never grants it to music_app; an upgraded 0.1 did.)
REVOKE EXECUTE ON FUNCTION record_subscription_payment(bigint, date, numeric) FROM music_app;
GRANT EXECUTE ON FUNCTION record_subscription_payment(bigint, date, numeric) TO music_admin;
REVOKE ALL ON track_catalog, creator_catalog, analytics_freshness FROM PUBLIC;
GRANT SELECT ON track_catalog, creator_catalog, analytics_freshness TO music_reader, music_app;
REVOKE ALL ON fan_score_counts, month_payouts FROM PUBLIC;
GRANT SELECT ON fan_score_counts, month_payouts TO music_reader;
-- What 900_privileges.sql does for every object of a fresh install, done
-- here for this part's objects since an upgrade runs this part after it:
-- music_admin reads every relation, music_owner owns the SECURITY DEFINER
-- functions and may use every relation and function.
GRANT SELECT ON track_catalog, creator_catalog, analytics_freshness, fan_score_counts, month_payouts TO music_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON track_catalog, creator_catalog, analytics_freshness, fan_score_counts,
	month_payouts TO music_owner;
GRANT EXECUTE ON FUNCTION read_check_id(text, bigint), read_check_page(int),
	read_require_user(text, bigint, boolean), time_cursor(timestamptz, bigint),
	read_time_cursor(text), read_id_cursor(text), read_score_cursor(text),
	read_require_playlist(bigint, bigint), comment_shown(bigint, timestamptz),
	count_comment_deletions(), count_fan_scores(), count_new_fan_scores(),
	user_profile(bigint), creator_page(bigint, bigint), track(bigint, bigint),
	creator_tracks(bigint, bigint, text, int), playlist(bigint, bigint),
	playlist_tracks(bigint, bigint, text, int), user_playlists(bigint, bigint, text, int),
	track_comments(bigint, text, int), comment_replies(bigint, text, int),
	followers(bigint, text, int), following(bigint, text, int), user_likes(bigint, text, int),
	listening_history(bigint, text, int), home_feed(bigint, text, int),
	weekly_chart(date, text, int), trending(text, text, text, int),
	leaderboard(text, text, text, int), search_page(text, text, text, text, int),
	update_profile(bigint, text, text, int), update_track(bigint, text, text, text),
	unpublish_track(bigint), update_playlist(bigint, text, boolean), delete_playlist(bigint),
	edit_comment(bigint, bigint, text), delete_comment(bigint, bigint),
	erase_user(bigint), export_user(bigint)
TO music_owner;
ALTER FUNCTION user_profile(bigint) OWNER TO music_owner;
ALTER FUNCTION creator_page(bigint, bigint) OWNER TO music_owner;
ALTER FUNCTION track(bigint, bigint) OWNER TO music_owner;
ALTER FUNCTION creator_tracks(bigint, bigint, text, int) OWNER TO music_owner;
ALTER FUNCTION playlist(bigint, bigint) OWNER TO music_owner;
ALTER FUNCTION playlist_tracks(bigint, bigint, text, int) OWNER TO music_owner;
ALTER FUNCTION user_playlists(bigint, bigint, text, int) OWNER TO music_owner;
ALTER FUNCTION track_comments(bigint, text, int) OWNER TO music_owner;
ALTER FUNCTION comment_replies(bigint, text, int) OWNER TO music_owner;
ALTER FUNCTION followers(bigint, text, int) OWNER TO music_owner;
ALTER FUNCTION following(bigint, text, int) OWNER TO music_owner;
ALTER FUNCTION user_likes(bigint, text, int) OWNER TO music_owner;
ALTER FUNCTION listening_history(bigint, text, int) OWNER TO music_owner;
ALTER FUNCTION home_feed(bigint, text, int) OWNER TO music_owner;
ALTER FUNCTION weekly_chart(date, text, int) OWNER TO music_owner;
ALTER FUNCTION trending(text, text, text, int) OWNER TO music_owner;
ALTER FUNCTION leaderboard(text, text, text, int) OWNER TO music_owner;
ALTER FUNCTION search_page(text, text, text, text, int) OWNER TO music_owner;
ALTER FUNCTION update_profile(bigint, text, text, int) OWNER TO music_owner;
ALTER FUNCTION update_track(bigint, text, text, text) OWNER TO music_owner;
ALTER FUNCTION unpublish_track(bigint) OWNER TO music_owner;
ALTER FUNCTION update_playlist(bigint, text, boolean) OWNER TO music_owner;
ALTER FUNCTION delete_playlist(bigint) OWNER TO music_owner;
ALTER FUNCTION edit_comment(bigint, bigint, text) OWNER TO music_owner;
ALTER FUNCTION delete_comment(bigint, bigint) OWNER TO music_owner;
ALTER FUNCTION erase_user(bigint) OWNER TO music_owner;
ALTER FUNCTION export_user(bigint) OWNER TO music_owner;
