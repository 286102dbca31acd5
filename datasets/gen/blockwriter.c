/*
 * blockwriter.c — blocks and blk*.dat files for the generator.
 *
 * File framing (Bitcoin Core): magic:4 ‖ size:u32le ‖ block, blocks appended in height order;
 * a new blkNNNNN.dat starts when the next frame would pass 128 MiB. The genesis block of the
 * network is the first frame of blk00000.dat. No undo (rev*.dat) files are written.
 *
 * Block layout: header(80) ‖ n_tx ‖ coinbase ‖ body, where body holds the transactions in the
 * order they were added. The coinbase is built last because it pays subsidy + fees and, when
 * any tx has a witness, commits to the witness merkle root (BIP141):
 *
 *     coinbase scriptSig = BIP34 height (OP_1..OP_16 or a minimal CScriptNum push) ‖ push "ftgen"
 *     outputs = [subsidy + fees → script] [+ OP_RETURN aa21a9ed ‖ SHA256d(wroot ‖ 0^32)]
 *     witness = [0^32] (the reserved value), only with a commitment
 *
 * Invariants: blocks stay under 4,000,000 weight and 80,000 sigop cost (the caller asks
 * ft_gen_blockwriter_fits first; FT_GEN_COINBASE_RESERVE is kept for header and coinbase); the
 * header time is strictly increasing when the caller passes increasing times; the header hash
 * is at most the target 0x7fffff·2^(8·(0x20−3)) — about one nonce in two.
 */
#include "datasets/gen/blockwriter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/hex.h"
#include "engine/reader.h"
#include "engine/banned.h"

static ft_status open_file(ft_gen_blockwriter *bw, ft_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/blk%05d.dat", bw->dir, bw->file_no);
    bw->f = fopen(path, "wb");
    if (!bw->f)
        return ft_err_set(err, FT_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    bw->file_pos = 0;
    return FT_OK;
}

static ft_status write_frame(ft_gen_blockwriter *bw, const uint8_t *block, size_t len, ft_err *err)
{
    uint8_t head[8];
    ft_status st;
    if (bw->file_pos > 0 && bw->file_pos + 8 + len > FT_GEN_BLOCKFILE_MAX) {
        if (fclose(bw->f) != 0) {
            bw->f = NULL;
            return ft_err_set(err, FT_ERR_IO, "cannot close block file %d: %s", bw->file_no,
                              strerror(errno));
        }
        bw->f = NULL;
        bw->file_no++;
        if ((st = open_file(bw, err)) != FT_OK)
            return st;
    }
    memcpy(head, bw->magic, 4);
    ft_put_u32le(head + 4, (uint32_t)len);
    if (fwrite(head, 1, 8, bw->f) != 8 || fwrite(block, 1, len, bw->f) != len)
        return ft_err_set(err, FT_ERR_IO, "cannot write to '%s/blk%05d.dat': %s", bw->dir,
                          bw->file_no, strerror(errno));
    ft_sha256_update(&bw->digest, head, 8);
    ft_sha256_update(&bw->digest, block, len);
    bw->file_pos += 8 + len;
    bw->bytes += 8 + len;
    return FT_OK;
}

ft_status ft_gen_blockwriter_open(ft_gen_blockwriter *bw, const char *dir, const ft_btc_params *net,
                                  uint32_t halving, ft_err *err)
{
    uint8_t *genesis = NULL;
    size_t glen = 0;
    ft_status st;
    struct stat sb;
    char probe[4200];

    memset(bw, 0, sizeof *bw);
    ft_buf_init(&bw->body);
    ft_buf_init(&bw->scratch);
    ft_buf_init(&bw->cb);
    ft_sha256_init(&bw->digest);
    memcpy(bw->magic, net->magic, 4);
    bw->halving = halving;
    if ((size_t)snprintf(bw->dir, sizeof bw->dir, "%s", dir) >= sizeof bw->dir)
        return ft_err_set(err, FT_ERR_ARG, "block directory path too long: '%s'", dir);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return ft_err_set(err, FT_ERR_IO, "cannot create directory '%s': %s", dir, strerror(errno));
    snprintf(probe, sizeof probe, "%s/blk00000.dat", dir);
    if (stat(probe, &sb) == 0)
        return ft_err_set(err, FT_ERR_ARG, "'%s' already exists: choose an empty --out directory",
                          probe);
    st = ft_hex_decode_alloc(&genesis, &glen, net->genesis_hex, strlen(net->genesis_hex));
    if (st != FT_OK)
        return ft_err_set(err, st, "cannot decode the built-in %s genesis block", net->name);
    if ((st = open_file(bw, err)) != FT_OK) {
        free(genesis);
        return st;
    }
    ft_sha256d(bw->tip, genesis, 80);
    st = write_frame(bw, genesis, glen, err);
    free(genesis);
    if (st != FT_OK)
        return st;
    bw->tip_height = 0;
    bw->blocks = 1;
    bw->txs = 1;
    return FT_OK;
}

static ft_status push_id(ft_gen_blockwriter *bw, const uint8_t id[32], const uint8_t wid[32],
                         ft_err *err)
{
    if (bw->n_tx == bw->cap_tx) {
        size_t cap = bw->cap_tx ? bw->cap_tx * 2 : 1024;
        uint8_t(*a)[32] = realloc(bw->ids, cap * 32);
        if (!a)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for block %u txids", bw->height);
        bw->ids = a;
        uint8_t(*b)[32] = realloc(bw->wids, cap * 32);
        if (!b)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for block %u wtxids", bw->height);
        bw->wids = b;
        bw->cap_tx = cap;
    }
    memcpy(bw->ids[bw->n_tx], id, 32);
    memcpy(bw->wids[bw->n_tx], wid, 32);
    bw->n_tx++;
    return FT_OK;
}

void ft_gen_blockwriter_begin(ft_gen_blockwriter *bw, uint32_t time, int32_t version)
{
    static const uint8_t zero[32];
    bw->height = bw->tip_height + 1;
    bw->time = time;
    bw->version = version;
    ft_buf_reset(&bw->body);
    bw->n_tx = 0;
    bw->fees = 0;
    bw->weight = 80 * 4 + 3 * 4 + FT_GEN_COINBASE_RESERVE;
    bw->sigops = 4 * 2; /* the coinbase outputs, counted generously */
    bw->witness = 0;
    /* slot 0 for the coinbase; push_id cannot fail for the first slot once allocated */
    if (push_id(bw, zero, zero, NULL) != FT_OK)
        bw->n_tx = 0;
}

int ft_gen_blockwriter_fits(const ft_gen_blockwriter *bw, size_t weight, uint32_t sigops)
{
    return bw->weight + weight <= FT_GEN_MAX_WEIGHT && bw->sigops + sigops <= FT_GEN_MAX_SIGOPS_COST;
}

uint32_t ft_gen_tx_sigops(const ft_gen_tx *tx)
{
    uint32_t cost = 0;
    for (size_t i = 0; i < tx->n_out; i++)
        if (tx->out[i].script_len == 25 && tx->out[i].script[24] == 0xac)
            cost += 4;
    for (size_t i = 0; i < tx->n_in; i++)
        if (tx->in[i].type == FT_GEN_P2WPKH)
            cost += 1;
    return cost;
}

ft_status ft_gen_blockwriter_add(ft_gen_blockwriter *bw, const ft_gen_tx *tx, uint64_t fee,
                                 ft_err *err)
{
    ft_status st;
    if (bw->n_tx == 0)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for block %u", bw->height);
    ft_gen_tx_serialize(&bw->body, tx, 1);
    if (bw->body.failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for block %u", bw->height);
    if ((st = push_id(bw, tx->txid, tx->wtxid, err)) != FT_OK)
        return st;
    bw->fees += fee;
    bw->weight += ft_gen_tx_weight(tx);
    bw->sigops += ft_gen_tx_sigops(tx);
    if (ft_gen_tx_has_witness(tx))
        bw->witness = 1;
    return FT_OK;
}

uint64_t ft_gen_subsidy(uint32_t height, uint32_t halving)
{
    uint32_t halvings = halving ? height / halving : 0;
    if (halvings >= 64)
        return 0;
    return ((uint64_t)50 * 100000000) >> halvings;
}

/* BIP34: the height as Bitcoin Core's CScript() << height pushes it. */
static void push_height(ft_buf *b, uint32_t height)
{
    if (height >= 1 && height <= 16) {
        ft_buf_u8(b, (uint8_t)(0x50 + height)); /* OP_1 .. OP_16 */
        return;
    }
    uint8_t num[5];
    size_t n = 0;
    uint32_t v = height;
    while (v) {
        num[n++] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
    if (n && (num[n - 1] & 0x80))
        num[n++] = 0x00; /* keep it positive */
    ft_buf_u8(b, (uint8_t)n);
    ft_buf_append(b, num, n);
}

/* 1 if the 32-byte hash (internal order, a little-endian number) <= the target of bits. */
static int meets_target(const uint8_t hash[32], uint32_t bits)
{
    uint8_t target[32]; /* little-endian */
    uint32_t exp = bits >> 24, mant = bits & 0x007fffff;
    memset(target, 0, sizeof target);
    for (int i = 0; i < 3; i++) {
        int pos = (int)exp - 3 + i;
        if (pos >= 0 && pos < 32)
            target[pos] = (uint8_t)(mant >> (8 * i));
    }
    for (int i = 31; i >= 0; i--) {
        if (hash[i] != target[i])
            return hash[i] < target[i];
    }
    return 1;
}

ft_status ft_gen_blockwriter_finish(ft_gen_blockwriter *bw, const uint8_t *script, size_t script_len,
                                    uint8_t cb_txid[32], uint64_t *cb_value, ft_err *err)
{
    static const uint8_t zero[32];
    static const uint8_t tag[5] = {'f', 't', 'g', 'e', 'n'};
    uint8_t commitment[32], wroot[32], root[32], header[80], hash[32];
    int mutated = 0;
    ft_status st;
    uint64_t value = ft_gen_subsidy(bw->height, bw->halving) + bw->fees;
    ft_buf *cb = &bw->cb;

    if (bw->n_tx == 0)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for block %u", bw->height);
    if (bw->witness) {
        uint8_t pre[64];
        /* witness merkle root: the coinbase's wtxid counts as zero (slot 0 already is) */
        st = ft_merkle_root(wroot, &mutated, (const uint8_t(*)[32])bw->wids, bw->n_tx);
        if (st != FT_OK)
            return ft_err_set(err, st, "cannot compute the witness root of block %u", bw->height);
        memcpy(pre, wroot, 32);
        memset(pre + 32, 0, 32); /* the witness reserved value */
        ft_sha256d(commitment, pre, 64);
    }

    /* The coinbase: once without witness for the txid, then as written. */
    for (int pass = 0; pass < 2; pass++) {
        int wit = pass == 1 && bw->witness;
        ft_buf_reset(cb);
        ft_buf_u32le(cb, 2);
        if (wit) {
            ft_buf_u8(cb, 0x00);
            ft_buf_u8(cb, 0x01);
        }
        ft_buf_compact(cb, 1);
        ft_buf_append(cb, zero, 32);
        ft_buf_u32le(cb, 0xffffffffu);
        ft_buf_reset(&bw->scratch);
        push_height(&bw->scratch, bw->height);
        ft_buf_u8(&bw->scratch, sizeof tag);
        ft_buf_append(&bw->scratch, tag, sizeof tag);
        ft_buf_compact(cb, bw->scratch.len);
        ft_buf_append(cb, bw->scratch.data, bw->scratch.len);
        ft_buf_u32le(cb, 0xffffffffu);
        ft_buf_compact(cb, bw->witness ? 2 : 1);
        ft_buf_u64le(cb, value);
        ft_buf_compact(cb, script_len);
        ft_buf_append(cb, script, script_len);
        if (bw->witness) {
            ft_buf_u64le(cb, 0);
            ft_buf_compact(cb, 38);
            ft_buf_u8(cb, 0x6a);
            ft_buf_u8(cb, 0x24);
            ft_buf_u8(cb, 0xaa);
            ft_buf_u8(cb, 0x21);
            ft_buf_u8(cb, 0xa9);
            ft_buf_u8(cb, 0xed);
            ft_buf_append(cb, commitment, 32);
        }
        if (wit) {
            ft_buf_compact(cb, 1);
            ft_buf_compact(cb, 32);
            ft_buf_append(cb, zero, 32);
        }
        ft_buf_u32le(cb, 0);
        if (cb->failed || bw->scratch.failed)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory building coinbase %u", bw->height);
        if (pass == 0)
            ft_sha256d(bw->ids[0], cb->data, cb->len);
    }

    st = ft_merkle_root(root, &mutated, (const uint8_t(*)[32])bw->ids, bw->n_tx);
    if (st != FT_OK)
        return ft_err_set(err, st, "cannot compute the merkle root of block %u", bw->height);
    if (mutated)
        return ft_err_set(err, FT_ERR_STATE, "block %u has duplicate txids", bw->height);

    ft_put_u32le(header, (uint32_t)bw->version);
    memcpy(header + 4, bw->tip, 32);
    memcpy(header + 36, root, 32);
    ft_put_u32le(header + 68, bw->time);
    ft_put_u32le(header + 72, FT_GEN_REGTEST_BITS);
    for (uint32_t nonce = 0;; nonce++) {
        ft_put_u32le(header + 76, nonce);
        ft_sha256d(hash, header, 80);
        if (meets_target(hash, FT_GEN_REGTEST_BITS))
            break;
        if (nonce == UINT32_MAX)
            return ft_err_set(err, FT_ERR_STATE, "no nonce meets the target for block %u",
                              bw->height);
    }

    /* Assemble and write: header ‖ n_tx ‖ coinbase ‖ body. */
    ft_buf_reset(&bw->scratch);
    ft_buf_append(&bw->scratch, header, 80);
    ft_buf_compact(&bw->scratch, bw->n_tx);
    ft_buf_append(&bw->scratch, cb->data, cb->len);
    ft_buf_append(&bw->scratch, bw->body.data, bw->body.len);
    if (bw->scratch.failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory writing block %u", bw->height);
    if ((st = write_frame(bw, bw->scratch.data, bw->scratch.len, err)) != FT_OK)
        return st;

    memcpy(bw->tip, hash, 32);
    bw->tip_height = bw->height;
    bw->blocks++;
    bw->txs += bw->n_tx;
    if (cb_txid)
        memcpy(cb_txid, bw->ids[0], 32);
    if (cb_value)
        *cb_value = value;
    return FT_OK;
}

ft_status ft_gen_blockwriter_close(ft_gen_blockwriter *bw, uint8_t digest[32], ft_err *err)
{
    if (bw->f) {
        int bad = fflush(bw->f) != 0 || ferror(bw->f);
        bad |= fclose(bw->f) != 0;
        bw->f = NULL;
        if (bad)
            return ft_err_set(err, FT_ERR_IO, "cannot write '%s/blk%05d.dat': %s", bw->dir,
                              bw->file_no, strerror(errno));
    }
    if (digest)
        ft_sha256_final(&bw->digest, digest);
    return FT_OK;
}

void ft_gen_blockwriter_release(ft_gen_blockwriter *bw)
{
    if (bw->f)
        fclose(bw->f);
    bw->f = NULL;
    ft_buf_release(&bw->body);
    ft_buf_release(&bw->scratch);
    ft_buf_release(&bw->cb);
    free(bw->ids);
    free(bw->wids);
    bw->ids = bw->wids = NULL;
    bw->n_tx = bw->cap_tx = 0;
}
