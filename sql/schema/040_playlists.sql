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
RETURNS bigint AS 'MODULE_PATHNAME', 'music_create_playlist' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION playlist_add(playlist_id bigint, track_id bigint, "position" int DEFAULT NULL)
RETURNS void AS 'MODULE_PATHNAME', 'music_playlist_add' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION playlist_remove(playlist_id bigint, "position" int)
RETURNS void AS 'MODULE_PATHNAME', 'music_playlist_remove' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION playlist_move(playlist_id bigint, from_position int, to_position int)
RETURNS void AS 'MODULE_PATHNAME', 'music_playlist_move' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;
