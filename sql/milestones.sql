SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

\i test/fails.sql

-- Inserts n counted plays for a creator's track in one statement, the way a
-- batch ingest does (plays go straight into the table).
CREATE FUNCTION pg_temp.ingest(track bigint, n int, at timestamptz DEFAULT '2025-06-15') RETURNS void
LANGUAGE sql AS $$
	INSERT INTO music.plays (user_id, track_id, creator_id, played_at, ms_played, counted)
	SELECT 1, t.id, t.creator_id, at, 60000, true
	FROM music.tracks t, generate_series(1, n) WHERE t.id = track;
$$;

-- the default rules of architecture.md section 5
SELECT rule, threshold, repeats, jobs, share, enabled FROM music.milestone_rules ORDER BY rule;

SELECT music.create_user('fan') AS fan \gset
SELECT music.create_user('artist') AS artist_user \gset
SELECT music.create_creator(:artist_user, 'Artist') AS artist \gset
SELECT music.publish_track(:artist, 'Hit', 180000) AS hit \gset

-- plays: 4,999 in a batch fire nothing, the 5,000th fires once
SELECT pg_temp.ingest(:hit, 4999);
SELECT count(*) FROM music.milestones;
SELECT music.record_play(:fan, :hit, 60000);
SELECT rule, threshold, value FROM music.milestones ORDER BY id;
SELECT kind, status, payload - 'milestone_id' AS payload FROM music.jobs ORDER BY id;

-- a batch of 10,000 crosses two thresholds: each fires once
SELECT pg_temp.ingest(:hit, 10000);
SELECT rule, threshold, value FROM music.milestones ORDER BY id;

-- a play that rolls back never produces a milestone
BEGIN;
SELECT pg_temp.ingest(:hit, 5000);
SELECT rule, threshold FROM music.milestones WHERE threshold = 20000;
ROLLBACK;
SELECT count(*) FROM music.milestones WHERE threshold = 20000;
SELECT count(*) FROM music.jobs;

-- folding the counters changes no total and fires nothing twice
SELECT music.fold_counters() > 0 AS folded;
SELECT counted_plays FROM music.creator_stats WHERE creator_id = :artist;
SELECT count(*) FROM music.milestones;
SELECT music.detect_milestones();

-- the coin fires once at 50,000, with the plays milestones on the way
SELECT pg_temp.ingest(:hit, 35000);
SELECT rule, threshold FROM music.milestones WHERE rule = 'coin' OR threshold > 15000 ORDER BY rule, threshold;
SELECT kind, payload - 'milestone_id' AS payload FROM music.jobs
WHERE milestone_id = (SELECT id FROM music.milestones WHERE rule = 'coin') ORDER BY id;
SELECT pg_temp.ingest(:hit, 5000);
SELECT rule, count(*) FROM music.milestones GROUP BY rule ORDER BY rule;

-- a disabled rule fires nothing; enabled again, it catches up once
UPDATE music.milestone_rules SET enabled = false WHERE rule = 'plays';
SELECT pg_temp.ingest(:hit, 5000);
SELECT max(threshold) FROM music.milestones WHERE rule = 'plays';
UPDATE music.milestone_rules SET enabled = true WHERE rule = 'plays';
SELECT music.detect_milestones();
SELECT threshold FROM music.milestones WHERE rule = 'plays' AND threshold > 50000 ORDER BY threshold;

-- followers: the 1,000th follower fires; unfollow/follow churn never again
INSERT INTO music.users (handle) SELECT 'follower' || g FROM generate_series(1, 1001) g;
INSERT INTO music.follows (user_id, creator_id)
SELECT id, :artist FROM music.users WHERE handle LIKE 'follower%' ORDER BY id LIMIT 999;
SELECT count(*) FROM music.milestones WHERE rule = 'followers';
SELECT id AS last_follower FROM music.users WHERE handle = 'follower1001' \gset
SELECT music.follow(:last_follower, :artist);
SELECT rule, threshold, value FROM music.milestones WHERE rule = 'followers';
SELECT music.unfollow(:last_follower, :artist);
SELECT music.follow(:last_follower, :artist);
SELECT music.unfollow(:last_follower, :artist);
SELECT music.fold_counters() > 0 AS folded;
SELECT music.follow(:last_follower, :artist);
SELECT followers FROM music.creator_stats WHERE creator_id = :artist;
SELECT rule, threshold, value FROM music.milestones WHERE rule = 'followers';

-- revenue and month: close_month fires them from creator_earnings
SELECT music.create_user('indie_user') AS indie_user \gset
SELECT music.create_creator(:indie_user, 'Indie') AS indie \gset
SELECT music.publish_track(:indie, 'B-side', 180000) AS bside \gset
SELECT music.publish_track(:artist, 'Old hit', 180000) AS oldhit \gset
SELECT pg_temp.ingest(:oldhit, 3, '2025-01-10');
SELECT pg_temp.ingest(:bside, 1, '2025-01-20');
SELECT music.record_subscription_payment(:fan, '2025-01-01', 200);
SELECT music.close_month('2025-01-01');
SELECT creator_id = :artist AS is_artist, revenue FROM music.creator_earnings ORDER BY creator_id;
SELECT creator_id = :artist AS is_artist, rule, threshold, value, period
FROM music.milestones WHERE rule IN ('revenue', 'month') ORDER BY creator_id, rule;
SELECT creator_id = :artist AS is_artist, kind, payload - 'milestone_id' AS payload
FROM music.jobs WHERE payload->>'rule' IN ('revenue', 'month') ORDER BY creator_id, kind;
SELECT pg_temp.fails($$SELECT music.close_month('2025-01-01')$$);
SELECT count(*) FROM music.milestones WHERE rule IN ('revenue', 'month');

-- quarter: closes after its last month, for creators active in it
SELECT pg_temp.fails($$SELECT music.close_quarter('2025-01-01')$$);
SELECT music.close_month('2025-02-01');
SELECT music.close_month('2025-03-01');
-- the revenue share waits for its quarter as the worker leaves it (submitted,
-- looking again in an hour); the quarter's close makes it due at once
UPDATE music.jobs SET status = 'submitted', next_attempt_at = now() + interval '1 hour'
WHERE kind = 'revenue_share';
SELECT music.close_quarter('2025-01-01');
SELECT kind, status, next_attempt_at <= now() AS due FROM music.jobs WHERE kind = 'revenue_share';
SELECT creator_id = :artist AS is_artist, threshold, value, period FROM music.milestones
WHERE rule = 'quarter' ORDER BY creator_id;
SELECT count(*) FROM music.jobs WHERE kind = 'pdp_snapshot' AND payload->>'rule' = 'quarter';
SELECT pg_temp.fails($$SELECT music.close_quarter('2025-01-01')$$);
SELECT pg_temp.fails($$SELECT music.close_quarter('2025-02-01')$$);
SELECT pg_temp.fails($$SELECT music.close_quarter(NULL)$$);
SELECT pg_temp.fails($$SELECT music.close_quarter('infinity')$$);

-- the calendar closes ended months since calendar.starts, once
SET music.month_close_delay = 0;
SELECT music.close_due_periods();
UPDATE music.calendar SET starts = date_trunc('month', music.as_of() AT TIME ZONE 'UTC' - interval '2 months');
SELECT music.close_due_periods() AS closed;
SELECT count(*) FROM music.closed_months WHERE month >= date_trunc('month', music.as_of() AT TIME ZONE 'UTC' - interval '2 months');
SELECT music.close_due_periods();

-- verification: the first badge is a milestone, later changes only a job
SELECT music.set_verified(:indie, true);
SELECT rule, threshold FROM music.milestones WHERE rule = 'verification';
SELECT kind, payload - 'milestone_id' AS payload FROM music.jobs WHERE creator_id = :indie ORDER BY id DESC LIMIT 2;
SELECT music.set_verified(:indie, true);
SELECT music.set_verified(:indie, false);
SELECT music.set_verified(:indie, true);
SELECT verified FROM music.creators WHERE id = :indie;
SELECT count(*) FROM music.milestones WHERE rule = 'verification';
SELECT kind, payload FROM music.jobs WHERE kind = 'verification' AND milestone_id IS NULL ORDER BY id;
SELECT pg_temp.fails('SELECT music.set_verified(NULL, true)');
SELECT pg_temp.fails(format('SELECT music.set_verified(%s, NULL)', :indie));
SELECT pg_temp.fails('SELECT music.set_verified(999999, true)');

-- every milestone has its jobs, and no (creator, rule, threshold) twice
SELECT count(*) FROM music.milestones m
WHERE NOT EXISTS (SELECT 1 FROM music.jobs j WHERE j.milestone_id = m.id);
SELECT count(*) FROM (SELECT 1 FROM music.milestones GROUP BY creator_id, rule, threshold HAVING count(*) > 1) d;

-- privileges: rules are music_admin's; apps cannot verify
SET ROLE music_app;
SELECT pg_temp.fails(format('SELECT music.set_verified(%s, true)', :artist));
SELECT pg_temp.fails($$UPDATE music.milestone_rules SET threshold = 10 WHERE rule = 'plays'$$);
RESET ROLE;
SET ROLE music_admin;
SELECT pg_temp.fails($$UPDATE music.milestone_rules SET threshold = 2000 WHERE rule = 'followers'$$);
SELECT pg_temp.fails($$UPDATE music.milestone_rules SET threshold = 0 WHERE rule = 'plays'$$);
SELECT pg_temp.fails($$UPDATE music.milestone_rules SET jobs = '{bogus}' WHERE rule = 'plays'$$);
SELECT pg_temp.fails(format('SELECT music.set_verified(%s, true)', :artist));
SELECT count(*) FROM music.milestones;
RESET ROLE;
