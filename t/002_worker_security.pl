# The worker is a superuser in a database whose owner may not be: planted
# operators and functions in public must never run as the worker.  A
# music.database that does not exist yet is reported once and waited for,
# not a FATAL every five seconds.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('tenant');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'hybridmusic'
music.database = 'tenant'
music.naptime = '200ms'
music.retry_delay = '100ms'
music.refresh_interval = 0
});
$node->start;

# -- the database does not exist yet: said once, then waited for
ok( $node->poll_query_until('postgres',
		q{SELECT query FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'},
		'waiting for database "tenant"'),
	'the worker waits for a missing music.database');
ok(!$node->log_contains('FATAL'), 'no FATAL in the log');
my $log = slurp_file($node->logfile);
my $said = () = $log =~ /database "tenant" \(music\.database\) does not exist; waiting for it/g;
is($said, 1, 'the missing database is reported once');

# -- the database owner, not a superuser, plants objects in public that the
# 0.1 worker's queries resolved to: int * interval (job leases and retry
# delays) and power(int, int) (the retry backoff)
$node->safe_psql('postgres', q{
CREATE ROLE tenant_owner LOGIN;
CREATE DATABASE tenant OWNER tenant_owner;
});
$node->safe_psql('tenant', q{
SET ROLE tenant_owner;
CREATE TABLE public.planted_runs (ran_as name);
GRANT INSERT ON public.planted_runs TO PUBLIC;
CREATE FUNCTION public.planted() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.planted_runs VALUES (current_user);
	BEGIN
		ALTER ROLE tenant_owner SUPERUSER;
	EXCEPTION WHEN insufficient_privilege THEN
		NULL;
	END;
END
$$;
CREATE FUNCTION public.int_times_interval(integer, interval) RETURNS interval LANGUAGE plpgsql AS $$
BEGIN
	PERFORM public.planted();
	RETURN $1::float8 * $2;
END
$$;
CREATE OPERATOR public.* (LEFTARG = integer, RIGHTARG = interval, FUNCTION = public.int_times_interval);
CREATE FUNCTION public.power(integer, integer) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	PERFORM public.planted();
	RETURN pg_catalog.power($1::float8, $2::float8);
END
$$;
CREATE EXTENSION pg_trgm;
});
$node->safe_psql('tenant', 'CREATE EXTENSION hybridmusic');

ok( $node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker' AND datname = 'tenant'}),
	'the worker connects once the database exists');

# a job that fails once: claimed (lease), retried (backoff), then done
my $id = $node->safe_psql('tenant',
	q{SELECT music.enqueue_job('noop', '{"fail_attempts": 1}')});
ok($node->poll_query_until('tenant', qq{SELECT status FROM music.jobs WHERE id = $id}, 'done'),
	'the worker ran the job, failing once and then succeeding');
is($node->safe_psql('tenant', qq{SELECT claimed_by FROM music.jobs WHERE id = $id}),
	'worker', 'the worker ran it');
is($node->safe_psql('tenant', q{SELECT count(*) FROM public.planted_runs}),
	'0', 'no planted function or operator ran');
is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'tenant_owner'}),
	'f', 'the database owner is still not a superuser');
ok(!$node->log_contains('FATAL'), 'still no FATAL in the log');

# -- a cancelled drain gives its jobs back at once: the running one as a lost
# attempt, the ones claimed with it but never started without losing one
$node->safe_psql('postgres', q{ALTER SYSTEM SET music.max_attempts = 1; SELECT pg_reload_conf()});
my ($sleeper, $second, $third) = split /\n/, $node->safe_psql('tenant', q{
BEGIN;
SELECT music.enqueue_job('noop', '{"sleep_ms": 600000}');
SELECT music.enqueue_job('noop');
SELECT music.enqueue_job('noop');
COMMIT;
});
$node->poll_query_until('tenant',
	qq{SELECT status = 'running' AND claimed_at IS NOT NULL FROM music.jobs WHERE id = $sleeper})
  or die 'the sleeping job never started';
is($node->safe_psql('tenant',
		qq{SELECT count(*) FROM music.jobs WHERE id IN ($second, $third) AND status = 'running' AND claimed_at IS NULL}),
	'2', 'the jobs claimed with it wait, not started');
$node->safe_psql('postgres',
	q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'});
ok( $node->poll_query_until('tenant',
		qq{SELECT count(*) = 2 FROM music.jobs WHERE id IN ($second, $third) AND status = 'done'}),
	'after the cancel, the jobs that never started run (well within their lease)');
is($node->safe_psql('tenant', qq{SELECT status || ' ' || attempts FROM music.jobs WHERE id = $sleeper}),
	'dead 1', 'the cancelled job lost its attempt (max_attempts = 1)');
is($node->safe_psql('tenant',
		qq{SELECT string_agg(attempts::text, ',' ORDER BY id) FROM music.jobs WHERE id IN ($second, $third)}),
	'1,1', 'the jobs that never started lost no attempt');
is($node->safe_psql('tenant',
		qq{SELECT count(*) FROM music.job_attempts WHERE job_id IN ($second, $third) AND outcome = 'lost'}),
	'0', 'and have no lost attempt in their history');

$node->stop;
done_testing();
