-- `make demo`'s SQL scripts run as written, without the chain and storage
-- that scripts/demo adds: the platform, two chart weeks of it, and
-- demo/show.sql reading everything an app shows as music_app (only errors,
-- which would appear below, are compared; t/030_demo.pl runs the whole demo).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
SET music.as_of = '2025-01-01 00:00:00+00';
\set users 300
\set creators 30
\set plays 1500
\set viral 0
\o /dev/null
\i demo/platform.sql
\set week_start 2025-01-03
\set as_of '2025-01-10 00:00:00+00'
\i demo/week.sql
\o /dev/null
\set week_start 2025-01-10
\set as_of '2025-01-17 00:00:00+00'
\i demo/week.sql
-- (week.sql ends its output redirection)
\o /dev/null
\set star 1
\i demo/show.sql
\o
SELECT current_user = session_user AS roles_reset,
       (SELECT count(*) FROM music.users) AS users, (SELECT count(*) FROM music.tracks) AS tracks,
       (SELECT count(*) > 0 FROM music.plays WHERE played_at >= '2025-01-10') AS second_week_played;
