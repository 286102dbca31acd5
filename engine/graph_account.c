/*
 * graph_account.c — loads an account chain (engine/account.h) into the account part of the
 * analysis graph (engine/graph.h): dense arrays the clustering heuristics and the account
 * tracer (engine/trace_account.c) read.
 *
 * How: three prefix scans in key order, no per-item lookups —
 *     0x11 chain height        block records  → block time per height
 *     0x13 chain height index  tx records     → dense tx id (chain order), tx hash
 *     0x15 chain height seq    transfer rows  → one transfer per row flagged FT_XFER_MOVES
 * Addresses get dense ids 1.. at first sight in row order (sender before recipient) through
 * an open-addressing hash table of the 20-byte keys, tokens ids 1.. likewise (0 = native).
 * At the end the address and tx lookups are sorted arrays searched by binary search, and each
 * token's decimals come from its token record (0x16 chain contract, one get per token).
 *
 * Invariants: transfers are in execution order (height, seq); a tx's transfers are the
 * contiguous range atx_first .. atx_first + atx_count - 1 (rows of one tx are contiguous in
 * the ledger, fee first); amounts fit 128 bits (a larger value is FT_ERR_LIMIT: real ETH and
 * ordinary token amounts are far below 2^128, but a token may mint 2^255 units); every array
 * is a plain malloc() block.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/account.h"
#include "engine/graph.h"
#include "engine/keys.h"
#include "engine/reader.h"
#include "engine/store.h"
#include "engine/u256.h"

#include "engine/banned.h"

#define ID_LIMIT (UINT32_MAX - 2u)

/* Open-addressing table of 20-byte keys → ids (the keys live in the caller's array). */
typedef struct addr_table {
    uint32_t *slot; /* 0 = empty, else id */
    size_t cap;     /* power of two */
    size_t used;
} addr_table;

static uint64_t key_hash20(const uint8_t k[20])
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 20; i++)
        h = (h ^ k[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

typedef struct id_vec {
    uint8_t (*bytes)[20];
    uint32_t n, cap; /* n includes id 0 */
} id_vec;

static int vec_push(id_vec *v, const uint8_t k[20])
{
    if (v->n == v->cap) {
        uint32_t nc = v->cap ? v->cap * 2 : 64;
        if (nc < v->cap || nc > ID_LIMIT + 1u)
            nc = ID_LIMIT + 1u;
        if (nc == v->cap)
            return 0;
        void *p = realloc(v->bytes, (size_t)nc * 20);
        if (!p)
            return 0;
        v->bytes = p;
        v->cap = nc;
    }
    memcpy(v->bytes[v->n], k, 20);
    v->n++;
    return 1;
}

static int table_grow(addr_table *t, const id_vec *v)
{
    size_t nc = t->cap ? t->cap * 2 : 1024;
    uint32_t *ns = calloc(nc, sizeof *ns);
    if (!ns)
        return 0;
    for (size_t i = 0; i < t->cap; i++) {
        uint32_t id = t->slot[i];
        if (!id)
            continue;
        size_t j = (size_t)key_hash20(v->bytes[id]) & (nc - 1);
        while (ns[j])
            j = (j + 1) & (nc - 1);
        ns[j] = id;
    }
    free(t->slot);
    t->slot = ns;
    t->cap = nc;
    return 1;
}

/* The id of k, numbering it when new: 0 on out of memory or beyond ID_LIMIT ids. */
static uint32_t intern(addr_table *t, id_vec *v, const uint8_t k[20])
{
    if ((t->used + 1) * 2 > t->cap && !table_grow(t, v))
        return 0;
    size_t j = (size_t)key_hash20(k) & (t->cap - 1);
    while (t->slot[j]) {
        if (memcmp(v->bytes[t->slot[j]], k, 20) == 0)
            return t->slot[j];
        j = (j + 1) & (t->cap - 1);
    }
    if (v->n > ID_LIMIT || !vec_push(v, k))
        return 0;
    t->slot[j] = v->n - 1;
    t->used++;
    return v->n - 1;
}

typedef struct sort20 {
    uint8_t k[20];
    uint32_t id;
} sort20;

typedef struct sort32 {
    uint8_t k[32];
    uint32_t id;
} sort32;

static int cmp20(const void *a, const void *b)
{
    return memcmp(((const sort20 *)a)->k, ((const sort20 *)b)->k, 20);
}

static int cmp32(const void *a, const void *b)
{
    return memcmp(((const sort32 *)a)->k, ((const sort32 *)b)->k, 32);
}

void ft_graph_account_free(ft_graph *g)
{
    free(g->xfer_kind);
    free(g->xfer_flags);
    free(g->xfer_asset);
    free(g->xfer_amount);
    free(g->addr_bytes);
    free(g->addr_sorted);
    free(g->asset_addr);
    free(g->asset_decimals);
    free(g->atx_hash);
    free(g->atx_first);
    free(g->atx_count);
    free(g->atx_sorted);
    g->xfer_kind = NULL;
    g->xfer_flags = NULL;
    g->xfer_asset = NULL;
    g->xfer_amount = NULL;
    g->addr_bytes = NULL;
    g->addr_sorted = NULL;
    g->asset_addr = NULL;
    g->asset_decimals = NULL;
    g->atx_hash = NULL;
    g->atx_first = NULL;
    g->atx_count = NULL;
    g->atx_sorted = NULL;
}

uint32_t ft_graph_account_addr_id(const ft_graph *g, const uint8_t addr[20])
{
    if (!g->addr_sorted || g->n_addr < 2)
        return 0;
    size_t lo = 0, hi = g->n_addr - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(g->addr_bytes[g->addr_sorted[mid]], addr, 20);
        if (c == 0)
            return g->addr_sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

uint32_t ft_graph_account_tx_id(const ft_graph *g, const uint8_t hash[32])
{
    if (!g->atx_sorted)
        return FT_GRAPH_NONE;
    size_t lo = 0, hi = g->n_atx;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(g->atx_hash[g->atx_sorted[mid]], hash, 32);
        if (c == 0)
            return g->atx_sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return FT_GRAPH_NONE;
}

static ft_status corrupt(ft_store *st, ft_err *err, const char *what, uint32_t h)
{
    return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': %s at block %u while loading the graph",
                      ft_store_path(st), what, h);
}

/* Per-block times and tx bases (blocks first_height .. tip). */
typedef struct block_info {
    uint32_t first, n;
    int64_t *time;     /* n */
    uint32_t *tx_base; /* n + 1: dense id of the block's tx 0 */
} block_info;

static ft_status scan_blocks(ft_store *st, uint8_t chain, block_info *bi, ft_err *err)
{
    uint8_t prefix[2] = {FT_KEY_ACCT_BLOCK, chain};
    ft_store_iter *it = ft_store_iter_new(st, prefix, 2);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a store iterator");
    const uint8_t *k, *v;
    size_t kl, vl;
    ft_status s = FT_OK;
    uint32_t i = 0;
    uint64_t ntx = 0;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        uint32_t h = kl == 6 ? ft_get_u32be(k + 2) : 0;
        if (kl != 6 || i >= bi->n || h != bi->first + i) {
            s = corrupt(st, err, "block key out of sequence", h);
            break;
        }
        ft_account_block b;
        if (!ft_account_block_decode(&b, h, v, vl)) {
            s = corrupt(st, err, "bad block record", h);
            break;
        }
        bi->time[i] = b.time;
        bi->tx_base[i] = (uint32_t)ntx;
        ntx += b.n_tx;
        if (ntx > ID_LIMIT) {
            s = ft_err_set(err, FT_ERR_LIMIT, "more than %u transactions in the account graph",
                           ID_LIMIT);
            break;
        }
        i++;
    }
    if (s == FT_OK)
        s = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (s == FT_OK && i != bi->n)
        s = corrupt(st, err, "block records missing", bi->first + i);
    if (s == FT_OK)
        bi->tx_base[bi->n] = (uint32_t)ntx;
    return s;
}

static ft_status scan_txs(ft_store *st, uint8_t chain, const block_info *bi, ft_graph *g,
                          ft_err *err)
{
    uint8_t prefix[2] = {FT_KEY_ACCT_TX, chain};
    ft_store_iter *it = ft_store_iter_new(st, prefix, 2);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a store iterator");
    const uint8_t *k, *v;
    size_t kl, vl;
    ft_status s = FT_OK;
    uint32_t t = 0;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        uint32_t h = kl == 10 ? ft_get_u32be(k + 2) : 0, idx = kl == 10 ? ft_get_u32be(k + 6) : 0;
        if (kl != 10 || h < bi->first || h - bi->first >= bi->n ||
            bi->tx_base[h - bi->first] + idx != t || t >= g->n_atx) {
            s = corrupt(st, err, "tx key out of sequence", h);
            break;
        }
        ft_account_tx tx;
        if (!ft_account_tx_decode(&tx, idx, v, vl)) {
            s = corrupt(st, err, "bad tx record", h);
            break;
        }
        memcpy(g->atx_hash[t], tx.hash, 32);
        t++;
    }
    if (s == FT_OK)
        s = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (s == FT_OK && t != g->n_atx)
        s = corrupt(st, err, "tx records missing", bi->first + bi->n - 1);
    return s;
}

typedef struct xfer_cols {
    uint32_t n, cap;
} xfer_cols;

static int cols_reserve(ft_graph *g, xfer_cols *c)
{
    if (c->n < c->cap)
        return 1;
    uint32_t nc = c->cap ? c->cap * 2 : 1024;
    if (nc < c->cap || nc > ID_LIMIT)
        nc = ID_LIMIT;
    if (nc <= c->n)
        return 0;
#define GROW(field)                                                                        \
    do {                                                                                   \
        void *p_ = realloc(g->field, (size_t)nc * sizeof *g->field);                       \
        if (!p_)                                                                           \
            return 0;                                                                      \
        g->field = p_;                                                                     \
    } while (0)
    GROW(xfer_from);
    GROW(xfer_to);
    GROW(xfer_tx);
    GROW(xfer_time);
    GROW(xfer_kind);
    GROW(xfer_flags);
    GROW(xfer_asset);
    GROW(xfer_amount);
#undef GROW
    c->cap = nc;
    return 1;
}

static ft_status scan_xfers(ft_store *st, uint8_t chain, const block_info *bi, ft_graph *g,
                            ft_err *err)
{
    static const uint8_t zero[20] = {0};
    addr_table at = {NULL, 0, 0}, tt = {NULL, 0, 0};
    id_vec av = {NULL, 0, 0}, tv = {NULL, 0, 0};
    xfer_cols c = {0, 0};
    ft_status s = FT_OK;
    uint8_t prefix[2] = {FT_KEY_ACCT_XFER, chain};
    ft_store_iter *it = NULL;
    if (!vec_push(&av, zero) || !vec_push(&tv, zero)) {
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory loading the account graph");
        goto out;
    }
    it = ft_store_iter_new(st, prefix, 2);
    if (!it) {
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory for a store iterator");
        goto out;
    }
    for (uint32_t t = 0; t < g->n_atx; t++)
        g->atx_count[t] = 0;
    uint32_t next_tx = 0; /* txs below have their atx_first set */
    const uint8_t *k, *v;
    size_t kl, vl;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        uint32_t h = kl == 10 ? ft_get_u32be(k + 2) : 0, seq = kl == 10 ? ft_get_u32be(k + 6) : 0;
        if (kl != 10 || h < bi->first || h - bi->first >= bi->n) {
            s = corrupt(st, err, "transfer key out of range", h);
            break;
        }
        ft_account_xfer x;
        if (!ft_account_xfer_decode(&x, v, vl)) {
            s = corrupt(st, err, "bad transfer record", h);
            break;
        }
        free(x.trace_addr);
        if (!(x.flags & FT_XFER_MOVES))
            continue;
        uint32_t b = h - bi->first, tx = FT_GRAPH_NONE;
        if (x.tx_index != FT_ACCOUNT_NO_TX) {
            if (x.tx_index >= bi->tx_base[b + 1] - bi->tx_base[b]) {
                s = corrupt(st, err, "transfer of a tx the block does not have", h);
                break;
            }
            tx = bi->tx_base[b] + x.tx_index;
            if (tx + 1 < next_tx || (tx + 1 == next_tx && g->atx_first[tx] +
                                                              g->atx_count[tx] != c.n)) {
                s = corrupt(st, err, "transfers of a tx not contiguous", h);
                break;
            }
        }
        ft_u128 amount;
        if (!ft_u256_to_u128(&amount, &x.amount)) {
            s = ft_err_set(err, FT_ERR_LIMIT,
                           "transfer %u of block %u moves more than 2^128-1 base units: "
                           "amounts above 128 bits are not supported by the analysis",
                           seq, h);
            break;
        }
        if (!cols_reserve(g, &c)) {
            s = c.n >= ID_LIMIT ? ft_err_set(err, FT_ERR_LIMIT,
                                             "more than %u transfers in the account graph",
                                             ID_LIMIT)
                                : ft_err_set(err, FT_ERR_NOMEM,
                                             "out of memory for %u transfers", c.n);
            break;
        }
        uint32_t from = x.has_from ? intern(&at, &av, x.from) : 0;
        uint32_t to = x.has_to ? intern(&at, &av, x.to) : 0;
        uint32_t asset = x.has_asset ? intern(&tt, &tv, x.asset) : 0;
        if ((x.has_from && !from) || (x.has_to && !to) || (x.has_asset && !asset)) {
            s = av.n > ID_LIMIT ? ft_err_set(err, FT_ERR_LIMIT,
                                             "more than %u addresses in the account graph",
                                             ID_LIMIT)
                                : ft_err_set(err, FT_ERR_NOMEM, "out of memory for addresses");
            break;
        }
        if (tx != FT_GRAPH_NONE) {
            while (next_tx <= tx) { /* txs without moving rows get an empty range here */
                g->atx_first[next_tx] = c.n;
                next_tx++;
            }
            g->atx_count[tx]++;
        }
        g->xfer_from[c.n] = from;
        g->xfer_to[c.n] = to;
        g->xfer_tx[c.n] = tx;
        g->xfer_time[c.n] = bi->time[b];
        g->xfer_kind[c.n] = x.kind;
        g->xfer_flags[c.n] = x.flags;
        g->xfer_asset[c.n] = asset;
        g->xfer_amount[c.n] = amount;
        c.n++;
    }
    if (s == FT_OK)
        s = ft_store_iter_status(it, err);
    if (s == FT_OK)
        for (; next_tx < g->n_atx; next_tx++)
            g->atx_first[next_tx] = c.n;
out:
    ft_store_iter_free(it);
    free(at.slot);
    free(tt.slot);
    g->n_xfer = c.n;
    g->addr_bytes = av.bytes;
    g->n_addr = av.n;
    g->asset_addr = tv.bytes;
    g->n_asset = tv.n;
    return s;
}

/* asset_decimals: the native asset's, then each token's from its token record (a point
 * lookup per token: there are few tokens next to transfers). No record, or a record without
 * decimals (the contract's decimals() reverted): FT_GRAPH_DECIMALS_UNKNOWN. */
static ft_status load_decimals(ft_graph *g, ft_store *st, ft_err *err)
{
    g->asset_decimals = malloc((size_t)g->n_asset + 1);
    if (!g->asset_decimals)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the decimals of %u assets",
                          g->n_asset);
    g->asset_decimals[0] = FT_GRAPH_NATIVE_DECIMALS;
    for (uint32_t i = 1; i < g->n_asset; i++) {
        ft_account_token t;
        ft_status s = ft_account_token_get(st, g->chain, g->asset_addr[i], &t, err);
        if (s == FT_ERR_NOTFOUND) {
            ft_err_clear(err);
            g->asset_decimals[i] = FT_GRAPH_DECIMALS_UNKNOWN;
            continue;
        }
        if (s != FT_OK)
            return s;
        g->asset_decimals[i] = t.has_decimals ? t.decimals : FT_GRAPH_DECIMALS_UNKNOWN;
    }
    return FT_OK;
}

static ft_status build_lookups(ft_graph *g, ft_err *err)
{
    uint32_t na = g->n_addr > 0 ? g->n_addr - 1 : 0;
    sort20 *a = malloc(((size_t)na + 1) * sizeof *a);
    sort32 *t = malloc(((size_t)g->n_atx + 1) * sizeof *t);
    g->addr_sorted = malloc(((size_t)na + 1) * sizeof *g->addr_sorted);
    g->atx_sorted = malloc(((size_t)g->n_atx + 1) * sizeof *g->atx_sorted);
    if (!a || !t || !g->addr_sorted || !g->atx_sorted) {
        free(a);
        free(t);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory sorting %u addresses", na);
    }
    for (uint32_t i = 0; i < na; i++) {
        memcpy(a[i].k, g->addr_bytes[i + 1], 20);
        a[i].id = i + 1;
    }
    qsort(a, na, sizeof *a, cmp20);
    for (uint32_t i = 0; i < na; i++)
        g->addr_sorted[i] = a[i].id;
    for (uint32_t i = 0; i < g->n_atx; i++) {
        memcpy(t[i].k, g->atx_hash[i], 32);
        t[i].id = i;
    }
    qsort(t, g->n_atx, sizeof *t, cmp32);
    for (uint32_t i = 0; i < g->n_atx; i++)
        g->atx_sorted[i] = t[i].id;
    free(a);
    free(t);
    return FT_OK;
}

ft_status ft_graph_load_account(ft_graph *g, ft_store *st, uint8_t chain, ft_err *err)
{
    memset(g, 0, sizeof *g);
    g->model = FT_GRAPH_ACCOUNT;
    g->chain = chain;
    ft_account_chainrec rec;
    ft_status s = ft_account_chain_get(st, chain, &rec, err);
    if (s != FT_OK)
        return s;
    if (!rec.has_tip)
        return ft_err_set(err, FT_ERR_NOTFOUND, "account chain %u holds no blocks", chain);
    if (rec.tip_height < rec.first_height)
        return corrupt(st, err, "tip below the first block", rec.tip_height);
    block_info bi;
    bi.first = rec.first_height;
    bi.n = rec.tip_height - rec.first_height + 1;
    bi.time = malloc((size_t)bi.n * sizeof *bi.time);
    bi.tx_base = malloc(((size_t)bi.n + 1) * sizeof *bi.tx_base);
    if (!bi.time || !bi.tx_base) {
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory for %u blocks", bi.n);
        goto out;
    }
    s = scan_blocks(st, chain, &bi, err);
    if (s != FT_OK)
        goto out;
    g->n_atx = bi.tx_base[bi.n];
    g->atx_hash = malloc(((size_t)g->n_atx + 1) * 32);
    g->atx_first = malloc(((size_t)g->n_atx + 1) * sizeof *g->atx_first);
    g->atx_count = malloc(((size_t)g->n_atx + 1) * sizeof *g->atx_count);
    if (!g->atx_hash || !g->atx_first || !g->atx_count) {
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory for %u transactions", g->n_atx);
        goto out;
    }
    s = scan_txs(st, chain, &bi, g, err);
    if (s == FT_OK)
        s = scan_xfers(st, chain, &bi, g, err);
    if (s == FT_OK)
        s = load_decimals(g, st, err);
    if (s == FT_OK)
        s = build_lookups(g, err);
out:
    free(bi.time);
    free(bi.tx_base);
    if (s != FT_OK)
        ft_graph_release(g);
    return s;
}
