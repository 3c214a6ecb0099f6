#!/usr/bin/env bash
# End-to-end test of scripts/deploy-contracts on a real anvil: deploys, then drives the worker's
# calls and a fan's trades through cast, checks the results and reports full transaction gas.
# Prints TAP-style "ok N - ..." / "not ok N - ..." lines; scripts/test-contracts counts them.
set -uo pipefail

contracts="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
root="$(dirname "$contracts")"
anvil="$contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
cast="$contracts/node_modules/@foundry-rs/cast-linux-amd64/bin/cast"

work="$(mktemp -d)"
anvil_pid=""
cleanup() {
    if [ -n "$anvil_pid" ]; then kill "$anvil_pid" 2>/dev/null; wait "$anvil_pid" 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT

n=0 failed=0
check() { # check DESCRIPTION COMMAND...
    local description="$1"; shift
    n=$((n + 1))
    if "$@" >>"$work/log" 2>&1; then
        echo "ok $n - $description"
    else
        echo "not ok $n - $description"
        failed=$((failed + 1))
    fi
}

port="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
rpc="http://127.0.0.1:$port"
"$anvil" --host 127.0.0.1 --port "$port" --silent >"$work/anvil.log" 2>&1 &
anvil_pid=$!
for _ in $(seq 50); do
    "$cast" chain-id --rpc-url "$rpc" >/dev/null 2>&1 && break
    sleep 0.2
done

# anvil's well-known, funded development account 0 deploys and acts as oracle and treasury;
# the fan is a throwaway key it funds.
oracle_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
fan_key=0x59c6995e998f97a5a0044966f0ebbb7c8ee5787d8c4a44ed0e1b8ad3d8db690d
fan="$("$cast" wallet address --private-key "$fan_key")"
printf '%s\n' "$oracle_key" >"$work/key"
chmod 600 "$work/key"

check "deploy-contracts deploys and wires the four contracts" \
    "$root/scripts/deploy-contracts" --rpc-url "$rpc" --private-key-file "$work/key" --out "$work/deployment.json"

field() { node -e 'const d = require(process.argv[1]); console.log(process.argv[2].split(".").reduce((o, k) => o[k], d))' "$work/deployment.json" "$1" 2>/dev/null; }
factory="$(field factory)" dex="$(field dex)" distributor="$(field distributor)" drops="$(field drops)"
"$cast" send --rpc-url "$rpc" --private-key "$oracle_key" "$fan" --value 100000000000000000000 >>"$work/log" 2>&1

deployment_is_complete() {
    node -e '
        const d = require(process.argv[1]);
        const isAddr = (a) => /^0x[0-9a-fA-F]{40}$/.test(a);
        if (d.chainId !== 31337) throw new Error("chainId");
        for (const k of ["factory", "dex", "distributor", "drops"]) {
            if (!isAddr(d[k])) throw new Error(k);
            if (!Array.isArray(d.abi[k]) || d.abi[k].length === 0) throw new Error("abi." + k);
        }
        const names = d.abi.factory.map((e) => e.name);
        for (const f of ["updateCreatorMetrics", "updateCreatorMetricsBatch", "coinOf", "setCreatorWallet", "setVerified"])
            if (!names.includes(f)) throw new Error(f);
        const batch = d.abi.factory.find((e) => e.name === "updateCreatorMetricsBatch");
        if (batch.inputs.map((i) => i.type).join() !== "uint256[],uint256[],uint256[],uint256[],uint256[],bytes32[]")
            throw new Error("updateCreatorMetricsBatch inputs");
        for (const r of ["admin", "metricsOracle", "walletBinder", "verifier"])
            if (!isAddr(d.roles[r])) throw new Error("roles." + r);
    ' "$work/deployment.json"
}
check "the deployment file has chainId, the four contracts' addresses and ABIs, and the roles" deployment_is_complete
has_code() { [ "$("$cast" code "$1" --rpc-url "$rpc")" != "0x" ]; }
check "the factory, DEX, distributor and drops have code at the written addresses" \
    bash -c "$(declare -f has_code); cast='$cast' rpc='$rpc'; has_code $factory && has_code $dex && has_code $distributor && has_code $drops"

# send KEY TO SIG ARGS... [--value V]: sends a transaction, records its receipt, fails on revert.
send() {
    local key="$1"; shift
    "$cast" send --rpc-url "$rpc" --private-key "$key" --json "$@" >"$work/receipt.json" || return 1
    node -e 'const r = require(process.argv[1]); process.exit(r.status === "0x1" ? 0 : 1)' "$work/receipt.json"
}
gas_used() { node -e 'console.log(Number(require(process.argv[1]).gasUsed))' "$work/receipt.json"; }
declare -A gas

ids="[$(seq -s, 1001 1050)]"
list() { local v="$1" out="" i; for i in $(seq 50); do out+="${out:+,}$v"; done; echo "[$out]"; }
hashes="[$(for i in $(seq 50); do printf '0x%064x,' "$i"; done | sed 's/,$//')]"
batch_sig="updateCreatorMetricsBatch(uint256[],uint256[],uint256[],uint256[],uint256[],bytes32[])"
single_sig="updateCreatorMetrics(uint256,uint256,uint256,uint256,uint256,bytes32)"

oracle="$(field oracle)"
has_role() { [ "$("$cast" call "$factory" "hasRole(bytes32,address)(bool)" "$("$cast" call "$factory" "$1()(bytes32)" --rpc-url "$rpc")" "$oracle" --rpc-url "$rpc")" = true ]; }
worker_roles() { has_role METRICS_ORACLE_ROLE && has_role WALLET_BINDER_ROLE && has_role VERIFIER_ROLE; }
check "the oracle holds the metrics oracle, wallet binder and verifier roles" worker_roles

# A creator that reports 50,000 plays on its very first report, right after deployment, gets its coin.
first_report_coin() {
    send "$oracle_key" "$factory" "$single_sig" 2001 1 50000 10 0 "$(printf 0x%064x 9)" &&
        [ "$("$cast" call "$factory" "coinOf(uint256)(address)" 2001 --rpc-url "$rpc")" != 0x0000000000000000000000000000000000000000 ]
}
check "a first report of 50,000 plays right after deployment creates the coin" first_report_coin

first_batch() { send "$oracle_key" "$factory" "$batch_sig" "$ids" "$(list 1)" "$(list 10000)" "$(list 100)" "$(list 0)" "$hashes" && gas[batch_first]=$(gas_used); }
check "a first batch of 50 creators' metrics is recorded" first_batch
repeat_batch() { send "$oracle_key" "$factory" "$batch_sig" "$ids" "$(list 2)" "$(list 20000)" "$(list 150)" "$(list 1000)" "$hashes" && gas[batch_repeat]=$(gas_used); }
check "a second batch of 50 creators' metrics is recorded" repeat_batch

single() { send "$oracle_key" "$factory" "$single_sig" 1001 3 30000 160 2000 "$(printf 0x%064x 1)" && gas[single]=$(gas_used); }
check "a single metrics update is recorded" single
stale() { ! send "$oracle_key" "$factory" "$single_sig" 1001 3 31000 160 2000 "$(printf 0x%064x 1)"; }
check "an update whose sequence is not above the last applied one reverts" stale

create_coin() { send "$oracle_key" "$factory" "$single_sig" 1001 4 50000 170 3000 "$(printf 0x%064x 2)" && gas[create]=$(gas_used); }
check "reaching 50,000 plays creates the creator's coin" create_coin

# The creator's wallet signs the wallet-link message with standard personal_sign tooling (cast).
creator_key=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
creator_wallet="$("$cast" wallet address --private-key "$creator_key")"
link_message="hybridmusic wallet link: creator 1001, wallet $(tr 'A-F' 'a-f' <<<"$creator_wallet"), chain 31337, factory $(tr 'A-F' 'a-f' <<<"$factory")"
link_wallet() {
    local signature
    signature="$("$cast" wallet sign --private-key "$creator_key" "$link_message")" &&
        send "$oracle_key" "$factory" "setCreatorWallet(uint256,address,bytes)" 1001 "$creator_wallet" "$signature" &&
        [ "$("$cast" call "$factory" "creatorOf(uint256)(address,bool,uint256)" 1001 --rpc-url "$rpc" | head -n 1)" = "$creator_wallet" ]
}
check "a wallet-link message signed with cast wallet sign binds the creator's wallet" link_wallet
forged_link() {
    local signature
    signature="$("$cast" wallet sign --private-key "$fan_key" "$link_message")" &&
        ! send "$oracle_key" "$factory" "setCreatorWallet(uint256,address,bytes)" 1001 "$creator_wallet" "$signature"
}
check "a wallet link signed by another key is refused" forged_link

"$cast" send --rpc-url "$rpc" --private-key "$oracle_key" "$creator_wallet" --value 1000000000000000000 >>"$work/log" 2>&1
drop_window_start="$(( $("$cast" block latest --field timestamp --rpc-url "$rpc") + 600 ))"
open_and_mint_drop() {
    send "$creator_key" "$drops" "openDrop(uint256,uint64,uint128,uint40,uint40,uint32)" 1001 100 10000000000000000 \
        "$drop_window_start" "$((drop_window_start + 86400))" 2 &&
        "$cast" rpc evm_increaseTime 600 --rpc-url "$rpc" >/dev/null && "$cast" rpc evm_mine --rpc-url "$rpc" >/dev/null &&
        send "$fan_key" "$drops" "mint(uint256,uint256)" 1 2 --value 20000000000000000 &&
        [ "$("$cast" call "$drops" "balanceOf(uint256,address)(uint256)" 1 "$fan" --rpc-url "$rpc")" = 2 ] &&
        [ "$("$cast" call "$drops" "proceedsOf(address)(uint256)" "$creator_wallet" --rpc-url "$rpc" | cut -d' ' -f1)" = 19500000000000000 ]
}
check "the creator opens a limited drop and a fan mints two editions; 97.5% is owed to the creator" open_and_mint_drop
coin="$("$cast" call "$factory" "coinOf(uint256)(address)" 1001 --rpc-url "$rpc" 2>/dev/null)"
predicted="$("$cast" call "$factory" "predictCoinAddress(uint256)(address)" 1001 --rpc-url "$rpc" 2>/dev/null)"
check "coinOf returns the predicted clone address, which has code" \
    bash -c "[ '$coin' = '$predicted' ] && [ '$coin' != 0x0000000000000000000000000000000000000000 ] && [ \"\$('$cast' code '$coin' --rpc-url '$rpc')\" != 0x ]"

# The coin's launch window is open for an hour after its creation: buys are commitments that all
# get one price, settled into the curve when the window closes.
chain_now() { "$cast" block latest --field timestamp --rpc-url "$rpc"; }
deadline=$(( $(chain_now) + 3600 ))
commit() { send "$fan_key" "$dex" "buy(address,uint256,uint256)" "$coin" 1 "$deadline" --value 1000000000000000000 && gas[launch_commit]=$(gas_used); }
check "a fan commits 1 FIL to the coin's launch" commit
no_coins_yet() { [ "$("$cast" call "$coin" "balanceOf(address)(uint256)" "$fan" --rpc-url "$rpc" | cut -d' ' -f1)" = 0 ]; }
check "no coin exists while the launch window is open" no_coins_yet
launch_window="$("$cast" call "$dex" "LAUNCH_WINDOW()(uint256)" --rpc-url "$rpc" | cut -d' ' -f1)"
"$cast" rpc evm_increaseTime "$launch_window" --rpc-url "$rpc" >>"$work/log" 2>&1
"$cast" rpc evm_mine --rpc-url "$rpc" >>"$work/log" 2>&1
deadline=$(( $(chain_now) + 3600 ))
settle() { send "$oracle_key" "$dex" "settleLaunch(address)" "$coin" && gas[launch_settle]=$(gas_used); }
check "after the window anyone settles the launch" settle
claim_launch() {
    send "$oracle_key" "$dex" "claimLaunch(address,address)" "$coin" "$fan" && gas[launch_claim]=$(gas_used) &&
        [ "$("$cast" call "$coin" "balanceOf(address)(uint256)" "$fan" --rpc-url "$rpc" | cut -d' ' -f1)" != 0 ]
}
check "anyone mints the fan's share of the launch to the fan" claim_launch
# A second fan (anvil's development account 3) buys on the curve, then sells everything back.
fan2_key=0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6
fan2="$("$cast" wallet address --private-key "$fan2_key")"
first_buy() {
    send "$fan2_key" "$dex" "buy(address,uint256,uint256)" "$coin" 1 "$deadline" --value 1000000000000000000 && gas[buy_first]=$(gas_used) &&
        local held && held="$("$cast" call "$coin" "balanceOf(address)(uint256)" "$fan2" --rpc-url "$rpc" | cut -d' ' -f1)" &&
        send "$fan2_key" "$dex" "sell(address,uint256,uint256,uint256)" "$coin" "$held" 1 "$deadline"
}
check "a new holder buys the coin on the curve and sells it all back" first_buy
deposit() { send "$oracle_key" "$distributor" "distribute(address)" "$coin" --value 1000000000000000000 && gas[distribute]=$(gas_used); }
check "the oracle deposits revenue for the coin" deposit
repeat_buy() { send "$fan_key" "$dex" "buy(address,uint256,uint256)" "$coin" 1 "$deadline" --value 500000000000000000 && gas[buy_repeat]=$(gas_used); }
check "the fan buys more" repeat_buy
half="$(node -e 'console.log((BigInt(process.argv[1].split(" ")[0]) / 2n).toString())' "$("$cast" call "$coin" "balanceOf(address)(uint256)" "$fan" --rpc-url "$rpc" 2>/dev/null)" 2>/dev/null)"
sell_half() { send "$fan_key" "$dex" "sell(address,uint256,uint256,uint256)" "$coin" "$half" 1 "$deadline" && gas[sell]=$(gas_used); }
check "the fan sells half back" sell_half
# Deposits stream to holders over STREAM_PERIOD (7 days): let the chain's clock run past it.
stream_period="$("$cast" call "$distributor" "STREAM_PERIOD()(uint256)" --rpc-url "$rpc" | cut -d' ' -f1)"
"$cast" rpc evm_increaseTime "$stream_period" --rpc-url "$rpc" >>"$work/log" 2>&1
"$cast" rpc evm_mine --rpc-url "$rpc" >>"$work/log" 2>&1
whole_deposit() { [ "$("$cast" call "$distributor" "claimable(address,address)(uint256)" "$coin" "$fan" --rpc-url "$rpc" | cut -d' ' -f1)" -gt 999000000000000000 ]; }
check "after the stream period the fan, the only holder, can claim the whole deposit" whole_deposit
claim() { send "$fan_key" "$distributor" "claim(address)" "$coin" && gas[claim]=$(gas_used); }
check "the fan claims the deposit" claim
nothing_left() { [ "$("$cast" call "$distributor" "claimable(address,address)(uint256)" "$coin" "$fan" --rpc-url "$rpc" | cut -d' ' -f1)" = 0 ]; }
check "nothing is left to claim after the claim" nothing_left

{
    echo
    echo "transaction gas on anvil (receipt gasUsed, 21,000 intrinsic included):"
    echo "  metrics batch of 50, first report:   ${gas[batch_first]:-?} ($(( ${gas[batch_first]:-0} / 50 )) per creator)"
    echo "  metrics batch of 50, later report:   ${gas[batch_repeat]:-?} ($(( ${gas[batch_repeat]:-0} / 50 )) per creator)"
    echo "  single metrics update:               ${gas[single]:-?}"
    echo "  single update that creates the coin: ${gas[create]:-?}"
    echo "  launch commitment:                   ${gas[launch_commit]:-?}"
    echo "  launch settlement:                   ${gas[launch_settle]:-?}"
    echo "  launch claim (mints a share):        ${gas[launch_claim]:-?}"
    echo "  buy, first-time holder:              ${gas[buy_first]:-?}"
    echo "  revenue deposit:                     ${gas[distribute]:-?}"
    echo "  buy, existing holder:                ${gas[buy_repeat]:-?}"
    echo "  sell:                                ${gas[sell]:-?}"
    echo "  claim:                               ${gas[claim]:-?}"
} >&2

if [ "$failed" -gt 0 ]; then
    echo "--- e2e log" >&2
    tail -n 40 "$work/log" >&2
fi
echo "e2e: $((n - failed)) passed, $failed failed" >&2
[ "$failed" -eq 0 ]
