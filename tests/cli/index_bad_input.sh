#!/usr/bin/env bash
# index_bad_input.sh — damaged block files against an index already populated with good data
# (mainnet blocks 0..100). Each case must print exactly one "error: " line naming the file and
# the offset (or the network), exit 2, and leave the index's digest unchanged:
#   truncated file, flipped byte inside a block (merkle mismatch), size field beyond the file,
#   size field above 4,000,000, a CompactSize claiming 2^32-1 inputs, unknown magic, another
#   network's magic (regtest blocks read as mainnet), and a regtest chain into a mainnet index.
source "$(dirname "$0")/lib.sh"
DATA=$SHARED/data/btc_blocks
TOOL="python3 $SRC/tests/cli/blk_tool.py"
ft() { "$FUNDTRACE" "$@"; } # without lib.sh's --db "$DB": each call names its index

GOOD="$DATA/btcd_blocks1-256.blk.dat"
DB="$TMP/db"
mkdir -p "$TMP/good"
cp "$GOOD" "$TMP/good/blk00000.dat"
ft --db "$DB" --quiet index bitcoin --blocks "$TMP/good" --to-height 100
BEFORE=$(ft --db "$DB" digest)

# fresh CASE: a directory $TMP/CASE holding a copy of the good file as blk00000.dat
fresh() { rm -rf "$TMP/$1"; mkdir -p "$TMP/$1"; cp "$GOOD" "$TMP/$1/blk00000.dat"; }

# expect_error NAME DIR PATTERN [ARGS...]: indexes DIR into $DB and checks the contract
expect_error() {
    local name=$1 dir=$2 pattern=$3
    shift 3
    local rc=0
    ft --db "$DB" index bitcoin --blocks "$dir" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
    if [ "$rc" != 2 ]; then ko "$name: exit $rc, want 2: $(cat "$TMP/err")"; return; fi
    if [ -s "$TMP/out" ]; then ko "$name: stdout not empty"; return; fi
    if [ "$(wc -l <"$TMP/err")" != 1 ] || ! grep -q '^error: ' "$TMP/err"; then
        ko "$name: want exactly one 'error:' line, got: $(cat "$TMP/err")"; return; fi
    if ! grep -qE -- "$pattern" "$TMP/err"; then ko "$name: '$pattern' not in: $(cat "$TMP/err")"; return; fi
    local after
    after=$(ft --db "$DB" digest)
    if [ "$after" != "$BEFORE" ]; then ko "$name: the index changed"; return; fi
    ok
}

# record offsets of the good file: "index offset size hash"
$TOOL records "$GOOD" >"$TMP/records"
off_of() { awk -v i="$1" '$1 == i {print $2}' "$TMP/records"; }
hash_of() { awk -v i="$1" '$1 == i {print $4}' "$TMP/records"; }

# 1. truncated file: cut inside block 200's record
fresh trunc
cut_at=$(( $(off_of 199) + 100 ))
truncate -s "$cut_at" "$TMP/trunc/blk00000.dat"
expect_error "truncated" "$TMP/trunc" \
    "block record in '[^']*/trunc/blk00000.dat' at offset $(off_of 199) claims [0-9]+ bytes but only 92 remain"

# 2. a flipped byte in block 150's coinbase script: the txid and so the merkle root change
fresh flip
$TOOL flip "$TMP/flip/blk00000.dat" 149 $((80 + 1 + 4 + 1 + 32 + 4 + 1 + 3)) >/dev/null
expect_error "flipped byte" "$TMP/flip" \
    "merkle root mismatch in block $(hash_of 149) \\(height 150, '[^']*/flip/blk00000.dat' offset $(off_of 149)\\)"

# 3. a size field larger than the rest of the file (record 180)
fresh size
$TOOL setsize "$TMP/size/blk00000.dat" 179 3999999 >/dev/null
expect_error "size beyond file" "$TMP/size" \
    "block record in '[^']*/size/blk00000.dat' at offset $(off_of 179) claims 3999999 bytes but only [0-9]+ remain"

# 4. a size field above the 4,000,000-byte limit
fresh big
$TOOL setsize "$TMP/big/blk00000.dat" 179 4000001 >/dev/null
expect_error "size above limit" "$TMP/big" \
    "at offset $(off_of 179) claims 4000001 bytes, above the 4000000-byte limit"

# 5. a CompactSize claiming 2^32-1 inputs in block 120's coinbase (the record size fixed up)
fresh count
$TOOL hugecount "$TMP/count/blk00000.dat" 119 >/dev/null
expect_error "2^32 inputs" "$TMP/count" \
    "tx 0 of block $(hash_of 119): .*count.* \\(height 120, '[^']*/count/blk00000.dat' offset $(off_of 119)\\)"

# 6. an unknown magic at record 130
fresh magic
$TOOL setmagic "$TMP/magic/blk00000.dat" 129 deadbeef >/dev/null
expect_error "unknown magic" "$TMP/magic" \
    "unknown magic deadbeef in '[^']*/magic/blk00000.dat' at offset $(off_of 129)"

# 7. regtest blocks read as mainnet
mkdir -p "$TMP/regtest"
$TOOL regtest "$TMP/regtest/blk00000.dat" >/dev/null
expect_error "regtest as main" "$TMP/regtest" \
    "'[^']*/regtest/blk00000.dat' holds regtest blocks \\(magic at offset 0\\); use --network regtest"
# ... and mainnet blocks read as regtest
expect_error "main as regtest" "$TMP/good" "holds main blocks .*use --network main" --network regtest

# 8. a good regtest chain into this mainnet index: refused by the ledger
expect_error "regtest into a main index" "$TMP/regtest" \
    "index '[^']*/db' holds 'main' blocks, not 'regtest'" --network regtest
# (the same chain indexes fine into its own index)
rc=0
ft --db "$TMP/regdb" --json index bitcoin --blocks "$TMP/regtest" --network regtest >"$TMP/out" 2>/dev/null || rc=$?
if [ "$rc" = 0 ] && grep -q '"tip_height":1' "$TMP/out"; then ok; else ko "regtest index: rc $rc $(cat "$TMP/out")"; fi

# 9. damage in a second file, after a good first file: still nothing written
mkdir -p "$TMP/two"
$TOOL split "$GOOD" "$TMP/two" 2
$TOOL setmagic "$TMP/two/blk00001.dat" 3 00112233 >/dev/null
expect_error "damage in the second file" "$TMP/two" "unknown magic 00112233 in '[^']*/two/blk00001.dat' at offset [0-9]+"

# 10. trailing garbage after zero padding
fresh pad
head -c 64 /dev/zero >>"$TMP/pad/blk00000.dat"
printf 'x' >>"$TMP/pad/blk00000.dat"
expect_error "data after padding" "$TMP/pad" "unexpected data after the zero padding in '[^']*/pad/blk00000.dat' at offset"

# the good data still goes in afterwards
ft --db "$DB" --quiet index bitcoin --blocks "$TMP/good"
ft --db "$DB" --json block 255 >"$TMP/out"
if grep -q '"hash":"00000000d0a75c861fabf9ff7b92022f60e4afeed9331fe5aa073d8e4706fe3c"' "$TMP/out"; then ok
else ko "good data after errors: $(cat "$TMP/out")"; fi

finish
