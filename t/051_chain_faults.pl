# Faults between the worker and the chain node, injected while the worker
# carries jobs to a real anvil (contracts deployed by
# scripts/deploy-contracts).  The worker talks to anvil through a small
# proxy that forwards every request but can, for the next request of a
# given JSON-RPC method (the gas estimate and fee history before signing,
# the broadcast, the receipt): answer HTTP 500 or a JSON-RPC error without
# forwarding; forward and then answer garbage, a truncated body or nothing
# until the client gives up (the node acted, its answer was lost); or
# forward and then stop, refusing connections until the test starts it
# again (the node went down mid-batch and came back).  Then: a transaction
# dropped from anvil's pool, and PostgreSQL restarted in immediate mode
# between the broadcast and the receipt.
#
# After each fault the job ends done, the factory applied exactly one
# metrics update per creator (its event logs, read with cast), the signer
# had exactly one transaction mined, and the ledger holds it once,
# confirmed.  Each fault is shown to have been hit (the proxy consumed it).
# Polls have deadlines; nothing sleeps a fixed time.
use strict;
use warnings;

use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use lib "$ENV{TESTDIR}/t";
use ChainTest;

my $chain = ChainTest->start;
my ($anvil_port) = $chain->{rpc} =~ /:(\d+)$/;
my $work = tempdir(CLEANUP => 1);
my $fault_file = "$work/fault";
my $proxy_port = PostgreSQL::Test::Cluster::get_free_port();
my $proxy_pid;

# Arms a fault for the next request of a method ('' disarms).
sub arm
{
	my ($method, $fault) = @_;
	open my $fh, '>', $fault_file or die "$fault_file: $!";
	print $fh $method ? "$method $fault\n" : '';
	close $fh;
}

# Whether the armed fault was consumed by a request.
sub fault_hit { return -z $fault_file; }

# Reads one HTTP request; returns (head, body).
sub read_request
{
	my ($conn) = @_;
	my $request = '';
	while ($request !~ /\r\n\r\n/)
	{
		sysread($conn, $request, 65536, length $request) or return;
	}
	my ($head, $body) = $request =~ /^(.*?\r\n\r\n)(.*)$/s;
	my ($length) = $head =~ /^Content-Length:\s*(\d+)/mi;
	while (length($body) < ($length // 0))
	{
		sysread($conn, $body, 65536, length $body) or return;
	}
	return ($head, $body);
}

# Sends a body to anvil and returns its whole HTTP answer.
sub forward
{
	my ($body) = @_;
	my $anvil = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $anvil_port) or return '';
	print $anvil "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
	  . "Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
	my $answer = '';
	while (sysread($anvil, $answer, 65536, length $answer)) { }
	return $answer;
}

# Starts the proxy on $proxy_port: one request at a time (the worker is
# its only client).  It leaves with POSIX::_exit so that it never runs the
# test's END blocks.
sub start_proxy
{
	my $server = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $proxy_port, Listen => 16,
		ReuseAddr => 1) or die "listen on $proxy_port: $!";
	$proxy_pid = fork() // die "fork: $!";
	if ($proxy_pid == 0)
	{
		$SIG{PIPE} = 'IGNORE';
		while (my $conn = $server->accept)
		{
			my ($head, $body) = read_request($conn);
			if (!defined $body) { close $conn; next; }
			my ($method) = $body =~ /"method"\s*:\s*"(\w+)"/;
			my ($id) = $body =~ /"id"\s*:\s*(\d+)/;
			open my $fh, '<', $fault_file;
			my ($armed, $fault) = split ' ', (defined $fh ? <$fh> // '' : '');
			$fault = undef unless defined $armed && defined $method && $armed eq $method;
			if ($fault)
			{
				open my $clear, '>', $fault_file;
				close $clear;
			}
			my $reply = sub {
				my ($status, $content) = @_;
				syswrite($conn, "HTTP/1.1 $status\r\nContent-Type: application/json\r\nContent-Length: "
					  . length($content) . "\r\nConnection: close\r\n\r\n$content");
			};
			if (!$fault) { syswrite($conn, forward($body)) }
			elsif ($fault eq 'status500') { $reply->('500 Internal Server Error', 'injected') }
			elsif ($fault eq 'rpc_error')
			{
				$reply->('200 OK', qq({"jsonrpc":"2.0","id":$id,"error":{"code":-32603,"message":"injected failure"}}));
			}
			else
			{
				forward($body);    # the node acts; its answer is lost
				if ($fault eq 'garbage') { $reply->('200 OK', "\x00\xff<html>\x01") }
				elsif ($fault eq 'truncated')
				{
					syswrite($conn, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
						  . qq({"jsonrpc":"2.0","id":$id,"res));
				}
				elsif ($fault eq 'hang')
				{
					my $ignored;
					sysread($conn, $ignored, 1);    # until the client gives up
				}
				elsif ($fault eq 'stop') { POSIX::_exit(0) }
			}
			close $conn;
		}
		POSIX::_exit(0);
	}
	close $server;
}
END { kill 'KILL', $proxy_pid if $proxy_pid; }

arm('');
start_proxy();
my $node = $chain->node('faults', qq{
music.rpc_url = 'http://127.0.0.1:$proxy_port'
music.http_timeout = '1s'
});
$node->safe_psql('postgres', 'CREATE EXTENSION hybridmusic CASCADE');

my $updated_event = 'CreatorMetricsUpdated(uint256 indexed,uint256,uint256,uint256,uint256,bytes32)';
my $n = 0;

# Metrics updates the factory applied for a creator, from its event logs.
sub updates_on_chain
{
	my ($creator) = @_;
	my $logs = $chain->cast('logs', '--from-block', 0, '--to-block', 'latest', '--address', $chain->{factory},
		$updated_event, $creator, '--json');
	my @hashes = $logs =~ /"transactionHash"/g;
	return scalar @hashes;
}

# Creates $count creators and enqueues a metrics_update job for each, in one
# transaction (so one batch carries them); returns (creator ids, job ids).
sub enqueue
{
	my ($count) = @_;
	my (@creators, @jobs);
	my $sql = "BEGIN;\n";
	for (1 .. $count)
	{
		$n++;
		$sql .= "SELECT music.create_user('artist_$n') AS u \\gset\n"
		  . "SELECT music.create_creator(:u, 'Artist $n') AS c \\gset\n"
		  . "SELECT :c, music.enqueue_job('metrics_update', '{}', :c);\n";
	}
	for (split /\n/, $node->safe_psql('postgres', "$sql COMMIT;"))
	{
		my ($c, $j) = split /\|/;
		push @creators, $c;
		push @jobs, $j;
	}
	return (\@creators, \@jobs);
}

# Checks what the chain and the ledger hold for jobs carried together.
sub one_effect
{
	my ($label, $creators, $jobs, $mined_before) = @_;
	my $ids = join(',', @$jobs);
	ok($chain->poll_sql($node, "SELECT bool_and(status = 'done') FROM music.jobs WHERE id IN ($ids)"),
		"$label: the job(s) are done");
	is(join(',', map { updates_on_chain($_) } @$creators), join(',', map { 1 } @$creators),
		"$label: the factory applied exactly one metrics update per creator");
	is($chain->cast('nonce', $chain->{signer}) - $mined_before, 1, "$label: the signer had one transaction mined");
	is( $node->safe_psql('postgres', qq{
		SELECT count(*) FILTER (WHERE status = 'confirmed') || '/' || count(*) FILTER (WHERE status <> 'dropped')
		FROM music.chain_transactions WHERE job_ids && ARRAY[$ids]::bigint[]}),
		'1/1', "$label: the ledger holds that one transaction, confirmed");
}

# -- the node fails one request, before or after acting on it; the gas
# estimate and the fee history come before anything is signed or stored
for my $case (
	[ 'eth_estimateGas', 'status500' ],
	[ 'eth_estimateGas', 'hang' ],
	[ 'eth_feeHistory', 'garbage' ],
	[ 'eth_sendRawTransaction', 'status500' ],
	[ 'eth_sendRawTransaction', 'rpc_error' ],
	[ 'eth_sendRawTransaction', 'garbage' ],
	[ 'eth_sendRawTransaction', 'truncated' ],
	[ 'eth_sendRawTransaction', 'hang' ],
	[ 'eth_getTransactionReceipt', 'status500' ],
	[ 'eth_getTransactionReceipt', 'truncated' ],
	[ 'eth_getTransactionReceipt', 'hang' ],)
{
	my ($method, $fault) = @$case;
	my $label = "$fault on $method";
	my $mined_before = $chain->cast('nonce', $chain->{signer});
	arm($method, $fault);
	my ($creators, $jobs) = enqueue(1);
	one_effect($label, $creators, $jobs, $mined_before);
	ok(fault_hit(), "$label: the fault was hit");
}
like( $node->safe_psql('postgres', q{SELECT string_agg(error, E'\n' ORDER BY id) FROM music.job_attempts WHERE outcome = 'failed'}),
	qr/HTTP status 500.*no answer within 1000 ms/s, 'failed attempts say what the node did');

# -- the node stops right after accepting a batch's transaction, and comes back
{
	my $mined_before = $chain->cast('nonce', $chain->{signer});
	arm('eth_sendRawTransaction', 'stop');
	my ($creators, $jobs) = enqueue(3);
	my $ids = join(',', @$jobs);
	ok($chain->poll(sub { waitpid($proxy_pid, POSIX::WNOHANG()) == $proxy_pid }), 'node stop: the node went down');
	ok( $chain->poll_sql($node, qq{
		SELECT count(*) > 0 FROM music.job_attempts WHERE job_id IN ($ids) AND error LIKE '%HTTP request failed%'}),
		'node stop: the worker found it down');
	is($node->safe_psql('postgres', "SELECT count(*) FROM music.jobs WHERE id IN ($ids) AND status = 'done'"), '0',
		'node stop: no job done while it is down');
	start_proxy();
	one_effect('node stop', $creators, $jobs, $mined_before);
	is( $node->safe_psql('postgres', qq{
		SELECT cardinality(job_ids) FROM music.chain_transactions WHERE job_ids && ARRAY[$ids]::bigint[]}),
		'3', 'node stop: one transaction carried the batch of three');
}

# -- a transaction dropped from the node's pool is broadcast again
{
	my $mined_before = $chain->cast('nonce', $chain->{signer});
	$chain->cast('rpc', 'evm_setAutomine', 'false');
	my ($creators, $jobs) = enqueue(1);
	ok( $chain->poll_sql($node, qq{
		SELECT count(*) = 1 FROM music.chain_transactions WHERE job_ids \@> ARRAY[$jobs->[0]]::bigint[] AND status = 'sent'}),
		'dropped: the transaction was sent');
	my $hash = $node->safe_psql('postgres',
		qq{SELECT '0x' || encode(hash, 'hex') FROM music.chain_transactions WHERE job_ids \@> ARRAY[$jobs->[0]]::bigint[]});
	# the worker cannot rebroadcast while the proxy is down, so the drop shows
	kill 'KILL', $proxy_pid;
	waitpid($proxy_pid, 0);
	$chain->cast('rpc', 'anvil_dropAllTransactions');
	is($chain->try_cast('tx', $hash), '', 'dropped: the node no longer knows it');
	$chain->cast('rpc', 'evm_setAutomine', 'true');
	start_proxy();
	one_effect('dropped', $creators, $jobs, $mined_before);
}

# -- a transaction reverted: the oracle role is revoked in the block that
# mines the worker's transaction (the admin's revocation pays a higher tip,
# so it comes first), and granted back once the revert is recorded; the next
# attempt signs a new transaction
{
	my $mined_before = $chain->cast('nonce', $chain->{signer});
	my $role = $chain->cast('call', $chain->{factory}, 'METRICS_ORACLE_ROLE()(bytes32)');
	$chain->cast('rpc', 'evm_setAutomine', 'false');
	my ($creators, $jobs) = enqueue(1);
	ok( $chain->poll_sql($node, qq{
		SELECT count(*) = 1 FROM music.chain_transactions WHERE job_ids \@> ARRAY[$jobs->[0]]::bigint[] AND status = 'sent'}),
		'reverted: the transaction was sent');
	$chain->cast('send', '--async', '--private-key', $chain->{deployer_key}, '--priority-gas-price', '50gwei',
		'--gas-price', '100gwei', $chain->{factory}, 'revokeRole(bytes32,address)', $role, $chain->{signer});
	$chain->cast('rpc', 'evm_mine');
	$chain->cast('rpc', 'evm_setAutomine', 'true');
	ok( $chain->poll_sql($node, qq{
		SELECT count(*) = 1 FROM music.chain_transactions WHERE job_ids \@> ARRAY[$jobs->[0]]::bigint[] AND status = 'reverted'}),
		'reverted: the ledger records the revert');
	$chain->cast_send($chain->{deployer_key}, $chain->{factory}, 'grantRole(bytes32,address)', $role, $chain->{signer});
	ok($chain->poll_sql($node, "SELECT status = 'done' FROM music.jobs WHERE id = $jobs->[0]"),
		'reverted: the job is done after the role is back');
	is(updates_on_chain($creators->[0]), 1, 'reverted: the factory applied exactly one metrics update');
	is($chain->cast('nonce', $chain->{signer}) - $mined_before, 2,
		'reverted: the signer had two transactions mined, the reverted one and its successor');
	is( $node->safe_psql('postgres', qq{
		SELECT string_agg(status, ',' ORDER BY nonce) FROM music.chain_transactions
		WHERE job_ids \@> ARRAY[$jobs->[0]]::bigint[]}),
		'reverted,confirmed', 'reverted: the ledger holds both, the second confirmed');
	like( $node->safe_psql('postgres', qq{
		SELECT string_agg(error, E'\n' ORDER BY id) FROM music.job_attempts WHERE job_id = $jobs->[0]}),
		qr/updateCreatorMetricsBatch reverted: .*AccessControlUnauthorizedAccount/, 'reverted: the attempt says why');
}

# -- PostgreSQL restarted in immediate mode between broadcast and receipt
{
	my $mined_before = $chain->cast('nonce', $chain->{signer});
	$node->append_conf('postgresql.conf', "music.chain_pause_at = 'after_broadcast'\n");
	$node->restart;
	my ($creators, $jobs) = enqueue(1);
	ok( $node->poll_query_until('postgres',
			q{SELECT query FROM pg_stat_activity WHERE backend_type = 'hybridmusic worker'}, 'paused at after_broadcast'),
		'immediate restart: the worker stopped after the broadcast');
	$node->append_conf('postgresql.conf', "music.chain_pause_at = ''\n");
	$node->stop('immediate');
	$node->start;
	one_effect('immediate restart', $creators, $jobs, $mined_before);
	ok($node->log_contains('took back 1 job'), 'immediate restart: the new worker took the job back');
}

ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no backend crashed');
$node->stop;
done_testing();
