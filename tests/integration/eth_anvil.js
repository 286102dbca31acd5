#!/usr/bin/env node
// eth_anvil.js — the Ethereum scenario for eth_anvil.sh, played on a real node (anvil) with
// ethers, then checked against fundtrace's index.
//
//   node eth_anvil.js play  URL            plays the scenario, prints a JSON manifest
//   node eth_anvil.js fork  URL SNAPSHOT   reverts to the snapshot, mines 3 other blocks
//   node eth_anvil.js check URL DB BIN     every address the index names: its balance in the
//                                          index equals the node's (eth_getBalance(latest),
//                                          the genesis allocation included; balanceOf)
//
// Scenario (every tx is its own block, anvil automines):
//   deploy a token (ERC-20 subset: transfer, balanceOf, symbol "LOOT", decimals 6, Transfer
//   logs, mint logged from 0x0)
//   deploy a pool (accepts deposits; a call with (to, amount) pays out by an internal CALL)
//   theft:     the victim's key signs 50 ETH and 1,000,000 tokens away to the attacker
//   splits:    the attacker sends 12 ETH to each of three split wallets
//   mixer-ish: split 1 deposits 10 ETH into the pool; the pool pays 9.5 ETH to a fresh address
//   failed:    split 2 asks the pool for 1000 ETH (the inner CALL fails, the tx reverts), and
//              the attacker sends more tokens than it holds (reverts): both pay only gas
//   token:     the attacker sends 250,000 tokens to split 3
//   deposit:   split 3 pays 11 ETH to an exchange deposit address, which forwards its whole
//              balance minus gas to the exchange hot wallet
//   then a legacy and an EIP-2930 tx; `fork` later replaces those two blocks (evm_revert to a
//   snapshot) by three others, a reorganisation the indexer must roll back
// The two contracts are assembled here from opcodes (no compiler needed).
'use strict';

const path = require('path');
const { spawnSync } = require('child_process');
const { ethers } = require(path.join(__dirname, 'node', 'node_modules', 'ethers'));

const OPS = {
  STOP: 0x00, ADD: 0x01, SUB: 0x03, LT: 0x10, EQ: 0x14, ISZERO: 0x15, SHR: 0x1c,
  CALLER: 0x33, CALLDATALOAD: 0x35, CALLDATASIZE: 0x36, CODECOPY: 0x39, MSTORE: 0x52,
  SLOAD: 0x54, SSTORE: 0x55, JUMPI: 0x57, GAS: 0x5a, JUMPDEST: 0x5b, DUP1: 0x80, DUP2: 0x81,
  DUP3: 0x82, SWAP1: 0x90, LOG3: 0xa3, CALL: 0xf1, RETURN: 0xf3, REVERT: 0xfd,
};

// asm(['PUSH', hex] | ['PUSHL', label] | ['LABEL', name] | 'OPNAME') -> hex bytecode
function asm(prog) {
  const labels = {};
  let pc = 0;
  const size = (it) => (Array.isArray(it) ? (it[0] === 'LABEL' ? 1 : it[0] === 'PUSHL' ? 2 : 1 + it[1].length / 2) : 1);
  for (const it of prog) {
    if (Array.isArray(it) && it[0] === 'LABEL') labels[it[1]] = pc;
    pc += size(it);
  }
  let out = '';
  for (const it of prog) {
    if (!Array.isArray(it)) {
      if (OPS[it] === undefined) throw new Error(`unknown op ${it}`);
      out += OPS[it].toString(16).padStart(2, '0');
    } else if (it[0] === 'LABEL') {
      out += '5b';
    } else if (it[0] === 'PUSHL') {
      out += '60' + labels[it[1]].toString(16).padStart(2, '0');
    } else {
      const n = it[1].length / 2;
      out += (0x5f + n).toString(16) + it[1];
    }
  }
  if (pc > 255) throw new Error('program too long for PUSH1 labels');
  return out;
}

function deployer(runtime, pre = []) {
  const len = (runtime.length / 2).toString(16).padStart(2, '0');
  // pre ‖ CODECOPY(0, start, len) ‖ RETURN(0, len); start = length of this init code
  const tail = (start) => asm([...pre, ['PUSH', len], ['PUSH', start], ['PUSH', '00'], 'CODECOPY',
    ['PUSH', len], ['PUSH', '00'], 'RETURN']);
  let start = 0;
  for (;;) {
    const code = tail(start.toString(16).padStart(2, '0'));
    if (code.length / 2 === start) return '0x' + code + runtime;
    start = code.length / 2;
  }
}

const TRANSFER = 'ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const SUPPLY = (10n ** 24n).toString(16).padStart(64, '0');

const tokenRuntime = asm([
  ['PUSH', '00'], 'CALLDATALOAD', ['PUSH', 'e0'], 'SHR',
  'DUP1', ['PUSH', '70a08231'], 'EQ', ['PUSHL', 'balanceOf'], 'JUMPI',
  'DUP1', ['PUSH', 'a9059cbb'], 'EQ', ['PUSHL', 'transfer'], 'JUMPI',
  'DUP1', ['PUSH', '95d89b41'], 'EQ', ['PUSHL', 'symbol'], 'JUMPI',
  'DUP1', ['PUSH', '313ce567'], 'EQ', ['PUSHL', 'decimals'], 'JUMPI',
  ['LABEL', 'fail'], ['PUSH', '00'], 'DUP1', 'REVERT',
  // symbol(): ABI string "LOOT" (offset 0x20, length 4, the bytes)
  ['LABEL', 'symbol'], ['PUSH', '20'], ['PUSH', '00'], 'MSTORE', ['PUSH', '04'], ['PUSH', '20'], 'MSTORE',
  ['PUSH', '4c4f4f54' + '00'.repeat(28)], ['PUSH', '40'], 'MSTORE', ['PUSH', '60'], ['PUSH', '00'], 'RETURN',
  // decimals(): 6
  ['LABEL', 'decimals'], ['PUSH', '06'], ['PUSH', '00'], 'MSTORE', ['PUSH', '20'], ['PUSH', '00'], 'RETURN',
  ['LABEL', 'balanceOf'], ['PUSH', '04'], 'CALLDATALOAD', 'SLOAD', ['PUSH', '00'], 'MSTORE',
  ['PUSH', '20'], ['PUSH', '00'], 'RETURN',
  ['LABEL', 'transfer'],
  ['PUSH', '04'], 'CALLDATALOAD', ['PUSH', '24'], 'CALLDATALOAD', 'CALLER', 'SLOAD', // bal amt to
  'DUP2', 'DUP2', 'LT', ['PUSHL', 'fail'], 'JUMPI',
  'DUP2', 'SWAP1', 'SUB', 'CALLER', 'SSTORE',                                       // amt to
  'DUP2', 'SLOAD', 'DUP2', 'ADD', 'DUP3', 'SSTORE',                                 // amt to
  ['PUSH', '00'], 'MSTORE',                                                         // to
  'CALLER', ['PUSH', TRANSFER], ['PUSH', '20'], ['PUSH', '00'], 'LOG3',
  ['PUSH', '01'], ['PUSH', '00'], 'MSTORE', ['PUSH', '20'], ['PUSH', '00'], 'RETURN',
]);
// constructor: balance[caller] = supply, Transfer(0x0 -> caller, supply)
const tokenInit = deployer(tokenRuntime, [
  ['PUSH', SUPPLY], 'DUP1', 'CALLER', 'SSTORE', ['PUSH', '00'], 'MSTORE',
  'CALLER', ['PUSH', '00'], ['PUSH', TRANSFER], ['PUSH', '20'], ['PUSH', '00'], 'LOG3',
]);

const poolRuntime = asm([
  'CALLDATASIZE', 'ISZERO', ['PUSHL', 'stop'], 'JUMPI',
  ['PUSH', '00'], ['PUSH', '00'], ['PUSH', '00'], ['PUSH', '00'],
  ['PUSH', '20'], 'CALLDATALOAD', ['PUSH', '00'], 'CALLDATALOAD', 'GAS', 'CALL',
  'ISZERO', ['PUSHL', 'fail'], 'JUMPI', 'STOP',
  ['LABEL', 'stop'], 'STOP',
  ['LABEL', 'fail'], ['PUSH', '00'], 'DUP1', 'REVERT',
]);
const poolInit = deployer(poolRuntime);

const ERC20 = ['function transfer(address to, uint256 amount) returns (bool)',
  'function balanceOf(address who) view returns (uint256)'];

async function play(url) {
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  const mnemonic = 'test test test test test test test test test test test junk';
  const acct = (i) => ethers.HDNodeWallet.fromPhrase(mnemonic, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
  const victim = acct(1);
  const fresh = () => ethers.Wallet.createRandom().connect(provider);
  const attacker = fresh(), s1 = fresh(), s2 = fresh(), s3 = fresh(), payee = fresh(), deposit = fresh();
  const hot = acct(2);
  const wait = async (p) => (await p).wait();
  const m = { txs: {} };

  const tokenRc = await wait(victim.sendTransaction({ data: tokenInit }));
  const poolRc = await wait(acct(3).sendTransaction({ data: poolInit }));
  const token = new ethers.Contract(tokenRc.contractAddress, ERC20, victim);
  m.token = tokenRc.contractAddress;
  m.pool = poolRc.contractAddress;

  m.txs.theft = (await wait(victim.sendTransaction({ to: attacker.address, value: ethers.parseEther('50') }))).hash;
  m.txs.token_theft = (await wait(token.transfer(attacker.address, 10n ** 6n * 10n ** 18n))).hash;
  for (const s of [s1, s2, s3]) await wait(attacker.sendTransaction({ to: s.address, value: ethers.parseEther('12') }));
  m.txs.pool_deposit = (await wait(s1.sendTransaction({ to: m.pool, value: ethers.parseEther('10') }))).hash;
  const coder = ethers.AbiCoder.defaultAbiCoder();
  m.txs.pool_payout = (await wait(acct(3).sendTransaction({ to: m.pool, gasLimit: 100000,
    data: coder.encode(['address', 'uint256'], [payee.address, ethers.parseEther('9.5')]) }))).hash;
  // failed: the pool holds 0.5 ETH; asking for 1000 reverts (gas limit given: no estimate)
  const failTx = await s2.sendTransaction({ to: m.pool, gasLimit: 100000,
    data: coder.encode(['address', 'uint256'], [s2.address, ethers.parseEther('1000')]) });
  const failRc = await provider.waitForTransaction(failTx.hash);
  if (failRc.status !== 0) throw new Error('the failing pool call succeeded');
  m.txs.failed = failTx.hash;
  const tokA = token.connect(attacker);
  const failTok = await tokA.transfer(s3.address, 10n ** 30n, { gasLimit: 100000 });
  const failTokRc = await provider.waitForTransaction(failTok.hash);
  if (failTokRc.status !== 0) throw new Error('the oversized token transfer succeeded');
  m.txs.failed_token = failTok.hash;
  m.txs.token = (await wait(tokA.transfer(s3.address, 250000n * 10n ** 18n))).hash;
  m.txs.to_deposit = (await wait(s3.sendTransaction({ to: deposit.address, value: ethers.parseEther('11') }))).hash;
  const fee = await provider.getFeeData();
  const gasPrice = fee.maxFeePerGas;
  const bal = await provider.getBalance(deposit.address);
  m.txs.forward = (await wait(deposit.sendTransaction({ to: hot.address, value: bal - 21000n * gasPrice,
    gasLimit: 21000, maxFeePerGas: gasPrice, maxPriorityFeePerGas: fee.maxPriorityFeePerGas }))).hash;
  // a legacy (type 0) and an EIP-2930 (type 1) tx too, for --verify; the node state before
  // them is kept (evm_snapshot) so that `fork` can replace them by other blocks: a reorg
  m.snapshot = await provider.send('evm_snapshot', []);
  m.fork_height = await provider.getBlockNumber();
  await wait(hot.sendTransaction({ to: s1.address, value: 1n, type: 0, gasPrice }));
  await wait(hot.sendTransaction({ to: s1.address, value: 2n, type: 1, gasPrice, accessList: [] }));
  Object.assign(m, { victim: victim.address, attacker: attacker.address, splits: [s1.address, s2.address, s3.address],
    payee: payee.address, deposit: deposit.address, hot: hot.address, tip: await provider.getBlockNumber() });
  process.stdout.write(JSON.stringify(m) + '\n');
}

function toWei(text, dec = 18) { // "-1.5" with dec decimals -> BigInt base units
  const neg = text.startsWith('-');
  const t = neg ? text.slice(1) : text;
  const [i, f = ''] = t.split('.');
  if (f.length !== dec) throw new Error(`'${text}' does not have ${dec} decimals`);
  const v = BigInt(i) * 10n ** BigInt(dec) + BigInt(f || '0');
  return neg ? -v : v;
}

async function check(url, db, bin) {
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
  const run = (args) => {
    const r = spawnSync(bin, ['--db', db, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`fundtrace ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
  const rows = run(['export', 'eth-transfers', '--chain', 'dev']).trim().split('\n').slice(1).map((l) => l.split(','));
  const addrs = new Set(), tokenHolders = new Map();
  for (const r of rows) {
    for (const a of [r[5], r[6]]) if (a) addrs.add(a);
    if (r[3] === 'token') for (const a of [r[5], r[6]]) if (a) {
      if (!tokenHolders.has(r[7])) tokenHolders.set(r[7], new Set());
      tokenHolders.get(r[7]).add(a);
    }
  }
  let checked = 0, tokens = 0, funded = 0;
  const bad = [];
  for (const a of addrs) {
    const j = JSON.parse(run(['--json', 'address', a, '--chain', 'dev']));
    const node = await provider.getBalance(a, 'latest'); // genesis allocations are in the index
    if (toWei(j.balance) !== node) bad.push(`${a}: index ${j.balance} ETH, node ${ethers.formatEther(node)}`);
    if ((await provider.getBalance(a, 0)) > 0n) funded++;
    for (const t of j.tokens) {
      if (a === ethers.ZeroAddress) continue; // the mint source: balanceOf(0) is not a balance
      const c = new ethers.Contract(t.asset, ERC20, provider);
      const nb = await c.balanceOf(a);
      if (t.decimals === null || toWei(t.balance, t.decimals) !== nb) bad.push(`${a}: index ${t.balance} of ${t.asset} (decimals ${t.decimals}), node ${nb}`);
      tokens++;
    }
    checked++;
  }
  for (const [tok, holders] of tokenHolders) for (const h of holders) {
    if (h === ethers.ZeroAddress) continue;
    const j = JSON.parse(run(['--json', 'address', h, '--chain', 'dev']));
    if (!j.tokens.some((t) => t.asset.toLowerCase() === tok)) bad.push(`${h}: no ${tok} balance in the index`);
  }
  // every account anvil funded at genesis is in the index (its genesis row) and was checked
  const accounts = await provider.send('eth_accounts', []);
  for (const a of accounts) if (!addrs.has(a.toLowerCase()) && (await provider.getBalance(a, 0)) > 0n) bad.push(`${a}: funded at genesis, not in the index`);
  process.stdout.write(JSON.stringify({ addresses: checked, token_balances: tokens, genesis_funded: funded, mismatches: bad }) + '\n');
  if (bad.length) process.exit(1);
}

// Reverts the node to the snapshot and mines three other blocks at the same heights and above.
async function fork(url, snapshot) {
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  if (!(await provider.send('evm_revert', [snapshot]))) throw new Error('evm_revert failed');
  const mnemonic = 'test test test test test test test test test test test junk';
  const w = ethers.HDNodeWallet.fromPhrase(mnemonic, undefined, "m/44'/60'/0'/0/4").connect(provider);
  const to = ethers.Wallet.createRandom().address;
  for (let i = 1; i <= 3; i++) await (await w.sendTransaction({ to, value: ethers.parseEther(String(i)) })).wait();
  process.stdout.write(JSON.stringify({ tip: await provider.getBlockNumber(), to }) + '\n');
}

const [mode, ...args] = process.argv.slice(2);
(mode === 'play' ? play(args[0]) : mode === 'check' ? check(...args) : mode === 'fork' ? fork(...args)
  : Promise.reject(new Error('usage: play URL | check URL DB BIN | fork URL SNAPSHOT')))
  .catch((e) => { process.stderr.write(`eth_anvil.js: ${e.stack || e}\n`); process.exit(1); });
