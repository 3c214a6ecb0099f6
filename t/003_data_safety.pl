# What a DBA takes for granted (docs/operations.md, "Backup and restore",
# "Upgrades", "Monitoring"):
# - release 0.1, installed from its shipped script and loaded with a platform
#   (t/platform_0.1.sql), upgrades with ALTER EXTENSION hybridmusic UPDATE without losing
#   a row, to a catalog equal to a fresh install; until then the worker
#   refuses the old SQL objects and says so, and every function of the
#   library refuses them with one clear error (also in a session that cached
#   the answer before another session changed the extension);
# - every table and sequence is registered for pg_dump, and pg_dump -Fc
#   restores with pg_restore into another database and another cluster with
#   every row and sequence position, without counting restored rows again;
#   the API and the worker carry on there;
# - DROP EXTENSION without CASCADE refuses while the platform holds data;
# - CREATE EXTENSION warns when no worker will serve the database;
# - pg_monitor and music_admin can monitor, music_admin can set what the docs
#   say, other roles cannot; docs/operations.md lists every music.* setting.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $catalog_sql = slurp_file('t/catalog_snapshot.sql');

# Count and checksum of every table, position of every sequence in music.
my $relations_sql = q{
SELECT string_agg(format('%s %s', rel, (xpath('/row/x/text()', query_to_xml(q, false, true, '')))[1]), E'\n' ORDER BY rel)
FROM (
	SELECT c.oid::regclass::text AS rel,
		   CASE WHEN c.relkind = 'S'
				THEN format('SELECT last_value || '' '' || is_called AS x FROM %s', c.oid::regclass)
				ELSE format('SELECT count(*) || '' rows '' || md5(coalesce(string_agg(t::text, ''|'' ORDER BY t::text), '''')) AS x FROM %s t', c.oid::regclass)
		   END AS q
	FROM pg_class c WHERE c.relnamespace = 'music'::regnamespace AND c.relkind IN ('r', 'p', 'S')
) r};

# For the upgrade, which may add columns and change types: the row count of
# every table, the position of every sequence, and a checksum of the values
# of every column, with its type.
my $columns_sql = q{
SELECT string_agg(format('%s %s', fact, (xpath('/row/x/text()', query_to_xml(q, false, true, '')))[1]), E'\n' ORDER BY fact)
FROM (
	SELECT format('rows of %s', c.oid::regclass) AS fact,
		   format('SELECT count(*) AS x FROM %s', c.oid::regclass) AS q
	FROM pg_class c WHERE c.relnamespace = 'music'::regnamespace AND c.relkind IN ('r', 'p')
	UNION ALL
	SELECT format('sequence %s at', c.oid::regclass),
		   format('SELECT last_value || '' '' || is_called AS x FROM %s', c.oid::regclass)
	FROM pg_class c WHERE c.relnamespace = 'music'::regnamespace AND c.relkind = 'S'
	UNION ALL
	SELECT format('column %s.%s %s:', c.oid::regclass, a.attname, format_type(a.atttypid, a.atttypmod)),
		   format('SELECT md5(coalesce(string_agg(coalesce(%1$I::text, ''(null)''), ''|'' ORDER BY %1$I::text), '''')) AS x FROM %2$s',
				  a.attname, c.oid::regclass)
	FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	WHERE c.relnamespace = 'music'::regnamespace AND c.relkind IN ('r', 'p')
) f};

# Checks that every fact before the update holds after it; a column whose
# type the update changed is named, not compared.
sub nothing_lost
{
	my ($before, $after) = @_;
	my %after = map { $_ => 1 } split /\n/, $after;
	my (@lost, @retyped);
	for my $fact (split /\n/, $before)
	{
		next if $after{$fact};
		if ($fact =~ /^(column \S+) (.*):/)
		{
			my ($column, $type) = ($1, $2);
			my ($now) = grep { index($_, "$column ") == 0 } keys %after;
			if ($now && index($now, "$column $type:") != 0)
			{
				push @retyped, "$column: $type, now " . ($now =~ /^column \S+ (.*):/)[0];
				next;
			}
		}
		push @lost, $fact;
	}
	ok(@lost == 0, 'ALTER EXTENSION hybridmusic UPDATE keeps every row, value and sequence position')
	  or diag(join("\n", map { "before the update, not after: $_" } @lost));
	note("values of a column whose type the update changed are not compared: $_") for @retyped;
}

# Compares two line sets and names every line that differs.
sub same_lines
{
	my ($got, $expected, $got_name, $expected_name, $what) = @_;
	my %g = map { $_ => 1 } split /\n/, $got;
	my %e = map { $_ => 1 } split /\n/, $expected;
	my @only_got = grep { !$e{$_} } sort keys %g;
	my @only_expected = grep { !$g{$_} } sort keys %e;
	ok(@only_got == 0 && @only_expected == 0 && %g > 0, $what)
	  or diag(join("\n",
		(map { "only in $got_name:      $_" } @only_got),
		(map { "only in $expected_name: $_" } @only_expected)));
}

# Runs sql, expecting it to fail; returns its stderr.
sub fails
{
	my ($node, $db, $sql) = @_;
	my ($ret, $out, $err) = $node->psql($db, $sql);
	return $ret != 0 ? $err : "(succeeded)";
}

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'hybridmusic'
music.database = 'music'
music.naptime = '100ms'
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE music');

# -- 0.1 from its shipped script, with the new library
$node->safe_psql('music', q{CREATE EXTENSION hybridmusic VERSION '0.1' CASCADE});
ok($node->poll_query_until('postgres',
		q{SELECT query FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'},
		'waiting for ALTER EXTENSION hybridmusic UPDATE'),
	'the worker refuses SQL objects of another release');
ok($node->log_contains(
		'hybridmusic worker waits: the installed SQL objects are not of release 0.2 of its library'),
	'and says why in the log');

$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('music'), '-f', 't/platform_0.1.sql' ],
	'a platform is loaded into 0.1\'s tables');
my $before_upgrade = $node->safe_psql('music', $columns_sql);
like($before_upgrade, qr/^rows of music\.plays 6000$/m, 'the platform holds its 6,000 plays');

# -- the library refuses 0.1's SQL objects: every function it exports to SQL
# (writes, reads, triggers) fails with one clear error, and writes nothing
my %refused_call = (
	'record_play' => q{SELECT music.record_play(1, 1, 60000, timestamptz '2026-03-15 00:00+00')},
	'like_track' => q{SELECT music.like_track(299, 1)},
	'search, a read in C' => q{SELECT count(*) FROM music.search('Track')},
	'similar_tracks, a read in C' => q{SELECT count(*) FROM music.similar_tracks(1)},
	'refresh_analytics' => q{SELECT music.refresh_analytics()},
	'the count_events trigger on a plain INSERT' => q{INSERT INTO music.likes (user_id, track_id) VALUES (299, 2)},
);
# psql -v VERBOSITY=verbose prints the SQLSTATE
sub refusal
{
	my ($release, $db) = @_;
	return qr/ERROR:  55000: hybridmusic library 0\.2 does not match the installed SQL objects of version \Q$release\E\n(?:.*\n)*HINT:  Run ALTER EXTENSION hybridmusic UPDATE TO '0\.2' in database "\Q$db\E", or install the hybridmusic library of release \Q$release\E\./;
}
my $loaded = $node->safe_psql('music', $relations_sql);
for my $call (sort keys %refused_call)
{
	like(fails($node, 'music', "\\set VERBOSITY verbose\nSET music.as_of = '2026-04-01 00:00+00';\n$refused_call{$call}"),
		refusal('0.1', 'music'),
		"$call refuses 0.1's SQL objects with object_not_in_prerequisite_state, naming both releases and the update");
}
is($node->safe_psql('music', $relations_sql), $loaded, 'and the refused calls wrote nothing');

# The update and the look at the data in one transaction: the worker, which
# starts working as soon as the update commits, cannot change them between.
my ($upgrade_ret, $after_upgrade, $upgrade_err) = $node->psql('music', "BEGIN; ALTER EXTENSION hybridmusic UPDATE; $columns_sql; COMMIT");
ok($upgrade_ret == 0, 'ALTER EXTENSION hybridmusic UPDATE runs on the loaded 0.1 platform')
  or do { diag($upgrade_err); done_testing(); exit 1; };
$after_upgrade =~ s/^(BEGIN|ALTER EXTENSION|COMMIT)\n//mg;
nothing_lost($before_upgrade, $after_upgrade);
is($node->safe_psql('music', q{SELECT extversion FROM pg_extension WHERE extname = 'hybridmusic'}),
	'0.2', 'the extension is at 0.2');
# (rolled back: the dump below is of the platform as loaded)
for my $call (sort keys %refused_call)
{
	my ($ret, $out, $err) = $node->psql('music',
		"BEGIN;\nSET LOCAL music.as_of = '2026-04-01 00:00+00';\n$refused_call{$call};\nROLLBACK");
	ok($ret == 0, "after the update, $call works") or diag($err);
}
like($node->safe_psql('music', qq{BEGIN; SET LOCAL music.as_of = '2026-04-01 00:00+00'; $refused_call{record_play};
	SELECT count(*) FROM music.plays WHERE played_at = '2026-03-15 00:00+00'; ROLLBACK}),
	qr/^[tf]\n1$/, 'and the play it refused before is recorded now');
# Every C function of 0.2 is declared with HM_FUNCTION (src/datasafety.h),
# which checks the release before the body runs; only the DROP EXTENSION
# guard is not, so that a mismatched extension can still be dropped.
my %checked;
for my $file (glob 'src/*.c')
{
	$checked{$_} = 1 for slurp_file($file) =~ /^HM_FUNCTION\((\w+)\);/mg;
}
my @unchecked = grep { !$checked{$_} && $_ ne 'music_guard_drop_extension' } split /\n/,
  $node->safe_psql('music', q{
	SELECT p.prosrc FROM pg_proc p
	WHERE p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
	  AND p.pronamespace = 'music'::regnamespace ORDER BY 1});
is(join(', ', @unchecked), '', 'every C function of the extension checks the release first (listed here if not)');
ok(keys %checked > 60, 'and the check found the HM_FUNCTION declarations');
my $noop = $node->safe_psql('music', q{SELECT music.enqueue_job('noop')});
ok($node->poll_query_until('music', qq{SELECT status FROM music.jobs WHERE id = $noop}, 'done'),
	'after the update the worker drains again');

# music.worker_status: which database the worker serves, its heartbeats, what waits
ok($node->poll_query_until('music', q{
	SELECT serves_this_database AND worker_pid IS NOT NULL AND last_drain IS NOT NULL AND last_fold IS NOT NULL
		   AND last_refresh IS NOT NULL AND last_calendar IS NOT NULL
	FROM music.worker_status}),
	'music.worker_status shows the worker serving this database and when it last drained, folded, refreshed and closed the calendar');
is($node->safe_psql('music', q{
	SELECT explanation || ' | ' || (worker_pid = (SELECT pid FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'))
		   || ' | ' || (waiting_jobs + running_jobs = (SELECT count(*) FROM music.jobs WHERE status IN ('pending', 'failed', 'submitted', 'running')))
	FROM music.worker_status}),
	'the worker serves this database | true | true', 'and its pid and the jobs that wait for it');

# A fresh 0.2 install to compare with; no worker serves it, and it says so.
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
my ($ret, $out, $err) = $node->psql('fresh', 'CREATE EXTENSION hybridmusic CASCADE');
like($err, qr/WARNING:  the hybridmusic worker serves database "music", not "fresh".*\nHINT:  Set music.database = 'fresh'/s,
	'CREATE EXTENSION warns in a database the worker does not serve, naming music.database');
is($node->safe_psql('fresh', q{SELECT serves_this_database || ' | ' || explanation FROM music.worker_status}),
	q{false | the worker serves database music: set music.database = 'fresh' to serve this one},
	'music.worker_status says that no worker serves this database, and what to set');
same_lines($node->safe_psql('music', $catalog_sql), $node->safe_psql('fresh', $catalog_sql),
	'0.1 updated to 0.2', 'fresh 0.2',
	'0.1 + ALTER EXTENSION UPDATE has the catalog of a fresh 0.2 install');

# -- a backend that found the SQL objects of its release sees another
# session change them: its cached answer is dropped with pg_extension's row
$node->safe_psql('postgres', 'CREATE DATABASE cached');
$node->safe_psql('cached', 'CREATE EXTENSION hybridmusic CASCADE');
my $session = $node->background_psql('cached', on_error_stop => 0);
$session->query_safe('\set VERBOSITY verbose');
$session->query_safe(q{SELECT music.create_user('before')});
$node->safe_psql('cached', q{DROP EXTENSION hybridmusic CASCADE; CREATE EXTENSION hybridmusic VERSION '0.1'});
$session->query(q{SELECT music.create_user('under_0_1')});
like($session->{stderr}, refusal('0.1', 'cached'),
	'a session that ran 0.2 sees 0.1 installed by another session, and refuses it');
$session->{stderr} = '';
$node->safe_psql('cached', 'ALTER EXTENSION hybridmusic UPDATE');
is($session->query_safe(q{SELECT music.create_user('after_update') > 0}),
	't', 'and works again once another session has updated the extension');
$session->quit;
is($node->safe_psql('cached', q{SELECT string_agg(handle, ', ' ORDER BY id) FROM music.users}),
	'after_update', 'the refused call wrote nothing');

# -- every table and sequence of the extension holds platform data and is dumped
is($node->safe_psql('fresh', q{
	SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.relname)
	FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
	JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'hybridmusic'
	WHERE c.relkind IN ('r', 'p', 'S') AND c.oid <> ALL (e.extconfig)}),
	'', 'every table and sequence of the extension is registered for pg_dump (listed here if not)');
is($node->safe_psql('fresh', q{
	SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.relname)
	FROM pg_class c WHERE c.relnamespace = 'music'::regnamespace AND c.relkind IN ('r', 'p', 'S')
	  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'i', 'a'))}),
	'', 'schema music holds no table or sequence outside the extension (listed here if it does)');
my $seeded_sql = q{SELECT string_agg(tgrelid::regclass::text, ', ' ORDER BY tgrelid::regclass::text) FROM pg_trigger WHERE tgname = 'replace_seeded_row'};
is($node->safe_psql('fresh', $seeded_sql),
	'music.analytics_state, music.calendar, music.ip_salt, music.milestone_rules, music.trending_windows',
	'the tables the install script seeds replace their seeded rows on restore');

# -- DROP EXTENSION
like(fails($node, 'music', 'DROP EXTENSION hybridmusic'),
	qr/ERROR:  cannot drop extension hybridmusic while it holds platform data.*HINT:  .*DROP EXTENSION hybridmusic CASCADE/s,
	'DROP EXTENSION refuses while the platform holds data, naming CASCADE as the way to do it on purpose');
is($node->safe_psql('music', 'SELECT count(*) FROM music.plays'), '6000', 'and the data is still there');
$node->safe_psql('fresh', q{SELECT music.create_user('only_user')});
like(fails($node, 'fresh', 'DROP EXTENSION IF EXISTS pg_trgm, hybridmusic'),
	qr/cannot drop extension hybridmusic while it holds platform data/, 'whatever else the statement names');
$node->safe_psql('fresh', 'DROP EXTENSION hybridmusic CASCADE');
pass('DROP EXTENSION ... CASCADE drops the extension with its data');
$node->safe_psql('fresh', 'CREATE EXTENSION hybridmusic; DROP EXTENSION hybridmusic');
pass('DROP EXTENSION of an extension holding no data needs no CASCADE');

# -- the API derives rows from new events: a milestone and its notification,
# superfan scores.  Restored, they must come back as dumped, not derived again.
$node->safe_psql('music', q{
	SET music.as_of = '2026-04-01 00:00+00';
	SELECT music.set_verified(1, true);
	SELECT music.record_play(1, 1, 60000, timestamptz '2026-03-15 00:00+00');
	SELECT music.like_track(299, 1);
	SELECT music.refresh_analytics();
});

# -- dump and restore: the worker leaves the database so that it stays still
$node->safe_psql('postgres', q{ALTER SYSTEM SET music.database = 'postgres'; SELECT pg_reload_conf()});
$node->poll_query_until('postgres',
	q{SELECT datname FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'}, 'postgres')
  or die 'the worker did not move to postgres';
my $dump = $node->basedir . '/music.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('music') ], 'pg_dump -Fc of the platform');
my $source = $node->safe_psql('music', $relations_sql);
like($source, qr/^music\.$_ [1-9]\d* rows /m, "the dumped platform has rows in music.$_")
  for qw(milestones notifications fan_stats fan_score_counts);

$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
	'pg_restore into a fresh database');
same_lines($node->safe_psql('restored', $relations_sql), $source, 'restored', 'dumped',
	'the restored database has every row and sequence position');
same_lines($node->safe_psql('restored', $catalog_sql), $node->safe_psql('music', $catalog_sql),
	'restored', 'dumped', 'and the same catalog');

# into a cluster of its own, whose worker is pointed there only afterwards
my $other = PostgreSQL::Test::Cluster->new('other');
$other->init;
$other->append_conf('postgresql.conf', q{
shared_preload_libraries = 'hybridmusic'
music.database = 'postgres'
music.naptime = '100ms'
});
$other->start;
$other->safe_psql('postgres', 'CREATE DATABASE music');
$other->command_ok([ 'pg_restore', '--exit-on-error', '-d', $other->connstr('music'), $dump ],
	'pg_restore into another cluster');
same_lines($other->safe_psql('music', $relations_sql), $source, 'other cluster', 'dumped',
	'the other cluster has every row and sequence position');

# the API carries on: new ids follow the restored ones
my $max_user = $other->safe_psql('music', 'SELECT max(id) FROM music.users');
my $new_user = $other->safe_psql('music', q{SELECT music.create_user('after_restore')});
is($new_user, $max_user + 1, 'a new user after the restore takes the next id');
my $plays = $other->safe_psql('music', q{SELECT counted_plays FROM music.creator_stats WHERE creator_id = (SELECT creator_id FROM music.tracks WHERE id = 1)});
is($other->safe_psql('music', qq{SELECT music.record_play($new_user, 1, (SELECT duration_ms FROM music.tracks WHERE id = 1),
		(SELECT min(played_at) - interval '1 day' FROM music.plays))}), 't', 'a new play after the restore counts');
is($other->safe_psql('music', q{SELECT counted_plays FROM music.creator_stats WHERE creator_id = (SELECT creator_id FROM music.tracks WHERE id = 1)}),
	$plays + 1, 'a new play counts once on top of the restored counts');

# and the worker carries on there
$other->safe_psql('postgres', q{ALTER SYSTEM SET music.database = 'music'; SELECT pg_reload_conf()});
my $job = $other->safe_psql('music', q{SELECT music.enqueue_job('noop')});
ok($other->poll_query_until('music', qq{SELECT status FROM music.jobs WHERE id = $job}, 'done'),
	'the worker drains the restored platform\'s queue');

# -- monitoring roles
$node->safe_psql('music', q{
	CREATE ROLE watcher LOGIN IN ROLE pg_monitor;
	CREATE ROLE operator LOGIN IN ROLE music_admin;
	CREATE ROLE app LOGIN IN ROLE music_app;
	ALTER SYSTEM SET music.database = 'music';
	SELECT pg_reload_conf();
});
$node->poll_query_until('postgres',
	q{SELECT datname FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'}, 'music')
  or die 'the worker did not come back to music';
is($node->safe_psql('music', q{SET ROLE watcher;
	SELECT (SELECT count(*) > 0 FROM music.job_overview) AND (SELECT serves_this_database FROM music.worker_status)}),
	't', 'pg_monitor members read music.job_overview and music.worker_status');
is($node->safe_psql('music', q{SET ROLE operator;
	SELECT query <> '<insufficient privilege>' FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'}),
	't', 'music_admin sees what the worker does in pg_stat_activity');
is($node->safe_psql('music', q{SET ROLE operator;
	SET music.chart_size = 10; SET music.earnings_model = 'user_centric'; SET music.payout_share = 0.6;
	SELECT current_setting('music.chart_size') || ' ' || current_setting('music.earnings_model')}),
	'10 user_centric', 'music_admin sets the settings the docs give it');
like(fails($node, 'music', q{SET ROLE app; SET music.chart_size = 10}),
	qr/permission denied to set parameter "music.chart_size"/, 'an app role cannot change the chart size');

# -- docs/operations.md lists every music.* setting, as pg_settings has it
my %doc;
for my $line (split /\n/, slurp_file('docs/operations.md'))
{
	next unless $line =~ /^\| `(music\.[a-z_]+)` \| (?:`([^`]*)`|empty) \| ([^|]+) \| ([^|]+) \|/;
	$doc{$1} = { default => $2 // '', set_by => $3, effect => $4 };
}
my %unit_ms = (ms => 1, s => 1000, min => 60_000, h => 3_600_000, d => 86_400_000);
for my $row (split /\n/, $node->safe_psql('music', q{
	SELECT name, boot_val, coalesce(unit, ''), context,
		   has_parameter_privilege('music_admin', name, 'SET'), has_parameter_privilege('music_admin', name, 'ALTER SYSTEM')
	FROM pg_settings WHERE name LIKE 'music.%' ORDER BY name}))
{
	my ($name, $boot, $unit, $context, $admin_set, $admin_alter) = split /\|/, $row;
	my $d = delete $doc{$name};
	ok($d, "docs/operations.md lists $name") or next;
	my $default = $d->{default};
	if ($unit && $default =~ /^(\d+)(ms|s|min|h|d)$/)
	{
		$default = $1 * $unit_ms{$2} / $unit_ms{$unit};
	}
	is($default, $boot, "docs/operations.md gives the default of $name");
	my $effect = { sighup => 'reload', postmaster => 'restart', superuser => 'session', user => 'session' }->{$context};
	like($d->{effect}, qr/^\s*\Q$effect\E\s*$/, "docs/operations.md says when $name takes effect ($effect)");
	my $doc_admin = $d->{set_by} =~ /music_admin( \(ALTER SYSTEM\))?/ ? ($1 ? 'f|t' : 't|t') : 'f|f';
	is("$admin_set|$admin_alter", $doc_admin, "music_admin's privileges on $name (SET|ALTER SYSTEM) are as documented");
}
is(join(', ', sort keys %doc), '', 'docs/operations.md lists no setting that does not exist');

$other->stop;
$node->stop;

# -- without the preload, CREATE EXTENSION says nothing will happen
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
($ret, $out, $err) = $plain->psql('postgres', 'CREATE EXTENSION hybridmusic CASCADE');
like($err, qr/WARNING:  hybridmusic is not in shared_preload_libraries.*\nHINT:  Add hybridmusic to shared_preload_libraries/s,
	'CREATE EXTENSION without the preload warns, naming shared_preload_libraries');
is($plain->safe_psql('postgres', q{SELECT explanation FROM music.worker_status}),
	'no worker: hybridmusic is not in shared_preload_libraries', 'and music.worker_status says why nothing happens');
$plain->stop;

done_testing();
