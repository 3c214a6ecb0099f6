# The chain client's JSON-RPC paths against a real anvil, and against a
# small local HTTP server that misbehaves on purpose: an HTTP 500, an answer
# that is not JSON, one cut short, one that never comes, one too large, a
# JSON-RPC error, a wrong id and a malformed receipt.  Each must give a
# clear error, and none may crash or hang the backend.
use strict;
use warnings;

use IO::Socket::INET;
use IPC::Run;
use POSIX ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# scripts/test names the binary; a test tree that carries node_modules has it too
my $anvil_bin = $ENV{HYBRIDMUSIC_ANVIL}
  // "$ENV{TESTDIR}/contracts/node_modules/\@foundry-rs/anvil-linux-amd64/bin/anvil";
-x $anvil_bin or BAIL_OUT("no anvil at $anvil_bin: run scripts/setup-contracts");

# anvil's well-known development accounts 0 and 1 (never used outside tests)
my $key0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
my $account0 = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
my $account1 = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';

my $node = PostgreSQL::Test::Cluster->new('chain_rpc');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'hybridmusic'
music.database = 'postgres'
music.http_timeout = '3s'
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION hybridmusic CASCADE');

# Runs SQL and returns (stdout, stderr) without dying on an error.
sub try_sql
{
	my ($sql) = @_;
	my ($stdout, $stderr);
	$node->psql('postgres', $sql, stdout => \$stdout, stderr => \$stderr);
	return ($stdout, $stderr);
}

# Sets a music.* setting for every new session.
sub set_setting
{
	my ($name, $value) = @_;
	$node->safe_psql('postgres', "ALTER SYSTEM SET $name = '$value'");
	$node->reload;
	$node->poll_query_until('postgres', "SELECT current_setting('$name') = '$value'")
	  or die "$name did not take $value";
}

# -- the signer's key in a file only the server's user can read
my $key_file = $node->data_dir . '/signer.key';
open(my $fh, '>', $key_file) or die "$key_file: $!";
print $fh "$key0\n";
close $fh;
chmod 0644, $key_file;
set_setting('music.signer_key_file', $key_file);
my (undef, $err) = try_sql('SELECT music.signer_address()');
like($err, qr/accessible by group or others.*mode is 0644/s, 'a key file readable by others is refused, with its mode');
chmod 0600, $key_file;
is($node->safe_psql('postgres', 'SELECT music.signer_address()'), $account0, 'the signer address of a 0600 key file');

# -- a real anvil on a free loopback port
my $anvil_port = PostgreSQL::Test::Cluster::get_free_port();
my $anvil = IPC::Run::start([ $anvil_bin, '--host', '127.0.0.1', '--port', $anvil_port, '--quiet' ],
	'>', \my $anvil_out, '2>', \my $anvil_err);
set_setting('music.rpc_url', "http://127.0.0.1:$anvil_port");
$node->poll_query_until('postgres', q{SELECT music.chain_rpc('eth_chainId') = '"0x7a69"'})
  or die "anvil did not answer: $anvil_err";
pass('chain_rpc reaches anvil');

is( $node->safe_psql('postgres', q{
	SELECT chain_id, signer, nonce, pending_nonce, next_base_fee > 0, priority_fee >= 0, block_number >= 0
	FROM music.chain_status()}),
	"31337|$account0|0|0|t|t|t",
	'chain_status: chain id, signer, nonces (latest and pending) and fees from the node');

# -- an EIP-1559 transfer signed in C, broadcast and mined
my $raw = $node->safe_psql('postgres', qq{
	SELECT music.sign_transaction(31337, 0, 1000000000, 10000000000, 21000, '$account1', 1000000000000000000, '')});
my $hash = $node->safe_psql('postgres', qq{SELECT music.chain_send_raw_transaction('$raw')});
is($hash, $node->safe_psql('postgres', qq{SELECT '0x' || encode(music.keccak256('$raw'), 'hex')}),
	'the node returns the hash of our raw bytes');
$node->poll_query_until('postgres', qq{SELECT (music.chain_receipt('$hash')).success IS NOT NULL})
  or die 'the transfer was never mined';
is( $node->safe_psql('postgres', qq{
	SELECT success, gas_used, effective_gas_price > 0, block_number > 0, log_count
	FROM music.chain_receipt('$hash')}),
	't|21000|t|t|0', 'its receipt: success, gas used, price, block, no logs');
is($node->safe_psql('postgres', 'SELECT nonce, pending_nonce FROM music.chain_status()'),
	'1|1', 'the signer nonce advanced');
is( $node->safe_psql('postgres', qq{SELECT music.chain_receipt('0x' || repeat('00', 32)) IS NULL}),
	't', 'an unknown transaction has no receipt yet');

# -- broadcasting the same bytes again is a JSON-RPC error, never a second transfer
(undef, $err) = try_sql(qq{SELECT music.chain_send_raw_transaction('$raw')});
like($err, qr/ERROR:  eth_sendRawTransaction: JSON-RPC error -?\d+: .*nonce/i,
	'a rebroadcast mined transaction: the node\'s error, code and message');
is($node->safe_psql('postgres', 'SELECT nonce FROM music.chain_status()'), '1', 'still one transaction');

# -- a contract that emits one log per call: init code returns runtime
# PUSH32 topic, PUSH1 0, PUSH1 0, LOG1, STOP
my $topic = $node->safe_psql('postgres', q{SELECT encode(music.keccak256('Ping()'), 'hex')});
my $runtime = "7f${topic}60006000a100";
my $init = '6027600c60003960276000f3' . $runtime;
my $create = $node->safe_psql('postgres', qq{
	SELECT music.chain_send_raw_transaction(
		music.sign_transaction(31337, 1, 1000000000, 10000000000, 200000, NULL, 0, '\\x$init'))});
$node->poll_query_until('postgres', qq{SELECT (music.chain_receipt('$create')).success})
  or die 'the log contract was never deployed';
my $contract = $node->safe_psql('postgres',
	qq{SELECT music.chain_rpc('eth_getTransactionReceipt', '["$create"]')->>'contractAddress'});
like($contract, qr/^0x[0-9a-f]{40}$/, 'a contract created by a signed creation transaction');
my $gas = $node->safe_psql('postgres', qq{SELECT music.chain_estimate_gas('$contract', '\\x01', '$account0')});
ok($gas > 21000, "eth_estimateGas of a call that logs ($gas)");
is($node->safe_psql('postgres', qq{SELECT music.chain_call('$contract', '\\x01') = ''::bytea}),
	't', 'eth_call returns the (empty) return data');
my $ping = $node->safe_psql('postgres', qq{
	SELECT music.chain_send_raw_transaction(
		music.sign_transaction(31337, 2, 1000000000, 10000000000, $gas, '$contract', 0, '\\x01'))});
$node->poll_query_until('postgres', qq{SELECT (music.chain_receipt('$ping')).success})
  or die 'the ping was never mined';
is($node->safe_psql('postgres', qq{SELECT log_count FROM music.chain_receipt('$ping')}),
	'1', 'the receipt carries the log');
is( $node->safe_psql('postgres', qq{
	SELECT count(*), min(transaction_hash) = '$ping', bool_and(emitter = '$contract'),
	       bool_and(topics[1] = music.keccak256('Ping()')), bool_and(data = '')
	FROM music.chain_logs('$contract', music.keccak256('Ping()'), 0, 1000)}),
	"1|t|t|t|t", 'eth_getLogs finds it by address and topic');
is( $node->safe_psql('postgres', qq{
	SELECT count(*) FROM music.chain_logs('$contract', music.keccak256('Other()'), 0, 1000)}),
	'0', 'and not under another topic');

# -- a call that reverts with Error("no"): init code that copies the revert
# data after itself and reverts with it; the reason reaches the error detail
my $revert_data = '08c379a0' . sprintf('%064x', 32) . sprintf('%064x', 2) . '6e6f' . ('0' x 60);
my $reverting = '6064600c60003960646000fd' . $revert_data;
(undef, $err) = try_sql(qq{SELECT music.chain_rpc('eth_call', '[{"data": "0x$reverting"}, "latest"]')});
like($err, qr/ERROR:  eth_call: JSON-RPC error -?\d+: .*revert.*\nDETAIL:  The call reverted: "no"\./s,
	'a reverting call: the node\'s error, with the decoded reason as detail');
my $failed = $node->safe_psql('postgres', qq{
	SELECT music.chain_send_raw_transaction(
		music.sign_transaction(31337, 3, 1000000000, 10000000000, 200000, NULL, 0, '\\x$reverting'))});
$node->poll_query_until('postgres', qq{SELECT (music.chain_receipt('$failed')).success IS NOT NULL})
  or die 'the reverting creation was never mined';
is($node->safe_psql('postgres', qq{SELECT success FROM music.chain_receipt('$failed')}),
	'f', 'a reverted transaction is mined with status 0');

$anvil->signal('TERM');
$anvil->finish;

# -- a node that misbehaves: one process per connection, chosen by path.
# The server and its children leave with POSIX::_exit, so that they never
# run the test's END blocks (which would stop the cluster), and form one
# process group, stopped together at the end.
my $server = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1',
	LocalPort => 0,
	Listen => 16,
	ReuseAddr => 1) or die "listen: $!";
my $bad_port = $server->sockport;
my $server_pid = fork() // die "fork: $!";
if ($server_pid == 0)
{
	setpgrp(0, 0);
	$SIG{CHLD} = 'IGNORE';
	while (my $conn = $server->accept)
	{
		my $child = fork();
		if (defined $child && $child == 0)
		{
			serve($conn);
			POSIX::_exit(0);
		}
		close $conn;
	}
	POSIX::_exit(0);
}
close $server;

# Answers one request according to its path.
sub serve
{
	my ($conn) = @_;
	alarm 60;    # a hanging answer must not outlive the test
	my $head = '';
	while (my $line = <$conn>)
	{
		$head .= $line;
		last if $line eq "\r\n";
	}
	my ($path) = $head =~ m{^POST (\S+)};
	my ($length) = $head =~ /Content-Length: (\d+)/i;
	read($conn, my $body, $length // 0);
	my ($id) = $body =~ /"id":(\d+)/;
	$path //= '';
	my $send = sub {
		my ($status, $content) = @_;
		print $conn "HTTP/1.1 $status\r\nContent-Type: application/json\r\nContent-Length: "
		  . length($content) . "\r\nConnection: close\r\n\r\n$content";
	};
	if ($path eq '/status500') { $send->('500 Internal Server Error', 'oops') }
	elsif ($path eq '/notjson') { $send->('200 OK', 'hello') }
	elsif ($path eq '/deep') { $send->('200 OK', ('[' x 100000) . (']' x 100000)) }
	elsif ($path eq '/error')
	{
		$send->('200 OK', qq({"jsonrpc":"2.0","id":$id,"error":{"code":-32000,"message":"nonce too low\\n\\u0001 bad"}}));
	}
	elsif ($path eq '/wrongid') { $send->('200 OK', '{"jsonrpc":"2.0","id":999,"result":"0x1"}') }
	elsif ($path eq '/badquantity') { $send->('200 OK', qq({"jsonrpc":"2.0","id":$id,"result":"0xzz"})) }
	elsif ($path eq '/badreceipt')
	{
		$send->('200 OK', qq({"jsonrpc":"2.0","id":$id,"result":{"status":"0x1","blockNumber":7}}));
	}
	elsif ($path eq '/truncated')
	{
		print $conn "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
		  . qq({"jsonrpc":"2.0","id":$id,"res);
	}
	elsif ($path eq '/huge')
	{
		my $size = 17 * 1024 * 1024;
		print $conn "HTTP/1.1 200 OK\r\nContent-Length: $size\r\nConnection: close\r\n\r\n";
		my $chunk = ' ' x 65536;
		for (1 .. $size / 65536) { print $conn $chunk or last }
	}
	elsif ($path eq '/hang') { sleep 60 }
	close $conn;
}

my @cases = (
	[ 'status500', q{SELECT music.chain_rpc('eth_chainId')}, qr/08006.*eth_chainId: HTTP status 500/ ],
	[ 'notjson', q{SELECT music.chain_rpc('eth_chainId')}, qr/08P01.*malformed answer from the node: not JSON/ ],
	[ 'deep', q{SELECT music.chain_rpc('eth_chainId')}, qr/08P01.*malformed answer from the node/ ],
	[ 'error', q{SELECT music.chain_rpc('eth_chainId')},
		qr/38000.*eth_chainId: JSON-RPC error -32000: nonce too low\?\? bad$/m ],
	[ 'wrongid', q{SELECT music.chain_rpc('eth_chainId')}, qr/08P01.*the answer's id is not the request's/ ],
	[ 'badquantity', q{SELECT music.chain_status()}, qr/08P01.*eth_chainId: malformed answer.*hex quantity/ ],
	[ 'badreceipt', q{SELECT music.chain_receipt('0x' || repeat('11', 32))},
		qr/08P01.*eth_getTransactionReceipt: malformed answer.*lacks a field/ ],
	[ 'truncated', q{SELECT music.chain_rpc('eth_chainId')}, qr/08006.*eth_chainId: HTTP request failed: .*transfer closed/ ],
	[ 'huge', q{SELECT music.chain_rpc('eth_chainId')}, qr/08006.*the answer is larger than 16777216 bytes/ ],
	[ 'hang', q{SELECT music.chain_rpc('eth_chainId')}, qr/08006.*no answer within 1000 ms \(music.http_timeout\)/ ],);

set_setting('music.http_timeout', '1s');
foreach my $case (@cases)
{
	my ($path, $sql, $expected) = @$case;
	set_setting('music.rpc_url', "http://127.0.0.1:$bad_port/$path");
	(undef, $err) = try_sql("\\set VERBOSITY verbose\n$sql");
	like($err, $expected, "$path: a clear error");
}
# -- a cancel ends a request that waits on the node at once, long before the timeout
set_setting('music.http_timeout', '10min');
set_setting('music.rpc_url', "http://127.0.0.1:$bad_port/hang");
my ($cancel_out, $cancel_err) = ('', '');
my $waiting = IPC::Run::start(
	[ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c', q{SELECT music.chain_rpc('eth_chainId')} ],
	'>', \$cancel_out, '2>', \$cancel_err);
$node->poll_query_until('postgres', q{
	SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'SELECT music.chain_rpc%' AND state = 'active'})
  or die 'the request never started';
$node->safe_psql('postgres', q{
	SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT music.chain_rpc%' AND state = 'active'});
$waiting->finish;
like($cancel_err, qr/canceling statement due to user request/, 'a cancel interrupts a request to a node that hangs');

is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is still up');
ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no backend crashed');

kill 'TERM', -$server_pid;
waitpid($server_pid, 0);
$node->stop;
done_testing();
