#!/usr/bin/env bash
# trace_sample.sh — `fundtrace incidents import` and `fundtrace trace` on the bundled sample
# against the generator's independently computed expected figures (datasets/sample/truth).
#
# 1. index + labels + incidents + cluster, trace --all --model all: `eval trace` must show
#    zero error everywhere except the one known, explained difference: the reference counts an
#    address as terminal when the ground truth says a labelled entity owns it; two deposit
#    addresses of mixer-1 are not recovered by clustering (each is its own cluster), so the
#    engine follows the taint one hop further to mixer-1's labelled address and books that
#    hop's fee share: gen-3 to_mixer -2508 sat / fees +2508, gen-4 -1140 / +1140, in every
#    model, and those two flows sit on the labelled address instead of the deposit address.
# 2. the same chain with the ground truth's ownership given as labels: zero error everywhere,
#    and summary.csv / flows.csv byte-identical to the reference's expected files.
# 3. 1 thread vs 2 threads and a repeated run: identical bytes; haircut and fifo rows balance.
# 4. bad input: malformed incidents row (exit 2, names the line, digest unchanged), unknown
#    model and reserved model (129), seed not in the index (exit 2, nothing written), formula
#    injection in an incident id comes out inert, --max-hops 0.
# 5. address seeds (uncapped, capped at the row's amount, nothing received after the date).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FT=${FUNDTRACE:-${FT_BUILD_DIR:-$ROOT/build}/fundtrace}
S=$ROOT/datasets/sample
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
run() { # run NAME ARGS...
    local name=$1 rc=0
    shift
    "$FT" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
    echo "$rc" >"$TMP/$name.rc"
}
rc_is() { [ "$(cat "$TMP/$1.rc")" = "$2" ] && ok || ko "$1: exit $(cat "$TMP/$1.rc"), expected $2: $(cat "$TMP/$1.err")"; }
one_error_line() { [ "$(wc -l <"$TMP/$1.err")" = 1 ] && grep -q '^error: ' "$TMP/$1.err" && ok || ko "$1: stderr is not one error line: $(cat "$TMP/$1.err")"; }

DB=$TMP/db
run index --db "$DB" index bitcoin --blocks "$S/blocks" --network regtest
rc_is index 0
run labels --db "$DB" labels import "$S/labels.csv"
rc_is labels 0
run inc --db "$DB" incidents import "$S/incidents.csv"
rc_is inc 0
grep -q "^imported 7 incident rows of 4 incidents from '.*incidents.csv' (7 new)$" "$TMP/inc.out" && ok || ko "inc: $(cat "$TMP/inc.out")"
run inc_again --db "$DB" --json incidents import "$S/incidents.csv"
rc_is inc_again 0
grep -q '"new":0' "$TMP/inc_again.out" && ok || ko "inc_again: $(cat "$TMP/inc_again.out")"
run cluster --db "$DB" cluster
rc_is cluster 0

# 1. the sample's figures
run trace1 --db "$DB" --threads 1 trace --all --model all --out "$TMP/t1"
rc_is trace1 0
[ ! -s "$TMP/trace1.err" ] && ok || ko "trace1: stderr: $(cat "$TMP/trace1.err")"
run eval1 eval trace --truth "$S/truth" --trace "$TMP/t1"
rc_is eval1 0
for inc in gen-1 gen-2; do
    for m in poison haircut fifo; do
        grep -q "^$inc,$m,yes,0,0,0,0,0,0,0,0,0,\([0-9]*\),\1,\1,0,0,0,0$" "$TMP/eval1.out" && ok ||
            ko "eval1 $inc $m: $(grep "^$inc,$m," "$TMP/eval1.out")"
    done
done
for m in poison haircut fifo; do
    grep -q "^gen-3,$m,yes,0,0,2508,0,0,0,2508,0,0,4,4,3,1,1,5760475680,2880239094$" "$TMP/eval1.out" && ok ||
        ko "eval1 gen-3 $m: $(grep "^gen-3,$m," "$TMP/eval1.out")"
    grep -q "^gen-4,$m,yes,0,0,1140,0,0,0,1140,0,0,5,5,4,1,1,1410033866,705017503$" "$TMP/eval1.out" && ok ||
        ko "eval1 gen-4 $m: $(grep "^gen-4,$m," "$TMP/eval1.out")"
done
grep -q "flows: 39 matched, 6 missing, 6 extra" "$TMP/eval1.out" && ok || ko "eval1: $(tail -n 1 "$TMP/eval1.out")"
# the flows that moved: the engine's on mixer-1's labelled address, the truth's on deposit
# addresses that the ground truth assigns to mixer-1
for a in bcrt1qk0v8qvwn8r4j6j5m3r0p3yunz9m970tc6h4avq bcrt1qn0gslp9ujuw6sax059d9mm2n3u86s8nd64uc22; do
    grep -q "^$a,mixer-1,mixer$" "$S/truth/addresses.csv" && ok || ko "truth owner of $a"
    ! grep -q ",$a," "$TMP/t1/flows.csv" && ok || ko "$a should not be a flow of the engine"
done
[ "$(grep -c ',mixer,mixer-1,bcrt1q7gd6w53n49prh5vdwjgehyx6hyky4zgw3fqtdh,' "$TMP/t1/flows.csv")" = 6 ] && ok ||
    ko "mixer-1 flows: $(grep mixer-1 "$TMP/t1/flows.csv")"
# exact figures of a row the truth and the engine agree on
grep -q '^gen-2,haircut,bitcoin,BTC,276.75721372,72.79525638,0.00000000,0.00000000,143.73306383,60.22862735,0.00026616,0.00000000,0.00000000$' "$TMP/t1/summary.csv" && ok ||
    ko "gen-2 haircut row: $(grep '^gen-2,haircut' "$TMP/t1/summary.csv")"
# conserving models balance
python3 - "$TMP/t1/summary.csv" <<'PY' && ok || ko "summary identity"
import csv, sys
from decimal import Decimal
bad = 0
for r in csv.DictReader(open(sys.argv[1])):
    if r["model"] == "poison":
        continue
    parts = sum(Decimal(r[k]) for k in ("to_exchange", "to_mixer", "to_bridge", "to_other", "unspent", "fees", "below_threshold", "hop_limit"))
    bad += parts != Decimal(r["stolen"])
sys.exit(1 if bad else 0)
PY

# 2. with the truth's ownership as labels: zero error
python3 - "$S/truth" >"$TMP/owner.csv" <<'PY'
import csv, sys
lab = {r["entity"]: r["category"] for r in csv.DictReader(open(sys.argv[1] + "/labels.csv"))}
print("chain,address,entity,category,source")
for r in csv.DictReader(open(sys.argv[1] + "/addresses.csv")):
    if r["entity"] in lab:
        print("bitcoin,%s,%s,%s,truth-owner" % (r["address"], r["entity"], lab[r["entity"]]))
PY
cp -r "$DB" "$TMP/db2"
run owner --db "$TMP/db2" labels import "$TMP/owner.csv"
rc_is owner 0
run cluster2 --db "$TMP/db2" cluster
rc_is cluster2 0
run trace2 --db "$TMP/db2" trace --all --out "$TMP/t2"
rc_is trace2 0
run eval2 eval trace --truth "$S/truth" --trace "$TMP/t2"
rc_is eval2 0
grep -q "^summary: total absolute error 0 over 108 figures, 0 rows missing, 0 extra; flows: 45 matched, 0 missing, 0 extra, total absolute error 0$" "$TMP/eval2.out" && ok ||
    ko "eval2: $(tail -n 1 "$TMP/eval2.out")"
# every column (hops, times, tx_count, order) equals the reference's files byte for byte
cmp -s "$TMP/t2/summary.csv" "$S/truth/expected_summary.csv" && ok || ko "t2 summary.csv differs from the truth's bytes"
cmp -s "$TMP/t2/flows.csv" "$S/truth/expected_flows.csv" && ok || ko "t2 flows.csv differs from the truth's bytes"

# 3. determinism
run trace_2t --db "$DB" --threads 2 trace --all --model all --out "$TMP/t2t"
rc_is trace_2t 0
run trace_again --db "$DB" trace --all --out "$TMP/t1b"
rc_is trace_again 0
for f in summary.csv flows.csv; do
    cmp -s "$TMP/t1/$f" "$TMP/t2t/$f" && ok || ko "$f differs between 1 and 2 threads"
    cmp -s "$TMP/t1/$f" "$TMP/t1b/$f" && ok || ko "$f differs between two runs"
done
run one --db "$DB" trace --incident gen-4 --model fifo --out "$TMP/one"
rc_is one 0
[ "$(grep -c '^gen-4,fifo,' "$TMP/one/summary.csv")" = 1 ] && [ "$(wc -l <"$TMP/one/summary.csv")" = 2 ] && ok || ko "one: $(cat "$TMP/one/summary.csv")"
grep '^gen-4,fifo,' "$TMP/t1/summary.csv" | cmp -s - <(grep '^gen-4,fifo,' "$TMP/one/summary.csv") && ok || ko "one: differs from --all"

# 4. bad input
run digest0 --db "$DB" digest
printf 'incident,date,chain,seed,asset,amount,attribution,source\nx,2024-01-04,bitcoin,%s:0,BTC,1.0,a,s\ny,2024-13-04,bitcoin,%s,BTC,,a,s\n' \
    "$(printf '%064d' 1)" "$(printf '%064d' 2)" >"$TMP/bad.csv"
run bad --db "$DB" incidents import "$TMP/bad.csv"
rc_is bad 2
one_error_line bad
grep -q "^error: '$TMP/bad.csv' line 3: date is not YYYY-MM-DD: '2024-13-04'$" "$TMP/bad.err" && ok || ko "bad: $(cat "$TMP/bad.err")"
run digest1 --db "$DB" digest
cmp -s "$TMP/digest0.out" "$TMP/digest1.out" && ok || ko "digest changed after a failed import"
printf 'incident,date,chain,seed,asset,amount,attribution,source\nx,2024-01-04,bitcoin,nothex:zz,BTC,1.0,a,s\n' >"$TMP/bad2.csv"
run bad2 --db "$DB" incidents import "$TMP/bad2.csv"
rc_is bad2 2
grep -q "line 2: seed is not txid, txid:N or an address" "$TMP/bad2.err" && ok || ko "bad2: $(cat "$TMP/bad2.err")"
run model --db "$DB" trace --all --model lifoo --out "$TMP/m"
rc_is model 129
grep -q "unknown model 'lifoo'" "$TMP/model.err" && ok || ko "model: $(cat "$TMP/model.err")"
run lifo --db "$DB" trace --all --model lifo --out "$TMP/m"
rc_is lifo 129
run noout --db "$DB" trace --all
rc_is noout 129
run both --db "$DB" trace --all --incident gen-1 --out "$TMP/m"
rc_is both 129
[ ! -e "$TMP/m" ] && ok || ko "a usage error created the output directory"
# a seed that is not in the index, in a fresh copy of the index
cp -r "$DB" "$TMP/db3"
printf 'incident,date,chain,seed,asset,amount,attribution,source\nghost,2024-01-04,bitcoin,%s:0,BTC,,a,s\n' "$(printf '%064d' 7)" >"$TMP/ghost.csv"
run ghost_imp --db "$TMP/db3" incidents import "$TMP/ghost.csv"
rc_is ghost_imp 0
run ghost --db "$TMP/db3" trace --all --out "$TMP/g"
rc_is ghost 2
one_error_line ghost
grep -q "incident 'ghost' seed '0*7:0': transaction not in the index" "$TMP/ghost.err" && ok || ko "ghost: $(cat "$TMP/ghost.err")"
[ ! -e "$TMP/g/summary.csv" ] && [ ! -e "$TMP/g/flows.csv" ] && ok || ko "ghost: files written"
run unknown_inc --db "$DB" trace --incident nope --out "$TMP/u"
rc_is unknown_inc 2
# formula injection in an incident id
seed=$(sed -n 2p "$S/incidents.csv" | cut -d, -f4)
printf 'incident,date,chain,seed,asset,amount,attribution,source\n"=HYPERLINK(""x"")",2024-01-04,bitcoin,%s,BTC,,a,s\n' "$seed" >"$TMP/formula.csv"
cp -r "$DB" "$TMP/db4"
run f_imp --db "$TMP/db4" incidents import "$TMP/formula.csv"
rc_is f_imp 0
run f_trace --db "$TMP/db4" trace --incident '=HYPERLINK("x")' --model haircut --out "$TMP/f"
rc_is f_trace 0
grep -q "^\"'=HYPERLINK(\"\"x\"\")\",haircut,bitcoin,BTC,9.23046228," "$TMP/f/summary.csv" && ok || ko "formula: $(cat "$TMP/f/summary.csv")"
# --max-hops 0: every seed output that is not terminal stops at once
run hops0 --db "$DB" trace --all --model fifo --max-hops 0 --out "$TMP/h0"
rc_is hops0 0
grep -q '^gen-2,fifo,bitcoin,BTC,276.75721372,0.00000000,0.00000000,0.00000000,0.00000000,0.00000000,0.00000000,0.00000000,276.75721372$' "$TMP/h0/summary.csv" && ok ||
    ko "hops0: $(grep '^gen-2' "$TMP/h0/summary.csv")"

# 5. address seeds: the thief address of gen-1's first seed received only that output, so an
#    address seed equals the txid:vout seed; capped at 5 BTC it seeds 5 BTC; after its last
#    receipt it seeds nothing (exit 2)
cat >"$TMP/addr.csv" <<'CSV'
incident,date,chain,seed,asset,amount,attribution,source
addr-1,2024-01-04,bitcoin,mmrEhTAou4i4NPTGFBC3GB7KKEyoavuA66,BTC,,x,test
out-1,2024-01-04,bitcoin,05945c9e88b4670370fc8d86a78091b0797194153c2d775772faf4c59fa8429b:0,BTC,,x,test
addr-cap,2024-01-04,bitcoin,mmrEhTAou4i4NPTGFBC3GB7KKEyoavuA66,BTC,5,x,test
late,2024-01-05,bitcoin,mmrEhTAou4i4NPTGFBC3GB7KKEyoavuA66,BTC,,x,test
CSV
cp -r "$DB" "$TMP/db5"
run a_imp --db "$TMP/db5" incidents import "$TMP/addr.csv"
rc_is a_imp 0
for i in addr-1 out-1 addr-cap; do
    run "a_$i" --db "$TMP/db5" trace --incident "$i" --out "$TMP/a_$i"
    rc_is "a_$i" 0
done
for f in summary.csv flows.csv; do
    cmp -s <(cut -d, -f2- "$TMP/a_addr-1/$f") <(cut -d, -f2- "$TMP/a_out-1/$f") && ok || ko "address seed $f differs from the outpoint seed"
done
grep -q '^addr-1,haircut,bitcoin,BTC,9.23046228,' "$TMP/a_addr-1/summary.csv" && ok || ko "addr-1: $(cat "$TMP/a_addr-1/summary.csv")"
grep -q '^addr-cap,haircut,bitcoin,BTC,5.00000000,2.68665177,0.00000000,0.00000000,2.10845457,0.20481999,0.00007367,0.00000000,0.00000000$' "$TMP/a_addr-cap/summary.csv" && ok ||
    ko "addr-cap: $(cat "$TMP/a_addr-cap/summary.csv")"
run a_late --db "$TMP/db5" trace --incident late --out "$TMP/a_late"
rc_is a_late 2
one_error_line a_late
grep -q "received nothing from 2024-01-05 on" "$TMP/a_late.err" && ok || ko "a_late: $(cat "$TMP/a_late.err")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
