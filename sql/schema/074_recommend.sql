-- Recommendations from listening co-occurrence (src/recommend.c).  A session
-- is a user's listening on one UTC day; two tracks co-occur when one user
-- played both in a session.  Each user counts once per track, however much
-- they play, so one heavy listener cannot dominate.

CREATE INDEX track_day_listeners_track ON track_day_listeners (track_id, day DESC);
CREATE INDEX track_day_listeners_user ON track_day_listeners (user_id, day DESC);

CREATE FUNCTION similar_tracks(track_id bigint, max_results int DEFAULT 20)
RETURNS TABLE (track_id bigint, score real)
AS 'MODULE_PATHNAME', 'music_similar_tracks' LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;
COMMENT ON FUNCTION similar_tracks(bigint, int) IS 'Fans also played: tracks played in the same sessions as the track by its recent listeners; score is the share of those listeners.';

CREATE FUNCTION recommend_tracks(user_id bigint, max_results int DEFAULT 20)
RETURNS TABLE (track_id bigint, score real, reason text)
AS 'MODULE_PATHNAME', 'music_recommend_tracks' LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;
COMMENT ON FUNCTION recommend_tracks(bigint, int) IS 'Tracks the user has not played lately, from the co-listeners of their recent tracks, then from trending.';

GRANT EXECUTE ON FUNCTION similar_tracks(bigint, int), recommend_tracks(bigint, int) TO music_app;
