-- Likes, follows and comments.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql

SELECT music.create_user('fan_one'), music.create_user('fan_two'), music.create_user('maker');
SELECT music.create_creator(3, 'Maker');
SELECT music.publish_track(1, 'Tune', 200000);

-- likes: true only when the state changes; repeating is harmless
SELECT music.like_track(1, 1) AS liked, music.like_track(1, 1) AS liked_again;
SELECT music.like_track(2, 1) AS second_fan;
SELECT music.unlike_track(1, 1) AS unliked, music.unlike_track(1, 1) AS unliked_again;
SELECT likes FROM music.track_stats WHERE track_id = 1;
SELECT pg_temp.fails($$SELECT music.like_track(9, 1)$$);
SELECT pg_temp.fails($$SELECT music.like_track(1, 9)$$);
SELECT pg_temp.fails($$SELECT music.unlike_track(1, NULL)$$);
SELECT pg_temp.fails($$SELECT music.like_track(-1, 1)$$);

-- follows: the same, and a creator cannot follow themself
SELECT music.follow(1, 1) AS followed, music.follow(1, 1) AS followed_again;
SELECT music.follow(2, 1) AS second_fan;
SELECT music.unfollow(2, 1) AS unfollowed, music.unfollow(2, 1) AS unfollowed_again;
SELECT followers, likes FROM music.creator_stats WHERE creator_id = 1;
SELECT pg_temp.fails($$SELECT music.follow(3, 1)$$);
SELECT pg_temp.fails($$SELECT music.follow(1, 9)$$);
SELECT pg_temp.fails($$SELECT music.follow(9, 1)$$);
SELECT pg_temp.fails($$SELECT music.unfollow(NULL, 1)$$);
SELECT count(*) AS follows FROM music.follows;

-- comments: trimmed bodies, replies on the same track, positions within the track
SELECT music.add_comment(1, 1, '  Love the intro!  ') AS top;
SELECT music.add_comment(2, 1, 'Same here', 1) AS reply;
SELECT music.add_comment(2, 1, 'That drop', NULL, 200000) AS at_the_end;
SELECT id, user_id, track_id, parent_id, body, at_ms FROM music.comments ORDER BY id;
SELECT comments FROM music.track_stats WHERE track_id = 1;
SELECT music.publish_track(1, 'Other', 100000);
SELECT pg_temp.fails($$SELECT music.add_comment(1, 2, 'wrong thread', 1)$$);
SELECT pg_temp.fails($$SELECT music.add_comment(1, 1, 'no parent', 99)$$);
SELECT pg_temp.fails($$SELECT music.add_comment(1, 1, '   ')$$);
SELECT pg_temp.fails($$SELECT music.add_comment(1, 1, NULL)$$);
SELECT pg_temp.fails($$SELECT music.add_comment(1, 1, repeat('é', 2001))$$);
SELECT music.add_comment(1, 1, repeat('é', 2000)) AS at_limit \gset
SELECT length(body) AS exactly_the_limit FROM music.comments WHERE id = :at_limit;
SELECT pg_temp.fails($$SELECT music.add_comment(1, 1, 'late', NULL, 200001)$$);
SELECT pg_temp.fails($$SELECT music.add_comment(1, 1, 'early', NULL, -1)$$);
SELECT pg_temp.fails($$SELECT music.add_comment(1, 9, 'ghost track')$$);
SELECT pg_temp.fails($$SELECT music.add_comment(9, 1, 'ghost user')$$);
SELECT count(*) AS comments FROM music.comments;
