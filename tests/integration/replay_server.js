#!/usr/bin/env node
// replay_server.js — a bitcoind JSON-RPC stand-in that answers from recorded responses.
//
// It serves the bitcoin-etl fixtures (real node replies, file names as in
// shared/data/peer_tests/README.md) on 127.0.0.1 so that the RPC adapter is tested end to
// end without a node:
//
//   rpc_response_getblockhash_<height>.json              -> getblockhash height
//   rpc_response_getblock_<hash>_<verbosity>.json        -> getblock hash verbosity
//   rpc_response_getrawtransaction_<txid>.json           -> getrawtransaction txid ...
//
// What the fixtures lack is synthesised:
//   getblockchaininfo  {chain: --chain (default "main"), blocks: highest known height, ...}
//   getblockcount      the highest height with a getblockhash fixture (or --tip N)
//   getblock h 0       the raw block rebuilt from the verbosity-2 reply: the 80-byte header
//                      (version, previousblockhash, merkleroot, time, bits, nonce) followed by
//                      the CompactSize tx count and every tx's raw `hex`; the header's double
//                      SHA-256 is checked against the block hash before it is served
//   getblock h 1       the verbosity-2 reply with txids in place of the tx objects
// Unknown methods get HTTP 404 with error -32601 and unknown blocks HTTP 500 with error -5 /
// -8, as bitcoind does.
//
// Usage: node replay_server.js --dir DIR [--dir DIR ...] [--port N] [--chain NAME] [--tip N]
//            [--user U --password P | --cookie FILE] [--fault MODE] [--fault-method M]
//            [--fault-after N] [--extend N] [--reorg-at H [--reorg-after-height S]] [--log]
// Prints the port on stdout once listening; runs until SIGTERM/SIGINT.
//
// Fault injection (--fault, applies to every method or only --fault-method M, and only after
// the first --fault-after N matching requests):
//   timeout   never answers              http500   HTTP 500, empty body
//   badjson   HTTP 200, truncated body   rpcerror  HTTP 500 with a JSON-RPC error object
//   flaky500  the first 2 matching requests get HTTP 500 (empty body), later ones are served
// Scripted chains: --extend N adds synthetic coinbase-only blocks (each coinbase tagged with
// its height, so every txid differs) after the fixtures up to height N. --reorg-at H builds a
// second branch that shares the blocks below H and is one block longer; it is served from the
// start, or from the moment getblock has served the first branch's block at height S
// (--reorg-after-height S): a node reorganising while a client indexes it. Blocks of both
// branches stay available by hash, as on a real node.
// --user/--password or --cookie (writes "__cookie__:<random>" to FILE) require HTTP basic auth
// (401 otherwise), like bitcoind.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');

function usage(msg) {
  process.stderr.write(`replay_server: ${msg}\n`);
  process.exit(129);
}

function parseArgs(argv) {
  const o = { dirs: [], port: 0, chain: 'main', tip: null, user: null, password: null,
              cookie: null, fault: null, faultMethod: null, faultAfter: 0, log: false,
              extend: null, reorgAt: null, reorgAfterHeight: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`option '${a}' needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--dir': o.dirs.push(val()); break;
      case '--port': o.port = Number(val()); break;
      case '--chain': o.chain = val(); break;
      case '--tip': o.tip = Number(val()); break;
      case '--user': o.user = val(); break;
      case '--password': o.password = val(); break;
      case '--cookie': o.cookie = val(); break;
      case '--fault': o.fault = val(); break;
      case '--fault-method': o.faultMethod = val(); break;
      case '--fault-after': o.faultAfter = Number(val()); break;
      case '--log': o.log = true; break;
      case '--extend': o.extend = Number(val()); break;
      case '--reorg-at': o.reorgAt = Number(val()); break;
      case '--reorg-after-height': o.reorgAfterHeight = Number(val()); break;
      default: usage(`unknown option '${a}'`);
    }
  }
  if (o.dirs.length === 0) usage('at least one --dir is needed');
  const faults = ['timeout', 'http500', 'badjson', 'rpcerror', 'flaky500'];
  if (o.fault && !faults.includes(o.fault)) usage(`unknown fault '${o.fault}'`);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) usage('bad --port');
  return o;
}

// ---- fixtures ----------------------------------------------------------------------------

function loadFixtures(dirs) {
  const fx = { hashByHeight: new Map(), blocks: new Map(), rawtx: new Map() };
  for (const dir of dirs) {
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      let m;
      if ((m = /^rpc_response_getblockhash_(\d+)\.json$/.exec(name))) {
        fx.hashByHeight.set(Number(m[1]), JSON.parse(fs.readFileSync(file, 'utf8')));
      } else if ((m = /^rpc_response_getblock_([0-9a-f]{64})_(2|True)\.json$/.exec(name))) {
        const b = JSON.parse(fs.readFileSync(file, 'utf8'));
        if (b.hash !== m[1]) throw new Error(`${file}: hash field differs from the file name`);
        fx.blocks.set(m[1], b);
      } else if ((m = /^rpc_response_getrawtransaction_([0-9a-f]{64})\.json$/.exec(name))) {
        fx.rawtx.set(m[1], JSON.parse(fs.readFileSync(file, 'utf8')));
      }
    }
  }
  return fx;
}

function compactSize(n) {
  if (n < 0xfd) return Buffer.from([n]);
  if (n <= 0xffff) { const b = Buffer.alloc(3); b[0] = 0xfd; b.writeUInt16LE(n, 1); return b; }
  const b = Buffer.alloc(5); b[0] = 0xfe; b.writeUInt32LE(n, 1); return b;
}

function reversedHex(hex) {
  return Buffer.from(hex, 'hex').reverse();
}

function sha256d(buf) {
  const once = crypto.createHash('sha256').update(buf).digest();
  return crypto.createHash('sha256').update(once).digest();
}

// Rebuilds the serialised block from a verbosity-2 reply.
function rawBlock(b) {
  const h = Buffer.alloc(80);
  const version = b.versionHex !== undefined ? parseInt(b.versionHex, 16) : b.version >>> 0;
  h.writeUInt32LE(version >>> 0, 0);
  if (b.previousblockhash) reversedHex(b.previousblockhash).copy(h, 4);
  reversedHex(b.merkleroot).copy(h, 36);
  h.writeUInt32LE(b.time >>> 0, 68);
  h.writeUInt32LE(parseInt(b.bits, 16) >>> 0, 72);
  h.writeUInt32LE(b.nonce >>> 0, 76);
  const got = Buffer.from(sha256d(h)).reverse().toString('hex');
  if (got !== b.hash) throw new Error(`rebuilt header of ${b.hash} hashes to ${got}`);
  const parts = [h, compactSize(b.tx.length)];
  for (const tx of b.tx) {
    if (typeof tx.hex !== 'string') throw new Error(`block ${b.hash}: a tx has no raw hex`);
    parts.push(Buffer.from(tx.hex, 'hex'));
  }
  return Buffer.concat(parts).toString('hex');
}

// ---- JSON-RPC ----------------------------------------------------------------------------

class RpcError extends Error {
  constructor(code, message, httpStatus) {
    super(message);
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

// A coinbase-only block paying 50 BTC to a P2PKH script, its coinbase tagged with the height
// and `tag` so that every synthetic block (and txid) differs. Not mined: the RPC adapter
// trusts the node's proof of work, and the parser checks only the structure and merkle root.
function synthBlock(height, prevHash, prevTime, tag) {
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
  const sig = Buffer.concat([Buffer.from([4]), u32(height), Buffer.from([1, tag])]);
  const pkh = crypto.createHash('sha256').update(Buffer.from([tag])).digest().subarray(0, 20);
  const value = Buffer.alloc(8);
  value.writeBigUInt64LE(5000000000n);
  const tx = Buffer.concat([
    u32(1), Buffer.from([1]), Buffer.alloc(32), Buffer.from([0xff, 0xff, 0xff, 0xff]),
    compactSize(sig.length), sig, Buffer.from([0xff, 0xff, 0xff, 0xff]),
    Buffer.from([1]), value, Buffer.from([0x19, 0x76, 0xa9, 0x14]), pkh, Buffer.from([0x88, 0xac]),
    u32(0)]);
  const header = Buffer.concat([u32(1), reversedHex(prevHash), sha256d(tx), u32(prevTime + 600),
                                u32(0x1d00ffff), u32(tag)]);
  const hash = Buffer.from(sha256d(header)).reverse().toString('hex');
  return { hash, height, time: prevTime + 600, prev: prevHash,
           raw: Buffer.concat([header, Buffer.from([1]), tx]).toString('hex'), verbose: null };
}

// The chains the server plays: A (the fixtures, extended to --extend N with synthetic blocks)
// and, with --reorg-at H, B: A below H, then synthetic blocks from H to A's tip + 1 (so B is
// longer). B is served from the start, or once A's block at --reorg-after-height S has been
// served by getblock (a reorganisation while a client indexes).
function makeChains(fx, opts) {
  const a = new Map();
  const byHash = new Map();
  for (const [h, hash] of fx.hashByHeight) {
    const b = fx.blocks.get(hash);
    if (!b) continue;
    a.set(h, { hash, height: h, time: b.time, prev: b.previousblockhash || null, raw: null, verbose: b });
  }
  let tipA = a.size ? Math.max(...a.keys()) : -1;
  if (opts.extend !== null) {
    if (tipA < 0) usage('--extend needs fixture blocks to extend');
    for (let h = tipA + 1; h <= opts.extend; h++) {
      const prev = a.get(h - 1);
      a.set(h, synthBlock(h, prev.hash, prev.time, 0x41));
    }
    tipA = Math.max(tipA, opts.extend);
  }
  for (const e of a.values()) byHash.set(e.hash, e);
  let b = null;
  if (opts.reorgAt !== null) {
    if (!a.has(opts.reorgAt - 1)) usage('--reorg-at H needs the block at H-1');
    b = new Map([...a].filter(([h]) => h < opts.reorgAt));
    for (let h = opts.reorgAt; h <= tipA + 1; h++) {
      const prev = b.get(h - 1);
      b.set(h, synthBlock(h, prev.hash, prev.time, 0x42));
      byHash.set(b.get(h).hash, b.get(h));
    }
  }
  const chains = { a, b, byHash, active: b && opts.reorgAfterHeight === null ? b : a };
  chains.tip = () => (opts.tip !== null ? opts.tip
                      : chains.active.size ? Math.max(...chains.active.keys()) : -1);
  return chains;
}

function makeHandlers(fx, opts) {
  const chains = makeChains(fx, opts);
  const entryFor = (hash) => {
    if (typeof hash !== 'string' || !chains.byHash.has(hash)) throw new RpcError(-5, 'Block not found', 500);
    return chains.byHash.get(hash);
  };
  const hashAt = (h) => (chains.active.has(h) ? chains.active.get(h).hash : null);
  return {
    getblockchaininfo: () => ({ chain: opts.chain, blocks: chains.tip(), headers: chains.tip(),
                                bestblockhash: hashAt(chains.tip()),
                                initialblockdownload: false, pruned: false }),
    getblockcount: () => chains.tip(),
    getblockhash: (params) => {
      const h = params[0];
      if (!Number.isInteger(h) || h < 0 || h > chains.tip() || !chains.active.has(h))
        throw new RpcError(-8, 'Block height out of range', 500);
      return hashAt(h);
    },
    getbestblockhash: () => hashAt(chains.tip()),
    getblock: (params) => {
      const e = entryFor(params[0]);
      let v = params.length > 1 ? params[1] : 1;
      if (v === true) v = 1;
      if (v === false) v = 0;
      if (chains.b && chains.active === chains.a && e.height === opts.reorgAfterHeight &&
          chains.a.get(e.height) === e) {
        process.stderr.write(`replay_server: switching to the other branch at ${opts.reorgAt}\n`);
        chains.active = chains.b;
      }
      if (v === 0) {
        if (e.raw === null) e.raw = rawBlock(e.verbose);
        return e.raw;
      }
      if (!e.verbose) throw new RpcError(-8, 'replay server: synthetic blocks have verbosity 0 only', 500);
      if (v === 1) return { ...e.verbose, tx: e.verbose.tx.map((t) => t.txid) };
      if (v === 2) return e.verbose;
      throw new RpcError(-8, 'Verbosity must be in range 0..2', 500);
    },
    getrawtransaction: (params) => {
      if (!fx.rawtx.has(params[0]))
        throw new RpcError(-5, 'No such mempool or blockchain transaction', 500);
      const t = fx.rawtx.get(params[0]);
      return params[1] ? t : t.hex;
    },
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const fx = loadFixtures(opts.dirs);
  const handlers = makeHandlers(fx, opts);
  let auth = null;
  if (opts.cookie) {
    const pw = crypto.randomBytes(16).toString('hex');
    fs.writeFileSync(opts.cookie, `__cookie__:${pw}`, { mode: 0o600 });
    auth = 'Basic ' + Buffer.from(`__cookie__:${pw}`).toString('base64');
  } else if (opts.user !== null || opts.password !== null) {
    auth = 'Basic ' + Buffer.from(`${opts.user || ''}:${opts.password || ''}`).toString('base64');
  }

  let faultSeen = 0; // matching requests seen so far (for --fault-after and flaky500)
  let served = 0;
  const log = (msg) => { if (opts.log) process.stderr.write(`replay_server: ${msg}\n`); };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      served++;
      const send = (status, body) => {
        log(`#${served} -> HTTP ${status}`);
        res.writeHead(status, { 'Content-Type': 'application/json',
                                'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (auth && req.headers.authorization !== auth) {
        log(`#${served} unauthorised`);
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="jsonrpc"', 'Content-Length': 0 });
        res.end();
        return;
      }
      if (req.method !== 'POST') return send(405, '');
      let call;
      try {
        call = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return send(500, JSON.stringify({ result: null, id: null,
                                          error: { code: -32700, message: 'Parse error' } }));
      }
      const id = call.id === undefined ? null : call.id;
      const method = call.method;
      const params = Array.isArray(call.params) ? call.params : [];
      log(`#${served} ${method} ${JSON.stringify(params)}`);

      if (opts.fault && (!opts.faultMethod || opts.faultMethod === method)) {
        faultSeen++;
        if (faultSeen > opts.faultAfter) {
          const n = faultSeen - opts.faultAfter; // 1 for the first faulty request
          switch (opts.fault) {
            case 'timeout':
              log(`#${served} fault: not answering`);
              return; // keep the socket open, never answer
            case 'http500':
              return send(500, '');
            case 'badjson': {
              const full = JSON.stringify({ result: 'x'.repeat(64), error: null, id });
              return send(200, full.slice(0, Math.floor(full.length / 2)));
            }
            case 'rpcerror':
              return send(500, JSON.stringify({ result: null, id,
                error: { code: -1, message: 'replay server: injected rpc error' } }));
            case 'flaky500':
              if (n <= 2) return send(500, '');
              break;
          }
        }
      }

      const fn = Object.prototype.hasOwnProperty.call(handlers, method) ? handlers[method] : null;
      if (!fn) {
        return send(404, JSON.stringify({ result: null, id,
                                          error: { code: -32601, message: 'Method not found' } }));
      }
      try {
        send(200, JSON.stringify({ result: fn(params), error: null, id }));
      } catch (e) {
        if (e instanceof RpcError) {
          send(e.httpStatus, JSON.stringify({ result: null, id,
                                              error: { code: e.code, message: e.message } }));
        } else {
          process.stderr.write(`replay_server: ${e.stack}\n`);
          send(500, JSON.stringify({ result: null, id, error: { code: -1, message: String(e) } }));
        }
      }
    });
  });
  server.keepAliveTimeout = 60000;
  server.on('clientError', (err, socket) => socket.destroy());
  server.listen(opts.port, '127.0.0.1', () => {
    process.stdout.write(`${server.address().port}\n`);
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
