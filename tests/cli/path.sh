#!/usr/bin/env bash
# path.sh — `fundtrace path FROM TO` on the bundled samples.
#
# Bitcoin (datasets/sample): index, labels, incidents, cluster, trace --all (haircut). For
# every evidence path of paths.csv (seed address = hop 1's from, terminal = the last hop's
# to) `path` must find a path no longer than the evidence, and every hop is walked with
# `fundtrace tx`: hop 1 spends an output of FROM; hop k+1 spends an output of hop k's tx
# paid to hop k's `to` whose value is hop k's amount; the last hop pays TO that amount; the
# hop's time is its tx's time; --load-graph (the search over the loaded graph) gives the same
# bytes as the default search over the index. Text, --json and --csv agree and repeat. No
# path (the reverse direction; --max-hops 1; --max-visits 1) is exit 0, found false, one
# stderr line saying which; invalid and unknown addresses exit 2 naming them; usage 129.
# Ethereum (datasets/sample/ethereum, chain dev; manifest.json names the scenario's actors):
# victim → hot wallet is theft → split 3 → deposit → forward, 4 hops, each hop a transfer of
# `fundtrace tx` with that from, to and value; hot wallet → pool has no path although hot
# pays split 1 (1 wei) and split 1 paid the pool, because split 1 paid the pool before.
source "$(dirname "$0")/lib.sh"
S=$SRC/datasets/sample
one_line() { [ "$(wc -l <"$TMP/$1.err")" = 1 ] && grep -q "$2" "$TMP/$1.err" && ok || ko "$1: stderr is not one line matching '$2': $(cat "$TMP/$1.err")"; }

# ---- Bitcoin ----------------------------------------------------------------------------------
DB=$TMP/db
rc=0
{ sample_btc "$DB" && "$FT" --db "$DB" --quiet trace --all --model haircut --out "$TMP/tr"; } >"$TMP/setup.out" 2>&1 || rc=$?
[ "$rc" = 0 ] && ok || ko "setup exited $rc: $(cat "$TMP/setup.out")"

# the evidence paths: incident path from to hops (hop-0 rows, a seed paid straight to a
# terminal, have no from and are skipped)
python3 - "$TMP/tr/paths.csv" >"$TMP/pairs.txt" <<'PY'
import csv, sys
paths = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["hop"] == "0":
        continue
    paths.setdefault((r["incident"], r["path"]), []).append(r)
seen, out = set(), []
for (inc, p), rows in paths.items():
    rows.sort(key=lambda r: int(r["hop"]))
    pair = (rows[0]["from"], rows[-1]["to"])
    if pair in seen or pair[0] == pair[1]:
        continue
    seen.add(pair)
    out.append((inc, p, pair[0], pair[1], len(rows)))
# the 6 longest evidence paths (ties by incident, path): enough to meet shortcuts and long
# chains, few enough for a loaded 2-core machine
out.sort(key=lambda r: (-r[4], r[0], int(r[1])))
for r in out[:6]:
    print(*r)
PY
n_pairs=$(wc -l <"$TMP/pairs.txt")
[ "$n_pairs" = 6 ] && ok || ko "only $n_pairs evidence paths in paths.csv"

n_shorter=0
n_checked=0
while read -r inc p from to ev_hops; do
    run pj --db "$DB" --json path "$from" "$to" --max-hops 32
    rc_is pj 0
    [ ! -s "$TMP/pj.err" ] && ok || ko "path $from $to: stderr $(cat "$TMP/pj.err")"
    # the hops' transactions, as `fundtrace tx` shows them
    : >"$TMP/txs.jsonl"
    for t in $(python3 -c 'import json,sys; [print(h["txid"]) for h in json.load(open(sys.argv[1]))["hops"]]' "$TMP/pj.out"); do
        "$FT" --db "$DB" --json tx "$t" >>"$TMP/txs.jsonl"
    done
    python3 - "$TMP/pj.out" "$TMP/txs.jsonl" "$from" "$to" "$ev_hops" <<'PY' && ok || ko "path $from $to (evidence $inc path $p): $(cat "$TMP/pj.out")"
import json, sys
r = json.load(open(sys.argv[1]))
txs = [json.loads(l) for l in open(sys.argv[2])]
frm, to, ev = sys.argv[3], sys.argv[4], int(sys.argv[5])
hops = r["hops"]
assert r["found"] is True and r["outcome"] == "found" and r["chain"] == "bitcoin", r
assert r["from"] == frm and r["to"] == to and r["max_hops"] == 32
assert 1 <= len(hops) <= ev, (len(hops), ev)
assert [h["hop"] for h in hops] == list(range(1, len(hops) + 1))
assert hops[0]["from"] == frm and hops[-1]["to"] == to
for k, (h, t) in enumerate(zip(hops, txs)):
    assert t["txid"] == h["txid"] and t["time"] == h["time"], (h, t["time"])
    if k == 0:
        assert any(i["address"] == frm for i in t["inputs"]), "hop 1 spends no output of FROM"
    else:
        prev = hops[k - 1]
        assert h["from"] == prev["to"]
        # an input of this tx spends an output of the previous hop's tx paid to its `to`
        links = [i for i in t["inputs"] if i["txid"] == prev["txid"] and i["address"] == prev["to"]]
        assert links, f"hop {k + 1} does not spend hop {k}'s output to {prev['to']}"
        assert any(i["value"] == prev["amount"] for i in links), (links, prev["amount"])
    outs = [o for o in t["outputs"] if o["address"] == h["to"] and o["value"] == h["amount"]]
    assert outs, f"hop {k + 1}: no output of {h['amount']} to {h['to']}"
    if k + 1 < len(hops):
        assert any(o["spent_by"] and o["spent_by"].split(":")[0] == hops[k + 1]["txid"] for o in outs)
PY
    # the loaded graph gives the same answer as the search over the index
    run pg --db "$DB" --json path "$from" "$to" --max-hops 32 --load-graph
    cmp -s "$TMP/pj.out" "$TMP/pg.out" && ok || ko "--load-graph differs: $(cat "$TMP/pg.out")"
    n_checked=$((n_checked + 1))
    if [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["hops"]))' "$TMP/pj.out")" -lt "$ev_hops" ]; then
        n_shorter=$((n_shorter + 1))
    fi
done <"$TMP/pairs.txt"
[ "$n_checked" = "$n_pairs" ] && ok || ko "checked $n_checked of $n_pairs pairs"
# the sample's peel chains have shortcuts: some evidence paths are longer than needed
[ "$n_shorter" -ge 2 ] && ok || ko "no path shorter than its evidence path"

# one pair in every form: text, csv and json agree; the same bytes twice
read -r _ _ FROM TO EVH < <(sort -k5,5nr "$TMP/pairs.txt" | head -1)
run pt --db "$DB" path "$FROM" "$TO" --max-hops 32
rc_is pt 0
run pt2 --db "$DB" path "$FROM" "$TO" --max-hops 32
cmp -s "$TMP/pt.out" "$TMP/pt2.out" && ok || ko "two runs differ"
run pc --db "$DB" path "$FROM" "$TO" --max-hops 32 --csv
rc_is pc 0
run pj --db "$DB" --json path "$FROM" "$TO" --max-hops 32
python3 - "$TMP/pt.out" "$TMP/pc.out" "$TMP/pj.out" "$FROM" "$TO" <<'PY' && ok || ko "forms disagree: $(cat "$TMP/pt.out" "$TMP/pc.out")"
import csv, json, sys
text = open(sys.argv[1]).read().splitlines()
rows = list(csv.reader(open(sys.argv[2])))
j = json.load(open(sys.argv[3]))
frm, to = sys.argv[4], sys.argv[5]
n = len(j["hops"])
assert text[0] == f"path {frm} -> {to}: {n} hop{'s' if n != 1 else ''} (bitcoin)", text[0]
assert rows[0] == ["hop", "chain", "txid", "from", "to", "amount", "time"], rows[0]
assert len(text) == n + 1 and len(rows) == n + 1
for h, t, c in zip(j["hops"], text[1:], rows[1:]):
    assert c == [str(h["hop"]), "bitcoin", h["txid"], h["from"], h["to"], h["amount"], h["time"]], c
    assert t.split() == [str(h["hop"]), h["time"], h["txid"], h["from"], "->", h["to"], h["amount"], "BTC"], t
PY
[ "$EVH" -ge 2 ] && ok || ko "longest evidence path has $EVH hops"

# no path: backwards (the terminal's money never reaches the seed address)
run back --db "$DB" --json path "$TO" "$FROM"
rc_is back 0
one_line back "^no path from $TO to $FROM"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["found"] is False and r["hops"] == [] and r["outcome"] in ("no_path","hop_limit")' "$TMP/back.out" && ok || ko "back: $(cat "$TMP/back.out")"
run back_text --db "$DB" path "$TO" "$FROM"
rc_is back_text 0
[ ! -s "$TMP/back_text.out" ] && ok || ko "back_text printed $(cat "$TMP/back_text.out")"
run back_csv --db "$DB" path "$TO" "$FROM" --csv
[ "$(cat "$TMP/back_csv.out")" = "hop,chain,txid,from,to,amount,time" ] && ok || ko "back_csv: $(cat "$TMP/back_csv.out")"
# the hop limit and the visit budget say so, differently
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["hops"]))' "$TMP/pj.out")
run lim --db "$DB" --json path "$FROM" "$TO" --max-hops $((n - 1))
rc_is lim 0
one_line lim "^no path from $FROM to $TO within $((n - 1)) hops\?\$"
grep -q '"found":false' "$TMP/lim.out" && grep -q '"outcome":"hop_limit"' "$TMP/lim.out" && ok || ko "lim: $(cat "$TMP/lim.out")"
run exact --db "$DB" --json path "$FROM" "$TO" --max-hops "$n"
grep -q '"found":true' "$TMP/exact.out" && ok || ko "exact: --max-hops $n does not find the $n-hop path"
run budget --db "$DB" --json path "$FROM" "$TO" --max-visits 1
rc_is budget 0
one_line budget "^no path from $FROM to $TO found within 1 visits; raise --max-visits\$"
grep -q '"outcome":"visit_limit"' "$TMP/budget.out" && ok || ko "budget: $(cat "$TMP/budget.out")"
run quiet --db "$DB" --quiet path "$TO" "$FROM"
rc_is quiet 0
[ ! -s "$TMP/quiet.err" ] && ok || ko "--quiet still printed $(cat "$TMP/quiet.err")"

# bad addresses: exit 2, one line naming the address
UNSEEN=bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 # valid regtest address, not in the sample
run unseen --db "$DB" path "$FROM" "$UNSEEN"
rc_is unseen 2
one_error_line unseen
grep -q "address '$UNSEEN' not in the index" "$TMP/unseen.err" && ok || ko "unseen: $(cat "$TMP/unseen.err")"
run invalid --db "$DB" path "bc1notanaddress" "$TO"
rc_is invalid 2
one_error_line invalid
grep -q "bc1notanaddress" "$TMP/invalid.err" && ok || ko "invalid: $(cat "$TMP/invalid.err")"
run mixed --db "$DB" path "$FROM" 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
rc_is mixed 2
one_error_line mixed

# usage
for args in "path" "path $FROM" "path $FROM $TO extra" "path $FROM $TO --max-hops 0" \
    "path $FROM $TO --max-hops 33" "path $FROM $TO --max-hops x" "path $FROM $TO --max-visits 0" \
    "path $FROM $TO --frobnicate" "--json path $FROM $TO --csv" "path $FROM $FROM" \
    "path $FROM $TO --chain dogecoin"; do
    # shellcheck disable=SC2086
    run usage --db "$DB" $args
    [ "$(cat "$TMP/usage.rc")" = 129 ] && grep -q '^error: ' "$TMP/usage.err" && ok || ko "'$args': exit $(cat "$TMP/usage.rc"): $(cat "$TMP/usage.err")"
done
run noidx --db "$TMP/none" path "$FROM" "$TO"
rc_is noidx 1
one_error_line noidx
run help help path
rc_is help 0
grep -q '^usage: fundtrace \[--json\] path FROM TO' "$TMP/help.out" && ok || ko "help path: $(head -2 "$TMP/help.out")"
run list help
grep -q '^  path ' "$TMP/list.out" && ok || ko "fundtrace help does not list path"

# ---- Ethereum ---------------------------------------------------------------------------------
E=$S/ethereum
EDB=$TMP/edb
run eidx --db "$EDB" --quiet index ethereum --etl "$E" --chain dev
rc_is eidx 0
eval "$(python3 - "$E/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f'VICTIM={m["victim"]} ATTACKER={m["attacker"]} SPLIT1={m["splits"][0]} SPLIT3={m["splits"][2]}')
print(f'DEPOSIT={m["deposit"]} HOT={m["hot"]} POOL={m["pool"]}')
print(f'THEFT={m["txs"]["theft"]} TO_DEPOSIT={m["txs"]["to_deposit"]} FORWARD={m["txs"]["forward"]}')
print(f'POOL_DEPOSIT={m["txs"]["pool_deposit"]}')
PY
)"
lower() { tr 'A-F' 'a-f' <<<"$1"; }
run ej --db "$EDB" --json path "$(lower "$VICTIM")" "$(lower "$HOT")"
rc_is ej 0
: >"$TMP/etxs.jsonl"
for t in $(python3 -c 'import json,sys; [print(h["txid"]) for h in json.load(open(sys.argv[1]))["hops"]]' "$TMP/ej.out"); do
    "$FT" --db "$EDB" --json tx "$t" >>"$TMP/etxs.jsonl"
done
python3 - "$TMP/ej.out" "$TMP/etxs.jsonl" "$E/transactions.csv" <<PY && ok || ko "eth victim -> hot: $(cat "$TMP/ej.out")"
import csv, json, sys
from decimal import Decimal
r = json.load(open(sys.argv[1]))
txs = [json.loads(l) for l in open(sys.argv[2])]
value = {t["hash"]: int(t["value"]) for t in csv.DictReader(open(sys.argv[3]))}
assert r["found"] is True and r["chain"] == "dev"
assert r["from"] == "$VICTIM" and r["to"] == "$HOT", (r["from"], r["to"])  # EIP-55
hops = r["hops"]
assert [(h["from"], h["to"]) for h in hops] == [("$VICTIM", "$ATTACKER"), ("$ATTACKER", "$SPLIT3"),
                                               ("$SPLIT3", "$DEPOSIT"), ("$DEPOSIT", "$HOT")], hops
assert hops[0]["txid"] == "$THEFT" and hops[2]["txid"] == "$TO_DEPOSIT" and hops[3]["txid"] == "$FORWARD"
assert hops[0]["amount"] == "50.000000000000000000"
assert Decimal(hops[3]["amount"]) * 10**18 == value["$FORWARD"]
for h, t in zip(hops, txs):
    assert h["asset"] == "ETH" and t["time"] == h["time"]
    assert any(x["kind"] != "fee" and x["from"] == h["from"] and x["to"] == h["to"] and
               x["value"] == h["amount"] for x in t["transfers"]), (h, t["transfers"])
assert [h["time"] for h in hops] == sorted(h["time"] for h in hops)
PY
# backwards in time: hot pays split 1 after split 1 paid the pool
run eback --db "$EDB" --json path "$HOT" "$POOL" --max-hops 32
rc_is eback 0
grep -q '"found":false' "$TMP/eback.out" && grep -q '"outcome":"no_path"' "$TMP/eback.out" && ok || ko "eback: $(cat "$TMP/eback.out")"
one_line eback "^no path from $HOT to $POOL"
run ehs --db "$EDB" --json path "$HOT" "$SPLIT1"
python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["hops"]; assert len(h)==1 and h[0]["amount"]=="0.000000000000000001", h' "$TMP/ehs.out" && ok || ko "ehs: $(cat "$TMP/ehs.out")"
run esp --db "$EDB" --json path "$SPLIT1" "$POOL"
python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["hops"]; assert len(h)==1 and h[0]["txid"]==sys.argv[2] and h[0]["time"] < sys.argv[3], h' "$TMP/esp.out" "$POOL_DEPOSIT" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hops"][0]["time"])' "$TMP/ehs.out")" && ok || ko "esp: $(cat "$TMP/esp.out")"
run ecsv --db "$EDB" path "$VICTIM" "$HOT" --csv --chain dev
rc_is ecsv 0
[ "$(head -1 "$TMP/ecsv.out")" = "hop,chain,txid,from,to,amount,time" ] && [ "$(wc -l <"$TMP/ecsv.out")" = 5 ] &&
    grep -q "^1,dev,$THEFT,$VICTIM,$ATTACKER,50.000000000000000000," "$TMP/ecsv.out" && ok || ko "ecsv: $(cat "$TMP/ecsv.out")"
run eunk --db "$EDB" path "$VICTIM" 0x00000000000000000000000000000000DeaDBeef
rc_is eunk 2
one_error_line eunk
grep -qi "address '0x00000000000000000000000000000000deadbeef' not in the index" "$TMP/eunk.err" && ok || ko "eunk: $(cat "$TMP/eunk.err")"
run ebad --db "$EDB" path "$VICTIM" 0x1234
rc_is ebad 2
one_error_line ebad
grep -q "0x1234" "$TMP/ebad.err" && ok || ko "ebad: $(cat "$TMP/ebad.err")"
run enochain --db "$DB" path "$VICTIM" "$HOT"
rc_is enochain 2
one_error_line enochain

finish
