/*
 * coinjoin.c — CoinJoin detection (the `coinjoin` filter of the registry).
 *
 * What: classify every transaction by shape (coinjoin.h lists the rules) and store the kind
 * per tx in ctx->cj_kind; multi-input and the change heuristics skip the multi-party kinds.
 * How: one parallel pass over the txs; each classification looks at one tx's input and
 * output columns only (values, input addresses), sorting a copy of the output values to
 * find the most frequent one (insertion sort up to 24 values, qsort above: same order).
 * Invariant: pure per tx, so the result is the same for any thread count. A false positive costs recall (a real multi-input tx left unmerged), a false
 * negative costs precision (strangers merged): the rules lean towards flagging.
 * References: Möser & Narayanan (Resurrecting Address Clustering in Bitcoin, 2022) for
 * equal-output detection; Samourai Whirlpool, Wasabi 1 and WabiSabi documentation for the
 * pool sizes and denominations; BlockSci's CoinJoin heuristic (Kalodner et al. 2020).
 */
#include "heuristics/coinjoin.h"

#include <stdlib.h>
#include <string.h>

#include "heuristics/registry.h"

#include "engine/banned.h"

#define SAT_PER_BTC 100000000ull
#define MIN_EQUAL_VALUE 1000ull /* below this, equal outputs are dust, not mix outputs */

static const uint64_t whirlpool_pools[4] = {100000ull, 1000000ull, 5000000ull, 50000000ull};

const char *ft_coinjoin_kind_name(ft_coinjoin_kind k)
{
    static const char *const names[FT_CJ_KIND_COUNT] = {
        "none", "whirlpool", "whirlpool_tx0", "wasabi1", "wasabi2", "joinmarket", "generic"};
    return (unsigned)k < FT_CJ_KIND_COUNT ? names[k] : "none";
}

int ft_coinjoin_multi_party(ft_coinjoin_kind k)
{
    return k != FT_CJ_NONE && k != FT_CJ_WHIRLPOOL_TX0;
}

int ft_coinjoin_is_standard_denom(uint64_t v)
{
    if (v < 5000)
        return 0;
    if ((v & (v - 1)) == 0)
        return 1;
    uint64_t x = v;
    while (x % 10 == 0)
        x /= 10;
    if (x == 1 || x == 2 || x == 5 || x == 25)
        return 1;
    x = v;
    while (x % 3 == 0)
        x /= 3;
    return x == 1 || x == 2;
}

static int pool_of(uint64_t v)
{
    for (int p = 0; p < 4; p++)
        if (v == whirlpool_pools[p])
            return p;
    return -1;
}

/* Premix outputs carry the pool size plus the miner allowance of one mix. */
static int premix_pool(uint64_t v)
{
    for (int p = 0; p < 4; p++) {
        uint64_t d = whirlpool_pools[p];
        uint64_t slack = d / 10 > 50000 ? d / 10 : 50000;
        if (v > d && v <= d + slack)
            return p;
    }
    return -1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Most txs have a handful of outputs and inputs: an insertion sort (inlined compares) beats
 * qsort's call per comparison there; the sorted result is the same. */
#define SMALL_SORT 24

static void sort_u64(uint64_t *v, uint32_t n)
{
    if (n > SMALL_SORT) {
        qsort(v, n, sizeof *v, cmp_u64);
        return;
    }
    for (uint32_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        uint32_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static void sort_u32(uint32_t *v, uint32_t n)
{
    if (n > SMALL_SORT) {
        qsort(v, n, sizeof *v, cmp_u32);
        return;
    }
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        uint32_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

typedef struct shape {
    uint32_t n_in, n_out;
    uint64_t mode_value; /* most frequent output value >= MIN_EQUAL_VALUE (largest on ties) */
    uint32_t mode_count;
    uint32_t std_levels;  /* distinct standard denominations used at least twice */
    uint32_t std_outputs; /* outputs that are standard denominations */
    uint32_t nulldata;    /* outputs with no address and value 0 */
    uint64_t premix_value; /* most frequent value in a Whirlpool premix range */
    uint32_t premix_count;
    uint32_t w1_count;     /* most outputs of one value between 0.09 and 0.11 BTC */
} shape;

/* Fills s from the sorted output values vals[0..n-1]. */
static void output_stats(shape *s, const uint64_t *vals, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i;
        while (j < n && vals[j] == vals[i])
            j++;
        uint32_t c = j - i;
        if (vals[i] >= MIN_EQUAL_VALUE && c >= s->mode_count) {
            s->mode_count = c;
            s->mode_value = vals[i];
        }
        if (premix_pool(vals[i]) >= 0 && c > s->premix_count) {
            s->premix_count = c;
            s->premix_value = vals[i];
        }
        if (vals[i] >= SAT_PER_BTC / 100 * 9 && vals[i] <= SAT_PER_BTC / 100 * 11 &&
            c > s->w1_count)
            s->w1_count = c;
        if (ft_coinjoin_is_standard_denom(vals[i])) {
            s->std_outputs += c;
            if (c >= 2)
                s->std_levels++;
        }
        i = j;
    }
}

static uint32_t distinct_input_addrs(const ft_graph *g, uint32_t t, uint32_t *buf)
{
    uint32_t n = ft_graph_n_in(g, t), base = g->in_off[t];
    for (uint32_t i = 0; i < n; i++)
        buf[i] = ft_graph_in_addr(g, base + i);
    sort_u32(buf, n);
    uint32_t d = 0;
    for (uint32_t i = 0; i < n; i++)
        if (i == 0 || buf[i] != buf[i - 1])
            d++;
    return d;
}

#define STACK_N 256

ft_coinjoin_kind ft_coinjoin_classify(const ft_graph *g, uint32_t t)
{
    if (g->model != FT_GRAPH_UTXO || (g->tx_flags[t] & FT_GRAPH_TX_COINBASE))
        return FT_CJ_NONE;
    shape s;
    memset(&s, 0, sizeof s);
    s.n_in = ft_graph_n_in(g, t);
    s.n_out = ft_graph_n_out(g, t);
    if (s.n_in == 0 || s.n_out < 3)
        return FT_CJ_NONE;
    uint32_t o0 = g->out_off[t];

    /* Whirlpool mix: 5 x 5 at a pool size. */
    if (s.n_in == 5 && s.n_out == 5) {
        int p = pool_of(g->out_value[o0]);
        int ok = p >= 0;
        for (uint32_t j = 1; j < 5 && ok; j++)
            ok = g->out_value[o0 + j] == g->out_value[o0];
        for (uint32_t i = 0; i < 5 && ok; i++) {
            uint64_t v = ft_graph_in_value(g, g->in_off[t] + i);
            ok = v >= whirlpool_pools[p] && (v == whirlpool_pools[p] || premix_pool(v) == p);
        }
        if (ok)
            return FT_CJ_WHIRLPOOL;
    }

    uint64_t vstack[STACK_N];
    uint32_t astack[STACK_N];
    uint64_t *vals = vstack;
    uint32_t *abuf = astack;
    uint64_t *vheap = NULL;
    uint32_t *aheap = NULL;
    if (s.n_out > STACK_N) {
        vheap = malloc((size_t)s.n_out * sizeof *vheap);
        if (!vheap)
            return FT_CJ_NONE;
        vals = vheap;
    }
    for (uint32_t j = 0; j < s.n_out; j++) {
        vals[j] = g->out_value[o0 + j];
        if (g->out_addr[o0 + j] == 0 && vals[j] == 0)
            s.nulldata++;
    }
    sort_u64(vals, s.n_out);
    output_stats(&s, vals, s.n_out);
    free(vheap);

    ft_coinjoin_kind kind = FT_CJ_NONE;
    /* Whirlpool Tx0: OP_RETURN, k equal premix outputs, at most 3 others. */
    if (s.nulldata == 1 && s.premix_count >= 1 && s.n_out - s.premix_count - 1 <= 3 &&
        s.n_out - s.premix_count - 1 >= 1)
        kind = FT_CJ_WHIRLPOOL_TX0;
    else if (s.n_in >= 3 && s.n_out >= 5 && s.std_levels >= 1 &&
             5 * (uint64_t)s.std_outputs >= 4ull * s.n_out)
        kind = FT_CJ_WASABI2;
    else if (s.n_in >= 3 && s.w1_count >= 3 && s.n_in >= s.w1_count)
        kind = FT_CJ_WASABI1;
    if (kind != FT_CJ_NONE || s.mode_count < 3)
        return kind;

    if (s.n_in > STACK_N) {
        aheap = malloc((size_t)s.n_in * sizeof *aheap);
        if (!aheap)
            return FT_CJ_NONE;
        abuf = aheap;
    }
    uint32_t d_in = distinct_input_addrs(g, t, abuf);
    free(aheap);
    if (pool_of(s.mode_value) < 0 && s.n_in >= s.mode_count && s.n_out <= 2 * s.mode_count + 1 &&
        d_in >= 2)
        return FT_CJ_JOINMARKET;
    if (2 * s.mode_count >= s.n_out && d_in >= s.mode_count)
        return FT_CJ_GENERIC;
    return FT_CJ_NONE;
}

ft_status ft_coinjoin_prepare(ft_cluster_ctx *ctx, ft_err *err)
{
    const ft_graph *g = ctx->g;
    if (g->model != FT_GRAPH_UTXO)
        return FT_OK;
    uint8_t *k = malloc((size_t)g->n_tx + 1);
    if (!k)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for coinjoin flags of %u txs",
                          g->n_tx);
#pragma omp parallel for schedule(dynamic, 4096)
    for (int64_t t = 0; t < (int64_t)g->n_tx; t++)
        k[t] = (uint8_t)ft_coinjoin_classify(g, (uint32_t)t);
    ctx->cj_kind = k;
    return FT_OK;
}
