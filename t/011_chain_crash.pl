# Never twice, never lost: the worker is killed with kill -9 at each step of
# carrying a milestone to the chain (after signing, after the ledger commit,
# after the broadcast, before the receipt is recorded).  After the crash
# restart the job finishes, and the chain itself (cast, not our tables)
# shows exactly one transaction and one metrics update for the milestone.
#
# music.chain_pause_at stops the worker at the named step, so the kill lands
# exactly there; the setting is cleared (and the postmaster has reloaded it)
# before the kill, so that the restarted worker carries on.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use lib "$ENV{TESTDIR}/t";
use ChainTest;

my $chain = ChainTest->start;
my $node = $chain->node('crash');
$node->safe_psql('postgres', q{CREATE EXTENSION hybridmusic CASCADE});

my $updated_event = 'CreatorMetricsUpdated(uint256 indexed,uint256,uint256,uint256,uint256,bytes32)';

# Metrics updates the factory applied for a creator, from its event logs.
sub updates_on_chain
{
	my ($creator) = @_;
	my $logs = $chain->cast('logs', '--from-block', 0, '--to-block', 'latest', '--address', $chain->{factory},
		$updated_event, $creator, '--json');
	my @hashes = $logs =~ /"transactionHash"/g;
	return scalar @hashes;
}

# Transactions the worker's signer has had mined.
sub mined_by_signer
{
	return $chain->cast('nonce', $chain->{signer});
}

my $n = 0;
for my $step (qw(after_sign after_store after_broadcast before_receipt))
{
	$n++;
	# the worker reads the pause when it starts
	$node->append_conf('postgresql.conf', "music.chain_pause_at = '$step'\n");
	$node->restart;
	my $creator = $node->safe_psql('postgres', qq{
		SELECT music.create_user('artist_$n') AS artist \\gset
		SELECT music.create_creator(:artist, 'Artist $n')});
	my $mined_before = mined_by_signer();
	my $job = $node->safe_psql('postgres', qq{SELECT music.enqueue_job('metrics_update', '{}', $creator)});

	ok( $node->poll_query_until('postgres',
			q{SELECT query FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'},
			"paused at $step"),
		"$step: the worker stopped at the step");
	my $pid = $node->safe_psql('postgres',
		q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'});

	$node->append_conf('postgresql.conf', "music.chain_pause_at = ''\n");
	$node->reload;
	$node->poll_query_until('postgres', q{SHOW music.chain_pause_at}, '')
	  or die 'the postmaster never reloaded';
	kill 'KILL', $pid;

	ok( $node->poll_query_until('postgres', qq{SELECT status FROM music.jobs WHERE id = $job}, 'done'),
		"$step: the job is done after the crash restart");
	is(updates_on_chain($creator), 1, "$step: the factory applied exactly one metrics update for the milestone");
	is(mined_by_signer() - $mined_before, 1, "$step: the signer had exactly one transaction mined for it");
	is( $node->safe_psql('postgres', qq{
		SELECT count(*) FILTER (WHERE status = 'confirmed') || '/' || count(*)
		FROM music.chain_transactions WHERE job_ids \@> ARRAY[${job}::bigint]}),
		'1/1', "$step: the ledger holds one transaction for the job, confirmed");
}

$node->stop;
done_testing();
