-- The social graph: likes, follows and comments.

CREATE TABLE likes (
	user_id bigint NOT NULL REFERENCES users,
	track_id bigint NOT NULL REFERENCES tracks,
	created_at timestamptz NOT NULL DEFAULT music.as_of(),
	PRIMARY KEY (user_id, track_id)
);
CREATE INDEX likes_track_id ON likes (track_id);
COMMENT ON TABLE likes IS 'Current likes; unliking deletes the row.';

CREATE TABLE follows (
	user_id bigint NOT NULL REFERENCES users,
	creator_id bigint NOT NULL REFERENCES creators,
	created_at timestamptz NOT NULL DEFAULT music.as_of(),
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
	created_at timestamptz NOT NULL DEFAULT music.as_of()
);
CREATE INDEX comments_track_id ON comments (track_id, created_at);
CREATE INDEX comments_parent_id ON comments (parent_id) WHERE parent_id IS NOT NULL;
COMMENT ON TABLE comments IS 'Comments on tracks, threaded by parent_id, optionally at a position in the track.';

CREATE FUNCTION like_track(user_id bigint, track_id bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_like_track' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION unlike_track(user_id bigint, track_id bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_unlike_track' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION follow(user_id bigint, creator_id bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_follow' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION unfollow(user_id bigint, creator_id bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'music_unfollow' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION add_comment(user_id bigint, track_id bigint, body text,
							parent_id bigint DEFAULT NULL, at_ms int DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_add_comment' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;
