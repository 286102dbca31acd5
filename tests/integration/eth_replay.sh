#!/usr/bin/env bash
# eth_replay.sh — `fundtrace index ethereum` against eth_replay_server.js, which plays an
# Ethereum node from ethereum-etl's recorded replies (shared/data/peer_tests/ethereum-etl):
#  - every case with recorded inputs indexed over RPC and exported (`fundtrace export eth-*`),
#    each table compared with ethereum-etl's expected file (eth/compare.py: sorted rows on the
#    columns the index holds; token transfers on ethereum-etl's whole layout): blocks 0,
#    483920 (with its receipts and token transfers), 1755634..1755635 (receipts per tx, logs);
#  - traces of the five trace cases in both formats (trace_block and geth's callTracer), read
#    from the node by `export eth-traces --rpc`, against expected_traces.csv;
#  - the same blocks from ethereum-etl's own exports (`index ethereum --etl`) give an index
#    byte-identical to the RPC one (`fundtrace digest`); a broken etl row: exit 2, file and
#    line named, index unchanged;
#  - tx/address views on the indexed blocks (fees, transfers, EIP-55, any-case input);
#  - faults: node unreachable, HTTP 500, timeout -> exit 1; 429 then success -> retried, ok;
#    malformed JSON, JSON-RPC error, wrong chain id, blocks without receipts -> exit 2; each
#    with one "error:" line and the index digest unchanged; --rpc-header never printed;
#  - a reorganisation between runs (the node dropped a block): rolled back, re-indexed, and
#    equal to a fresh index.
set -euo pipefail

FUNDTRACE=${FUNDTRACE:?FUNDTRACE must point at the fundtrace binary}
SRC=${FT_SOURCE_DIR:-.}
SHARED=${FT_SHARED_DIR:-$SRC/../shared}
E=$SHARED/data/peer_tests/ethereum-etl
SERVER=$SRC/tests/integration/eth_replay_server.js
CMP=$SRC/tests/integration/eth/compare.py
TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
for tool in node python3; do
    command -v $tool >/dev/null || { echo "error: $tool not found" >&2; exit 1; }
done
export FT_RPC_BACKOFF_MS=20

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
# start_server ARGS...: sets URL
start_server() {
    stop_server
    : >"$TMP/port"
    node "$SERVER" "$@" >"$TMP/port" 2>"$TMP/server.log" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        [ -s "$TMP/port" ] && break
        sleep 0.05
    done
    [ -s "$TMP/port" ] || { echo "error: replay server did not start" >&2; cat "$TMP/server.log" >&2; exit 1; }
    URL="http://127.0.0.1:$(head -1 "$TMP/port")/"
}

# expect_rc WANT NAME CMD...: runs CMD, checks the exit code, keeps stdout/stderr in $TMP/out,err
expect_rc() {
    local want=$1 name=$2
    shift 2
    local rc=0
    "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
    if [ "$rc" = "$want" ]; then ok; else ko "$name: exit $rc, wanted $want"; sed 's/^/    /' "$TMP/err" | head -5; fi
}
compare() { # compare NAME EXPECTED OURS COLS
    if python3 "$CMP" "$2" "$3" "$4" >"$TMP/cmp" 2>&1; then ok; else ko "$1"; sed 's/^/    /' "$TMP/cmp" | head -20; fi
}
digest() { "$FUNDTRACE" --db "$1" digest; }

BLOCK_COLS=number,hash,parent_hash,miner,gas_limit,gas_used,timestamp,transaction_count,base_fee_per_gas
TX_COLS=hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type
TX_RCPT_COLS=$TX_COLS,receipt_cumulative_gas_used,receipt_gas_used,receipt_contract_address,receipt_status,receipt_effective_gas_price
RCPT_COLS=transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,contract_address,status,effective_gas_price
TOKEN_COLS=token_address,from_address,to_address,value,transaction_hash,log_index,block_number

export_all() { # export_all DB DIR
    mkdir -p "$2"
    for t in blocks transactions receipts token-transfers traces transfers; do
        "$FUNDTRACE" --db "$1" export "eth-$t" --out "$2/$t.csv"
    done
}

# ---- 1. stream blocks 1755634..1755635: receipts per tx, a token transfer, no traces --------
S=$E/test_stream/blocks_1755634_1755635
start_server --dir "$S"
expect_rc 0 "index stream" "$FUNDTRACE" --db "$TMP/stream" --json index ethereum --rpc "$URL" --from 1755634 --to 1755635
grep -q '"blocks":2,"txs":2' "$TMP/out" && ok || ko "stream: summary $(cat "$TMP/out")"
grep -q '"receipts":"eth_getTransactionReceipt","traces":"none"' "$TMP/out" && ok || ko "stream: fallbacks not reported"
grep -q "warning: .*neither trace_block nor debug_traceBlockByNumber" "$TMP/err" && ok || ko "stream: no warning about missing traces"
export_all "$TMP/stream" "$TMP/stream.out"
compare "stream blocks" "$S/expected_blocks.json" "$TMP/stream.out/blocks.csv" "$BLOCK_COLS"
compare "stream transactions" "$S/expected_transactions.json" "$TMP/stream.out/transactions.csv" "$TX_RCPT_COLS"
compare "stream token transfers" "$S/expected_token_transfers.json" "$TMP/stream.out/token-transfers.csv" "$TOKEN_COLS"
expect_rc 0 "index stream again" "$FUNDTRACE" --db "$TMP/stream" --json index ethereum --rpc "$URL" --to 1755635
grep -q '"up_to_date":true' "$TMP/out" && ok || ko "second run is not a no-op"
D_STREAM=$(digest "$TMP/stream")

# tx and address views
expect_rc 0 "tx json" "$FUNDTRACE" --db "$TMP/stream" --json tx 0x9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb
python3 - "$TMP/out" <<'PY' && ok || ko "tx json content"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["chain"] == "ethereum" and t["height"] == 1755635 and t["status"] is None, t
assert t["fee"] == "0.000420000000000000", t["fee"]          # 21000 gas x 20 gwei
kinds = [(x["kind"], x["value"]) for x in t["transfers"]]
assert kinds == [("fee", "0.000420000000000000"), ("external", "0.405738107000000000")], kinds
assert t["transfers"][1]["to"] == "0xEC1ebAc9dA3430213281C80fA6d46378341a96aE", t["transfers"][1]
assert t["inputs"][0]["address"] == "0x3763e6E1228bFeaB94191C856412d1Bb0A8e6996", t["inputs"]
PY
expect_rc 0 "tx token json" "$FUNDTRACE" --db "$TMP/stream" --json tx 0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d
python3 - "$TMP/out" <<'PY' && ok || ko "token tx json content"
import json, sys
t = json.load(open(sys.argv[1]))
kinds = [(x["kind"], x["asset"], x["value"]) for x in t["transfers"]]
# the zero-value call moves nothing; the token row in base units, asset = the token contract
assert kinds == [("fee", "ETH", "0.000728360000000000"),
                 ("token", "0xBB9bc244D798123fDe783fCc1C72d3Bb8C189413", "5000000000000000000")], kinds
PY
expect_rc 0 "address any case" "$FUNDTRACE" --db "$TMP/stream" --json address 0XEC1EBAC9DA3430213281C80FA6D46378341A96AE
python3 - "$TMP/out" <<'PY' && ok || ko "address json content"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["address"] == "0xEC1ebAc9dA3430213281C80fA6d46378341a96aE", a
assert (a["received"], a["sent"], a["balance"], a["tx_count"]) == ("0.405738107000000000", "0.000000000000000000", "0.405738107000000000", 1), a
assert a["first_seen"] == "2016-06-23T08:12:42Z", a
PY
expect_rc 2 "address bad checksum" "$FUNDTRACE" --db "$TMP/stream" address 0xeC1EBac9dA3430213281c80FA6D46378341a96ae
grep -q "bad EIP-55 checksum" "$TMP/err" && ok || ko "bad checksum message: $(cat "$TMP/err")"
expect_rc 2 "unknown tx" "$FUNDTRACE" --db "$TMP/stream" tx 0x1111111111111111111111111111111111111111111111111111111111111111
[ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "^error: transaction '0x1111.*' not in the index" "$TMP/err" && ok || ko "unknown tx message: $(cat "$TMP/err")"

# ---- 2. block 483920: block receipts missing -> per tx; token transfers --------------------
start_server --dir "$E/test_export_blocks_job/block_with_logs" --dir "$E/test_export_receipts_job/receipts_with_logs"
expect_rc 0 "index 483920" "$FUNDTRACE" --db "$TMP/b483920" index ethereum --rpc "$URL" --from 483920 --to 483920 --window 2
export_all "$TMP/b483920" "$TMP/b483920.out"
compare "483920 blocks" "$E/test_export_blocks_job/block_with_logs/expected_blocks.csv" "$TMP/b483920.out/blocks.csv" "$BLOCK_COLS"
compare "483920 transactions" "$E/test_export_blocks_job/block_with_logs/expected_transactions.csv" "$TMP/b483920.out/transactions.csv" "$TX_COLS"
compare "483920 receipts" "$E/test_export_receipts_job/receipts_with_logs/expected_receipts.csv" "$TMP/b483920.out/receipts.csv" "$RCPT_COLS"
compare "483920 token transfers (receipt logs)" "$E/test_export_token_transfers_job/block_with_transfers/expected_token_transfers.csv" "$TMP/b483920.out/token-transfers.csv" "$TOKEN_COLS"
if cmp -s "$E/test_export_token_transfers_job/block_with_transfers/expected_token_transfers.csv" "$TMP/b483920.out/token-transfers.csv"; then ok; else ko "483920 token transfers are not byte-identical to ethereum-etl's file"; fi
D_483920=$(digest "$TMP/b483920")

# ---- 3. genesis (no transactions) ------------------------------------------------------------
start_server --dir "$E/test_export_blocks_job/block_without_transactions"
expect_rc 0 "index genesis" "$FUNDTRACE" --db "$TMP/genesis" index ethereum --rpc "$URL" --from 0 --to 0
export_all "$TMP/genesis" "$TMP/genesis.out"
compare "genesis block" "$E/test_export_blocks_job/block_without_transactions/expected_blocks.csv" "$TMP/genesis.out/blocks.csv" "$BLOCK_COLS"
[ "$(wc -l <"$TMP/genesis.out/transactions.csv")" = 1 ] && ok || ko "genesis has transactions"

# ---- 4. traces, both formats -------------------------------------------------------------------
PARITY_COLS=block_number,transaction_hash,transaction_index,from_address,to_address,value,trace_type,call_type,reward_type,subtraces,trace_address,status
# ethereum-etl's geth extraction leaves transaction_hash and status empty
GETH_COLS=block_number,transaction_index,from_address,to_address,value,trace_type,call_type,reward_type,subtraces,trace_address
for c in block_without_transactions block_with_create block_with_error block_with_subtraces block_with_suicide; do
    for fmt in parity geth; do
        if [ $fmt = parity ]; then d=$E/test_export_traces_job/$c; cols=$PARITY_COLS; else d=$E/test_extract_geth_traces_job/$c; cols=$GETH_COLS; fi
        f=$(ls "$d" | sed -n 's/^web3_response\.\(trace_block\|debug_traceBlockByNumber\)_\(0x[0-9a-f]*\).*/\2/p')
        start_server --dir "$d"
        expect_rc 0 "$c $fmt traces" "$FUNDTRACE" export eth-traces --rpc "$URL" --block $((f)) --trace-format $fmt --out "$TMP/traces.csv"
        if [ -s "$d/expected_traces.csv" ]; then
            compare "$c $fmt traces" "$d/expected_traces.csv" "$TMP/traces.csv" "$cols"
        else
            [ "$(wc -l <"$TMP/traces.csv")" = 1 ] && ok || ko "$c $fmt: traces where ethereum-etl has none"
        fi
    done
done

# ---- 5. the same blocks from ethereum-etl exports ---------------------------------------------
mkdir -p "$TMP/etl1" "$TMP/etl2"
cp "$S/expected_blocks.json" "$TMP/etl1/blocks.json"
cp "$S/expected_transactions.json" "$TMP/etl1/transactions.json"
cp "$S/expected_logs.json" "$TMP/etl1/logs.json"
expect_rc 0 "etl stream" "$FUNDTRACE" --db "$TMP/etl1.db" index ethereum --etl "$TMP/etl1"
[ "$(digest "$TMP/etl1.db")" = "$D_STREAM" ] && ok || ko "etl (json lines) index differs from the RPC index"
cp "$E/test_export_blocks_job/block_with_logs/expected_blocks.csv" "$TMP/etl2/blocks.csv"
cp "$E/test_export_blocks_job/block_with_logs/expected_transactions.csv" "$TMP/etl2/transactions.csv"
cp "$E/test_export_receipts_job/receipts_with_logs/expected_receipts.csv" "$TMP/etl2/receipts.csv"
cp "$E/test_export_token_transfers_job/block_with_transfers/expected_token_transfers.csv" "$TMP/etl2/token_transfers.csv"
expect_rc 0 "etl 483920 (token_transfers)" "$FUNDTRACE" --db "$TMP/etl2.db" index ethereum --etl "$TMP/etl2"
[ "$(digest "$TMP/etl2.db")" = "$D_483920" ] && ok || ko "etl (csv, token_transfers) index differs from the RPC index"
rm "$TMP/etl2/token_transfers.csv"
cp "$E/test_export_receipts_job/receipts_with_logs/expected_logs.csv" "$TMP/etl2/logs.csv"
expect_rc 0 "etl 483920 (logs)" "$FUNDTRACE" --db "$TMP/etl3.db" index ethereum --etl "$TMP/etl2"
[ "$(digest "$TMP/etl3.db")" = "$D_483920" ] && ok || ko "etl (csv, logs) index differs from the RPC index"
# a broken row: exit 2, file and line named, nothing written
mkdir -p "$TMP/etlbad"
cp "$TMP/etl2/"* "$TMP/etlbad/"
sed -i '3s/,0x9b22a80d5c7b3374a05b446081f97d0a34079e7f,/,0x9b22a80d5c7b3374a05b446081f97d0a3407,/' "$TMP/etlbad/transactions.csv"
D_BEFORE=$(digest "$TMP/genesis")
expect_rc 2 "etl broken row" "$FUNDTRACE" --db "$TMP/genesis" index ethereum --etl "$TMP/etlbad"
grep -q "^error: '.*transactions.csv' line 3: bad from_address" "$TMP/err" && ok || ko "broken row message: $(cat "$TMP/err")"
[ "$(digest "$TMP/genesis")" = "$D_BEFORE" ] && ok || ko "broken etl row changed the index"
# blocks without receipts (ethereum-etl's blocks job has none for 47218..47219): refused
mkdir -p "$TMP/etlnorcpt"
cp "$E/test_export_blocks_job/blocks_with_transactions/expected_blocks.csv" "$TMP/etlnorcpt/blocks.csv"
cp "$E/test_export_blocks_job/blocks_with_transactions/expected_transactions.csv" "$TMP/etlnorcpt/transactions.csv"
expect_rc 2 "etl without receipts" "$FUNDTRACE" --db "$TMP/norcpt.db" index ethereum --etl "$TMP/etlnorcpt"
grep -q "no receipt for transaction 0x99f1097a" "$TMP/err" && ok || ko "no-receipt message: $(cat "$TMP/err")"

# ---- 6. faults: exit codes, one error line, index unchanged -----------------------------------
F=$TMP/faults
start_server --dir "$S"
"$FUNDTRACE" --db "$F" --quiet index ethereum --rpc "$URL" --from 1755634 --to 1755634
D0=$(digest "$F")
fault() { # fault NAME WANT_RC MESSAGE_REGEX SERVER_ARGS... -- FUNDTRACE_ARGS...
    local name=$1 want=$2 re=$3
    shift 3
    local sargs=()
    while [ "$1" != "--" ]; do sargs+=("$1"); shift; done
    shift
    start_server --dir "$S" "${sargs[@]}"
    expect_rc "$want" "$name" "$FUNDTRACE" --db "$F" --quiet index ethereum --rpc "$URL" --to 1755635 "$@"
    if [ "$(wc -l <"$TMP/err")" = 1 ] && grep -Eq "^error: .*$re" "$TMP/err"; then ok; else ko "$name message: $(cat "$TMP/err")"; fi
    [ "$(digest "$F")" = "$D0" ] && ok || ko "$name changed the index"
}
fault "http 500" 1 "HTTP 500 from 'http://127.0.0.1:[0-9]+/' \(retries exhausted\)" --fault http500 --fault-method eth_getBlockByNumber -- --rpc-retries 2
fault "timeout" 1 "timed out" --fault timeout --fault-method eth_getTransactionReceipt -- --rpc-timeout 300 --rpc-retries 1
fault "malformed json" 2 "malformed JSON reply" --fault badjson --fault-method eth_getBlockByNumber --
fault "json-rpc error" 2 "eth_getBlockByNumber: node error -32000: replay: injected failure" --fault rpcerror --fault-method eth_getBlockByNumber --
fault "wrong chain" 2 "serves chain id 56 \(bsc\), not 1 \(ethereum\)" --chain-id 56 --
fault "receipt error" 2 "eth_getTransactionReceipt: node error -32000: replay: injected failure" --fault rpcerror --fault-method eth_getTransactionReceipt --
# the receipts reply is parsed only after the next request went out: still exit 2, index unchanged
fault "malformed receipts json" 2 "malformed JSON reply" --fault badjson --fault-method eth_getTransactionReceipt --
# a node without the receipts (ethereum-etl recorded none for blocks 47218..47219)
start_server --dir "$E/test_export_blocks_job/blocks_with_transactions"
expect_rc 2 "rpc without receipts" "$FUNDTRACE" --db "$TMP/norcpt2.db" --quiet index ethereum --rpc "$URL" --from 47218 --to 47219
grep -q "^error: the node has no receipt for tx 0 of block 47218" "$TMP/err" && ok || ko "rpc no-receipt message: $(cat "$TMP/err")"
start_server --dir "$S"
PORT_DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
expect_rc 1 "unreachable" "$FUNDTRACE" --db "$F" --verbose index ethereum --rpc "http://127.0.0.1:$PORT_DEAD/" --rpc-retries 1 --rpc-header "Authorization: Bearer s3cr3t-token"
grep -q "^error: .*unreachable" "$TMP/err" && ok || ko "unreachable message: $(cat "$TMP/err")"
grep -q "s3cr3t" "$TMP/err" && ko "the --rpc-header value was printed" || ok
[ "$(digest "$F")" = "$D0" ] && ok || ko "unreachable node changed the index"
# 429 twice, then served: retried, indexed
start_server --dir "$S" --fault 429 --fault-count 2
expect_rc 0 "429 then ok" "$FUNDTRACE" --db "$F" --json index ethereum --rpc "$URL" --to 1755635 --rpc-header "Authorization: Bearer s3cr3t-token"
grep -q '"blocks":1,' "$TMP/out" && grep -q '"retries":2' "$TMP/out" && ok || ko "429: $(cat "$TMP/out")"
[ "$(digest "$F")" = "$D_STREAM" ] && ok || ko "429 run differs from a clean index"

# ---- 7. reorganisation between runs ------------------------------------------------------------
R=$TMP/reorg
start_server --dir "$S" --reorg-block 1755634
expect_rc 0 "index the fork" "$FUNDTRACE" --db "$R" index ethereum --rpc "$URL" --from 1755634 --to 1755634
start_server --dir "$S"
expect_rc 0 "index after the reorg" "$FUNDTRACE" --db "$R" --json index ethereum --rpc "$URL" --to 1755635
grep -q '"blocks":2,' "$TMP/out" && grep -q '"rolled_back":1,' "$TMP/out" && ok || ko "reorg summary: $(cat "$TMP/out")"
grep -q "warning: reorganisation: rolling back 1 block" "$TMP/err" && ok || ko "reorg warning: $(cat "$TMP/err")"
[ "$(digest "$R")" = "$D_STREAM" ] && ok || ko "index after the reorg differs from a fresh index"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
