# Sourced by test/citus/run after 10_compare.sh.  A third worker joins the
# distributed cluster, the shards are rebalanced onto it, and the answers
# stay those of the single node.  The new node gets the extension from
# Citus, whose install refuses a music_owner that can log in: the role is
# NOLOGIN while the node is added (docs/scaling.md).

sql worker3 -c 'CREATE EXTENSION citus' >/dev/null
if out=$(sql coordinator -At 2>&1 <<-EOF
	ALTER ROLE music_owner NOLOGIN;
	SELECT 1 FROM citus_add_node('127.0.0.1', ${port[worker3]});
	ALTER ROLE music_owner LOGIN;
	SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes') IS NOT NULL;
	SELECT citus_rebalance_wait();
	SELECT count(DISTINCT groupid) FROM pg_dist_placement;
	SELECT extversion FROM pg_extension WHERE extname = 'hybridmusic';
EOF
) && [ "$(tail -n 2 <<<"$out" | head -n 1)" = 3 ] &&
	[ "$(sql worker3 -Atc "SELECT extversion FROM pg_extension WHERE extname = 'hybridmusic'")" = "$(tail -n 1 <<<"$out")" ]; then
	ok "a third worker added gets hybridmusic and, rebalanced, a share of the shards"
else
	not_ok "a third worker added gets hybridmusic and, rebalanced, a share of the shards" "$out"
fi
answers coordinator
if diff -u "$workdir/single.answers" "$workdir/coordinator.answers" >"$workdir/answers.diff"; then
	ok "after the rebalance the cluster still answers as one node"
else
	not_ok "after the rebalance the cluster still answers as one node" "$(cat "$workdir/answers.diff")"
fi
