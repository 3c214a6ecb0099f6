# A node that answers with hostile HTTP: an endless body, headers and then
# silence, garbage, HTTP 500.  The chain client (src/chain_rpc.c) must cut
# each with a clear error, within its size limit and music.http_timeout,
# and the backend must stay up.  The node is a few lines of Perl on a local
# port; music.chain_rpc makes the calls.
use strict;
use warnings;

use IO::Socket::INET;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# serve_one($client): answers one request as its JSON-RPC method asks
sub serve_one
{
	my ($client) = @_;
	my $request = '';
	while ($request !~ /\r\n\r\n/)
	{
		sysread($client, $request, 4096, length $request) or return;
	}
	my ($length) = $request =~ /^Content-Length:\s*(\d+)/mi;
	my ($head) = $request =~ /^(.*?\r\n\r\n)/s;
	while (length($request) < length($head) + ($length // 0))
	{
		sysread($client, $request, 4096, length $request) or return;
	}
	my ($method) = $request =~ /"method":"(\w+)"/;
	$method //= '';
	my $ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
	if ($method eq 'endless')
	{
		syswrite($client, $ok);
		my $chunk = ' ' x 65536;    # JSON whitespace, for ever
		while (defined syswrite($client, $chunk)) { }
	}
	elsif ($method eq 'silent')
	{
		syswrite($client, $ok . '{"jsonrpc":"2.0",');
		my $ignored;
		sysread($client, $ignored, 1);    # until the client gives up
	}
	elsif ($method eq 'garbage')
	{
		syswrite($client, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\n\x00\xff<html>\x01");
	}
	elsif ($method eq 'broken')
	{
		syswrite($client,
			"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!");
	}
	else
	{
		my $body = '{"jsonrpc":"2.0","id":1,"result":"0x7a69"}';
		syswrite($client, "HTTP/1.1 200 OK\r\nContent-Length: " . length($body)
			  . "\r\nConnection: close\r\n\r\n$body");
	}
}

my $server = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 8, ReuseAddr => 1)
  or die "no listening socket: $!";
my $port = $server->sockport;
my $server_pid = fork() // die "fork: $!";
if ($server_pid == 0)
{
	$SIG{PIPE} = 'IGNORE';
	while (my $client = $server->accept)
	{
		serve_one($client);
		close $client;
	}
	exit 0;
}
close $server;
END { kill 'KILL', $server_pid if $server_pid; }

my $node = PostgreSQL::Test::Cluster->new('hostile');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION hybridmusic CASCADE');
my $started = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# call($method): the error music.chain_rpc raises for $method, or '' when it answers
sub call
{
	my ($method) = @_;
	my ($stdout, $stderr);
	$node->psql('postgres',
		"SET music.rpc_url = 'http://127.0.0.1:$port'; SET music.http_timeout = '500ms';"
		  . " SELECT music.chain_rpc('$method')",
		stdout => \$stdout, stderr => \$stderr);
	return $stderr;
}

like(call('endless'), qr/the answer is larger than 16777216 bytes/,
	'an endless answer is cut at the size limit');
like(call('silent'), qr/no answer within 500 ms/, 'a node that stops talking is cut at music.http_timeout');
like(call('garbage'), qr/not JSON/, 'a body that is not JSON is a malformed answer');
like(call('broken'), qr/HTTP status 500/, 'HTTP 500 is an HTTP failure');
is(call('eth_chainId'), '', 'the same node answering properly is read');
is($node->safe_psql('postgres', "SELECT music.chain_rpc('eth_chainId')::text"
	  . " FROM (SELECT set_config('music.rpc_url', 'http://127.0.0.1:$port', false)) s"),
	'"0x7a69"', 'and its result is returned');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started,
	'no backend crashed (the server never restarted)');

$node->stop;
done_testing();
