/*
 * block.c — Bitcoin block parsing and checks, header hashing and proof-of-work (see block.h).
 *
 * A block is parsed in one pass with one ft_reader over the caller's buffer (zero-copy):
 * header (80 bytes, hashed in place), the tx count (bounded by the bytes left: a tx is at
 * least 60 bytes), then each tx through ft_btc_tx_parse into the block's own arena. The txids
 * go into an arena array for the merkle root, which must equal the header's and must not come
 * from a tree with two identical siblings (CVE-2012-2459: such a block has the same root as
 * a valid one, so it is rejected like a mismatch). Exactly one coinbase, first; no byte may
 * follow the last tx. The witness commitment in the coinbase is not checked (that is block
 * validation, not parsing).
 *
 * Work (for best-chain selection) is Core's GetBlockProof: for the target T decoded from the
 * compact bits, floor(2^256 / (T+1)) computed as (~T / (T+1)) + 1 in 256-bit arithmetic
 * (four 64-bit limbs, least significant first, binary long division). A negative, zero or
 * overflowing target has zero work.
 */
#include "chains/bitcoin/block.h"

#include <string.h>

#include "engine/hash.h"
#include "engine/hex.h"
#include "engine/reader.h"

#include "engine/banned.h"

#define TX_MIN_SIZE 60 /* version 4, 1 input (41), 1 output (9 + count), counts 2, locktime 4 */

ft_status ft_btc_header_parse(ft_btc_header *h, const uint8_t *data, size_t len)
{
    memset(h, 0, sizeof *h);
    if (!data || len < FT_BTC_HEADER_SIZE)
        return FT_ERR_PARSE;
    ft_reader r;
    uint32_t version;
    ft_reader_init(&r, data, FT_BTC_HEADER_SIZE);
    if (!ft_reader_u32le(&r, &version) || !ft_reader_copy(&r, h->prev, 32) ||
        !ft_reader_copy(&r, h->merkle, 32) || !ft_reader_u32le(&r, &h->time) ||
        !ft_reader_u32le(&r, &h->bits) || !ft_reader_u32le(&r, &h->nonce)) {
        memset(h, 0, sizeof *h);
        return FT_ERR_PARSE;
    }
    h->version = (int32_t)version;
    ft_sha256d(h->hash, data, FT_BTC_HEADER_SIZE);
    return FT_OK;
}

static ft_status block_fail(ft_btc_block *b, ft_status st)
{
    ft_arena_release(&b->arena);
    memset(b, 0, sizeof *b);
    return st;
}

ft_status ft_btc_block_parse(ft_btc_block *b, const uint8_t *data, size_t len, ft_err *err)
{
    memset(b, 0, sizeof *b);
    ft_arena_init(&b->arena);
    if (len > FT_BTC_MAX_BLOCK_SIZE)
        return ft_err_set(err, FT_ERR_LIMIT, "block of %zu bytes exceeds the %u-byte limit", len,
                          FT_BTC_MAX_BLOCK_SIZE);
    if (ft_btc_header_parse(&b->header, data, len) != FT_OK)
        return ft_err_set(err, FT_ERR_PARSE, "truncated block header (%zu of 80 bytes)", len);
    char hash[65];
    ft_hex_encode_rev(hash, b->header.hash, 32);

    ft_reader r;
    uint64_t n;
    ft_reader_init(&r, data, len);
    if (!ft_reader_skip(&r, FT_BTC_HEADER_SIZE) || !ft_reader_count(&r, TX_MIN_SIZE, &n)) {
        ft_err_set(err, FT_ERR_PARSE, "bad transaction count in block %s at offset 80", hash);
        return block_fail(b, FT_ERR_PARSE);
    }
    if (n == 0) {
        ft_err_set(err, FT_ERR_PARSE, "block %s has no transactions", hash);
        return block_fail(b, FT_ERR_PARSE);
    }
    ft_btc_tx *txs = ft_arena_calloc(&b->arena, (size_t)n, sizeof *txs);
    uint8_t(*leaves)[32] = ft_arena_calloc(&b->arena, (size_t)n, 32);
    if (!txs || !leaves) {
        ft_err_set(err, FT_ERR_NOMEM, "out of memory parsing block %s", hash);
        return block_fail(b, FT_ERR_NOMEM);
    }
    for (uint64_t i = 0; i < n; i++) {
        ft_status st = ft_btc_tx_parse(&txs[i], &r, &b->arena, err);
        if (st != FT_OK) {
            ft_err_prefix(err, "tx %llu of block %s", (unsigned long long)i, hash);
            return block_fail(b, st);
        }
        int cb = ft_btc_tx_is_coinbase(&txs[i]);
        if (i == 0 && !cb) {
            ft_err_set(err, FT_ERR_PARSE, "first tx of block %s is not a coinbase", hash);
            return block_fail(b, FT_ERR_PARSE);
        }
        if (i > 0 && cb) {
            ft_err_set(err, FT_ERR_PARSE, "tx %llu of block %s is a second coinbase",
                       (unsigned long long)i, hash);
            return block_fail(b, FT_ERR_PARSE);
        }
        memcpy(leaves[i], txs[i].txid, 32);
    }
    if (r.left != 0) {
        ft_err_set(err, FT_ERR_PARSE, "%zu trailing bytes after the last tx of block %s at offset %zu",
                   r.left, hash, ft_reader_offset(&r));
        return block_fail(b, FT_ERR_PARSE);
    }
    uint8_t root[32];
    int mutated = 0;
    ft_status st = ft_merkle_root(root, &mutated, (const uint8_t(*)[32])leaves, (size_t)n);
    if (st != FT_OK) {
        ft_err_set(err, st, "cannot compute the merkle root of block %s", hash);
        return block_fail(b, st);
    }
    if (memcmp(root, b->header.merkle, 32) != 0) {
        ft_err_set(err, FT_ERR_PARSE, "merkle root mismatch in block %s", hash);
        return block_fail(b, FT_ERR_PARSE);
    }
    if (mutated) {
        ft_err_set(err, FT_ERR_PARSE,
                   "merkle root mismatch in block %s: duplicated subtree (cve-2012-2459)", hash);
        return block_fail(b, FT_ERR_PARSE);
    }
    b->n_tx = (uint32_t)n;
    b->txs = txs;
    b->size = len;
    return FT_OK;
}

void ft_btc_block_release(ft_btc_block *b)
{
    ft_arena_release(&b->arena);
    memset(b, 0, sizeof *b);
}

/* 256-bit helpers: four 64-bit limbs, w[0] least significant. */
typedef struct u256 {
    uint64_t w[4];
} u256;

static int u256_is_zero(const u256 *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

static int u256_ge(const u256 *a, const u256 *b)
{
    for (int i = 3; i >= 0; i--)
        if (a->w[i] != b->w[i])
            return a->w[i] > b->w[i];
    return 1;
}

/* a -= b modulo 2^256 */
static void u256_sub(u256 *a, const u256 *b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t x = a->w[i], y = b->w[i];
        uint64_t d = x - y - borrow;
        borrow = (x < y) || (x - y < borrow);
        a->w[i] = d;
    }
}

/* a += 1 modulo 2^256 */
static void u256_inc(u256 *a)
{
    for (int i = 0; i < 4; i++)
        if (++a->w[i] != 0)
            break;
}

/* Returns the bit shifted out at the top. */
static int u256_shl1(u256 *a)
{
    int top = (int)(a->w[3] >> 63);
    for (int i = 3; i > 0; i--)
        a->w[i] = a->w[i] << 1 | a->w[i - 1] >> 63;
    a->w[0] <<= 1;
    return top;
}

/* Decodes Core's compact target; returns 0 for a negative, zero or overflowing one. */
static int compact_target(u256 *t, uint32_t bits)
{
    memset(t, 0, sizeof *t);
    unsigned size = bits >> 24;
    uint32_t word = bits & 0x007fffffu;
    int negative = word != 0 && (bits & 0x00800000u);
    int overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) ||
                                 (word > 0xffff && size > 32));
    if (negative || overflow || word == 0)
        return 0; /* word 0: a zero target whatever the size (which may be up to 255) */
    if (size <= 3) {
        t->w[0] = word >> (8 * (3 - size));
    } else {
        unsigned shift = 8 * (size - 3); /* <= 248 after the checks above: limb <= 3 */
        unsigned limb = shift / 64, bit = shift % 64;
        t->w[limb] = (uint64_t)word << bit;
        if (bit && limb + 1 < 4)
            t->w[limb + 1] = (uint64_t)word >> (64 - bit);
    }
    return !u256_is_zero(t);
}

void ft_btc_header_work(uint8_t out[32], uint32_t bits)
{
    memset(out, 0, 32);
    u256 t;
    if (!compact_target(&t, bits))
        return;
    u256 num, den = t, q = {{0}}, rem = {{0}};
    for (int i = 0; i < 4; i++)
        num.w[i] = ~t.w[i];
    u256_inc(&den); /* T + 1: no wrap, T < 2^256 - 1 for any valid compact value */
    for (int i = 255; i >= 0; i--) {
        int carry = u256_shl1(&rem);
        rem.w[0] |= (num.w[i / 64] >> (i % 64)) & 1;
        if (carry || u256_ge(&rem, &den)) {
            u256_sub(&rem, &den); /* the true value is below den, so the wrap is exact */
            q.w[i / 64] |= (uint64_t)1 << (i % 64);
        }
    }
    u256_inc(&q);
    for (int i = 0; i < 4; i++)
        ft_put_u64be(out + 8 * (3 - i), q.w[i]);
}
