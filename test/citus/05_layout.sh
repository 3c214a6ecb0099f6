# Sourced by test/citus/run.  Applies the target layout (test/citus/layout)
# relation by relation to a freshly installed platform, the way an operator
# would with Citus's own functions, and compares what each step gives with
# test/citus/layout.expected: today most steps are refused, each for the
# reason docs/scaling.md names, and a play on what the steps reached fails.  When a schema change lifts a blocker, this
# check fails until layout.expected and docs/scaling.md say so.

for node in coordinator worker1 worker2; do
	"${as_pg[@]}" "$bindir/psql" -X -q -h 127.0.0.1 -p "${port[$node]}" -U postgres -d postgres -c 'CREATE DATABASE layout' >/dev/null
	"${as_pg[@]}" "$bindir/psql" -X -q -h 127.0.0.1 -p "${port[$node]}" -U postgres -d layout -c 'CREATE EXTENSION citus' >/dev/null
done
# layout_sql [psql args]: psql on the coordinator's layout database
layout_sql() {
	"${as_pg[@]}" "$bindir/psql" -X -q -h 127.0.0.1 -p "${port[coordinator]}" -U postgres -d layout "$@"
}
layout_installed=true
layout_sql -v ON_ERROR_STOP=1 -c "SELECT citus_set_coordinator_host('127.0.0.1', ${port[coordinator]})" \
	-c "SELECT citus_add_node('127.0.0.1', ${port[worker1]})" -c "SELECT citus_add_node('127.0.0.1', ${port[worker2]})" \
	-c 'SET client_min_messages = warning' -c 'CREATE EXTENSION hybridmusic CASCADE' >/dev/null 2>"$workdir/layout.setup.err" || layout_installed=false

grep -v '^#' test/citus/layout | while read -r relation column; do
	if [ "$column" = reference ]; then
		step="SELECT create_reference_table('music.$relation')"
	else
		step="SELECT create_distributed_table('music.$relation', '$column', colocate_with => 'default')"
	fi
	if error=$(layout_sql -v ON_ERROR_STOP=1 -v VERBOSITY=terse -c "$step" 2>&1 >/dev/null); then
		echo "$relation: $column: done"
	else
		echo "$relation: $column: $(grep -m1 -oP 'ERROR:\s+\K.*' <<<"$error")"
	fi
done >"$workdir/layout.out"
# The hot path on what the layout reached: one play of a new creator's track.
if error=$(layout_sql -v ON_ERROR_STOP=1 -v VERBOSITY=terse 2>&1 >/dev/null <<-EOF
	SELECT music.create_user('listener') AS listener \gset
	SELECT music.create_user('artist') AS artist_user \gset
	SELECT music.create_creator(:artist_user, 'Artist') AS artist \gset
	SELECT music.publish_track(:artist, 'Song', 180000) AS song \gset
	SELECT music.record_play(:listener, :song, 60000, '2026-06-17 11:00:00+00');
EOF
); then
	echo "record_play: done"
else
	echo "record_play: $(grep -m1 -oP 'ERROR:\s+\K.*' <<<"$error")"
fi >>"$workdir/layout.out"
if ! $layout_installed; then
	not_ok "the layout database installs" "$(cat "$workdir/layout.setup.err")"
elif diff -u test/citus/layout.expected "$workdir/layout.out" >"$workdir/layout.diff"; then
	ok "the target layout gives what test/citus/layout.expected and docs/scaling.md say, step by step"
else
	not_ok "the target layout gives what test/citus/layout.expected and docs/scaling.md say, step by step" "$(cat "$workdir/layout.diff")"
fi
