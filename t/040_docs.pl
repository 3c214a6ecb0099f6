# docs/sql-api.md and docs/bi.md against the installed extension: every
# name they document exists with the documented arguments, columns and
# roles, and everything music_app, music_reader, music_admin and pg_monitor
# may use is documented.  It reads the conventions that docs/sql-api.md
# states ("How this reference is checked"), in backticks outside code blocks:
# - `name(arg type DEFAULT x, ...) → type`: a function's signature, its input
#   arguments in order; `→ setof (col type, ...)` or `→ (col, ...)` gives the
#   result columns (types optional), `→ setof type` / `→ type` the type;
# - `name(arg, ...)`, names only: the same, trailing arguments that have
#   defaults may be left out; `name()` and `name(...)` mention a function
#   (`name()` documents one without arguments); `music.name('x')` is a call;
#   in a table headed `function | columns | ...` the second cell lists the
#   result columns (words in parentheses are comments);
# - `music.name (col, ...)` or `name (col, ...)`, with a space: a table or
#   view with exactly these columns; in the lists "Every relation and its
#   columns" (bi.md, music_reader) and "Tables and views" (sql-api.md,
#   music_admin) each item says "(view)" and "(also music_app)" / "(also
#   pg_monitor)" when so;
# - `music.name`: a relation, function or setting; `relation.column` a column;
# - a heading `### `signature` (music_admin)` or a section heading
#   `### Title (music_app, music_reader)` names who may call: "every role" is
#   the three music_ roles, "internal" and a row saying "superusers only"
#   none of them, music_admin alone means not app or reader;
# - `music_*`: a role; the Roles table of sql-api.md lists every music_ role.
# The other docs but scaling.md: every music.<name> exists.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my @docs = ('docs/sql-api.md', 'docs/bi.md');
my @roles = qw(music_app music_reader music_admin pg_monitor);

my $node = PostgreSQL::Test::Cluster->new('docs');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'hybridmusic'
music.database = 'postgres'
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE music');
$node->safe_psql('music', 'CREATE EXTENSION hybridmusic CASCADE');

# rows SQL: the rows of a query, as arrays of fields
sub rows
{
	my $out = $node->safe_psql('music', $_[0]);
	return map { [ split /\|/, $_, -1 ] } grep { length } split /\n/, $out;
}

my $role_list = join(',', map { "'$_'" } @roles);

# -- the catalog
my (%fn, %rel, %setting, %role);
for my $r (rows(qq{
	SELECT p.proname,
		   coalesce((SELECT string_agg(format('%s %s', coalesce(nullif(a.n, ''), '?'),
					 replace(format_type(a.t, NULL), ' ', '_')), ',' ORDER BY a.i)
			 FROM unnest(coalesce(p.proargnames, array_fill(''::text, array[cardinality(coalesce(p.proallargtypes, p.proargtypes::oid[]))])),
						 coalesce(p.proargmodes::text[], array_fill('i'::text, array[p.pronargs::int])),
						 coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY AS a(n, m, t, i)
			 WHERE a.m IN ('i', 'b', 'v')), ''),
		   coalesce((SELECT string_agg(format('%s %s', a.n, replace(format_type(a.t, NULL), ' ', '_')), ',' ORDER BY a.i)
			 FROM unnest(p.proargnames, p.proargmodes::text[], p.proallargtypes) WITH ORDINALITY AS a(n, m, t, i)
			 WHERE a.m IN ('o', 'b', 't')), ''),
		   p.proretset::int, replace(format_type(p.prorettype, NULL), ' ', '_'),
		   (SELECT string_agg(r, ',') FROM unnest(array[$role_list]) r
			WHERE has_function_privilege(r, p.oid, 'EXECUTE'))
	FROM pg_proc p WHERE p.pronamespace = 'music'::regnamespace}))
{
	my ($name, $in, $out, $retset, $rettype, $users) = @$r;
	# input arguments: [name, type, has default (set below)]
	my @in = map { [ split / / ] } grep { length } split /,/, $in;
	$fn{$name} = {
		in => \@in,
		out => [ map { [ split / / ] } grep { length } split /,/, $out ],
		retset => $retset, rettype => $rettype, users => $users };
}
# pronargdefaults counts the trailing input arguments that have a default
for my $r (rows(q{SELECT proname, pronargs, pronargdefaults FROM pg_proc WHERE pronamespace = 'music'::regnamespace}))
{
	my ($name, $nargs, $ndef) = @$r;
	my $i = 0;
	$_->[2] = ($i++ >= $nargs - $ndef) ? 1 : 0 for @{ $fn{$name}{in} };
}
for my $r (rows(qq{
	SELECT c.relname, c.relkind, string_agg(a.attname, ',' ORDER BY a.attnum),
		   (SELECT string_agg(r, ',') FROM unnest(array[$role_list]) r WHERE has_table_privilege(r, c.oid, 'SELECT'))
	FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	WHERE c.relnamespace = 'music'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
	GROUP BY c.oid, c.relname, c.relkind}))
{
	$rel{ $r->[0] } = { kind => $r->[1], cols => [ split /,/, $r->[2] ], users => $r->[3] };
}
$setting{ $_->[0] } = 1 for rows(q{SELECT name FROM pg_settings WHERE name LIKE 'music.%'});
my %sequence = map { $_->[0] => 1 } rows(q{SELECT relname FROM pg_class WHERE relnamespace = 'music'::regnamespace AND relkind = 'S'});
$role{ $_->[0] } = 1 for rows(q{SELECT rolname FROM pg_roles WHERE rolname LIKE 'music\_%'});
ok(keys %fn > 50 && keys %rel > 30 && keys %setting > 5 && keys %role >= 4, 'the catalog is read');

# type SQL-TYPE: the type's canonical name as format_type gives it
my %type_cache;
sub type
{
	my ($t) = @_;
	return $type_cache{$t} //= do {
		my ($ret, $out) = $node->psql('music', "SELECT replace(format_type('$t'::regtype, NULL), ' ', '_')");
		$ret == 0 ? $out : "(no type $t)";
	};
}

# -- the docs: backtick spans outside code blocks, and table rows
my (%documented_fn, %documented_rel, @problems);
my $spans = 0;

# problem FILE LINE TEXT: one mismatch, named
sub problem { push @problems, "$_[0]:$_[1]: $_[2]"; }

# split_list TEXT: a comma-separated list, ignoring commas in parentheses or quotes
sub split_list
{
	my ($text) = @_;
	my (@items, $depth, $cur, $quote);
	($depth, $cur, $quote) = (0, '', '');
	for my $c (split //, $text)
	{
		if ($quote) { $quote = '' if $c eq $quote; }
		elsif ($c eq "'" || $c eq '"') { $quote = $c; }
		elsif ($c eq '(' || $c eq '[' || $c eq '{') { $depth++; }
		elsif ($c eq ')' || $c eq ']' || $c eq '}') { $depth--; }
		elsif ($c eq ',' && $depth == 0) { push @items, $cur; $cur = ''; next; }
		$cur .= $c;
	}
	push @items, $cur if $cur =~ /\S/;
	s/^\s+|\s+$//g for @items;
	return @items;
}

# check_columns WHERE WHAT DOCUMENTED-ITEMS CATALOG-COLUMNS: names (and types when given)
sub check_columns
{
	my ($file, $line, $what, $doc, $cat) = @_;
	my @doc = map { [ /^"?([a-z_][a-z0-9_]*)"?(?:\s+(.+))?$/ ] } @$doc;
	my @names = map { $_->[0] // '?' } @doc;
	my @cat_names = map { $_->[0] } @$cat;
	if ("@names" ne "@cat_names")
	{
		my %d = map { $_ => 1 } @names;
		my %c = map { $_ => 1 } @cat_names;
		my @missing = grep { !$d{$_} } @cat_names;
		my @extra = grep { !$c{$_} } @names;
		problem($file, $line, "$what: the docs give (" . join(', ', @names) . "), the catalog has ("
			  . join(', ', @cat_names) . ")"
			  . (@missing ? '; undocumented: ' . join(', ', @missing) : '')
			  . (@extra ? '; no such column: ' . join(', ', @extra) : '')
			  . (!@missing && !@extra ? '; order differs' : ''));
		return;
	}
	for my $i (0 .. $#doc)
	{
		next unless defined $doc[$i][1] && defined $cat->[$i][1];
		my $t = type($doc[$i][1]);
		problem($file, $line, "$what: $names[$i] is $cat->[$i][1], the docs say $doc[$i][1]")
		  if $t ne $cat->[$i][1];
	}
}

# check_function FILE LINE SPAN NAME ARGS RESULT: one function span
sub check_function
{
	my ($file, $line, $span, $name, $args, $result) = @_;
	my $f = $fn{$name};
	if (!$f)
	{
		problem($file, $line, "`$span`: there is no function music.$name");
		return;
	}
	return if $args =~ /^\s*\.\.\.\s*$/;    # a mention
	my @args = split_list($args);
	my @in = @{ $f->{in} };
	# a call with literal arguments only says that the function exists
	return if !defined $result && grep { !/^"?[a-z_][a-z0-9_]*"?$/ && !/^"?[a-z_][a-z0-9_]*"?\s+[a-z]/ } @args;
	if (!@args && !defined $result)
	{
		$documented_fn{$name} = 1 unless @in;
		return;
	}
	my @doc = map {
		my ($n, $rest) = /^"?([a-z_][a-z0-9_]*)"?\s*(.*)$/;
		my ($t, $d) = ($rest // '') =~ /^(.*?)\s*(DEFAULT\s.*)?$/;
		[ $n, length($t // '') ? $t : undef, defined $d ? 1 : 0 ]
	} @args;
	my $sig = "music.$name(" . join(', ', map { "$_->[0] " . ($_->[1] =~ tr/_/ /r) . ($_->[2] ? ' DEFAULT' : '') } @in) . ')';
	my @dn = map { $_->[0] } @doc;
	my @cn = map { $_->[0] } @in;
	# names only may leave out trailing arguments that have defaults
	my @cn_given = @cn[ 0 .. ($#dn < $#cn ? $#dn : $#cn) ];
	if ("@dn" ne "@cn_given" || @dn > @cn
		|| (@dn < @cn && (defined $result || grep { !$_->[2] } @in[ scalar(@dn) .. $#in ])))
	{
		problem($file, $line, "`$span`: the arguments are ($sig)");
		return;
	}
	$documented_fn{$name} = 1 if @dn == @cn;
	for my $i (0 .. $#doc)
	{
		next unless defined $doc[$i][1];
		my $t = type($doc[$i][1]);
		problem($file, $line, "`$span`: argument $dn[$i] is $in[$i][1], not $doc[$i][1] ($sig)")
		  if $t ne $in[$i][1];
		problem($file, $line, "`$span`: argument $dn[$i] " . ($in[$i][2] ? 'has a default' : 'has no default') . " ($sig)")
		  if $in[$i][2] != $doc[$i][2] && defined $result;
	}
	return unless defined $result;
	my ($setof, $rest) = $result =~ /^(setof\s+)?(.*)$/s;
	problem($file, $line, "`$span`: music.$name returns " . ($f->{retset} ? 'a set' : 'one value or row'))
	  if !!$setof != !!$f->{retset};
	if ($rest =~ /^\((.*)\)$/s)
	{
		check_columns($file, $line, "`$span` result", [ split_list($1) ], $f->{out});
	}
	elsif (@{ $f->{out} })
	{
		problem($file, $line, "`$span`: music.$name returns columns (" . join(', ', map { $_->[0] } @{ $f->{out} }) . ')');
	}
	elsif (type($rest) ne $f->{rettype})
	{
		problem($file, $line, "`$span`: music.$name returns $f->{rettype}, not $rest");
	}
}

# check_callers FILE LINE FUNCTION NOTE ROLES...: the documented roles may
# execute it; "music_admin" alone (or nobody) means app and reader may not
sub check_callers
{
	my ($file, $line, $name, $note, @who) = @_;
	my $f = $fn{$name} or return;
	my %may = map { $_ => 1 } split /,/, ($f->{users} // '');
	for my $r (@who)
	{
		problem($file, $line, "music.$name is documented as for $r ($note), who may not execute it") unless $may{$r};
	}
	return if grep { $_ ne 'music_admin' } @who;
	for my $r (qw(music_app music_reader), @who ? () : 'music_admin')
	{
		problem($file, $line, "music.$name is documented as ($note), yet $r may execute it") if $may{$r};
	}
}

for my $file (@docs)
{
	my $text = slurp_file($file);
	# code blocks are examples, not reference (kept as empty lines, so
	# that line numbers stay right)
	$text =~ s/^```.*?^```/"\n" x (() = $&=~ m{\n}g)/gmse;
	my @lines = split /\n/, $text, -1;
	my $line_of = sub { my $pos = shift; return 1 + (() = substr($text, 0, $pos) =~ /\n/g); };

	while ($text =~ /`([^`]+)`/g)
	{
		my ($span, $start, $end) = ($1, $-[0], $+[0]);
		my $line = $line_of->($start);
		$span =~ s/\s*\n\s*/ /g;
		$spans++;
		my ($call, $result) = split /\s*→\s*/, $span, 2;
		if ($call =~ /^(?:music\.)?([a-z_][a-z0-9_]*)\((.*)\)$/s)
		{
			check_function($file, $line, $span, $1, $2, $result);
		}
		elsif ($span =~ /^(?:music\.)?([a-z_][a-z0-9_]*) \(([a-z0-9_, ]+)\)$/)
		{
			my ($name, $cols) = ($1, $2);
			if (!$rel{$name})
			{
				problem($file, $line, "`$span`: there is no table or view music.$name");
				next;
			}
			$documented_rel{$name} = 1;
			check_columns($file, $line, "`music.$name`", [ split_list($cols) ], [ map { [$_] } @{ $rel{$name}{cols} } ]);
			# an item of the relation lists (bi.md's "Every relation and its columns",
			# sql-api.md's "Tables and views"): `- `name (cols)` (view) (also role): ...`
			my ($section) = substr($text, 0, $start) =~ /.*^## ([^\n]*)/ms;
			if (($section // '') =~ /^(?:Every relation and its columns|Tables and views)/
				&& substr($text, 0, $start) =~ /(?:^|\n)- $/ && substr($text, $end) =~ /^((?: \([^)]*\))*):/)
			{
				my $notes = $1;
				my %may = map { $_ => 1 } split /,/, ($rel{$name}{users} // '');
				my $base = $file =~ /bi\.md$/ ? 'music_reader' : 'music_admin';
				problem($file, $line, "music.$name is listed for $base, who may not read it") unless $may{$base};
				problem($file, $line, "music.$name is listed for music_admin, but music_reader may read it too: list it in docs/bi.md")
				  if $base eq 'music_admin' && $may{music_reader};
				for my $r (qw(music_app pg_monitor))
				{
					my $said = $notes =~ /\(also \Q$r\E\)/ ? 1 : 0;
					problem($file, $line, "music.$name: $r " . ($may{$r} ? 'may' : 'may not') . ' read it'
						  . ($may{$r} ? ", say (also $r)" : ", drop (also $r)")) if $said != ($may{$r} ? 1 : 0);
				}
				my $view = $notes =~ /\(view\)/ ? 1 : 0;
				problem($file, $line, "music.$name is " . ($rel{$name}{kind} eq 'v' ? 'a view' : 'not a view'))
				  if $base eq 'music_admin' && $view != ($rel{$name}{kind} eq 'v' ? 1 : 0);
			}
		}
		elsif ($span =~ /^music\.([a-z_][a-z0-9_]*)$/)
		{
			problem($file, $line, "`$span` is no relation, function or setting")
			  unless $rel{$1} || $fn{$1} || $setting{$span};
		}
		elsif ($span =~ /^(?:music\.)?([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/ && $rel{$1})
		{
			problem($file, $line, "`$span`: music.$1 has no column $2")
			  unless grep { $_ eq $2 } @{ $rel{$1}{cols} };
		}
		elsif ($span =~ /^music_[a-z_]+$/)
		{
			problem($file, $line, "`$span`: there is no such role") unless $role{$span};
		}
	}

	# tables of functions with a "returns" column: the result columns
	my @header;
	for my $i (0 .. $#lines)
	{
		my $l = $lines[$i];
		if ($l !~ /^\|/) { @header = (); next; }
		my @cells = map { s/^\s+|\s+$//gr } split /\|/, substr($l, 1);
		if (!@header) { @header = @cells; next; }
		next if $l =~ /^\|[-| ]+$/;
		next unless ($header[0] // '') eq 'function' && ($header[1] // '') eq 'columns';
		my ($name) = $cells[0] =~ /^`(?:music\.)?([a-z_][a-z0-9_]*)\(/ or next;
		next unless $fn{$name};
		(my $cols = $cells[1]) =~ s/\s*\([^)]*\)//g;
		check_columns($file, $i + 1, "`$name` returns", [ split_list($cols) ], $fn{$name}{out});
	}

	# who may call a function: a heading's annotation, `### `signature` (music_admin)`,
	# or a section's, `### Title (music_app, music_reader)` for the signatures in its
	# tables; "every role" is the three music_ roles, "internal" none of them, and a
	# row that says "superusers only" none of them either
	my $section_roles;
	for my $i (0 .. $#lines)
	{
		my $l = $lines[$i];
		if ($l =~ /^#+ /)
		{
			undef $section_roles;
			my ($note) = $l =~ /\(([^()`]*(?:`[^`]*`[^()`]*)*)\)\s*$/ or next;
			$note =~ s/;.*//;
			my @who = $note =~ /^every role/ ? qw(music_app music_reader music_admin)
			  : $note =~ /^internal/ ? ()
			  : $note =~ /(music_[a-z]+)/g;
			next unless @who || $note =~ /^internal/;
			my @fns = $l =~ /`(?:music\.)?([a-z_][a-z0-9_]*)\(/g;
			if (@fns) { check_callers($file, $i + 1, $_, $note, @who) for @fns; }
			else { $section_roles = [ $note, @who ]; }
		}
		elsif ($section_roles && $l =~ /^\| `(?:music\.)?([a-z_][a-z0-9_]*)\([^`]*→/)
		{
			if ($l =~ /superusers only/i) { check_callers($file, $i + 1, $1, 'superusers only'); }
			else { check_callers($file, $i + 1, $1, @$section_roles); }
		}
	}

	# the Roles table lists every music_ role
	if ($file eq 'docs/sql-api.md')
	{
		my ($table) = $text =~ /^## Roles\n(.*?)\n\n/ms;
		my %listed = map { $_ => 1 } ($table // '') =~ /^\| `(music_[a-z_]+)` \|/mg;
		for my $r (sort keys %role)
		{
			push @problems, "$file: the Roles table does not list role $r" unless $listed{$r};
		}
	}
}
ok($spans > 300, "the docs have $spans backticked names");

for my $name (sort keys %fn)
{
	next unless $fn{$name}{users};
	push @problems, "music.$name (executable by $fn{$name}{users}) has no signature in "
	  . join(' or ', @docs) unless $documented_fn{$name};
}
for my $name (sort keys %rel)
{
	next unless $rel{$name}{users};
	push @problems, "music.$name (readable by $rel{$name}{users}) is not documented with its columns, "
	  . "as `music.$name (" . join(', ', @{ $rel{$name}{cols} }) . ")`, in " . join(' or ', @docs)
	  unless $documented_rel{$name};
}

# bi.md: "every relation and every column carries a COMMENT"
for my $r (rows(q{
	SELECT c.relname || coalesce('.' || a.attname, '')
	FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	WHERE c.relnamespace = 'music'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
	  AND has_table_privilege('music_reader', c.oid, 'SELECT')
	  AND (obj_description(c.oid, 'pg_class') IS NULL OR col_description(c.oid, a.attnum) IS NULL)
	GROUP BY 1 ORDER BY 1}))
{
	push @problems, "docs/bi.md: music.$r->[0] has no COMMENT, though bi.md says every relation and column has one";
}

is(scalar @problems, 0, 'the docs and the catalog agree')
  or diag(join("\n", @problems));

# -- the other docs (scaling.md aside, which names what is not built yet):
# every music.<name>, in text or examples, is a relation, function or setting
my @named;
for my $file ('README.md', 'docs/architecture.md', 'docs/operations.md', 'docs/contracts.md', 'docs/benchmarks.md')
{
	my $n = 0;
	for my $l (split /\n/, slurp_file($file))
	{
		$n++;
		while ($l =~ /\bmusic\.([a-z_][a-z0-9_]*)/g)
		{
			push @named, "$file:$n: music.$1 is no relation, sequence, function or setting"
			  unless $rel{$1} || $sequence{$1} || $fn{$1} || $setting{"music.$1"};
		}
	}
}
is(join("\n", @named), '', 'README.md and the other docs name only relations, sequences, functions and settings that exist');
done_testing();
