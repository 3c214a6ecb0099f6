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
COMMENT ON TABLE tracks IS 'Published tracks; audio and artwork stay in Synapse storage, referenced by piece CID.';

CREATE FUNCTION create_user(handle text, display_name text DEFAULT NULL,
							country text DEFAULT NULL, birth_year int DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_create_user' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION create_creator(user_id bigint, name text)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_create_creator' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION publish_track(creator_id bigint, title text, duration_ms int,
							  genre text DEFAULT NULL, audio_cid text DEFAULT NULL,
							  artwork_cid text DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_publish_track' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;
