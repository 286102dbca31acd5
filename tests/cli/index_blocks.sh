#!/usr/bin/env bash
# index_blocks.sh — `fundtrace index bitcoin --blocks` on real mainnet blocks 1..255 (btcd's
# test file; the genesis comes from the built-in parameters), then `block`, `tx`, `address`
# and `digest` on the index:
#   - every height's hash, parent, time, tx/input/output counts, total and coinbase output
#     equal EXPECTED_block_summaries.csv (an independent parser's figures);
#   - the block-170 transaction (the first person-to-person payment) in full;
#   - two addresses against a pure-Python reference computed from the raw file;
#   - --to-height, resuming, re-running as a no-op (same digest), the same blocks stored out
#     of order in two files, and an XOR-obfuscated copy (xor.dat) all give the same digest.
source "$(dirname "$0")/lib.sh"
DATA=$SHARED/data/btc_blocks
TOOL="python3 $SRC/tests/cli/blk_tool.py"
ft() { "$FUNDTRACE" "$@"; } # without lib.sh's --db "$DB": each call names its index
# jget FILE PYEXPR: evaluates PYEXPR with j = the JSON in FILE
jget() { python3 -c "import json,sys; j=json.load(open('$1')); print($2)"; }

mkdir -p "$TMP/blocks"
cp "$DATA/btcd_blocks1-256.blk.dat" "$TMP/blocks/blk00000.dat"

# ---- a straight run -------------------------------------------------------------------------
rc=0
ft --db "$TMP/db" --json index bitcoin --blocks "$TMP/blocks" >"$TMP/out" 2>"$TMP/err" || rc=$?
check "index exit code" "$rc" 0
check "index json blocks" "$(jget "$TMP/out" "j['blocks']")" 256
check "index json txs" "$(jget "$TMP/out" "j['txs']")" 263
check "index json tip" "$(jget "$TMP/out" "j['tip_height']")" 255
check "index json network" "$(jget "$TMP/out" "j['network']")" main
if grep -q '^indexed 256 blocks, 263 txs; tip height 255 (main); .* tx/s$' "$TMP/err"; then ok
else ko "summary line: $(cat "$TMP/err")"; fi
D_FULL=$(ft --db "$TMP/db" digest)
if [[ "$D_FULL" =~ ^[0-9a-f]{64}$ ]]; then ok; else ko "digest format '$D_FULL'"; fi

# ---- per-height figures against the independent expectations -------------------------------
ft --db "$TMP/db" block 1-255 >"$TMP/blocks.csv"
check "block csv header" "$(head -n 1 "$TMP/blocks.csv")" \
    "height,hash,prev,time,ntx,n_inputs,n_outputs,total_output_sat,coinbase_output_sat"
awk -F, '$1=="btcd_blocks1-256.blk.dat" {print $3","$4","$5","$6","$8","$9","$10","$12","$13}' \
    "$DATA/EXPECTED_block_summaries.csv" >"$TMP/expected.csv"
check "expected rows" "$(wc -l <"$TMP/expected.csv")" 255
if tail -n +2 "$TMP/blocks.csv" | diff -q - "$TMP/expected.csv" >/dev/null; then ok
else ko "per-height figures differ: $(tail -n +2 "$TMP/blocks.csv" | diff - "$TMP/expected.csv" | head -5)"; fi
# the genesis (built in) is height 0
ft --db "$TMP/db" --json block 0 >"$TMP/out"
check "genesis hash" "$(jget "$TMP/out" "j['hash']")" \
    000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f
check "genesis coinbase" "$(jget "$TMP/out" "j['txids'][0]")" \
    4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b
ft --db "$TMP/db" --json block 00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee >"$TMP/out"
check "block by hash" "$(jget "$TMP/out" "j['height'], j['tx_count'], j['total_output']")" \
    "170 2 100.00000000"

# ---- the block-170 transaction ---------------------------------------------------------------
TX170=f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16
ft --db "$TMP/db" --json tx $TX170 >"$TMP/out"
check "tx chain/height/time/fee" \
    "$(jget "$TMP/out" "j['chain'], j['txid'], j['height'], j['time'], j['fee']")" \
    "bitcoin $TX170 170 2009-01-12T03:30:25Z 0.00000000"
check "tx inputs" "$(jget "$TMP/out" "[(i['address'], i['value'], i['type'], i['txid'], i['vout']) for i in j['inputs']]")" \
    "[('12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S', '50.00000000', 'p2pk', '0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9', 0)]"
check "tx outputs" "$(jget "$TMP/out" "[(o['address'], o['value'], o['type'], o['n'], o['spent_by']) for o in j['outputs']]")" \
    "[('1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3', '10.00000000', 'p2pk', 0, None), ('12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S', '40.00000000', 'p2pk', 1, 'a16f3ce4dd5deb92d98ef5cf8afeaf0775ebca408f708b2146c4fb42b41e14be:0')]"
# the input is block 9's coinbase
ft --db "$TMP/db" --json tx 0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9 >"$TMP/out"
check "block 9 coinbase" "$(jget "$TMP/out" "j['height'], j['coinbase'], j['fee'], len(j['inputs']), j['outputs'][0]['spent_by']")" \
    "9 True 0.00000000 0 $TX170:0"
# text output for humans
ft --db "$TMP/db" tx $TX170 >"$TMP/out"
if grep -q '^fee      0.00000000 BTC$' "$TMP/out" && grep -q 'spent by a16f3ce4' "$TMP/out"; then ok
else ko "tx text output: $(cat "$TMP/out")"; fi
# unknown and malformed txids: one error line, exit 2
rc=0
ft --db "$TMP/db" tx 0000000000000000000000000000000000000000000000000000000000000001 >"$TMP/out" 2>"$TMP/err" || rc=$?
check "unknown tx exit" "$rc" 2
check "unknown tx message" "$(cat "$TMP/err")" \
    "error: transaction '0000000000000000000000000000000000000000000000000000000000000001' not in the index"
rc=0
ft --db "$TMP/db" tx xyz >"$TMP/out" 2>"$TMP/err" || rc=$?
check "malformed tx exit" "$rc" 2
check "malformed tx lines" "$(wc -l <"$TMP/err")" 1

# ---- addresses against the Python reference -------------------------------------------------
# 12cbQ…: block 9's coinbase output (record 8, tx 0, vout 0); 1Q2TW…: block 170's tx, vout 0
for spec in "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S 8 0 0" "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3 169 1 0"; do
    set -- $spec
    want=$($TOOL outstats "$TMP/blocks/blk00000.dat" "$2" "$3" "$4" |
        python3 -c "import json,sys; r=json.load(sys.stdin); print(r['received'], r['sent'], r['balance'], r['tx_count'])")
    ft --db "$TMP/db" --json address "$1" >"$TMP/out"
    check "address $1" "$(jget "$TMP/out" "j['received'], j['sent'], j['balance'], j['tx_count']")" "$want"
    check "address $1 fields" "$(jget "$TMP/out" "j['chain'], j['address'], j['labels'], j['cluster'], j['exposure']")" \
        "bitcoin $1 [] None []"
done
ft --db "$TMP/db" --json address 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S >"$TMP/out"
check "12cb first/last seen" "$(jget "$TMP/out" "j['first_seen'], j['last_seen']")" \
    "2009-01-09T03:54:39Z 2009-01-12T20:04:20Z"
check "12cb received = sum of in rows" \
    "$(jget "$TMP/out" "sum(int(h['value'].replace('.','')) for h in j['history'] if h['direction']=='in') == int(j['received'].replace('.','')) and j['history_rows'] == len(j['history'])")" True
# a valid address never seen: zeros, exit 0; an invalid one: exit 2
ft --db "$TMP/db" --json address 1BitcoinEaterAddressDontSendf59kuE >"$TMP/out"
check "unseen address" "$(jget "$TMP/out" "j['received'], j['balance'], j['tx_count'], j['first_seen']")" \
    "0.00000000 0.00000000 0 None"
rc=0
ft --db "$TMP/db" address 1BitcoinEaterAddressDontSendf59kuF >"$TMP/out" 2>"$TMP/err" || rc=$?
check "invalid address exit" "$rc" 2
if [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "^error: invalid main address '1BitcoinEaterAddressDontSendf59kuF'" "$TMP/err"; then ok
else ko "invalid address message: $(cat "$TMP/err")"; fi

# ---- re-running is a no-op -----------------------------------------------------------------
ft --db "$TMP/db" --json index bitcoin --blocks "$TMP/blocks" >"$TMP/out" 2>"$TMP/err"
check "rerun up_to_date" "$(jget "$TMP/out" "j['up_to_date'], j['blocks'], j['tip_height']")" "True 0 255"
check "rerun digest" "$(ft --db "$TMP/db" digest)" "$D_FULL"

# ---- no ingest cache across commits (every committed output and address read back from
# LevelDB), pipelined commits every 7 blocks, one thread: the same index ------------------------
FT_LEDGER_CACHE_MB=0 FT_COMMIT_BLOCKS=7 ft --db "$TMP/dbcold" --threads 1 --quiet index bitcoin \
    --blocks "$TMP/blocks"
check "cold cache digest" "$(ft --db "$TMP/dbcold" digest)" "$D_FULL"

# ---- --to-height, then resume ----------------------------------------------------------------
ft --db "$TMP/db2" --quiet index bitcoin --blocks "$TMP/blocks" --to-height 100 >"$TMP/out" 2>"$TMP/err"
check "to-height quiet stderr" "$(cat "$TMP/err")" ""
ft --db "$TMP/db2" --json block 100 >"$TMP/out"
check "to-height tip" "$(jget "$TMP/out" "j['height']")" 100
rc=0
ft --db "$TMP/db2" block 101 >"$TMP/out" 2>"$TMP/err" || rc=$?
check "above to-height exit" "$rc" 2
D100=$(ft --db "$TMP/db2" digest)
# a lower --to-height than the tip changes nothing (no rollback)
ft --db "$TMP/db2" --quiet index bitcoin --blocks "$TMP/blocks" --to-height 50
check "lower to-height digest" "$(ft --db "$TMP/db2" digest)" "$D100"
ft --db "$TMP/db2" --json index bitcoin --blocks "$TMP/blocks" >"$TMP/out" 2>/dev/null
check "resume blocks" "$(jget "$TMP/out" "j['blocks'], j['tip_height']")" "155 255"
check "resume digest" "$(ft --db "$TMP/db2" digest)" "$D_FULL"

# ---- out of order in two files ---------------------------------------------------------------
mkdir -p "$TMP/shuffled"
$TOOL split "$TMP/blocks/blk00000.dat" "$TMP/shuffled" 2 7
if cmp -s "$TMP/shuffled/blk00000.dat" "$TMP/blocks/blk00000.dat"; then ko "shuffle did nothing"; else ok; fi
ft --db "$TMP/db3" --quiet index bitcoin --blocks "$TMP/shuffled"
check "shuffled digest" "$(ft --db "$TMP/db3" digest)" "$D_FULL"

# ---- XOR-obfuscated (Bitcoin Core 28+), found through DIR/blocks ----------------------------
mkdir -p "$TMP/core/blocks"
$TOOL xor "$TMP/shuffled" "$TMP/core/blocks" 5a17c3e0019f44b2
if cmp -s "$TMP/core/blocks/blk00000.dat" "$TMP/shuffled/blk00000.dat"; then ko "xor did nothing"; else ok; fi
ft --db "$TMP/db4" --quiet index bitcoin --blocks "$TMP/core"
check "xor digest" "$(ft --db "$TMP/db4" digest)" "$D_FULL"
# an all-zero key means no obfuscation
mkdir -p "$TMP/zero"
cp "$TMP/blocks/blk00000.dat" "$TMP/zero/"
printf '\0\0\0\0\0\0\0\0' >"$TMP/zero/xor.dat"
ft --db "$TMP/db5" --quiet index bitcoin --blocks "$TMP/zero"
check "zero xor digest" "$(ft --db "$TMP/db5" digest)" "$D_FULL"
# zero padding after the data (Core pre-allocates files) is the end of the data
head -c 100000 /dev/zero >>"$TMP/zero/blk00000.dat"
ft --db "$TMP/db6" --quiet index bitcoin --blocks "$TMP/zero"
check "zero padding digest" "$(ft --db "$TMP/db6" digest)" "$D_FULL"

# ---- orphans: without block 100, blocks 101..255 cannot reach the genesis and are ignored ----
mkdir -p "$TMP/gap"
python3 - "$TMP/blocks/blk00000.dat" "$TMP/gap/blk00000.dat" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
out, off, i = b"", 0, 0
while off < len(data):
    size = struct.unpack_from("<I", data, off + 4)[0]
    if i != 99:  # record 99 is height 100
        out += data[off:off + 8 + size]
    off += 8 + size
    i += 1
open(sys.argv[2], "wb").write(out)
EOF
ft --db "$TMP/db7" --json index bitcoin --blocks "$TMP/gap" >"$TMP/out" 2>"$TMP/err"
check "gap tip" "$(jget "$TMP/out" "j['tip_height']")" 99
if grep -q "ignored 155 blocks of the block files that are not on the best chain" "$TMP/err"; then ok
else ko "gap log: $(cat "$TMP/err")"; fi
check "gap digest" "$(ft --db "$TMP/db7" digest)" "$(ft --db "$TMP/db2x" --quiet index bitcoin --blocks "$TMP/blocks" --to-height 99 && ft --db "$TMP/db2x" digest)"

finish
