#!/usr/bin/env bash
# decode.sh — `fundtrace decode tx|block` on real mainnet data: JSON fields against the
# independent expectations in data/btc_blocks (EXPECTED_block_summaries.csv, EXPECTED_txids_*),
# the block-170 tx (tests/data/btc_tx_block170.hex, cut from btcd_blocks1-256.blk.dat), blk-file
# framing and its network check, and the error contract: one "error: " line on stderr, nothing
# on stdout, exit 2 for bad data, 1 for an unreadable file, 129 for usage errors.
source "$(dirname "$0")/lib.sh"
DATA=$SHARED/data/btc_blocks

# run EXPECTED_RC ARGS...: runs fundtrace, keeps stdout/stderr in $TMP/out, $TMP/err
run() {
    local want=$1
    shift
    local rc=0
    "$FUNDTRACE" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
    if [ "$rc" != "$want" ]; then
        ko "fundtrace $* exited $rc, expected $want; stderr: $(head -c 300 "$TMP/err")"
        return 1
    fi
    return 0
}

# the error contract: exactly one line "error: ..." on stderr (a usage error may add a hint
# line), nothing on stdout
check_error() {
    local what=$1 pattern=$2
    if [ -s "$TMP/out" ]; then ko "$what: stdout not empty"; return; fi
    if ! head -n 1 "$TMP/err" | grep -q '^error: '; then ko "$what: no 'error:' line"; return; fi
    local lines
    lines=$(grep -vc '^hint: ' "$TMP/err" || true)
    if [ "$lines" != 1 ]; then ko "$what: $lines error lines"; return; fi
    if ! grep -q -- "$pattern" "$TMP/err"; then ko "$what: stderr lacks '$pattern': $(cat "$TMP/err")"; return; fi
    ok
}

# py EXPR-SCRIPT: runs python3 over the JSON in $TMP/out; the script prints "ok" or a reason
py() {
    python3 -c "import json,sys,decimal
j=json.load(open('$TMP/out'))
$1" >"$TMP/py" 2>&1 || true
    if [ "$(cat "$TMP/py")" = ok ]; then ok; else ko "$2: $(head -c 400 "$TMP/py")"; fi
}

expected_row() { grep "^$1," "$DATA/EXPECTED_block_summaries.csv" | head -n 1; }

# --- block 413567 (raw file, pre-segwit, 1557 txs) ---
if run 0 decode block "@$DATA/block413567.raw" --json; then
    row=$(expected_row block413567.raw)
    IFS=, read -r _ _ height hash prev time size ntx nin nout segwit total cb _ <<<"$row"
    first=$(head -n 1 "$DATA/EXPECTED_txids_block413567.txt")
    last=$(tail -n 1 "$DATA/EXPECTED_txids_block413567.txt")
    py "
import datetime
sat=lambda s: int(decimal.Decimal(s)*100000000)
t=j['txs']
iso=datetime.datetime.fromtimestamp($time, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
checks=[j['hash']=='$hash', j['prev']=='$prev', j['time']==iso, j['height']==$height,
 j['size']==$size, len(t)==$ntx, j['n_tx']==$ntx, t[0]['txid']=='$first', t[-1]['txid']=='$last',
 sum(len(x['inputs']) for x in t)==$nin, sum(len(x['outputs']) for x in t)==$nout,
 sum(sat(o['value']) for x in t for o in x['outputs'])==$total,
 sum(sat(o['value']) for o in t[0]['outputs'])==$cb, t[0]['coinbase'] is True,
 all(i['value'] is None and 'address' in i for x in t for i in x['inputs']),
 all(set(('address','value','type','n')) <= set(o) for x in t for o in x['outputs']),
 j['chain']=='bitcoin', all(x['chain']=='bitcoin' for x in t)]
print('ok' if all(checks) else 'checks: %s' % checks)" "block 413567 json"
fi

# --- block 702861 (segwit, 2500 txs): the global --json form ---
f702=mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw
if run 0 --json decode block "@$DATA/$f702"; then
    row=$(expected_row "$f702")
    IFS=, read -r _ _ height hash prev time size ntx nin nout segwit total cb _ <<<"$row"
    py "
sat=lambda s: int(decimal.Decimal(s)*100000000)
t=j['txs']
want=open('$DATA/EXPECTED_txids_mainnet_block_000000000000000000000c835b.txt').read().split()
checks=[j['hash']=='$hash', j['height']==$height, len(t)==$ntx, [x['txid'] for x in t]==want,
 sum(1 for x in t if x['wtxid']!=x['txid'])==$segwit,
 sum(sat(o['value']) for x in t for o in x['outputs'])==$total,
 sum(sat(o['value']) for o in t[0]['outputs'])==$cb,
 sum(len(x['inputs']) for x in t)==$nin, j['weight']<=4000000,
 any(o['type']=='p2wpkh' and o['address'].startswith('bc1q') for x in t for o in x['outputs']),
 any(o['type']=='nulldata' and o['address'] is None for x in t for o in x['outputs'])]
print('ok' if all(checks) else 'checks: %s' % checks)" "block 702861 json"
fi

# --- the block-170 tx, as a hex argument and as @file ---
tx170=$(tr -d ' \n' <"$SRC/tests/data/btc_tx_block170.hex")
if run 0 decode tx "$tx170" --json; then
    py "
o=j['outputs']
checks=[j['txid']=='f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16',
 j['chain']=='bitcoin', len(j['inputs'])==1,
 j['inputs'][0]['txid']=='0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9',
 j['inputs'][0]['vout']==0, j['inputs'][0]['value'] is None,
 [(x['address'],x['value'],x['type']) for x in o]==[
  ('1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3','10.00000000','p2pk'),
  ('12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S','40.00000000','p2pk')]]
print('ok' if all(checks) else 'checks: %s' % checks)" "tx 170 json"
fi
if run 0 decode tx "@$SRC/tests/data/btc_tx_block170.hex"; then
    if grep -q '^tx f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16$' "$TMP/out" &&
        grep -q '1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3  10.00000000 BTC  p2pk' "$TMP/out"; then
        ok
    else
        ko "tx 170 text output: $(cat "$TMP/out")"
    fi
fi
# raw binary file and stdin
python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex('$tx170'))" >"$TMP/tx170.bin"
if run 0 --json decode tx @- <"$TMP/tx170.bin"; then
    py "print('ok' if j['txid'].startswith('f4184fc5') else j['txid'])" "tx 170 from binary stdin"
fi

# --- blk framing, hex block file, network check ---
if run 0 decode block "@$DATA/btcd_block277647.blk.dat" --json; then
    py "print('ok' if j['hash']=='0000000000000000054a714e580b16c583701712ab91060e92dbde6eb1e052a8' and j['height']==277647 and len(j['txs'])==213 else 'bad')" "blk-framed 277647"
fi
if run 0 decode block "@$DATA/rustbitcoin_block_0000000000013b8a.hex" --json; then
    py "print('ok' if j['hash']=='0000000000013b8ab2cd513b0261a14096412195a72a0c4827d229dcc7e0f7af' and len(j['txs'])==9 and 'height' not in j and j['time']=='2010-12-29T12:17:31Z' else 'bad %s %s' % (j['hash'], j['time']))" "hex block file"
fi
run 2 decode block "@$DATA/btcd_block277647.blk.dat" --network testnet &&
    check_error "framed for another network" "network 'main', not 'testnet'"
run 2 decode block "@$DATA/btcd_blocks1-256.blk.dat" && check_error "several records" "more than one block"

# --- bad data: exit 2, one error line ---
run 2 decode tx "${tx170:0:${#tx170}-2}" && check_error "truncated tx" "truncated"
run 2 decode tx "${tx170}00" && check_error "trailing byte" "trailing"
run 2 decode tx "0100000000" && check_error "no inputs" "error:"
run 2 decode tx "zz${tx170}" && check_error "bad hex" "hex"
run 2 decode tx "${tx170:0:11}" && check_error "odd hex" "odd number"
python3 - "$DATA/block413567.raw" "$TMP/flipped.raw" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[len(d) // 2] ^= 1  # a byte inside some tx's non-witness data
open(sys.argv[2], 'wb').write(d)
EOF
rc=0
"$FUNDTRACE" decode block "@$TMP/flipped.raw" >"$TMP/out" 2>"$TMP/err" || rc=$?
# a flip lands in a script or a field: either the merkle root or the structure breaks
if [ "$rc" = 2 ] && grep -Eq 'merkle root mismatch|truncated|malformed|trailing|count|value' "$TMP/err"; then
    check_error "flipped byte" "error:"
else
    ko "flipped byte: rc $rc, $(cat "$TMP/err")"
fi
: >"$TMP/empty"
run 2 decode tx "@$TMP/empty" && check_error "empty file" "empty"
run 1 decode tx "@$TMP/does-not-exist" && check_error "missing file" "cannot open"

# --- usage: exit 129 ---
run 129 decode && check_error "no arguments" "needs a kind"
run 129 decode tx && check_error "no data" "needs a kind"
run 129 decode coin 00 && check_error "unknown kind" "unknown kind 'coin'"
run 129 decode tx 00 --network moon && check_error "unknown network" "unknown network 'moon'"
run 129 decode tx 00 --frobnicate && check_error "unknown option" "unknown option"
run 129 decode tx 00 11 22 && check_error "extra argument" "unexpected argument"
if run 0 help decode && grep -q '^usage: fundtrace' "$TMP/out"; then ok; else ko "help decode"; fi

finish
