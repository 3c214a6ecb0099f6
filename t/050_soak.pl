# Soak: a mixed pgbench workload of 32 clients against a PostgreSQL whose
# worker is preloaded and carries the milestones the workload crosses to a
# real anvil (contracts deployed by scripts/deploy-contracts) and to the PDP
# test double (strict mode).  The workload: plays with a Zipf track choice
# (record_play), batches (record_plays), likes and unlikes, follows and
# unfollows, comments, playlist edits, searches, chart and app reads.  The
# milestone thresholds are set low so that the run crosses real milestones.
#
# Afterwards: no transaction failed; every counter equals a recount from the
# source tables; every milestone due was fired once, with exactly one set of
# jobs; every job ends done (polled with a deadline); every transaction the
# signer had mined is in the ledger once and every coin and metrics update
# the chain holds is the ledger's; every snapshot is in the double's data
# set once and hashes to its CID.
#
# The run is bounded by a count of transactions, never by the clock:
# HM_SOAK_TRANSACTIONS per client (40 here; `make soak` runs more) and
# HM_SOAK_CLIENTS (32).  With HM_SOAK_REPORT set to a file, the figures of
# the run (throughput, latency percentiles, errors) are written there as
# "name<TAB>value" lines; scripts/soak puts them in docs/benchmarks.md.
use strict;
use warnings;

use File::Temp qw(tempdir);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

use lib "$ENV{TESTDIR}/t";
use ChainTest;

my $root = $ENV{TESTDIR};
my $clients = $ENV{HM_SOAK_CLIENTS} // 32;
my $per_client = $ENV{HM_SOAK_TRANSACTIONS} // 40;
my $report_file = $ENV{HM_SOAK_REPORT};
my $work = tempdir(CLEANUP => 1);

# The catalogue: 8 creators (users 1..8) with 60 tracks between them, and
# 500 fans (users 9..508); milestones every 100 counted plays and every 5
# followers, a coin at 150 counted plays, which the busiest creator passes
# with a wide margin (HM_SOAK_PLAYS_STEP, HM_SOAK_FOLLOWERS_STEP,
# HM_SOAK_COIN_AT: a longer run takes larger steps, so that its snapshots
# stay a few hundred).
my ($creators, $tracks, $first_fan, $last_fan) = (8, 60, 9, 508);
my $plays_step = $ENV{HM_SOAK_PLAYS_STEP} // 100;
my $followers_step = $ENV{HM_SOAK_FOLLOWERS_STEP} // 5;
my $coin_at = $ENV{HM_SOAK_COIN_AT} // 150;

# -- the PDP double, on the chain id of anvil, so one signer serves both
my $fwss = '0x02925630df557f957f70e112ba06e50965417ca0';
my $payee = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
my ($double_out, $double_err) = ('', '');
my $double = IPC::Run::start([ 'node', "$root/test/pdp-double/server.js" ],
	'<', \undef, '>', \$double_out, '2>', \$double_err,
	init => sub {
		$ENV{PDP_FWSS} = $fwss;
		$ENV{PDP_PAYEE} = $payee;
		$ENV{PDP_CHAIN_ID} = '31337';
	});
END { $double->kill_kill if $double; }

my $chain = ChainTest->start;
# the factory's own coin threshold (50,000 plays at deployment) comes down to
# the rule's: scheduled by the admin, applied once its delay has passed
$chain->cast_send($chain->{deployer_key}, $chain->{factory}, 'scheduleParameter(uint8,uint256)', 1, $coin_at);
$chain->cast('rpc', 'evm_increaseTime', 2 * 86400);
$chain->cast('rpc', 'evm_mine');
$chain->cast_send($chain->{deployer_key}, $chain->{factory}, 'applyParameter(uint8)', 1);
is($chain->cast('call', $chain->{factory}, 'coinThreshold()(uint256)'), $coin_at,
	"the factory creates coins at $coin_at plays, as the coin rule");
$chain->poll(sub { $double->pump_nb; $double_out =~ /"port":\d+/ }) or die "the PDP double did not start: $double_err";
my ($double_port) = $double_out =~ /"port":(\d+)/;
my $double_url = "http://127.0.0.1:$double_port";

my $node = $chain->node('soak', qq{
max_connections = 64
music.pdp_url = '$double_url'
music.pdp_record_keeper = '$fwss'
music.pdp_payee = '$payee'
music.pdp_wait = '2s'
music.pdp_poll_interval = '20ms'
});

$node->safe_psql('postgres', qq{
CREATE EXTENSION hybridmusic CASCADE;
SELECT music.create_user('maker' || g) FROM generate_series(1, $creators) g;
SELECT music.create_creator(g, 'Maker ' || g) FROM generate_series(1, $creators) g;
SELECT music.publish_track((g - 1) % $creators + 1, 'Song ' || g, 200000, (ARRAY['pop', 'jazz', 'rock'])[g % 3 + 1])
FROM generate_series(1, $tracks) g;
SELECT music.create_user('fan' || g, country => (ARRAY['DE', 'FR', 'BR'])[g % 3 + 1])
FROM generate_series($first_fan, $last_fan) g;
-- one playlist per client (ids 1..$clients), five tracks each: only its client edits it
SELECT music.create_playlist($first_fan + g, 'Mix ' || g) FROM generate_series(0, $clients - 1) g;
SELECT music.playlist_add(p, (p * 7 + k) % $tracks + 1) FROM generate_series(1, $clients) p, generate_series(1, 5) k;
UPDATE music.milestone_rules SET threshold = CASE rule WHEN 'plays' THEN $plays_step
	WHEN 'followers' THEN $followers_step WHEN 'coin' THEN $coin_at END
WHERE rule IN ('plays', 'followers', 'coin');
SELECT music.refresh_analytics();
});

# -- the workload: one pgbench script per action, with its weight
my $fans = "\\set u random($first_fan, $last_fan)\n";
my $zipf = "\\set t random_zipfian(1, $tracks, 1.2)\n";
my $creator = "\\set c random(1, $creators)\n";
my %scripts = (
	play => [ 35, $fans . $zipf . q{\set ms random(20000, 200000)
\set at random(0, 31535999)
SELECT music.record_play(:u, :t, :ms, timestamptz '2025-01-01 00:00+00' + :at * interval '1 second');
} ],
	batch => [ 5, $fans . qq{\\set t random(1, $tracks)
\\set at random(0, 31000000)
SELECT music.record_plays(array_agg(:u::bigint), array_agg(((:t + g) % $tracks + 1)::bigint), array_agg(180000),
       array_agg(timestamptz '2025-01-01 00:00+00' + (:at + g * 200) * interval '1 second'))
FROM generate_series(1, 20) g;
} ],
	like => [ 8, $fans . $zipf . "SELECT music.like_track(:u, :t);\n" ],
	unlike => [ 3, $fans . $zipf . "SELECT music.unlike_track(:u, :t);\n" ],
	follow => [ 8, $fans . $creator . "SELECT music.follow(:u, :c);\n" ],
	unfollow => [ 3, $fans . $creator . "SELECT music.unfollow(:u, :c);\n" ],
	comment => [ 5, $fans . $zipf . "SELECT music.add_comment(:u, :t, 'soak comment ' || :client_id);\n" ],
	playlist => [ 5, $zipf . q{\set pl :client_id + 1
BEGIN;
SELECT music.playlist_add(:pl, :t);
SELECT music.playlist_move(:pl, 1, n) FROM (SELECT count(*)::int AS n FROM music.playlist_tracks WHERE playlist_id = :pl) s;
SELECT music.playlist_remove(:pl, 1);
COMMIT;
} ],
	search => [ 8, $fans . q{\set q random(1, 60)
SELECT count(*) FROM music.search('song ' || :q, :u);
SELECT count(*) FROM music.search_page('maker');
} ],
	charts => [ 5, q{SELECT count(*) FROM music.weekly_chart();
SELECT count(*) FROM music.trending('week');
SELECT count(*) FROM music.leaderboard('week', 'creator');
} ],
	app => [ 15, $fans . $zipf . $creator . "\\set pl random(1, $clients)\n" . q{SELECT count(*) FROM music.creator_page(:c, :u);
SELECT count(*) FROM music.track(:t, :u);
SELECT count(*) FROM music.home_feed(:u);
SELECT count(*) FROM music.track_comments(:t);
SELECT count(*) FROM music.playlist_tracks(:pl, :u);
SELECT count(*) FROM music.user_profile(:u);
} ],);
my @names = sort keys %scripts;
my @script_args;
for my $name (@names)
{
	my $file = "$work/$name.sql";
	open my $fh, '>', $file or die "$file: $!";
	print $fh $scripts{$name}[1];
	close $fh;
	push @script_args, '-f', "$file\@$scripts{$name}[0]";
}

my $jobs_before = $node->safe_psql('postgres', 'SELECT count(*) FROM music.jobs');
is($jobs_before, '0', 'no job before the workload');

# -- the run: the worker drains jobs while pgbench runs
my ($bench_out, $bench_err) = ('', '');
my $started = time;
my $bench_ok = IPC::Run::run(
	[ 'pgbench', '-n', '-h', $node->host, '-p', $node->port, '-c', $clients, '-j', 2,
		'-t', $per_client, '--random-seed', 17, '--max-tries', 10, '--failures-detailed',
		'-l', '--log-prefix', "$work/txlog", @script_args, 'postgres' ],
	'>', \$bench_out, '2>', \$bench_err);
my $bench_seconds = time - $started;
note(sprintf('pgbench: %.1f s', $bench_seconds));
ok($bench_ok, 'pgbench ran every client to the end') or diag("$bench_out\n$bench_err");
my $total = $clients * $per_client;
my ($processed) = $bench_out =~ /number of transactions actually processed: (\d+)/;
my ($failed) = $bench_out =~ /number of failed transactions: (\d+)/;
my ($retried) = $bench_out =~ /number of transactions retried: (\d+)/;
is($processed, $total, "all $total transactions were processed");
is($failed // 0, 0, 'none failed');

# -- latencies from pgbench's per-transaction logs: script number -> µs
my (%latencies, @all);
for my $log (glob "$work/txlog.*")
{
	open my $fh, '<', $log or die "$log: $!";
	while (<$fh>)
	{
		my (undef, undef, $us, $script) = split;
		next unless $us =~ /^\d+$/;
		push @{ $latencies{ $names[$script] } }, $us;
		push @all, $us;
	}
}
is(scalar @all, $total, 'pgbench logged every transaction');

# -- the worker finishes every job
my $drain_started = time;
ok( $chain->poll_sql($node, q{
	SELECT NOT EXISTS (SELECT FROM music.jobs WHERE status <> 'done')
	   AND NOT EXISTS (SELECT FROM music.counter_deltas)}),
	'the queue drained: every job is done and every delta folded');
my $drain_seconds = time - $drain_started;
note(sprintf('drain: %.1f s', $drain_seconds));
is( $node->safe_psql('postgres', q{
	SELECT string_agg(status || ':' || n, ',' ORDER BY status)
	FROM (SELECT status, count(*) n FROM music.jobs GROUP BY status) s WHERE status <> 'done'}),
	'', 'no job pending, failed, dead or stuck running');

# -- counters: every exact counter against a recount from the source tables
is( $node->safe_psql('postgres', q{
	SELECT count(*) FROM music.track_stats s
	WHERE s.plays <> (SELECT count(*) FROM music.plays p WHERE p.track_id = s.track_id)
	   OR s.counted_plays <> (SELECT count(*) FROM music.plays p WHERE p.track_id = s.track_id AND p.counted)
	   OR s.likes <> (SELECT count(*) FROM music.likes l WHERE l.track_id = s.track_id)
	   OR s.comments <> (SELECT count(*) FROM music.comments c WHERE c.track_id = s.track_id AND c.deleted_at IS NULL)}),
	'0', 'track_stats: plays, counted plays, likes and comments equal a recount');
is( $node->safe_psql('postgres', q{
	SELECT count(*) FROM music.creator_stats s
	WHERE s.plays <> (SELECT count(*) FROM music.plays p WHERE p.creator_id = s.creator_id)
	   OR s.counted_plays <> (SELECT count(*) FROM music.plays p WHERE p.creator_id = s.creator_id AND p.counted)
	   OR s.followers <> (SELECT count(*) FROM music.follows f WHERE f.creator_id = s.creator_id)
	   OR s.likes <> (SELECT count(*) FROM music.likes l JOIN music.tracks t ON t.id = l.track_id
					  WHERE t.creator_id = s.creator_id)
	   OR s.comments <> (SELECT count(*) FROM music.comments c JOIN music.tracks t ON t.id = c.track_id
						 WHERE t.creator_id = s.creator_id AND c.deleted_at IS NULL)}),
	'0', 'creator_stats: plays, counted plays, followers, likes and comments equal a recount');
is( $node->safe_psql('postgres', qq{
	SELECT count(*) FROM music.playlists pl
	WHERE (SELECT array_agg(position ORDER BY position) FROM music.playlist_tracks pt WHERE pt.playlist_id = pl.id)
		  IS DISTINCT FROM ARRAY(SELECT generate_series(1, 5))}),
	'0', 'every playlist still holds positions 1..5, no gap and no duplicate');
my ($plays, $counted, $likes, $follows, $comments) = split /\|/, $node->safe_psql('postgres', q{
	SELECT (SELECT count(*) FROM music.plays), (SELECT count(*) FROM music.plays WHERE counted),
		   (SELECT count(*) FROM music.likes), (SELECT count(*) FROM music.follows),
		   (SELECT count(*) FROM music.comments)});
ok($plays > $total / 2 && $likes > 0 && $follows > 0 && $comments > 0, "the workload wrote ($plays plays, "
	  . "$counted counted, $likes likes, $follows follows, $comments comments)");

note('counted plays by creator: ' . $node->safe_psql('postgres',
	q{SELECT string_agg(creator_id || ':' || counted_plays, ' ' ORDER BY creator_id) FROM music.creator_stats}));

# -- milestones: every step due fired once, each with exactly its rule's jobs
is( $node->safe_psql('postgres', qq{
	SELECT count(*) FROM music.creator_stats s
	WHERE ARRAY(SELECT threshold FROM music.milestones m WHERE m.creator_id = s.creator_id AND m.rule = 'plays'
				ORDER BY threshold)
		  <> ARRAY(SELECT g * $plays_step FROM generate_series(1, s.counted_plays / $plays_step) g)}),
	'0', 'plays: every creator has exactly one milestone per step of counted plays reached');
is( $node->safe_psql('postgres', qq{
	SELECT count(*) FROM music.creator_stats s,
		LATERAL (SELECT array_agg(threshold ORDER BY threshold) AS steps, max(threshold) AS top
				 FROM music.milestones m WHERE m.creator_id = s.creator_id AND m.rule = 'followers') m
	WHERE coalesce(m.top, 0) < s.followers / $followers_step * $followers_step
	   OR m.steps IS DISTINCT FROM (SELECT array_agg(g * $followers_step) FROM generate_series(1, m.top / $followers_step) g)}),
	'0', 'followers: every step up to the highest reached fired once, none missing');
is( $node->safe_psql('postgres', qq{
	SELECT count(*) FROM music.creator_stats s
	WHERE (s.counted_plays >= $coin_at) <> EXISTS (SELECT FROM music.milestones m WHERE m.creator_id = s.creator_id
												  AND m.rule = 'coin')}),
	'0', 'coin: a milestone for exactly the creators past the coin threshold');
my ($milestones, $coins_due) = split /\|/, $node->safe_psql('postgres', q{
	SELECT count(*), count(*) FILTER (WHERE rule = 'coin') FROM music.milestones});
ok($milestones >= 5 && $coins_due >= 1, "the run crossed real milestones ($milestones, $coins_due coin)");
is( $node->safe_psql('postgres', q{
	SELECT count(*) FROM music.milestones m JOIN music.milestone_rules r USING (rule)
	WHERE ARRAY(SELECT kind FROM music.jobs j WHERE j.milestone_id = m.id ORDER BY kind)
		  <> ARRAY(SELECT unnest(r.jobs) ORDER BY 1)}),
	'0', 'each milestone has exactly one set of jobs, those of its rule');
is($node->safe_psql('postgres', 'SELECT count(*) FROM music.jobs WHERE milestone_id IS NULL'), '0',
	'and there is no job without a milestone');

# -- the chain: the ledger against the node, read with cast
my ($confirmed, $other) = split /\|/, $node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status <> 'confirmed')
	FROM music.chain_transactions});
is($other, 0, 'every transaction in the ledger is confirmed');
is($chain->cast('nonce', $chain->{signer}), $confirmed,
	"the signer had exactly the ledger's $confirmed transactions mined");
my @hashes = split /\n/, $node->safe_psql('postgres',
	q{SELECT '0x' || encode(hash, 'hex') FROM music.chain_transactions ORDER BY nonce});
is(join(',', map { $chain->cast('receipt', $_, '--json') =~ /"status":"0x1"/ ? 'ok' : 'failed:' . $_ } @hashes),
	join(',', map { 'ok' } @hashes), 'each of them succeeded on the chain');
is( $node->safe_psql('postgres', q{
	SELECT count(*) FROM music.jobs j
	WHERE j.kind IN ('coin_creation', 'metrics_update')
	  AND (SELECT count(*) FROM music.chain_transactions t WHERE t.job_ids @> ARRAY[j.id] AND t.status = 'confirmed') <> 1}),
	'0', 'each chain job was carried by exactly one confirmed transaction');
my @coins = split /\n/, $node->safe_psql('postgres',
	q{SELECT creator_id || ' 0x' || encode(coin_address, 'hex') FROM music.creator_coins ORDER BY creator_id});
is(scalar @coins, $coins_due, 'one creator coin recorded per coin milestone');
is(join(',', map { my ($c, $a) = split; lc($chain->cast('call', $chain->{factory}, 'coinOf(uint256)(address)', $c)) eq $a ? 'ok' : "creator $c" } @coins),
	join(',', map { 'ok' } @coins), 'coinOf(creator) on the chain is each recorded coin');
my $logs = $chain->cast('logs', '--from-block', 0, '--to-block', 'latest', '--address', $chain->{factory},
	'CreatorMetricsUpdated(uint256 indexed,uint256,uint256,uint256,uint256,bytes32)', '--json');
my @updates = $logs =~ /"transactionHash"/g;
is(scalar @updates, $node->safe_psql('postgres', q{SELECT count(*) FROM music.jobs WHERE kind = 'metrics_update'}),
	'the factory applied one metrics update per metrics_update job');

# -- PDP: every snapshot job has one confirmed piece, listed once by the provider
my $state = `curl -s $double_url/test/state`;
is( $node->safe_psql('postgres', q{
	SELECT count(*) FROM music.jobs j
	WHERE j.kind = 'pdp_snapshot'
	  AND (SELECT count(*) FROM music.pdp_snapshots s WHERE s.job_id = j.id AND s.status = 'confirmed') <> 1}),
	'0', 'each pdp_snapshot job has exactly one confirmed snapshot');
my @cids = split /\n/, $node->safe_psql('postgres', 'SELECT piece_cid FROM music.pdp_snapshots ORDER BY id');
my @listed = $state =~ /"pieceCid":"([^"]+)"/g;
is(scalar @listed, scalar @cids, 'the provider holds as many pieces as the ledger has snapshots (' . scalar(@cids) . ')');
my %times;
$times{$_}++ for @listed;
is(join(',', map { $times{$_} // 0 } @cids), join(',', map { 1 } @cids), 'each snapshot is in the data set once');
is( $node->safe_psql('postgres', q{
	SELECT count(*) FROM music.creators c, music.verify_snapshots(c.id) v
	WHERE NOT (v.content_matches_cid AND v.links_to_previous)}),
	'0', 'verify_snapshots: every snapshot hashes to its CID and links to its predecessor');
ok(!grep(/terminated by signal|PANIC/, slurp_file($node->logfile)), 'no process crashed');

# -- the figures of the run, for docs/benchmarks.md
if ($report_file)
{
	# the p-th percentile of a sorted list, in milliseconds
	my $pct = sub {
		my ($sorted, $p) = @_;
		return sprintf('%.1f', $sorted->[ int($p / 100 * $#$sorted + 0.5) ] / 1000);
	};
	open my $fh, '>', $report_file or die "$report_file: $!";
	printf $fh "clients\t%d\ntransactions\t%d\nseconds\t%.1f\ntps\t%.0f\nfailed\t%d\nretried\t%d\ndrain_seconds\t%.1f\n",
	  $clients, $total, $bench_seconds, $total / $bench_seconds, $failed // 0, $retried // 0, $drain_seconds;
	printf $fh "plays\t%d\ncounted\t%d\nlikes\t%d\nfollows\t%d\ncomments\t%d\nmilestones\t%d\njobs\t%s\n",
	  $plays, $counted, $likes, $follows, $comments, $milestones,
	  $node->safe_psql('postgres', q{SELECT count(*) FROM music.jobs});
	printf $fh "chain_transactions\t%d\nsnapshots\t%d\n", $confirmed, scalar @cids;
	printf $fh "plays_step\t%d\nfollowers_step\t%d\ncoin_at\t%d\n", $plays_step, $followers_step, $coin_at;
	for my $name (@names, 'all')
	{
		my @sorted = sort { $a <=> $b } @{ $name eq 'all' ? \@all : $latencies{$name} // [] };
		next unless @sorted;
		printf $fh "latency\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", $name, $name eq 'all' ? 0 : $scripts{$name}[0],
		  scalar @sorted, map { $pct->(\@sorted, $_) } 50, 95, 99, 100;
	}
	close $fh;
}

$node->stop;
done_testing();
