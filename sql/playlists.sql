-- Ordered playlists: add, remove and move keep positions 1..n.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql

SELECT music.create_user('curator'), music.create_user('maker');
SELECT music.create_creator(2, 'Maker');
SELECT music.publish_track(1, 'Track ' || i, 180000) FROM generate_series(1, 5) i;

SELECT music.create_playlist(1, '  Road trip  ') AS playlist,
       music.create_playlist(1, 'Secret', false) AS private_playlist;
SELECT id, user_id, title, is_public FROM music.playlists ORDER BY id;

CREATE FUNCTION pg_temp.show(p bigint) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(position || ':' || track_id, ' ' ORDER BY position), '(empty)')
	FROM music.playlist_tracks WHERE playlist_id = p
$$;

SELECT music.playlist_add(1, 1), music.playlist_add(1, 2), music.playlist_add(1, 3);
SELECT pg_temp.show(1) AS appended;
SELECT music.playlist_add(1, 4, 1);
SELECT pg_temp.show(1) AS inserted_first;
SELECT music.playlist_add(1, 5, 3);
SELECT pg_temp.show(1) AS inserted_middle;
SELECT music.playlist_add(1, 1, 6);
SELECT pg_temp.show(1) AS inserted_at_end_duplicate_allowed;
SELECT music.playlist_move(1, 1, 6);
SELECT pg_temp.show(1) AS moved_first_to_last;
SELECT music.playlist_move(1, 5, 2);
SELECT pg_temp.show(1) AS moved_up;
SELECT music.playlist_move(1, 3, 3);
SELECT pg_temp.show(1) AS moved_nowhere;
SELECT music.playlist_remove(1, 1);
SELECT pg_temp.show(1) AS removed_first;
SELECT music.playlist_remove(1, 5);
SELECT pg_temp.show(1) AS removed_last;

SELECT pg_temp.fails($$SELECT music.playlist_add(1, 1, 0)$$);
SELECT pg_temp.fails($$SELECT music.playlist_add(1, 1, 6)$$);
SELECT pg_temp.fails($$SELECT music.playlist_add(1, 99)$$);
SELECT pg_temp.fails($$SELECT music.playlist_add(99, 1)$$);
SELECT pg_temp.fails($$SELECT music.playlist_remove(1, 5)$$);
SELECT pg_temp.fails($$SELECT music.playlist_remove(1, NULL)$$);
SELECT pg_temp.fails($$SELECT music.playlist_remove(2, 1)$$);
SELECT pg_temp.fails($$SELECT music.playlist_move(1, 0, 1)$$);
SELECT pg_temp.fails($$SELECT music.playlist_move(1, 1, 5)$$);
SELECT pg_temp.fails($$SELECT music.playlist_move(99, 1, 2)$$);
SELECT pg_temp.fails($$SELECT music.create_playlist(1, '')$$);
SELECT pg_temp.fails($$SELECT music.create_playlist(1, 'x', NULL)$$);
SELECT pg_temp.fails($$SELECT music.create_playlist(99, 'x')$$);
SELECT pg_temp.show(1) AS unchanged_after_errors;
SELECT count(*) AS playlists FROM music.playlists;
