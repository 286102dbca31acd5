#!/usr/bin/env bash
# index_crash.sh — killing `fundtrace index` must never leave a half-written index.
#
# Blocks 1..255 are split over four blk files. After every kill the index must be exactly
# what a straight run to its tip height gives (same digest: one checkpoint, never between two),
# and resuming must end exactly where an uninterrupted run does (same digest, same tx and
# address answers).
#   A. deterministic: FT_COMMIT_BLOCKS=5 and FT_TEST_KILL_AFTER_COMMITS=N make the process
#      _exit(137) right after its Nth commit, for several N and in a chain of runs;
#   B. real SIGKILLs at random moments of runs that commit after every block.
source "$(dirname "$0")/lib.sh"
DATA=$SHARED/data/btc_blocks
TOOL="python3 $SRC/tests/cli/blk_tool.py"
ft() { "$FUNDTRACE" "$@"; } # without lib.sh's --db "$DB": each call names its index

BLOCKS="$TMP/blocks"
mkdir -p "$BLOCKS"
$TOOL split "$DATA/btcd_blocks1-256.blk.dat" "$BLOCKS" 4
check "split files" "$(ls "$BLOCKS" | wc -l)" 4

# the uninterrupted run and its answers
ft --db "$TMP/ref" --quiet index bitcoin --blocks "$BLOCKS"
REF=$(ft --db "$TMP/ref" digest)
TX170=f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16
ft --db "$TMP/ref" --json tx $TX170 >"$TMP/ref_tx.json"
ft --db "$TMP/ref" --json address 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S >"$TMP/ref_addr.json"

# digest of a straight run to height H (cached)
declare -A STRAIGHT
straight() {
    local h=$1
    if [ -z "${STRAIGHT[$h]:-}" ]; then
        ft --db "$TMP/straight_$h" --quiet index bitcoin --blocks "$BLOCKS" --to-height "$h"
        STRAIGHT[$h]=$(ft --db "$TMP/straight_$h" digest)
        rm -rf "$TMP/straight_$h"
    fi
    echo "${STRAIGHT[$h]}"
}

# tip height of index $1, or "none" before its first commit
tip_of() {
    local line
    if line=$(ft --db "$1" block tip 2>/dev/null | tail -n 1); then echo "${line%%,*}"; else echo none; fi
}

# checks that index $1 equals a straight run to its own tip
consistent() {
    local db=$1 what=$2 tip
    tip=$(tip_of "$db")
    if [ "$tip" = none ]; then
        # killed before the first commit: no chain record at all
        local msg
        msg=$(ft --db "$db" block 0 2>&1 || true)
        if grep -q "holds no bitcoin blocks\|no index there\|is empty" <<<"$msg"; then ok
        else ko "$what: no tip but not empty: $msg"; fi
        return
    fi
    check "$what: digest at tip $tip" "$(ft --db "$db" digest)" "$(straight "$tip")"
}

final_checks() {
    local db=$1 what=$2
    check "$what: final digest" "$(ft --db "$db" digest)" "$REF"
    ft --db "$db" --json tx $TX170 >"$TMP/tx.json"
    if cmp -s "$TMP/tx.json" "$TMP/ref_tx.json"; then ok; else ko "$what: tx answer differs"; fi
    ft --db "$db" --json address 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S >"$TMP/addr.json"
    if cmp -s "$TMP/addr.json" "$TMP/ref_addr.json"; then ok; else ko "$what: address answer differs"; fi
}

# ---- A. deterministic kills right after the Nth commit -----------------------------------
for n in 1 4 19 51; do
    db="$TMP/kill_$n"
    rc=0
    FT_COMMIT_BLOCKS=5 FT_TEST_KILL_AFTER_COMMITS=$n ft --db "$db" --quiet index bitcoin \
        --blocks "$BLOCKS" || rc=$?
    check "kill after $n commits: exit code" "$rc" 137
    check "kill after $n commits: tip" "$(tip_of "$db")" $((5 * n - 1))
    consistent "$db" "kill after $n commits"
    ft --db "$db" --quiet index bitcoin --blocks "$BLOCKS"
    final_checks "$db" "resume after $n commits"
done
# a chain of killed runs: 3 commits, then 7 more, then 11 more, then the rest
db="$TMP/chain"
for n in 3 7 11; do
    rc=0
    FT_COMMIT_BLOCKS=5 FT_TEST_KILL_AFTER_COMMITS=$n ft --db "$db" --quiet index bitcoin \
        --blocks "$BLOCKS" || rc=$?
    check "chained kill $n: exit code" "$rc" 137
done
check "chained kills: tip" "$(tip_of "$db")" $((5 * (3 + 7 + 11) - 1))
consistent "$db" "chained kills"
ft --db "$db" --quiet index bitcoin --blocks "$BLOCKS"
final_checks "$db" "after chained kills"

# ---- B. SIGKILL at random moments ----------------------------------------------------------
# How long does a whole run take here (one synced commit per block)? Kills land at random
# moments within the first 60% of that, so most land mid-run; each run resumes the last.
ms_now() { date +%s%3N; }
t0=$(ms_now)
FT_COMMIT_BLOCKS=1 ft --db "$TMP/timing" --quiet index bitcoin --blocks "$BLOCKS"
full_ms=$(( $(ms_now) - t0 ))
rm -rf "$TMP/timing"
echo "a run with a commit per block takes ${full_ms} ms"
db="$TMP/random"
RANDOM=4242
kills=0
rounds=0
tips=""
for attempt in $(seq 1 60); do
    FT_COMMIT_BLOCKS=1 "$FUNDTRACE" --db "$db" --quiet index bitcoin --blocks "$BLOCKS" \
        >/dev/null 2>"$TMP/random.err" &
    pid=$!
    wait_ms=$(( RANDOM % (full_ms * 6 / 10 + 1) ))
    sleep "$(awk -v m="$wait_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    killed=0
    kill -9 "$pid" 2>/dev/null && killed=1
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
    if [ "$killed" = 1 ] && [ "$rc" != 0 ]; then
        kills=$((kills + 1))
        consistent "$db" "random kill $attempt"
        tips="$tips $(tip_of "$db")"
    else
        # this run got to the end: it must equal the uninterrupted run; start over
        check "random run $attempt exit code" "$rc" 0
        final_checks "$db" "random round $rounds"
        rounds=$((rounds + 1))
        rm -rf "$db"
    fi
    [ "$kills" -ge 10 ] && break
done
ft --db "$db" --quiet index bitcoin --blocks "$BLOCKS"
final_checks "$db" "after random kills"
echo "random SIGKILLs: $kills in $rounds+1 rounds, tips after each:$tips"
distinct=$(tr ' ' '\n' <<<"$tips" | grep -v '^$' | grep -v none | sort -u | wc -l)
if [ "$kills" -ge 10 ] && [ "$distinct" -ge 3 ]; then ok
else ko "too few random kills landed mid-run ($kills kills, $distinct distinct tips)"; fi

finish
