-- Edits, deletes, erasure and export: what is shown changes, and counters,
-- charts and search stay exact against a recount.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql
GRANT EXECUTE ON FUNCTION pg_temp.fails(text) TO PUBLIC;

-- recount(): every exact counter against a count of the rows themselves
CREATE FUNCTION pg_temp.recount() RETURNS TABLE (counters text, exact boolean) LANGUAGE sql AS $$
	SELECT 'track_stats', bool_and(s.plays = (SELECT count(*) FROM music.plays p WHERE p.track_id = s.track_id)
		AND s.counted_plays = (SELECT count(*) FROM music.plays p WHERE p.track_id = s.track_id AND p.counted)
		AND s.likes = (SELECT count(*) FROM music.likes l WHERE l.track_id = s.track_id)
		AND s.comments = (SELECT count(*) FROM music.comments c WHERE c.track_id = s.track_id AND c.deleted_at IS NULL))
	FROM music.track_stats s
	UNION ALL
	SELECT 'creator_stats', bool_and(s.plays = (SELECT count(*) FROM music.plays p WHERE p.creator_id = s.creator_id)
		AND s.followers = (SELECT count(*) FROM music.follows f WHERE f.creator_id = s.creator_id)
		AND s.likes = (SELECT count(*) FROM music.likes l JOIN music.tracks t ON t.id = l.track_id WHERE t.creator_id = s.creator_id)
		AND s.comments = (SELECT count(*) FROM music.comments c JOIN music.tracks t ON t.id = c.track_id
						  WHERE t.creator_id = s.creator_id AND c.deleted_at IS NULL))
	FROM music.creator_stats s
	UNION ALL
	SELECT 'daily_track_stats', (SELECT sum(likes) FROM music.daily_track_stats) = (SELECT count(*) FROM music.likes)
		AND (SELECT sum(comments) FROM music.daily_track_stats) = (SELECT count(*) FROM music.comments WHERE deleted_at IS NULL)
	UNION ALL
	SELECT 'fan_stats', (SELECT sum(comments) FROM music.fan_stats) = (SELECT count(*) FROM music.comments WHERE deleted_at IS NULL)
		AND (SELECT sum(likes) FROM music.fan_stats) = (SELECT count(*) FROM music.likes)
		AND (SELECT sum(follows) FROM music.fan_stats) = (SELECT count(*) FROM music.follows)
$$;

-- users 1..3 listen; user 4 is creator 1, user 5 creator 2
SELECT music.create_user(h) FROM unnest(ARRAY['ann', 'ben', 'cat', 'maker', 'other']) h;
SELECT music.create_creator(4, 'Maker'), music.create_creator(5, 'Other');
SELECT music.publish_track(1, 'Blue Morning', 200000, 'jazz'), music.publish_track(1, 'Red Evening', 200000, 'jazz'),
       music.publish_track(2, 'Green Noon', 200000, 'pop');
SELECT music.follow(u, 1) FROM generate_series(1, 3) u;
SELECT music.follow(1, 2);
SELECT music.like_track(u, t) FROM generate_series(1, 3) u, generate_series(1, 3) t;
SELECT music.add_comment(1, 1, 'ann on blue') AS c1, music.add_comment(2, 1, 'ben on blue') AS c2;
SELECT music.add_comment(2, 1, 'ben replies', 1) AS c3, music.add_comment(3, 2, 'cat on red') AS c4;
SELECT music.create_playlist(1, 'Ann mix') AS p1, music.create_playlist(2, 'Ben mix') AS p2;
SELECT music.playlist_add(1, t) FROM unnest(ARRAY[1, 2, 3]) t;
SELECT music.playlist_add(2, 1);
SELECT music.start_session(1, 'phone');
SELECT music.record_play(u, t, 60000, '2026-04-03 10:00+00'::timestamptz + (u * 10 + t) * interval '2 minutes',
                         country => 'DE', client_ip => ('198.51.100.' || u)::inet, session_id => CASE WHEN u = 1 THEN 1::bigint END)
FROM generate_series(1, 3) u, generate_series(1, 3) t;
SELECT count(*) AS results FROM music.search('blue', 1);
SELECT music.record_subscription_payment(1, '2026-03-01', 10);
SELECT music.refresh_analytics();
SELECT * FROM pg_temp.recount();

SET ROLE music_app;
-- profile
SELECT music.update_profile(1, '  Ann A.  ', 'fr', 1990);
SELECT handle, display_name FROM music.user_profile(1);
SELECT music.update_profile(1, NULL, NULL, NULL);
SELECT display_name FROM music.user_profile(1);
SELECT pg_temp.fails($$SELECT music.update_profile(1, repeat('x', 101), NULL, NULL)$$);
SELECT pg_temp.fails($$SELECT music.update_profile(1, 'x', 'FRA', NULL)$$);
SELECT pg_temp.fails($$SELECT music.update_profile(1, 'x', NULL, 1800)$$);
SELECT pg_temp.fails($$SELECT music.update_profile(99, 'x', NULL, NULL)$$);
SELECT pg_temp.fails($$SELECT music.update_profile(NULL, 'x', NULL, NULL)$$);

-- track metadata: search finds the new title only; trending follows the genre
SELECT music.update_track(1, 'Blue Dawn', 'Soul', NULL);
SELECT title, genre FROM music.track(1);
SELECT kind, id, title FROM music.search('blue');
SELECT result_kind, id, title FROM music.search_page('morning');
SELECT track_id, track_genre FROM music.trending('week', 'soul');
SELECT pg_temp.fails($$SELECT music.update_track(1, '', NULL, NULL)$$);
SELECT pg_temp.fails($$SELECT music.update_track(1, 'x', NULL, 'not-a-cid')$$);
SELECT pg_temp.fails($$SELECT music.update_track(99, 'x', NULL, NULL)$$);

-- unpublishing: gone from every list, search and new likes (kept in place
-- but unavailable in playlists); counts stay
SELECT music.unpublish_track(2) AS unpublished, music.unpublish_track(2) AS again;
SELECT pg_temp.fails($$SELECT * FROM music.track(2)$$);
SELECT track_id FROM music.creator_tracks(1);
SELECT track_id FROM music.home_feed(1);
SELECT track_id FROM music.user_likes(1);
SELECT position, track_id, available FROM music.playlist_tracks(1);
SELECT tracks FROM music.playlist(1);
SELECT tracks, plays, likes FROM music.creator_page(1);
SELECT count(*) AS found FROM music.search('red evening');
SELECT count(*) AS found FROM music.search_page('red evening');
SELECT track_id FROM music.trending('week');
SELECT rank, track_id FROM music.weekly_chart('2026-04-03');
SELECT pg_temp.fails($$SELECT music.like_track(1, 2)$$);
SELECT pg_temp.fails($$SELECT music.update_track(2, 'x', NULL, NULL)$$);
SELECT pg_temp.fails($$SELECT music.unpublish_track(99)$$);

-- playlists: rename, hide, delete
SELECT music.update_playlist(1, '  Ann''s mix ');
SELECT title, is_public FROM music.playlist(1);
SELECT music.update_playlist(1, is_public => false);
SELECT title, is_public FROM music.playlist(1, 1);
SELECT pg_temp.fails($$SELECT * FROM music.playlist(1, 2)$$);
SELECT music.delete_playlist(2);
SELECT pg_temp.fails($$SELECT * FROM music.playlist(2, 2)$$);
SELECT pg_temp.fails($$SELECT music.delete_playlist(2)$$);
SELECT pg_temp.fails($$SELECT music.update_playlist(1, '')$$);
SELECT pg_temp.fails($$SELECT music.update_playlist(99, 'x')$$);

-- comments: edit and delete one's own; a deleted comment with replies stays
-- as a placeholder, one without replies disappears
SELECT music.edit_comment(1, 1, 'ann on blue, edited');
SELECT comment_id, user_id, handle, body, edited, deleted, replies FROM music.track_comments(1);
SELECT pg_temp.fails($$SELECT music.edit_comment(2, 1, 'not mine')$$);
SELECT pg_temp.fails($$SELECT music.delete_comment(2, 1)$$);
SELECT pg_temp.fails($$SELECT music.edit_comment(1, 1, '')$$);
SELECT pg_temp.fails($$SELECT music.edit_comment(1, 99, 'x')$$);
SELECT music.delete_comment(1, 1) AS deleted, music.delete_comment(1, 1) AS again;
SELECT music.delete_comment(2, 2) AS deleted;
SELECT comment_id, user_id, handle, body, edited, deleted, replies FROM music.track_comments(1);
SELECT comment_id, body FROM music.comment_replies(1);
SELECT pg_temp.fails($$SELECT music.edit_comment(1, 1, 'back')$$);
SELECT comments FROM music.track(1);
RESET ROLE;
SELECT music.refresh_analytics();
SELECT * FROM pg_temp.recount();

-- handles are trimmed; the error says which characters are allowed
SELECT music.create_user('  spaced_out  ');
SELECT handle FROM music.user_profile(6);
DO $$
DECLARE
	detail text;
BEGIN
	PERFORM music.create_user('bad-handle');
EXCEPTION WHEN invalid_parameter_value THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RAISE WARNING '% (%)', SQLERRM, detail;
END
$$;
SELECT pg_temp.fails($$SELECT music.create_user('   ')$$);

-- subscription payments are not the app's
SET ROLE music_app;
SELECT pg_temp.fails($$SELECT music.record_subscription_payment(1, '2026-03-01', 1)$$);
SELECT pg_temp.fails($$SELECT music.erase_user(1)$$);
SELECT pg_temp.fails($$SELECT music.export_user(1)$$);
RESET ROLE;

-- export: everything held about a user
SET ROLE music_admin;
SELECT key, jsonb_typeof(value) AS type,
       CASE WHEN jsonb_typeof(value) = 'array' THEN jsonb_array_length(value) END AS items
FROM jsonb_each(music.export_user(1)) ORDER BY key;
SELECT music.export_user(1) -> 'user' ->> 'handle' AS handle,
       music.export_user(1) -> 'plays' -> 0 ->> 'country' AS first_play_country;

-- erasure of a listener: personal data gone, plays and aggregates kept
SELECT (SELECT plays FROM music.creator_stats WHERE creator_id = 1) AS creator_plays_before;
SELECT music.erase_user(1) AS erased, music.erase_user(1) AS again;
SELECT (SELECT plays FROM music.creator_stats WHERE creator_id = 1) AS creator_plays_after,
       (SELECT count(*) FROM music.plays WHERE user_id = 1) AS anonymous_plays,
       (SELECT count(*) FROM music.plays WHERE user_id = 1 AND (ip_hash IS NOT NULL OR country IS NOT NULL OR session_id IS NOT NULL)) AS identifying_plays,
       (SELECT count(*) FROM music.likes WHERE user_id = 1) AS likes,
       (SELECT count(*) FROM music.follows WHERE user_id = 1) AS follows,
       (SELECT count(*) FROM music.playlists WHERE user_id = 1) AS playlists,
       (SELECT count(*) FROM music.search_history WHERE user_id = 1) AS searches,
       (SELECT count(*) FROM music.comments WHERE user_id = 1 AND body IS NOT NULL) AS comment_texts,
       (SELECT count(*) FROM music.subscription_payments WHERE user_id = 1) AS payments;
SELECT id, handle, display_name, country, birth_year, erased_at IS NOT NULL AS erased FROM music.users WHERE id = 1;
SELECT (SELECT device FROM music.sessions WHERE id = 1) AS device;
SELECT music.refresh_analytics();
SELECT * FROM pg_temp.recount();
SELECT key, CASE WHEN jsonb_typeof(value) = 'array' THEN jsonb_array_length(value) END AS items
FROM jsonb_each(music.export_user(1)) ORDER BY key;
RESET ROLE;
SET ROLE music_app;
SELECT pg_temp.fails($$SELECT * FROM music.user_profile(1)$$);
SELECT pg_temp.fails($$SELECT music.like_track(1, 1)$$);
SELECT followers FROM music.creator_page(1);
RESET ROLE;

-- erasure of a creator: tracks unpublished, the creator profile kept
SET ROLE music_admin;
SELECT music.erase_user(5);
SELECT id, name FROM music.creators WHERE id = 2;
SELECT track_id, published FROM music.track_catalog ORDER BY track_id;
SELECT pg_temp.fails($$SELECT music.erase_user(99)$$);
SELECT pg_temp.fails($$SELECT music.erase_user(NULL)$$);
SELECT pg_temp.fails($$SELECT music.export_user(0)$$);
RESET ROLE;
SELECT music.refresh_analytics();
SELECT * FROM pg_temp.recount();
