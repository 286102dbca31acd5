#!/usr/bin/env node
// make.js — plays tests/integration/eth_anvil.js's scenario deterministically, for make.sh.
//
//   node make.js URL     (anvil at URL, started by make.sh with --timestamp)
//
// eth_anvil.js creates its fresh wallets (attacker, splits, payee, deposit address) with
// ethers.Wallet.createRandom; here that function is replaced, before the scenario is loaded,
// by keys derived from the well-known anvil test mnemonic at m/44'/60'/0'/0/100, /101, …
// (accounts anvil does not fund), and every block gets timestamp = previous + 12 s
// (anvil_setBlockTimestampInterval). Signatures are deterministic (RFC 6979), so two runs
// give byte-identical chains. The scenario prints its JSON manifest on stdout.
'use strict';

const path = require('path');
const scenario = path.join(__dirname, '..', '..', '..', 'tests', 'integration', 'eth_anvil.js');
const { ethers } = require(path.join(__dirname, '..', '..', '..', 'tests', 'integration', 'node', 'node_modules', 'ethers'));

const url = process.argv[2];
const mnemonic = 'test test test test test test test test test test test junk';
let next = 100;
ethers.Wallet.createRandom = function createRandom(provider) {
  const w = ethers.HDNodeWallet.fromPhrase(mnemonic, undefined, `m/44'/60'/0'/0/${next++}`);
  return provider ? w.connect(provider) : w;
};

(async () => {
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
  await provider.send('anvil_setBlockTimestampInterval', [12]);
  process.argv = [process.argv[0], scenario, 'play', url];
  require(scenario);
})().catch((e) => { process.stderr.write(`make.js: ${e.stack || e}\n`); process.exit(1); });
