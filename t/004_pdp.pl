# Filecoin PDP snapshots end to end: a PostgreSQL whose worker carries
# pdp_snapshot jobs to the project's PDP test double (test/pdp-double, in
# strict mode: it checks every EIP-712 signature and nonce as FWSS does).
# A creator crosses 1,000 followers; the snapshot is uploaded, committed and
# confirmed, its CID recomputes from the stored bytes, and the next one
# links to it.  Then each fault the double can inject (429, 500, a failed
# transaction, a connection dropped after an accepted POST, the worker
# killed between the POST and the poll) ends with every snapshot confirmed
# once: none lost, none added twice.  Killed after committing 'adding' but
# before the POST, the snapshot waits for the operator (the known limit in
# docs/operations.md), whose documented step lets it go on; PostgreSQL
# restarted in immediate mode after the POST, the worker polls the saved
# status URL.  Polls have deadlines; no fixed sleeps.
use strict;
use warnings;

use File::Temp qw(tempdir);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $root = $ENV{TESTDIR} or die 'TESTDIR is not set';
my $fwss = '0x02925630df557f957f70e112ba06e50965417ca0';
my $payee = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
# the protocol's test key; the double checks signatures against its address
my $key = '0x1234567890123456789012345678901234567890123456789012345678901234';
my $signer = '0x2e988a386a799f506693793c6a5af6b54dfaabfb';
my $work = tempdir(CLEANUP => 1);

# -- the double, on a free loopback port
my ($out, $err) = ('', '');
my $double = IPC::Run::start([ 'node', "$root/test/pdp-double/server.js" ], '<', \undef, '>', \$out, '2>', \$err,
	init => sub {
		$ENV{PDP_FWSS} = $fwss;
		$ENV{PDP_PAYEE} = $payee;
		$ENV{PDP_CHAIN_ID} = '314159';
		$ENV{PDP_FIND_LAG} = '2';
		$ENV{PDP_PENDING_POLLS} = '2';
	});
my $deadline = time + 60;
$double->pump while $out !~ /\n/ && time < $deadline;
my ($port) = $out =~ /"port":(\d+)/ or die "the PDP double did not start: $err";
my $url = "http://127.0.0.1:$port";

# -- a cluster whose worker signs with the test key
my $key_file = "$work/signer.key";
open my $fh, '>', $key_file or die $!;
print $fh "$key\n";
close $fh;
chmod 0600, $key_file;
my $node = PostgreSQL::Test::Cluster->new('pdp');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hybridmusic'
music.database = 'postgres'
music.naptime = '100ms'
music.retry_delay = '200ms'
music.max_attempts = 1000
music.refresh_interval = 0
music.chain_id = 314159
music.signer_key_file = '$key_file'
music.pdp_url = '$url'
music.pdp_record_keeper = '$fwss'
music.pdp_payee = '$payee'
music.pdp_wait = '2s'
music.pdp_poll_interval = '20ms'
restart_after_crash = on
});
$node->start;

# Polls a query until it answers 't', for up to three minutes.
sub poll_sql
{
	my ($sql) = @_;
	my $until = time + 180;
	while (time < $until)
	{
		return 1 if $node->safe_psql('postgres', $sql) eq 't';
		usleep(100_000);
	}
	return 0;
}

# The double's state, and a fault for its next request(s) of a route.
sub double_state { return `curl -s $url/test/state`; }
sub inject
{
	my ($route, $fault) = @_;
	system('curl', '-s', '-X', 'POST', '-H', 'Content-Type: application/json',
		'-d', qq({"route":"$route","fault":"$fault","count":1,"retryAfter":1}), "$url/test/faults") == 0
	  or die 'could not inject a fault';
}

# Adds followers until the creator has $n of them: one more milestone.
sub followers_up_to
{
	my ($n) = @_;
	$node->safe_psql('postgres', qq{
		INSERT INTO music.follows (user_id, creator_id)
		SELECT u.id, 1 FROM music.users u
		WHERE u.handle LIKE 'fan%' AND NOT EXISTS (SELECT FROM music.follows f WHERE f.user_id = u.id)
		ORDER BY u.id LIMIT $n - (SELECT count(*) FROM music.follows)});
}

# Waits until every snapshot is confirmed and there are $n of them.
sub all_confirmed
{
	my ($n) = @_;
	return poll_sql(qq{SELECT count(*) = $n AND bool_and(status = 'confirmed') FROM music.pdp_snapshots});
}

# How many times the double's data sets list a piece CID.
sub times_listed
{
	my ($cid) = @_;
	my @hits = double_state() =~ /"pieceCid":"\Q$cid\E"/g;
	return scalar @hits;
}

$node->safe_psql('postgres', q{
	CREATE EXTENSION hybridmusic CASCADE;
	SELECT music.create_user('artist');
	SELECT music.create_creator(1, 'The Artist');
	INSERT INTO music.users (handle, country, birth_year)
	SELECT 'fan' || g, (ARRAY['DE', 'FR'])[g % 2 + 1], 1980 + g % 30 FROM generate_series(1, 7000) g;
});
is($node->safe_psql('postgres', 'SELECT music.signer_address()'), $signer, 'the worker signs with the test key');

# -- the first snapshot: 1,000 followers
followers_up_to(1000);
ok(all_confirmed(1), 'the 1,000-follower snapshot is confirmed');
my ($cid1, $ds, $piece, $tx) = split /\|/, $node->safe_psql('postgres',
	q{SELECT piece_cid, data_set_id, piece_id, tx_hash FROM music.pdp_snapshots});
like($tx, qr/^0x[0-9a-f]{64}$/, 'its transaction hash is recorded');
is($node->safe_psql('postgres', q{SELECT music.piece_cid(content) FROM music.pdp_snapshots}), $cid1,
	'music.piece_cid recomputes its CID from the stored bytes');
is(times_listed($cid1), 1, 'the provider lists the piece once');
like(double_state(), qr/"id":$ds,"payer":"$signer"/, 'in the data set the worker created, paid by its signer');
is($node->safe_psql('postgres', q{SELECT status FROM music.jobs WHERE kind = 'pdp_snapshot'}), 'done',
	'the job is done');
is($node->safe_psql('postgres', q{SELECT encode(music.latest_snapshot_commitment(1), 'hex')}),
	$node->safe_psql('postgres', qq{SELECT encode(music.piece_cid_root('$cid1'), 'hex')}),
	'its commitment is the dataHash of the next metrics update');

# -- 429 on the upload and 500 on the find: retried, after Retry-After
inject('piece_post', 'status429');
inject('piece_get', 'status500');
followers_up_to(2000);
ok(all_confirmed(2), 'the 2,000-follower snapshot is confirmed despite a 429 and a 500');
is($node->safe_psql('postgres', q{
	SELECT convert_from(s2.content, 'UTF8')::jsonb ->> 'previousPieceCid' = s1.piece_cid
	FROM music.pdp_snapshots s1 JOIN music.pdp_snapshots s2 ON s2.previous_id = s1.id}), 't',
	'the next snapshot links to the first');

# -- a failed transaction ends the attempt with the reason; the next attempt adds the piece
inject('add', 'tx_failed');
followers_up_to(3000);
ok(all_confirmed(3), 'the 3,000-follower snapshot is confirmed after a failed transaction');
like($node->safe_psql('postgres', q{
	SELECT string_agg(error, ';') FROM music.job_attempts WHERE error LIKE '%txStatus failed%'}),
	qr/adding the piece failed \(txStatus failed, addMessageOk false\)/, 'the failed attempt says why');

# -- the connection drops after the provider accepted the add: never re-posted
my $adds_before = (double_state() =~ /"add":(\d+)/)[0];
inject('add', 'drop_after_accept');
followers_up_to(4000);
ok(all_confirmed(4), 'the 4,000-follower snapshot is confirmed although the answer to its POST was lost');
is((double_state() =~ /"add":(\d+)/)[0] - $adds_before, 1, 'its AddPieces was posted once');

# -- the worker is killed between the POST and the poll
$node->append_conf('postgresql.conf', "music.pdp_pause_at = 'after_add_post'\n");
$node->reload;
followers_up_to(5000);
ok(poll_sql(q{SELECT count(*) = 1 FROM pg_stat_activity WHERE query = 'paused at after_add_post'}),
	'the worker stopped after saving the status URL');
ok($node->safe_psql('postgres', q{SELECT status_url IS NOT NULL FROM music.pdp_snapshots WHERE status = 'adding'}) eq 't',
	'the status URL was committed before the first poll');
my $adds_at_kill = (double_state() =~ /"add":(\d+)/)[0];
kill 'KILL', $node->safe_psql('postgres', q{SELECT pid FROM pg_stat_activity WHERE query = 'paused at after_add_post'});
$node->adjust_conf('postgresql.conf', 'music.pdp_pause_at', "''");
$node->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
$node->reload;
ok(all_confirmed(5), 'after the crash the worker polled the saved URL and confirmed the snapshot');
is((double_state() =~ /"add":(\d+)/)[0], $adds_at_kill, 'no AddPieces was posted again');

# -- the worker is killed after committing 'adding' but before the POST: the
# known limit of docs/operations.md.  The worker cannot tell this from a
# POST whose answer was lost, so it never posts again and waits for the
# listing; the operator checks the provider and sets the row back to
# 'uploaded', as the documentation says, and the snapshot goes on.
$node->adjust_conf('postgresql.conf', 'music.pdp_pause_at', "'before_add_post'");
$node->reload;
followers_up_to(6000);
ok(poll_sql(q{SELECT count(*) = 1 FROM pg_stat_activity WHERE query = 'paused at before_add_post'}),
	'the worker stopped before the AddPieces POST');
$adds_at_kill = (double_state() =~ /"add":(\d+)/)[0];
kill 'KILL', $node->safe_psql('postgres', q{SELECT pid FROM pg_stat_activity WHERE query = 'paused at before_add_post'});
$node->adjust_conf('postgresql.conf', 'music.pdp_pause_at', "''");
$node->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
$node->reload;
ok( poll_sql(q{
	SELECT count(*) > 0 FROM music.job_attempts a JOIN music.pdp_snapshots s USING (job_id)
	WHERE s.status = 'adding'
	  AND a.id > (SELECT max(l.id) FROM music.job_attempts l WHERE l.job_id = s.job_id AND l.outcome = 'lost')}),
	'after the crash the worker took the job back and looked for the piece in the listing');
is( $node->safe_psql('postgres', q{SELECT count(*) FROM music.pdp_snapshots WHERE status = 'adding' AND status_url IS NULL}),
	'1', 'the snapshot waits in adding, without a status URL');
is((double_state() =~ /"add":(\d+)/)[0], $adds_at_kill, 'the provider never received its AddPieces');
$node->safe_psql('postgres', q{
	UPDATE music.pdp_snapshots SET status = 'uploaded', status_url = NULL WHERE status = 'adding'});
ok(all_confirmed(6), 'set back to uploaded by the operator, the snapshot is added and confirmed');
is((double_state() =~ /"add":(\d+)/)[0] - $adds_at_kill, 1, 'with one AddPieces POST');

# -- PostgreSQL restarted in immediate mode between the POST and the poll
$node->adjust_conf('postgresql.conf', 'music.pdp_pause_at', "'after_add_post'");
$node->reload;
followers_up_to(7000);
ok(poll_sql(q{SELECT count(*) = 1 FROM pg_stat_activity WHERE query = 'paused at after_add_post'}),
	'the worker stopped after the AddPieces POST');
$adds_at_kill = (double_state() =~ /"add":(\d+)/)[0];
$node->adjust_conf('postgresql.conf', 'music.pdp_pause_at', "''");
$node->stop('immediate');
$node->start;
ok(all_confirmed(7), 'after an immediate-mode restart the worker polled the saved URL and confirmed the snapshot');
is((double_state() =~ /"add":(\d+)/)[0], $adds_at_kill, 'no AddPieces was posted again');

# -- none lost, none twice
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM music.verify_snapshots(1) WHERE content_matches_cid AND links_to_previous}), '7',
	'verify_snapshots: every snapshot hashes to its CID and links to its predecessor');
my @cids = split /\n/, $node->safe_psql('postgres', 'SELECT piece_cid FROM music.pdp_snapshots ORDER BY id');
is(join(',', map { times_listed($_) } @cids), '1,1,1,1,1,1,1', 'each snapshot is in the data set exactly once');
is($node->safe_psql('postgres', q{SELECT count(DISTINCT piece_id) FROM music.pdp_snapshots}), '7', 'with seven piece ids');

$node->stop;
$double->kill_kill;
done_testing();
