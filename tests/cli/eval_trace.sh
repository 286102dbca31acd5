#!/usr/bin/env bash
# eval_trace.sh — `fundtrace eval trace` against the bundled sample's expected figures.
#
# The engine's trace does not exist yet, so the "trace" fed in is the expected files
# themselves (every error 0), then copies with known changes: 5 sat moved in one summary
# figure, 7 sat off one flow, one flow dropped, one flow added, one row dropped — each error
# must be reported exactly, in text and JSON. Malformed files exit 2, missing ones 1, usage 129.
source "$(dirname "$0")/lib.sh"
TRUTH=$ROOT/datasets/sample/truth

jq_py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$TMP/$1.out"; }

# 1. the expected files as the trace: all zero
mkdir "$TMP/same"
cp "$TRUTH/expected_summary.csv" "$TMP/same/summary.csv"
cp "$TRUTH/expected_flows.csv" "$TMP/same/flows.csv"
n_rows=$(($(wc -l <"$TRUTH/expected_summary.csv") - 1))
n_flows=$(($(wc -l <"$TRUTH/expected_flows.csv") - 1))
run same eval trace --truth "$ROOT/datasets/sample" --trace "$TMP/same"
rc_is same 0
[ ! -s "$TMP/same.err" ] && ok || ko "same: stderr not empty"
grep -q "^summary: total absolute error 0 over $((n_rows * 9)) figures, 0 rows missing, 0 extra; flows: $n_flows matched, 0 missing, 0 extra, total absolute error 0$" "$TMP/same.out" && ok ||
    ko "same: summary line: $(tail -n 1 "$TMP/same.out")"
[ "$(grep -c ',yes,0,0,0,0,0,0,0,0,0,' "$TMP/same.out")" = "$n_rows" ] && ok || ko "same: not every row is zero"
run same_json --json eval trace --truth "$TRUTH" --trace "$TMP/same"
rc_is same_json 0
[ "$(jq_py same_json 'd["summary_abs_error"], d["flows"]["matched"], d["flows"]["abs_error"], len(d["rows"]), d["missing_rows"]')" = "0 $n_flows 0 $n_rows 0" ] && ok ||
    ko "same_json: $(head -c 300 "$TMP/same_json.out")"

# 2. known changes
mkdir "$TMP/off"
# gen-2 haircut: 5 sat moved from to_exchange to unspent (72.79525638 -> 72.79525633)
awk -F, 'BEGIN { OFS = "," } $1 == "gen-2" && $2 == "haircut" { $6 = "72.79525633"; $10 = "60.22862740" } { print }' \
    "$TRUTH/expected_summary.csv" >"$TMP/off/summary.csv"
grep -q '^gen-2,haircut,bitcoin,BTC,276.75721372,72.79525633,' "$TMP/off/summary.csv" && ok || ko "test setup: summary edit did not apply"
# gen-1 fifo: the first flow 7 sat higher; gen-3 poison: the last flow dropped; gen-4 fifo: one extra
awk -F, 'BEGIN { OFS = "," }
    $1 == "gen-1" && $2 == "fifo" && !done1 { split($8, p, "."); v = p[1] * 100000000 + p[2] + 7;
        $8 = sprintf("%d.%08d", int(v / 100000000), v % 100000000); done1 = 1 }
    { print }' "$TRUTH/expected_flows.csv" >"$TMP/off/flows1.csv"
last3=$(grep -n '^gen-3,poison,' "$TMP/off/flows1.csv" | tail -n 1 | cut -d: -f1)
dropped=$(sed -n "${last3}p" "$TMP/off/flows1.csv" | cut -d, -f8)
sed "${last3}d" "$TMP/off/flows1.csv" >"$TMP/off/flows.csv"
echo 'gen-4,fifo,bitcoin,BTC,exchange,"exchange-9",bcrt1qextraextraextra,0.00001000,,2,2024-01-04T00:00:00Z,2024-01-04T00:00:00Z,1' >>"$TMP/off/flows.csv"
rm "$TMP/off/flows1.csv"
dropped_sat=$((10#${dropped/./}))
run off eval trace --truth "$TRUTH/expected_summary.csv" --trace "$TMP/off"
rc_is off 0
grep -q '^gen-2,haircut,yes,0,5,0,0,0,5,0,0,0,' "$TMP/off.out" && ok || ko "off: gen-2 haircut row: $(grep '^gen-2,haircut' "$TMP/off.out")"
grep -q '^gen-1,fifo,yes,0,0,0,0,0,0,0,0,0,3,3,3,0,0,7,7$' "$TMP/off.out" && ok || ko "off: gen-1 fifo row: $(grep '^gen-1,fifo' "$TMP/off.out")"
g3=$(grep '^gen-3,poison' "$TMP/off.out")
echo "$g3" | grep -q ",4,3,3,1,0,$dropped_sat,$dropped_sat\$" && ok || ko "off: gen-3 poison row: $g3 (dropped $dropped_sat)"
grep -q '^gen-4,fifo,yes,0,0,0,0,0,0,0,0,0,5,6,5,0,1,1000,1000$' "$TMP/off.out" && ok || ko "off: gen-4 fifo row: $(grep '^gen-4,fifo' "$TMP/off.out")"
grep -q "^summary: total absolute error 10 over $((n_rows * 9)) figures, 0 rows missing, 0 extra; flows: $((n_flows - 1)) matched, 1 missing, 1 extra, total absolute error $((7 + dropped_sat + 1000))$" "$TMP/off.out" && ok ||
    ko "off: summary line: $(tail -n 1 "$TMP/off.out")"
run off_json --json eval trace --truth "$TRUTH" --trace "$TMP/off"
rc_is off_json 0
[ "$(jq_py off_json '[r["abs_error"]["to_exchange"] for r in d["rows"] if r["incident"] == "gen-2" and r["model"] == "haircut"][0], d["summary_abs_error"], d["flows"]["abs_error"], d["flows"]["missing"], d["flows"]["extra"]')" = "5 10 $((7 + dropped_sat + 1000)) 1 1" ] && ok ||
    ko "off_json: $(head -c 400 "$TMP/off_json.out")"

# 3. a row missing from the trace, a row the truth does not have
mkdir "$TMP/rows"
grep -v '^gen-3,fifo,' "$TRUTH/expected_summary.csv" >"$TMP/rows/summary.csv"
echo 'gen-9,haircut,bitcoin,BTC,1.00000000,0,0,0,0,1.00000000,0,0,0' >>"$TMP/rows/summary.csv"
cp "$TRUTH/expected_flows.csv" "$TMP/rows/flows.csv"
stolen3=$(grep '^gen-3,fifo,' "$TRUTH/expected_summary.csv" | cut -d, -f5)
run rows eval trace --truth "$TRUTH" --trace "$TMP/rows"
rc_is rows 0
grep -q "^gen-3,fifo,no,$((10#${stolen3/./})),"  "$TMP/rows.out" && ok || ko "rows: missing row: $(grep '^gen-3,fifo' "$TMP/rows.out")"
grep -q "^extra row in the trace: incident 'gen-9' model 'haircut'$" "$TMP/rows.out" && ok || ko "rows: extra row not listed"
grep -q ', 1 rows missing, 1 extra;' "$TMP/rows.out" && ok || ko "rows: summary line: $(tail -n 1 "$TMP/rows.out")"

# 4. malformed files exit 2, unreadable ones 1, usage 129
mkdir "$TMP/bad"
cp "$TMP/same/flows.csv" "$TMP/bad/flows.csv"
sed 's/^gen-1,poison,bitcoin,BTC,30.76820772/gen-1,poison,bitcoin,BTC,30.7682077x/' "$TRUTH/expected_summary.csv" >"$TMP/bad/summary.csv"
run bad_amount eval trace --truth "$TRUTH" --trace "$TMP/bad"
rc_is bad_amount 2
one_error_line bad_amount
grep -q "summary.csv' line 2: bad amount '30.7682077x'" "$TMP/bad_amount.err" && ok || ko "bad_amount: $(cat "$TMP/bad_amount.err")"
printf 'incident,model\ngen-1,poison\n' >"$TMP/bad/summary.csv"
run bad_header eval trace --truth "$TRUTH" --trace "$TMP/bad"
rc_is bad_header 2
one_error_line bad_header
cp "$TMP/same/summary.csv" "$TMP/bad/summary.csv"
printf 'incident,model,chain,asset,category,entity,address,amount\n"gen-1,poison\n' >"$TMP/bad/flows.csv"
run bad_quote eval trace --truth "$TRUTH" --trace "$TMP/bad"
rc_is bad_quote 2
grep -q 'unterminated quote' "$TMP/bad_quote.err" && ok || ko "bad_quote: $(cat "$TMP/bad_quote.err")"
rm "$TMP/bad/flows.csv"
run no_flows eval trace --truth "$TRUTH" --trace "$TMP/bad"
rc_is no_flows 1
one_error_line no_flows
run no_truth eval trace --truth "$TMP/nowhere" --trace "$TMP/same"
rc_is no_truth 1
run no_trace_opt eval trace --truth "$TRUTH"
rc_is no_trace_opt 129
run bad_opt eval trace --truth "$TRUTH" --trace "$TMP/same" --frobnicate
rc_is bad_opt 129

finish
