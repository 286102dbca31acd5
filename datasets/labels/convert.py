#!/usr/bin/env python3
"""convert.py — builds the project's label files (the labels CSV of ARCHITECTURE.md section 6:
chain,address,entity,category,source) from ../shared/data. See README.md beside this file.

    python3 datasets/labels/convert.py [SHARED_DATA_DIR] [OUT_DIR]

Every address is validated before it is written (Bitcoin: base58check with a mainnet version
byte, or bech32/bech32m with hrp bc; Ethereum: 0x and 40 hex digits, written lower case).
Rows that fail are not fixed by guessing: they go to rejected.csv with the reason. Output is
deterministic (input order, duplicates dropped), so re-running gives identical files.
"""
import csv
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', '..', 'shared', 'data')
OUT = sys.argv[2] if len(sys.argv) > 2 else HERE

B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
BECH = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'


def base58check_ok(s):
    n = 0
    for c in s:
        i = B58.find(c)
        if i < 0:
            return False
        n = n * 58 + i
    raw = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    raw = b'\0' * (len(s) - len(s.lstrip('1'))) + raw
    if len(raw) != 25:
        return False
    body, check = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] != check:
        return False
    return body[0] in (0x00, 0x05)  # mainnet P2PKH, P2SH


def bech32_polymod(values):
    gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1ffffff) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def segwit_ok(s):
    if s.lower() != s and s.upper() != s:
        return False  # mixed case is invalid in bech32
    s = s.lower()
    pos = s.rfind('1')
    hrp, data = s[:pos], s[pos + 1:]
    if hrp != 'bc' or len(data) < 7 or any(c not in BECH for c in data):
        return False
    d = [BECH.find(c) for c in data]
    const = bech32_polymod([ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + d)
    ver = d[0]
    if not ((ver == 0 and const == 1) or (ver > 0 and const == 0x2bc830a3)):
        return False
    acc, bits, prog = 0, 0, []
    for v in d[1:-6]:
        acc = (acc << 5) | v
        bits += 5
        while bits >= 8:
            bits -= 8
            prog.append((acc >> bits) & 0xff)
    if bits >= 5 or (acc & ((1 << bits) - 1)):
        return False
    if ver == 0:
        return len(prog) in (20, 32)
    return 2 <= len(prog) <= 40 and ver <= 16


def btc_address(a):
    """Returns (canonical address, None) or (None, reason)."""
    a = a.strip()
    if a.lower().startswith('bc1'):
        return (a.lower(), None) if segwit_ok(a) else (None, 'invalid bech32 address')
    if a.startswith('T'):
        return None, 'a Tron address, not Bitcoin'
    if base58check_ok(a):
        return a, None
    if a == a.lower() and any(c.isalpha() for c in a):
        return None, 'lower-cased base58 address (case cannot be restored)'
    return None, 'malformed address (bad base58check)'


def eth_address(a):
    a = a.strip()
    if len(a) == 42 and a[:2] in ('0x', '0X') and all(c in '0123456789abcdefABCDEF' for c in a[2:]):
        return '0x' + a[2:].lower(), None
    return None, 'malformed Ethereum address'


CATEGORY = {
    'exchange': 'exchange', 'otc': 'otc', 'payment': 'payment', 'mixer': 'mixer',
    'mixing_service': 'mixer', 'coinjoin': 'mixer', 'bridge': 'bridge', 'defi': 'defi',
    'hack': 'hack', 'sanctioned': 'sanctioned',
}  # everything else (miner, market, gambling, wallet_service, black_list, …) -> other


def clip(s, n=255):
    b = s.encode('utf-8')
    return s if len(b) <= n else b[:n].decode('utf-8', 'ignore')


class Writer:
    def __init__(self, name):
        self.path = os.path.join(OUT, name)
        self.f = open(self.path, 'w', newline='')
        self.w = csv.writer(self.f, lineterminator='\n')
        self.w.writerow(['chain', 'address', 'entity', 'category', 'source'])
        self.seen = set()
        self.n = 0

    def row(self, chain, addr, entity, cat, source):
        key = (chain, addr, entity, source)
        if key in self.seen or not entity.strip():
            return
        self.seen.add(key)
        self.w.writerow([chain, addr, clip(entity), cat, clip(source)])
        self.n += 1

    def close(self):
        self.f.close()
        print('%s: %d labels' % (os.path.relpath(self.path), self.n))


rej = open(os.path.join(OUT, 'rejected.csv'), 'w', newline='')
rejw = csv.writer(rej, lineterminator='\n')
rejw.writerow(['file', 'line', 'address', 'reason'])


def reject(fname, line, addr, reason):
    rejw.writerow([fname, line, addr, reason])


def convert_tagged(src, out, chain, check):
    w = Writer(out)
    with open(os.path.join(SHARED, src), newline='') as f:
        for i, r in enumerate(csv.DictReader(f), start=2):
            addr, why = check(r['address'])
            if why:
                reject(src, i, r['address'], why)
                continue
            cat = CATEGORY.get(r['category'].strip(), 'other')
            source = '%s (%s)' % (r['dataset'], r['category'])
            w.row(chain, addr, r['label'], cat, source)
    w.close()


convert_tagged('labels_btc.csv', 'labels_btc.csv', 'bitcoin', btc_address)
convert_tagged('labels_eth.csv', 'labels_eth.csv', 'ethereum', eth_address)

w = Writer('tornado_cash_pools.csv')
with open(os.path.join(SHARED, 'tornado_cash_pools.csv'), newline='') as f:
    for i, r in enumerate(csv.DictReader(f), start=2):
        addr, why = eth_address(r['address'])
        if why:
            reject('tornado_cash_pools.csv', i, r['address'], why)
            continue
        ofac = ', OFAC 2022-08-08' if r['in_ofac_2022_08_08_designation'] == 'yes' else ''
        w.row('ethereum', addr, r['label'], 'mixer', r['label_source'] + ofac)
w.close()

w = Writer('ofac_sdn.csv')
for asset, chain, check in (('XBT', 'bitcoin', btc_address), ('ETH', 'ethereum', eth_address)):
    src = 'sanctions_ofac/sanctioned_addresses_%s.txt' % asset
    with open(os.path.join(SHARED, src)) as f:
        for i, line in enumerate(f, start=1):
            a = line.strip()
            if not a:
                continue
            addr, why = check(a)
            if why:
                reject(src, i, a, why)
                continue
            w.row(chain, addr, 'OFAC SDN list', 'sanctioned', 'OFAC SDN %s list (2024-09-27)' % asset)
w.close()
rej.close()
print('rejected rows: %s' % os.path.relpath(os.path.join(OUT, 'rejected.csv')))
