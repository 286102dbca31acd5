#!/usr/bin/env bash
# bench_eth_anvil.sh — the Ethereum RPC indexer against a real node: anvil (Foundry's dev
# node, npm @foundry-rs/anvil-linux-amd64, installed by tests/integration/node/install.sh) on
# a free 127.0.0.1 port, with N generated blocks of plain value transfers (issue 4: "blocks and
# transfers per second indexing from anvil with a few thousand generated blocks").
#
#     tests/bench/bench_eth_anvil.sh [BUILD_DIR] [BLOCKS] [REPS]      (defaults: build 3000 3)
#
# 1. Starts anvil with automine off and, for block b = 1..BLOCKS, sends 1 + (b mod 4) transfers
#    (eth_sendTransaction from anvil's ten unlocked dev accounts, in turn, to addresses derived
#    from b and the tx number, b gwei + i wei each), then evm_mine: 2.5 txs per block on
#    average, each a value transfer and a fee row in the index. Deterministic in BLOCKS.
# 2. Runs BUILD_DIR/bench_eth_rpc --url URL --blocks BLOCKS+1 --reps REPS: the indexer and
#    raw curl making the same requests, windows 1, 4 and 16, blocks/s, transfers/s, CPU per
#    block and the index digest (the same in every run, or the bench exits 1).
# Not run by ctest (timings do not belong in tests); anvil shares the 2 cores with both.
set -euo pipefail
BUILD=${1:-build}
BLOCKS=${2:-3000}
REPS=${3:-3}
HERE=$(cd "$(dirname "$0")/../integration" && pwd)
TMP=$(mktemp -d)
ANVIL_PID=
cleanup() {
    [ -n "$ANVIL_PID" ] && kill "$ANVIL_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
command -v node >/dev/null || { echo "error: node not found (make deps)" >&2; exit 1; }
"$HERE/node/install.sh" >&2 || { echo "error: cannot install anvil (tests/integration/node/install.sh)" >&2; exit 1; }
ANVIL=$HERE/node/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
[ -x "$ANVIL" ] || { echo "error: no anvil binary at '$ANVIL'" >&2; exit 1; }
[ -x "$BUILD/bench_eth_rpc" ] || { echo "error: no '$BUILD/bench_eth_rpc': build first" >&2; exit 1; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$ANVIL" --host 127.0.0.1 --port "$PORT" --silent --no-mining >"$TMP/anvil.log" 2>&1 &
ANVIL_PID=$!
URL=http://127.0.0.1:$PORT
echo "uptime: $(uptime)"
t0=$(date +%s.%N)
node - "$URL" "$BLOCKS" <<'JS'
const [url, nblocks] = [process.argv[2], Number(process.argv[3])];
async function call(body) {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                  body: JSON.stringify(body)});
      return await r.json();
    } catch (e) {
      if (attempt > 100) throw e;
      await new Promise(res => setTimeout(res, 100));
    }
  }
}
const rpc = async (method, params) => {
  const r = await call({jsonrpc: "2.0", id: 1, method, params});
  if (r.error) throw new Error(method + ": " + JSON.stringify(r.error));
  return r.result;
};
(async () => {
  const accounts = await rpc("eth_accounts", []);
  let n = 0;
  for (let b = 1; b <= nblocks; b++) {
    const k = 1 + (b % 4), batch = [];
    for (let i = 0; i < k; i++, n++) {
      const to = "0x" + (b * 16 + i).toString(16).padStart(8, "0").repeat(5);
      const value = "0x" + (BigInt(b) * 1000000000n + BigInt(i)).toString(16);
      batch.push({jsonrpc: "2.0", id: i, method: "eth_sendTransaction",
                  params: [{from: accounts[n % accounts.length], to, value}]});
    }
    const replies = await call(batch);
    for (const r of replies) if (r.error) throw new Error("eth_sendTransaction: " + JSON.stringify(r.error));
    await rpc("evm_mine", []);
  }
  const tip = parseInt(await rpc("eth_blockNumber", []), 16);
  if (tip !== nblocks) throw new Error("tip " + tip + ", expected " + nblocks);
  console.log(`generated ${nblocks} blocks, ${n} transfers on anvil`);
})().catch(e => { console.error("error: " + e.message); process.exit(1); });
JS
t1=$(date +%s.%N)
echo "generation: $(python3 -c "print(f'{$t1-$t0:.1f}')") s"
"$BUILD/bench_eth_rpc" --url "$URL" --blocks $((BLOCKS + 1)) --reps "$REPS"
