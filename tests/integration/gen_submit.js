#!/usr/bin/env node
// gen_submit.js — submits every block of a generated chain to a running node, in order.
//
// Reads DIR/blk00000.dat, blk00001.dat, … (Bitcoin Core framing: 4-byte magic, 4-byte
// little-endian size, block), skips the first block (the genesis, which the node has) and calls
// the node's JSON-RPC `submitblock` with each block's hex on 127.0.0.1:PORT (HTTP basic auth,
// the API key as password). Every call must return null (accepted); the first other answer
// stops the run with exit 1 and prints the height and the node's reason. At the end it asks
// `getblockcount` and `getbestblockhash` and prints one JSON line:
//     {"submitted":N,"height":H,"hash":"…"}
//
// Usage: node gen_submit.js --blocks DIR --rpc-port N --api-key KEY
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');

function usage(msg) {
  process.stderr.write(`gen_submit: ${msg}\n`);
  process.exit(129);
}

const o = { blocks: null, port: 0, key: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const val = () => (i + 1 < argv.length ? argv[++i] : usage(`option '${argv[i]}' needs a value`));
  switch (argv[i]) {
    case '--blocks': o.blocks = val(); break;
    case '--rpc-port': o.port = Number(val()); break;
    case '--api-key': o.key = val(); break;
    default: usage(`unknown option '${argv[i]}'`);
  }
}
if (!o.blocks || !o.port || !o.key) usage('--blocks, --rpc-port and --api-key are required');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function rpc(method, params) {
  const body = JSON.stringify({ jsonrpc: '1.0', id: 1, method, params });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: o.port, method: 'POST', path: '/', agent,
                               auth: `x:${o.key}`,
                               headers: { 'Content-Type': 'application/json',
                                          'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let j;
        try { j = JSON.parse(text); } catch (e) { reject(new Error(`${method}: not JSON: ${text.slice(0, 200)}`)); return; }
        if (j.error) { reject(new Error(`${method}: ${JSON.stringify(j.error)}`)); return; }
        resolve(j.result);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function* frames() {
  for (let n = 0; ; n++) {
    const file = path.join(o.blocks, `blk${String(n).padStart(5, '0')}.dat`);
    if (!fs.existsSync(file)) return;
    const buf = fs.readFileSync(file);
    let off = 0;
    while (off + 8 <= buf.length) {
      const size = buf.readUInt32LE(off + 4);
      if (size === 0) break; // Core pre-allocates files with zeros
      if (off + 8 + size > buf.length) throw new Error(`${file}: truncated block at offset ${off}`);
      yield buf.subarray(off + 8, off + 8 + size);
      off += 8 + size;
    }
  }
}

(async () => {
  let height = 0, submitted = 0;
  for (const block of frames()) {
    if (height++ === 0) continue; // genesis
    const res = await rpc('submitblock', [block.toString('hex')]);
    if (res !== null) {
      process.stderr.write(`gen_submit: block at height ${height - 1} rejected: ${JSON.stringify(res)}\n`);
      process.exit(1);
    }
    submitted++;
  }
  const count = await rpc('getblockcount', []);
  const hash = await rpc('getbestblockhash', []);
  process.stdout.write(JSON.stringify({ submitted, height: count, hash }) + '\n');
  agent.destroy();
})().catch((e) => {
  process.stderr.write(`gen_submit: ${e.message}\n`);
  process.exit(1);
});
