-- hybridmusic 0.1: generated from sql/schema/*.sql by make; edit those files.
\echo Use "CREATE EXTENSION hybridmusic" to load this file. \quit

-- sql/schema/000_roles.sql
-- Roles: apps, BI readers and operators.  Roles are cluster-wide, so they
-- are created only when missing and outlive DROP EXTENSION.
DO $roles$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'music_app') THEN
		CREATE ROLE music_app NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'music_reader') THEN
		CREATE ROLE music_reader NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'music_admin') THEN
		CREATE ROLE music_admin NOLOGIN;
	END IF;
END
$roles$;

GRANT music_app, music_reader TO music_admin;

-- sql/schema/010_catalog.sql
-- Users, creators and tracks: the platform's catalog.

CREATE TABLE users (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	handle text NOT NULL CHECK (handle ~ '^[A-Za-z0-9_]{3,30}$'),
	display_name text CHECK (char_length(display_name) BETWEEN 1 AND 100),
	country text CHECK (country ~ '^[A-Z]{2}$'),
	birth_year int CHECK (birth_year BETWEEN 1900 AND 2100),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_handle_key ON users (lower(handle));
COMMENT ON TABLE users IS 'Listeners and creators alike; handle is unique regardless of case.';

CREATE TABLE creators (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL UNIQUE REFERENCES users,
	name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
	verified boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX creators_name_trgm ON creators USING gin (name gin_trgm_ops);
COMMENT ON TABLE creators IS 'Creator profiles, at most one per user.';

CREATE TABLE tracks (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	creator_id bigint NOT NULL REFERENCES creators,
	title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
	duration_ms int NOT NULL CHECK (duration_ms BETWEEN 1000 AND 86400000),
	genre text CHECK (char_length(genre) BETWEEN 1 AND 50),
	audio_cid text,
	artwork_cid text,
	released_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tracks_creator_id ON tracks (creator_id);
CREATE INDEX tracks_title_trgm ON tracks USING gin (title gin_trgm_ops);
COMMENT ON TABLE tracks IS 'Published tracks; audio and artwork stay in Synapse storage, referenced by piece CID.';

CREATE FUNCTION create_user(handle text, display_name text DEFAULT NULL,
							country text DEFAULT NULL, birth_year int DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_create_user' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION create_creator(user_id bigint, name text)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_create_creator' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION publish_track(creator_id bigint, title text, duration_ms int,
							  genre text DEFAULT NULL, audio_cid text DEFAULT NULL,
							  artwork_cid text DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_publish_track' LANGUAGE C VOLATILE SECURITY DEFINER;

-- sql/schema/020_plays.sql
-- Listening: streaming sessions and the append-only play log.

CREATE TABLE sessions (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users,
	device text CHECK (char_length(device) BETWEEN 1 AND 100),
	started_at timestamptz NOT NULL DEFAULT now(),
	ended_at timestamptz CHECK (ended_at >= started_at)
);
CREATE INDEX sessions_user_id ON sessions (user_id, started_at);
COMMENT ON TABLE sessions IS 'Streaming sessions; a play may name the session it belongs to.';

-- Salt for the per-IP play limit: plays keep a salted hash, never the address.
CREATE TABLE ip_salt (
	salt bytea NOT NULL DEFAULT decode(md5(gen_random_uuid()::text || clock_timestamp()::text), 'hex')
);
INSERT INTO ip_salt DEFAULT VALUES;
COMMENT ON TABLE ip_salt IS 'Secret salt, made at install, for the IP hashes stored in plays.';

-- No foreign keys on purpose: record_play checks user and track itself, and a
-- foreign key would take a KEY SHARE lock on the track row for every play,
-- making a viral track's row the hot spot this table exists to avoid.
CREATE TABLE plays (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL,
	track_id bigint NOT NULL,
	creator_id bigint NOT NULL,
	played_at timestamptz NOT NULL,
	ms_played int NOT NULL CHECK (ms_played >= 0),
	source text,
	country text,
	session_id bigint,
	ip_hash bytea,
	counted boolean NOT NULL,
	not_counted_reason text,
	CHECK (counted = (not_counted_reason IS NULL)),
	CHECK (not_counted_reason IN ('too_short', 'overlap', 'ip_limit'))
);
CREATE INDEX plays_user_counted ON plays (user_id, played_at) WHERE counted;
CREATE INDEX plays_ip_counted ON plays (ip_hash, played_at) WHERE counted AND ip_hash IS NOT NULL;
COMMENT ON TABLE plays IS 'Every play ever reported, counted or not (with the reason); append-only.';
COMMENT ON COLUMN plays.counted IS 'Whether the play counts for charts, milestones and earnings.';
COMMENT ON COLUMN plays.not_counted_reason IS 'too_short, overlap (the user already had a counted play within the minimum play length) or ip_limit.';

CREATE FUNCTION record_play(user_id bigint, track_id bigint, ms_played int,
							played_at timestamptz DEFAULT now(), source text DEFAULT NULL,
							country text DEFAULT NULL, client_ip inet DEFAULT NULL,
							session_id bigint DEFAULT NULL)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_record_play' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION start_session(user_id bigint, device text DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_start_session' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION end_session(session_id bigint)
RETURNS void AS 'MODULE_PATHNAME', 'music_end_session' LANGUAGE C VOLATILE SECURITY DEFINER;

-- sql/schema/030_social.sql
-- The social graph: likes, follows and comments.

CREATE TABLE likes (
	user_id bigint NOT NULL REFERENCES users,
	track_id bigint NOT NULL REFERENCES tracks,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, track_id)
);
CREATE INDEX likes_track_id ON likes (track_id);
COMMENT ON TABLE likes IS 'Current likes; unliking deletes the row.';

CREATE TABLE follows (
	user_id bigint NOT NULL REFERENCES users,
	creator_id bigint NOT NULL REFERENCES creators,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, creator_id)
);
CREATE INDEX follows_creator_id ON follows (creator_id);
COMMENT ON TABLE follows IS 'Current follows; unfollowing deletes the row.';

CREATE TABLE comments (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users,
	track_id bigint NOT NULL REFERENCES tracks,
	parent_id bigint REFERENCES comments,
	body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
	at_ms int CHECK (at_ms >= 0),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_track_id ON comments (track_id, created_at);
CREATE INDEX comments_parent_id ON comments (parent_id) WHERE parent_id IS NOT NULL;
COMMENT ON TABLE comments IS 'Comments on tracks, threaded by parent_id, optionally at a position in the track.';

CREATE FUNCTION like_track(user_id bigint, track_id bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_like_track' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION unlike_track(user_id bigint, track_id bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_unlike_track' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION follow(user_id bigint, creator_id bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_follow' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION unfollow(user_id bigint, creator_id bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_unfollow' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION add_comment(user_id bigint, track_id bigint, body text,
							parent_id bigint DEFAULT NULL, at_ms int DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_add_comment' LANGUAGE C VOLATILE SECURITY DEFINER;

-- sql/schema/040_playlists.sql
-- Playlists: ordered lists of tracks, positions 1..n with no gaps.

CREATE TABLE playlists (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users,
	title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
	is_public boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX playlists_user_id ON playlists (user_id);
CREATE INDEX playlists_title_trgm ON playlists USING gin (title gin_trgm_ops) WHERE is_public;
COMMENT ON TABLE playlists IS 'User playlists; only public ones appear in search.';

-- Deferrable so that shifting positions is checked per statement, not per row.
CREATE TABLE playlist_tracks (
	playlist_id bigint NOT NULL REFERENCES playlists,
	position int NOT NULL CHECK (position >= 1),
	track_id bigint NOT NULL REFERENCES tracks,
	added_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (playlist_id, position) DEFERRABLE INITIALLY IMMEDIATE
);
COMMENT ON TABLE playlist_tracks IS 'Playlist entries in order; a track may appear more than once.';

CREATE FUNCTION create_playlist(user_id bigint, title text, is_public boolean DEFAULT true)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_create_playlist' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION playlist_add(playlist_id bigint, track_id bigint, "position" int DEFAULT NULL)
RETURNS void AS 'MODULE_PATHNAME', 'music_playlist_add' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION playlist_remove(playlist_id bigint, "position" int)
RETURNS void AS 'MODULE_PATHNAME', 'music_playlist_remove' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION playlist_move(playlist_id bigint, from_position int, to_position int)
RETURNS void AS 'MODULE_PATHNAME', 'music_playlist_move' LANGUAGE C VOLATILE SECURITY DEFINER;

-- sql/schema/050_search.sql
-- Search over track titles, creator names and public playlist titles.

CREATE TABLE search_history (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users,
	query text NOT NULL,
	results int NOT NULL,
	searched_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_history_user_id ON search_history (user_id, searched_at);
COMMENT ON TABLE search_history IS 'Queries users ran, with how many results they got.';

CREATE FUNCTION search(query text, user_id bigint DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (kind text, id bigint, title text, score real)
AS 'MODULE_PATHNAME', 'music_search' LANGUAGE C VOLATILE SECURITY DEFINER ROWS 20;

-- pg_trgm lives wherever the DBA installed it; pin that schema, found now.
DO $pin$
BEGIN
	EXECUTE format('ALTER FUNCTION search(text, bigint, int) SET search_path = music, %I, pg_catalog, pg_temp',
				   (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
					WHERE e.extname = 'pg_trgm'));
END
$pin$;
ALTER FUNCTION search(text, bigint, int) SET pg_trgm.word_similarity_threshold = 0.4;

-- sql/schema/060_counters.sql
-- Exact counters without hot rows.  Statement-level triggers append one delta
-- row per track/creator touched by a statement (an insert, never an update,
-- so concurrent writers never queue on a shared row); fold_counters() moves
-- deltas into the per-track and per-creator totals in one atomic statement.
-- The stats views add the two, so every reader sees exact figures for its
-- snapshot whether or not a fold has run.

CREATE TABLE counter_deltas (
	track_id bigint,
	creator_id bigint NOT NULL,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0,
	followers bigint NOT NULL DEFAULT 0
);
CREATE INDEX counter_deltas_track_id ON counter_deltas (track_id) WHERE track_id IS NOT NULL;
CREATE INDEX counter_deltas_creator_id ON counter_deltas (creator_id);
COMMENT ON TABLE counter_deltas IS 'Counter changes not yet folded into track_counters and creator_counters.';
-- Folds delete every row they take: vacuum after a fixed number of dead rows,
-- not a fraction of a table that is always small when live.
ALTER TABLE counter_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);

-- Folds update these rows in place; free room on each page lets those
-- updates stay on the page (HOT), since no updated column is indexed.
CREATE TABLE track_counters (
	track_id bigint PRIMARY KEY,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 70);
COMMENT ON TABLE track_counters IS 'Folded per-track totals; read them through track_stats.';

CREATE TABLE creator_counters (
	creator_id bigint PRIMARY KEY,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	followers bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 70);
COMMENT ON TABLE creator_counters IS 'Folded per-creator totals; read them through creator_stats.';

CREATE FUNCTION count_events() RETURNS trigger
AS 'MODULE_PATHNAME', 'music_count_events' LANGUAGE C;

CREATE TRIGGER plays_count AFTER INSERT ON plays
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('plays');
CREATE TRIGGER likes_count_insert AFTER INSERT ON likes
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('likes');
CREATE TRIGGER likes_count_delete AFTER DELETE ON likes
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('likes');
CREATE TRIGGER comments_count_insert AFTER INSERT ON comments
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('comments');
CREATE TRIGGER comments_count_delete AFTER DELETE ON comments
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('comments');
CREATE TRIGGER follows_count_insert AFTER INSERT ON follows
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('follows');
CREATE TRIGGER follows_count_delete AFTER DELETE ON follows
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_events('follows');

-- Moves every visible delta into the totals; returns how many delta rows it
-- folded.  Concurrent folds are safe: a delta row is deleted, and so
-- counted, by exactly one of them.
CREATE FUNCTION fold_counters() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = music, pg_catalog, pg_temp AS $fold$
	WITH moved AS (
		DELETE FROM counter_deltas RETURNING *
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

CREATE VIEW track_stats AS
SELECT t.id AS track_id,
	   coalesce(c.plays, 0) + d.plays AS plays,
	   coalesce(c.counted_plays, 0) + d.counted_plays AS counted_plays,
	   coalesce(c.likes, 0) + d.likes AS likes,
	   coalesce(c.comments, 0) + d.comments AS comments
FROM tracks t
LEFT JOIN track_counters c ON c.track_id = t.id
CROSS JOIN LATERAL (
	SELECT coalesce(sum(x.plays), 0)::bigint AS plays,
		   coalesce(sum(x.counted_plays), 0)::bigint AS counted_plays,
		   coalesce(sum(x.likes), 0)::bigint AS likes,
		   coalesce(sum(x.comments), 0)::bigint AS comments
	FROM counter_deltas x WHERE x.track_id = t.id
) d;
COMMENT ON VIEW track_stats IS 'Exact per-track counts: plays (all), counted_plays, likes, comments.';
COMMENT ON COLUMN track_stats.track_id IS 'The track.';
COMMENT ON COLUMN track_stats.plays IS 'Every play of the track, counted or not; exact for the reader''s snapshot.';
COMMENT ON COLUMN track_stats.counted_plays IS 'Plays that count for charts, milestones and earnings.';
COMMENT ON COLUMN track_stats.likes IS 'Current likes.';
COMMENT ON COLUMN track_stats.comments IS 'Comments on the track.';

CREATE VIEW creator_stats AS
SELECT cr.id AS creator_id,
	   coalesce(c.plays, 0) + d.plays AS plays,
	   coalesce(c.counted_plays, 0) + d.counted_plays AS counted_plays,
	   coalesce(c.followers, 0) + d.followers AS followers,
	   coalesce(c.likes, 0) + d.likes AS likes,
	   coalesce(c.comments, 0) + d.comments AS comments
FROM creators cr
LEFT JOIN creator_counters c ON c.creator_id = cr.id
CROSS JOIN LATERAL (
	SELECT coalesce(sum(x.plays), 0)::bigint AS plays,
		   coalesce(sum(x.counted_plays), 0)::bigint AS counted_plays,
		   coalesce(sum(x.followers), 0)::bigint AS followers,
		   coalesce(sum(x.likes), 0)::bigint AS likes,
		   coalesce(sum(x.comments), 0)::bigint AS comments
	FROM counter_deltas x WHERE x.creator_id = cr.id
) d;
COMMENT ON VIEW creator_stats IS 'Exact per-creator counts: plays (all), counted_plays, followers, likes, comments.';
COMMENT ON COLUMN creator_stats.creator_id IS 'The creator.';
COMMENT ON COLUMN creator_stats.plays IS 'Every play of the creator''s tracks, counted or not; exact for the reader''s snapshot.';
COMMENT ON COLUMN creator_stats.counted_plays IS 'Plays that count for charts, milestones and earnings.';
COMMENT ON COLUMN creator_stats.followers IS 'Current followers.';
COMMENT ON COLUMN creator_stats.likes IS 'Current likes of the creator''s tracks.';
COMMENT ON COLUMN creator_stats.comments IS 'Comments on the creator''s tracks.';

-- sql/schema/070_revenue.sql
-- Subscription revenue and the monthly creator earnings derived from it.

CREATE TABLE subscription_payments (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users,
	month date NOT NULL CHECK (month = date_trunc('month', month)),
	amount numeric(30, 18) NOT NULL CHECK (amount > 0),
	paid_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_payments_month ON subscription_payments (month);
COMMENT ON TABLE subscription_payments IS 'Premium subscription payments, in FIL, for a calendar month.';

CREATE TABLE closed_months (
	month date PRIMARY KEY CHECK (month = date_trunc('month', month)),
	closed_at timestamptz NOT NULL DEFAULT now(),
	revenue numeric(30, 18) NOT NULL,
	payout_share numeric(5, 4) NOT NULL,
	model text NOT NULL DEFAULT 'pro_rata' CHECK (model IN ('pro_rata', 'user_centric'))
);
COMMENT ON TABLE closed_months IS 'Months whose earnings are final; close_month() adds one row per month, once.';
COMMENT ON COLUMN closed_months.month IS 'The calendar month (UTC), as its first day.';
COMMENT ON COLUMN closed_months.closed_at IS 'When close_month() ran.';
COMMENT ON COLUMN closed_months.revenue IS 'Subscription revenue of the month, in FIL.';
COMMENT ON COLUMN closed_months.payout_share IS 'music.payout_share when the month closed: the part of revenue paid to creators.';
COMMENT ON COLUMN closed_months.model IS 'music.earnings_model when the month closed: pro_rata or user_centric.';

CREATE TABLE creator_earnings (
	creator_id bigint NOT NULL REFERENCES creators,
	month date NOT NULL REFERENCES closed_months,
	counted_plays bigint NOT NULL,
	revenue numeric(30, 18) NOT NULL,
	PRIMARY KEY (creator_id, month)
);
CREATE INDEX creator_earnings_month ON creator_earnings (month, revenue DESC);
COMMENT ON TABLE creator_earnings IS 'Per creator and closed month: counted plays and the revenue earned (FIL).';
COMMENT ON COLUMN creator_earnings.creator_id IS 'The creator.';
COMMENT ON COLUMN creator_earnings.month IS 'The closed month, as its first day.';
COMMENT ON COLUMN creator_earnings.counted_plays IS 'Counted plays of the creator''s tracks in the month.';
COMMENT ON COLUMN creator_earnings.revenue IS 'The creator''s part of the month''s payout pool (revenue x music.payout_share), shared by the month''s model.';
GRANT SELECT ON closed_months TO music_reader;

CREATE FUNCTION record_subscription_payment(user_id bigint, month date, amount numeric)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_record_subscription_payment' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION close_month(month date)
RETURNS void AS 'MODULE_PATHNAME', 'music_close_month' LANGUAGE C VOLATILE SECURITY DEFINER;

-- sql/schema/071_analytics.sql
-- Analytics for BI: daily statistics, weekly charts, trending and
-- leaderboards, all refreshed incrementally by refresh_analytics().
--
-- The counter triggers of 060_counters.sql also append every play, like,
-- comment and follow to analytics_events (insert-only, no index, so writers
-- never wait on each other).  refresh_analytics() consumes that log with
-- DELETE ... RETURNING under an advisory lock: each event is folded into the
-- derived tables by exactly one refresh, whatever the commit order of the
-- writers, and a refresh costs in proportion to the events since the last
-- one, not to the history.

CREATE TABLE analytics_events (
	kind text NOT NULL CHECK (kind IN ('play', 'like', 'comment', 'follow')),
	user_id bigint NOT NULL,
	track_id bigint,
	creator_id bigint NOT NULL,
	at timestamptz NOT NULL,
	delta int NOT NULL CHECK (delta IN (-1, 1)),
	counted boolean NOT NULL DEFAULT false,
	country text
);
COMMENT ON TABLE analytics_events IS 'Events not yet folded into the analytics relations; refresh_analytics() empties it.';
-- Every refresh deletes what it takes, so these logs are mostly dead rows
-- unless vacuumed often; a scan of the dead space would cost every refresh.
ALTER TABLE analytics_events SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);

-- What one refresh took from analytics_events; empty outside a refresh.
CREATE UNLOGGED TABLE analytics_batch (
	kind text NOT NULL,
	user_id bigint NOT NULL,
	track_id bigint,
	creator_id bigint NOT NULL,
	day date NOT NULL,
	delta int NOT NULL,
	counted boolean NOT NULL,
	country text
);
COMMENT ON TABLE analytics_batch IS 'Work table of refresh_analytics(): the events of the refresh in progress.';
ALTER TABLE analytics_batch SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);

CREATE UNLOGGED TABLE analytics_batch_points (
	day date NOT NULL,
	track_id bigint NOT NULL,
	points double precision NOT NULL
);
COMMENT ON TABLE analytics_batch_points IS 'Work table of refresh_analytics(): trending points added by the refresh in progress.';

-- Who listened to what on which day: the sets behind the unique-listener
-- figures, kept so that a refresh only asks whether a listener is new.
CREATE TABLE track_day_listeners (
	day date NOT NULL,
	track_id bigint NOT NULL,
	user_id bigint NOT NULL,
	PRIMARY KEY (day, track_id, user_id)
);
COMMENT ON TABLE track_day_listeners IS 'Users with a counted play of a track on a day (UTC).';

CREATE TABLE creator_day_listeners (
	day date NOT NULL,
	creator_id bigint NOT NULL,
	user_id bigint NOT NULL,
	PRIMARY KEY (day, creator_id, user_id)
);
COMMENT ON TABLE creator_day_listeners IS 'Users with a counted play of a creator''s tracks on a day (UTC).';

CREATE TABLE daily_track_stats (
	day date NOT NULL,
	track_id bigint NOT NULL,
	creator_id bigint NOT NULL,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	listeners bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0,
	trending_points double precision NOT NULL DEFAULT 0,
	PRIMARY KEY (day, track_id)
);
CREATE INDEX daily_track_stats_top ON daily_track_stats (day, counted_plays DESC, track_id);
CREATE INDEX daily_track_stats_track ON daily_track_stats (track_id, day);
COMMENT ON TABLE daily_track_stats IS 'Per UTC day and track: plays, counted plays, unique listeners, likes, comments.';
COMMENT ON COLUMN daily_track_stats.day IS 'UTC calendar day of the events.';
COMMENT ON COLUMN daily_track_stats.track_id IS 'The track (music.tracks.id).';
COMMENT ON COLUMN daily_track_stats.creator_id IS 'The track''s creator (music.creators.id).';
COMMENT ON COLUMN daily_track_stats.plays IS 'Every play reported that day, counted or not.';
COMMENT ON COLUMN daily_track_stats.counted_plays IS 'Plays that count for charts and earnings.';
COMMENT ON COLUMN daily_track_stats.listeners IS 'Distinct users with a counted play that day.';
COMMENT ON COLUMN daily_track_stats.likes IS 'Likes given that day minus likes withdrawn that day.';
COMMENT ON COLUMN daily_track_stats.comments IS 'Comments written that day minus comments deleted that day.';
COMMENT ON COLUMN daily_track_stats.trending_points IS 'The day''s contribution to trending before decay: karma-weighted unique listeners, plus 2 per like and 3 per comment.';

CREATE TABLE daily_creator_stats (
	day date NOT NULL,
	creator_id bigint NOT NULL,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	listeners bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0,
	follows bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (day, creator_id)
);
CREATE INDEX daily_creator_stats_top ON daily_creator_stats (day, counted_plays DESC, creator_id);
CREATE INDEX daily_creator_stats_creator ON daily_creator_stats (creator_id, day);
COMMENT ON TABLE daily_creator_stats IS 'Per UTC day and creator: plays, counted plays, unique listeners, likes, comments, follows.';
COMMENT ON COLUMN daily_creator_stats.day IS 'UTC calendar day of the events.';
COMMENT ON COLUMN daily_creator_stats.creator_id IS 'The creator (music.creators.id).';
COMMENT ON COLUMN daily_creator_stats.plays IS 'Every play of the creator''s tracks that day, counted or not.';
COMMENT ON COLUMN daily_creator_stats.counted_plays IS 'Plays that count for charts and earnings.';
COMMENT ON COLUMN daily_creator_stats.listeners IS 'Distinct users with a counted play of any of the creator''s tracks that day.';
COMMENT ON COLUMN daily_creator_stats.likes IS 'Likes of the creator''s tracks given minus withdrawn that day.';
COMMENT ON COLUMN daily_creator_stats.comments IS 'Comments on the creator''s tracks written minus deleted that day.';
COMMENT ON COLUMN daily_creator_stats.follows IS 'New followers minus unfollows that day.';

CREATE VIEW daily_stats AS
SELECT day, 'track'::text AS level, track_id, creator_id, plays, counted_plays, listeners,
	   likes, comments, NULL::bigint AS follows
FROM daily_track_stats
UNION ALL
SELECT day, 'creator', NULL, creator_id, plays, counted_plays, listeners,
	   likes, comments, follows
FROM daily_creator_stats;
COMMENT ON VIEW daily_stats IS 'Per day and track (level track) and per day and creator (level creator); filter on level and day.';
COMMENT ON COLUMN daily_stats.day IS 'UTC calendar day.';
COMMENT ON COLUMN daily_stats.level IS 'track: one row per track and day; creator: one row per creator and day.';
COMMENT ON COLUMN daily_stats.track_id IS 'The track; null on creator rows.';
COMMENT ON COLUMN daily_stats.creator_id IS 'The creator (of the track on track rows).';
COMMENT ON COLUMN daily_stats.plays IS 'Every play reported that day, counted or not.';
COMMENT ON COLUMN daily_stats.counted_plays IS 'Plays that count for charts and earnings.';
COMMENT ON COLUMN daily_stats.listeners IS 'Distinct users with a counted play that day.';
COMMENT ON COLUMN daily_stats.likes IS 'Likes given minus withdrawn that day.';
COMMENT ON COLUMN daily_stats.comments IS 'Comments written minus deleted that day.';
COMMENT ON COLUMN daily_stats.follows IS 'New followers minus unfollows that day; null on track rows.';

CREATE FUNCTION refresh_analytics() RETURNS void
AS 'MODULE_PATHNAME', 'music_refresh_analytics' LANGUAGE C VOLATILE SECURITY DEFINER;
COMMENT ON FUNCTION refresh_analytics() IS 'Folds counters and every event since the last refresh into the analytics relations; concurrent callers wait for each other.';

GRANT SELECT ON daily_track_stats, daily_creator_stats, daily_stats TO music_reader;

-- sql/schema/072_charts.sql
-- Charts: weekly charts, trending tracks and live leaderboards, kept by
-- refresh_analytics() (src/charts.c) from the events of each refresh.

-- Chart weeks run Friday 00:00 to Thursday 23:59:59 UTC.
CREATE FUNCTION chart_week(day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
	SELECT day - (extract(isodow FROM day)::int + 2) % 7
$$;
COMMENT ON FUNCTION chart_week(date) IS 'The Friday that starts the chart week of a day.';

CREATE TABLE weekly_track_plays (
	week_start date NOT NULL CHECK (extract(isodow FROM week_start) = 5),
	track_id bigint NOT NULL,
	counted_plays bigint NOT NULL,
	PRIMARY KEY (week_start, track_id)
);
CREATE INDEX weekly_track_plays_top ON weekly_track_plays (week_start, counted_plays DESC, track_id);
COMMENT ON TABLE weekly_track_plays IS 'Counted plays per chart week and track: what weekly_charts ranks.';
COMMENT ON COLUMN weekly_track_plays.week_start IS 'The Friday (UTC) that starts the chart week.';
COMMENT ON COLUMN weekly_track_plays.track_id IS 'The track.';
COMMENT ON COLUMN weekly_track_plays.counted_plays IS 'Counted plays of the track in that week.';

CREATE TABLE weekly_creator_plays (
	week_start date NOT NULL CHECK (extract(isodow FROM week_start) = 5),
	creator_id bigint NOT NULL,
	counted_plays bigint NOT NULL,
	PRIMARY KEY (week_start, creator_id)
);
CREATE INDEX weekly_creator_plays_top ON weekly_creator_plays (week_start, counted_plays DESC, creator_id);
COMMENT ON TABLE weekly_creator_plays IS 'Counted plays per chart week and creator.';
COMMENT ON COLUMN weekly_creator_plays.week_start IS 'The Friday (UTC) that starts the chart week.';
COMMENT ON COLUMN weekly_creator_plays.creator_id IS 'The creator.';
COMMENT ON COLUMN weekly_creator_plays.counted_plays IS 'Counted plays of the creator''s tracks in that week.';

CREATE TABLE weekly_charts (
	week_start date NOT NULL,
	rank int NOT NULL CHECK (rank > 0),
	track_id bigint NOT NULL,
	plays bigint NOT NULL,
	last_week_rank int,
	peak_rank int NOT NULL,
	weeks_on_chart int NOT NULL,
	movement text NOT NULL CHECK (movement IN ('new', 're-entry', 'up', 'down', 'same')),
	PRIMARY KEY (week_start, rank),
	UNIQUE (week_start, track_id)
);
CREATE INDEX weekly_charts_track ON weekly_charts (track_id, week_start);
COMMENT ON TABLE weekly_charts IS 'The top music.chart_size tracks of each chart week (Friday to Thursday, UTC) by counted plays; the running week is live.';
COMMENT ON COLUMN weekly_charts.week_start IS 'The Friday (UTC) that starts the chart week.';
COMMENT ON COLUMN weekly_charts.rank IS 'Position, 1 first; ties in plays go to the lower track id.';
COMMENT ON COLUMN weekly_charts.track_id IS 'The track.';
COMMENT ON COLUMN weekly_charts.plays IS 'Counted plays in the week.';
COMMENT ON COLUMN weekly_charts.last_week_rank IS 'Rank in the previous chart week; null when not on that chart.';
COMMENT ON COLUMN weekly_charts.peak_rank IS 'Best rank the track has reached up to this week.';
COMMENT ON COLUMN weekly_charts.weeks_on_chart IS 'Chart weeks the track has been on the chart, this one included.';
COMMENT ON COLUMN weekly_charts.movement IS 'new (first time on the chart), re-entry (on an earlier chart, not last week''s), up, down or same against last week.';

-- Trending: each window has a length and a half-life.  A track's score is
-- the sum of its daily trending points over the window, each day's points
-- halved every half_life_days of age.  Scores are kept as of base_day and
-- rescaled once a day, so a refresh touches only the tracks with new events.
CREATE TABLE trending_windows (
	time_window text PRIMARY KEY,
	days int NOT NULL CHECK (days > 0),
	half_life_days double precision NOT NULL CHECK (half_life_days > 0),
	base_day date,
	expired_through date
);
INSERT INTO trending_windows (time_window, days, half_life_days) VALUES ('week', 7, 2), ('month', 30, 7);
COMMENT ON TABLE trending_windows IS 'Trending windows: length and half-life (settable), and the refresh''s bookkeeping.';
COMMENT ON COLUMN trending_windows.time_window IS 'Window name: week or month.';
COMMENT ON COLUMN trending_windows.days IS 'Days in the window, today included.';
COMMENT ON COLUMN trending_windows.half_life_days IS 'Age in days at which a day''s points count half.';
COMMENT ON COLUMN trending_windows.base_day IS 'The day the stored scores are decayed to.';
COMMENT ON COLUMN trending_windows.expired_through IS 'Last day whose points have left the window.';

CREATE TABLE trending_tracks (
	time_window text NOT NULL REFERENCES trending_windows,
	track_id bigint NOT NULL,
	genre text,
	score double precision NOT NULL,
	last_day date NOT NULL,
	PRIMARY KEY (time_window, track_id)
);
CREATE INDEX trending_tracks_top ON trending_tracks (time_window, score DESC);
CREATE INDEX trending_tracks_genre_top ON trending_tracks (time_window, genre, score DESC);
COMMENT ON TABLE trending_tracks IS 'Trending score per window and track: time-decayed karma-weighted unique listeners, likes and comments.';
COMMENT ON COLUMN trending_tracks.time_window IS 'week or month (see trending_windows).';
COMMENT ON COLUMN trending_tracks.track_id IS 'The track.';
COMMENT ON COLUMN trending_tracks.genre IS 'The track''s genre, for per-genre trending.';
COMMENT ON COLUMN trending_tracks.score IS 'Sum over the window of each day''s trending_points times 0.5^(age in days / half-life), as of the last refresh''s day.';
COMMENT ON COLUMN trending_tracks.last_day IS 'Last day with trending points; rows leave when it leaves the window.';

-- Live leaderboards: top 100 tracks and creators of the current UTC day and
-- chart week, each branch an index scan.
CREATE VIEW leaderboards AS
SELECT * FROM (
	SELECT 'day'::text AS period, 'track'::text AS kind, d.day AS period_start,
		   row_number() OVER (ORDER BY d.counted_plays DESC, d.track_id)::int AS rank,
		   d.track_id AS id, d.counted_plays
	FROM (SELECT * FROM daily_track_stats
		  WHERE day = (now() AT TIME ZONE 'UTC')::date AND counted_plays > 0
		  ORDER BY counted_plays DESC, track_id LIMIT 100) d
) day_tracks
UNION ALL
SELECT * FROM (
	SELECT 'day', 'creator', d.day,
		   row_number() OVER (ORDER BY d.counted_plays DESC, d.creator_id)::int,
		   d.creator_id, d.counted_plays
	FROM (SELECT * FROM daily_creator_stats
		  WHERE day = (now() AT TIME ZONE 'UTC')::date AND counted_plays > 0
		  ORDER BY counted_plays DESC, creator_id LIMIT 100) d
) day_creators
UNION ALL
SELECT * FROM (
	SELECT 'week', 'track', w.week_start,
		   row_number() OVER (ORDER BY w.counted_plays DESC, w.track_id)::int,
		   w.track_id, w.counted_plays
	FROM (SELECT * FROM weekly_track_plays
		  WHERE week_start = chart_week((now() AT TIME ZONE 'UTC')::date) AND counted_plays > 0
		  ORDER BY counted_plays DESC, track_id LIMIT 100) w
) week_tracks
UNION ALL
SELECT * FROM (
	SELECT 'week', 'creator', w.week_start,
		   row_number() OVER (ORDER BY w.counted_plays DESC, w.creator_id)::int,
		   w.creator_id, w.counted_plays
	FROM (SELECT * FROM weekly_creator_plays
		  WHERE week_start = chart_week((now() AT TIME ZONE 'UTC')::date) AND counted_plays > 0
		  ORDER BY counted_plays DESC, creator_id LIMIT 100) w
) week_creators;
COMMENT ON VIEW leaderboards IS 'Top 100 tracks and creators by counted plays for the current UTC day and chart week, as of the last refresh.';
COMMENT ON COLUMN leaderboards.period IS 'day or week.';
COMMENT ON COLUMN leaderboards.kind IS 'track or creator.';
COMMENT ON COLUMN leaderboards.period_start IS 'The day, or the Friday starting the chart week.';
COMMENT ON COLUMN leaderboards.rank IS 'Position, 1 first.';
COMMENT ON COLUMN leaderboards.id IS 'Track id or creator id, after kind.';
COMMENT ON COLUMN leaderboards.counted_plays IS 'Counted plays in the period.';

GRANT SELECT ON weekly_track_plays, weekly_creator_plays, weekly_charts, trending_windows,
	trending_tracks, leaderboards TO music_reader;
GRANT EXECUTE ON FUNCTION chart_week(date) TO music_reader, music_app;

-- sql/schema/073_engagement.sql
-- Monthly creator analytics and fan engagement, kept by refresh_analytics()
-- from each batch of events (src/analytics.c).

CREATE TABLE creator_month_listeners (
	month date NOT NULL,
	creator_id bigint NOT NULL,
	user_id bigint NOT NULL,
	PRIMARY KEY (month, creator_id, user_id)
);
COMMENT ON TABLE creator_month_listeners IS 'Users with a counted play of a creator''s tracks in a calendar month (UTC).';

CREATE TABLE monthly_creator_stats (
	creator_id bigint NOT NULL,
	month date NOT NULL,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	listeners bigint NOT NULL DEFAULT 0,
	listeners_28d bigint,
	new_followers bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (creator_id, month)
);
CREATE INDEX monthly_creator_stats_top ON monthly_creator_stats (month, counted_plays DESC, creator_id);
COMMENT ON TABLE monthly_creator_stats IS 'Per creator and month: the figures behind monthly_analytics.';
COMMENT ON COLUMN monthly_creator_stats.creator_id IS 'The creator.';
COMMENT ON COLUMN monthly_creator_stats.month IS 'The calendar month (UTC), as its first day.';
COMMENT ON COLUMN monthly_creator_stats.plays IS 'Every play of the creator''s tracks in the month, counted or not.';
COMMENT ON COLUMN monthly_creator_stats.counted_plays IS 'Counted plays in the month.';
COMMENT ON COLUMN monthly_creator_stats.listeners IS 'Distinct users with a counted play in the month.';
COMMENT ON COLUMN monthly_creator_stats.listeners_28d IS 'Distinct users with a counted play in the 28 days up to the month''s last day (running month: up to yesterday).';
COMMENT ON COLUMN monthly_creator_stats.new_followers IS 'Follows minus unfollows in the month.';

CREATE TABLE monthly_creator_countries (
	creator_id bigint NOT NULL,
	month date NOT NULL,
	country text NOT NULL,
	counted_plays bigint NOT NULL,
	PRIMARY KEY (creator_id, month, country)
);
CREATE INDEX monthly_creator_countries_top ON monthly_creator_countries (creator_id, month, counted_plays DESC, country);
COMMENT ON TABLE monthly_creator_countries IS 'Counted plays per creator, month and listener country (as reported with the play).';
COMMENT ON COLUMN monthly_creator_countries.creator_id IS 'The creator.';
COMMENT ON COLUMN monthly_creator_countries.month IS 'The calendar month (UTC), as its first day.';
COMMENT ON COLUMN monthly_creator_countries.country IS 'ISO 3166 country code reported with the plays.';
COMMENT ON COLUMN monthly_creator_countries.counted_plays IS 'Counted plays from that country in the month.';

-- When the 28-day listener figures were last computed.
CREATE TABLE analytics_state (
	listeners_28d_day date
);
INSERT INTO analytics_state DEFAULT VALUES;
COMMENT ON TABLE analytics_state IS 'Bookkeeping of refresh_analytics(): the last day 28-day listeners were computed.';

CREATE VIEW monthly_analytics AS
SELECT m.creator_id, m.month, m.plays, m.counted_plays, m.listeners, m.listeners_28d,
	   m.new_followers, e.revenue,
	   ARRAY(SELECT c.country FROM monthly_creator_countries c
			 WHERE c.creator_id = m.creator_id AND c.month = m.month
			 ORDER BY c.counted_plays DESC, c.country LIMIT 3) AS top_countries
FROM monthly_creator_stats m
LEFT JOIN creator_earnings e ON e.creator_id = m.creator_id AND e.month = m.month;
COMMENT ON VIEW monthly_analytics IS 'Per creator and calendar month (UTC): plays, listeners, 28-day listeners, new followers, revenue, top countries.';
COMMENT ON COLUMN monthly_analytics.creator_id IS 'The creator.';
COMMENT ON COLUMN monthly_analytics.month IS 'The calendar month, as its first day.';
COMMENT ON COLUMN monthly_analytics.plays IS 'Every play of the creator''s tracks in the month, counted or not.';
COMMENT ON COLUMN monthly_analytics.counted_plays IS 'Counted plays in the month.';
COMMENT ON COLUMN monthly_analytics.listeners IS 'Distinct users with a counted play in the month.';
COMMENT ON COLUMN monthly_analytics.listeners_28d IS 'Distinct users with a counted play in the 28 days up to the month''s last day (for the running month: up to yesterday); computed once a day.';
COMMENT ON COLUMN monthly_analytics.new_followers IS 'Follows minus unfollows in the month.';
COMMENT ON COLUMN monthly_analytics.revenue IS 'Earnings of the month once it is closed (creator_earnings.revenue), else null.';
COMMENT ON COLUMN monthly_analytics.top_countries IS 'Up to three listener countries with the most counted plays, most first.';

-- Fans: one row per creator and user who played, liked, commented or
-- followed.  The superfan score weighs a like as 3 counted plays, a comment
-- as 5 and following as 10.
CREATE TABLE fan_stats (
	creator_id bigint NOT NULL,
	user_id bigint NOT NULL,
	counted_plays bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0,
	follows bigint NOT NULL DEFAULT 0,
	first_play_day date,
	last_play_day date,
	score bigint GENERATED ALWAYS AS (counted_plays + 3 * likes + 5 * comments + 10 * follows) STORED,
	PRIMARY KEY (creator_id, user_id)
);
CREATE INDEX fan_stats_top ON fan_stats (creator_id, score DESC, user_id);
COMMENT ON TABLE fan_stats IS 'Per creator and fan: the figures behind fan_engagement_metrics.';
COMMENT ON COLUMN fan_stats.creator_id IS 'The creator.';
COMMENT ON COLUMN fan_stats.user_id IS 'The fan.';
COMMENT ON COLUMN fan_stats.counted_plays IS 'Counted plays of the creator''s tracks by the fan.';
COMMENT ON COLUMN fan_stats.likes IS 'The fan''s current likes of the creator''s tracks.';
COMMENT ON COLUMN fan_stats.comments IS 'The fan''s comments on the creator''s tracks.';
COMMENT ON COLUMN fan_stats.follows IS '1 while the fan follows the creator, else 0.';
COMMENT ON COLUMN fan_stats.first_play_day IS 'Day (UTC) of the fan''s first counted play of the creator.';
COMMENT ON COLUMN fan_stats.last_play_day IS 'Day (UTC) of the fan''s latest counted play of the creator.';
COMMENT ON COLUMN fan_stats.score IS 'Superfan score: counted plays + 3 per like + 5 per comment + 10 when following.';

CREATE VIEW fan_engagement_metrics AS
SELECT f.creator_id, f.user_id AS fan_id, f.counted_plays AS plays, f.likes, f.comments,
	   fo.created_at AS following_since,
	   (now()::date - fo.created_at::date) AS follow_age_days,
	   f.first_play_day, f.last_play_day,
	   f.score AS superfan_score,
	   rank() OVER (PARTITION BY f.creator_id ORDER BY f.score DESC)::int AS superfan_rank
FROM fan_stats f
LEFT JOIN follows fo ON fo.user_id = f.user_id AND fo.creator_id = f.creator_id;
COMMENT ON VIEW fan_engagement_metrics IS 'Per creator and fan: plays, likes, comments, follow age, superfan score and rank; filter on creator_id.';
COMMENT ON COLUMN fan_engagement_metrics.creator_id IS 'The creator.';
COMMENT ON COLUMN fan_engagement_metrics.fan_id IS 'The fan (music.users.id).';
COMMENT ON COLUMN fan_engagement_metrics.plays IS 'Counted plays of the creator''s tracks by the fan.';
COMMENT ON COLUMN fan_engagement_metrics.likes IS 'The fan''s current likes of the creator''s tracks.';
COMMENT ON COLUMN fan_engagement_metrics.comments IS 'The fan''s comments on the creator''s tracks.';
COMMENT ON COLUMN fan_engagement_metrics.following_since IS 'When the fan followed the creator; null when not following.';
COMMENT ON COLUMN fan_engagement_metrics.follow_age_days IS 'Days the fan has followed the creator; null when not following.';
COMMENT ON COLUMN fan_engagement_metrics.first_play_day IS 'Day (UTC) of the fan''s first counted play of the creator.';
COMMENT ON COLUMN fan_engagement_metrics.last_play_day IS 'Day (UTC) of the fan''s latest counted play of the creator.';
COMMENT ON COLUMN fan_engagement_metrics.superfan_score IS 'Counted plays + 3 per like + 5 per comment + 10 when following.';
COMMENT ON COLUMN fan_engagement_metrics.superfan_rank IS 'Rank of the fan among the creator''s fans by superfan score, 1 first; ties share a rank.';

GRANT SELECT ON monthly_creator_stats, monthly_creator_countries, monthly_analytics,
	fan_stats, fan_engagement_metrics TO music_reader;

-- sql/schema/074_recommend.sql
-- Recommendations from listening co-occurrence (src/recommend.c).  A session
-- is a user's listening on one UTC day; two tracks co-occur when one user
-- played both in a session.  Each user counts once per track, however much
-- they play, so one heavy listener cannot dominate.

CREATE INDEX track_day_listeners_track ON track_day_listeners (track_id, day DESC);
CREATE INDEX track_day_listeners_user ON track_day_listeners (user_id, day DESC);

CREATE FUNCTION similar_tracks(track_id bigint, max_results int DEFAULT 20)
RETURNS TABLE (track_id bigint, score real)
AS 'MODULE_PATHNAME', 'music_similar_tracks' LANGUAGE C STABLE SECURITY DEFINER;
COMMENT ON FUNCTION similar_tracks(bigint, int) IS 'Fans also played: tracks played in the same sessions as the track by its recent listeners; score is the share of those listeners.';

CREATE FUNCTION recommend_tracks(user_id bigint, max_results int DEFAULT 20)
RETURNS TABLE (track_id bigint, score real, reason text)
AS 'MODULE_PATHNAME', 'music_recommend_tracks' LANGUAGE C STABLE SECURITY DEFINER;
COMMENT ON FUNCTION recommend_tracks(bigint, int) IS 'Tracks the user has not played lately, from the co-listeners of their recent tracks, then from trending.';

GRANT EXECUTE ON FUNCTION similar_tracks(bigint, int), recommend_tracks(bigint, int) TO music_app;

-- sql/schema/075_batch.sql
-- Batch ingest: many plays in one call, judged like record_play (src/batch.c).

CREATE FUNCTION record_plays(user_ids bigint[], track_ids bigint[], ms_played int[], played_at timestamptz[])
RETURNS int AS 'MODULE_PATHNAME', 'music_record_plays' LANGUAGE C VOLATILE SECURITY DEFINER;
COMMENT ON FUNCTION record_plays(bigint[], bigint[], int[], timestamptz[]) IS 'Stores up to 5,000 plays (element i of each array is play i), all or none, with record_play''s counting rules; returns how many count.';

GRANT EXECUTE ON FUNCTION record_plays(bigint[], bigint[], int[], timestamptz[]) TO music_app;

-- sql/schema/080_milestones.sql
-- Milestones: the few moments worth paying gas for.  Detection is in C
-- (src/milestones.c) and fires on threshold crossing; a milestone and its
-- jobs are inserted in the same statement, so they commit (or roll back)
-- together with whatever crossed the threshold.

CREATE TABLE milestone_rules (
	rule text PRIMARY KEY
		CHECK (rule IN ('followers', 'plays', 'coin', 'revenue', 'month', 'verification', 'quarter')),
	threshold numeric NOT NULL CHECK (threshold >= 0),
	repeats boolean NOT NULL DEFAULT false,
	jobs text[] NOT NULL
		CHECK (jobs <@ ARRAY['pdp_snapshot', 'coin_creation', 'metrics_update', 'revenue_share',
							 'verification', 'wallet_link', 'noop', 'refresh_analytics']),
	share numeric(5, 4) CHECK (share BETWEEN 0 AND 1),
	enabled boolean NOT NULL DEFAULT true,
	description text NOT NULL,
	-- Count rules step through whole numbers; a zero step would never end.
	CHECK (rule NOT IN ('followers', 'plays', 'coin') OR (threshold >= 1 AND threshold = trunc(threshold)))
);
COMMENT ON TABLE milestone_rules IS 'When a milestone fires and which jobs it enqueues; music_admin may edit thresholds, jobs and enabled.';
COMMENT ON COLUMN milestone_rules.threshold IS 'followers/plays: the step (every N); coin: the one count; revenue: minimum monthly revenue in FIL; month: revenue must exceed it; unused otherwise.';
COMMENT ON COLUMN milestone_rules.share IS 'revenue: the part of the month''s creator revenue that the revenue_share job distributes.';

INSERT INTO milestone_rules (rule, threshold, repeats, jobs, share, description) VALUES
	('followers', 1000, true, '{pdp_snapshot}', NULL, 'every 1,000 followers (highest count reached)'),
	('plays', 5000, true, '{pdp_snapshot}', NULL, 'every 5,000 counted plays'),
	('coin', 50000, false, '{coin_creation,metrics_update}', NULL, 'creator coin at 50,000 counted plays, once'),
	('revenue', 100, false, '{revenue_share}', 0.10, 'a closed month with creator revenue >= 100 FIL'),
	('month', 0, false, '{pdp_snapshot}', NULL, 'a closed month with any revenue (monthly report)'),
	('verification', 0, false, '{verification,pdp_snapshot}', NULL, 'the creator is verified'),
	('quarter', 0, false, '{pdp_snapshot}', NULL, 'a quarter closes with the creator active in it');
SELECT pg_catalog.pg_extension_config_dump('milestone_rules', '');

-- threshold is the count for followers/plays/coin, 1 for verification, and
-- the period for calendar rules (yyyymm for month/revenue, yyyyq for
-- quarter), so the unique key makes every rule fire once per creator and
-- step or period.
CREATE TABLE milestones (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	creator_id bigint NOT NULL REFERENCES creators,
	rule text NOT NULL
		CHECK (rule IN ('followers', 'plays', 'coin', 'revenue', 'month', 'verification', 'quarter')),
	threshold bigint NOT NULL,
	value numeric NOT NULL,
	period date,
	reached_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	UNIQUE (creator_id, rule, threshold)
);
CREATE INDEX milestones_reached_at ON milestones (reached_at);
COMMENT ON TABLE milestones IS 'Every milestone reached, once per (creator, rule, threshold); rows are never changed.';
COMMENT ON COLUMN milestones.id IS 'Milestone id; on-chain calls carry it so the contracts can reject a replay.';
COMMENT ON COLUMN milestones.creator_id IS 'The creator who reached it.';
COMMENT ON COLUMN milestones.rule IS 'followers, plays, coin, revenue, month, verification or quarter.';
COMMENT ON COLUMN milestones.threshold IS 'The count reached (followers, plays, coin), or the period as yyyymm (month, revenue) or yyyyq (quarter).';
COMMENT ON COLUMN milestones.reached_at IS 'When the milestone was detected (the commit of the change that crossed it, or the re-check that found it).';
COMMENT ON COLUMN milestones.value IS 'The figure that reached the threshold: followers, counted plays or revenue (FIL).';
COMMENT ON COLUMN milestones.period IS 'First day of the month or quarter, for the calendar rules.';

-- Where the worker's calendar starts: months before it are closed by hand
-- (close_month), never automatically, so installing on an old database does
-- not close years of history at once.
CREATE TABLE calendar (
	only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	starts date NOT NULL DEFAULT date_trunc('month', now() AT TIME ZONE 'UTC')::date
		CHECK (starts = date_trunc('month', starts))
);
INSERT INTO calendar DEFAULT VALUES;
COMMENT ON TABLE calendar IS 'First month the worker closes automatically; music_admin may move it.';

CREATE TABLE closed_quarters (
	quarter date PRIMARY KEY CHECK (quarter = date_trunc('quarter', quarter)),
	closed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE closed_quarters IS 'Quarters whose milestones have fired; close_quarter() adds one row per quarter, once.';

-- Detection on threshold crossing: every counted change lands in
-- counter_deltas, so one trigger sees plays, follows and batch ingest alike.
-- The delete trigger re-checks creators whose deltas are folded, so a
-- crossing that two concurrent writers each missed (neither saw the other's
-- uncommitted delta) is still found, even when the fold beats the worker's
-- sweep to it.
CREATE FUNCTION detect_counter_milestones() RETURNS trigger
AS 'MODULE_PATHNAME', 'music_detect_counter_milestones' LANGUAGE C;
CREATE TRIGGER counter_deltas_milestones AFTER INSERT ON counter_deltas
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION detect_counter_milestones();
CREATE TRIGGER counter_deltas_folded_milestones AFTER DELETE ON counter_deltas
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION detect_counter_milestones();

CREATE FUNCTION detect_earnings_milestones() RETURNS trigger
AS 'MODULE_PATHNAME', 'music_detect_earnings_milestones' LANGUAGE C;
CREATE TRIGGER creator_earnings_milestones AFTER INSERT ON creator_earnings
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION detect_earnings_milestones();

-- Re-checks every creator with unfolded counter changes; the worker runs it
-- every naptime.  Returns the number of milestones fired.
CREATE FUNCTION detect_milestones() RETURNS bigint
AS 'MODULE_PATHNAME', 'music_detect_milestones' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION set_verified(creator_id bigint, verified boolean)
RETURNS void AS 'MODULE_PATHNAME', 'music_set_verified' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION close_quarter(quarter date)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_close_quarter' LANGUAGE C VOLATILE SECURITY DEFINER;

-- Closes every ended month and quarter since calendar.starts that is still
-- open (a bounded number per call); the worker runs it.  Returns how many
-- months and quarters it closed.
CREATE FUNCTION close_due_periods() RETURNS int
AS 'MODULE_PATHNAME', 'music_close_due_periods' LANGUAGE C VOLATILE SECURITY DEFINER;

REVOKE ALL ON milestone_rules, milestones, calendar, closed_quarters FROM PUBLIC;
GRANT SELECT, UPDATE (threshold, repeats, jobs, share, enabled, description) ON milestone_rules TO music_admin;
GRANT SELECT, UPDATE (starts) ON calendar TO music_admin;
GRANT SELECT ON milestones TO music_admin, music_reader;
GRANT EXECUTE ON FUNCTION detect_milestones(), set_verified(bigint, boolean), close_quarter(date),
	close_due_periods() TO music_admin;

-- sql/schema/085_jobs.sql
-- The job queue (transactional outbox).  A job is inserted in the same
-- transaction as the milestone that needs it and carried out by the
-- background worker (src/worker.c) or by process_jobs(); see src/queue.c.
--
-- Life of a job: pending -> running (claimed with a lease) -> done, or
-- submitted (an external reference exists, the result is polled), or failed
-- (retried after an exponential backoff with jitter) -> ... -> dead after
-- music.max_attempts, where it waits for retry_job().  Jobs are never deleted.

CREATE TABLE jobs (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind text NOT NULL
		CHECK (kind IN ('pdp_snapshot', 'coin_creation', 'metrics_update', 'revenue_share',
						'verification', 'wallet_link', 'noop', 'refresh_analytics')),
	creator_id bigint REFERENCES creators,
	milestone_id bigint REFERENCES milestones,
	status text NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'running', 'submitted', 'done', 'failed', 'dead')),
	attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	payload jsonb NOT NULL DEFAULT '{}',
	last_error text,
	external_ref text,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	lease_until timestamptz,
	claimed_by text,
	claimed_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	CHECK ((status = 'running') = (lease_until IS NOT NULL))
);
-- The claim query walks this index: only jobs that may still run are in it.
CREATE INDEX jobs_due ON jobs (next_attempt_at, id) WHERE status IN ('pending', 'failed', 'submitted');
CREATE INDEX jobs_running ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_dead ON jobs (updated_at) WHERE status = 'dead';
CREATE INDEX jobs_creator_id ON jobs (creator_id) WHERE creator_id IS NOT NULL;
CREATE INDEX jobs_milestone_id ON jobs (milestone_id) WHERE milestone_id IS NOT NULL;
COMMENT ON TABLE jobs IS 'Outbox of work for the chain and PDP storage; never deleted, see job_attempts for history.';
COMMENT ON COLUMN jobs.next_attempt_at IS 'Not claimed before this time: the backoff after a failure, the poll time once submitted.';
COMMENT ON COLUMN jobs.lease_until IS 'A running job whose lease has passed is taken back (its drainer died or hung).';
COMMENT ON COLUMN jobs.claimed_by IS '"worker" or "backend <pid>": who holds or last held the job.';
COMMENT ON COLUMN jobs.external_ref IS 'Transaction hash, piece CID or status URL, once one exists.';

-- One row per attempt that ended, including attempts lost to a crash or an
-- expired lease, so the history explains every state a job went through.
CREATE TABLE job_attempts (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	job_id bigint NOT NULL REFERENCES jobs,
	attempt int NOT NULL,
	claimed_by text,
	started_at timestamptz,
	finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	outcome text NOT NULL CHECK (outcome IN ('done', 'submitted', 'failed', 'lost')),
	error text
);
-- attempt numbers start again at 1 after retry_job(); id keeps the order
CREATE INDEX job_attempts_job_id ON job_attempts (job_id, id);
COMMENT ON TABLE job_attempts IS 'How every attempt at a job ended; lost means its drainer died or its lease ran out.';

-- A job is evidence that gas is owed or was paid: refuse to delete it.
CREATE FUNCTION jobs_forbid_delete() RETURNS trigger
LANGUAGE plpgsql AS $forbid$
BEGIN
	RAISE EXCEPTION 'jobs are never deleted'
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  HINT = 'Let a job finish or die; music.retry_job() brings a dead job back.';
END
$forbid$;
CREATE TRIGGER jobs_no_delete BEFORE DELETE OR TRUNCATE ON jobs
	FOR EACH STATEMENT EXECUTE FUNCTION jobs_forbid_delete();
CREATE TRIGGER job_attempts_no_delete BEFORE DELETE OR TRUNCATE ON job_attempts
	FOR EACH STATEMENT EXECUTE FUNCTION jobs_forbid_delete();

-- Wakes the worker when the inserting transaction commits.  A row trigger,
-- because a statement trigger also fires for statements that insert no job
-- (every milestone check), and would wake the worker for nothing.
CREATE FUNCTION jobs_wake_worker() RETURNS trigger
AS 'MODULE_PATHNAME', 'music_jobs_wake_worker' LANGUAGE C;
CREATE TRIGGER jobs_wake_worker BEFORE INSERT ON jobs
	FOR EACH ROW EXECUTE FUNCTION jobs_wake_worker();

CREATE VIEW dead_jobs AS
SELECT id, kind, creator_id, milestone_id, attempts, last_error, payload, created_at, updated_at AS died_at
FROM jobs WHERE status = 'dead';
COMMENT ON VIEW dead_jobs IS 'Jobs that used up music.max_attempts; fix the cause, then music.retry_job(id).';

CREATE VIEW job_overview AS
SELECT kind, status, count(*) AS jobs,
	   now() - min(created_at) FILTER (WHERE status = 'pending') AS oldest_pending_age,
	   now() - min(next_attempt_at) FILTER (WHERE status IN ('pending', 'failed', 'submitted')
											AND next_attempt_at <= now()) AS oldest_due_age,
	   now() - min(created_at) AS oldest_age,
	   max(updated_at) AS last_change,
	   (array_agg(last_error ORDER BY updated_at DESC) FILTER (WHERE last_error IS NOT NULL))[1] AS last_error
FROM jobs GROUP BY kind, status;
COMMENT ON VIEW job_overview IS 'Jobs by kind and state: how many, the age of the oldest pending one, how long the oldest due one has waited past its time, the latest error.';

CREATE FUNCTION enqueue_job(kind text, payload jsonb DEFAULT '{}', creator_id bigint DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_enqueue_job' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION process_jobs(max_jobs int DEFAULT 100)
RETURNS int AS 'MODULE_PATHNAME', 'music_process_jobs' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION retry_job(id bigint)
RETURNS void AS 'MODULE_PATHNAME', 'music_retry_job' LANGUAGE C VOLATILE SECURITY DEFINER;

REVOKE ALL ON jobs, job_attempts, dead_jobs, job_overview FROM PUBLIC;
GRANT SELECT ON jobs, job_attempts, dead_jobs, job_overview TO music_admin;
GRANT SELECT ON job_overview TO pg_monitor;
GRANT EXECUTE ON FUNCTION enqueue_job(text, jsonb, bigint), process_jobs(int), retry_job(bigint) TO music_admin;

-- sql/schema/900_privileges.sql
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
	search(text, bigint, int),
	record_subscription_payment(bigint, date, numeric)
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
