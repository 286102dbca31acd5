#!/usr/bin/env bash
# address_cluster_eth.sh — `address 0x…` shows the account cluster stored by `cluster` on an
# EVM chain (the bundled Ethereum sample, chain dev; engine/clusteraddr.c maps the address to
# its graph id without loading the graph).
#
# The scenario (datasets/sample/ethereum/README.md, tests/cli/cluster_eth.sh): with the
# sample's labels, the `deposit` heuristic puts split 3 and the exchange deposit address it
# paid in one cluster of 2; the labelled hot wallet stays alone. Checked here:
#   - before `cluster`: "cluster": null (text: "not clustered");
#   - after: deposit and split 3 show the same cluster id, size 2; for all 11 addresses of the
#     chain, id and size equal `export clusters` (which loads the whole graph: an independent
#     path); the hot wallet is a singleton whose cluster label is its own label;
#   - an address the chain never saw: null; the text output line; a re-run of `cluster`
#     without labels (no links) replaces the map: deposit is then alone.
source "$(dirname "$0")/lib.sh"
S=$SRC/datasets/sample/ethereum
DB=$TMP/db
SPLIT3=$(m splits.2)
DEP=$(m deposit)
HOT=$(m hot)
NOBODY=0x00000000000000000000000000000000000000A1

rc=0
"$FT" --db "$DB" --quiet index ethereum --etl "$S" --chain dev >"$TMP/o" 2>&1 || rc=$?
[ "$rc" = 0 ] && ok || ko "index exited $rc: $(cat "$TMP/o")"

# before clustering: null, and the text says why
rc=0
"$FT" --db "$DB" --json address "$DEP" >"$TMP/a0.json" 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["cluster"] is None, j' "$TMP/a0.json" &&
    ok || ko "address before cluster ($rc): $(cat "$TMP/a0.json" "$TMP/e")"
rc=0
"$FT" --db "$DB" address "$DEP" >"$TMP/a0.txt" 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && grep -qx "cluster   none (chain not clustered: run 'fundtrace cluster')" "$TMP/a0.txt" &&
    ok || ko "text before cluster ($rc): $(cat "$TMP/a0.txt" "$TMP/e")"

rc=0
{ "$FT" --db "$DB" --quiet labels import "$S/labels.csv" >/dev/null &&
    "$FT" --db "$DB" --quiet cluster >/dev/null &&
    "$FT" --db "$DB" export clusters --out "$TMP/cl.csv"; } 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && ok || ko "labels/cluster/export ($rc): $(cat "$TMP/e")"

# every address of the export: `address --json` gives the same cluster id and size
for a in $(tail -n +2 "$TMP/cl.csv" | cut -d, -f2) "$NOBODY"; do
    "$FT" --db "$DB" --json address "$a" >"$TMP/addr_$a.json" 2>>"$TMP/e" || ko "address $a exited $?: $(cat "$TMP/e")"
done
python3 - "$TMP" "$TMP/cl.csv" "$SPLIT3" "$DEP" "$HOT" "$NOBODY" <<'PY' && ok || ko "address clusters vs export: $(cat "$TMP/e")"
import csv, json, sys
tmp, export, split3, dep, hot, nobody = sys.argv[1:7]
rows = list(csv.DictReader(open(export)))
assert len(rows) == 11, rows
got = {}
for r in rows:
    j = json.load(open(f"{tmp}/addr_{r['address']}.json"))
    c = j["cluster"]
    assert c is not None, (r, j)
    assert (str(c["id"]), str(c["size"])) == (r["cluster"], r["cluster_size"]), (r, c)
    got[r["address"]] = c
assert got[dep]["id"] == got[split3]["id"] and got[dep]["size"] == 2, got
assert got[dep]["labels"] == [], got  # neither member is labelled
assert got[hot]["size"] == 1 and got[hot]["id"] != got[dep]["id"], got
assert got[hot]["labels"] == [{"entity": "exchange-hot", "category": "exchange"}], got[hot]
assert sum(c["size"] == 2 for c in got.values()) == 2, got
assert json.load(open(f"{tmp}/addr_{nobody}.json"))["cluster"] is None
PY

# text output
rc=0
"$FT" --db "$DB" address "$SPLIT3" >"$TMP/a1.txt" 2>"$TMP/e" || rc=$?
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cluster"]["id"])' "$TMP/addr_$DEP.json" 2>/dev/null || echo none)
[ "$rc" = 0 ] && grep -qx "cluster   $ID, size 2, labels none" "$TMP/a1.txt" && ok || ko "text after cluster ($rc): $(cat "$TMP/a1.txt" "$TMP/e")"
rc=0
"$FT" --db "$DB" address "$NOBODY" >"$TMP/a2.txt" 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && grep -qx "cluster   none (not in the last clustering run)" "$TMP/a2.txt" && ok || ko "text, unseen address ($rc): $(cat "$TMP/a2.txt" "$TMP/e")"

# a re-run without the deposit heuristic links nothing: the map and clusters are replaced
rc=0
{ "$FT" --db "$DB" --quiet cluster --heuristics multi-input >/dev/null &&
    "$FT" --db "$DB" --json address "$DEP" >"$TMP/a3.json"; } 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && python3 - "$TMP/a3.json" "$TMP/addr_$DEP.json" <<'PY' && ok || ko "re-run ($rc): $(cat "$TMP/a3.json" "$TMP/e")"
import json, sys
c, before = json.load(open(sys.argv[1]))["cluster"], json.load(open(sys.argv[2]))["cluster"]
assert c is not None and c["size"] == 1 and c["labels"] == [], c
assert c["id"] != before["id"], (c, before)  # its own id now, not split 3's
PY

finish
