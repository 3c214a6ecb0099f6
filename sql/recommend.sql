SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

-- setup: listeners 1..6, a creator (user 7) with tracks a, b, c, d, e
-- (ids 1..5)
SELECT count(music.create_user('user' || i)) FROM generate_series(1, 7) i;
SELECT music.create_creator(7, 'Band');
SELECT music.publish_track(1, t, 180000) FROM unnest(ARRAY['a', 'b', 'c', 'd', 'e']) t;
CREATE FUNCTION pg_temp.day(n int) RETURNS timestamptz
LANGUAGE sql AS $$ SELECT date_trunc('day', music.as_of() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - n * interval '1 day' $$;

-- sessions (a user's day): user 1 plays a, b; user 2 a, b, c; user 3 a, d;
-- user 4, a heavy listener, plays a and c on ten days; user 6 plays e
-- today, which makes e trend
SELECT count(*) FILTER (WHERE music.record_play(u, t, 60000, pg_temp.day(d) + m * interval '1 minute'))
FROM (VALUES (1, 1, 20, 0), (1, 2, 20, 5), (2, 1, 19, 0), (2, 2, 19, 5), (2, 3, 19, 10),
			 (3, 1, 18, 0), (3, 4, 18, 5), (6, 5, 0, 1)) AS p(u, t, d, m);
SELECT count(*) FILTER (WHERE music.record_play(4, t, 60000, pg_temp.day(d) + t * interval '1 minute'))
FROM generate_series(1, 10) d, (VALUES (1), (3)) AS x(t);
SELECT music.refresh_analytics();

-- fans of a also played: b and c by two of its four listeners each, d by
-- one; the heavy listener counts once, not ten times
SELECT * FROM music.similar_tracks(1);
SELECT * FROM music.similar_tracks(1, 1);

-- user 1 played a and b: c is similar to both (0.5 + 0.5), d to a; e fills
-- in from trending; tracks user 1 played are never recommended
SELECT * FROM music.recommend_tracks(1);
-- a user with no plays gets what is trending
SELECT * FROM music.recommend_tracks(5);
-- a track nobody played with others
SELECT count(*) FROM music.similar_tracks(5);

-- errors
SELECT * FROM music.similar_tracks(99);
SELECT * FROM music.similar_tracks(NULL);
SELECT * FROM music.similar_tracks(1, 0);
SELECT * FROM music.recommend_tracks(99);
SELECT * FROM music.recommend_tracks(1, 5000);
