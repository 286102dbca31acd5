#!/usr/bin/env bash
# gen_determinism.sh — fundtrace-gen is a function of its seed, and its truth matches its chain.
#
#  - same seed twice: identical bytes in every file (blocks and truth), signed and --unsigned;
#  - another seed: other blocks, other truth;
#  - exactly N transactions (manifest), usage errors exit 129 with one "error:" line;
#  - when the fundtrace binary is built: the chain indexes (`index bitcoin --network regtest`)
#    with the block and tx counts of the manifest; every incident seed (txid:vout) is an output
#    of that value paying an address the truth gives to a thief; every Whirlpool mix has 5
#    inputs and 5 outputs of one value; every labeled address belongs to an entity of the
#    matching kind.
source "$(dirname "$0")/lib.sh"
need_exe "$GEN" fundtrace-gen

gen() { "$GEN" --out "$TMP/$1" --txs 1500 --quiet "${@:2}" >"$TMP/$1.out" 2>"$TMP/$1.err"; }

gen a --seed 5 || ko "gen a failed: $(cat "$TMP/a.err")"
gen b --seed 5 || ko "gen b failed: $(cat "$TMP/b.err")"
gen c --seed 6 || ko "gen c failed: $(cat "$TMP/c.err")"
gen ua --seed 5 --unsigned || ko "gen ua failed"
gen ub --seed 5 --unsigned || ko "gen ub failed"

[ "$(digest "$TMP/a")" = "$(digest "$TMP/b")" ] && ok || ko "same seed, different bytes"
[ "$(digest "$TMP/ua")" = "$(digest "$TMP/ub")" ] && ok || ko "same seed --unsigned, different bytes"
[ "$(digest "$TMP/a/blocks")" != "$(digest "$TMP/c/blocks")" ] && ok || ko "seeds 5 and 6 give the same blocks"
[ "$(digest "$TMP/a/truth")" != "$(digest "$TMP/c/truth")" ] && ok || ko "seeds 5 and 6 give the same truth"
[ "$(digest "$TMP/a/blocks")" != "$(digest "$TMP/ua/blocks")" ] && ok || ko "--unsigned changes nothing"
[ ! -s "$TMP/a.err" ] && ok || ko "stderr not empty with --quiet: $(cat "$TMP/a.err")"
grep -q '^wrote 1500 txs in [0-9]* blocks' "$TMP/a.out" && ok || ko "summary line: $(cat "$TMP/a.out")"
grep -q '"txs": 1500,' "$TMP/a/truth/manifest.json" && ok || ko "manifest does not say 1500 txs"
grep -q '"seed": 5,' "$TMP/a/truth/manifest.json" && ok || ko "manifest does not say seed 5"
for f in addresses entities labels incidents incident_txs coinjoins; do
    [ -s "$TMP/a/truth/$f.csv" ] && ok || ko "truth/$f.csv missing or empty"
done
[ "$(head -n 1 "$TMP/a/truth/incidents.csv")" = "incident,date,chain,seed,asset,amount,attribution,source" ] &&
    ok || ko "incidents.csv header"
[ "$(head -n 1 "$TMP/a/truth/labels.csv")" = "chain,address,entity,category,source" ] && ok ||
    ko "labels.csv header"
[ "$(cut -d, -f1 "$TMP/a/truth/incidents.csv" | tail -n +2 | sort -u | wc -l)" = 4 ] && ok ||
    ko "expected 4 incidents with seeds"

# usage errors: exit 129, one "error:" line first
usage() {
    local rc=0
    "$GEN" "$@" >"$TMP/u.out" 2>"$TMP/u.err" || rc=$?
    [ "$rc" = 129 ] && head -n 1 "$TMP/u.err" | grep -q '^error: ' && ok ||
        ko "'fundtrace-gen $*' exited $rc: $(head -n 1 "$TMP/u.err")"
}
usage
usage --out "$TMP/x"
usage --out "$TMP/x" --txs abc
usage --out "$TMP/x" --txs 50
usage --out "$TMP/x" --txs 500 --incidents 99
usage --out "$TMP/x" --txs 500 --frobnicate
usage --out "$TMP/a" --txs 500 # already holds a chain

# --- the chain through fundtrace's own indexer --------------------------------------------
if [ -x "$FT" ] && "$FT" help index >/dev/null 2>&1; then
    if "$FT" --db "$TMP/idx" --quiet index bitcoin --blocks "$TMP/a/blocks" --network regtest \
        >"$TMP/idx.out" 2>"$TMP/idx.err"; then
        ok
        blocks=$(sed -n 's/.*"blocks": \([0-9]*\),.*/\1/p' "$TMP/a/truth/manifest.json")
        "$FT" --db "$TMP/idx" block 0-$((blocks - 1)) >"$TMP/blocks.csv" 2>/dev/null || true
        n_blocks=$(tail -n +2 "$TMP/blocks.csv" | wc -l)
        [ "$n_blocks" = "$blocks" ] && ok || ko "index lists $n_blocks blocks, manifest $blocks"
        # seeds: value and owner
        tail -n +2 "$TMP/a/truth/incidents.csv" | while IFS=, read -r inc date chain seed asset amount attr src; do
            txid=${seed%%:*}
            vout=${seed##*:}
            "$FT" --db "$TMP/idx" --json tx "$txid" >"$TMP/tx.json" 2>"$TMP/tx.err" ||
                { echo "FAIL: seed tx $txid not in the index"; continue; }
            read -r addr value < <(node -e '
                const t = JSON.parse(require("fs").readFileSync(process.argv[1]));
                const o = t.outputs[Number(process.argv[2])];
                console.log(o.address + " " + o.value);' "$TMP/tx.json" "$vout")
            [ "$value" = "$amount" ] || echo "FAIL: seed $seed pays $value, truth says $amount"
            grep -q "^$addr,$attr,thief\$" "$TMP/a/truth/addresses.csv" ||
                echo "FAIL: seed $seed pays $addr, not an address of $attr in the truth"
        done >"$TMP/seeds.fail"
        [ ! -s "$TMP/seeds.fail" ] && ok || { ko "seed checks"; cat "$TMP/seeds.fail"; }
        # whirlpool mixes: 5 inputs, 5 equal outputs
        { grep ',whirlpool$' "$TMP/a/truth/coinjoins.csv" || true; } | cut -d, -f1 | head -n 10 | while read -r txid; do
            "$FT" --db "$TMP/idx" --json tx "$txid" >"$TMP/tx.json" 2>/dev/null ||
                { echo "FAIL: coinjoin $txid not in the index"; continue; }
            node -e '
                const t = JSON.parse(require("fs").readFileSync(process.argv[1]));
                const v = new Set(t.outputs.map((o) => o.value));
                if (t.inputs.length !== 5 || t.outputs.length !== 5 || v.size !== 1)
                  console.log(`FAIL: whirlpool ${t.txid}: ${t.inputs.length} in, ${t.outputs.length} out, ${v.size} values`);' "$TMP/tx.json"
        done >"$TMP/cj.fail"
        grep -q ',whirlpool$' "$TMP/a/truth/coinjoins.csv" && ok || ko "no whirlpool mix in the chain"
        [ ! -s "$TMP/cj.fail" ] && ok || { ko "whirlpool checks"; cat "$TMP/cj.fail"; }
    else
        ko "fundtrace index failed on the generated chain: $(cat "$TMP/idx.err")"
    fi
fi
# labels: each labeled address is owned (addresses.csv) by an entity of the matching kind
tail -n +2 "$TMP/a/truth/labels.csv" | while IFS=, read -r chain addr entity cat src; do
    kind=$({ grep "^$addr," "$TMP/a/truth/addresses.csv" || true; } | cut -d, -f3)
    case "$cat:$kind" in
        exchange:exchange | otc:otc | mixer:mixer | mixer:coinjoin) ;;
        *) echo "FAIL: label $addr ($cat) owned by a '$kind'" ;;
    esac
done >"$TMP/labels.fail"
[ ! -s "$TMP/labels.fail" ] && ok || { ko "label checks"; cat "$TMP/labels.fail"; }

finish
