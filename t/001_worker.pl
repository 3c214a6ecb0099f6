# The background worker, on a cluster with hybridmusic preloaded: it waits
# for the extension, wakes at the commit of a job rather than after its
# naptime, loses and duplicates nothing when killed mid-job, stops promptly
# on SIGTERM, follows music.database on reload, fires milestones missed by
# concurrent writers within about a second, and never runs on a standby.
#
# Timing assertions compare with what the worker would take without the
# feature under test (a minute-long naptime, a job that sleeps 15 s) and
# leave a wide margin, so a loaded machine does not fail them; waits poll
# with a deadline, never a fixed sleep.  The calendar is pinned with
# music.as_of, so month closing gives the same answer on any day.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $worker_pid_sql =
  q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'};

# Returns the worker's pid once it runs (connected to $db).
sub worker_pid
{
	my ($node, $db) = @_;
	$node->poll_query_until('postgres',
		qq{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker' AND datname = '$db'})
	  or die "no hybridmusic worker in $db";
	return $node->safe_psql('postgres', $worker_pid_sql);
}

# Waits until the worker sleeps on its latch.
sub wait_idle
{
	my ($node) = @_;
	$node->poll_query_until('postgres',
		q{SELECT state = 'idle' AND wait_event = 'Extension' FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'})
	  or die "the worker never went idle";
}

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
# A naptime of a minute: anything faster than that was woken at commit.
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'hybridmusic'
music.database = 'postgres'
music.naptime = '60s'
music.refresh_interval = 0
music.as_of = '2026-06-17 12:00:00+00'
restart_after_crash = on
max_connections = 40
track_functions = 'all'
});
$node->start;

# -- the worker starts and waits for the extension
my $pid = worker_pid($node, 'postgres');
ok($pid > 0, 'one worker per cluster, connected to music.database');
$node->poll_query_until('postgres',
	q{SELECT query FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'},
	'waiting for CREATE EXTENSION hybridmusic')
  or die 'worker does not say it waits';
pass('the worker waits while the extension is missing');

$node->safe_psql('postgres', 'CREATE EXTENSION hybridmusic CASCADE');

# -- woken at commit: the first job also makes it notice the extension
my $id = $node->safe_psql('postgres', q{SELECT music.enqueue_job('noop')});
ok($node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'done'),
	'the first job is done');
wait_idle($node);
$id = $node->safe_psql('postgres', q{SELECT music.enqueue_job('noop')});
ok($node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'done'),
	'a job queued while the worker sleeps is done');
is( $node->safe_psql('postgres',
		qq{SELECT finished_at - created_at < interval '20 seconds' FROM music.jobs WHERE id = $id}),
	't',
	'picked up at once, not after music.naptime (a minute)');
is($node->safe_psql('postgres', qq{SELECT claimed_by FROM music.jobs WHERE id = $id}),
	'worker', 'the worker ran it');

# A rolled back job wakes nobody and is never run.
$node->safe_psql('postgres', q{BEGIN; SELECT music.enqueue_job('noop'); ROLLBACK;});
is($node->safe_psql('postgres', q{SELECT count(*) FROM music.jobs}), '2', 'a rolled back job never exists');

# -- pg_stat_activity shows what it does
$id = $node->safe_psql('postgres', q{SELECT music.enqueue_job('noop', '{"sleep_ms": 5000}')});
ok( $node->poll_query_until('postgres',
		q{SELECT query FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'}, 'running jobs'),
	'pg_stat_activity shows the worker running jobs');
$node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'done');

# -- kill -9 mid-job: the job is taken back and done exactly once
$id = $node->safe_psql('postgres', q{SELECT music.enqueue_job('noop', '{"sleep_ms": 3000}')});
$node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'running')
  or die 'job never ran';
$pid = $node->safe_psql('postgres', $worker_pid_sql);
kill 'KILL', $pid;
ok($node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'done'),
	'after kill -9 and the crash restart, the job is done');
my $new_pid = worker_pid($node, 'postgres');
isnt($new_pid, $pid, 'the postmaster started a new worker');
is( $node->safe_psql('postgres',
		qq{SELECT string_agg(attempt || ':' || outcome, ',' ORDER BY id) FROM music.job_attempts WHERE job_id = $id}),
	'1:lost,2:done',
	'the killed attempt is recorded as lost, the job done once');
is($node->safe_psql('postgres', q{SELECT count(*) FROM music.jobs WHERE status <> 'done'}),
	'0', 'no job lost');
ok($node->log_contains('took back 1 job\(s\) interrupted by a previous worker'),
	'the new worker says it took the job back');

# -- a failing job is retried by the worker after its backoff
$node->safe_psql('postgres', q{ALTER SYSTEM SET music.retry_delay = '200ms'; SELECT pg_reload_conf()});
$id = $node->safe_psql('postgres',
	q{SELECT music.enqueue_job('noop', '{"fail_attempts": 2, "error": "rpc down"}')});
ok($node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'done'),
	'a job that fails twice is done on its third attempt');
is( $node->safe_psql('postgres',
		qq{SELECT string_agg(attempt || ':' || outcome || ':' || coalesce(error, ''), ',' ORDER BY id) FROM music.job_attempts WHERE job_id = $id}),
	'1:failed:rpc down,2:failed:rpc down,3:done:',
	'each attempt is recorded with its error');
ok($node->log_contains("job $id \\(noop\\) attempt 2 failed: rpc down"), 'failed attempts are logged');

# -- SIGTERM: stops in the middle of a job, comes back, finishes the job
$id = $node->safe_psql('postgres', q{SELECT music.enqueue_job('noop', '{"sleep_ms": 15000}')});
$node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'running')
  or die 'job never ran';
$pid = $node->safe_psql('postgres', $worker_pid_sql);
my $start = time;
kill 'TERM', $pid;
usleep(10_000) while kill(0, $pid) && time - $start < 60;
my $took = time - $start;
ok(!kill(0, $pid), 'SIGTERM stops the worker');
cmp_ok($took, '<', 7.5, 'without waiting for the 15-second job to end');
ok($node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'done'),
	'the restarted worker finishes the interrupted job');

# -- DROP DATABASE never waits for the worker (it answers procsignal barriers)
$node->safe_psql('postgres', 'CREATE DATABASE scratch');
wait_idle($node);
$start = time;
$node->safe_psql('postgres', 'DROP DATABASE scratch');
cmp_ok(time - $start, '<', 30, 'DROP DATABASE of another database does not wait out the worker\'s minute-long nap');

# -- SIGHUP: music.database moves the worker
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('postgres', q{ALTER SYSTEM SET music.database = 'other'; SELECT pg_reload_conf()});
ok(worker_pid($node, 'other'), 'after a reload the worker connects to the new music.database');
$node->safe_psql('postgres', q{ALTER SYSTEM SET music.database = 'postgres'; SELECT pg_reload_conf()});
worker_pid($node, 'postgres');

# -- milestones from 16 concurrent connections: each threshold exactly once,
# including those two writers both missed, within about a second
$node->safe_psql('postgres', q{
ALTER SYSTEM SET music.naptime = '200ms';
SELECT pg_reload_conf();
UPDATE music.milestone_rules SET threshold = 50 WHERE rule = 'plays';
SELECT music.create_user('artist');
SELECT music.create_creator(1, 'Artist');
SELECT music.publish_track(1, 'Hit', 180000);
INSERT INTO music.users (handle) SELECT 'fan' || g FROM generate_series(1, 800) g;
});
my $track = $node->safe_psql('postgres', q{SELECT id FROM music.tracks});
$node->pgbench(
	'--no-vacuum --client=16 --jobs=2 --transactions=40',
	0, [qr{processed: 640/640}], [qr{^$}],
	'640 plays from 16 connections',
	{
		'plays' => qq{\\set uid random(2, 801)
\\set ago random(1, 1000000)
SELECT music.record_play(:uid, $track, 60000, music.as_of() - :ago * interval '1 second');
}
	});
my $done_at = time;
my $counted = $node->safe_psql('postgres',
	q{SELECT counted_plays FROM music.creator_stats WHERE creator_id = 1});
cmp_ok($counted, '>=', 100, "counted plays: $counted");
my $expected = join(',', map { $_ * 50 } 1 .. int($counted / 50));
ok( $node->poll_query_until('postgres',
		q{SELECT string_agg(threshold::text, ',' ORDER BY threshold) FROM music.milestones WHERE rule = 'plays'},
		$expected),
	'every threshold fired');
cmp_ok(time - $done_at, '<', 15, 'the last one soon after the plays committed (about a second on a quiet machine)');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM music.jobs j JOIN music.milestones m ON m.id = j.milestone_id WHERE m.rule = 'plays'}),
	int($counted / 50), 'one job per milestone, none twice');

# -- scheduled maintenance: counters folded every second, refresh_analytics()
# every music.refresh_interval, ended months closed (looked at again after a
# reload)
ok($node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM music.counter_deltas}),
	'the worker folds counter deltas');
my $refreshes =
  q{SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname = 'refresh_analytics'};
is($node->safe_psql('postgres', $refreshes), '0', 'no refresh while music.refresh_interval = 0');
$node->safe_psql('postgres', q{ALTER SYSTEM SET music.refresh_interval = '1s'; SELECT pg_reload_conf()});
ok($node->poll_query_until('postgres', "SELECT ($refreshes) >= 2"),
	'the worker runs refresh_analytics() every music.refresh_interval');
$node->safe_psql('postgres', q{
INSERT INTO music.plays (user_id, track_id, creator_id, played_at, ms_played, counted)
SELECT 2, 1, 1, (date_trunc('month', music.as_of() AT TIME ZONE 'UTC' - interval '1 month') + interval '1 day') AT TIME ZONE 'UTC', 60000, true
FROM generate_series(1, 3);
UPDATE music.calendar SET starts = date_trunc('month', music.as_of() AT TIME ZONE 'UTC' - interval '2 months');
ALTER SYSTEM SET music.month_close_delay = 0;
SELECT pg_reload_conf();
});
ok( $node->poll_query_until('postgres',
		q{SELECT count(*) FROM music.closed_months WHERE month >= date_trunc('month', music.as_of() AT TIME ZONE 'UTC' - interval '2 months')},
		'2'),
	'the worker closes the two ended months');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM music.creator_earnings WHERE month = date_trunc('month', music.as_of() AT TIME ZONE 'UTC' - interval '1 month')}),
	'1', 'with the earnings of last month');

# -- a standby runs no worker
$node->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'backup', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
# the worker starts only once recovery has finished, so streaming is enough
is($standby->safe_psql('postgres', q{SELECT pg_is_in_recovery()}), 't', 'the standby is in recovery');
is( $standby->safe_psql('postgres',
		q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'}),
	'0', 'the standby runs no worker');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'}),
	'1', 'the primary still runs one');
$standby->stop;
$node->stop;

done_testing();
