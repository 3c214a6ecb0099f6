-- Search: tracks, creators and public playlists, typo tolerant, with history.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql

SELECT music.create_user('searcher'), music.create_user('band'), music.create_user('other');
SELECT music.create_creator(2, 'Nirvana Tribute'), music.create_creator(3, 'Bohemian Collective');
SELECT music.publish_track(1, 'Smells Like Teen Spirit', 301000),
       music.publish_track(1, 'Come As You Are', 219000),
       music.publish_track(2, 'Bohemian Rhapsody', 354000),
       music.publish_track(2, 'Rhapsody in Blue', 900000);
SELECT music.create_playlist(1, 'Grunge Essentials'), music.create_playlist(1, 'Secret Grunge', false);

SELECT kind, id, title, score > 0.5 AS strong FROM music.search('teen spirit');
SELECT kind, id, title FROM music.search('nirvna');                     -- typo
SELECT kind, id, title FROM music.search('bohemain rapsody');           -- two typos
SELECT kind, id, title FROM music.search('rhapsody');                   -- every title with the word
SELECT kind, id, title FROM music.search('grunge');                     -- private playlists stay hidden
SELECT kind, id, title FROM music.search('zzzz qqqq');                  -- nothing
SELECT count(*) AS capped FROM music.search('rhapsody', NULL, 1);

-- history is kept only when a user is named
SELECT count(*) FROM music.search('come as you are', 1);
SELECT user_id, query, results FROM music.search_history ORDER BY id;

SELECT pg_temp.fails($$SELECT * FROM music.search('')$$);
SELECT pg_temp.fails($$SELECT * FROM music.search(NULL)$$);
SELECT pg_temp.fails($$SELECT * FROM music.search(repeat('q', 201))$$);
SELECT pg_temp.fails($$SELECT * FROM music.search('x', 99)$$);
SELECT pg_temp.fails($$SELECT * FROM music.search('x', NULL, 0)$$);
SELECT pg_temp.fails($$SELECT * FROM music.search('x', NULL, 101)$$);
SELECT pg_temp.fails($$SELECT * FROM music.search('x', NULL, NULL)$$);
SELECT count(*) AS history_rows FROM music.search_history;
