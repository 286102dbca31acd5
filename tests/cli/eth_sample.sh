#!/usr/bin/env bash
# eth_sample.sh — the bundled Ethereum sample (datasets/sample/ethereum, ethereum-etl CSV of
# the anvil scenario; make.sh there regenerates it from a real node):
#  - `index ethereum --etl` indexes all its blocks and transactions (counts = the CSV rows);
#  - every key address's balance (`address --json`) equals the node's, recorded by make.sh in
#    expected_balances.csv (eth_getBalance(latest) - eth_getBalance(0), wei);
#  - the failed tx moves only its fee (status 0, transfers = tip + burnt base fee = fee > 0);
#    the pool payout is an internal transfer; the theft moves 50 ETH;
#  - labels.csv / incidents.csv name the scenario's hot wallet, pool and theft tx.
source "$(dirname "$0")/lib.sh"
S=$SRC/datasets/sample/ethereum

rc=0
"$FT" --db "$TMP/db" --json index ethereum --etl "$S" --chain dev >"$TMP/idx.json" 2>"$TMP/idx.err" || rc=$?
[ "$rc" = 0 ] && ok || ko "index --etl exited $rc: $(cat "$TMP/idx.err")"
python3 - "$TMP/idx.json" "$(($(wc -l <"$S/blocks.csv") - 1))" "$(($(wc -l <"$S/transactions.csv") - 1))" "$(m tip)" <<'PY' && ok || ko "index summary: $(cat "$TMP/idx.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["blocks"] == int(sys.argv[2]) == int(sys.argv[4]) + 1 and s["txs"] == int(sys.argv[3]) >= 16, s
assert s["tip_height"] == int(sys.argv[4]) and s["transfers"] > s["txs"], s
PY

# balances of the key addresses = the node's
n=0
while IFS=, read -r role addr wei; do
    n=$((n + 1))
    "$FT" --db "$TMP/db" --json address "$addr" --chain dev >"$TMP/a.json" 2>"$TMP/a.err" ||
        { ko "address $role $addr: $(cat "$TMP/a.err")"; continue; }
    python3 - "$TMP/a.json" "$wei" <<'PY' && ok || ko "$role $addr: $(head -c 300 "$TMP/a.json"), node says $wei wei"
import json, sys
from decimal import Decimal
a = json.load(open(sys.argv[1]))
assert Decimal(a["balance"]) * 10**18 == int(sys.argv[2]), a["balance"]
PY
done < <(tail -n +2 "$S/expected_balances.csv")
[ "$n" -ge 10 ] && ok || ko "expected_balances.csv has only $n rows"

tx() { "$FT" --db "$TMP/db" --json tx "$1" --chain dev; }
tx "$(m txs.failed)" >"$TMP/f.json"
python3 - "$TMP/f.json" <<'PY' && ok || ko "failed tx view: $(cat "$TMP/f.json")"
import json, sys
from decimal import Decimal
t = json.load(open(sys.argv[1]))
assert t["status"] == 0, t
assert [x["kind"] for x in t["transfers"]] == ["fee", "fee"], t["transfers"]
assert sum(Decimal(x["value"]) for x in t["transfers"]) == Decimal(t["fee"]) > 0, t
PY
tx "$(m txs.pool_payout)" >"$TMP/p.json"
python3 - "$TMP/p.json" "$(m pool)" "$(m payee)" <<'PY' && ok || ko "payout view: $(cat "$TMP/p.json")"
import json, sys
t = json.load(open(sys.argv[1]))
i = [x for x in t["transfers"] if x["kind"] == "internal"]
assert len(i) == 1 and i[0]["from"].lower() == sys.argv[2].lower() and i[0]["to"].lower() == sys.argv[3].lower(), i
assert i[0]["value"] == "9.500000000000000000", i
PY
tx "$(m txs.theft)" >"$TMP/t.json"
python3 - "$TMP/t.json" "$(m victim)" "$(m attacker)" <<'PY' && ok || ko "theft view: $(cat "$TMP/t.json")"
import json, sys
t = json.load(open(sys.argv[1]))
e = t["transfers"][-1]
assert e["kind"] == "external" and e["value"] == "50.000000000000000000", e
assert e["from"].lower() == sys.argv[2].lower() and e["to"].lower() == sys.argv[3].lower(), e
PY

# labels and incidents name the scenario's actors
hot=$(m hot | tr 'A-F' 'a-f')
pool=$(m pool | tr 'A-F' 'a-f')
grep -qx "dev,$hot,[a-z-]*,exchange,.*" "$S/labels.csv" && grep -qx "dev,$pool,[a-z-]*,mixer,.*" "$S/labels.csv" && ok ||
    ko "labels.csv does not label the hot wallet and the pool"
grep -q "^eth-1,2024-01-04,dev,$(m txs.theft),ETH,50," "$S/incidents.csv" && ok || ko "incidents.csv does not seed the theft"

# the same files again: up to date, nothing added
"$FT" --db "$TMP/db" --json index ethereum --etl "$S" --chain dev >"$TMP/idx2.json" 2>"$TMP/idx2.err"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["up_to_date"] and s["blocks"] == 0, s' "$TMP/idx2.json" && ok ||
    ko "second index: $(cat "$TMP/idx2.json")"

finish
