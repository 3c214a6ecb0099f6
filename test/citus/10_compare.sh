# Sourced by test/citus/run.  The same synthetic platform on the single node
# and on the cluster, then the same answers from both.

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
