# Shared by the chain tests: a real anvil with the contracts deployed by
# scripts/deploy-contracts, cast to look at the chain, and PostgreSQL nodes
# whose worker signs for the oracle account.  Polls have deadlines; nothing
# sleeps a fixed time.
package ChainTest;

use strict;
use warnings;

use File::Temp qw(tempdir);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

# anvil's well-known development accounts 0 (deploys), 2 (the worker's
# signer, the oracle) and 3 (the creator's wallet), and a throwaway fan that
# account 0 funds.
my @keys = (
	'0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
	'0x59c6995e998f97a5a0044966f0ebbb7c8ee5787d8c4a44ed0e1b8ad3d8db690d',
	'0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
	'0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');

# How long a poll waits before it gives up; generous for a loaded machine.
my $poll_seconds = 180;

# The anvils started, stopped at the end.
my @anvils;

# Starts anvil and deploys the contracts; the object knows their addresses.
sub start
{
	my ($class) = @_;
	my $root = $ENV{TESTDIR} or die 'TESTDIR is not set';
	my $bin = "$root/contracts/node_modules/\@foundry-rs";
	my $self = bless {
		anvil => "$bin/anvil-linux-amd64/bin/anvil",
		castbin => "$bin/cast-linux-amd64/bin/cast",
		work => tempdir(CLEANUP => 1),
		deployer_key => $keys[0],
		fan_key => $keys[1],
		signer_key => $keys[2],
		wallet_key => $keys[3],
	}, $class;
	-x $self->{anvil} or die "no anvil at $self->{anvil}: run scripts/setup-contracts";

	my $port = PostgreSQL::Test::Cluster::get_free_port();
	$self->{rpc} = "http://127.0.0.1:$port";
	$self->{anvil_run} = IPC::Run::start([ $self->{anvil}, '--host', '127.0.0.1', '--port', $port, '--silent' ],
		'>', "$self->{work}/anvil.log", '2>&1');
	push @anvils, $self->{anvil_run};
	$self->poll(sub { $self->try_cast('chain-id') eq '31337' })
	  or die 'anvil did not start';

	$self->{fan} = $self->cast('wallet', 'address', '--private-key', $self->{fan_key});
	$self->{signer} = $self->cast('wallet', 'address', '--private-key', $self->{signer_key});
	$self->{wallet} = $self->cast('wallet', 'address', '--private-key', $self->{wallet_key});
	$self->cast_send($self->{deployer_key}, $self->{fan}, '--value', '100ether');

	my $deployer_key_file = "$self->{work}/deployer.key";
	write_key($deployer_key_file, $self->{deployer_key});
	$self->{signer_key_file} = "$self->{work}/signer.key";
	write_key($self->{signer_key_file}, $self->{signer_key});
	my ($out, $err);
	IPC::Run::run([ "$root/scripts/deploy-contracts", '--rpc-url', $self->{rpc},
			'--private-key-file', $deployer_key_file, '--out', "$self->{work}/deployment.json",
			'--oracle', $self->{signer} ], '>', \$out, '2>', \$err)
	  or die "deploy-contracts failed: $err";
	my $deployment = slurp_file("$self->{work}/deployment.json");
	for my $contract (qw(factory dex distributor))
	{
		$deployment =~ /"$contract": "(0x[0-9a-fA-F]{40})"/ or die "no $contract in the deployment";
		$self->{$contract} = $1;
	}
	return $self;
}

# Writes a key file only its owner may read, as the worker demands.
sub write_key
{
	my ($file, $key) = @_;
	open my $fh, '>', $file or die "$file: $!";
	print $fh "$key\n";
	close $fh;
	chmod 0600, $file;
}

# A started PostgreSQL node whose worker carries jobs to this chain.
sub node
{
	my ($self, $name, $extra_conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hybridmusic'
music.database = 'postgres'
music.naptime = '100ms'
music.retry_delay = '200ms'
music.max_attempts = 1000
music.refresh_interval = 0
music.rpc_url = '$self->{rpc}'
music.chain_id = 31337
music.signer_key_file = '$self->{signer_key_file}'
music.factory_address = '$self->{factory}'
music.distributor_address = '$self->{distributor}'
restart_after_crash = on
} . ($extra_conf // ''));
	$node->start;
	return $node;
}

# Runs cast against the chain; dies when it fails.  Returns its output, trimmed.
sub cast
{
	my ($self, @args) = @_;
	my ($out, $err);
	push @args, '--rpc-url', $self->{rpc} unless $args[0] eq 'wallet';
	IPC::Run::run([ $self->{castbin}, @args ], '>', \$out, '2>', \$err)
	  or die "cast @args[0..1] failed: $err";
	$out =~ s/\s+$//;
	return $out;
}

# The same, answering '' instead of dying.
sub try_cast
{
	my ($self, @args) = @_;
	my $out = eval { $self->cast(@args) };
	return defined $out ? $out : '';
}

# Sends a transaction with cast; dies when it reverts.
sub cast_send
{
	my ($self, $key, $to, @args) = @_;
	return $self->cast('send', '--private-key', $key, $to, @args);
}

# Calls check until it returns true or the deadline passes; returns whether it did.
sub poll
{
	my ($self, $check) = @_;
	my $deadline = time + $poll_seconds;
	while (time < $deadline)
	{
		return 1 if eval { $check->() };
		usleep(100_000);
	}
	return 0;
}

# Polls until a query answers 't'.
sub poll_sql
{
	my ($self, $node, $sql) = @_;
	return $self->poll(sub { $node->safe_psql('postgres', $sql) eq 't' });
}

# anvil goes when the test ends, however it ends (a die included).
sub END
{
	$_->kill_kill for @anvils;
}

1;
