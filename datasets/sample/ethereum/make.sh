#!/usr/bin/env bash
# make.sh — regenerates the bundled Ethereum sample (this directory) from a real node.
#
#   datasets/sample/ethereum/make.sh [FUNDTRACE_BINARY]     (default build/fundtrace)
#
# Starts anvil (tests/integration/node/install.sh installs it) on a free 127.0.0.1 port with
# the standard test mnemonic and a fixed genesis time, plays tests/integration/eth_anvil.js's
# scenario deterministically (make.js: fixed keys for the fresh wallets, 12 s between
# blocks), indexes the node over JSON-RPC (--verify) into a scratch index and writes the
# index back out with `fundtrace export` in ethereum-etl's CSV layout:
#   blocks.csv transactions.csv receipts.csv token_transfers.csv traces.csv
# (traces.csv gets ethereum-etl's `error` column, "Reverted" on the frames whose status is 0).
# Then it checks that `index ethereum --etl` of those files gives an index with the same
# digest as the RPC one, and writes expected_balances.csv (per key address of the scenario:
# eth_getBalance(latest) - eth_getBalance(0), wei; anvil's genesis allocation is not a
# transaction), labels.csv and incidents.csv. Two runs give the same bytes.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
FT=${1:-${FUNDTRACE:-$ROOT/build/fundtrace}}
NODEDIR=$ROOT/tests/integration/node
TMP=$(mktemp -d)
ANVIL_PID=
cleanup() {
    if [ -n "$ANVIL_PID" ]; then kill "$ANVIL_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
die() { echo "error: $*" >&2; exit 1; }

[ -x "$FT" ] || die "no fundtrace binary at '$FT'"
"$NODEDIR/install.sh" >&2 || die "cannot install anvil and ethers"
ANVIL=$NODEDIR/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
# genesis 2024-01-04 00:00:00 UTC
"$ANVIL" --host 127.0.0.1 --port "$PORT" --silent --chain-id 31337 --accounts 10 --balance 10000 \
    --mnemonic 'test test test test test test test test test test test junk' \
    --timestamp 1704326400 >"$TMP/anvil.log" 2>&1 &
ANVIL_PID=$!
URL=http://127.0.0.1:$PORT
rpc() {
    node -e 'fetch(process.argv[1],{method:"POST",headers:{"Content-Type":"application/json"},
      body:JSON.stringify({jsonrpc:"2.0",id:1,method:process.argv[2],params:JSON.parse(process.argv[3])})})
      .then(r=>r.text()).then(t=>process.stdout.write(t)).catch(()=>process.exit(1))' "$URL" "$1" "$2"
}
for _ in $(seq 1 100); do
    rpc eth_chainId '[]' 2>/dev/null | grep -q 0x7a69 && break
    sleep 0.1
done

node "$HERE/make.js" "$URL" >"$TMP/manifest.json" || die "the scenario failed on anvil"
"$FT" --db "$TMP/rpc" --quiet index ethereum --chain dev --rpc "$URL" --verify || die "index over RPC failed"

"$FT" --db "$TMP/rpc" export eth-blocks --chain dev >"$HERE/blocks.csv"
"$FT" --db "$TMP/rpc" export eth-transactions --chain dev >"$HERE/transactions.csv"
"$FT" --db "$TMP/rpc" export eth-receipts --chain dev >"$HERE/receipts.csv"
"$FT" --db "$TMP/rpc" export eth-token-transfers --chain dev >"$HERE/token_transfers.csv"
"$FT" --db "$TMP/rpc" export eth-traces --chain dev >"$TMP/traces.csv"
python3 - "$TMP/traces.csv" "$HERE/traces.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
st = rows[0].index("status")
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(rows[0] + ["error"])
    for r in rows[1:]:
        w.writerow(r + ["Reverted" if r[st] == "0" else ""])
PY

"$FT" --db "$TMP/etl" --quiet index ethereum --chain dev --etl "$HERE" || die "the etl files do not index"
[ "$("$FT" --db "$TMP/rpc" digest)" = "$("$FT" --db "$TMP/etl" digest)" ] ||
    die "the index of the etl files differs from the RPC index"

# expected balances, labels, incident from the manifest and the node
node - "$URL" "$TMP/manifest.json" "$HERE" <<'JS'
const fs = require('fs');
const [url, manifest, out] = process.argv.slice(2);
const m = JSON.parse(fs.readFileSync(manifest));
const call = async (method, params) => {
  const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const j = await r.json();
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
};
(async () => {
  const roles = [['victim', m.victim], ['attacker', m.attacker], ['split1', m.splits[0]],
    ['split2', m.splits[1]], ['split3', m.splits[2]], ['pool', m.pool], ['payee', m.payee],
    ['deposit', m.deposit], ['exchange_hot_wallet', m.hot], ['token', m.token]];
  let csv = 'role,address,balance_wei\n';
  for (const [role, a] of roles) {
    const d = BigInt(await call('eth_getBalance', [a, 'latest'])) - BigInt(await call('eth_getBalance', [a, '0x0']));
    csv += `${role},${a.toLowerCase()},${d}\n`;
  }
  fs.writeFileSync(`${out}/expected_balances.csv`, csv);
  fs.writeFileSync(`${out}/labels.csv`, 'chain,address,entity,category,source\n' +
    `dev,${m.hot.toLowerCase()},exchange-hot,exchange,fundtrace sample\n` +
    `dev,${m.pool.toLowerCase()},pool,mixer,fundtrace sample\n`);
  const blk = await call('eth_getTransactionByHash', [m.txs.theft]);
  const b = await call('eth_getBlockByNumber', [blk.blockNumber, false]);
  const date = new Date(Number(BigInt(b.timestamp)) * 1000).toISOString().slice(0, 10);
  fs.writeFileSync(`${out}/incidents.csv`, 'incident,date,chain,seed,asset,amount,attribution,source\n' +
    `eth-1,${date},dev,${m.txs.theft},ETH,50,attacker-sim,fundtrace sample\n`);
  const keep = { txs: m.txs, token: m.token, pool: m.pool, victim: m.victim, attacker: m.attacker,
    splits: m.splits, payee: m.payee, deposit: m.deposit, hot: m.hot, tip: m.tip };
  fs.writeFileSync(`${out}/manifest.json`, JSON.stringify(keep, null, 1) + '\n');
})().catch((e) => { process.stderr.write(`make.sh: ${e.stack || e}\n`); process.exit(1); });
JS
echo "wrote $HERE: $(($(wc -l <"$HERE/blocks.csv") - 1)) blocks, $(($(wc -l <"$HERE/transactions.csv") - 1)) transactions" >&2
