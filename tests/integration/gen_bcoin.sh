#!/usr/bin/env bash
# gen_bcoin.sh — a real Bitcoin node accepts a chain written by fundtrace-gen.
#
# Generates a 1,000-transaction regtest chain (signed P2PKH, P2WPKH and P2TR key-path spends,
# CoinJoins, planted thefts), starts bcoin 1.0.2 in regtest in memory on 127.0.0.1
# (bcoin_node.js) and submits every block in order through `submitblock` (gen_submit.js):
# each must be accepted (null), and the node's tip height and hash must equal the generator's
# manifest. Then the same chain with placeholder signatures (--unsigned) goes to a fresh node,
# which must accept the 100 coinbase-only blocks and reject the first block that spends a coin:
# proof that the node really checks our signatures.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GEN=${FUNDTRACE_GEN:-${FT_BUILD_DIR:-$ROOT/build}/fundtrace-gen}
TMP=$(mktemp -d)
pass=0
fail=0
NODE_PIDS=()
cleanup() {
    for p in "${NODE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
die() { echo "error: $*" >&2; exit 1; }

[ -x "$GEN" ] || die "fundtrace-gen not found at '$GEN'"
command -v node >/dev/null || die "node not found (make deps)"
"$HERE/node/install.sh" >&2 || die "cannot install bcoin (tests/integration/node/install.sh)"

KEY=$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')
json() { node -pe "JSON.parse(require('fs').readFileSync(process.argv[1]))$2" "$1"; }

# start_node NAME: starts bcoin, sets PORT. The node reads a FIFO only this shell holds open,
# so it exits on its own if the shell dies without running the trap.
start_node() {
    local name=$1
    mkfifo "$TMP/$name.hold"
    eval "exec {fd}<>\"$TMP/$name.hold\""
    NODE_BACKEND=js node "$HERE/bcoin_node.js" --api-key "$KEY" --exit-on-stdin-close \
        <"$TMP/$name.hold" >"$TMP/$name.json" 2>"$TMP/$name.err" &
    NODE_PIDS+=($!)
    for _ in $(seq 1 200); do
        [ -s "$TMP/$name.json" ] && break
        kill -0 "${NODE_PIDS[-1]}" 2>/dev/null || die "bcoin did not start: $(cat "$TMP/$name.err")"
        sleep 0.1
    done
    [ -s "$TMP/$name.json" ] || die "bcoin did not start in 20 s"
    PORT=$(json "$TMP/$name.json" .rpc_port)
}

# --- a signed chain: every block accepted ---------------------------------------------------
"$GEN" --out "$TMP/chain" --txs 1000 --seed 11 --quiet >"$TMP/gen.out" 2>"$TMP/gen.err" ||
    die "fundtrace-gen failed: $(cat "$TMP/gen.err")"
[ ! -s "$TMP/gen.err" ] && ok || ko "fundtrace-gen wrote to stderr: $(head -c 300 "$TMP/gen.err")"
M="$TMP/chain/truth/manifest.json"
[ "$(json "$M" .txs)" = 1000 ] && ok || ko "manifest txs is $(json "$M" .txs), not 1000"
blocks=$(json "$M" .blocks)
tip_height=$(json "$M" .tip_height)
tip_hash=$(json "$M" .tip_hash)
[ "$tip_height" -ge 432 ] && ok || ko "chain ends at $tip_height, before segwit activation (432)"

# the chain holds every spend type the generator signs (counted from the block files)
read -r p2pkh p2wpkh p2tr < <(node -e '
const fs = require("fs"), path = require("path");
let b = fs.readFileSync(path.join(process.argv[1], "blk00000.dat")), o = 0, n = [0, 0, 0];
function cs() { const v = b[p]; if (v < 0xfd) { p += 1; return v; } if (v === 0xfd) { p += 3; return b.readUInt16LE(p - 2); } p += 5; return b.readUInt32LE(p - 4); }
let p;
while (o + 8 <= b.length) {
  const size = b.readUInt32LE(o + 4); p = o + 8 + 80; o += 8 + size;
  const ntx = cs();
  for (let t = 0; t < ntx; t++) {
    p += 4; const seg = b[p] === 0 && b[p + 1] === 1; if (seg) p += 2;
    const nin = cs(), sig = [];
    for (let i = 0; i < nin; i++) { p += 36; const l = cs(); sig.push(l); p += l + 4; }
    const nout = cs();
    for (let i = 0; i < nout; i++) { p += 8; const l = cs(); p += l; }
    const items = [];
    if (seg) for (let i = 0; i < nin; i++) { const k = cs(); items.push(k); for (let j = 0; j < k; j++) { const l = cs(); p += l; } }
    p += 4;
    if (t === 0) continue;
    for (let i = 0; i < nin; i++) { if (sig[i] > 0) n[0]++; else if (items[i] === 2) n[1]++; else if (items[i] === 1) n[2]++; }
  }
}
console.log(n.join(" "));' "$TMP/chain/blocks")
[ "$p2pkh" -gt 0 ] && [ "$p2wpkh" -gt 0 ] && [ "$p2tr" -gt 0 ] && ok ||
    ko "spend types: p2pkh $p2pkh, p2wpkh $p2wpkh, p2tr $p2tr (each should be > 0)"

start_node signed
if node "$HERE/gen_submit.js" --blocks "$TMP/chain/blocks" --rpc-port "$PORT" --api-key "$KEY" \
    >"$TMP/submit.out" 2>"$TMP/submit.err"; then
    ok
    [ "$(json "$TMP/submit.out" .submitted)" = $((blocks - 1)) ] && ok ||
        ko "submitted $(json "$TMP/submit.out" .submitted) blocks, expected $((blocks - 1))"
    [ "$(json "$TMP/submit.out" .height)" = "$tip_height" ] && ok ||
        ko "node height $(json "$TMP/submit.out" .height), generator tip $tip_height"
    [ "$(json "$TMP/submit.out" .hash)" = "$tip_hash" ] && ok ||
        ko "node tip $(json "$TMP/submit.out" .hash), generator tip $tip_hash"
else
    ko "bcoin rejected the signed chain: $(cat "$TMP/submit.err")"
fi

# --- placeholder signatures: rejected at the first spend -----------------------------------
"$GEN" --out "$TMP/unsigned" --txs 1000 --seed 11 --unsigned --quiet >/dev/null 2>"$TMP/gen2.err" ||
    die "fundtrace-gen --unsigned failed: $(cat "$TMP/gen2.err")"
start_node unsigned
if node "$HERE/gen_submit.js" --blocks "$TMP/unsigned/blocks" --rpc-port "$PORT" --api-key "$KEY" \
    >"$TMP/submit2.out" 2>"$TMP/submit2.err"; then
    ko "bcoin accepted a chain with placeholder signatures"
else
    msg=$(cat "$TMP/submit2.err")
    h=$(sed -n 's/.*block at height \([0-9]*\) rejected.*/\1/p' "$TMP/submit2.err")
    [ -n "$h" ] && [ "$h" -gt 100 ] && ok || ko "unexpected rejection: $msg"
    case "$msg" in *script*|*sig*) ok ;; *) ko "rejection is not a script failure: $msg" ;; esac
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
