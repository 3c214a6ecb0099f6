-- fold_counters(), after analytics_events (071_analytics.sql), which it
-- appends to.  CREATE OR REPLACE: the upgrade from 0.1 runs this file too
-- (sql/upgrade/0.1--0.2/61_fold_counters.sql), over 0.1's version.

-- Moves every visible delta into the totals, and the play events that
-- single-play rows carry into analytics_events; returns how many delta rows
-- it folded.  Concurrent folds are safe: a delta row is deleted, and so
-- counted, by exactly one of them.
CREATE OR REPLACE FUNCTION fold_counters() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $fold$
	WITH moved AS (
		DELETE FROM counter_deltas RETURNING *
	), events AS (
		INSERT INTO analytics_events (kind, user_id, track_id, creator_id, at, delta, counted, country)
		SELECT 'play', user_id, track_id, creator_id, at, plays, counted_plays > 0, country
		FROM moved WHERE user_id IS NOT NULL
	), by_track AS (
		INSERT INTO track_counters AS c (track_id, plays, counted_plays, likes, comments)
		SELECT track_id, sum(plays), sum(counted_plays), sum(likes), sum(comments)
		FROM moved WHERE track_id IS NOT NULL GROUP BY track_id
		ON CONFLICT (track_id) DO UPDATE SET
			plays = c.plays + excluded.plays,
			counted_plays = c.counted_plays + excluded.counted_plays,
			likes = c.likes + excluded.likes,
			comments = c.comments + excluded.comments
	), by_creator AS (
		INSERT INTO creator_counters AS c (creator_id, plays, counted_plays, followers, likes, comments)
		SELECT creator_id, sum(plays), sum(counted_plays), sum(followers), sum(likes), sum(comments)
		FROM moved GROUP BY creator_id
		ON CONFLICT (creator_id) DO UPDATE SET
			plays = c.plays + excluded.plays,
			counted_plays = c.counted_plays + excluded.counted_plays,
			followers = c.followers + excluded.followers,
			likes = c.likes + excluded.likes,
			comments = c.comments + excluded.comments
	)
	SELECT count(*) FROM moved;
$fold$;
