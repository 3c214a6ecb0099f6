-- Users, creators and tracks: happy paths and every bad input.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql

-- create_user
SELECT music.create_user('alice') AS alice,
       music.create_user('Bob_1990', 'Bob', 'de', 1990) AS bob;
SELECT id, handle, display_name, country, birth_year FROM music.users ORDER BY id;

SELECT pg_temp.fails($$SELECT music.create_user('ALICE')$$);          -- taken, any case
SELECT pg_temp.fails($$SELECT music.create_user(NULL)$$);
SELECT pg_temp.fails($$SELECT music.create_user('ab')$$);             -- too short
SELECT pg_temp.fails($$SELECT music.create_user(repeat('a', 31))$$);  -- too long
SELECT pg_temp.fails($$SELECT music.create_user('bad handle')$$);
SELECT pg_temp.fails($$SELECT music.create_user('émile')$$);
SELECT pg_temp.fails($$SELECT music.create_user('carol', '   ')$$);
SELECT pg_temp.fails($$SELECT music.create_user('carol', repeat('x', 101))$$);
SELECT pg_temp.fails($$SELECT music.create_user('carol', 'Carol', 'DEU')$$);
SELECT pg_temp.fails($$SELECT music.create_user('carol', 'Carol', 'd1')$$);
-- the upper bound is the platform clock's year (2026 in the tests)
SELECT pg_temp.fails($$SELECT music.create_user('carol', 'Carol', 'FR', 1899)$$);
SELECT pg_temp.fails($$SELECT music.create_user('carol', 'Carol', 'FR', 2027)$$);
SELECT count(*) AS users_after_errors FROM music.users;

-- create_creator
SELECT music.create_creator(2, '  Bob & the Band  ') AS creator;
SELECT id, user_id, name, verified FROM music.creators;
SELECT pg_temp.fails($$SELECT music.create_creator(2, 'Again')$$);
SELECT pg_temp.fails($$SELECT music.create_creator(99, 'Nobody')$$);
SELECT pg_temp.fails($$SELECT music.create_creator(0, 'Zero')$$);
SELECT pg_temp.fails($$SELECT music.create_creator(NULL, 'Null')$$);
SELECT pg_temp.fails($$SELECT music.create_creator(1, '')$$);
SELECT pg_temp.fails($$SELECT music.create_creator(1, repeat('n', 101))$$);
SELECT count(*) AS creators_after_errors FROM music.creators;

-- publish_track
SELECT music.publish_track(1, 'First Song', 180000, 'Indie Rock',
       'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
       'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG') AS track;
SELECT id, creator_id, title, duration_ms, genre, audio_cid IS NOT NULL AS has_audio FROM music.tracks;
SELECT pg_temp.fails($$SELECT music.publish_track(7, 'Ghost', 180000)$$);
SELECT pg_temp.fails($$SELECT music.publish_track(1, ' ', 180000)$$);
SELECT pg_temp.fails($$SELECT music.publish_track(1, repeat('t', 201), 180000)$$);
SELECT pg_temp.fails($$SELECT music.publish_track(1, 'Song', NULL)$$);
SELECT pg_temp.fails($$SELECT music.publish_track(1, 'Song', 999)$$);
SELECT pg_temp.fails($$SELECT music.publish_track(1, 'Song', -5)$$);
SELECT pg_temp.fails($$SELECT music.publish_track(1, 'Song', 86400001)$$);
SELECT pg_temp.fails($$SELECT music.publish_track(1, 'Song', 180000, repeat('g', 51))$$);
-- malformed CIDs: wrong base, bad alphabet, truncated multihash, bad CIDv0
SELECT pg_temp.fails($$SELECT music.publish_track(1, 'Song', 180000, NULL, 'zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA')$$);
SELECT pg_temp.fails($$SELECT music.publish_track(1, 'Song', 180000, NULL, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquv1ku')$$);
SELECT pg_temp.fails($$SELECT music.publish_track(1, 'Song', 180000, NULL, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxq')$$);
SELECT pg_temp.fails($$SELECT music.publish_track(1, 'Song', 180000, NULL, NULL, 'QmNotAValidCid')$$);
SELECT count(*) AS tracks_after_errors FROM music.tracks;

-- one statement: a user, their creator profile and a first track, each
-- function seeing what the one in its argument made
SELECT music.publish_track(music.create_creator(music.create_user('nested_user'), 'Nested'), 'First', 180000) AS nested \gset
SELECT t.title, c.name, u.handle
FROM music.tracks t JOIN music.creators c ON c.id = t.creator_id JOIN music.users u ON u.id = c.user_id
WHERE t.id = :nested;
