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
							played_at timestamptz DEFAULT music.as_of(), source text DEFAULT NULL,
							country text DEFAULT NULL, client_ip inet DEFAULT NULL,
							session_id bigint DEFAULT NULL)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_record_play' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION start_session(user_id bigint, device text DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_start_session' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION end_session(session_id bigint)
RETURNS void AS 'MODULE_PATHNAME', 'music_end_session' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;
