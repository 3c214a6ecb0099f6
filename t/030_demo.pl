# `make demo` at a small scale: it ends well, shows a creator coin's address
# (checked on chain with cast by the demo itself), a fan's DEX purchase, a
# PDP snapshot's piece CID recomputed by music.piece_cid, the quarter's
# claimable share and the figures' PNG; and it leaves no process behind:
# nothing runs from its folder and its anvil and PDP double ports are closed.
use strict;
use warnings;

use IO::Socket::INET;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = $ENV{TESTDIR} or die 'TESTDIR is not set';
my ($out, $err) = ('', '');
my $ok = IPC::Run::run([ "$root/scripts/demo", '--scale', 'small', '--no-install' ], '<', \undef,
	'>', \$out, '2>', \$err, IPC::Run::timeout(900));
ok($ok, 'the demo exits with status 0') or diag("stdout:\n$out\nstderr:\n$err");

my ($demo_dir) = $out =~ m{starting anvil, the PDP test double and PostgreSQL in (\S+)};
ok(defined $demo_dir, 'it says where it runs');
like($out, qr/^\s+1 \| 0x[0-9a-f]{40} \| 0x[0-9a-f]{64} \|/m, 'it shows the coin address and its transaction');
like($out, qr/cast call factory coinOf\(1\): 0x[0-9a-fA-F]{40}/, 'and the factory\'s coinOf on chain');
like($out, qr/fee 0\.025(0*) FIL of 1 FIL \(2\.5%\), [0-9.]+ coins bought/, 'a fan buys it with the 2.5% fee');
like($out, qr/\| bafk[a-z2-7]{50,} +\|.*\| t\s*$/m,
	'it shows a snapshot\'s piece CID, recomputed by music.piece_cid');
like($out, qr/the fan can claim [0-9.]+ FIL/, 'the revenue share is claimable');
my ($png) = $out =~ m{^\s+(/\S+\.png)$}m;
ok(defined $png && -s $png, 'it draws the key figures as a PNG');
like($out, qr/stopped PostgreSQL, anvil and the PDP double; logs in \S+/, 'it says where the logs are');

# -- nothing left running
my @left;
for my $cmdline (glob '/proc/[0-9]*/cmdline')
{
	open my $fh, '<', $cmdline or next;
	my $args = do { local $/; <$fh> } // '';
	push @left, $cmdline if defined $demo_dir && index($args, $demo_dir) >= 0;
}
is(scalar @left, 0, 'no process runs from the demo\'s folder');
for my $url ($out =~ m{(?:anvil|PDP double) at http://(127\.0\.0\.1:\d+)}g)
{
	ok(!IO::Socket::INET->new(PeerAddr => $url, Timeout => 5), "nothing listens on $url any more");
}
ok(!-e "$demo_dir/data", 'the cluster is removed') if defined $demo_dir;
done_testing();
