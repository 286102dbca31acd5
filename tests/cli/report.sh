#!/usr/bin/env bash
# report.sh — `fundtrace report` on the bundled sample (index, labels import, incidents
# import, cluster, report), every figure recomputed here independently from the trace files
# the same run wrote (summary.csv, flows.csv) with awk:
#
#  - by_incident: each channel's low/high = min/max over the three models' summary rows;
#  - by_year: per model the sum over the year's incidents, then min/max; by_channel's exchange,
#    mixer, unspent and fees rows equal those; its otc row and by_exchange's rows are the
#    per-model sums of the flows of that category / entity, then min/max;
#  - a label =HYPERLINK("x") (the OTC desk otc-1 renamed) comes out inert in by_exchange.csv;
#  - overlaps.csv: the shared laundering address of a thief group (datasets/sample/README.md:
#    incidents of one group share it; found here from the ground truth: the address of group
#    lazarus-sim-1 that the "shared" steps of both gen-1 and gen-3 touch) is listed with both
#    incidents;
#  - --incident ID, --model haircut (low = high), determinism of a second run;
#  - bad input: a seed not in the index, an unknown incident exit 2 with one error line and
#    nothing written (a fresh --out stays absent, an old report stays byte-identical);
#    unknown model / missing --out exit 129;
#  - `export incidents`: the stored rows as the import CSV; importing the export into a fresh
#    index gives the same digest as importing the original file.
source "$(dirname "$0")/lib.sh"
S=$ROOT/datasets/sample

DB=$TMP/db
# the sample's labels with otc-1 renamed to a spreadsheet formula
sed 's/,otc-1,otc,/,"=HYPERLINK(""x"")",otc,/' "$S/labels.csv" >"$TMP/labels.csv"
grep -q HYPERLINK "$TMP/labels.csv" && ok || ko "label rename"
run index --db "$DB" index bitcoin --blocks "$S/blocks" --network regtest
rc_is index 0
run labels --db "$DB" labels import "$TMP/labels.csv"
rc_is labels 0
run inc --db "$DB" incidents import "$S/incidents.csv"
rc_is inc 0
run cluster --db "$DB" cluster
rc_is cluster 0

R=$TMP/r
run report --db "$DB" report --out "$R"
rc_is report 0
[ ! -s "$TMP/report.err" ] && ok || ko "report stderr: $(cat "$TMP/report.err")"
grep -q "^report of 4 incidents (.*) written to '$R'" "$TMP/report.out" && ok || ko "report: $(cat "$TMP/report.out")"
for f in by_incident by_year by_exchange by_channel overlaps summary flows; do
    [ -s "$R/$f.csv" ] && ok || ko "$f.csv missing"
done
[ -z "$(ls "$R" | grep '\.tmp$' || true)" ] && ok || ko "temporary files left: $(ls "$R")"

# sat <-> text helpers for awk
AWKLIB='function sat(s,  p) { split(s, p, "."); return p[1] * 100000000 + p[2] }
function txt(v) { return sprintf("%d.%08d", int(v / 100000000), v % 100000000) }'

# by_incident: min/max over the models of each summary column (incident, 8 lows/highs)
awk -F, "$AWKLIB"'
NR > 1 { i = $1; if (!(i in seen)) { seen[i] = 1; order[++n] = i }
    for (k = 6; k <= 13; k++) { v = sat($k)
        if (!((i, k) in lo) || v < lo[i, k]) lo[i, k] = v
        if (!((i, k) in hi) || v > hi[i, k]) hi[i, k] = v } }
END { for (j = 1; j <= n; j++) { i = order[j]; line = i
    for (k = 6; k <= 13; k++) line = line "," txt(lo[i, k]) "," txt(hi[i, k]); print line } }' \
    "$R/summary.csv" >"$TMP/want_inc.csv"
tail -n +2 "$R/by_incident.csv" | cut -d, -f1,8-23 >"$TMP/got_inc.csv"
[ "$(wc -l <"$TMP/want_inc.csv")" = 4 ] && cmp -s "$TMP/want_inc.csv" "$TMP/got_inc.csv" && ok ||
    ko "by_incident low/high: $(diff "$TMP/want_inc.csv" "$TMP/got_inc.csv")"
# the sample's poison and haircut differ on to_other: low != high there
awk -F, '$1 == "gen-1" && $14 != $15 { f = 1 } END { exit !f }' "$R/by_incident.csv" && ok || ko "gen-1 to_other low = high"
grep -q '^gen-2,2024-01-04,bitcoin,BTC,poison;haircut;fifo,276.75721372,[0-9.]*,72.79525638,72.79525638,' "$R/by_incident.csv" && ok ||
    ko "gen-2 row: $(grep '^gen-2' "$R/by_incident.csv")"

# stolen_usd: the incident's amount at the daily close of the incident date (datasets/prices),
# cents rounded half up, computed here with exact decimals
if python3 - "$R/by_incident.csv" "$ROOT/datasets/prices/BTC.csv" "$R/by_year.csv" <<'EOF'
import csv, sys
from decimal import Decimal, ROUND_HALF_UP
price = {r['date']: Decimal(r['usd']) for r in csv.DictReader(open(sys.argv[2]))}
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4
for r in rows:
    want = (Decimal(r['stolen']) * price[r['date']]).quantize(Decimal('0.01'), ROUND_HALF_UP)
    assert r['stolen_usd'] == str(want), (r['incident'], r['stolen_usd'], want)
    assert r['to_exchange_usd_low'] and r['to_exchange_usd_high'], r
year = list(csv.DictReader(open(sys.argv[3])))
total = sum(Decimal(r['stolen']) for r in rows)
want = (total * price['2024-01-04']).quantize(Decimal('0.01'), ROUND_HALF_UP)
assert len(year) == 1 and year[0]['stolen_usd'] == str(want), (year, want)
EOF
then ok; else ko "stolen_usd"; fi

# by_year: per model the sum over the incidents, then min/max
awk -F, "$AWKLIB"'
NR > 1 { m[$2] = 1; for (k = 6; k <= 13; k++) s[$2, k] += sat($k); st[$1] = sat($5) }
END { for (i in st) stolen += st[i]; line = "2024,bitcoin,BTC,poison;haircut;fifo,4," txt(stolen) ","
    for (k = 6; k <= 13; k++) { first = 1
        for (x in m) { v = s[x, k]; if (first || v < lo) lo = v; if (first || v > hi) hi = v; first = 0 }
        line = line "," txt(lo) "," txt(hi); L[k] = txt(lo) "," txt(hi) }
    sub(/,,/, ",", line); print line > "/dev/stderr"; print L[6]; print L[7]; print L[10]; print L[11] }' \
    "$R/summary.csv" >"$TMP/want_year_ch.txt" 2>"$TMP/want_year.csv"
[ "$(tail -n +2 "$R/by_year.csv" | cut -d, -f1-6,8-23)" = "$(cat "$TMP/want_year.csv")" ] && ok ||
    ko "by_year: $(tail -n +2 "$R/by_year.csv" | cut -d, -f1-6,8-23) vs $(cat "$TMP/want_year.csv")"
got_ch=$(for c in exchange mixer unspent fees; do grep "^$c," "$R/by_channel.csv" | cut -d, -f6,7; done)
[ "$got_ch" = "$(cat "$TMP/want_year_ch.txt")" ] && ok || ko "by_channel: $got_ch vs $(cat "$TMP/want_year_ch.txt")"

# flows: per (entity or category) per model sums, then min/max
flow_range() { # awk condition on flows.csv ($5 category, $6 entity) -> low,high
    awk -F, "$AWKLIB"' NR > 1 && ('"$1"') { s[$2] += sat($8) }
    END { n = split("poison haircut fifo", ms, " "); for (j = 1; j <= n; j++) { v = s[ms[j]] + 0
        if (j == 1 || v < lo) lo = v; if (j == 1 || v > hi) hi = v }
        print txt(lo) "," txt(hi) }' "$R/flows.csv"
}
[ "$(grep '^otc,' "$R/by_channel.csv" | cut -d, -f6,7)" = "$(flow_range '$5 == "otc"')" ] && ok ||
    ko "by_channel otc: $(grep '^otc,' "$R/by_channel.csv") vs $(flow_range '$5 == "otc"')"
n_ex=0
while IFS=, read -r ent cat chain asset models incs lo hi rest; do
    n_ex=$((n_ex + 1))
    want=$(flow_range "\$6 == \"${ent//\"/\\\"}\" && \$5 == \"$cat\"")
    [ "$lo,$hi" = "$want" ] && ok || ko "by_exchange $ent: $lo,$hi vs $want"
    n_inc=$(awk -F, -v e="$ent" 'NR > 1 && $6 == e { s[$1] = 1 } END { print length(s) }' "$R/flows.csv")
    [ "$incs" = "$n_inc" ] && ok || ko "by_exchange $ent incidents $incs vs $n_inc"
done < <(tail -n +2 "$R/by_exchange.csv")
[ "$n_ex" -ge 3 ] && ok || ko "by_exchange has $n_ex rows"
# the formula label comes out inert
grep -q '^"'"'"'=HYPERLINK(""x"")",otc,bitcoin,BTC,' "$R/by_exchange.csv" && ok || ko "label not inert: $(cat "$R/by_exchange.csv")"
! grep -q '^=' "$R/by_exchange.csv" "$R/overlaps.csv" "$R/flows.csv" && ok || ko "a cell starts with ="

# overlaps: the shared laundering address of lazarus-sim-1 (gen-1 and gen-3)
shared=$(python3 - "$FT" "$DB" "$S/truth" <<'EOF'
import csv, json, subprocess, sys
ft, db, truth = sys.argv[1:4]
owner = {r['address']: r['entity'] for r in csv.DictReader(open(truth + '/addresses.csv'))}
touched = {}
for r in csv.DictReader(open(truth + '/incident_txs.csv')):
    if r['step'] != 'shared' or r['incident'] not in ('gen-1', 'gen-3'):
        continue
    tx = json.loads(subprocess.check_output([ft, '--db', db, '--json', 'tx', r['txid']]))
    for io in tx['inputs'] + tx['outputs']:
        a = io.get('address') or ''
        if owner.get(a) == 'lazarus-sim-1':
            touched.setdefault(a, set()).add(r['incident'])
both = sorted(a for a, s in touched.items() if s == {'gen-1', 'gen-3'})
print(both[0] if both else '')
EOF
)
[ -n "$shared" ] && ok || ko "no shared address of lazarus-sim-1 found in the truth"
grep -q '^kind,chain,asset,model,address,cluster,cluster_size,addresses,entity,category,n_incidents,incidents,amounts,total$' "$R/overlaps.csv" && ok || ko "overlaps header"
row=$(grep "^address,bitcoin,BTC,poison,$shared," "$R/overlaps.csv" || true)
[ -n "$row" ] && echo "$row" | grep -q ',gen-1;\(gen-2;\)\?gen-3,' && ok || ko "shared address $shared not in overlaps: $(head -5 "$R/overlaps.csv")"
# every address row's total is the sum of its amounts, and it names two or more incidents
awk -F, "$AWKLIB"'NR > 1 { n = split($13, a, ";"); t = 0; for (k = 1; k <= n; k++) t += sat(a[k])
    if (n < 2 || n != $11 || txt(t) != $14) bad = 1 } END { exit bad }' "$R/overlaps.csv" && ok || ko "overlap totals: $(cat "$R/overlaps.csv")"

# --incident, --model haircut, determinism
run one --db "$DB" report --incident gen-2 --model haircut --out "$TMP/r1"
rc_is one 0
[ "$(tail -n +2 "$TMP/r1/by_incident.csv" | wc -l)" = 1 ] && ok || ko "--incident: $(cat "$TMP/r1/by_incident.csv")"
awk -F, 'NR == 2 { for (k = 8; k <= 23; k += 2) if ($k != $(k + 1)) exit 1 }' "$TMP/r1/by_incident.csv" && ok || ko "haircut only: low != high"
grep -q '^gen-2,2024-01-04,bitcoin,BTC,haircut,276.75721372,[0-9.]*,72.79525638,72.79525638,0.00000000,0.00000000,0.00000000,0.00000000,143.73306383,143.73306383,60.22862735,60.22862735,0.00026616,0.00026616,' "$TMP/r1/by_incident.csv" && ok ||
    ko "gen-2 haircut: $(cat "$TMP/r1/by_incident.csv")"
run again --db "$DB" --threads 1 report --out "$TMP/r2"
rc_is again 0
for f in by_incident by_year by_exchange by_channel overlaps summary flows; do
    cmp -s "$R/$f.csv" "$TMP/r2/$f.csv" && ok || ko "$f.csv differs between runs"
done
run json --db "$DB" --json report --out "$TMP/r3"
rc_is json 0
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['incidents'] == 4 and 'overlaps.csv' in d['files'], d" "$TMP/json.out" && ok || ko "json: $(cat "$TMP/json.out")"

# bad input
run noinc --db "$DB" report --incident gen-9 --out "$TMP/bad1"
rc_is noinc 2
one_error_line noinc
[ ! -e "$TMP/bad1" ] && ok || ko "unknown incident created the output"
DB2=$TMP/db2
cp -r "$DB" "$DB2"
printf 'incident,date,chain,seed,asset,amount,attribution,source\nghost,2024-01-04,bitcoin,%s:0,BTC,1,x,test\n' \
    "$(printf 'ab%.0s' $(seq 32))" >"$TMP/ghost.csv"
run ghostinc --db "$DB2" incidents import "$TMP/ghost.csv"
rc_is ghostinc 0
cp -r "$R" "$TMP/before"
run ghost --db "$DB2" report --out "$R"
rc_is ghost 2
one_error_line ghost
grep -q "ghost" "$TMP/ghost.err" && ok || ko "error does not name the incident: $(cat "$TMP/ghost.err")"
diff -r "$R" "$TMP/before" >/dev/null && ok || ko "a failed report changed '$R'"
run badmodel --db "$DB" report --model rainbow --out "$TMP/bad2"
rc_is badmodel 129
run noout --db "$DB" report
rc_is noout 129
[ ! -e "$TMP/bad2" ] && ok || ko "usage error created the output"

# export incidents: the import CSV back; importing it gives the same index (digest)
run exp --db "$DB" export incidents --out "$TMP/exported.csv"
rc_is exp 0
[ "$(head -n 1 "$TMP/exported.csv")" = "incident,date,chain,seed,asset,amount,attribution,source" ] && ok || ko "export header"
[ "$(tail -n +2 "$TMP/exported.csv" | sort)" = "$(tail -n +2 "$S/incidents.csv" | sort)" ] && ok ||
    ko "exported rows: $(diff <(tail -n +2 "$TMP/exported.csv" | sort) <(tail -n +2 "$S/incidents.csv" | sort))"
run exp_std --db "$DB" export incidents
rc_is exp_std 0
cmp -s "$TMP/exp_std.out" "$TMP/exported.csv" && ok || ko "export to stdout differs from --out"
run fresh1 --db "$TMP/f1" incidents import "$S/incidents.csv"
run fresh2 --db "$TMP/f2" incidents import "$TMP/exported.csv"
rc_is fresh2 0
run dig1 --db "$TMP/f1" digest
run dig2 --db "$TMP/f2" digest
rc_is dig2 0
[ -s "$TMP/dig1.out" ] && cmp -s "$TMP/dig1.out" "$TMP/dig2.out" && ok || ko "digest after re-import: $(cat "$TMP/dig1.out" "$TMP/dig2.out")"
run reimp --db "$DB" --json incidents import "$TMP/exported.csv"
grep -q '"new":0' "$TMP/reimp.out" && ok || ko "re-import of the export added rows: $(cat "$TMP/reimp.out")"
run exp_bad --db "$DB" export incidents --chain bitcoin
rc_is exp_bad 129

finish
