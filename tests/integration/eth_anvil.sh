#!/usr/bin/env bash
# eth_anvil.sh — `fundtrace index ethereum --chain dev` against a real node: anvil (Foundry's
# dev node, from the npm package @foundry-rs/anvil-linux-amd64) on a free 127.0.0.1 port.
# eth_anvil.js plays the scenario with ethers (theft, splits, a pool contract paying out by an
# internal transfer, ERC-20 transfers, two failed txs, a deposit address forwarding to an
# exchange hot wallet; see its header), then:
#  - the index is built over RPC with --verify (every tx's raw bytes: keccak = hash, recovered
#    sender = from; legacy, EIP-2930, EIP-1559 and contract creations);
#  - every address the index names: index balance = eth_getBalance(latest) (anvil's genesis
#    allocation to its ten dev accounts is credited in block 0, from eth_accounts and
#    eth_getBalance at block 0), and every token balance = balanceOf in units of decimals();
#  - the token comes out with its symbol() and decimals() (eth_call during indexing);
#  - tx views: the payout's internal transfer, the failed txs moving only their fee, the token
#    transfer, fee = gasUsed x effectiveGasPrice split into tip and burnt base fee;
#  - a reorganisation on the node (evm_revert + other blocks): rolled back, re-indexed, balances
#    checked again; a node on another chain id is refused (exit 2).
set -euo pipefail

FUNDTRACE=${FUNDTRACE:?FUNDTRACE must point at the fundtrace binary}
SRC=${FT_SOURCE_DIR:-.}
HERE=$SRC/tests/integration
TMP=$(mktemp -d)
ANVIL_PID=
cleanup() {
    if [ -n "$ANVIL_PID" ]; then kill "$ANVIL_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
die() { echo "error: $*" >&2; exit 1; }

command -v node >/dev/null || die "node not found (make deps)"
"$HERE/node/install.sh" >&2 || die "cannot install anvil and ethers (tests/integration/node/install.sh)"
ANVIL=$HERE/node/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
[ -x "$ANVIL" ] || die "no anvil binary at '$ANVIL'"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$ANVIL" --host 127.0.0.1 --port "$PORT" --silent >"$TMP/anvil.log" 2>&1 &
ANVIL_PID=$!
URL=http://127.0.0.1:$PORT
# rpc METHOD PARAMS_JSON: one JSON-RPC call with node's fetch (no curl binary needed)
rpc() {
    node -e 'fetch(process.argv[1],{method:"POST",headers:{"Content-Type":"application/json"},
      body:JSON.stringify({jsonrpc:"2.0",id:1,method:process.argv[2],params:JSON.parse(process.argv[3])})})
      .then(r=>r.text()).then(t=>process.stdout.write(t)).catch(()=>process.exit(1))' "$URL" "$1" "$2"
}
for _ in $(seq 1 100); do
    rpc eth_chainId '[]' 2>/dev/null | grep -q 0x7a69 && break
    sleep 0.1
done

node "$HERE/eth_anvil.js" play "$URL" >"$TMP/manifest.json" || die "the scenario failed on anvil"
m() { node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1]));let v=m;for(const k of process.argv[2].split("."))v=v[k];process.stdout.write(String(v))' "$TMP/manifest.json" "$1"; }
DB=$TMP/db

rc=0
"$FUNDTRACE" --db "$DB" --json index ethereum --chain dev --rpc "$URL" --verify --window 4 >"$TMP/out" 2>"$TMP/err" || rc=$?
[ $rc = 0 ] && ok || { ko "index over RPC: exit $rc"; cat "$TMP/err"; }
TIP=$(m tip)
python3 - "$TMP/out" "$TIP" <<'PY' && ok || ko "index summary: $(cat "$TMP/out")"
import json, sys
s = json.load(open(sys.argv[1])); tip = int(sys.argv[2])
assert s["tip_height"] == tip and s["blocks"] == tip + 1, s
assert s["traces"] == "trace_block" and s["receipts"] == "eth_getBlockReceipts", s
assert s["verified"] == s["txs"] and s["txs"] >= 16, s
assert s["genesis_allocations"] == 10, s                      # anvil's ten dev accounts
assert s["tokens"] == {"dataset": 0, "eth_call": 1, "unknown": 0}, s   # the scenario's token
PY
if node "$HERE/eth_anvil.js" check "$URL" "$DB" "$FUNDTRACE" >"$TMP/check" 2>&1; then ok; else ko "balances: $(cat "$TMP/check")"; fi
grep -q '"mismatches":\[\]' "$TMP/check" && ok || ko "balance check output: $(cat "$TMP/check")"
grep -q '"genesis_funded":[1-9]' "$TMP/check" && ok || ko "no genesis-funded account was checked: $(cat "$TMP/check")"

tx() { "$FUNDTRACE" --db "$DB" --json tx "$1" --chain dev; }
POOL=$(m pool)
PAYEE=$(m payee)
tx "$(m txs.pool_payout)" >"$TMP/payout.json"
python3 - "$TMP/payout.json" "$POOL" "$PAYEE" <<'PY' && ok || ko "pool payout view: $(cat "$TMP/payout.json")"
import json, sys
t = json.load(open(sys.argv[1])); pool, payee = sys.argv[2].lower(), sys.argv[3].lower()
k = [x["kind"] for x in t["transfers"]]
assert t["status"] == 1 and k == ["fee", "fee", "internal"], k      # tip, burnt base fee, payout
i = t["transfers"][2]
assert i["from"].lower() == pool and i["to"].lower() == payee and i["value"] == "9.500000000000000000", i
assert t["transfers"][1]["to"] is None                                # the burnt part
PY
for f in failed failed_token; do
    tx "$(m txs.$f)" >"$TMP/f.json"
    python3 - "$TMP/f.json" <<'PY' && ok || ko "$f view: $(cat "$TMP/f.json")"
import json, sys
from decimal import Decimal
t = json.load(open(sys.argv[1]))
assert t["status"] == 0, t
assert [x["kind"] for x in t["transfers"]] == ["fee", "fee"], t["transfers"]
assert sum(Decimal(x["value"]) for x in t["transfers"]) == Decimal(t["fee"]) > 0, t
PY
done
tx "$(m txs.token)" >"$TMP/t.json"
python3 - "$TMP/t.json" "$(m token)" "$(m splits.2)" <<'PY' && ok || ko "token view: $(cat "$TMP/t.json")"
import json, sys
t = json.load(open(sys.argv[1]))
tok = [x for x in t["transfers"] if x["kind"] == "token"]
assert len(tok) == 1 and tok[0]["asset"].lower() == sys.argv[2].lower(), tok
assert tok[0]["to"].lower() == sys.argv[3].lower(), tok
# 250,000 x 10^18 base units of a token with decimals() = 6, symbol() = "LOOT" (eth_call)
assert tok[0]["value"] == "250000000000000000.000000", tok
assert tok[0]["symbol"] == "LOOT" and tok[0]["decimals"] == 6, tok
PY
# the victim: funded at genesis (10,000 ETH on anvil), so its balance is not negative
"$FUNDTRACE" --db "$DB" --json address "$(m victim)" --chain dev >"$TMP/victim.json"
BAL=$(rpc eth_getBalance "[\"$(m victim)\",\"latest\"]")
python3 - "$TMP/victim.json" "$BAL" <<'PY' && ok || ko "victim view: $(cat "$TMP/victim.json")"
import json, sys
from decimal import Decimal
v = json.load(open(sys.argv[1])); node = int(json.loads(sys.argv[2])["result"], 16)
assert Decimal(v["balance"]) * 10**18 == node and node > 0, (v["balance"], node)
assert Decimal(v["received"]) >= 10000, v                     # the genesis allocation
t = [x for x in v["tokens"] if x["symbol"] == "LOOT"]
assert len(t) == 1 and t[0]["decimals"] == 6 and t[0]["balance"] == "0.000000", t
PY
# labels and incidents of chain dev (and bsc) rows: imported, and shown by `address` (in a
# copy of the index: the digest comparison after the reorg below is of the ledger alone)
HOT=$(m hot)
cp -r "$DB" "$TMP/labdb"
DB0=$DB
DB=$TMP/labdb
printf 'chain,address,entity,category,source\ndev,%s,DevExchange,exchange,eth_anvil.sh\nbsc,0x8894e0a0c962cb723c1976a4421c95949be2d4e3,Binance,exchange,bscscan\n' "$HOT" >"$TMP/labels.csv"
rc=0
"$FUNDTRACE" --db "$DB" labels import "$TMP/labels.csv" >"$TMP/out" 2>"$TMP/err" || rc=$?
[ $rc = 0 ] && ok || ko "labels import of dev/bsc rows: exit $rc $(cat "$TMP/err")"
"$FUNDTRACE" --db "$DB" --json address "$HOT" --chain dev >"$TMP/hot.json"
python3 - "$TMP/hot.json" <<'PY' && ok || ko "label of the hot wallet: $(cat "$TMP/hot.json")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["labels"] == [{"entity": "DevExchange", "category": "exchange", "source": "eth_anvil.sh"}], v
PY
"$FUNDTRACE" --db "$DB" export labels | grep -q "^dev,$HOT,DevExchange,exchange" && ok || ko "labels export lacks the dev row"
printf 'incident,date,chain,seed,asset,amount,attribution,source\nanvil-theft,2026-01-01,dev,%s,ETH,50,test,eth_anvil.sh\nanvil-theft,2026-01-01,dev,%s,ETH,,test,eth_anvil.sh\n' "$(m txs.theft)" "$(m attacker)" >"$TMP/inc.csv"
rc=0
"$FUNDTRACE" --db "$DB" incidents import "$TMP/inc.csv" >"$TMP/out" 2>"$TMP/err" || rc=$?
[ $rc = 0 ] && grep -q "2 incident rows of 1 incidents" "$TMP/out" "$TMP/err" && ok || ko "incidents import of dev rows: exit $rc $(cat "$TMP/out" "$TMP/err")"

DB=$DB0

# the fee equals gasUsed x effectiveGasPrice from the node's receipt
RCPT=$(rpc eth_getTransactionReceipt "[\"$(m txs.theft)\"]")
tx "$(m txs.theft)" >"$TMP/theft.json"
python3 - "$TMP/theft.json" "$RCPT" <<'PY' && ok || ko "theft fee: $(cat "$TMP/theft.json")"
import json, sys
from decimal import Decimal
t = json.load(open(sys.argv[1])); r = json.loads(sys.argv[2])["result"]
fee = int(r["gasUsed"], 16) * int(r["effectiveGasPrice"], 16)
assert Decimal(t["fee"]) * 10**18 == fee, (t["fee"], fee)
assert [x["kind"] for x in t["transfers"]][-1] == "external" and t["transfers"][-1]["value"] == "50.000000000000000000"
PY

# a reorganisation on the node: the last two blocks replaced by three others
node "$HERE/eth_anvil.js" fork "$URL" "$(m snapshot)" >"$TMP/fork.json" || die "cannot fork anvil"
rc=0
"$FUNDTRACE" --db "$DB" --json index ethereum --chain dev --rpc "$URL" --verify >"$TMP/out" 2>"$TMP/err" || rc=$?
[ $rc = 0 ] && ok || { ko "index after the reorg: exit $rc"; cat "$TMP/err"; }
python3 - "$TMP/out" "$TIP" "$(m fork_height)" <<'PY' && ok || ko "reorg summary: $(cat "$TMP/out")"
import json, sys
s = json.load(open(sys.argv[1])); old_tip, fork = int(sys.argv[2]), int(sys.argv[3])
assert s["rolled_back"] == old_tip - fork, s
assert s["tip_height"] == fork + 3 and s["blocks"] == 3, s
PY
if node "$HERE/eth_anvil.js" check "$URL" "$DB" "$FUNDTRACE" >"$TMP/check" 2>&1; then ok; else ko "balances after the reorg: $(cat "$TMP/check")"; fi
# a fresh index of the forked chain is byte-identical to the rolled-back one
"$FUNDTRACE" --db "$TMP/fresh" --quiet index ethereum --chain dev --rpc "$URL"
[ "$("$FUNDTRACE" --db "$DB" digest)" = "$("$FUNDTRACE" --db "$TMP/fresh" digest)" ] && ok || ko "rolled-back index differs from a fresh one"

# the wrong chain
rc=0
"$FUNDTRACE" --db "$TMP/other" index ethereum --chain bsc --rpc "$URL" >"$TMP/out" 2>"$TMP/err" || rc=$?
[ $rc = 2 ] && grep -q "serves chain id 31337 (dev), not 56 (bsc)" "$TMP/err" && ok || ko "wrong chain: exit $rc $(cat "$TMP/err")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
