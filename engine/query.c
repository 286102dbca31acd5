/*
 * query.c — reading the UTXO ledger back (see query.h): key builders shared with ledger.c,
 * decoders for every record, and the transaction, address and block views of the CLI.
 *
 * Every value is parsed with ft_reader: a record that is short, long, of an unknown version
 * or with a count larger than its bytes can hold is FT_ERR_CORRUPT naming the record and the
 * index, never a crash or a huge allocation. Views are built from point lookups and one prefix
 * scan (an address's history rows are contiguous: addr id ‖ tx id ‖ dir ‖ index).
 */
#include "engine/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/reader.h"

#include "engine/banned.h"

/* ---- keys -------------------------------------------------------------------------------- */

size_t ft_query_key_chain(uint8_t *k, uint8_t chain)
{
    k[0] = FT_KEY_CHAIN;
    k[1] = chain;
    return 2;
}

size_t ft_query_key_block(uint8_t *k, uint8_t chain, uint32_t height)
{
    k[0] = FT_KEY_BLOCK;
    k[1] = chain;
    ft_put_u32be(k + 2, height);
    return 6;
}

size_t ft_query_key_block_hash(uint8_t *k, uint8_t chain, const uint8_t hash[32])
{
    k[0] = FT_KEY_BLOCK_HASH;
    k[1] = chain;
    memcpy(k + 2, hash, 32);
    return 34;
}

size_t ft_query_key_tx(uint8_t *k, uint8_t chain, uint64_t tx_id)
{
    k[0] = FT_KEY_TX;
    k[1] = chain;
    ft_put_u64be(k + 2, tx_id);
    return 10;
}

size_t ft_query_key_txid(uint8_t *k, uint8_t chain, const uint8_t txid[32])
{
    k[0] = FT_KEY_TXID;
    k[1] = chain;
    memcpy(k + 2, txid, 32);
    return 34;
}

size_t ft_query_key_spend(uint8_t *k, uint8_t chain, uint64_t out_id)
{
    k[0] = FT_KEY_SPEND;
    k[1] = chain;
    ft_put_u64be(k + 2, out_id);
    return 10;
}

size_t ft_query_key_addr(uint8_t *k, uint8_t chain, const ft_addr_key *addr)
{
    size_t n = addr->len <= FT_ADDR_KEY_MAX ? addr->len : FT_ADDR_KEY_MAX;
    k[0] = FT_KEY_ADDR;
    k[1] = chain;
    memcpy(k + 2, addr->bytes, n);
    return 2 + n;
}

size_t ft_query_key_addr_id(uint8_t *k, uint8_t chain, uint64_t addr_id)
{
    k[0] = FT_KEY_ADDR_ID;
    k[1] = chain;
    ft_put_u64be(k + 2, addr_id);
    return 10;
}

size_t ft_query_key_hist(uint8_t *k, uint8_t chain, uint64_t addr_id, uint64_t tx_id, uint8_t dir,
                         uint32_t index)
{
    k[0] = FT_KEY_HIST;
    k[1] = chain;
    ft_put_u64be(k + 2, addr_id);
    ft_put_u64be(k + 10, tx_id);
    k[18] = dir;
    ft_put_u32be(k + 19, index);
    return FT_QUERY_HIST_KEY_LEN;
}

/* ---- record decoders --------------------------------------------------------------------- */

static int rd_u32c(ft_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!ft_reader_compact(r, UINT32_MAX, &v)) {
        *out = 0;
        return 0;
    }
    *out = (uint32_t)v;
    return 1;
}

static int rd_u64c(ft_reader *r, uint64_t *out)
{
    return ft_reader_compact(r, UINT64_MAX, out);
}

static int rd_time(ft_reader *r, int64_t *out)
{
    uint64_t v;
    if (!ft_reader_compact(r, (uint64_t)INT64_MAX, &v)) {
        *out = 0;
        return 0;
    }
    *out = (int64_t)v;
    return 1;
}

ft_status ft_query_chainrec_decode(ft_query_chainrec *rec, const uint8_t *val, size_t vlen,
                                   ft_err *err)
{
    memset(rec, 0, sizeof *rec);
    ft_reader r;
    ft_reader_init(&r, val, vlen);
    uint8_t ver, nlen, flags;
    int ok = ft_reader_u8(&r, &ver) && ver == 1 && ft_reader_u8(&r, &nlen) &&
             nlen < FT_QUERY_NETWORK_MAX && ft_reader_copy(&r, rec->network, nlen) &&
             ft_reader_u8(&r, &flags) && (flags & ~1u) == 0 &&
             ft_reader_u32be(&r, &rec->tip_height) && ft_reader_copy(&r, rec->tip_hash, 32) &&
             rd_u64c(&r, &rec->next_tx) && rd_u64c(&r, &rec->next_out) &&
             rd_u64c(&r, &rec->next_addr);
    /* optional trailer: first_height, present (and > 0) only in a partial index */
    if (ok && r.left)
        ok = rd_u32c(&r, &rec->first_height) && rec->first_height > 0;
    ok = ok && r.left == 0;
    if (!ok) {
        memset(rec, 0, sizeof *rec);
        return ft_err_set(err, FT_ERR_CORRUPT, "corrupt chain record");
    }
    rec->network[nlen] = '\0';
    for (size_t i = 0; i < nlen; i++)
        if (rec->network[i] < 0x21 || rec->network[i] > 0x7e) {
            memset(rec, 0, sizeof *rec);
            return ft_err_set(err, FT_ERR_CORRUPT, "corrupt chain record (network name)");
        }
    rec->has_tip = flags & 1;
    return FT_OK;
}

ft_status ft_query_blockrec_decode(ft_query_blockrec *rec, const uint8_t *val, size_t vlen,
                                   ft_err *err)
{
    memset(rec, 0, sizeof *rec);
    ft_reader r;
    ft_reader_init(&r, val, vlen);
    uint8_t ver;
    int ok = ft_reader_u8(&r, &ver) && ver == 1 && ft_reader_copy(&r, rec->hash, 32) &&
             ft_reader_copy(&r, rec->prev, 32) && rd_time(&r, &rec->time) &&
             rd_u64c(&r, &rec->first_tx) && rd_u32c(&r, &rec->n_tx) &&
             rd_u64c(&r, &rec->next_out) && rd_u64c(&r, &rec->next_addr) && r.left == 0;
    if (!ok) {
        memset(rec, 0, sizeof *rec);
        return ft_err_set(err, FT_ERR_CORRUPT, "corrupt block record");
    }
    return FT_OK;
}

void ft_query_txrec_release(ft_query_txrec *rec)
{
    if (!rec)
        return;
    free(rec->in);
    free(rec->out);
    rec->in = NULL;
    rec->out = NULL;
}

/* Smallest encodings: an input is five CompactSizes, an output two and a type byte. */
#define TXREC_IN_MIN 5
#define TXREC_OUT_MIN 3

ft_status ft_query_txrec_decode(ft_query_txrec *rec, uint64_t tx_id, const uint8_t *val,
                                size_t vlen, ft_err *err)
{
    memset(rec, 0, sizeof *rec);
    rec->tx_id = tx_id;
    ft_reader r;
    ft_reader_init(&r, val, vlen);
    uint8_t ver, flags;
    uint64_t n;
    int ok = ft_reader_u8(&r, &ver) && ver == 1 && ft_reader_copy(&r, rec->txid, 32) &&
             rd_u32c(&r, &rec->height) && rd_time(&r, &rec->time) && ft_reader_u8(&r, &flags) &&
             (flags & ~3u) == 0;
    if (!ok)
        goto fail;
    rec->coinbase = flags & 1;
    rec->has_dup = (flags >> 1) & 1;
    if (rec->has_dup && !rd_u64c(&r, &rec->dup_of))
        goto fail;
    if (!rd_u64c(&r, &rec->first_out))
        goto fail;
    if (rec->coinbase) {
        if (!rd_u32c(&r, &rec->n_in))
            goto fail;
    } else {
        if (!ft_reader_count(&r, TXREC_IN_MIN, &n) || n > UINT32_MAX)
            goto fail;
        rec->n_in = (uint32_t)n;
    }
    if (!ft_reader_count(&r, TXREC_OUT_MIN, &n) || n > UINT32_MAX)
        goto fail;
    rec->n_out = (uint32_t)n;
    if (!rec->coinbase && rec->n_in) {
        rec->in = malloc((size_t)rec->n_in * sizeof *rec->in);
        if (!rec->in)
            goto nomem;
        for (uint32_t i = 0; i < rec->n_in; i++) {
            ft_query_txrec_in *in = &rec->in[i];
            memset(in->prev_txid, 0, 32);
            if (!rd_u64c(&r, &in->prev_tx) || !rd_u32c(&r, &in->prev_vout) ||
                !rd_u64c(&r, &in->out_id))
                goto fail;
            if (in->out_id == FT_QUERY_OUT_UNRESOLVED) {
                /* unresolved (partial index): the spent txid instead of value and address */
                in->value = in->addr_id = 0;
                if (in->prev_tx != 0 || !ft_reader_copy(&r, in->prev_txid, 32))
                    goto fail;
            } else if (!rd_u64c(&r, &in->value) || !rd_u64c(&r, &in->addr_id)) {
                goto fail;
            }
        }
    }
    if (rec->n_out) {
        rec->out = malloc((size_t)rec->n_out * sizeof *rec->out);
        if (!rec->out)
            goto nomem;
        for (uint32_t i = 0; i < rec->n_out; i++) {
            ft_query_txrec_out *o = &rec->out[i];
            if (!rd_u64c(&r, &o->value) || !rd_u64c(&r, &o->addr_id) ||
                !ft_reader_u8(&r, &o->script_type))
                goto fail;
        }
    }
    if (r.left != 0)
        goto fail;
    return FT_OK;
fail:
    ft_query_txrec_release(rec);
    memset(rec, 0, sizeof *rec);
    return ft_err_set(err, FT_ERR_CORRUPT, "corrupt tx record %llu", (unsigned long long)tx_id);
nomem:
    ft_query_txrec_release(rec);
    memset(rec, 0, sizeof *rec);
    return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading tx record %llu",
                      (unsigned long long)tx_id);
}

/* Reads a value whose whole content is ver:u8(=1) ‖ one CompactSize (≤ max). */
static int decode_ver_compact(const uint8_t *val, size_t vlen, uint64_t max, uint64_t *out)
{
    ft_reader r;
    ft_reader_init(&r, val, vlen);
    uint8_t ver;
    return ft_reader_u8(&r, &ver) && ver == 1 && ft_reader_compact(&r, max, out) && r.left == 0;
}

/* ---- point lookups ----------------------------------------------------------------------- */

/* ft_store_get with a "what" for messages: FT_ERR_NOTFOUND sets err too. */
static ft_status get_value(ft_store *st, const uint8_t *key, size_t klen, uint8_t **val,
                           size_t *vlen, ft_err *err, const char *what)
{
    ft_status rc = ft_store_get(st, key, klen, val, vlen, err);
    if (rc == FT_ERR_NOTFOUND)
        return ft_err_set(err, FT_ERR_NOTFOUND, "%s not in index '%s'", what, ft_store_path(st));
    return rc;
}

static ft_status corrupt_in(ft_store *st, ft_status rc, ft_err *err)
{
    ft_err_prefix(err, "index '%s'", ft_store_path(st));
    return rc;
}

ft_status ft_query_chain_get(ft_store *st, uint8_t chain, ft_query_chainrec *rec, ft_err *err)
{
    memset(rec, 0, sizeof *rec);
    uint8_t k[2];
    uint8_t *v;
    size_t vl;
    ft_status rc = get_value(st, k, ft_query_key_chain(k, chain), &v, &vl, err, "chain record");
    if (rc != FT_OK)
        return rc;
    rc = ft_query_chainrec_decode(rec, v, vl, err);
    free(v);
    return rc == FT_OK ? rc : corrupt_in(st, rc, err);
}

ft_status ft_query_block_get(ft_store *st, uint8_t chain, uint32_t height, ft_query_blockrec *rec,
                             ft_err *err)
{
    memset(rec, 0, sizeof *rec);
    uint8_t k[6];
    uint8_t *v;
    size_t vl;
    char what[48];
    snprintf(what, sizeof what, "block at height %u", height);
    ft_status rc = get_value(st, k, ft_query_key_block(k, chain, height), &v, &vl, err, what);
    if (rc != FT_OK)
        return rc;
    rc = ft_query_blockrec_decode(rec, v, vl, err);
    free(v);
    if (rc != FT_OK)
        ft_err_prefix(err, "index '%s': height %u", ft_store_path(st), height);
    return rc;
}

ft_status ft_query_block_height(ft_store *st, uint8_t chain, const uint8_t hash[32],
                                uint32_t *height, ft_err *err)
{
    *height = 0;
    uint8_t k[34];
    uint8_t *v;
    size_t vl;
    char hex[65];
    ft_hex_encode_rev(hex, hash, 32);
    char what[96];
    snprintf(what, sizeof what, "block '%s'", hex);
    ft_status rc = get_value(st, k, ft_query_key_block_hash(k, chain, hash), &v, &vl, err, what);
    if (rc != FT_OK)
        return rc;
    uint64_t h;
    int ok = decode_ver_compact(v, vl, UINT32_MAX, &h);
    free(v);
    if (!ok)
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt height record of block '%s'",
                          ft_store_path(st), hex);
    *height = (uint32_t)h;
    return FT_OK;
}

ft_status ft_query_txrec_get(ft_store *st, uint8_t chain, uint64_t tx_id, ft_query_txrec *rec,
                             ft_err *err)
{
    memset(rec, 0, sizeof *rec);
    uint8_t k[10];
    uint8_t *v;
    size_t vl;
    char what[48];
    snprintf(what, sizeof what, "tx record %llu", (unsigned long long)tx_id);
    ft_status rc = get_value(st, k, ft_query_key_tx(k, chain, tx_id), &v, &vl, err, what);
    if (rc != FT_OK)
        return rc;
    rc = ft_query_txrec_decode(rec, tx_id, v, vl, err);
    free(v);
    return rc == FT_OK || rc == FT_ERR_NOMEM ? rc : corrupt_in(st, rc, err);
}

ft_status ft_query_tx_id(ft_store *st, uint8_t chain, const uint8_t txid[32], uint64_t *tx_id,
                         ft_err *err)
{
    *tx_id = 0;
    uint8_t k[34];
    uint8_t *v;
    size_t vl;
    char hex[65];
    ft_hex_encode_rev(hex, txid, 32);
    char what[96];
    snprintf(what, sizeof what, "transaction '%s'", hex);
    ft_status rc = get_value(st, k, ft_query_key_txid(k, chain, txid), &v, &vl, err, what);
    if (rc != FT_OK)
        return rc;
    int ok = decode_ver_compact(v, vl, UINT64_MAX, tx_id);
    free(v);
    if (!ok)
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt txid record of '%s'",
                          ft_store_path(st), hex);
    return FT_OK;
}

ft_status ft_query_spend_get(ft_store *st, uint8_t chain, uint64_t out_id, uint64_t *tx_id,
                             uint32_t *vin, ft_err *err)
{
    *tx_id = 0;
    *vin = 0;
    uint8_t k[10];
    uint8_t *v;
    size_t vl;
    char what[48];
    snprintf(what, sizeof what, "spend of output %llu", (unsigned long long)out_id);
    ft_status rc = get_value(st, k, ft_query_key_spend(k, chain, out_id), &v, &vl, err, what);
    if (rc != FT_OK)
        return rc;
    ft_reader r;
    ft_reader_init(&r, v, vl);
    uint8_t ver;
    int ok =
        ft_reader_u8(&r, &ver) && ver == 1 && rd_u64c(&r, tx_id) && rd_u32c(&r, vin) && r.left == 0;
    free(v);
    if (!ok)
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt spend record of output %llu",
                          ft_store_path(st), (unsigned long long)out_id);
    return FT_OK;
}

ft_status ft_query_addr_id(ft_store *st, uint8_t chain, const ft_addr_key *key, uint64_t *addr_id,
                           ft_err *err)
{
    *addr_id = 0;
    if (key->len == 0 || key->len > FT_ADDR_KEY_MAX)
        return ft_err_set(err, FT_ERR_ARG, "address key of length %u", (unsigned)key->len);
    uint8_t k[FT_QUERY_KEY_MAX];
    uint8_t *v;
    size_t vl;
    ft_status rc = get_value(st, k, ft_query_key_addr(k, chain, key), &v, &vl, err, "address");
    if (rc != FT_OK)
        return rc;
    int ok = decode_ver_compact(v, vl, UINT64_MAX, addr_id) && *addr_id != 0;
    free(v);
    if (!ok)
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt address record",
                          ft_store_path(st));
    return FT_OK;
}

ft_status ft_query_addr_key(ft_store *st, uint8_t chain, uint64_t addr_id, ft_addr_key *key,
                            ft_err *err)
{
    memset(key, 0, sizeof *key);
    uint8_t k[10];
    uint8_t *v;
    size_t vl;
    char what[48];
    snprintf(what, sizeof what, "address %llu", (unsigned long long)addr_id);
    ft_status rc = get_value(st, k, ft_query_key_addr_id(k, chain, addr_id), &v, &vl, err, what);
    if (rc != FT_OK)
        return rc;
    int ok = vl >= 2 && vl - 1 <= FT_ADDR_KEY_MAX && v[0] == 1;
    if (ok) {
        key->len = (uint8_t)(vl - 1);
        memcpy(key->bytes, v + 1, vl - 1);
    }
    free(v);
    if (!ok)
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt record of address %llu",
                          ft_store_path(st), (unsigned long long)addr_id);
    return FT_OK;
}

/* NOTFOUND of a record that another record points at means the index is damaged. */
static ft_status dangling(ft_status rc, ft_store *st, ft_err *err)
{
    if (rc == FT_ERR_NOTFOUND) {
        ft_err_prefix(err, "index '%s' is inconsistent", ft_store_path(st));
        if (err)
            err->code = FT_ERR_CORRUPT;
        return FT_ERR_CORRUPT;
    }
    return rc;
}

/* ---- tx view ----------------------------------------------------------------------------- */

void ft_query_txview_release(ft_query_txview *view)
{
    if (!view)
        return;
    free(view->inputs);
    free(view->outputs);
    view->inputs = NULL;
    view->outputs = NULL;
}

ft_status ft_query_tx_view(ft_store *st, uint8_t chain, const uint8_t txid[32],
                           ft_query_txview *view, ft_err *err)
{
    memset(view, 0, sizeof *view);
    uint64_t tx_id;
    ft_status rc = ft_query_tx_id(st, chain, txid, &tx_id, err);
    if (rc != FT_OK)
        return rc;
    ft_query_txrec rec, prev;
    memset(&prev, 0, sizeof prev);
    rc = ft_query_txrec_get(st, chain, tx_id, &rec, err);
    if (rc != FT_OK)
        return dangling(rc, st, err);
    view->tx_id = tx_id;
    memcpy(view->txid, rec.txid, 32);
    view->height = rec.height;
    view->time = rec.time;
    view->coinbase = rec.coinbase;
    view->n_in = rec.n_in;
    view->n_out = rec.n_out;
    ft_query_blockrec brec;
    rc = ft_query_block_get(st, chain, rec.height, &brec, err);
    if (rc != FT_OK)
        goto out;
    memcpy(view->block_hash, brec.hash, 32);

    if (!rec.coinbase && rec.n_in) {
        view->inputs = calloc(rec.n_in, sizeof *view->inputs);
        if (!view->inputs)
            goto nomem;
        view->n_inputs = rec.n_in;
    }
    if (rec.n_out) {
        view->outputs = calloc(rec.n_out, sizeof *view->outputs);
        if (!view->outputs)
            goto nomem;
    }
    ft_u128 in_total = 0, out_total = 0;
    for (uint32_t i = 0; i < view->n_inputs; i++) {
        const ft_query_txrec_in *in = &rec.in[i];
        ft_query_input *vi = &view->inputs[i];
        vi->value = in->value;
        vi->prev_vout = in->prev_vout;
        if (in->out_id == FT_QUERY_OUT_UNRESOLVED) {
            /* a partial index never saw the spent output: txid and vout only */
            vi->unresolved = 1;
            vi->script_type = 0xff;
            memcpy(vi->prev_txid, in->prev_txid, 32);
            view->n_unresolved++;
            continue;
        }
        in_total += in->value;
        /* The spent output's txid and script type come from its transaction's record. */
        if (!prev.out || in->prev_tx != prev.tx_id) {
            ft_query_txrec_release(&prev);
            rc = ft_query_txrec_get(st, chain, in->prev_tx, &prev, err);
            if (rc != FT_OK)
                goto out;
        }
        if (in->prev_vout >= prev.n_out) {
            rc = ft_err_set(err, FT_ERR_CORRUPT,
                            "index '%s' is inconsistent: tx %llu input %u spends output %u of a "
                            "tx with %u outputs",
                            ft_store_path(st), (unsigned long long)tx_id, i, in->prev_vout,
                            prev.n_out);
            goto out;
        }
        memcpy(vi->prev_txid, prev.txid, 32);
        vi->script_type = prev.out[in->prev_vout].script_type;
        if (in->addr_id) {
            rc = ft_query_addr_key(st, chain, in->addr_id, &vi->addr, err);
            if (rc != FT_OK)
                goto out;
        }
    }
    for (uint32_t i = 0; i < rec.n_out; i++) {
        const ft_query_txrec_out *o = &rec.out[i];
        ft_query_output *vo = &view->outputs[i];
        vo->value = o->value;
        vo->script_type = o->script_type;
        out_total += o->value;
        if (o->addr_id) {
            rc = ft_query_addr_key(st, chain, o->addr_id, &vo->addr, err);
            if (rc != FT_OK)
                goto out;
        }
        uint64_t by_tx;
        uint32_t by_vin;
        rc = ft_query_spend_get(st, chain, rec.first_out + i, &by_tx, &by_vin, err);
        if (rc == FT_ERR_NOTFOUND) {
            ft_err_clear(err);
            continue;
        }
        if (rc != FT_OK)
            goto out;
        ft_query_txrec by;
        rc = ft_query_txrec_get(st, chain, by_tx, &by, err);
        if (rc != FT_OK)
            goto out;
        vo->spent = 1;
        vo->spent_by_vin = by_vin;
        memcpy(vo->spent_by_txid, by.txid, 32);
        ft_query_txrec_release(&by);
    }
    if (!rec.coinbase && !view->n_unresolved && in_total < out_total) {
        rc = ft_err_set(err, FT_ERR_CORRUPT,
                        "index '%s' is inconsistent: tx %llu pays more than it spends",
                        ft_store_path(st), (unsigned long long)tx_id);
        goto out;
    }
    if (in_total > UINT64_MAX || out_total > UINT64_MAX) {
        rc = ft_err_set(err, FT_ERR_CORRUPT, "index '%s': tx %llu totals overflow",
                        ft_store_path(st), (unsigned long long)tx_id);
        goto out;
    }
    view->input_total = (uint64_t)in_total;
    view->output_total = (uint64_t)out_total;
    view->fee = rec.coinbase || view->n_unresolved ? 0 : (uint64_t)(in_total - out_total);
    rc = FT_OK;
out:
    ft_query_txrec_release(&rec);
    ft_query_txrec_release(&prev);
    if (rc != FT_OK) {
        ft_query_txview_release(view);
        memset(view, 0, sizeof *view);
        return dangling(rc, st, err);
    }
    return FT_OK;
nomem:
    rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading a transaction");
    goto out;
}

/* ---- address view ------------------------------------------------------------------------ */

void ft_query_addrview_release(ft_query_addrview *view)
{
    if (!view)
        return;
    free(view->rows);
    view->rows = NULL;
}

/* Height, time and txid of tx_id (for history rows). */
static ft_status tx_brief(ft_store *st, uint8_t chain, uint64_t tx_id, uint8_t txid[32],
                          uint32_t *height, int64_t *time, ft_err *err)
{
    ft_query_txrec rec;
    ft_status rc = ft_query_txrec_get(st, chain, tx_id, &rec, err);
    if (rc != FT_OK)
        return dangling(rc, st, err);
    if (txid)
        memcpy(txid, rec.txid, 32);
    if (height)
        *height = rec.height;
    if (time)
        *time = rec.time;
    ft_query_txrec_release(&rec);
    return FT_OK;
}

ft_status ft_query_address_view(ft_store *st, uint8_t chain, const ft_addr_key *key,
                                size_t max_rows, ft_query_addrview *view, ft_err *err)
{
    memset(view, 0, sizeof *view);
    uint64_t addr_id;
    ft_status rc = ft_query_addr_id(st, chain, key, &addr_id, err);
    if (rc == FT_ERR_NOTFOUND) {
        ft_err_clear(err);
        return FT_OK;
    }
    if (rc != FT_OK)
        return rc;
    view->found = 1;
    view->addr_id = addr_id;

    uint8_t prefix[10];
    prefix[0] = FT_KEY_HIST;
    prefix[1] = chain;
    ft_put_u64be(prefix + 2, addr_id);
    ft_store_iter *it = ft_store_iter_new(st, prefix, sizeof prefix);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory scanning an address");
    size_t cap = 0;
    uint64_t last_tx = 0, first_tx = 0;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        uint64_t value;
        uint8_t dir = kl == FT_QUERY_HIST_KEY_LEN ? k[18] : 0xff;
        if (kl != FT_QUERY_HIST_KEY_LEN || dir > FT_HIST_SENT ||
            !decode_ver_compact(v, vl, UINT64_MAX, &value)) {
            rc = ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt history row of address %llu",
                            ft_store_path(st), (unsigned long long)addr_id);
            goto out;
        }
        uint64_t tx_id = ft_get_u64be(k + 10);
        if (view->n_rows == 0)
            first_tx = tx_id;
        if (view->n_rows == 0 || tx_id != last_tx)
            view->tx_count++;
        last_tx = tx_id;
        view->n_rows++;
        if (dir == FT_HIST_RECV)
            view->received += value;
        else
            view->sent += value;
        if (view->n_listed < max_rows) {
            if (view->n_listed == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                if (ncap > max_rows)
                    ncap = max_rows;
                ft_query_hist_row *nr = realloc(view->rows, ncap * sizeof *nr);
                if (!nr) {
                    rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory listing an address");
                    goto out;
                }
                view->rows = nr;
                cap = ncap;
            }
            ft_query_hist_row *row = &view->rows[view->n_listed++];
            memset(row, 0, sizeof *row);
            row->tx_id = tx_id;
            row->dir = dir;
            row->index = ft_get_u32be(k + 19);
            row->value = value;
        }
    }
    rc = ft_store_iter_status(it, err);
    if (rc != FT_OK)
        goto out;
    if (view->sent > view->received) {
        rc = ft_err_set(err, FT_ERR_CORRUPT,
                        "index '%s' is inconsistent: address %llu sent more than it received",
                        ft_store_path(st), (unsigned long long)addr_id);
        goto out;
    }
    view->balance = view->received - view->sent;
    if (view->n_rows) {
        rc = tx_brief(st, chain, first_tx, NULL, NULL, &view->first_seen, err);
        if (rc == FT_OK)
            rc = tx_brief(st, chain, last_tx, NULL, NULL, &view->last_seen, err);
        if (rc != FT_OK)
            goto out;
    }
    for (size_t i = 0; i < view->n_listed; i++) {
        ft_query_hist_row *row = &view->rows[i];
        rc = tx_brief(st, chain, row->tx_id, row->txid, &row->height, &row->time, err);
        if (rc != FT_OK)
            goto out;
    }
    rc = FT_OK;
out:
    ft_store_iter_free(it);
    if (rc != FT_OK) {
        ft_query_addrview_release(view);
        memset(view, 0, sizeof *view);
    }
    return rc;
}

/* ---- block view -------------------------------------------------------------------------- */

void ft_query_blockview_release(ft_query_blockview *view)
{
    if (!view)
        return;
    free(view->txids);
    view->txids = NULL;
}

ft_status ft_query_block_view(ft_store *st, uint8_t chain, uint32_t height,
                              ft_query_blockview *view, ft_err *err)
{
    memset(view, 0, sizeof *view);
    ft_status rc = ft_query_block_get(st, chain, height, &view->rec, err);
    if (rc != FT_OK)
        return rc;
    view->height = height;
    if (view->rec.n_tx) {
        view->txids = malloc((size_t)view->rec.n_tx * 32);
        if (!view->txids)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading block %u", height);
    }
    for (uint32_t i = 0; i < view->rec.n_tx; i++) {
        ft_query_txrec rec;
        rc = ft_query_txrec_get(st, chain, view->rec.first_tx + i, &rec, err);
        if (rc != FT_OK) {
            ft_query_blockview_release(view);
            return dangling(rc, st, err);
        }
        memcpy(view->txids[i], rec.txid, 32);
        view->n_inputs += rec.n_in;
        view->n_outputs += rec.n_out;
        ft_u128 sum = 0;
        for (uint32_t o = 0; o < rec.n_out; o++)
            sum += rec.out[o].value;
        view->total_output += sum;
        ft_query_txrec_release(&rec);
        if (sum > UINT64_MAX) {
            ft_query_blockview_release(view);
            return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': outputs of tx %llu overflow",
                              ft_store_path(st), (unsigned long long)(view->rec.first_tx + i));
        }
        if (i == 0 && rec.coinbase)
            view->coinbase_output = (uint64_t)sum;
    }
    return FT_OK;
}
