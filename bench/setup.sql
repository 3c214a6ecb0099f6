-- Benchmark fixtures: 100,000 users, 1,000 creators, 10,000 tracks (track t
-- belongs to creator (t - 1) % 1000 + 1), and the two baselines of the
-- ingest comparison in schema bench.
SET client_min_messages = warning;
INSERT INTO music.users (handle) SELECT 'user' || i FROM generate_series(1, 100000) i;
INSERT INTO music.creators (user_id, name) SELECT i, 'creator ' || i FROM generate_series(1, 1000) i;
INSERT INTO music.tracks (creator_id, title, duration_ms, genre)
SELECT (g - 1) % 1000 + 1, 'track ' || g, 180000, (ARRAY['pop', 'rock', 'hiphop', 'jazz', 'electronic'])[g % 5 + 1]
FROM generate_series(1, 10000) g ORDER BY g;

DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- (a) the plain single-row INSERT: a plays table with a primary key and one
-- secondary index
CREATE TABLE bench.plain_plays (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL,
	track_id bigint NOT NULL,
	creator_id bigint NOT NULL,
	played_at timestamptz NOT NULL,
	ms_played int NOT NULL,
	counted boolean NOT NULL
);
CREATE INDEX ON bench.plain_plays (user_id, played_at);

-- (b) the naive design: the same insert plus one UPDATE per counter row
CREATE TABLE bench.naive_plays (LIKE bench.plain_plays INCLUDING ALL);
CREATE TABLE bench.naive_track_counts (track_id bigint PRIMARY KEY, plays bigint NOT NULL DEFAULT 0);
CREATE TABLE bench.naive_creator_counts (creator_id bigint PRIMARY KEY, plays bigint NOT NULL DEFAULT 0);
INSERT INTO bench.naive_track_counts (track_id) SELECT generate_series(1, 10000);
INSERT INTO bench.naive_creator_counts (creator_id) SELECT generate_series(1, 1000);

CREATE FUNCTION bench.naive_play(p_user bigint, p_track bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO bench.naive_plays (user_id, track_id, creator_id, played_at, ms_played, counted)
	VALUES (p_user, p_track, (p_track - 1) % 1000 + 1, now(), 60000, true);
	UPDATE bench.naive_track_counts SET plays = plays + 1 WHERE track_id = p_track;
	UPDATE bench.naive_creator_counts SET plays = plays + 1 WHERE creator_id = (p_track - 1) % 1000 + 1;
END
$$;

-- A plain COPY target with exactly music.plays' shape and indexes, but no
-- triggers: the baseline of the batch ingest.
CREATE TABLE bench.copy_plays (LIKE music.plays INCLUDING ALL);

-- Median server-side time of a query, in milliseconds, over n runs.
CREATE FUNCTION bench.median_ms(query text, n int) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	times float8[] := '{}';
BEGIN
	FOR i IN 1 .. n LOOP
		t0 := clock_timestamp();
		EXECUTE query;
		times := times || extract(epoch FROM clock_timestamp() - t0) * 1000;
	END LOOP;
	RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(times) x)::numeric(10, 3);
END
$$;

-- One day of history: n plays dated day_back days ago, tracks skewed like
-- Zipf(1.2) (inverse-CDF approximation), all counted.
CREATE FUNCTION bench.load_day(day_back int, n int) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO music.plays (user_id, track_id, creator_id, played_at, ms_played, counted)
	SELECT u, t, (t - 1) % 1000 + 1, ts, 60000, true
	FROM (SELECT 1 + floor(random() * 100000)::bigint AS u,
				 CASE WHEN z <= 10000 THEN z ELSE 1 + floor(random() * 10000)::bigint END AS t,
				 date_trunc('day', now()) - day_back * interval '1 day' + random() * interval '1 day' AS ts
		  FROM (SELECT floor(least(power(random(), -5), 1e9))::bigint AS z FROM generate_series(1, n)) g) p
	WHERE ts < now();
$$;

-- n plays recorded now through record_play, by random users, tracks skewed
-- like the history (and like the ingest runs' Zipf(1.2)).
CREATE FUNCTION bench.new_plays(n int) RETURNS bigint
LANGUAGE sql AS $$
	SELECT count(*) FROM (
		SELECT music.record_play(1 + floor(random() * 100000)::bigint,
								 CASE WHEN z <= 10000 THEN z ELSE 1 + floor(random() * 10000)::bigint END,
								 60000)
		FROM (SELECT floor(least(power(random(), -5), 1e9))::bigint AS z FROM generate_series(1, n)) g) p
$$;

-- n plays to import: a user's plays at least five minutes apart, so that
-- most of them count and the batch path does its full work.
CREATE TABLE bench.import (seq bigint PRIMARY KEY, user_id bigint, track_id bigint, ms_played int, played_at timestamptz);
CREATE FUNCTION bench.stage_import(n int) RETURNS void
LANGUAGE sql AS $$
	TRUNCATE bench.import;
	INSERT INTO bench.import
	SELECT g, 1 + g % 100000, CASE WHEN z <= 10000 THEN z ELSE 1 + floor(random() * 10000)::bigint END,
		   60000, now() - interval '60 days' + (g / 100000) * interval '5 minutes' + (g % 100000) * interval '1 millisecond'
	FROM (SELECT g, floor(least(power(random(), -5), 1e9))::bigint AS z FROM generate_series(1, n) g) s;
$$;

-- The staged plays through music.record_plays, chunk plays per call and
-- per transaction.
CREATE PROCEDURE bench.batch_import(chunk int)
LANGUAGE plpgsql AS $$
DECLARE
	first bigint := 1;
	last bigint := (SELECT max(seq) FROM bench.import);
BEGIN
	WHILE first <= last LOOP
		PERFORM music.record_plays(array_agg(user_id ORDER BY seq), array_agg(track_id ORDER BY seq),
								   array_agg(ms_played ORDER BY seq), array_agg(played_at ORDER BY seq))
		FROM bench.import WHERE seq >= first AND seq < first + chunk;
		COMMIT;
		first := first + chunk;
	END LOOP;
END
$$;

-- The app's read screens: user 2 follows creators 1..200 and has a playlist
-- of 500 tracks; track 1 has 5,000 comments (every tenth a reply).  The
-- read timings (`app reads` in docs/benchmarks.md) page through these.
CREATE FUNCTION bench.read_fixtures() RETURNS void
LANGUAGE sql AS $$
	INSERT INTO music.follows (user_id, creator_id) SELECT 2, c FROM generate_series(1, 200) c;
	INSERT INTO music.playlists (user_id, title) VALUES (2, 'five hundred');
	INSERT INTO music.playlist_tracks (playlist_id, position, track_id)
	SELECT (SELECT max(id) FROM music.playlists), g, 1 + (g * 7919) % 10000 FROM generate_series(1, 500) g;
	INSERT INTO music.comments (user_id, track_id, body)
	SELECT 1 + g % 100000, 1, 'comment ' || g FROM generate_series(1, 4500) g;
	INSERT INTO music.comments (user_id, track_id, body, parent_id)
	SELECT 1 + g % 100000, 1, 'reply ' || g, g FROM generate_series(1, 500) g;
$$;
