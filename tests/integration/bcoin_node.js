#!/usr/bin/env node
// bcoin_node.js — a real Bitcoin full node (bcoin 1.0.2) for the integration tests.
//
// Starts bcoin in regtest, everything in memory (`memory: true`), with the wallet plugin, no
// P2P listening and no peers, its node HTTP/JSON-RPC server and its wallet HTTP/JSON-RPC
// server on 127.0.0.1 at free ports, both behind an API key (HTTP basic auth: any user, the
// key as password). When both servers listen it prints one line of JSON on stdout:
//     {"rpc_port":N,"wallet_port":M,"pid":P}
// and runs until SIGTERM or SIGINT, when it closes the node cleanly and exits 0. It also
// exits when its standard input closes if --exit-on-stdin-close is given, so that a test
// killed without running its traps does not leave a node behind.
//
// Usage: NODE_BACKEND=js node bcoin_node.js [start] --api-key KEY [--rpc-port N]
//            [--wallet-port N] [--log-level error|warning|info|debug] [--exit-on-stdin-close]
// bcoin is loaded from tests/integration/node/node_modules (tests/integration/node/install.sh).
//
// A second mode asks a running node what every address holds, as the node sees it:
//     node bcoin_node.js balances --rpc-port N --api-key KEY
// walks the main chain from block 1 (the genesis output is unspendable: nodes leave it out of
// their UTXO set) through the node's HTTP API (GET /block/:height), and for every
// output that pays an address asks the node's UTXO set whether it is unspent
// (GET /coin/:txid/:n); prints one line "ADDRESS SATOSHI" per address (sorted): the sum of
// its unspent outputs, 0 for an address whose outputs are all spent. The mempool must be
// empty (the node's coin view counts unconfirmed coins too): otherwise it fails.
'use strict';

const net = require('net');
const path = require('path');

process.env.NODE_BACKEND = process.env.NODE_BACKEND || 'js';

function usage(msg) {
  process.stderr.write(`bcoin_node: ${msg}\n`);
  process.exit(129);
}

function parseArgs(argv) {
  const o = { mode: 'start', apiKey: null, rpcPort: 0, walletPort: 0, logLevel: 'error',
              stdinExit: false };
  if (argv.length && !argv[0].startsWith('--')) {
    o.mode = argv.shift();
    if (o.mode !== 'start' && o.mode !== 'balances') usage(`unknown mode '${o.mode}'`);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`option '${a}' needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--api-key': o.apiKey = val(); break;
      case '--rpc-port': o.rpcPort = Number(val()); break;
      case '--wallet-port': o.walletPort = Number(val()); break;
      case '--log-level': o.logLevel = val(); break;
      case '--exit-on-stdin-close': o.stdinExit = true; break;
      default: usage(`unknown option '${a}'`);
    }
  }
  if (!o.apiKey) usage('--api-key is required');
  if (o.mode === 'balances' && !o.rpcPort) usage('balances needs --rpc-port');
  return o;
}

// GET path from the node's HTTP API on 127.0.0.1:port; resolves to the parsed JSON.
function apiGet(port, apiKey, urlPath) {
  const http = require('http');
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, auth: `x:${apiKey}` }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          reject(new Error(`GET ${urlPath}: HTTP ${res.statusCode} ${body.slice(0, 200)}`));
          return;
        }
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(new Error(`GET ${urlPath}: not JSON`));
        }
      });
    });
    req.on('error', reject);
  });
}

async function balances(opts) {
  const get = (p) => apiGet(opts.rpcPort, opts.apiKey, p);
  const info = await get('/');
  const mempool = await get('/mempool');
  if (mempool.length !== 0) throw new Error(`the mempool holds ${mempool.length} txs: mine them first`);
  const tip = info.chain.height;
  const sums = new Map();
  // From block 1: the genesis coinbase is not spendable and nodes leave it out of their UTXO
  // set, while an index (like block explorers) records it as received; not comparable.
  for (let h = 1; h <= tip; h++) {
    const block = await get(`/block/${h}`);
    for (const tx of block.txs) {
      for (let n = 0; n < tx.outputs.length; n++) {
        const out = tx.outputs[n];
        if (!out.address) continue;
        if (!sums.has(out.address)) sums.set(out.address, 0n);
        // The node's UTXO set decides whether the output is still unspent (404: spent).
        // (bcoin 1.0.2's address index misses P2WSH outputs, so /coin/address is not used.)
        let coin = null;
        try {
          coin = await get(`/coin/${tx.hash}/${n}`);
        } catch (e) {
          if (!/HTTP 404/.test(e.message)) throw e;
        }
        if (coin) sums.set(out.address, sums.get(out.address) + BigInt(coin.value));
      }
    }
  }
  const lines = [...sums.keys()].sort().map((a) => `${a} ${sums.get(a)}`);
  process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
}

// A port that is free now on 127.0.0.1 (the kernel picks it).
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.mode === 'balances') {
    await balances(opts);
    return;
  }
  const bcoin = require(path.join(__dirname, 'node', 'node_modules', 'bcoin'));
  // bcoin 1.0.2 gives regtest its own address prefixes (0x3c, 0x26, "rb"); Bitcoin Core's
  // regtest, which fundtrace follows, uses testnet's base58 prefixes and "bcrt". Make bcoin
  // speak Core's before the network object is built, and make regtest the default network so
  // that wallet addresses print as regtest ones.
  Object.assign(bcoin.networks.regtest.addressPrefix,
                { pubkeyhash: 0x6f, scripthash: 0xc4, bech32: 'bcrt' });
  bcoin.set('regtest');
  const rpcPort = opts.rpcPort || await freePort();
  let walletPort = opts.walletPort || await freePort();
  while (walletPort === rpcPort) walletPort = await freePort();

  const node = new bcoin.FullNode({
    network: 'regtest',
    memory: true,
    workers: false,
    listen: false,
    nodes: [],
    seeds: [],
    logLevel: opts.logLevel,
    logConsole: true,
    logFile: false,
    httpHost: '127.0.0.1',
    httpPort: rpcPort,
    apiKey: opts.apiKey,
    walletHttpHost: '127.0.0.1',
    walletHttpPort: walletPort,
    walletApiKey: opts.apiKey,
    indexTx: true,
    indexAddress: true,
  });
  node.use(bcoin.wallet.plugin);

  let closing = false;
  const stop = async (code) => {
    if (closing) return;
    closing = true;
    try {
      await node.close();
    } catch (e) {
      process.stderr.write(`bcoin_node: close failed: ${e.message}\n`);
      code = code || 1;
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  if (opts.stdinExit) {
    process.stdin.on('end', () => stop(0));
    process.stdin.on('close', () => stop(0));
    process.stdin.resume();
  }
  node.on('error', (err) => process.stderr.write(`bcoin_node: ${err.stack || err}\n`));

  await node.open();
  // "Connect" the peer pool although it has nothing to connect to (regtest has no seeds, no
  // --nodes, listen is off): bcoin 1.0.2's chain reset (invalidateblock) makes the pool
  // force a sync, which throws "Pool is not connected!" before the mempool learns the new
  // tip, and mining then fails with "Mempool/chain tip mismatch".
  await node.connect();
  process.stdout.write(JSON.stringify({ rpc_port: rpcPort, wallet_port: walletPort,
                                        pid: process.pid }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`bcoin_node: ${err.stack || err}\n`);
  process.exit(1);
});
