#!/usr/bin/env bash
# sample_fresh.sh — the bundled sample (datasets/sample) is exactly what the generator makes.
#
#  - `fundtrace-gen --out X --txs 3000 --seed 7` regenerates every committed file of
#    datasets/sample/blocks and datasets/sample/truth byte for byte (the reference tracer's
#    expected_summary.csv and expected_flows.csv included), and nothing is missing or extra;
#  - datasets/sample/labels.csv and incidents.csv are the truth's files (demo inputs);
#  - the sample stays under 5 MB and holds what the demo promises: at least 3 incidents with
#    peel chains, a CoinJoin and an exchange sweep among the laundering steps;
#  - the expected summary balances to the satoshi for haircut and fifo in every incident, and
#    the README names the exact command.
source "$(dirname "$0")/lib.sh"
SAMPLE=$ROOT/datasets/sample
need_exe "$GEN" fundtrace-gen

"$GEN" --out "$TMP/s" --txs 3000 --seed 7 --quiet >"$TMP/gen.out" 2>"$TMP/gen.err" && ok ||
    ko "generator failed: $(cat "$TMP/gen.err")"

# same file list, same bytes
(cd "$SAMPLE" && find blocks truth -type f | LC_ALL=C sort) >"$TMP/committed.list"
(cd "$TMP/s" && find blocks truth -type f | LC_ALL=C sort) >"$TMP/fresh.list"
diff "$TMP/committed.list" "$TMP/fresh.list" >"$TMP/list.diff" && ok ||
    ko "file lists differ: $(cat "$TMP/list.diff")"
grep -qx 'truth/expected_summary.csv' "$TMP/committed.list" && ok || ko "no expected_summary.csv"
grep -qx 'truth/expected_flows.csv' "$TMP/committed.list" && ok || ko "no expected_flows.csv"
while read -r f; do
    if [ -f "$TMP/s/$f" ] && cmp -s "$SAMPLE/$f" "$TMP/s/$f"; then ok; else ko "'$f' differs from a fresh generation"; fi
done <"$TMP/committed.list"
cmp -s "$SAMPLE/labels.csv" "$SAMPLE/truth/labels.csv" && ok || ko "labels.csv is not truth/labels.csv"
cmp -s "$SAMPLE/incidents.csv" "$SAMPLE/truth/incidents.csv" && ok || ko "incidents.csv is not truth/incidents.csv"

# size and content
bytes=$(du -sb "$SAMPLE" | cut -f1)
[ "$bytes" -lt 5000000 ] && ok || ko "sample is $bytes bytes (limit 5 MB)"
peel=$(awk -F, '$4 == "peel" { print $1 }' "$SAMPLE/truth/incident_txs.csv" | sort -u | wc -l)
[ "$peel" -ge 3 ] && ok || ko "only $peel incidents with peel chains"
grep -Eq ',(whirlpool|wasabi1|wasabi2)$' "$SAMPLE/truth/incident_txs.csv" && ok || ko "no CoinJoin among the laundering steps"
grep -q ',sweep$' "$SAMPLE/truth/incident_txs.csv" && ok || ko "no exchange sweep among the laundering steps"
grep -q 'fundtrace-gen --out datasets/sample --txs 3000 --seed 7' "$SAMPLE/README.md" && ok ||
    ko "README does not give the command"

# the identity, in satoshi (decimal strings without the point)
rows=$(tail -n +2 "$SAMPLE/truth/expected_summary.csv" | wc -l)
incs=$(tail -n +2 "$SAMPLE/incidents.csv" | cut -d, -f1 | sort -u | wc -l)
[ "$rows" = $((3 * incs)) ] && ok || ko "$rows summary rows for $incs incidents"
sat() { local v=${1/./}; echo $((10#$v)); }
while IFS=, read -r inc model chain asset stolen ex mx br ot un fe bt hl; do
    [ "$model" = poison ] && continue
    sum=$(($(sat "$ex") + $(sat "$mx") + $(sat "$br") + $(sat "$ot") + $(sat "$un") + $(sat "$fe") + $(sat "$bt") + $(sat "$hl")))
    [ "$sum" = "$(sat "$stolen")" ] && ok || ko "$inc $model: stolen $stolen, accounted $sum sat"
done < <(tail -n +2 "$SAMPLE/truth/expected_summary.csv")

finish
