#!/usr/bin/env bash
# cluster_eth.sh — `fundtrace cluster` over an account chain (the bundled Ethereum sample,
# chain dev) with the `deposit` heuristic, and `export clusters` listing the result.
#
# The scenario (datasets/sample/ethereum/README.md): split 3 pays 11 ETH to an exchange
# deposit address, which forwards its balance minus gas to the exchange hot wallet (labelled
# exchange-hot in labels.csv). The deposit address's only outgoing transfers are that
# forward and its gas (fee rows to the miner and the burn, which are not destinations), so
# it is a deposit address of exchange-hot, and its payer (split 3) is the same customer:
#   {split 3, deposit} = one cluster of 2; the hot wallet stays alone (deposit addresses are
#   never merged with the exchange itself); every other address is a singleton.
# Without labels nothing is linked (the heuristic needs an exchange label).
source "$(dirname "$0")/lib.sh"
S=$SRC/datasets/sample/ethereum
DB=$TMP/db

rc=0
"$FT" --db "$DB" --quiet index ethereum --etl "$S" --chain dev >"$TMP/o" 2>&1 || rc=$?
[ "$rc" = 0 ] && ok || ko "index exited $rc: $(cat "$TMP/o")"

# no labels: no links
rc=0
"$FT" --db "$DB" --json cluster >"$TMP/c0.json" 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && python3 - "$TMP/c0.json" <<'PY' && ok || ko "cluster without labels ($rc): $(cat "$TMP/c0.json" "$TMP/e")"
import json, sys
j = json.load(open(sys.argv[1]))
(c,) = j["account_chains"]
assert c["chain"] == "dev" and c["links"] == 0 and c["clusters"] == 0, c
assert c["addresses"] == 11, c  # the 11 distinct senders/recipients of value-moving rows
PY

rc=0
{ "$FT" --db "$DB" --quiet labels import "$S/labels.csv" >/dev/null &&
    "$FT" --db "$DB" --json cluster >"$TMP/c1.json"; } 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && python3 - "$TMP/c1.json" "$(m splits.2)" <<'PY' && ok || ko "cluster with labels ($rc): $(cat "$TMP/c1.json" "$TMP/e")"
import json, sys
(c,) = json.load(open(sys.argv[1]))["account_chains"]
assert c["links"] == 1 and c["merges"] == 1 and c["clusters"] == 1 and c["largest"] == 2, c
assert c["largest_address"] == sys.argv[2], c  # split 3: the smaller id of the pair
assert "deposit" in c["heuristics"].split(","), c
PY

# text output names the chain
rc=0
"$FT" --db "$DB" cluster >"$TMP/c.txt" 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && grep -q '^dev: addresses 11, links 1, merges 1, clusters 1 of 2 or more' "$TMP/c.txt" &&
    ok || ko "cluster text ($rc): $(cat "$TMP/c.txt" "$TMP/e")"

# export clusters: split 3 and the deposit address share a cluster of 2, the hot wallet is alone
rc=0
"$FT" --db "$DB" export clusters --out "$TMP/cl.csv" 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && python3 - "$TMP/cl.csv" "$(m splits.2)" "$(m deposit)" "$(m hot)" <<'PY' && ok || ko "export clusters ($rc): $(cat "$TMP/cl.csv" "$TMP/e")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {r["address"]: r for r in rows}
split3, dep, hot = sys.argv[2:5]
assert len(rows) == 11 and all(r["chain"] == "dev" for r in rows), rows
assert by[split3]["cluster"] == by[dep]["cluster"] and by[dep]["cluster_size"] == "2", rows
assert by[hot]["cluster_size"] == "1" and by[hot]["cluster"] != by[dep]["cluster"], rows
assert sum(r["cluster_size"] == "2" for r in rows) == 2, rows
PY

# a re-run replaces the records (same export bytes)
rc=0
{ "$FT" --db "$DB" --quiet cluster >/dev/null && "$FT" --db "$DB" export clusters --out "$TMP/cl2.csv"; } 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && cmp -s "$TMP/cl.csv" "$TMP/cl2.csv" && ok || ko "re-run differs ($rc): $(cat "$TMP/e")"

# an index with nothing in it is still an error
rc=0
mkdir -p "$TMP/empty"
"$FT" --db "$TMP/empty/db" cluster >/dev/null 2>"$TMP/e" || rc=$?
[ "$rc" != 0 ] && [ "$(wc -l <"$TMP/e")" = 1 ] && grep -q '^error: ' "$TMP/e" && ok || ko "empty index: rc $rc $(cat "$TMP/e")"

finish
