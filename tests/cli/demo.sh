#!/usr/bin/env bash
# demo.sh — `fundtrace demo` on the bundled sample: the engine's whole pipeline.
#
#  - indexes datasets/sample into OUT/index with the manifest's block and tx counts, and the
#    index answers (`tx` of an incident seed shows the seed's value);
#  - indexes the Ethereum sample (datasets/sample/ethereum) into the same index as chain dev
#    and prints one line with its block, tx (= the CSV rows) and transfer counts (= the rows of
#    `export eth-transfers`), and the index answers for the theft tx; a sample without the
#    Ethereum part still runs, without that line;
#  - prints the incidents with their stolen amounts (sums of incidents.csv);
#  - prints the ENGINE's figures per incident and model (= OUT/summary.csv, written by the
#    engine's trace) and, per row, "equal" or "X differs by N sat" against the reference
#    tracer's truth/expected_summary.csv, the differences computed here independently (awk);
#    today gen-1/gen-2 are equal and gen-3/gen-4 differ by exactly 2508 / 1140 sat between
#    to_mixer and fees (two mixer deposit addresses not clustered; trace_sample.sh explains);
#  - OUT has the report tables (by_incident: 4 rows, ...), reference_summary.csv is
#    byte-identical to the reference, README.txt describes every file in OUT;
#  - a second run over the same OUT works (index up to date) and gives the same bytes;
#    --json is one object with the figures;
#  - errors: a --sample without blocks exits 1 with one error line; a malformed expected
#    summary exits 2; unknown options 129.
source "$(dirname "$0")/lib.sh"
SAMPLE=$ROOT/datasets/sample

rc=0
"$FT" demo --out "$TMP/out" >"$TMP/demo.out" 2>"$TMP/demo.err" || rc=$?
[ "$rc" = 0 ] && ok || ko "demo exited $rc: $(cat "$TMP/demo.err")"
blocks=$(sed -n 's/.*"blocks": \([0-9]*\),.*/\1/p' "$SAMPLE/truth/manifest.json")
txs=$(sed -n 's/.*"txs": \([0-9]*\),.*/\1/p' "$SAMPLE/truth/manifest.json")
grep -q "^indexed $TMP/out/index: $blocks blocks, $txs transactions, [0-9]* addresses (regtest)$" "$TMP/demo.out" && ok ||
    ko "index line: $(grep indexed "$TMP/demo.out")"
# the Ethereum sample: one line, counts = its CSV rows and the exported transfer rows
eblocks=$(($(wc -l <"$SAMPLE/ethereum/blocks.csv") - 1))
etxs=$(($(wc -l <"$SAMPLE/ethereum/transactions.csv") - 1))
exfers=$(($("$FT" --db "$TMP/out/index" export eth-transfers --chain dev | wc -l) - 1))
[ "$exfers" -gt "$etxs" ] && ok || ko "only $exfers transfers exported from the demo index"
[ "$(grep -c '^indexed .*(dev, Ethereum sample' "$TMP/demo.out")" = 1 ] &&
    grep -q "^indexed $TMP/out/index: $eblocks blocks, $etxs transactions, $exfers transfers (dev, Ethereum sample '.*/ethereum')$" "$TMP/demo.out" && ok ||
    ko "ethereum line: $(grep 'indexed' "$TMP/demo.out")"
theft=$(sed -n 2p "$SAMPLE/ethereum/incidents.csv" | cut -d, -f4)
"$FT" --db "$TMP/out/index" --json tx "$theft" --chain dev >"$TMP/etx.json" 2>"$TMP/etx.err" &&
    python3 -c "import json,sys; t=json.load(open(sys.argv[1])); assert t['transfers'][-1]['value'] == '50.000000000000000000', t" "$TMP/etx.json" && ok ||
    ko "ethereum theft tx: $(cat "$TMP/etx.json" "$TMP/etx.err")"
# stolen per incident = sum of its seed amounts
while read -r inc; do
    sat=$(awk -F, -v i="$inc" '$1 == i { split($6, p, "."); s += p[1] * 100000000 + p[2] } END { printf "%d.%08d", int(s / 100000000), s % 100000000 }' "$SAMPLE/incidents.csv")
    grep -Eq "^  $inc +2024-[0-9-]+ +[a-z0-9-]+ +[0-9]+ +$sat$" "$TMP/demo.out" && ok || ko "incident $inc: expected $sat"
done < <(tail -n +2 "$SAMPLE/incidents.csv" | cut -d, -f1 | sort -u)
# the engine's figures and the comparison, computed independently from the two CSVs
[ "$(wc -l <"$TMP/out/summary.csv")" = 13 ] && ok || ko "summary.csv rows: $(wc -l <"$TMP/out/summary.csv")"
expect_cmp() { # engine row, reference row -> the comparison text the demo must print
    awk -F, -v e="$1" -v r="$2" 'BEGIN {
        split(e, a, ","); split(r, b, ","); out = ""
        split("x,x,x,x,stolen,to_exchange,to_mixer,to_bridge,to_other,unspent,fees,below_threshold,hop_limit", n, ",")
        for (k = 5; k <= 13; k++) {
            split(a[k], p, "."); split(b[k], q, ".")
            d = (p[1] * 100000000 + p[2]) - (q[1] * 100000000 + q[2])
            if (d != 0) out = out (out == "" ? "" : ", ") n[k] " differs by " (d > 0 ? "+" : "") d " sat"
        }
        print (out == "" ? "equal" : out)
    }'
}
while IFS=, read -r inc model chain asset stolen ex mx br ot un fe bt hl; do
    erow="$inc,$model,$chain,$asset,$stolen,$ex,$mx,$br,$ot,$un,$fe,$bt,$hl"
    rrow=$(grep "^$inc,$model," "$SAMPLE/truth/expected_summary.csv")
    want=$(expect_cmp "$erow" "$rrow")
    grep -Fq "$want" <(grep -E "^  $inc +$model +$stolen +$ex +$mx +$ot +$un +$fe  " "$TMP/demo.out") && ok ||
        ko "row $inc $model: want '$want': $(grep "^  $inc  *$model " "$TMP/demo.out")"
    case "$inc" in
    gen-1 | gen-2) [ "$want" = equal ] && ok || ko "$inc $model should equal the reference: $want" ;;
    gen-3) [ "$want" = "to_mixer differs by -2508 sat, fees differs by +2508 sat" ] && ok || ko "$inc $model: $want" ;;
    gen-4) [ "$want" = "to_mixer differs by -1140 sat, fees differs by +1140 sat" ] && ok || ko "$inc $model: $want" ;;
    esac
done < <(tail -n +2 "$TMP/out/summary.csv")
grep -q '^6 of 12 rows equal the reference to the satoshi.$' "$TMP/demo.out" && ok || ko "equal count: $(grep 'rows equal' "$TMP/demo.out")"
cmp -s "$TMP/out/reference_summary.csv" "$SAMPLE/truth/expected_summary.csv" && ok || ko "reference_summary.csv is not the expected summary"
# the report: by_incident has the four incidents, its low/high bracket the summary rows
[ "$(tail -n +2 "$TMP/out/by_incident.csv" | cut -d, -f1 | tr '\n' ' ')" = "gen-1 gen-2 gen-3 gen-4 " ] && ok || ko "by_incident: $(cat "$TMP/out/by_incident.csv")"
for f in by_year by_exchange by_channel overlaps flows; do
    [ -s "$TMP/out/$f.csv" ] && ok || ko "$f.csv missing"
done
# README.txt names every file and directory of OUT, and says whose figures are whose
for f in $(ls "$TMP/out"); do
    [ "$f" = README.txt ] && continue
    grep -q "^$f" "$TMP/out/README.txt" && ok || ko "README.txt does not describe $f"
done
grep -q 'NOT the engine' "$TMP/out/README.txt" && grep -q 'reference tracer' "$TMP/out/README.txt" && ok || ko "README.txt does not say whose figures"

# the index answers: the first seed's tx shows the seed output's value
seed=$(sed -n 2p "$SAMPLE/incidents.csv" | cut -d, -f4)
amount=$(sed -n 2p "$SAMPLE/incidents.csv" | cut -d, -f6)
"$FT" --db "$TMP/out/index" --json tx "${seed%%:*}" >"$TMP/tx.json" 2>"$TMP/tx.err" && ok || ko "tx lookup failed: $(cat "$TMP/tx.err")"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['outputs'][int(sys.argv[2])]['value'] == sys.argv[3] else 1)" \
    "$TMP/tx.json" "${seed##*:}" "$amount" && ok || ko "seed output value is not $amount"

# again, and as JSON: same bytes
mkdir -p "$TMP/first"
cp "$TMP"/out/*.csv "$TMP/first/"
rc=0
"$FT" --json demo --out "$TMP/out" >"$TMP/demo2.out" 2>"$TMP/demo2.err" || rc=$?
[ "$rc" = 0 ] && ok || ko "second run exited $rc: $(cat "$TMP/demo2.err")"
python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['index']['blocks'] == int(sys.argv[2]) and d['index']['txs'] == int(sys.argv[3])
assert len(d['incidents']) == 4 and len(d['figures']) == 12
assert d['equal'] == 6 and d['differ'] == 6, (d['equal'], d['differ'])
assert 'not the engine' in d['reference_source']
g3 = [f for f in d['figures'] if f['incident'] == 'gen-3' and f['model'] == 'haircut'][0]
assert g3['vs_reference'] == 'differs' and g3['differences_sat'] == {'to_mixer': '-2508', 'fees': '+2508'}, g3
g2 = [f for f in d['figures'] if f['incident'] == 'gen-2' and f['model'] == 'haircut'][0]
assert g2['vs_reference'] == 'equal' and g2['to_other'] == '143.73306383', g2
e = d['ethereum']
assert e['chain'] == 'dev' and e['blocks'] == int(sys.argv[4]) and e['txs'] == int(sys.argv[5]) and e['transfers'] == int(sys.argv[6]), e
" "$TMP/demo2.out" "$blocks" "$txs" "$eblocks" "$etxs" "$exfers" && ok || ko "json: $(head -c 300 "$TMP/demo2.out")"
for f in summary flows by_incident by_year by_exchange by_channel overlaps; do
    cmp -s "$TMP/out/$f.csv" "$TMP/first/$f.csv" && ok || ko "$f.csv differs on the second run"
done

# a sample without the Ethereum part: no Ethereum line, no "ethereum" object
mkdir -p "$TMP/btconly"
cp -r "$SAMPLE/blocks" "$SAMPLE/incidents.csv" "$SAMPLE/truth" "$TMP/btconly/"
rc=0
"$FT" demo --out "$TMP/o4" --sample "$TMP/btconly" >"$TMP/b.out" 2>"$TMP/b.err" || rc=$?
[ "$rc" = 0 ] && ! grep -q 'Ethereum' "$TMP/b.out" && grep -q "^indexed $TMP/o4/index: $blocks blocks" "$TMP/b.out" && ok ||
    ko "bitcoin-only sample: exit $rc: $(cat "$TMP/b.err" "$TMP/b.out")"

# errors
rc=0
"$FT" demo --out "$TMP/o2" --sample "$TMP/nowhere" >"$TMP/e1.out" 2>"$TMP/e1.err" || rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <"$TMP/e1.err")" = 1 ] && grep -q '^error: no sample chain' "$TMP/e1.err" && ok ||
    ko "missing sample: exit $rc: $(cat "$TMP/e1.err")"
mkdir -p "$TMP/badsample/truth"
cp -r "$SAMPLE/blocks" "$SAMPLE/incidents.csv" "$TMP/badsample/"
printf 'incident,model\ngen-1,poison\n' >"$TMP/badsample/truth/expected_summary.csv"
rc=0
"$FT" demo --out "$TMP/o3" --sample "$TMP/badsample" >"$TMP/e2.out" 2>"$TMP/e2.err" || rc=$?
[ "$rc" = 2 ] && grep -q '^error: .*is not a summary CSV' "$TMP/e2.err" && ok || ko "bad summary: exit $rc: $(cat "$TMP/e2.err")"
rc=0
"$FT" demo --frobnicate >"$TMP/e3.out" 2>"$TMP/e3.err" || rc=$?
[ "$rc" = 129 ] && ok || ko "unknown option: exit $rc"

finish
