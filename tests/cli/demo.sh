#!/usr/bin/env bash
# demo.sh — `fundtrace demo` on the bundled sample.
#
#  - indexes datasets/sample into OUT/index with the manifest's block and tx counts, and the
#    index answers (`tx` of an incident seed shows the seed's value);
#  - indexes the Ethereum sample (datasets/sample/ethereum) into the same index as chain dev
#    and prints one line with its block, tx (= the CSV rows) and transfer counts (= the rows of
#    `export eth-transfers`), and the index answers for the theft tx; a sample without the
#    Ethereum part still runs, without that line;
#  - prints the incidents with their stolen amounts (sums of incidents.csv) and the reference's
#    expected figures, clearly marked as not the engine's;
#  - OUT/summary.csv is byte-identical to truth/expected_summary.csv, OUT/README.txt says so;
#  - a second run over the same OUT works (index up to date); --json is one object;
#  - errors: a --sample without blocks exits 1 with one error line; a malformed expected
#    summary exits 2; unknown options 129.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FT=${FUNDTRACE:-${FT_BUILD_DIR:-$ROOT/build}/fundtrace}
SAMPLE=$ROOT/datasets/sample
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }

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
grep -q 'NOT by the engine' "$TMP/demo.out" && ok || ko "expected figures not marked as the reference's"
while IFS=, read -r inc model chain asset stolen ex mx br ot un fe bt hl; do
    grep -Eq "^  $inc +$model +$stolen +$ex +$mx +$ot +$un +$fe$" "$TMP/demo.out" && ok || ko "figures of $inc $model not printed"
done < <(tail -n +2 "$SAMPLE/truth/expected_summary.csv")
cmp -s "$TMP/out/summary.csv" "$SAMPLE/truth/expected_summary.csv" && ok || ko "summary.csv is not the expected summary"
grep -q 'reference tracer' "$TMP/out/README.txt" && ok || ko "README.txt does not say whose figures"

# the index answers: the first seed's tx shows the seed output's value
seed=$(sed -n 2p "$SAMPLE/incidents.csv" | cut -d, -f4)
amount=$(sed -n 2p "$SAMPLE/incidents.csv" | cut -d, -f6)
"$FT" --db "$TMP/out/index" --json tx "${seed%%:*}" >"$TMP/tx.json" 2>"$TMP/tx.err" && ok || ko "tx lookup failed: $(cat "$TMP/tx.err")"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['outputs'][int(sys.argv[2])]['value'] == sys.argv[3] else 1)" \
    "$TMP/tx.json" "${seed##*:}" "$amount" && ok || ko "seed output value is not $amount"

# again, and as JSON
rc=0
"$FT" --json demo --out "$TMP/out" >"$TMP/demo2.out" 2>"$TMP/demo2.err" || rc=$?
[ "$rc" = 0 ] && ok || ko "second run exited $rc: $(cat "$TMP/demo2.err")"
python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['index']['blocks'] == int(sys.argv[2]) and d['index']['txs'] == int(sys.argv[3])
assert len(d['incidents']) == 4 and len(d['expected']) == 12
assert 'not the engine' in d['expected_source']
e = d['ethereum']
assert e['chain'] == 'dev' and e['blocks'] == int(sys.argv[4]) and e['txs'] == int(sys.argv[5]) and e['transfers'] == int(sys.argv[6]), e
" "$TMP/demo2.out" "$blocks" "$txs" "$eblocks" "$etxs" "$exfers" && ok || ko "json: $(head -c 300 "$TMP/demo2.out")"

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

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
