#!/usr/bin/env bash
# trace_eth_out.sh — the trace files of account-chain incidents (issue 6): evidence paths,
# amount_usd, the flow picture, and atomic output, on the bundled Ethereum sample
# (datasets/sample/ethereum, chain dev, native ETH) with the sample's theft (eth-1, a txid
# seed) and an address seed (eth-2: the attacker's address, capped at 20 ETH).
#
# 1. paths.csv: one path per flows.csv row of the account incidents (numbered 1.. per
#    (incident, model) in flows.csv order); each path's hops are 0..n-1, hop k's `to` is hop
#    k+1's `from`, the first hop is a seed (eth-1: the seed txid; eth-2: a transfer into the
#    seed address), the last hop ends at the flow's address, and every hop is a transfer of
#    its tx as `fundtrace tx 0x… --json` lists it (same from, to, asset; value >= the hop's
#    amount; poison carries the transfer in full).
# 2. amount_usd = amount × the ETH close of the flow's UTC day from datasets/prices/ETH.csv
#    (2024-01-04: 2269.04), rounded half up to micro-USD then to cents, for every flow (each
#    has one delivery); e.g. the mixer's 10 ETH = 22690.40.
# 3. flow.dot shows the account incident, its terminals with ETH amounts and USD.
# 4. Atomic output: a run that fails after writing some files (DIR/paths.csv.tmp or
#    DIR/flow.svg.tmp is a directory; a malformed price file) exits non-zero with one
#    "error:" line and leaves the previous files byte-identical, with no .tmp file behind.
# 5. A combined Bitcoin + Ethereum index: every file starts with the Bitcoin-only run's bytes
#    (flow.dot apart from its title line and closing brace), the account rows follow.
source "$(dirname "$0")/lib.sh"
S=$SRC/datasets/sample/ethereum
B=$SRC/datasets/sample
export FUNDTRACE_PRICES=$SRC/datasets/prices
DB=$TMP/db

ATTACKER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attacker"])' "$S/manifest.json")
{ cat "$S/incidents.csv"; echo "eth-2,2024-01-04,dev,$ATTACKER,ETH,20,attacker-sim,test"; } >"$TMP/inc.csv"
rc=0
sample_eth "$DB" "$TMP/inc.csv" >"$TMP/setup.out" 2>&1 || rc=$?
[ "$rc" = 0 ] && ok || ko "setup exited $rc: $(cat "$TMP/setup.out")"

rc=0
"$FT" --db "$DB" trace --all --out "$TMP/out" >"$TMP/t.out" 2>"$TMP/t.err" || rc=$?
[ "$rc" = 0 ] && [ ! -s "$TMP/t.err" ] && ok || ko "trace exited $rc: $(cat "$TMP/t.err")"
ls "$TMP/out" | grep -q '\.tmp$' && ko "a .tmp file left: $(ls "$TMP/out")" || ok

# every distinct txid of paths.csv as `tx --json`
tail -n +2 "$TMP/out/paths.csv" | cut -d, -f6 | sort -u >"$TMP/txids"
[ -s "$TMP/txids" ] && ok || ko "paths.csv has no rows: $(cat "$TMP/out/paths.csv")"
mkdir -p "$TMP/tx"
while read -r t; do
    "$FT" --db "$DB" --json tx "$t" >"$TMP/tx/$t.json" 2>"$TMP/tx.err" || ko "tx $t: $(cat "$TMP/tx.err")"
done <"$TMP/txids"

python3 - "$TMP/out" "$TMP/tx" "$S" "$SRC/datasets/prices/ETH.csv" "$ATTACKER" <<'PY' && ok || ko "paths/usd check (above)"
import csv, json, sys, os
from decimal import Decimal, ROUND_HALF_UP, ROUND_FLOOR
out, txdir, S, ethcsv, attacker = sys.argv[1:6]
m = json.load(open(f"{S}/manifest.json"))
theft = m["txs"]["theft"].lower()
flows = [r for r in csv.DictReader(open(f"{out}/flows.csv")) if r["chain"] == "dev"]
paths = {}
for r in csv.DictReader(open(f"{out}/paths.csv")):
    assert r["chain"] == "dev", r
    paths.setdefault((r["incident"], r["model"], int(r["path"])), []).append(r)
assert len(flows) >= 8, flows              # eth-1: 2 terminals x 3 models; eth-2 some more
assert len(paths) == len(flows), (len(paths), len(flows))
num = {}
errs = []
for f in flows:
    k = (f["incident"], f["model"])
    num[k] = num.get(k, 0) + 1
    p = paths.get((f["incident"], f["model"], num[k]))
    if not p:
        errs.append(f"no path for {f}"); continue
    if [int(h["hop"]) for h in p] != list(range(len(p))):
        errs.append(f"hops not 0..n-1: {p}")
    for a, b in zip(p, p[1:]):
        if a["to"] != b["from"]:
            errs.append(f"chain broken: {a} / {b}")
    h0 = p[0]
    if f["incident"] == "eth-1" and h0["txid"] != theft:
        errs.append(f"eth-1 path does not start at the theft: {h0}")
    if f["incident"] == "eth-2" and h0["to"].lower() != attacker.lower():
        errs.append(f"eth-2 path does not start with a transfer into the seed address: {h0}")
    if p[-1]["to"] != f["address"]:
        errs.append(f"path ends at {p[-1]['to']}, flow at {f['address']}")
    if p[-1]["amount"] == "" or Decimal(p[-1]["amount"]) > Decimal(f["amount"]):
        errs.append(f"last hop carries more than the flow: {p[-1]} {f}")
    for h in p:
        tx = json.load(open(os.path.join(txdir, h["txid"] + ".json")))
        if h["time"] != tx["time"]:
            errs.append(f"time {h['time']} != tx time {tx['time']}")
        hit = [t for t in tx["transfers"] if t["kind"] != "fee" and t["from"] == h["from"]
               and t["to"] == h["to"] and t["asset"] == "ETH"
               and Decimal(t["value"]) >= Decimal(h["amount"]) > 0]
        if not hit:
            errs.append(f"hop not a transfer of its tx: {h}")
        elif f["model"] == "poison" and h["hop"] != "0" and not any(Decimal(t["value"]) == Decimal(h["amount"]) for t in hit):
            errs.append(f"poison hop carries less than the transfer: {h}")
# USD: amount x the day's close, half up to micro-USD, then half up to cents
price = {r["date"]: Decimal(r["usd"]) for r in csv.DictReader(open(ethcsv))}
for f in flows:
    assert f["tx_count"] == "1" and f["first_time"] == f["last_time"], f
    micro = (Decimal(f["amount"]) * price[f["first_time"][:10]] * 10**6).quantize(Decimal(1), ROUND_HALF_UP)
    want = (micro / 10**6).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if f["amount_usd"] != str(want):
        errs.append(f"amount_usd {f['amount_usd']} != {want}: {f}")
mix = [f for f in flows if f["incident"] == "eth-1" and f["category"] == "mixer"]
if [f["amount_usd"] for f in mix] != ["22690.40"] * 3:
    errs.append(f"mixer USD: {mix}")
if errs:
    print("\n".join(errs[:20]))
    sys.exit(1)
PY

# the flow picture
grep -q '^    x[0-9]*i0 \[fillcolor="#f4cccc", label="eth-1 (dev)\\nstolen 50.000000000000000000 ETH"\];$' "$TMP/out/flow.dot" &&
    grep -q -- '-> x[0-9]*c3 \[penwidth=[0-9.]*, label="10.000000000000000000 ETH\\nUSD 22690.40"\];$' "$TMP/out/flow.dot" &&
    grep -q 'label="pool"' "$TMP/out/flow.dot" && grep -q 'label="exchange-hot"' "$TMP/out/flow.dot" &&
    ok || ko "flow.dot: $(cat "$TMP/out/flow.dot")"
if command -v dot >/dev/null; then
    grep -q 'eth&#45;1 (dev)' "$TMP/out/flow.svg" && grep -q 'USD 22690.40' "$TMP/out/flow.svg" &&
        ok || ko "flow.svg lacks the account incident"
fi

# atomic output: failures after some files were written leave the old files as they were
(cd "$TMP/out" && md5sum ./*) >"$TMP/before.md5"
check_kept() { # name
    local now
    now=$(cd "$TMP/out" && md5sum ./*)
    [ "$now" = "$(cat "$TMP/before.md5")" ] && ok || ko "$1: files changed: $now"
    [ -z "$(cd "$TMP/out" && ls | grep '\.tmp$' | grep -v "^$2\$" || true)" ] && ok ||
        ko "$1: .tmp files left: $(ls "$TMP/out")"
}
one_error() { # name rc-wanted
    [ "$rc" = "$2" ] && [ "$(wc -l <"$TMP/f.err")" = 1 ] && grep -q '^error: ' "$TMP/f.err" &&
        [ ! -s "$TMP/f.out" ] && ok || ko "$1: rc $rc, stderr: $(cat "$TMP/f.err")"
}
mkdir "$TMP/out/paths.csv.tmp"
rc=0
"$FT" --db "$DB" trace --all --model haircut --out "$TMP/out" >"$TMP/f.out" 2>"$TMP/f.err" || rc=$?
one_error paths_tmp 1
grep -q "paths.csv.tmp" "$TMP/f.err" && ok || ko "paths_tmp: message $(cat "$TMP/f.err")"
rmdir "$TMP/out/paths.csv.tmp"
check_kept paths_tmp ""
if command -v dot >/dev/null; then
    mkdir "$TMP/out/flow.svg.tmp" # every CSV and flow.dot written; Graphviz cannot write
    rc=0
    "$FT" --db "$DB" trace --all --model haircut --out "$TMP/out" >"$TMP/f.out" 2>"$TMP/f.err" || rc=$?
    one_error svg_tmp 1
    rmdir "$TMP/out/flow.svg.tmp"
    check_kept svg_tmp ""
fi
mkdir "$TMP/badprices"
cp "$SRC"/datasets/prices/*.csv "$TMP/badprices/"
printf '2024-01-05,not-a-price,x\n' >>"$TMP/badprices/ETH.csv"
rc=0
FUNDTRACE_PRICES=$TMP/badprices "$FT" --db "$DB" trace --all --model haircut --out "$TMP/out" >"$TMP/f.out" 2>"$TMP/f.err" || rc=$?
one_error bad_prices 2
check_kept bad_prices ""

# a successful narrower run replaces everything (no stale rows of the earlier run)
rc=0
"$FT" --db "$DB" trace --incident eth-1 --model fifo --out "$TMP/out" >/dev/null 2>"$TMP/f.err" || rc=$?
[ "$rc" = 0 ] && ok || ko "fifo run: $(cat "$TMP/f.err")"
[ "$(cut -d, -f2 "$TMP/out/paths.csv" | sort -u | tr '\n' ' ')" = "fifo model " ] &&
    [ "$(cut -d, -f1 "$TMP/out/flows.csv" | sort -u | tr '\n' ' ')" = "eth-1 incident " ] &&
    ok || ko "narrower run: $(cat "$TMP/out/flows.csv" "$TMP/out/paths.csv")"

# Bitcoin + Ethereum in one index: the Bitcoin bytes first, unchanged
BDB=$TMP/btc
rc=0
{ sample_btc "$BDB" &&
    "$FT" --db "$BDB" --quiet trace --all --out "$TMP/btc_only" &&
    sample_eth "$BDB" "$TMP/inc.csv" &&
    "$FT" --db "$BDB" --quiet trace --all --out "$TMP/both"; } >"$TMP/both.out" 2>&1 || rc=$?
[ "$rc" = 0 ] && ok || ko "combined index: rc $rc $(cat "$TMP/both.out")"
for f in summary.csv flows.csv paths.csv; do
    n=$(wc -c <"$TMP/btc_only/$f")
    [ "$(head -c "$n" "$TMP/both/$f")" = "$(cat "$TMP/btc_only/$f")" ] &&
        [ "$(tail -n +2 "$TMP/both/$f" | grep -c ',dev,')" -gt 0 ] && ok ||
        ko "$f of the combined run does not start with the Bitcoin-only bytes"
done
n=$(($(wc -l <"$TMP/btc_only/flow.dot") - 1))
[ "$(sed -n "3,${n}p" "$TMP/both/flow.dot")" = "$(sed -n "3,${n}p" "$TMP/btc_only/flow.dot")" ] &&
    grep -q 'eth-1 (dev)' "$TMP/both/flow.dot" && ok || ko "combined flow.dot"

finish
