/*
 * tx.c — Bitcoin transaction parsing, serialisation, txid and wtxid (see tx.h).
 *
 * Zero-copy: scripts and witness stacks point into the caller's buffer; the input and output
 * arrays come from the caller's arena (one allocation each per tx, none per input). Every byte
 * goes through the bounded ft_reader, every count is bounded by the bytes left before anything
 * is allocated (ft_reader_count: a txin is at least 41 bytes, a txout 9, a witness item 1).
 *
 * Hashing reads straight from the buffer, nothing is copied:
 *
 *     raw:   version | 00 01 | ins outs ............ | witnesses ...... | locktime
 *            [0,4)     [4,6)   [6, wit_off)            [wit_off, lock_off) [lock_off, +4)
 *
 *     txid  = sha256d(raw)                                        without witness
 *           = sha256(sha256(raw[0,4) ‖ raw[6,wit_off) ‖ raw[lock_off,+4)))   with witness
 *     wtxid = sha256d(raw)   (equals txid without witness)
 *
 * Rejected (tx.h): truncation, non-minimal CompactSize, oversized counts, an output value
 * above 21e6 BTC, a witness flag other than 1, a witness marker whose stacks are all empty
 * (Core's "superfluous witness record"), zero inputs. On failure *tx is zeroed; whatever was
 * taken from the arena stays there until the arena is released.
 */
#include "chains/bitcoin/tx.h"

#include <string.h>

#include "engine/amount.h"
#include "engine/hash.h"

#include "engine/banned.h"

#define TXIN_MIN_SIZE 41 /* prev_txid 32, vout 4, script length 1, sequence 4 */
#define TXOUT_MIN_SIZE 9 /* value 8, script length 1 */

static ft_status tx_fail(ft_btc_tx *tx, ft_reader *r, ft_err *err, ft_status st, const char *what)
{
    size_t off = ft_reader_offset(r);
    ft_reader_fail(r);
    memset(tx, 0, sizeof *tx);
    return ft_err_set(err, st, "%s at offset %zu", what, off);
}

/* Reads a CompactSize length followed by that many bytes; *p points at them. */
static int read_bytes(ft_reader *r, const uint8_t **p, size_t *len)
{
    uint64_t n;
    if (!ft_reader_compact(r, r->left, &n))
        return 0;
    *len = (size_t)n;
    *p = ft_reader_ptr(r, (size_t)n);
    return *p != NULL;
}

ft_status ft_btc_tx_parse(ft_btc_tx *tx, ft_reader *r, ft_arena *arena, ft_err *err)
{
    memset(tx, 0, sizeof *tx);
    if (r->failed)
        return tx_fail(tx, r, err, FT_ERR_PARSE, "transaction read from a failed reader");
    const uint8_t *raw = r->p;
    size_t start = ft_reader_offset(r);
    uint32_t u32;
    uint64_t n;

    if (!ft_reader_u32le(r, &u32))
        return tx_fail(tx, r, err, FT_ERR_PARSE, "truncated transaction version");
    tx->version = (int32_t)u32;

    /* BIP 144: a zero where the input count would be is the marker (zero inputs are invalid
     * anyway, so there is no ambiguity), followed by the flag. */
    ft_reader peek = *r;
    uint8_t marker = 0, flag = 0;
    int segwit = 0;
    if (ft_reader_u8(&peek, &marker) && marker == 0) {
        if (!ft_reader_u8(r, &marker) || !ft_reader_u8(r, &flag))
            return tx_fail(tx, r, err, FT_ERR_PARSE, "truncated witness flag");
        if (flag != 1)
            return tx_fail(tx, r, err, FT_ERR_PARSE, "unknown witness flag");
        segwit = 1;
    }

    if (!ft_reader_count(r, TXIN_MIN_SIZE, &n))
        return tx_fail(tx, r, err, FT_ERR_PARSE, "bad input count");
    if (n == 0)
        return tx_fail(tx, r, err, FT_ERR_PARSE, "transaction has no inputs");
    if (n > UINT32_MAX)
        return tx_fail(tx, r, err, FT_ERR_LIMIT, "too many inputs");
    tx->n_in = (uint32_t)n;
    tx->in = ft_arena_calloc(arena, tx->n_in, sizeof *tx->in);
    if (!tx->in)
        return tx_fail(tx, r, err, FT_ERR_NOMEM, "out of memory for inputs");
    for (uint32_t i = 0; i < tx->n_in; i++) {
        ft_btc_txin *in = &tx->in[i];
        if (!ft_reader_copy(r, in->prev_txid, 32) || !ft_reader_u32le(r, &in->prev_vout) ||
            !read_bytes(r, &in->script, &in->script_len) ||
            !ft_reader_u32le(r, &in->sequence))
            return tx_fail(tx, r, err, FT_ERR_PARSE, "truncated or malformed input");
    }

    if (!ft_reader_count(r, TXOUT_MIN_SIZE, &n))
        return tx_fail(tx, r, err, FT_ERR_PARSE, "bad output count");
    if (n > UINT32_MAX)
        return tx_fail(tx, r, err, FT_ERR_LIMIT, "too many outputs");
    tx->n_out = (uint32_t)n;
    /* n_out may be 0 (invalid by consensus, but that is the validator's business). */
    tx->out = ft_arena_calloc(arena, tx->n_out ? tx->n_out : 1, sizeof *tx->out);
    if (!tx->out)
        return tx_fail(tx, r, err, FT_ERR_NOMEM, "out of memory for outputs");
    for (uint32_t i = 0; i < tx->n_out; i++) {
        ft_btc_txout *out = &tx->out[i];
        if (!ft_reader_u64le(r, &out->value))
            return tx_fail(tx, r, err, FT_ERR_PARSE, "truncated output value");
        if (out->value > FT_BTC_MAX_MONEY)
            return tx_fail(tx, r, err, FT_ERR_PARSE, "output value above 21e6 btc");
        if (!read_bytes(r, &out->script, &out->script_len))
            return tx_fail(tx, r, err, FT_ERR_PARSE, "truncated or malformed output script");
    }

    size_t wit_off = ft_reader_offset(r) - start;
    if (segwit) {
        int any = 0;
        for (uint32_t i = 0; i < tx->n_in; i++) {
            ft_btc_txin *in = &tx->in[i];
            if (!ft_reader_count(r, 1, &in->witness_items))
                return tx_fail(tx, r, err, FT_ERR_PARSE, "bad witness item count");
            in->witness = r->p;
            for (uint64_t k = 0; k < in->witness_items; k++) {
                const uint8_t *item;
                size_t item_len;
                if (!read_bytes(r, &item, &item_len))
                    return tx_fail(tx, r, err, FT_ERR_PARSE, "truncated witness item");
            }
            in->witness_len = (size_t)(r->p - in->witness);
            if (in->witness_items)
                any = 1;
            else
                in->witness = NULL;
        }
        if (!any)
            return tx_fail(tx, r, err, FT_ERR_PARSE, "witness marker without witness data");
    }
    size_t lock_off = ft_reader_offset(r) - start;
    if (!ft_reader_u32le(r, &tx->locktime))
        return tx_fail(tx, r, err, FT_ERR_PARSE, "truncated locktime");

    tx->raw = raw;
    tx->size = ft_reader_offset(r) - start;
    tx->has_witness = segwit;
    if (!segwit) {
        tx->base_size = tx->size;
        ft_sha256d(tx->txid, raw, tx->size);
        memcpy(tx->wtxid, tx->txid, 32);
    } else {
        tx->base_size = 4 + (wit_off - 6) + 4;
        ft_sha256_ctx ctx;
        uint8_t first[32];
        ft_sha256_init(&ctx);
        ft_sha256_update(&ctx, raw, 4);
        ft_sha256_update(&ctx, raw + 6, wit_off - 6);
        ft_sha256_update(&ctx, raw + lock_off, 4);
        ft_sha256_final(&ctx, first);
        ft_sha256(tx->txid, first, 32);
        ft_sha256d(tx->wtxid, raw, tx->size);
    }
    return FT_OK;
}

void ft_btc_tx_serialize(ft_buf *out, const ft_btc_tx *tx, int with_witness)
{
    int wit = with_witness && tx->has_witness;
    ft_buf_u32le(out, (uint32_t)tx->version);
    if (wit) {
        ft_buf_u8(out, 0);
        ft_buf_u8(out, 1);
    }
    ft_buf_compact(out, tx->n_in);
    for (uint32_t i = 0; i < tx->n_in; i++) {
        const ft_btc_txin *in = &tx->in[i];
        ft_buf_append(out, in->prev_txid, 32);
        ft_buf_u32le(out, in->prev_vout);
        ft_buf_compact(out, in->script_len);
        ft_buf_append(out, in->script, in->script_len);
        ft_buf_u32le(out, in->sequence);
    }
    ft_buf_compact(out, tx->n_out);
    for (uint32_t i = 0; i < tx->n_out; i++) {
        const ft_btc_txout *o = &tx->out[i];
        ft_buf_u64le(out, o->value);
        ft_buf_compact(out, o->script_len);
        ft_buf_append(out, o->script, o->script_len);
    }
    if (wit) {
        for (uint32_t i = 0; i < tx->n_in; i++) {
            const ft_btc_txin *in = &tx->in[i];
            ft_buf_compact(out, in->witness_items);
            if (in->witness_len)
                ft_buf_append(out, in->witness, in->witness_len);
        }
    }
    ft_buf_u32le(out, tx->locktime);
}

int ft_btc_tx_is_coinbase(const ft_btc_tx *tx)
{
    static const uint8_t zero[32];
    return tx->n_in == 1 && tx->in[0].prev_vout == 0xffffffffu &&
           memcmp(tx->in[0].prev_txid, zero, 32) == 0;
}
