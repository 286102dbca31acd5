#!/usr/bin/env bash
# install.sh — installs the npm packages the integration tests run as real nodes (bcoin 1.0.2,
# with leveldown pinned to 5.6.0 through package.json's "overrides") into
# tests/integration/node/node_modules, exactly as package-lock.json records them.
#
# Idempotent: does nothing when node_modules already holds the locked versions. Install
# scripts are not run (--ignore-scripts): bcoin runs with NODE_BACKEND=js (pure JavaScript
# crypto) and in memory, so no native addon has to be compiled. Called by `make node-deps`.
set -euo pipefail
cd "$(dirname "$0")"

want_bcoin=1.0.2
want_leveldown=5.6.0
want_anvil=1.7.1   # @foundry-rs/anvil-linux-amd64 (eth_anvil.sh)
want_ethers=6.17.0 # (eth_anvil.sh)

version_of() {
    local pj="node_modules/$1/package.json"
    [ -f "$pj" ] || return 0
    node -e 'process.stdout.write(String(require(process.argv[1]).version))' "./$pj"
}

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: '$tool' not found; run 'make deps' (Debian packages nodejs npm)" >&2
        exit 1
    fi
done

# Tests that need bcoin call this too and may run in parallel (ctest -j): one npm at a time.
if command -v flock >/dev/null 2>&1; then
    exec 9>"${TMPDIR:-/tmp}/fundtrace-node-install-$(id -u).lock"
    flock 9
fi

if [ "$(version_of bcoin)" = "$want_bcoin" ] && [ "$(version_of leveldown)" = "$want_leveldown" ] &&
   [ "$(version_of @foundry-rs/anvil-linux-amd64)" = "$want_anvil" ] &&
   [ "$(version_of ethers)" = "$want_ethers" ]; then
    exit 0
fi

echo "installing bcoin $want_bcoin into tests/integration/node/node_modules"
if [ -f package-lock.json ]; then
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
else
    npm install --ignore-scripts --no-audit --no-fund --loglevel=error
fi

got_bcoin=$(version_of bcoin)
got_leveldown=$(version_of leveldown)
if [ "$got_bcoin" != "$want_bcoin" ] || [ "$got_leveldown" != "$want_leveldown" ]; then
    echo "error: npm installed bcoin '$got_bcoin' and leveldown '$got_leveldown'," \
         "expected $want_bcoin and $want_leveldown" >&2
    exit 1
fi
if [ "$(version_of @foundry-rs/anvil-linux-amd64)" != "$want_anvil" ] || [ "$(version_of ethers)" != "$want_ethers" ]; then
    echo "error: npm did not install anvil $want_anvil and ethers $want_ethers" >&2
    exit 1
fi
