# End to end on real parts: a PostgreSQL with the worker preloaded and a real
# anvil with the contracts deployed by scripts/deploy-contracts.  A creator
# is driven past 50,000 counted plays through the SQL API; the worker carries
# the milestone to the chain.  Every check of the chain is made with cast,
# not with the project's code: the coin the factory created is the one in
# music.creator_coins, a fan can buy it on the DEX, a linked wallet is set,
# and the quarter's revenue share is claimable by the fan.
use strict;
use warnings;

use File::Temp qw(tempdir);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use lib "$ENV{TESTDIR}/t";
use ChainTest;

my $chain = ChainTest->start;
my $node = $chain->node('e2e');

# -- a creator, a listener's subscription in January 2025 and 50,000
# counted plays that month (pinned times: the test runs the same any day).
my $plays = $node->safe_psql('postgres', q{
BEGIN;
CREATE EXTENSION hybridmusic CASCADE;
SELECT music.create_user('listener') AS listener \gset
SELECT music.create_user('artist') AS artist \gset
SELECT music.create_creator(:artist, 'The Artist') AS creator \gset
SELECT music.publish_track(:creator, 'Song', 30000, 'Pop',
       'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku') AS track \gset
SELECT music.record_subscription_payment(:listener, '2025-01-01', 200) \gset
SELECT sum(music.record_plays(array_fill(:listener::bigint, ARRAY[5000]), array_fill(:track::bigint, ARRAY[5000]),
                              array_fill(30000, ARRAY[5000]),
                              ARRAY(SELECT timestamptz '2025-01-01 00:00+00' + (b * 5000 + g) * interval '30 seconds'
                                    FROM generate_series(0, 4999) g)))
  FROM generate_series(0, 9) b;
COMMIT;
});
is($plays, '50000', '50,000 counted plays recorded through record_plays');
my $creator = $node->safe_psql('postgres', q{SELECT id FROM music.creators});

# -- the coin: created by the factory, recorded from its event
ok( $chain->poll_sql($node, qq{SELECT count(*) = 1 FROM music.creator_coins WHERE creator_id = $creator}),
	'the worker recorded the creator coin');
my $coin = $node->safe_psql('postgres',
	qq{SELECT '0x' || encode(coin_address, 'hex') FROM music.creator_coins WHERE creator_id = $creator});
is(lc($chain->cast('call', $chain->{factory}, 'coinOf(uint256)(address)', $creator)),
	$coin, 'coinOf(creator) on-chain equals music.creator_coins');
ok( $chain->poll_sql($node, q{
	SELECT string_agg(DISTINCT status, ',') = 'done' FROM music.jobs WHERE kind IN ('coin_creation', 'metrics_update')}),
	'the coin and metrics jobs are done');
is( $node->safe_psql('postgres', q{
	SELECT count(*) FROM music.chain_transactions WHERE function = 'updateCreatorMetricsBatch' AND status = 'confirmed'}),
	'1', 'one updateCreatorMetricsBatch carried both jobs');
is( $node->safe_psql('postgres', q{
	SELECT gas_used > 0 AND effective_gas_price > 0 AND block_number > 0 FROM music.chain_transactions
	WHERE function = 'updateCreatorMetricsBatch'}),
	't', 'its gas, price and block are recorded');
like($chain->cast('call', $chain->{factory}, 'metricsOf(uint256)(uint256,uint256,bool)', $creator),
	qr/^\d+\s+50000\b.*\s+true$/m, 'the factory holds 50,000 plays and a coin for the creator');

# -- a fan buys the coin on the DEX
my $deadline = $chain->cast('block', 'latest', '--field', 'timestamp') + 3600;
$chain->cast_send($chain->{fan_key}, $chain->{dex}, 'buy(address,uint256,uint256)', $coin, 0, $deadline,
	'--value', '1ether');
# buys in the coin's first hour are pooled into its launch at one price
# (docs/contracts.md): let the window pass on the chain, then mint the fan's share
my ($commitment) = split ' ', $chain->cast('call', $chain->{dex}, 'commitmentOf(address,address)(uint256)', $coin,
	$chain->{fan});
if ($commitment > 0)
{
	my ($window) = split ' ', $chain->cast('call', $chain->{dex}, 'LAUNCH_WINDOW()(uint256)');
	$chain->cast('rpc', 'evm_increaseTime', $window);
	$chain->cast('rpc', 'evm_mine');
	$chain->cast_send($chain->{fan_key}, $chain->{dex}, 'claimLaunch(address,address)', $coin, $chain->{fan});
}
my ($fan_balance) = split ' ', $chain->cast('call', $coin, 'balanceOf(address)(uint256)', $chain->{fan});
ok($fan_balance > 0, 'a fan bought the creator coin on the DEX');

# -- a linked wallet is set on-chain
my $wallet = lc $chain->{wallet};
my $message = "hybridmusic wallet link: creator $creator, wallet $wallet, chain 31337, factory " . lc $chain->{factory};
my $signature = $chain->cast('wallet', 'sign', '--private-key', $chain->{wallet_key}, $message);
$node->safe_psql('postgres', qq{SELECT music.link_wallet($creator, '$wallet', '$signature')});
ok( $chain->poll(sub {
		my ($on_chain) = split ' ', $chain->cast('call', $chain->{factory}, 'creatorOf(uint256)(address,bool,uint256)', $creator);
		return lc($on_chain) eq $wallet;
	}),
	'the linked wallet is set on-chain');

# -- the quarter's revenue share: closing January 2025 (the calendar of a
# fresh install starts this month, so the worker leaves 2025 to us) makes
# the creator's 140 FIL cross the revenue milestone, 10% to share.  The
# share waits for its quarter, looking again in an hour; closing the
# quarter releases it at once.
$node->safe_psql('postgres', q{
SELECT music.close_month(m) FROM unnest(ARRAY['2025-01-01', '2025-02-01', '2025-03-01']::date[]) m;
});
ok( $chain->poll_sql($node, q{
	SELECT status = 'submitted' AND last_error = 'waiting for its quarter to close'
	       AND next_attempt_at > now() + interval '30 minutes'
	FROM music.jobs WHERE kind = 'revenue_share'}),
	'the revenue share waits for its quarter to close');
$node->safe_psql('postgres', q{SELECT music.close_quarter('2025-01-01')});
ok( $chain->poll_sql($node, q{
	SELECT array_agg(value) = '{14000000000000000000}' FROM music.chain_transactions
	WHERE function = 'distributeBatch' AND status = 'confirmed'}),
	'once the quarter closed, one distributeBatch paid 10% of the creator revenue (14 FIL)');
# a deposit streams to holders over seven days (docs/contracts.md): let a
# week pass on the chain
$chain->cast('rpc', 'evm_increaseTime', '604800');
$chain->cast('rpc', 'evm_mine');
ok( $chain->poll(sub {
		my ($claimable) = split ' ', $chain->cast('call', $chain->{distributor}, 'claimable(address,address)(uint256)',
			$coin, $chain->{fan});
		return $claimable > 0;
	}),
	'the quarterly revenue share is claimable by the fan');
ok( $chain->poll_sql($node, qq{
	SELECT array_agg(DISTINCT event ORDER BY event) = '{coin_available,milestone_reached,revenue_share_claimable}'
	FROM music.notifications WHERE creator_id = $creator}),
	'the creator\'s followers are told of the coin, the milestones and the claimable share');
is( $node->safe_psql('postgres', q{
	SELECT string_agg(job_kind || ':' || transactions, ',' ORDER BY job_kind) FROM music.chain_costs WHERE fees > 0}),
	'coin_creation:1,revenue_share:1,wallet_link:1', 'chain_costs counts the paid transactions per kind');
$node->stop;
done_testing();
