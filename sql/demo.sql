-- `make demo`'s scripts run as written: demo/show.sql reads everything an
-- app shows as music_app (its figures depend on the day, so only errors,
-- which would appear below, are compared).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
-- the demo dates its platform from the clock, as `make demo` runs it
SET music.as_of = '';
\o /dev/null
\i demo/platform.sql
\i demo/show.sql
\o
SELECT current_user = session_user AS roles_reset,
       (SELECT count(*) FROM music.users) AS users, (SELECT count(*) FROM music.tracks) AS tracks;
