# The disk holding the server log is full: every write to the log fails
# with ENOSPC (the log is /dev/full, which answers every write so).  The
# worker and the API must carry on as if nothing happened: jobs are done,
# a failing job is retried and done, plays are recorded, errors still
# reach the client, and nobody crashes.  Afterwards, with a log that can
# be written again, the server shows no crash and the worker is the same
# process that ran through the outage (a crash of any server process
# would have restarted it).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $worker_pid_sql =
  q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'};

my $node = PostgreSQL::Test::Cluster->new('log_full');
$node->init;
# Everything the server and the worker can say goes to the log: each
# statement, each job's failure, the worker's own debug lines.
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'hybridmusic'
music.database = 'postgres'
music.naptime = '60s'
music.retry_delay = 100
music.as_of = '2026-06-17 12:00:00+00'
log_statement = 'all'
log_min_messages = debug1
logging_collector = off
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION hybridmusic CASCADE');
$node->stop;

# -- the log's disk is full
my $log = $node->logfile;
unlink $log or die "cannot remove $log: $!";
symlink '/dev/full', $log or die "cannot link $log to /dev/full: $!";
$node->start;
$node->poll_query_until('postgres', qq{SELECT count(*) = 1 FROM ($worker_pid_sql) w})
  or die 'no worker';
my $worker = $node->safe_psql('postgres', $worker_pid_sql);

my $id = $node->safe_psql('postgres', q{SELECT music.enqueue_job('noop')});
ok($node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'done'),
	'a job is done while no log line can be written');
$id = $node->safe_psql('postgres',
	q{SELECT music.enqueue_job('noop', '{"fail_attempts": 2, "error": "injected"}')});
ok($node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'done'),
	'a job that fails twice (each failure logged) is retried and done');
is($node->safe_psql('postgres', qq{SELECT attempts FROM music.jobs WHERE id = $id}),
	'3', 'after exactly three attempts');

is( $node->safe_psql('postgres', q{
	SELECT music.create_user('listener') AS u \gset
	SELECT music.create_creator(music.create_user('artist'), 'Artist') AS c \gset
	SELECT music.publish_track(:c, 'Song', 180000) AS t \gset
	SELECT music.record_play(:u, :t, 60000, music.as_of() - interval '1 hour');
	SELECT plays FROM music.track_stats WHERE track_id = :t;
}),
	"t\n1", 'a play is recorded and counted');

my ($status, $stdout, $stderr) =
  $node->psql('postgres', q{SELECT music.create_user('no')});
isnt($status, 0, 'a bad call still fails');
like($stderr, qr/invalid handle "no"/, 'and its error still reaches the client');

# a crash of any server process restarts them all, the worker included
is($node->safe_psql('postgres', $worker_pid_sql), $worker,
	'no process crashed: the worker that ran through the full log is the same process');

# -- room on the disk again: nothing crashed meanwhile
$node->stop;
unlink $log or die "cannot remove the link $log: $!";
$node->start;
$id = $node->safe_psql('postgres', q{SELECT music.enqueue_job('noop')});
ok($node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $id}, 'done'),
	'with a log again, the worker carries on');
is( $node->safe_psql('postgres', q{
	SELECT count(*) FROM music.jobs WHERE status <> 'done'}),
	'0', 'no job was lost or left behind');
$node->stop;
done_testing();
