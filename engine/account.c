/*
 * account.c — the account-model ledger: staging, committing and rolling back EVM blocks, and
 * reading them back (see account.h; the grammar is docs/store-format.md, "Account chains").
 *
 *     0x10 chain                         checkpoint: chain id, first/tip height, tip hash, totals
 *     0x11 chain height                  block header
 *     0x12 chain hash                    -> height
 *     0x13 chain height index            tx with its receipt fields and its row range
 *     0x14 chain hash                    -> height, index
 *     0x15 chain height seq              row (transfer, fee, trace, reward)
 *     0x16 chain contract                token: symbol and decimals (kept across rollbacks)
 *     0x18 chain address height seq dir  history: a copy of what balances need
 *
 * Addresses are kept as their 20 bytes (no dense ids: the graph numbers them when it loads),
 * so a rollback never has to restore id counters. Every staged block goes into one
 * ft_store_batch together with the new checkpoint at commit. Invariants: staged blocks
 * extend the committed tip one by one; the checkpoint's totals equal the number of tx and
 * row records; every row naming an address has that address's history row(s).
 */
#include "engine/account.h"

#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/reader.h"

#include "engine/banned.h"

#define VERSION 1

struct ft_account {
    ft_store *st;
    uint8_t chain;
    ft_account_chainrec rec;    /* staged view */
    ft_account_chainrec committed;
    ft_store_batch *batch;
    ft_buf key, val;
};

/* ---- codecs ---------------------------------------------------------------------------- */

static size_t key_chain(uint8_t *k, uint8_t chain)
{
    k[0] = FT_KEY_ACCT_CHAIN;
    k[1] = chain;
    return 2;
}

static size_t key_block(uint8_t *k, uint8_t chain, uint32_t h)
{
    k[0] = FT_KEY_ACCT_BLOCK;
    k[1] = chain;
    ft_put_u32be(k + 2, h);
    return 6;
}

static size_t key_hash(uint8_t *k, uint8_t type, uint8_t chain, const uint8_t hash[32])
{
    k[0] = type;
    k[1] = chain;
    memcpy(k + 2, hash, 32);
    return 34;
}

static size_t key_tx(uint8_t *k, uint8_t chain, uint32_t h, uint32_t i)
{
    k[0] = FT_KEY_ACCT_TX;
    k[1] = chain;
    ft_put_u32be(k + 2, h);
    ft_put_u32be(k + 6, i);
    return 10;
}

static size_t key_xfer(uint8_t *k, uint8_t chain, uint32_t h, uint32_t seq)
{
    k[0] = FT_KEY_ACCT_XFER;
    k[1] = chain;
    ft_put_u32be(k + 2, h);
    ft_put_u32be(k + 6, seq);
    return 10;
}

static size_t key_hist(uint8_t *k, uint8_t chain, const uint8_t addr[20], uint32_t h,
                       uint32_t seq, uint8_t dir)
{
    k[0] = FT_KEY_ACCT_HIST;
    k[1] = chain;
    memcpy(k + 2, addr, 20);
    ft_put_u32be(k + 22, h);
    ft_put_u32be(k + 26, seq);
    k[30] = dir;
    return 31;
}

static void put_u256(ft_buf *b, const ft_u256 *v)
{
    uint8_t be[32];
    size_t n = ft_u256_to_be_min(be, v);
    ft_buf_u8(b, (uint8_t)n);
    ft_buf_append(b, be, n);
}

static int get_u256(ft_reader *r, ft_u256 *v)
{
    uint8_t n;
    if (!ft_reader_u8(r, &n) || n > 32)
        return 0;
    const uint8_t *p = ft_reader_ptr(r, n);
    if (!p && n)
        return 0;
    if (n && p[0] == 0)
        return 0;
    return ft_u256_from_be(v, p, n);
}

static int get_compact32(ft_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!ft_reader_compact(r, UINT32_MAX, &v))
        return 0;
    *out = (uint32_t)v;
    return 1;
}

static void enc_chainrec(ft_buf *b, const ft_account_chainrec *c)
{
    ft_buf_u8(b, VERSION);
    ft_buf_compact(b, c->chain_id);
    ft_buf_u8(b, c->has_tip ? 1 : 0);
    ft_buf_u32be(b, c->first_height);
    ft_buf_u32be(b, c->tip_height);
    ft_buf_append(b, c->tip_hash, 32);
    ft_buf_compact(b, c->n_tx);
    ft_buf_compact(b, c->n_xfer);
}

static int dec_chainrec(ft_account_chainrec *c, const uint8_t *v, size_t n)
{
    memset(c, 0, sizeof *c);
    ft_reader r;
    ft_reader_init(&r, v, n);
    uint8_t ver, flags = 0; /* read below only if the reads before it succeeded */
    int ok = ft_reader_u8(&r, &ver) && ver == VERSION && ft_reader_compact(&r, UINT64_MAX, &c->chain_id) &&
             ft_reader_u8(&r, &flags) && flags <= 1 && ft_reader_u32be(&r, &c->first_height) &&
             ft_reader_u32be(&r, &c->tip_height) && ft_reader_copy(&r, c->tip_hash, 32) &&
             ft_reader_compact(&r, UINT64_MAX, &c->n_tx) &&
             ft_reader_compact(&r, UINT64_MAX, &c->n_xfer) && r.left == 0;
    c->has_tip = flags & 1;
    return ok;
}

static void enc_block(ft_buf *b, const ft_account_block *k)
{
    ft_buf_u8(b, VERSION);
    ft_buf_append(b, k->hash, 32);
    ft_buf_append(b, k->parent, 32);
    ft_buf_compact(b, (uint64_t)(k->time < 0 ? 0 : k->time));
    ft_buf_append(b, k->miner, 20);
    ft_buf_compact(b, k->gas_used);
    ft_buf_compact(b, k->gas_limit);
    ft_buf_u8(b, (uint8_t)((k->has_base_fee ? 1 : 0) | (k->has_traces ? 2 : 0)));
    if (k->has_base_fee)
        put_u256(b, &k->base_fee);
    ft_buf_compact(b, k->n_tx);
    ft_buf_compact(b, k->n_xfer);
}

static int dec_block(ft_account_block *k, uint32_t height, const uint8_t *v, size_t n)
{
    memset(k, 0, sizeof *k);
    k->height = height;
    ft_reader r;
    ft_reader_init(&r, v, n);
    uint8_t ver, flags;
    uint64_t t;
    if (!(ft_reader_u8(&r, &ver) && ver == VERSION && ft_reader_copy(&r, k->hash, 32) &&
          ft_reader_copy(&r, k->parent, 32) && ft_reader_compact(&r, INT64_MAX, &t) &&
          ft_reader_copy(&r, k->miner, 20) && ft_reader_compact(&r, UINT64_MAX, &k->gas_used) &&
          ft_reader_compact(&r, UINT64_MAX, &k->gas_limit) && ft_reader_u8(&r, &flags) &&
          flags <= 3))
        return 0;
    k->time = (int64_t)t;
    k->has_base_fee = flags & 1;
    k->has_traces = (flags >> 1) & 1;
    if (k->has_base_fee && !get_u256(&r, &k->base_fee))
        return 0;
    return get_compact32(&r, &k->n_tx) && get_compact32(&r, &k->n_xfer) && r.left == 0;
}

static void enc_tx(ft_buf *b, const ft_account_tx *t)
{
    ft_buf_u8(b, VERSION);
    ft_buf_append(b, t->hash, 32);
    ft_buf_append(b, t->from, 20);
    ft_buf_u8(b, (uint8_t)((t->has_to ? 1 : 0) | (t->has_contract ? 2 : 0) |
                           (t->has_max_fee ? 4 : 0) | ((t->status & 3) << 4)));
    if (t->has_to)
        ft_buf_append(b, t->to, 20);
    if (t->has_contract)
        ft_buf_append(b, t->contract, 20);
    ft_buf_u8(b, t->type);
    ft_buf_compact(b, t->nonce);
    ft_buf_compact(b, t->gas);
    ft_buf_compact(b, t->gas_used);
    ft_buf_compact(b, t->cumulative_gas_used);
    put_u256(b, &t->value);
    put_u256(b, &t->gas_price);
    put_u256(b, &t->effective_gas_price);
    if (t->has_max_fee) {
        put_u256(b, &t->max_fee);
        put_u256(b, &t->max_priority_fee);
    }
    ft_buf_compact(b, t->first_xfer);
    ft_buf_compact(b, t->n_xfer);
}

static int dec_tx(ft_account_tx *t, uint32_t index, const uint8_t *v, size_t n)
{
    memset(t, 0, sizeof *t);
    t->index = index;
    ft_reader r;
    ft_reader_init(&r, v, n);
    uint8_t ver, flags;
    if (!(ft_reader_u8(&r, &ver) && ver == VERSION && ft_reader_copy(&r, t->hash, 32) &&
          ft_reader_copy(&r, t->from, 20) && ft_reader_u8(&r, &flags) && (flags & 0xc8) == 0))
        return 0;
    t->has_to = flags & 1;
    t->has_contract = (flags >> 1) & 1;
    t->has_max_fee = (flags >> 2) & 1;
    t->status = (flags >> 4) & 3;
    if (t->status > FT_TX_STATUS_UNKNOWN)
        return 0;
    if (t->has_to && !ft_reader_copy(&r, t->to, 20))
        return 0;
    if (t->has_contract && !ft_reader_copy(&r, t->contract, 20))
        return 0;
    if (!(ft_reader_u8(&r, &t->type) && ft_reader_compact(&r, UINT64_MAX, &t->nonce) &&
          ft_reader_compact(&r, UINT64_MAX, &t->gas) &&
          ft_reader_compact(&r, UINT64_MAX, &t->gas_used) &&
          ft_reader_compact(&r, UINT64_MAX, &t->cumulative_gas_used) &&
          get_u256(&r, &t->value) && get_u256(&r, &t->gas_price) &&
          get_u256(&r, &t->effective_gas_price)))
        return 0;
    if (t->has_max_fee && !(get_u256(&r, &t->max_fee) && get_u256(&r, &t->max_priority_fee)))
        return 0;
    return get_compact32(&r, &t->first_xfer) && get_compact32(&r, &t->n_xfer) && r.left == 0;
}

static void enc_xfer(ft_buf *b, const ft_account_xfer *x)
{
    ft_buf_u8(b, VERSION);
    ft_buf_compact(b, x->tx_index == FT_ACCOUNT_NO_TX ? 0 : (uint64_t)x->tx_index + 1);
    ft_buf_u8(b, x->kind);
    ft_buf_u8(b, x->sub);
    ft_buf_u8(b, (uint8_t)((x->flags & FT_XFER_FLAGS_MASK) | (x->has_from ? 0x08 : 0) | (x->has_to ? 0x10 : 0) |
                           (x->has_asset ? 0x20 : 0)));
    if (x->has_from)
        ft_buf_append(b, x->from, 20);
    if (x->has_to)
        ft_buf_append(b, x->to, 20);
    if (x->has_asset)
        ft_buf_append(b, x->asset, 20);
    put_u256(b, &x->amount);
    ft_buf_compact(b, x->log_index);
    ft_buf_compact(b, x->subtraces);
    ft_buf_compact(b, x->depth);
    for (uint32_t i = 0; i < x->depth; i++)
        ft_buf_compact(b, x->trace_addr[i]);
}

/* Decodes a row; x->trace_addr is malloc()ed when depth > 0. */
static int dec_xfer(ft_account_xfer *x, const uint8_t *v, size_t n)
{
    memset(x, 0, sizeof *x);
    ft_reader r;
    ft_reader_init(&r, v, n);
    uint8_t ver, flags;
    uint64_t txi;
    if (!(ft_reader_u8(&r, &ver) && ver == VERSION &&
          ft_reader_compact(&r, (uint64_t)UINT32_MAX, &txi) && ft_reader_u8(&r, &x->kind) &&
          x->kind <= FT_XFER_REWARD && ft_reader_u8(&r, &x->sub) && x->sub < FT_XSUB_COUNT &&
          ft_reader_u8(&r, &flags) && (flags & 0x80) == 0))
        return 0;
    x->tx_index = txi == 0 ? FT_ACCOUNT_NO_TX : (uint32_t)(txi - 1);
    x->flags = flags & FT_XFER_FLAGS_MASK;
    x->has_from = (flags >> 3) & 1;
    x->has_to = (flags >> 4) & 1;
    x->has_asset = (flags >> 5) & 1;
    if ((x->has_from && !ft_reader_copy(&r, x->from, 20)) ||
        (x->has_to && !ft_reader_copy(&r, x->to, 20)) ||
        (x->has_asset && !ft_reader_copy(&r, x->asset, 20)))
        return 0;
    uint32_t depth;
    if (!(get_u256(&r, &x->amount) && get_compact32(&r, &x->log_index) &&
          get_compact32(&r, &x->subtraces) && get_compact32(&r, &depth)))
        return 0;
    if (depth > FT_ACCOUNT_MAX_DEPTH || depth > r.left)
        return 0;
    if (depth) {
        x->trace_addr = malloc(depth * sizeof *x->trace_addr);
        if (!x->trace_addr)
            return 0;
        for (uint32_t i = 0; i < depth; i++)
            if (!get_compact32(&r, &x->trace_addr[i])) {
                free(x->trace_addr);
                x->trace_addr = NULL;
                return 0;
            }
    }
    x->depth = depth;
    if (r.left != 0) {
        free(x->trace_addr);
        x->trace_addr = NULL;
        return 0;
    }
    return 1;
}

/* History value: what an address summary needs without reading the row. */
static void enc_hist(ft_buf *b, const ft_account_xfer *x)
{
    ft_buf_u8(b, VERSION);
    ft_buf_compact(b, x->tx_index == FT_ACCOUNT_NO_TX ? 0 : (uint64_t)x->tx_index + 1);
    ft_buf_u8(b, x->kind);
    ft_buf_u8(b, (uint8_t)((x->flags & FT_XFER_FLAGS_MASK) | (x->has_asset ? 0x20 : 0)));
    if (x->has_asset)
        ft_buf_append(b, x->asset, 20);
    put_u256(b, &x->amount);
}

/* ---- write side ---------------------------------------------------------------------------- */

static ft_status corrupt(ft_err *err, ft_store *st, const char *what)
{
    return ft_err_set(err, FT_ERR_CORRUPT, "corrupt %s in index '%s'", what, ft_store_path(st));
}

ft_status ft_account_chain_get(ft_store *st, uint8_t chain, ft_account_chainrec *rec, ft_err *err)
{
    memset(rec, 0, sizeof *rec);
    uint8_t k[2];
    uint8_t *v = NULL;
    size_t vn = 0;
    ft_status s = ft_store_get(st, k, key_chain(k, chain), &v, &vn, err);
    if (s == FT_ERR_NOTFOUND)
        return ft_err_set(err, FT_ERR_NOTFOUND, "index '%s' holds no blocks of this chain",
                          ft_store_path(st));
    if (s != FT_OK)
        return s;
    int ok = dec_chainrec(rec, v, vn);
    free(v);
    return ok ? FT_OK : corrupt(err, st, "account chain record");
}

ft_status ft_account_open(ft_account **out, ft_store *st, uint8_t chain, uint64_t chain_id,
                          ft_err *err)
{
    *out = NULL;
    ft_account_chainrec rec;
    ft_err e2;
    ft_err_clear(&e2);
    ft_status s = ft_account_chain_get(st, chain, &rec, &e2);
    if (s == FT_ERR_NOTFOUND) {
        memset(&rec, 0, sizeof rec);
        rec.chain_id = chain_id;
    } else if (s != FT_OK) {
        if (err)
            *err = e2;
        return s;
    } else if (rec.chain_id != chain_id) {
        return ft_err_set(err, FT_ERR_STATE,
                          "index '%s' holds chain id %llu under this chain, not %llu",
                          ft_store_path(st), (unsigned long long)rec.chain_id,
                          (unsigned long long)chain_id);
    }
    ft_account *ac = calloc(1, sizeof *ac);
    if (!ac)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    ac->batch = ft_store_batch_new();
    if (!ac->batch) {
        free(ac);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    ac->st = st;
    ac->chain = chain;
    ac->rec = rec;
    ac->committed = rec;
    ft_buf_init(&ac->key);
    ft_buf_init(&ac->val);
    *out = ac;
    return FT_OK;
}

void ft_account_close(ft_account *ac)
{
    if (!ac)
        return;
    ft_store_batch_free(ac->batch);
    ft_buf_release(&ac->key);
    ft_buf_release(&ac->val);
    free(ac);
}

void ft_account_tip(const ft_account *ac, ft_account_chainrec *rec)
{
    *rec = ac->rec;
}

size_t ft_account_staged_bytes(const ft_account *ac)
{
    return ft_store_batch_size(ac->batch);
}

static void hexs(char out[65], const uint8_t h[32])
{
    ft_hex_encode(out, h, 32);
}

ft_status ft_account_append(ft_account *ac, const ft_account_block *b, ft_err *err)
{
    char h1[65], h2[65];
    if (ac->rec.has_tip) {
        if (b->height != ac->rec.tip_height + 1)
            return ft_err_set(err, FT_ERR_STATE, "block %u does not follow the index tip %u",
                              b->height, ac->rec.tip_height);
        if (memcmp(b->parent, ac->rec.tip_hash, 32) != 0) {
            hexs(h1, b->parent);
            hexs(h2, ac->rec.tip_hash);
            return ft_err_set(err, FT_ERR_STATE,
                              "block %u has parent 0x%s but the index holds 0x%s at height %u",
                              b->height, h1, h2, ac->rec.tip_height);
        }
    }
    if (b->height == UINT32_MAX)
        return ft_err_set(err, FT_ERR_LIMIT, "block height %u out of range", b->height);
    /* rows grouped by tx in order, block-level rows last */
    uint32_t *first = calloc((size_t)b->n_tx + 1, sizeof *first);
    uint32_t *count = calloc((size_t)b->n_tx + 1, sizeof *count);
    if (!first || !count) {
        free(first);
        free(count);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    uint64_t last = 0;
    for (uint32_t i = 0; i < b->n_xfer; i++) {
        const ft_account_xfer *x = &b->xfers[i];
        uint64_t t = x->tx_index == FT_ACCOUNT_NO_TX ? (uint64_t)b->n_tx : x->tx_index;
        if (t > b->n_tx || t < last || (x->depth && !x->trace_addr) ||
            x->depth > FT_ACCOUNT_MAX_DEPTH) {
            free(first);
            free(count);
            return ft_err_set(err, FT_ERR_PARSE,
                              "block %u: transfer %u is out of transaction order", b->height, i);
        }
        if (count[t] == 0)
            first[t] = i;
        count[t]++;
        last = t;
    }
    uint8_t k[40];
    ft_buf *v = &ac->val;
    ft_buf_reset(v);
    enc_block(v, b);
    ft_store_batch_put(ac->batch, k, key_block(k, ac->chain, b->height), v->data, v->len);
    ft_buf_reset(v);
    ft_buf_u8(v, VERSION);
    ft_buf_u32be(v, b->height);
    ft_store_batch_put(ac->batch, k, key_hash(k, FT_KEY_ACCT_BLOCKHASH, ac->chain, b->hash),
                       v->data, v->len);
    for (uint32_t i = 0; i < b->n_tx; i++) {
        ft_account_tx t = b->txs[i];
        t.index = i;
        t.first_xfer = count[i] ? first[i] : 0;
        t.n_xfer = count[i];
        ft_buf_reset(v);
        enc_tx(v, &t);
        ft_store_batch_put(ac->batch, k, key_tx(k, ac->chain, b->height, i), v->data, v->len);
        ft_buf_reset(v);
        ft_buf_u8(v, VERSION);
        ft_buf_u32be(v, b->height);
        ft_buf_u32be(v, i);
        ft_store_batch_put(ac->batch, k, key_hash(k, FT_KEY_ACCT_TXHASH, ac->chain, t.hash),
                           v->data, v->len);
    }
    free(first);
    free(count);
    for (uint32_t i = 0; i < b->n_xfer; i++) {
        const ft_account_xfer *x = &b->xfers[i];
        ft_buf_reset(v);
        enc_xfer(v, x);
        ft_store_batch_put(ac->batch, k, key_xfer(k, ac->chain, b->height, i), v->data, v->len);
        ft_buf_reset(v);
        enc_hist(v, x);
        if (x->has_from)
            ft_store_batch_put(ac->batch, k, key_hist(k, ac->chain, x->from, b->height, i, 1),
                               v->data, v->len);
        if (x->has_to)
            ft_store_batch_put(ac->batch, k, key_hist(k, ac->chain, x->to, b->height, i, 0),
                               v->data, v->len);
    }
    if (v->failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory staging block %u", b->height);
    if (!ac->rec.has_tip)
        ac->rec.first_height = b->height;
    ac->rec.has_tip = 1;
    ac->rec.tip_height = b->height;
    memcpy(ac->rec.tip_hash, b->hash, 32);
    ac->rec.n_tx += b->n_tx;
    ac->rec.n_xfer += b->n_xfer;
    return FT_OK;
}

static ft_status put_checkpoint_and_commit(ft_account *ac, ft_err *err)
{
    uint8_t k[2];
    ft_buf_reset(&ac->val);
    enc_chainrec(&ac->val, &ac->rec);
    if (ac->val.failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    ft_store_batch_put(ac->batch, k, key_chain(k, ac->chain), ac->val.data, ac->val.len);
    ft_status s = ft_store_batch_commit(ac->st, ac->batch, 1, err);
    ft_store_batch_clear(ac->batch);
    if (s != FT_OK) {
        ac->rec = ac->committed;
        return s;
    }
    ac->committed = ac->rec;
    return FT_OK;
}

ft_status ft_account_commit(ft_account *ac, ft_err *err)
{
    if (memcmp(&ac->rec, &ac->committed, sizeof ac->rec) == 0 &&
        ft_store_batch_size(ac->batch) == 0)
        return FT_OK;
    return put_checkpoint_and_commit(ac, err);
}

void ft_account_abort(ft_account *ac)
{
    ft_store_batch_clear(ac->batch);
    ac->rec = ac->committed;
}

ft_status ft_account_rollback(ft_account *ac, uint32_t keep_below, ft_err *err)
{
    if (memcmp(&ac->rec, &ac->committed, sizeof ac->rec) != 0)
        return ft_err_set(err, FT_ERR_ARG, "rollback with blocks staged");
    if (!ac->rec.has_tip || keep_below > ac->rec.tip_height)
        return FT_OK;
    uint32_t lo = keep_below < ac->rec.first_height ? ac->rec.first_height : keep_below;
    ft_status s = FT_OK;
    uint8_t k[40];
    for (uint32_t h = ac->rec.tip_height;; h--) {
        ft_account_block blk;
        s = ft_account_block_get(ac->st, ac->chain, h, &blk, err);
        if (s != FT_OK)
            goto fail;
        ft_store_batch_delete(ac->batch, k, key_block(k, ac->chain, h));
        ft_store_batch_delete(ac->batch, k, key_hash(k, FT_KEY_ACCT_BLOCKHASH, ac->chain, blk.hash));
        for (uint32_t i = 0; i < blk.n_tx; i++) {
            ft_account_tx t;
            s = ft_account_tx_get(ac->st, ac->chain, h, i, &t, err);
            if (s != FT_OK)
                goto fail;
            ft_store_batch_delete(ac->batch, k, key_tx(k, ac->chain, h, i));
            ft_store_batch_delete(ac->batch, k, key_hash(k, FT_KEY_ACCT_TXHASH, ac->chain, t.hash));
        }
        ft_account_xfer *rows = NULL;
        uint32_t n = 0;
        s = ft_account_xfers_get(ac->st, ac->chain, h, 0, UINT32_MAX, &rows, &n, err);
        if (s != FT_OK)
            goto fail;
        for (uint32_t i = 0; i < n; i++) {
            if (rows[i].has_from)
                ft_store_batch_delete(ac->batch, k, key_hist(k, ac->chain, rows[i].from, h, i, 1));
            if (rows[i].has_to)
                ft_store_batch_delete(ac->batch, k, key_hist(k, ac->chain, rows[i].to, h, i, 0));
            ft_store_batch_delete(ac->batch, k, key_xfer(k, ac->chain, h, i));
        }
        ft_account_xfers_free(rows, n);
        ac->rec.n_tx -= blk.n_tx < ac->rec.n_tx ? blk.n_tx : ac->rec.n_tx;
        ac->rec.n_xfer -= n < ac->rec.n_xfer ? n : ac->rec.n_xfer;
        if (h == lo)
            break;
    }
    if (lo == ac->rec.first_height) {
        ac->rec.has_tip = 0;
        ac->rec.first_height = 0;
        ac->rec.tip_height = 0;
        memset(ac->rec.tip_hash, 0, 32);
    } else {
        ft_account_block blk;
        s = ft_account_block_get(ac->st, ac->chain, lo - 1, &blk, err);
        if (s != FT_OK)
            goto fail;
        ac->rec.tip_height = lo - 1;
        memcpy(ac->rec.tip_hash, blk.hash, 32);
    }
    return put_checkpoint_and_commit(ac, err);
fail:
    ft_account_abort(ac);
    return s;
}

/* ---- read side ----------------------------------------------------------------------------- */

ft_status ft_account_block_get(ft_store *st, uint8_t chain, uint32_t height, ft_account_block *b,
                               ft_err *err)
{
    memset(b, 0, sizeof *b);
    uint8_t k[8];
    uint8_t *v = NULL;
    size_t vn = 0;
    ft_status s = ft_store_get(st, k, key_block(k, chain, height), &v, &vn, err);
    if (s == FT_ERR_NOTFOUND)
        return ft_err_set(err, s, "block %u is not in the index", height);
    if (s != FT_OK)
        return s;
    int ok = dec_block(b, height, v, vn);
    free(v);
    return ok ? FT_OK : corrupt(err, st, "account block record");
}

ft_status ft_account_tx_find(ft_store *st, uint8_t chain, const uint8_t hash[32],
                             uint32_t *height, uint32_t *index, ft_err *err)
{
    uint8_t k[40];
    uint8_t *v = NULL;
    size_t vn = 0;
    ft_status s = ft_store_get(st, k, key_hash(k, FT_KEY_ACCT_TXHASH, chain, hash), &v, &vn, err);
    if (s == FT_ERR_NOTFOUND) {
        char hx[65];
        hexs(hx, hash);
        return ft_err_set(err, s, "transaction '0x%s' not in the index", hx);
    }
    if (s != FT_OK)
        return s;
    int ok = vn == 9 && v[0] == VERSION;
    if (ok) {
        *height = ft_get_u32be(v + 1);
        *index = ft_get_u32be(v + 5);
    }
    free(v);
    return ok ? FT_OK : corrupt(err, st, "tx hash record");
}

ft_status ft_account_tx_get(ft_store *st, uint8_t chain, uint32_t height, uint32_t index,
                            ft_account_tx *tx, ft_err *err)
{
    memset(tx, 0, sizeof *tx);
    uint8_t k[12];
    uint8_t *v = NULL;
    size_t vn = 0;
    ft_status s = ft_store_get(st, k, key_tx(k, chain, height, index), &v, &vn, err);
    if (s == FT_ERR_NOTFOUND)
        return ft_err_set(err, s, "transaction %u of block %u is not in the index", index, height);
    if (s != FT_OK)
        return s;
    int ok = dec_tx(tx, index, v, vn);
    free(v);
    return ok ? FT_OK : corrupt(err, st, "account tx record");
}

void ft_account_xfers_free(ft_account_xfer *rows, uint32_t n)
{
    if (!rows)
        return;
    for (uint32_t i = 0; i < n; i++)
        free(rows[i].trace_addr);
    free(rows);
}

ft_status ft_account_xfers_get(ft_store *st, uint8_t chain, uint32_t height, uint32_t first,
                               uint32_t n, ft_account_xfer **rows, uint32_t *n_rows, ft_err *err)
{
    *rows = NULL;
    *n_rows = 0;
    uint8_t prefix[6], start[10];
    key_block(prefix, chain, height);
    prefix[0] = FT_KEY_ACCT_XFER;
    key_xfer(start, chain, height, first);
    ft_store_iter *it = ft_store_iter_new_from(st, prefix, 6, start, 10);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    ft_account_xfer *arr = NULL;
    uint32_t cnt = 0, cap = 0;
    const uint8_t *key, *val;
    size_t kl, vl;
    ft_status s = FT_OK;
    while (cnt < n && ft_store_iter_next(it, &key, &kl, &val, &vl)) {
        if (kl != 10 || ft_get_u32be(key + 6) != first + cnt) {
            s = corrupt(err, st, "transfer key sequence");
            break;
        }
        if (cnt == cap) {
            uint32_t nc = cap ? cap * 2 : 16;
            ft_account_xfer *na = realloc(arr, nc * sizeof *na);
            if (!na) {
                s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
                break;
            }
            arr = na;
            cap = nc;
        }
        if (!dec_xfer(&arr[cnt], val, vl)) {
            s = corrupt(err, st, "transfer record");
            break;
        }
        cnt++;
    }
    if (s == FT_OK)
        s = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (s != FT_OK) {
        ft_account_xfers_free(arr, cnt);
        return s;
    }
    if (n != UINT32_MAX && cnt != n) {
        ft_account_xfers_free(arr, cnt);
        return corrupt(err, st, "transfer range (rows missing)");
    }
    *rows = arr;
    *n_rows = cnt;
    return FT_OK;
}

void ft_account_addrview_release(ft_account_addrview *view)
{
    free(view->assets);
    memset(view, 0, sizeof *view);
}

static ft_account_asset_total *asset_slot(ft_account_addrview *v, int has_asset,
                                          const uint8_t *asset)
{
    for (size_t i = 0; i < v->n_assets; i++)
        if (v->assets[i].has_asset == has_asset &&
            (!has_asset || memcmp(v->assets[i].asset, asset, 20) == 0))
            return &v->assets[i];
    ft_account_asset_total *na = realloc(v->assets, (v->n_assets + 1) * sizeof *na);
    if (!na)
        return NULL;
    v->assets = na;
    ft_account_asset_total *t = &na[v->n_assets++];
    memset(t, 0, sizeof *t);
    t->has_asset = has_asset;
    if (has_asset)
        memcpy(t->asset, asset, 20);
    return t;
}

ft_status ft_account_address_view(ft_store *st, uint8_t chain, const uint8_t addr[20],
                                  ft_account_addrview *view, ft_err *err)
{
    memset(view, 0, sizeof *view);
    uint8_t prefix[22];
    prefix[0] = FT_KEY_ACCT_HIST;
    prefix[1] = chain;
    memcpy(prefix + 2, addr, 20);
    ft_store_iter *it = ft_store_iter_new(st, prefix, sizeof prefix);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    const uint8_t *key, *val;
    size_t kl, vl;
    ft_status s = FT_OK;
    uint32_t last_h = 0, last_tx = 0;
    int have_last = 0;
    /* the native asset first */
    if (!asset_slot(view, 0, NULL)) {
        ft_store_iter_free(it);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    while (ft_store_iter_next(it, &key, &kl, &val, &vl)) {
        if (kl != 31 || key[30] > 1) {
            s = corrupt(err, st, "history key");
            break;
        }
        uint32_t h = ft_get_u32be(key + 22);
        uint8_t dir = key[30];
        ft_reader r;
        ft_reader_init(&r, val, vl);
        uint8_t ver, kind, flags;
        uint64_t txi;
        uint8_t asset[20];
        ft_u256 amount;
        if (!(ft_reader_u8(&r, &ver) && ver == VERSION &&
              ft_reader_compact(&r, (uint64_t)UINT32_MAX, &txi) && ft_reader_u8(&r, &kind) &&
              ft_reader_u8(&r, &flags) && (flags & 0x98) == 0)) {
            s = corrupt(err, st, "history record");
            break;
        }
        int has_asset = (flags >> 5) & 1;
        if ((has_asset && !ft_reader_copy(&r, asset, 20)) || !get_u256(&r, &amount) || r.left) {
            s = corrupt(err, st, "history record");
            break;
        }
        if (!view->found) {
            view->found = 1;
            view->first_height = h;
        }
        view->last_height = h;
        view->n_rows++;
        if (txi != 0 && (!have_last || last_h != h || last_tx != (uint32_t)(txi - 1))) {
            view->tx_count++;
            have_last = 1;
            last_h = h;
            last_tx = (uint32_t)(txi - 1);
        }
        if (!(flags & FT_XFER_MOVES))
            continue;
        ft_account_asset_total *t = asset_slot(view, has_asset, asset);
        if (!t) {
            s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
            break;
        }
        if (!ft_u256_add(dir ? &t->sent : &t->received, dir ? &t->sent : &t->received, &amount)) {
            s = ft_err_set(err, FT_ERR_LIMIT, "address total overflows 256 bits");
            break;
        }
    }
    if (s == FT_OK)
        s = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    for (size_t i = 0; s == FT_OK && i < view->n_assets; i++) {
        ft_account_asset_total *t = &view->assets[i];
        if (ft_u256_cmp(&t->received, &t->sent) >= 0) {
            if (!ft_u256_sub(&t->balance, &t->received, &t->sent))
                s = FT_ERR_LIMIT;
        } else {
            t->negative = 1;
            if (!ft_u256_sub(&t->balance, &t->sent, &t->received))
                s = FT_ERR_LIMIT;
        }
    }
    if (s == FT_OK && view->found) {
        ft_account_block b;
        s = ft_account_block_get(st, chain, view->first_height, &b, err);
        view->first_seen = b.time;
        if (s == FT_OK)
            s = ft_account_block_get(st, chain, view->last_height, &b, err);
        view->last_seen = b.time;
    }
    if (s != FT_OK) {
        ft_account_addrview_release(view);
        if (err && err->code == FT_OK)
            ft_err_set(err, s, "cannot summarise the address");
        return s;
    }
    if (!view->found) {
        free(view->assets);
        view->assets = NULL;
        view->n_assets = 0;
    }
    return FT_OK;
}

const char *ft_account_kind_name(uint8_t kind)
{
    static const char *const names[] = {"external", "internal", "token", "fee", "reward"};
    return kind <= FT_XFER_REWARD ? names[kind] : "unknown";
}

const char *ft_account_sub_name(uint8_t sub)
{
    static const char *const names[] = {"",       "call",         "callcode", "delegatecall",
                                        "staticcall", "create",   "create2",  "suicide",
                                        "block",  "uncle",        "tip",      "burn",
                                        "genesis"};
    return sub < FT_XSUB_COUNT ? names[sub] : "unknown";
}

/* ---- tokens ------------------------------------------------------------------------------ */

static size_t key_token(uint8_t *k, uint8_t chain, const uint8_t contract[20])
{
    k[0] = FT_KEY_ACCT_TOKEN;
    k[1] = chain;
    memcpy(k + 2, contract, 20);
    return 22;
}

int ft_account_token_symbol_ok(const char *s, size_t len)
{
    if (len == 0 || len > FT_TOKEN_SYMBOL_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == ',' || c == '\\')
            return 0;
    }
    return 1;
}

ft_status ft_account_token_put(ft_account *ac, const ft_account_token *t, ft_err *err)
{
    size_t sl = t->has_symbol ? strlen(t->symbol) : 0;
    if (t->has_symbol && !ft_account_token_symbol_ok(t->symbol, sl))
        return ft_err_set(err, FT_ERR_ARG, "token symbol is not 1..%d printable characters",
                          FT_TOKEN_SYMBOL_MAX);
    if (t->has_decimals && t->decimals > 77)
        return ft_err_set(err, FT_ERR_ARG, "token decimals %u above 77", t->decimals);
    ft_buf *v = &ac->val;
    ft_buf_reset(v);
    ft_buf_u8(v, VERSION);
    ft_buf_u8(v, (uint8_t)((t->has_symbol ? 1 : 0) | (t->has_decimals ? 2 : 0)));
    ft_buf_u8(v, t->source);
    if (t->has_decimals)
        ft_buf_u8(v, t->decimals);
    if (t->has_symbol) {
        ft_buf_u8(v, (uint8_t)sl);
        ft_buf_append(v, t->symbol, sl);
    }
    if (v->failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    uint8_t k[22];
    ft_store_batch_put(ac->batch, k, key_token(k, ac->chain, t->contract), v->data, v->len);
    return FT_OK;
}

ft_status ft_account_token_get(ft_store *st, uint8_t chain, const uint8_t contract[20],
                               ft_account_token *t, ft_err *err)
{
    memset(t, 0, sizeof *t);
    uint8_t k[22];
    uint8_t *v = NULL;
    size_t vn = 0;
    ft_status s = ft_store_get(st, k, key_token(k, chain, contract), &v, &vn, err);
    if (s != FT_OK)
        return s;
    memcpy(t->contract, contract, 20);
    ft_reader r;
    ft_reader_init(&r, v, vn);
    uint8_t ver, flags, sl = 0;
    int ok = ft_reader_u8(&r, &ver) && ver == VERSION && ft_reader_u8(&r, &flags) &&
             (flags & ~3) == 0 && ft_reader_u8(&r, &t->source) && t->source <= FT_TOKEN_SRC_CALL;
    t->has_symbol = ok && (flags & 1);
    t->has_decimals = ok && (flags & 2);
    if (ok && t->has_decimals)
        ok = ft_reader_u8(&r, &t->decimals) && t->decimals <= 77;
    if (ok && t->has_symbol)
        ok = ft_reader_u8(&r, &sl) && sl <= FT_TOKEN_SYMBOL_MAX &&
             ft_reader_copy(&r, t->symbol, sl) && ft_account_token_symbol_ok(t->symbol, sl);
    ok = ok && r.left == 0;
    free(v);
    if (!ok)
        return corrupt(err, st, "token record");
    t->symbol[sl] = '\0';
    return FT_OK;
}

/* ---- public decoders (whole-chain scans) ----------------------------------------------------- */

int ft_account_block_decode(ft_account_block *b, uint32_t height, const uint8_t *v, size_t n)
{
    return dec_block(b, height, v, n);
}

int ft_account_tx_decode(ft_account_tx *t, uint32_t index, const uint8_t *v, size_t n)
{
    return dec_tx(t, index, v, n);
}

int ft_account_xfer_decode(ft_account_xfer *x, const uint8_t *v, size_t n)
{
    return dec_xfer(x, v, n);
}
