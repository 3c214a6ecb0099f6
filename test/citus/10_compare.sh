# Sourced by test/citus/run.  The same synthetic platform on the single node
# and on the cluster; the cluster distributed with scripts/citus-distribute,
# data in place; more activity on both; then the same answers from both.

# load_platform NODE: loads test/citus/platform.sql, true when it loaded
load_platform() {
	sql "$1" -At -f test/citus/platform.sql >"$workdir/$1.load.out" 2>&1
}

# answers NODE: every compared answer of NODE into $workdir/NODE.answers
answers() {
	sql "$1" -f test/citus/answers.sql >"$workdir/$1.answers" 2>&1
}

for node in single coordinator; do
	if load_platform "$node"; then
		ok "the synthetic platform loads on the $node"
	else
		not_ok "the synthetic platform loads on the $node" "$(tail -n 20 "$workdir/$node.load.out")"
		finish
	fi
done
if diff -u "$workdir/single.load.out" "$workdir/coordinator.load.out" >"$workdir/load.diff"; then
	ok "loading gives the same counts on both"
else
	not_ok "loading gives the same counts on both" "$(cat "$workdir/load.diff")"
fi
if out=$("${as_pg[@]}" scripts/citus-distribute -h 127.0.0.1 -p "${port[coordinator]}" -U postgres -d platform 2>&1) &&
	out=$("${as_pg[@]}" scripts/citus-distribute -h 127.0.0.1 -p "${port[coordinator]}" -U postgres -d platform 2>&1) &&
	placed=$(sql coordinator -At -c "SELECT count(*) || ' ' || count(DISTINCT colocationid) FROM pg_dist_partition WHERE partmethod = 'h' AND partkey IS NOT NULL" -c "SELECT count(DISTINCT groupid) FROM pg_dist_placement") &&
	[ "$(echo $placed)" = "6 1 2" ]; then
	ok "scripts/citus-distribute (run twice) distributes six co-located relations over both workers, data in place"
else
	not_ok "scripts/citus-distribute (run twice) distributes six co-located relations over both workers, data in place" "$out ${placed:-}"
fi
for node in single coordinator; do
	if ! sql "$node" -At -f test/citus/activity.sql >"$workdir/$node.activity.out" 2>&1; then
		not_ok "plays, follows, likes and the analytics refresh after distributing, on the $node" "$(tail -n 20 "$workdir/$node.activity.out")"
		finish
	fi
done
if diff -u "$workdir/single.activity.out" "$workdir/coordinator.activity.out" >"$workdir/activity.diff"; then
	ok "plays, follows, likes and the analytics refresh after distributing: the same counts on both"
else
	not_ok "plays, follows, likes and the analytics refresh after distributing: the same counts on both" "$(cat "$workdir/activity.diff")"
fi

answers single
answers coordinator
reached=$(sql single -At -c "SELECT count(DISTINCT rule) || ' ' || count(*) FROM music.milestones" -c "SELECT count(*) FROM music.jobs")
if grep -q ERROR "$workdir/single.answers"; then
	not_ok "the compared answers read on the single node" "$(grep ERROR "$workdir/single.answers")"
elif ! read -r rules milestones jobs <<<"$(echo $reached)" || [ "$rules" -lt 2 ] || [ "$milestones" -lt 10 ] || [ "$jobs" -lt 10 ]; then
	not_ok "the synthetic platform reaches milestones of several rules and writes their jobs" "$reached"
else
	ok "the synthetic platform reaches $milestones milestones of $rules rules, $jobs jobs written"
fi
if diff -u "$workdir/single.answers" "$workdir/coordinator.answers" >"$workdir/answers.diff"; then
	ok "stats, charts, trending, fan stats, earnings, milestones and jobs: the cluster answers as one node"
else
	not_ok "stats, charts, trending, fan stats, earnings, milestones and jobs: the cluster answers as one node" "$(cat "$workdir/answers.diff")"
fi
