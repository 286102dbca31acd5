#!/usr/bin/env bash
# rpc_replay.sh — `fundtrace index bitcoin --rpc` end to end against replay_server.js, which
# plays bitcoind from bitcoin-etl's recorded node replies (shared/data/peer_tests):
#  - genesis and block 1 indexed over RPC; every tx (`fundtrace --json tx`) equals
#    bitcoin-etl's expected_transactions.json (addresses, values, coinbase, height, fee);
#    a second run is a no-op, --to then the rest equals one run, --from past the tip is refused;
#  - reorganisations, scripted by the server (synthetic blocks on top of the fixtures): one
#    during a run (caught by the prev check), one between runs (caught at start), and a node
#    that is merely behind the index (no rollback); each index ends equal to a fresh one;
#  - --from 50000 on an empty index (a partial index): 50000..50002 index (in two runs, equal
#    to one run), every tx equals bitcoin-etl's expected_transactions.json; the inputs of
#    50001 spend outputs older than the index: unresolved (address, value null), fee null,
#    text output says why; address totals count only what the index saw; the raw blocks
#    are also compared at the decode level;
#  - faults: timeout, HTTP 500, unreachable -> exit 1; truncated JSON, JSON-RPC error -> exit
#    2; each with one "error:" line naming the call, and the index digest unchanged although a
#    block was staged; flaky 500s -> retried, success;
#  - authentication: user/password, cookie file, wrong password (exit 1, no password shown);
#  - a node on another network -> exit 2.
set -euo pipefail

FUNDTRACE=${FUNDTRACE:?FUNDTRACE must point at the fundtrace binary}
SRC=${FT_SOURCE_DIR:-.}
SHARED=${FT_SHARED_DIR:-$SRC/../shared}
FIX=$SHARED/data/peer_tests/bitcoin-etl/test_export_blocks_job/bitcoin
SERVER=$SRC/tests/integration/replay_server.js
TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }

command -v node >/dev/null || { echo "error: node not found (make deps)" >&2; exit 1; }

# start_server ARGS...: starts the replay server, sets PORT and URL
start_server() {
    stop_server
    node "$SERVER" "$@" >"$TMP/port" 2>"$TMP/server.err" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        [ -s "$TMP/port" ] && break
        sleep 0.05
    done
    PORT=$(head -n 1 "$TMP/port")
    [ -n "$PORT" ] || { echo "error: replay server did not start: $(cat "$TMP/server.err")" >&2; exit 1; }
    URL="http://127.0.0.1:$PORT/"
}
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}

# run WANT_RC ARGS...: runs fundtrace; stdout/stderr in $TMP/out, $TMP/err; 1 on a wrong rc
run() {
    local want=$1
    shift
    local rc=0
    "$FUNDTRACE" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
    if [ "$rc" != "$want" ]; then
        ko "fundtrace $* exited $rc, expected $want; stderr: $(head -c 400 "$TMP/err")"
        return 1
    fi
    return 0
}

# check_error WHAT PATTERN...: exactly one stderr line, "error: ...", matching every pattern
check_error() {
    local what=$1
    shift
    local lines
    lines=$(wc -l <"$TMP/err")
    if [ "$lines" != 1 ] || ! grep -q '^error: ' "$TMP/err"; then
        ko "$what: want one 'error:' line on stderr, got: $(cat "$TMP/err")"
        return
    fi
    for p in "$@"; do
        if ! grep -qF -- "$p" "$TMP/err"; then
            ko "$what: stderr lacks '$p': $(cat "$TMP/err")"
            return
        fi
    done
    ok
}

digest() { "$FUNDTRACE" --db "$1" digest; }

# compare_tx EXPECTED_LINE_FILE: compares $TMP/out (fundtrace --json tx) with one line of
# bitcoin-etl's expected_transactions.json; prints "ok" or the differences
cat >"$TMP/compare_tx.js" <<'EOF'
const fs = require('fs');
const got = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const exp = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const mode = process.argv[4]; // "index" (fundtrace tx) or "decode" (a tx of decode block)
// with a 5th argument (a file of the txids a partial index holds, one per line): an input
// whose spent tx is not among them must be unresolved (address and value null, fee null)
const known = process.argv[5] ?
  new Set(fs.readFileSync(process.argv[5], 'utf8').split('\n').filter(Boolean)) : null;
let unresolved = 0;
const sat = (s) => {              // "50.00000000" -> 5000000000n, exactly
  const m = /^(\d+)\.(\d{8})$/.exec(s);
  if (!m) throw new Error(`bad amount '${s}'`);
  return BigInt(m[1]) * 100000000n + BigInt(m[2]);
};
const bad = [];
const eq = (what, a, b) => { if (String(a) !== String(b)) bad.push(`${what}: got ${a}, want ${b}`); };
eq('txid', got.txid, exp.hash);
eq('coinbase', got.coinbase, exp.is_coinbase);
if (mode === 'index') {
  eq('height', got.height, exp.block_number);
  eq('timestamp', got.timestamp, exp.block_timestamp);
  eq('output_value', sat(got.output_value), exp.output_value);
}
eq('output count', got.outputs.length, exp.output_count);
exp.outputs.forEach((o, i) => {
  const g = got.outputs[i];
  if (!g) return;
  eq(`output ${i} value`, sat(g.value), o.value);
  const want = o.addresses && o.addresses.length === 1 ? o.addresses[0] : null;
  if (want !== null || o.type === 'nulldata') eq(`output ${i} address`, g.address, want);
});
const ins = exp.is_coinbase ? [] : exp.inputs;
const gotIns = got.inputs.filter((x) => !(mode === 'decode' && x.coinbase !== undefined));
eq('input count', gotIns.length, ins.length);
ins.forEach((x, i) => {
  const g = gotIns[i];
  if (!g) return;
  eq(`input ${i} txid`, g.txid, x.spent_transaction_hash);
  eq(`input ${i} vout`, g.vout, x.spent_output_index);
  if (mode === 'index' && known && !known.has(x.spent_transaction_hash)) {
    unresolved++;
    eq(`input ${i} unresolved`, g.unresolved, true);
    eq(`input ${i} value`, g.value, null);
    eq(`input ${i} address`, g.address, null);
    eq(`input ${i} type`, g.type, 'unknown');
  } else if (mode === 'index') {
    if (known) eq(`input ${i} unresolved`, g.unresolved, false);
    if (x.value !== null) eq(`input ${i} value`, sat(g.value), x.value);
    if (x.addresses && x.addresses.length === 1) eq(`input ${i} address`, g.address, x.addresses[0]);
  }
});
if (mode === 'index' && known && unresolved > 0) {
  eq('fee', got.fee, null);
  eq('input_value', got.input_value, null);
} else if (mode === 'index' && known) {
  eq('fee', sat(got.fee), exp.fee);
  eq('input_value', sat(got.input_value), exp.input_value);
}
console.log(bad.length ? bad.join('; ') : 'ok');
EOF

# check_block_txs DB EXPECTED_FILE [KNOWN_TXIDS]: every expected tx through `fundtrace --json
# tx`; KNOWN_TXIDS for a partial index (the txids it holds: other spent txs are unresolved)
check_block_txs() {
    local db=$1 file=$2 known=${3:-}
    while IFS= read -r line; do
        printf '%s\n' "$line" >"$TMP/exp.json"
        local txid
        txid=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).hash)' "$TMP/exp.json")
        if run 0 --db "$db" --json tx "$txid"; then
            local res
            res=$(node "$TMP/compare_tx.js" "$TMP/out" "$TMP/exp.json" index $known 2>&1 || true)
            if [ "$res" = ok ]; then ok; else ko "tx $txid: $res"; fi
        fi
    done <"$file"
}

# --- genesis and block 1 through the RPC adapter --------------------------------------------
start_server --dir "$FIX/block_0" --dir "$FIX/block_1"
DB=$TMP/db01
if run 0 --db "$DB" --json index bitcoin --rpc "$URL"; then
    if node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));
        process.exit(j.blocks===2 && j.txs===2 && j.tip_height===1 && j.rolled_back===0 &&
                     j.source==="rpc" && j.network==="main" ? 0 : 1)' "$TMP/out"; then
        ok
    else
        ko "index genesis..1: unexpected summary $(cat "$TMP/out")"
    fi
fi
check_block_txs "$DB" "$FIX/block_0/expected_transactions.json"
check_block_txs "$DB" "$FIX/block_1/expected_transactions.json"
CLEAN01=$(digest "$DB")

# a second run has nothing to do and changes nothing
if run 0 --db "$DB" --json index bitcoin --rpc "$URL"; then
    if grep -q '"up_to_date":true' "$TMP/out" && [ "$(digest "$DB")" = "$CLEAN01" ]; then ok; else
        ko "second run not up to date: $(cat "$TMP/out")"; fi
fi
# resume: --to 0, then the rest, gives the same index
if run 0 --db "$TMP/resume" index bitcoin --rpc "$URL" --to 0 &&
    run 0 --db "$TMP/resume" index bitcoin --rpc "$URL"; then
    if [ "$(digest "$TMP/resume")" = "$CLEAN01" ]; then ok; else ko "resumed index differs"; fi
fi
# no gaps: --from above tip+1
if run 2 --db "$DB" index bitcoin --rpc "$URL" --from 5; then
    check_error "--from gap" "would leave a gap"
fi
# the node says "main": asking for regtest is refused, the index untouched
if run 2 --db "$DB" index bitcoin --rpc "$URL" --network regtest; then
    check_error "network mismatch" "'main'" "'regtest'"
    [ "$(digest "$DB")" = "$CLEAN01" ] && ok || ko "network mismatch changed the index"
fi

# --- reorganisations (scripted: synthetic coinbase-only blocks on top of the fixtures) -------
# branch A: fixtures 0..1 + synthetic 2..5; branch B: A below 3, then its own 3..6
SCRIPTED=(--dir "$FIX/block_0" --dir "$FIX/block_1" --extend 5)
start_server "${SCRIPTED[@]}" --reorg-at 3
run 0 --db "$TMP/fresh_b" index bitcoin --rpc "$URL" || true
DIGEST_B=$(digest "$TMP/fresh_b")
# (a) while we index: the node switches to B right after serving A's block 3
start_server "${SCRIPTED[@]}" --reorg-at 3 --reorg-after-height 3
if run 0 --db "$TMP/inrun" --json index bitcoin --rpc "$URL"; then
    node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));
        process.exit(j.rolled_back===1 && j.tip_height===5 ? 0 : 1)' "$TMP/out" &&
        ok || ko "reorganisation during the run: $(cat "$TMP/out")"
    grep -q "rolling back 1 block from 3" "$TMP/err" && ok || ko "no reorganisation message: $(cat "$TMP/err")"
fi
if run 0 --db "$TMP/inrun" index bitcoin --rpc "$URL"; then # B's block 6
    [ "$(digest "$TMP/inrun")" = "$DIGEST_B" ] && ok || ko "after the in-run reorganisation the index differs from B"
fi
# (b) between runs: A indexed to its tip 5, then the node is on B
start_server "${SCRIPTED[@]}"
run 0 --db "$TMP/between" index bitcoin --rpc "$URL" || true
DIGEST_A=$(digest "$TMP/between")
[ "$DIGEST_A" != "$DIGEST_B" ] && ok || ko "branches A and B give the same index"
# (c) a node behind the index (only genesis and block 1) is not a reorganisation
start_server --dir "$FIX/block_0" --dir "$FIX/block_1"
if run 0 --db "$TMP/between" --json index bitcoin --rpc "$URL"; then
    grep -q '"up_to_date":true' "$TMP/out" && grep -q "behind the index" "$TMP/err" &&
        [ "$(digest "$TMP/between")" = "$DIGEST_A" ] && ok || ko "node behind: $(cat "$TMP/out" "$TMP/err")"
fi
start_server "${SCRIPTED[@]}" --reorg-at 3
if run 0 --db "$TMP/between" --json index bitcoin --rpc "$URL"; then
    node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));
        process.exit(j.rolled_back===3 && j.blocks===4 && j.tip_height===6 ? 0 : 1)' "$TMP/out" &&
        ok || ko "reorganisation between runs: $(cat "$TMP/out")"
    [ "$(digest "$TMP/between")" = "$DIGEST_B" ] && ok || ko "after the reorganisation the index differs from B"
fi

# --- blocks 50000..50002: a partial index (it does not start at genesis) --------------------
start_server --dir "$FIX/block_without_transactions" --dir "$FIX/block_with_transactions"
EXP50K=$FIX/block_without_transactions/expected_transactions.json
EXP5012=$FIX/stream_50001_50002/expected_transactions.json
cat "$EXP50K" "$EXP5012" | node -e 'for (const l of require("fs").readFileSync(0, "utf8").split("\n"))
    if (l.trim()) console.log(JSON.parse(l).hash);' >"$TMP/known50k"
[ "$(wc -l <"$TMP/known50k")" = 5 ] && ok || ko "expected 5 txs in 50000..50002"
DB=$TMP/db50k
if run 0 --db "$DB" index bitcoin --rpc "$URL" --from 50000 --to 50000; then
    grep -q "partial index from block 50000" "$TMP/err" && ok || ko "no partial-index warning: $(cat "$TMP/err")"
    check_block_txs "$DB" "$EXP50K" "$TMP/known50k"
fi
# 50001 spends outputs created before 50000: the resumed run (mode from the checkpoint) records
# those inputs unresolved instead of failing
if run 0 --db "$DB" --json index bitcoin --rpc "$URL"; then
    node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));
        process.exit(j.blocks===2 && j.txs===4 && j.tip_height===50002 ? 0 : 1)' "$TMP/out" &&
        ok || ko "index 50001..50002: unexpected summary $(cat "$TMP/out")"
fi
check_block_txs "$DB" "$EXP5012" "$TMP/known50k"
# one run from 50000 gives the same index as the two runs
if run 0 --db "$TMP/db50k_one" index bitcoin --rpc "$URL" --from 50000; then
    [ "$(digest "$TMP/db50k_one")" = "$(digest "$DB")" ] && ok || ko "one partial run differs from two"
fi
# text output: the unresolved inputs and why the fee is unknown
if run 0 --db "$DB" tx 7940cdde4d713e171849efc6bd89939185be270266c94e92369e3877ad89455a; then
    grep -q '^fee      unknown (2 inputs spend outputs created before the index' "$TMP/out" &&
        grep -q '^inputs   2, unknown BTC$' "$TMP/out" &&
        [ "$(grep -c '(unknown: before the index)' "$TMP/out")" = 2 ] &&
        grep -q 'from 76a8d70a757be5055f60be076b683897cadaad6b7bdf78c43e39b9d59cb4a6ea:0' "$TMP/out" &&
        ok || ko "tx text output with unresolved inputs: $(cat "$TMP/out")"
fi
# address totals count only what the index saw: the sender of 7940cdde's first input (its
# 50 BTC were received before block 50000) has no rows at all; the receiver of the coinbase
# of 50001 has exactly that coinbase
if run 0 --db "$DB" --json address 1DoQeKfU3dYhN9bxMpFFcVUnufCPDqSPae; then
    node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));
        process.exit(j.received==="0.00000000" && j.sent==="0.00000000" && j.tx_count===0 ? 0 : 1)' \
        "$TMP/out" && ok || ko "address of an unresolved input: $(cat "$TMP/out")"
fi
if run 0 --db "$DB" --json address 1PkqKGbNLDdDJGveCcNUMV9CEFH77ADrPQ; then
    node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));
        process.exit(j.received==="50.00000000" && j.sent==="0.00000000" && j.tx_count===1 ? 0 : 1)' \
        "$TMP/out" && ok || ko "coinbase address of 50001: $(cat "$TMP/out")"
fi
# decode level: the raw blocks the server serves (getblock HASH 0) against the expectations
for h in 50001 50002; do
    hash=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])))' \
        "$FIX/block_with_transactions/rpc_response_getblockhash_$h.json")
    node -e 'const [port, hash] = process.argv.slice(1);
        const req = require("http").request({ host: "127.0.0.1", port, method: "POST" }, (res) => {
            let d = ""; res.on("data", (c) => (d += c));
            res.on("end", () => process.stdout.write(JSON.parse(d).result)); });
        req.end(JSON.stringify({ jsonrpc: "1.0", id: 1, method: "getblock", params: [hash, 0] }));' \
        "$PORT" "$hash" >"$TMP/block.hex"
    if run 0 --json decode block "@$TMP/block.hex"; then
        node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));
            for (const t of j.txs) console.log(JSON.stringify(t));' "$TMP/out" >"$TMP/decoded"
        [ "$(node -pe 'JSON.parse(require("fs").readFileSync(process.argv[1])).hash' "$TMP/out")" = "$hash" ] &&
            ok || ko "decoded block $h has another hash"
        grep "\"block_number\": $h" "$FIX/stream_50001_50002/expected_transactions.json" >"$TMP/exp_h"
        n_exp=$(wc -l <"$TMP/exp_h")
        n_got=$(wc -l <"$TMP/decoded")
        [ "$n_exp" = "$n_got" ] && [ "$n_exp" -gt 0 ] && ok || ko "block $h: $n_got txs, want $n_exp"
        i=0
        while IFS= read -r line; do
            i=$((i + 1))
            printf '%s\n' "$line" >"$TMP/exp.json"
            sed -n "${i}p" "$TMP/decoded" >"$TMP/got.json"
            res=$(node "$TMP/compare_tx.js" "$TMP/got.json" "$TMP/exp.json" decode 2>&1 || true)
            if [ "$res" = ok ]; then ok; else ko "block $h tx $i: $res"; fi
        done <"$TMP/exp_h"
    fi
done

# --- faults ---------------------------------------------------------------------------------
# Each fault hits the SECOND getblock (--fault-after 1): genesis has been fetched and staged
# when block 1 fails, and must not reach the index. The "before" index is an empty one.
EMPTY=$TMP/empty
start_server --dir "$FIX/block_0" --dir "$FIX/block_1" --fault rpcerror --fault-method getblockchaininfo
if run 2 --db "$EMPTY" index bitcoin --rpc "$URL"; then
    check_error "rpcerror on getblockchaininfo" "getblockchaininfo" "$URL" "injected rpc error" "-1"
fi
EMPTY_DIGEST=$(digest "$EMPTY")
[ -n "$EMPTY_DIGEST" ] && [ "$EMPTY_DIGEST" != "$CLEAN01" ] && ok || ko "no digest of the empty index"

# fault_case NAME WANT_RC PATTERN: fresh copy of the empty index, fault on the 2nd getblock
fault_case() {
    local fault=$1 want=$2 pattern=$3
    start_server --dir "$FIX/block_0" --dir "$FIX/block_1" --fault "$fault" --fault-method getblock \
        --fault-after 1
    rm -rf "$TMP/f"
    cp -r "$EMPTY" "$TMP/f"
    local t0=$SECONDS
    if run "$want" --db "$TMP/f" index bitcoin --rpc "$URL" --rpc-timeout 300 --rpc-retries 2; then
        check_error "fault $fault" "'getblock'" "$URL" "$pattern"
        [ "$(digest "$TMP/f")" = "$EMPTY_DIGEST" ] && ok || ko "fault $fault: the index changed"
    fi
    [ $((SECONDS - t0)) -lt 30 ] && ok || ko "fault $fault took $((SECONDS - t0)) s"
}
fault_case timeout 1 "timed out after 300 ms (3 attempts)"
fault_case http500 1 "HTTP 500 with an empty body (3 attempts)"
fault_case badjson 2 "malformed json"
fault_case rpcerror 2 "node error -1"

# flaky: the first two requests get 500, the retries get through
start_server --dir "$FIX/block_0" --dir "$FIX/block_1" --fault flaky500 --log
rm -rf "$TMP/f"
if run 0 --db "$TMP/f" index bitcoin --rpc "$URL"; then
    [ "$(digest "$TMP/f")" = "$CLEAN01" ] && ok || ko "flaky500: index differs from the clean run"
    [ "$(grep -c 'HTTP 500' "$TMP/server.err")" = 2 ] && ok || ko "flaky500: server did not fail twice"
fi

# unreachable: a port nobody listens on (the server's, after stopping it)
stop_server
if run 1 --db "$TMP/f" index bitcoin --rpc "$URL" --rpc-retries 1; then
    check_error "unreachable" "getblockchaininfo" "$URL" "2 attempts"
    [ "$(digest "$TMP/f")" = "$CLEAN01" ] && ok || ko "unreachable: the index changed"
fi

# --- authentication ---------------------------------------------------------------------------
start_server --dir "$FIX/block_0" --dir "$FIX/block_1" --user alice --password s3cret-pw
if run 1 --db "$TMP/a1" index bitcoin --rpc "$URL" --rpc-user alice --rpc-password wrong-pw; then
    check_error "wrong password" "authentication failed" "--rpc-cookie/--rpc-user"
    grep -q 'wrong-pw' "$TMP/err" && ko "password printed" || ok
fi
if run 0 --db "$TMP/a1" index bitcoin --rpc "$URL" --rpc-user alice --rpc-password s3cret-pw; then
    [ "$(digest "$TMP/a1")" = "$CLEAN01" ] && ok || ko "user/password: index differs"
fi
# credentials in the URL are masked in messages
start_server --dir "$FIX/block_0" --dir "$FIX/block_1" --user alice --password s3cret-pw \
    --fault rpcerror --fault-method getblockcount
if run 2 --db "$TMP/a2" index bitcoin --rpc "http://alice:s3cret-pw@127.0.0.1:$PORT/"; then
    check_error "url credentials" "http://***@127.0.0.1:$PORT/" "getblockcount"
    grep -q 's3cret' "$TMP/err" && ko "password from the URL printed" || ok
fi
start_server --dir "$FIX/block_0" --dir "$FIX/block_1" --cookie "$TMP/.cookie"
if run 0 --db "$TMP/a3" index bitcoin --rpc "$URL" --rpc-cookie "$TMP/.cookie"; then
    [ "$(digest "$TMP/a3")" = "$CLEAN01" ] && ok || ko "cookie: index differs"
fi
if run 1 --db "$TMP/a4" index bitcoin --rpc "$URL"; then
    check_error "no credentials" "authentication failed"
fi
if run 1 --db "$TMP/a4" index bitcoin --rpc "$URL" --rpc-cookie "$TMP/no-such-cookie"; then
    check_error "missing cookie" "no-such-cookie"
fi
stop_server

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
