#!/usr/bin/env node
// eth_replay_server.js — an Ethereum JSON-RPC stand-in answering from recorded node responses.
//
// It serves the ethereum-etl fixtures (shared/data/peer_tests/ethereum-etl, real node replies
// named web3_response.<method>_<params joined by _>.json, params lower-cased, an object
// param as its key_value pairs sorted by key; see peer_tests/README.md) on 127.0.0.1, so the
// Ethereum RPC adapter is tested end to end without a node. No dependencies.
//
// What the fixtures lack is synthesised, nothing else:
//   eth_chainId              --chain-id (default 1: the fixtures are Ethereum mainnet)
//   eth_blockNumber          the highest eth_getBlockByNumber fixture (or --tip N)
//   eth_getBlockByNumber h false   the recorded (h, true) reply with tx hashes for objects
// A method with no fixture at all answers JSON-RPC error -32601 ("method not found", as geth
// does for trace_block); a known method with unrecorded params answers null for the getters
// (block or receipt unknown, as nodes do) and error -32000 otherwise. Batches are answered as
// batches. Request ids are echoed.
//
// Usage: node eth_replay_server.js --dir DIR [--dir DIR ...] [--port N] [--chain-id N] [--tip N]
//            [--fault MODE] [--fault-method M] [--fault-count N] [--reorg-block N]
//            [--delay-ms N] [--synth N] [--log]
// Prints the port on stdout once listening; runs until SIGTERM/SIGINT.
//
// Faults (every POST, or only POSTs holding a request for --fault-method M):
//   timeout   never answers              http500   HTTP 500, empty body, always
//   429       the first --fault-count (default 2) matching POSTs get HTTP 429, later served
//   flaky500  the same with HTTP 503
//   badjson   HTTP 200 with a truncated JSON body
//   rpcerror  the matching request gets JSON-RPC error -32000 "replay: injected failure"
// --reorg-block N serves block N with another hash (0xdead… ) — a fork the node later drops
// when restarted without the flag.
// --synth N (benchmarks only, never the comparison tests): N more blocks above the highest
// recorded one, each a copy of it with its number, hashes and parent link rewritten (tx and
// block hashes are SHA-256 of a counter: not valid Ethereum hashes) and its receipts copied the
// same way, so that throughput can be measured over thousands of blocks without a node.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');

function usage(msg) {
  process.stderr.write(`eth_replay_server: ${msg}\n`);
  process.exit(129);
}

function parseArgs(argv) {
  const o = { dirs: [], port: 0, chainId: 1, tip: null, fault: null, faultMethod: null,
              faultCount: 2, reorgBlock: null, delayMs: 0, log: false, synth: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`option '${a}' needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--dir': o.dirs.push(val()); break;
      case '--port': o.port = Number(val()); break;
      case '--chain-id': o.chainId = Number(val()); break;
      case '--tip': o.tip = Number(val()); break;
      case '--fault': o.fault = val(); break;
      case '--fault-method': o.faultMethod = val(); break;
      case '--fault-count': o.faultCount = Number(val()); break;
      case '--reorg-block': o.reorgBlock = Number(val()); break;
      case '--delay-ms': o.delayMs = Number(val()); break;
      case '--synth': o.synth = Number(val()); break;
      case '--log': o.log = true; break;
      default: usage(`unknown option '${a}'`);
    }
  }
  if (o.dirs.length === 0) usage('at least one --dir is needed');
  const faults = ['timeout', 'http500', '429', 'flaky500', 'badjson', 'rpcerror'];
  if (o.fault && !faults.includes(o.fault)) usage(`unknown fault '${o.fault}'`);
  return o;
}

const opts = parseArgs(process.argv.slice(2));

// ---- fixtures ----------------------------------------------------------------------------

const responses = new Map(); // key -> result
// methods every node has: unrecorded answers are null (unknown block/tx), not "no method"
const methods = new Set(['eth_getBlockByNumber', 'eth_getTransactionReceipt',
                         'eth_getTransactionByHash', 'eth_getRawTransactionByHash']);
let maxBlock = -1;
for (const dir of opts.dirs) {
  for (const name of fs.readdirSync(dir)) {
    const m = /^web3_response\.(.+)\.json$/.exec(name);
    if (!m) continue;
    const body = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    if (!('result' in body)) throw new Error(`${name}: no result`);
    responses.set(m[1], body.result);
    const method = m[1].split('_').slice(0, 2).join('_');
    methods.add(method);
    const b = /^eth_getBlockByNumber_(0x[0-9a-f]+)_true$/.exec(m[1]);
    if (b) maxBlock = Math.max(maxBlock, parseInt(b[1], 16));
  }
}

if (opts.synth > 0) {
  const crypto = require('crypto');
  const H = (s) => '0x' + crypto.createHash('sha256').update(s).digest('hex');
  const hx = (n) => '0x' + n.toString(16);
  const base = responses.get(`eth_getBlockByNumber_${hx(maxBlock)}_true`);
  let parent = base.hash;
  for (let h = maxBlock + 1; h <= maxBlock + opts.synth; h++) {
    const b = Object.assign({}, base, { number: hx(h), hash: H(`block ${h}`), parentHash: parent });
    b.transactions = base.transactions.map((t, i) => {
      const c = Object.assign({}, t, { hash: H(`tx ${h} ${i}`), blockHash: b.hash, blockNumber: b.number });
      const r = responses.get(`eth_getTransactionReceipt_${t.hash}`);
      if (r) {
        const rc = Object.assign({}, r, { transactionHash: c.hash, blockHash: b.hash, blockNumber: b.number });
        rc.logs = (r.logs || []).map((l) => Object.assign({}, l, { transactionHash: c.hash, blockHash: b.hash, blockNumber: b.number }));
        responses.set(`eth_getTransactionReceipt_${c.hash}`, rc);
      }
      return c;
    });
    responses.set(`eth_getBlockByNumber_${hx(h)}_true`, b);
    parent = b.hash;
  }
  maxBlock += opts.synth;
}

function paramKey(p) {
  if (p !== null && typeof p === 'object' && !Array.isArray(p)) {
    return Object.keys(p).sort().map((k) => `${k}_${String(p[k]).toLowerCase()}`).join('_');
  }
  return String(p).toLowerCase();
}

function fixtureKey(method, params) {
  return [method].concat((params || []).map(paramKey)).join('_');
}

function rpcError(id, code, message) {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

function reorged(block) {
  if (opts.reorgBlock === null || block === null || typeof block !== 'object') return block;
  if (parseInt(block.number, 16) !== opts.reorgBlock) return block;
  const copy = Object.assign({}, block);
  copy.hash = '0x' + 'dead'.repeat(16);
  return copy;
}

function answer(req) {
  const id = req && req.id !== undefined ? req.id : null;
  if (!req || typeof req.method !== 'string') return rpcError(id, -32600, 'invalid request');
  const { method } = req;
  const params = Array.isArray(req.params) ? req.params : [];
  if (opts.fault === 'rpcerror' && (!opts.faultMethod || opts.faultMethod === method)) {
    return rpcError(id, -32000, 'replay: injected failure');
  }
  if (method === 'eth_chainId') return { jsonrpc: '2.0', id, result: '0x' + opts.chainId.toString(16) };
  if (method === 'eth_blockNumber') {
    const tip = opts.tip !== null ? opts.tip : maxBlock;
    return { jsonrpc: '2.0', id, result: '0x' + Math.max(tip, 0).toString(16) };
  }
  if (method === 'eth_getBlockByNumber' && params.length === 2 && params[1] === false) {
    const full = responses.get(fixtureKey(method, [params[0], true]));
    if (full) {
      const b = Object.assign({}, full);
      b.transactions = (b.transactions || []).map((t) => (typeof t === 'string' ? t : t.hash));
      return { jsonrpc: '2.0', id, result: reorged(b) };
    }
  }
  const key = fixtureKey(method, params);
  if (responses.has(key)) {
    let result = responses.get(key);
    if (method === 'eth_getBlockByNumber') result = reorged(result);
    return { jsonrpc: '2.0', id, result };
  }
  if (!methods.has(method)) {
    return rpcError(id, -32601, `the method ${method} does not exist/is not available`);
  }
  if (/^eth_get/.test(method)) return { jsonrpc: '2.0', id, result: null };
  return rpcError(id, -32000, `replay: no recorded answer for ${key}`);
}

// ---- server ------------------------------------------------------------------------------

let faultHits = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(rpcError(null, -32700, 'parse error')));
      return;
    }
    const reqs = Array.isArray(body) ? body : [body];
    const names = reqs.map((r) => (r && r.method) || '?');
    if (opts.log) process.stderr.write(`replay: ${names.join(',')}\n`);
    const matches = !opts.faultMethod || names.includes(opts.faultMethod);
    if (opts.fault && matches && opts.fault !== 'rpcerror') {
      if (opts.fault === 'timeout') return; // never answer
      if (opts.fault === 'http500') {
        res.writeHead(500);
        res.end();
        return;
      }
      if ((opts.fault === '429' || opts.fault === 'flaky500') && faultHits < opts.faultCount) {
        faultHits++;
        res.writeHead(opts.fault === '429' ? 429 : 503, { 'Retry-After': '0' });
        res.end();
        return;
      }
      if (opts.fault === 'badjson') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"jsonrpc":"2.0","id":0,"result":{"number":"0x');
        return;
      }
    }
    const out = Array.isArray(body) ? reqs.map(answer) : answer(body);
    const send = () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(out));
    };
    if (opts.delayMs > 0) setTimeout(send, opts.delayMs);
    else send();
  });
});
server.keepAliveTimeout = 60000;
server.listen(opts.port, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
