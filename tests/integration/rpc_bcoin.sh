#!/usr/bin/env bash
# rpc_bcoin.sh — `fundtrace index bitcoin --rpc` against a real node: bcoin 1.0.2 in regtest,
# in memory, on 127.0.0.1 (bcoin_node.js).
#  1. mine past segwit activation, send wallet transactions to P2PKH, P2SH-P2WPKH, P2WPKH,
#     P2WSH and P2SH multisig addresses, spend segwit outputs, sendmany; mine everything;
#  2. index over RPC (basic auth: any user, the API key as password); every address the chain
#     pays has the same balance in the index (`fundtrace --json address`) as in the node's
#     UTXO set (`bcoin_node.js balances`);
#  3. resume: --to N, then the rest, gives the same digest as one run;
#  4. reorganisation: invalidateblock below the transactions, a longer branch to another
#     address, index again: rolled_back = the disconnected blocks, balances equal the node's
#     again (the old branch's addresses back to zero), digest equal to a fresh index.
set -euo pipefail

FUNDTRACE=${FUNDTRACE:?FUNDTRACE must point at the fundtrace binary}
SRC=${FT_SOURCE_DIR:-.}
HERE=$SRC/tests/integration
TMP=$(mktemp -d)
NODE_PID=
cleanup() {
    if [ -n "$NODE_PID" ]; then
        kill "$NODE_PID" 2>/dev/null || true
        wait "$NODE_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
die() { echo "error: $*" >&2; exit 1; }

command -v node >/dev/null || die "node not found (make deps)"
"$HERE/node/install.sh" >&2 || die "cannot install bcoin (tests/integration/node/install.sh)"

# --- the node -----------------------------------------------------------------------------
KEY=$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')
# The node reads a FIFO that only this shell holds open for writing: if the shell dies
# without running its trap, the node sees end of input and exits (--exit-on-stdin-close).
mkfifo "$TMP/hold"
exec 3<>"$TMP/hold"
NODE_BACKEND=js node "$HERE/bcoin_node.js" --api-key "$KEY" --exit-on-stdin-close \
    <"$TMP/hold" >"$TMP/node.json" 2>"$TMP/node.err" &
NODE_PID=$!
for _ in $(seq 1 200); do
    [ -s "$TMP/node.json" ] && break
    kill -0 "$NODE_PID" 2>/dev/null || die "bcoin did not start: $(cat "$TMP/node.err")"
    sleep 0.1
done
[ -s "$TMP/node.json" ] || die "bcoin did not start in 20 s: $(cat "$TMP/node.err")"
RPC_PORT=$(node -pe 'JSON.parse(require("fs").readFileSync(process.argv[1])).rpc_port' "$TMP/node.json")
WALLET_PORT=$(node -pe 'JSON.parse(require("fs").readFileSync(process.argv[1])).wallet_port' "$TMP/node.json")
URL="http://127.0.0.1:$RPC_PORT/"

# call.js rpc PORT METHOD PARAMS_JSON | rest PORT VERB PATH BODY_JSON FIELD: prints the result
# (a string as is, anything else as JSON); exits 1 with the node's error on stderr
cat >"$TMP/call.js" <<'EOF'
const http = require('http');
const [mode, port, a, b, c, d] = process.argv.slice(2);
const key = process.env.KEY;
let verb = 'POST', path = '/', body;
if (mode === 'rpc') body = JSON.stringify({ jsonrpc: '1.0', id: 1, method: a, params: JSON.parse(b || '[]') });
else { verb = a; path = b; body = c || ''; }
const req = http.request({ host: '127.0.0.1', port, method: verb, path, auth: `x:${key}`,
                           headers: { 'Content-Type': 'application/json' } }, (res) => {
  let data = '';
  res.on('data', (x) => (data += x));
  res.on('end', () => {
    let j;
    try { j = JSON.parse(data); } catch (e) { console.error(`${a}: not JSON: ${data.slice(0, 200)}`); process.exit(1); }
    if (mode === 'rpc') {
      if (j.error) { console.error(`${a}: ${JSON.stringify(j.error)}`); process.exit(1); }
      j = j.result;
    } else {
      if (res.statusCode !== 200 || j.error) { console.error(`${verb} ${path}: ${data.slice(0, 300)}`); process.exit(1); }
      if (d) j = j[d];
    }
    process.stdout.write(typeof j === 'string' ? j : JSON.stringify(j));
  });
});
req.on('error', (e) => { console.error(e.message); process.exit(1); });
req.end(body);
EOF
export KEY
rpc() { node "$TMP/call.js" rpc "$RPC_PORT" "$@"; }
wrpc() { node "$TMP/call.js" rpc "$WALLET_PORT" "$@"; }
wrest() { node "$TMP/call.js" rest "$WALLET_PORT" "$@"; }

# --- 1. a chain with transactions of every address type -------------------------------------
MINER=$(wrpc getnewaddress '["default"]')
rpc generatetoaddress "[432, \"$MINER\"]" >/dev/null # regtest activates segwit at 432
LEGACY=$(wrpc getnewaddress '["default"]')
LEGACY2=$(wrpc getnewaddress '["default"]')
wrest PUT /wallet/sw '{"witness":true}' >/dev/null
P2WPKH=$(wrest POST /wallet/sw/address '{"account":"default"}' address)
P2WPKH2=$(wrest POST /wallet/sw/address '{"account":"default"}' address)
NESTED=$(wrest POST /wallet/sw/nested '{"account":"default"}' address)
P2WSH=$(rpc createwitnessaddress '["51"]' | node -pe 'JSON.parse(require("fs").readFileSync(0)).address')
MULTISIG=$(rpc createmultisig \
    '[1, ["0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"]]' |
    node -pe 'JSON.parse(require("fs").readFileSync(0)).address')
[[ $LEGACY == [mn]* && $P2WPKH == bcrt1q* && ${#P2WSH} == 64 && $NESTED == 2* && $MULTISIG == 2* ]] ||
    die "unexpected address forms: $LEGACY $P2WPKH $NESTED $P2WSH $MULTISIG"

wrpc sendtoaddress "[\"$LEGACY\", 1.5]" >/dev/null
wrpc sendtoaddress "[\"$P2WPKH\", 10]" >/dev/null
wrpc sendtoaddress "[\"$NESTED\", 5]" >/dev/null
wrpc sendtoaddress "[\"$P2WSH\", 2.25]" >/dev/null
wrpc sendtoaddress "[\"$MULTISIG\", 0.7]" >/dev/null
rpc generatetoaddress "[1, \"$MINER\"]" >/dev/null
# spend segwit outputs (P2WPKH, P2SH-P2WPKH) from the witness wallet
wrpc selectwallet '["sw"]' >/dev/null
wrpc sendtoaddress "[\"$LEGACY2\", 12]" >/dev/null
wrpc sendtoaddress "[\"$P2WPKH2\", 1.25]" >/dev/null
wrpc selectwallet '["primary"]' >/dev/null
rpc generatetoaddress "[1, \"$MINER\"]" >/dev/null
wrpc sendmany "[\"default\", {\"$LEGACY\": 0.1, \"$P2WPKH2\": 0.2, \"$P2WSH\": 0.3}]" >/dev/null
rpc generatetoaddress "[1, \"$MINER\"]" >/dev/null
TIP=$(rpc getblockcount)
[ "$TIP" = 435 ] || die "node tip is $TIP, expected 435"
[ "$(rpc getrawmempool)" = "[]" ] || die "transactions left in the mempool"

# compare_balances DB LABEL [EXTRA_ADDRESS...]: every address of the node's chain, plus the
# extra ones (expected 0 when the node does not list them), has the node's balance in DB
compare_balances() {
    local db=$1 label=$2
    shift 2
    node "$HERE/bcoin_node.js" balances --rpc-port "$RPC_PORT" --api-key "$KEY" >"$TMP/node_bal" ||
        { ko "$label: bcoin_node.js balances failed"; return; }
    local n
    n=$(wc -l <"$TMP/node_bal")
    [ "$n" -ge 2 ] && ok || ko "$label: only $n addresses from the node"
    for extra in "$@"; do
        grep -q "^$extra " "$TMP/node_bal" || echo "$extra 0" >>"$TMP/node_bal"
    done
    local bad=0 addr want got
    while read -r addr want; do
        if ! "$FUNDTRACE" --db "$db" --json address "$addr" >"$TMP/addr.json" 2>"$TMP/addr.err"; then
            ko "$label: fundtrace address $addr failed: $(cat "$TMP/addr.err")"
            bad=1
            continue
        fi
        got=$(node -e 'const m=/^(\d+)\.(\d{8})$/.exec(JSON.parse(require("fs").readFileSync(process.argv[1])).balance);
                       console.log(m ? (BigInt(m[1])*100000000n+BigInt(m[2])).toString() : "bad")' "$TMP/addr.json")
        if [ "$got" != "$want" ]; then
            ko "$label: $addr balance $got sat in the index, $want sat in the node"
            bad=1
        fi
    done <"$TMP/node_bal"
    [ $bad = 0 ] && ok
    return 0
}

# index_json DB ARGS...: index over RPC with --json; the summary in $TMP/idx.json
index_json() {
    local db=$1
    shift
    "$FUNDTRACE" --db "$db" --json index bitcoin --rpc "$URL" --rpc-user x --rpc-password "$KEY" \
        --network regtest "$@" >"$TMP/idx.json" 2>"$TMP/idx.err"
}
field() { node -pe "JSON.parse(require('fs').readFileSync('$TMP/idx.json')).$1"; }

# --- 2. index and compare ---------------------------------------------------------------------
DB=$TMP/db
if index_json "$DB"; then
    [ "$(field blocks)" = 436 ] && [ "$(field tip_height)" = 435 ] && [ "$(field rolled_back)" = 0 ] &&
        ok || ko "first index: $(cat "$TMP/idx.json")"
    compare_balances "$DB" "before the reorganisation"
    # funded and unspent: a balance; the nested and first P2WPKH outputs were spent: zero
    for a in "$LEGACY" "$LEGACY2" "$P2WPKH2" "$P2WSH" "$MULTISIG"; do
        grep -q "^$a [1-9]" "$TMP/node_bal" && ok || ko "no balance for $a in the node's list"
    done
    for a in "$P2WPKH" "$NESTED"; do
        grep -q "^$a 0\$" "$TMP/node_bal" && ok || ko "$a should be spent in the node's list"
    done
    cp "$TMP/node_bal" "$TMP/node_bal_before"
else
    ko "index over RPC failed: $(cat "$TMP/idx.err")"
fi
# the wrong key is an authentication failure, exit 1, one line
rc=0
"$FUNDTRACE" --db "$TMP/nokey" index bitcoin --rpc "$URL" --rpc-user x --rpc-password wrong \
    --network regtest >"$TMP/out" 2>"$TMP/err" || rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "^error: authentication failed" "$TMP/err" &&
    ok || ko "wrong api key: rc $rc, $(cat "$TMP/err")"
# the node is regtest: indexing it as main is refused
rc=0
"$FUNDTRACE" --db "$TMP/main" index bitcoin --rpc "$URL" --rpc-user x --rpc-password "$KEY" \
    --network main >"$TMP/out" 2>"$TMP/err" || rc=$?
[ $rc = 2 ] && grep -q "'regtest'" "$TMP/err" && ok || ko "network check: rc $rc, $(cat "$TMP/err")"
# without --network the node's own network is taken, and a regtest index refuses main later
rc=0
"$FUNDTRACE" --db "$TMP/nonet" --json index bitcoin --rpc "$URL" --rpc-user x --rpc-password "$KEY" \
    --to 3 >"$TMP/out" 2>"$TMP/err" || rc=$?
[ $rc = 0 ] && grep -q '"network":"regtest"' "$TMP/out" && ok ||
    ko "node network by default: rc $rc, $(cat "$TMP/out" "$TMP/err")"

# --- 3. resume ----------------------------------------------------------------------------------
FULL=$("$FUNDTRACE" --db "$DB" digest)
if index_json "$TMP/resume" --to 200 && [ "$(field tip_height)" = 200 ] &&
    index_json "$TMP/resume" && [ "$(field blocks)" = 235 ]; then
    [ "$("$FUNDTRACE" --db "$TMP/resume" digest)" = "$FULL" ] && ok || ko "resumed index differs"
else
    ko "resume runs failed: $(cat "$TMP/idx.err" "$TMP/idx.json")"
fi

# --- 4. reorganisation ----------------------------------------------------------------------
FORK_CHILD=$(rpc getblockhash '[433]') # the first block with our transactions
rpc invalidateblock "[\"$FORK_CHILD\"]" >/dev/null
[ "$(rpc getblockcount)" = 432 ] || die "invalidateblock did not disconnect to 432"
OTHER=$(wrpc getnewaddress '["default"]')
rpc generatetoaddress "[5, \"$OTHER\"]" >/dev/null
[ "$(rpc getblockcount)" = 437 ] || die "the new branch is not at 437"
[ "$(rpc getblockhash '[433]')" != "$FORK_CHILD" ] || die "block 433 did not change"
[ "$(rpc getrawmempool)" = "[]" ] || die "transactions left in the mempool after the reorganisation"

if index_json "$DB"; then
    [ "$(field rolled_back)" = 3 ] && [ "$(field blocks)" = 5 ] && [ "$(field tip_height)" = 437 ] &&
        ok || ko "reorganisation: $(cat "$TMP/idx.json")"
    # every address of the old branch, too: those the new chain does not pay must be 0 now
    compare_balances "$DB" "after the reorganisation" $(cut -d' ' -f1 "$TMP/node_bal_before")
    grep -q "^$OTHER [1-9]" "$TMP/node_bal" && ok || ko "the new branch's address has no balance"
    index_json "$TMP/fresh" || ko "fresh index failed: $(cat "$TMP/idx.err")"
    [ "$("$FUNDTRACE" --db "$DB" digest)" = "$("$FUNDTRACE" --db "$TMP/fresh" digest)" ] &&
        ok || ko "the rolled-back index differs from a fresh index of the new chain"
else
    ko "index after the reorganisation failed: $(cat "$TMP/idx.err")"
fi
# and once more: nothing to do
if index_json "$DB"; then
    [ "$(field up_to_date)" = true ] && [ "$(field rolled_back)" = 0 ] && ok ||
        ko "third run: $(cat "$TMP/idx.json")"
fi

# stop the node cleanly (SIGTERM: bcoin closes and exits 0)
kill "$NODE_PID"
rc=0
wait "$NODE_PID" || rc=$?
NODE_PID=
[ $rc = 0 ] && ok || ko "bcoin exited $rc on SIGTERM: $(tail -n 5 "$TMP/node.err")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
