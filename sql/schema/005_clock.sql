-- The platform clock (src/clock.c): every calendar decision asks it, so that
-- music.as_of can replay history as of an instant and tests give the same
-- answers on any day.

CREATE FUNCTION as_of() RETURNS timestamptz
AS 'MODULE_PATHNAME', 'music_as_of' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION as_of() IS 'The platform clock: the music.as_of setting when set, else the start of the current transaction.';

CREATE FUNCTION today() RETURNS date
AS 'MODULE_PATHNAME', 'music_today' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION today() IS 'The platform clock''s UTC calendar day.';
