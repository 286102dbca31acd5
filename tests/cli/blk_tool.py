#!/usr/bin/env python3
"""blk_tool.py — helper of the index_*.sh tests: rearranges, obfuscates and damages Bitcoin
Core blk files (records = magic:4 size:u32le block), and computes reference figures with an
independent (pure Python) parser, so that the C indexer is checked against a second reading.

    records FILE                      print "index offset size hash" per record
    split IN OUTDIR N [SEED]          records into N files blk00000.dat.. (shuffled if SEED)
    xor INDIR OUTDIR KEYHEX           XOR every blk file by file offset, write xor.dat
    flip FILE REC OFF                 flip a byte at offset OFF inside record REC's block
    setsize FILE REC SIZE             overwrite record REC's size field
    setmagic FILE REC HEX             overwrite record REC's magic
    hugecount FILE REC                tx 0 of record REC claims 2^32-1 inputs (size fixed up)
    regtest OUT                       a regtest blk file: genesis + one mined block
    outstats FILE REC TX VOUT         received/sent/balance/tx_count of that output's script
"""
import hashlib
import json
import random
import struct
import sys

MAIN_MAGIC = bytes.fromhex("f9beb4d9")
REGTEST_MAGIC = bytes.fromhex("fabfb5da")
REGTEST_GENESIS = bytes.fromhex(
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd"
    "7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000"
    "0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04"
    "ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
    "72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a010000"
    "00434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4"
    "f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000")


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def read_records(path):
    data = open(path, "rb").read()
    recs, off = [], 0
    while off + 8 <= len(data) and data[off:off + 4] != b"\0\0\0\0":
        size = struct.unpack_from("<I", data, off + 4)[0]
        recs.append((off, data[off:off + 4], data[off + 8:off + 8 + size]))
        off += 8 + size
    return data, recs


def write_records(path, recs):
    with open(path, "wb") as f:
        for magic, block in recs:
            f.write(magic + struct.pack("<I", len(block)) + block)


def compact(b, o):
    t = b[o]
    if t < 0xfd:
        return t, o + 1
    n = {0xfd: 2, 0xfe: 4, 0xff: 8}[t]
    return int.from_bytes(b[o + 1:o + 1 + n], "little"), o + 1 + n


def parse_tx(b, o):
    start = o
    o += 4
    n_in, o = compact(b, o)
    ins = []
    for _ in range(n_in):
        prev, vout = b[o:o + 32], struct.unpack_from("<I", b, o + 32)[0]
        sl, o = compact(b, o + 36)
        o += sl + 4
        ins.append((prev, vout))
    n_out, o = compact(b, o)
    outs = []
    for _ in range(n_out):
        value = struct.unpack_from("<q", b, o)[0]
        sl, o = compact(b, o + 8)
        outs.append((value, b[o:o + sl]))
        o += sl
    o += 4
    return {"txid": sha256d(b[start:o]), "ins": ins, "outs": outs, "start": start}, o


def parse_block(b):
    n, o = compact(b, 80)
    txs = []
    for _ in range(n):
        tx, o = parse_tx(b, o)
        txs.append(tx)
    assert o == len(b), "trailing bytes"
    return txs


def cmd_records(path):
    _, recs = read_records(path)
    for i, (off, _, block) in enumerate(recs):
        print(i, off, len(block), sha256d(block[:80])[::-1].hex())


def cmd_split(src, outdir, n, seed=None):
    _, recs = read_records(src)
    recs = [(m, b) for _, m, b in recs]
    if seed is not None:
        random.Random(int(seed)).shuffle(recs)
    n = int(n)
    per = (len(recs) + n - 1) // n
    for i in range(n):
        write_records("%s/blk%05d.dat" % (outdir, i), recs[i * per:(i + 1) * per])


def cmd_xor(indir, outdir, keyhex):
    import os
    key = bytes.fromhex(keyhex)
    assert len(key) == 8
    for name in sorted(os.listdir(indir)):
        if not (name.startswith("blk") and name.endswith(".dat")):
            continue
        data = open(os.path.join(indir, name), "rb").read()
        out = bytes(c ^ key[i % 8] for i, c in enumerate(data))
        open(os.path.join(outdir, name), "wb").write(out)
    open(os.path.join(outdir, "xor.dat"), "wb").write(key)


def rewrite(path, rec, fn):
    data, recs = read_records(path)
    off, magic, block = recs[int(rec)]
    head, tail = data[:off], data[off + 8 + len(block):]
    magic, size, block = fn(magic, len(block), bytearray(block))
    open(path, "wb").write(head + magic + struct.pack("<I", size) + bytes(block) + tail)
    print(off)


def cmd_flip(path, rec, boff):
    def fn(magic, size, block):
        block[int(boff)] ^= 0x01
        return magic, size, block
    rewrite(path, rec, fn)


def cmd_setsize(path, rec, size):
    rewrite(path, rec, lambda m, s, b: (m, int(size), b))


def cmd_setmagic(path, rec, hexmagic):
    rewrite(path, rec, lambda m, s, b: (bytes.fromhex(hexmagic), s, b))


def cmd_hugecount(path, rec):
    def fn(magic, size, block):
        n_tx, o = compact(block, 80)
        o += 4  # tx 0 version; its input count is one byte in these old blocks
        assert block[o] < 0xfd
        block[o:o + 1] = b"\xfe\xff\xff\xff\xff"
        return magic, len(block), block
    rewrite(path, rec, fn)


def cmd_regtest(out):
    genesis_hash = sha256d(REGTEST_GENESIS[:80])
    # block 1: a coinbase (BIP 34 height push) paying 50 BTC to a P2PKH script
    script_sig = bytes([1, 1, 0])
    spk = bytes.fromhex("76a914") + bytes(range(20)) + bytes.fromhex("88ac")
    tx = (struct.pack("<i", 1) + b"\x01" + b"\0" * 32 + b"\xff" * 4 + bytes([len(script_sig)]) +
          script_sig + b"\xff" * 4 + b"\x01" + struct.pack("<q", 5000000000) +
          bytes([len(spk)]) + spk + b"\0" * 4)
    merkle = sha256d(tx)
    for nonce in range(1 << 20):
        header = (struct.pack("<i", 4) + genesis_hash + merkle +
                  struct.pack("<III", 1296688700, 0x207fffff, nonce))
        h = sha256d(header)
        if h[::-1] < bytes.fromhex("7fffff") + b"\0" * 29:
            break
    block1 = header + b"\x01" + tx
    write_records(out, [(REGTEST_MAGIC, REGTEST_GENESIS), (REGTEST_MAGIC, block1)])
    print(sha256d(tx)[::-1].hex())


def cmd_outstats(path, rec, txi, vout):
    """Reference figures for the script of output (record REC, tx TX, VOUT), over the whole
    file in file order (which is chain order for the test file)."""
    _, recs = read_records(path)
    blocks = [parse_block(b) for _, _, b in recs]
    script = blocks[int(rec)][int(txi)]["outs"][int(vout)][1]
    outputs = {}
    received = sent = 0
    txs = set()
    for txs_of_block in blocks:
        for tx in txs_of_block:
            for prev, pv in tx["ins"]:
                o = outputs.pop((prev, pv), None)
                if o and o[1] == script:
                    sent += o[0]
                    txs.add(tx["txid"])
            for n, (value, spk) in enumerate(tx["outs"]):
                outputs[(tx["txid"], n)] = (value, spk)
                if spk == script:
                    received += value
                    txs.add(tx["txid"])
    fmt = lambda sat: "%d.%08d" % (sat // 100000000, sat % 100000000)
    print(json.dumps({"received": fmt(received), "sent": fmt(sent),
                      "balance": fmt(received - sent), "tx_count": len(txs)}))


if __name__ == "__main__":
    cmds = {"records": cmd_records, "split": cmd_split, "xor": cmd_xor, "flip": cmd_flip,
            "setsize": cmd_setsize, "setmagic": cmd_setmagic, "hugecount": cmd_hugecount,
            "regtest": cmd_regtest, "outstats": cmd_outstats}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
