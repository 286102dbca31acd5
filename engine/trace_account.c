/*
 * trace_account.c — the taint models on account chains (trace_account.h): per track
 * (incident, model) a sparse map (address, asset) → state, walked over the transfers in
 * execution order from the track's first seed.
 *
 *     balances (once, shared):  pre_from[x] = max(balance of (from, asset) before x, amount)
 *                               pre_to[x]   = balance of (to, asset) before x (after the
 *                                             sending half when from == to)
 *                               final balance of every (address, asset)
 *     track:  x = first seed .. n_xfer-1
 *               sender has state? → the model gives the transfer's taint t (and a tape)
 *               seed?             → t = max(t, seeded units), stolen += the difference
 *               deliver t: fees | terminal | below_threshold | hop_limit | recipient state
 *
 * fifo lots (one queue per state entry, head first; the queue always sums to the balance):
 *
 *     before   |--clean 7--|##taint 3##|--clean 2--|
 *     send 8   takes |--clean 7--|#1#|  → recipient appends those two segments
 *     after    |#2#|--clean 2--|
 *
 * Value an address sends beyond what the index saw it receive (an index that does not start
 * at genesis, prefunded accounts) is clean: balances never go below zero. Arithmetic is exact
 * in 128 bits; the haircut product T·a is formed in 256 bits and divided exactly.
 * Determinism: tracks share nothing but read-only inputs, each result lands in its own slot,
 * and the merge goes in track order, so the output is the same for any thread count.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/account.h"
#include "engine/labels.h"
#include "engine/prices.h"
#include "engine/trace_account.h"
#include "heuristics/taint.h"

#include "engine/banned.h"

#define NONE UINT32_MAX

/* ---- 128-bit muldiv ------------------------------------------------------------------------ */

ft_u128 ft_trace_account_muldiv(ft_u128 a, ft_u128 b, ft_u128 d)
{
    if (a == 0 || b == 0)
        return 0;
    if (a <= ~(ft_u128)0 / b)
        return a * b / d;
    /* 256-bit product hi:lo from 64-bit limbs */
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64), b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    ft_u128 p00 = (ft_u128)a0 * b0, p01 = (ft_u128)a0 * b1, p10 = (ft_u128)a1 * b0,
            p11 = (ft_u128)a1 * b1;
    ft_u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    ft_u128 lo = (ft_u128)(uint64_t)p00 | (mid << 64);
    ft_u128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    /* restoring division of hi:lo by d; hi < d because a <= d, so the quotient fits */
    ft_u128 q = 0, r = hi;
    for (int i = 127; i >= 0; i--) {
        int top = (int)(r >> 127);
        r = (r << 1) | ((lo >> i) & 1);
        q <<= 1;
        if (top || r >= d) {
            r -= d;
            q |= 1;
        }
    }
    return q;
}

/* ---- a small open-addressing map u64 → u32 -------------------------------------------------- */

typedef struct map {
    uint64_t *keys;
    uint32_t *vals; /* NONE = empty */
    size_t cap, used;
} map;

static uint64_t mix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    return k ^ (k >> 33);
}

static uint32_t map_get(const map *m, uint64_t key)
{
    if (!m->cap)
        return NONE;
    size_t j = (size_t)mix64(key) & (m->cap - 1);
    while (m->vals[j] != NONE) {
        if (m->keys[j] == key)
            return m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    return NONE;
}

/* Inserts key (absent) → val. 0 on out of memory. */
static int map_put(map *m, uint64_t key, uint32_t val)
{
    if ((m->used + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        uint64_t *nk = malloc(nc * sizeof *nk);
        uint32_t *nv = malloc(nc * sizeof *nv);
        if (!nk || !nv) {
            free(nk);
            free(nv);
            return 0;
        }
        memset(nv, 0xff, nc * sizeof *nv);
        for (size_t i = 0; i < m->cap; i++) {
            if (m->vals[i] == NONE)
                continue;
            size_t j = (size_t)mix64(m->keys[i]) & (nc - 1);
            while (nv[j] != NONE)
                j = (j + 1) & (nc - 1);
            nk[j] = m->keys[i];
            nv[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = nc;
    }
    size_t j = (size_t)mix64(key) & (m->cap - 1);
    while (m->vals[j] != NONE)
        j = (j + 1) & (m->cap - 1);
    m->keys[j] = key;
    m->vals[j] = val;
    m->used++;
    return 1;
}

static void map_free(map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static uint64_t akey(uint32_t addr, uint32_t asset)
{
    return (uint64_t)addr << 32 | asset;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * size);
    if (!q)
        return 0;
    *p = q;
    *cap = nc;
    return 1;
}

/* ---- shared balances ------------------------------------------------------------------------ */

typedef struct balances {
    ft_u128 *pre_from, *pre_to; /* n_xfer */
    map idx;                    /* (addr, asset) → slot in fin */
    ft_u128 *fin;
    size_t n_fin, cap_fin;
} balances;

static void balances_free(balances *b)
{
    free(b->pre_from);
    free(b->pre_to);
    free(b->fin);
    map_free(&b->idx);
}

static ft_u128 *bal_slot(balances *b, uint32_t addr, uint32_t asset)
{
    uint64_t k = akey(addr, asset);
    uint32_t i = map_get(&b->idx, k);
    if (i != NONE)
        return &b->fin[i];
    if (!grow((void **)&b->fin, &b->cap_fin, b->n_fin + 1, sizeof *b->fin) ||
        !map_put(&b->idx, k, (uint32_t)b->n_fin))
        return NULL;
    b->fin[b->n_fin] = 0;
    return &b->fin[b->n_fin++];
}

static ft_status balances_build(balances *b, const ft_graph *g, ft_err *err)
{
    memset(b, 0, sizeof *b);
    size_t n = g->n_xfer ? g->n_xfer : 1;
    b->pre_from = malloc(n * sizeof *b->pre_from);
    b->pre_to = malloc(n * sizeof *b->pre_to);
    if (!b->pre_from || !b->pre_to)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for balances of %u transfers",
                          g->n_xfer);
    for (uint32_t x = 0; x < g->n_xfer; x++) {
        ft_u128 a = g->xfer_amount[x];
        uint32_t asset = g->xfer_asset[x];
        b->pre_from[x] = a;
        if (g->xfer_from[x]) {
            ft_u128 *s = bal_slot(b, g->xfer_from[x], asset);
            if (!s)
                return ft_err_set(err, FT_ERR_NOMEM, "out of memory for balances");
            if (*s > a)
                b->pre_from[x] = *s;
            *s = *s > a ? *s - a : 0; /* unseen earlier income is clean */
        }
        b->pre_to[x] = 0;
        if (g->xfer_to[x]) {
            ft_u128 *r = bal_slot(b, g->xfer_to[x], asset);
            if (!r)
                return ft_err_set(err, FT_ERR_NOMEM, "out of memory for balances");
            b->pre_to[x] = *r;
            if (*r > ~(ft_u128)0 - a)
                return ft_err_set(err, FT_ERR_LIMIT, "a balance exceeds 2^128-1 base units at "
                                                     "transfer %u", x);
            *r += a;
        }
    }
    return FT_OK;
}

static ft_u128 bal_final(const balances *b, uint32_t addr, uint32_t asset)
{
    uint32_t i = map_get(&b->idx, akey(addr, asset));
    return i == NONE ? 0 : b->fin[i];
}

/* ---- one track ------------------------------------------------------------------------------ */

typedef struct lot {
    ft_u128 len;
    uint8_t tainted;
} lot;

typedef struct entry {
    uint32_t addr, asset;
    ft_u128 taint;
    uint32_t hop;
    uint8_t poisoned;
    uint32_t best_in;   /* paths: the incoming transfer that brought the most taint (NONE) */
    ft_u128 best_taint;
    lot *lots;
    uint32_t head, n, cap; /* lots[head .. n) */
} entry;

/* paths: tainted transfer x of a track came from pred (NONE: a seed) carrying taint. */
typedef struct link {
    uint32_t x, pred;
    ft_u128 taint;
} link;

/* Per flow, beside ft_trace_account_flow. */
typedef struct fextra {
    uint32_t last_tx;   /* tx of the last delivery (tx_count) */
    uint32_t best_x;    /* paths: the delivery with the most taint (ties: the first) */
    ft_u128 best_taint;
    ft_u128 usd_exact;  /* Σ taint × micro-USD price (10^decimals too large) */
    uint8_t usd_bad;    /* a delivery without a price, or an overflow */
} fextra;

typedef struct asum {
    uint32_t asset;
    ft_trace_summary s;
} asum;

typedef struct track {
    uint32_t incident, model;
    ft_status st;
    ft_err err;
    /* state */
    map emap;
    entry *e;
    size_t n_e, cap_e;
    /* fifo tape of the current transfer */
    lot *tape;
    size_t n_tape, cap_tape;
    /* results */
    asum *sums;
    size_t n_sums, cap_sums;
    map fmap;
    ft_trace_account_flow *flows;
    fextra *fx;
    size_t n_flows, cap_flows, cap_fx;
    map xmap;          /* exposure: (addr, asset) → slot in xp */
    ft_trace_account_exposure *xp;
    size_t n_xp, cap_xp;
    link *links;       /* paths: in transfer order (sorted by x) */
    size_t n_links, cap_links;
    ft_trace_account_step *path; /* paths, per flow in sorted flow order */
    size_t *path_off;
    size_t n_path, cap_path;
    uint64_t visited;
} track;

typedef struct ctx {
    const ft_graph *g;
    const uint8_t *term_cat;
    const uint32_t *term_entity;
    const ft_trace_account_opts *opts;
    const balances *bal;
} ctx;

static void track_free_state(track *t)
{
    for (size_t i = 0; i < t->n_e; i++)
        free(t->e[i].lots);
    free(t->e);
    t->e = NULL;
    t->n_e = t->cap_e = 0;
    map_free(&t->emap);
    free(t->tape);
    t->tape = NULL;
    map_free(&t->fmap);
    free(t->fx);
    t->fx = NULL;
    free(t->links);
    t->links = NULL;
    t->n_links = t->cap_links = 0;
    map_free(&t->xmap);
}

/* exposure: adds taint received by (addr, asset). */
static ft_status exposure_add(track *t, uint32_t addr, uint32_t asset, ft_u128 taint)
{
    uint64_t k = akey(addr, asset);
    uint32_t i = map_get(&t->xmap, k);
    if (i == NONE) {
        if (!grow((void **)&t->xp, &t->cap_xp, t->n_xp + 1, sizeof *t->xp) ||
            !map_put(&t->xmap, k, (uint32_t)t->n_xp))
            return FT_ERR_NOMEM;
        i = (uint32_t)t->n_xp++;
        memset(&t->xp[i], 0, sizeof t->xp[i]);
        t->xp[i].asset = asset;
        t->xp[i].addr = addr;
        t->xp[i].incident = t->incident;
        t->xp[i].model = t->model;
    }
    t->xp[i].amount += taint;
    return FT_OK;
}

static ft_trace_summary *sum_of(track *t, uint32_t asset)
{
    for (size_t i = 0; i < t->n_sums; i++)
        if (t->sums[i].asset == asset)
            return &t->sums[i].s;
    if (!grow((void **)&t->sums, &t->cap_sums, t->n_sums + 1, sizeof *t->sums))
        return NULL;
    asum *a = &t->sums[t->n_sums++];
    memset(a, 0, sizeof *a);
    a->asset = asset;
    return &a->s;
}

static int lot_push(entry *e, ft_u128 len, uint8_t tainted)
{
    if (len == 0)
        return 1;
    if (e->n > e->head && e->lots[e->n - 1].tainted == tainted) {
        e->lots[e->n - 1].len += len;
        return 1;
    }
    if (e->n == e->cap) {
        if (e->head > 0 && e->head * 2 >= e->n) { /* compact: drop the spent head */
            memmove(e->lots, e->lots + e->head, (e->n - e->head) * sizeof *e->lots);
            e->n -= e->head;
            e->head = 0;
        } else {
            uint32_t nc = e->cap ? e->cap * 2 : 4;
            lot *nl = realloc(e->lots, (size_t)nc * sizeof *nl);
            if (!nl)
                return 0;
            e->lots = nl;
            e->cap = nc;
        }
    }
    e->lots[e->n].len = len;
    e->lots[e->n].tainted = tainted;
    e->n++;
    return 1;
}

static int tape_push(track *t, ft_u128 len, uint8_t tainted)
{
    if (len == 0)
        return 1;
    if (t->n_tape && t->tape[t->n_tape - 1].tainted == tainted) {
        t->tape[t->n_tape - 1].len += len;
        return 1;
    }
    if (!grow((void **)&t->tape, &t->cap_tape, t->n_tape + 1, sizeof *t->tape))
        return 0;
    t->tape[t->n_tape].len = len;
    t->tape[t->n_tape].tainted = tainted;
    t->n_tape++;
    return 1;
}

/* The entry of (addr, asset), created with a clean lot of `before` (the balance it had
 * before) when new. NONE on out of memory. */
static uint32_t entry_get(track *t, uint32_t addr, uint32_t asset, ft_u128 before, uint32_t hop,
                          int fifo)
{
    uint64_t k = akey(addr, asset);
    uint32_t i = map_get(&t->emap, k);
    if (i != NONE)
        return i;
    if (!grow((void **)&t->e, &t->cap_e, t->n_e + 1, sizeof *t->e) ||
        !map_put(&t->emap, k, (uint32_t)t->n_e))
        return NONE;
    entry *e = &t->e[t->n_e];
    memset(e, 0, sizeof *e);
    e->addr = addr;
    e->asset = asset;
    e->hop = hop;
    e->best_in = NONE;
    if (fifo && !lot_push(e, before, 0))
        return NONE;
    return (uint32_t)t->n_e++;
}

static ft_status flow_add(track *t, const ctx *c, uint32_t x, uint32_t a, uint8_t cat,
                          ft_u128 taint, uint32_t hop)
{
    const ft_graph *g = c->g;
    uint32_t asset = g->xfer_asset[x], tx = g->xfer_tx[x];
    uint64_t k = akey(a, asset);
    uint32_t i = map_get(&t->fmap, k);
    if (i == NONE) {
        if (!grow((void **)&t->flows, &t->cap_flows, t->n_flows + 1, sizeof *t->flows) ||
            !grow((void **)&t->fx, &t->cap_fx, t->n_flows + 1, sizeof *t->fx) ||
            !map_put(&t->fmap, k, (uint32_t)t->n_flows))
            return FT_ERR_NOMEM;
        i = (uint32_t)t->n_flows++;
        ft_trace_account_flow *f = &t->flows[i];
        memset(f, 0, sizeof *f);
        f->asset = asset;
        f->f.incident = t->incident;
        f->f.model = t->model;
        f->f.addr = a;
        f->f.category = cat;
        f->f.entity = c->term_entity ? c->term_entity[a] : FT_GRAPH_NONE;
        f->f.hops = hop;
        f->f.first_time = g->xfer_time[x];
        memset(&t->fx[i], 0, sizeof t->fx[i]);
        t->fx[i].last_tx = NONE;
        t->fx[i].best_x = NONE;
    }
    ft_trace_account_flow *f = &t->flows[i];
    fextra *fx = &t->fx[i];
    f->f.amount += taint;
    if (hop < f->f.hops)
        f->f.hops = hop;
    f->f.last_time = g->xfer_time[x];
    if (tx == NONE || tx != fx->last_tx) {
        f->f.tx_count++;
        fx->last_tx = tx;
    }
    if (taint > fx->best_taint) {
        fx->best_taint = taint;
        fx->best_x = x;
    }
    const ft_trace_account_opts *o = c->opts;
    if (o->prices && !fx->usd_bad) {
        const char *sym = o->asset_price ? o->asset_price[asset] : NULL;
        uint64_t price = 0;
        ft_u128 v = 0;
        if (!sym || !ft_prices_day(o->prices, sym, g->xfer_time[x], &price) ||
            !ft_u128_mul(&v, taint, (ft_u128)price) ||
            !ft_u128_add(&fx->usd_exact, fx->usd_exact, v))
            fx->usd_bad = 1;
    }
    return FT_OK;
}

/* paths: remembers that tainted transfer x came from pred. */
static ft_status link_add(track *t, const ctx *c, uint32_t x, uint32_t pred, ft_u128 taint)
{
    if (!c->opts->paths)
        return FT_OK;
    if (!grow((void **)&t->links, &t->cap_links, t->n_links + 1, sizeof *t->links))
        return FT_ERR_NOMEM;
    t->links[t->n_links].x = x;
    t->links[t->n_links].pred = pred;
    t->links[t->n_links].taint = taint;
    t->n_links++;
    return FT_OK;
}

/* The recipient of x gets `amount` of which `taint` tainted (fifo: the tape); pred is the
 * transfer the taint came from (paths). */
static ft_status deliver(track *t, const ctx *c, uint32_t x, ft_u128 taint, uint32_t hop,
                         uint32_t pred)
{
    const ft_graph *g = c->g;
    uint32_t to = g->xfer_to[x], asset = g->xfer_asset[x];
    ft_u128 amount = g->xfer_amount[x];
    int fifo = t->model == FT_TAINT_FIFO;
    uint32_t ei = to ? map_get(&t->emap, akey(to, asset)) : NONE;
    if (taint == 0) {
        if (ei != NONE && fifo && !lot_push(&t->e[ei], amount, 0))
            return FT_ERR_NOMEM;
        return FT_OK;
    }
    ft_trace_summary *s = sum_of(t, asset);
    if (!s)
        return FT_ERR_NOMEM;
    int stop = 1;
    uint8_t cat = to ? c->term_cat[to] : FT_CAT_NONE;
    if (c->opts->exposure && to != 0 && g->xfer_kind[x] != FT_XFER_FEE &&
        exposure_add(t, to, asset, taint) != FT_OK)
        return FT_ERR_NOMEM;
    if (g->xfer_kind[x] == FT_XFER_FEE || to == 0) {
        s->fees += taint;
    } else if (cat != FT_CAT_NONE) {
        switch (cat) {
        case FT_CAT_EXCHANGE: s->to_exchange += taint; break;
        case FT_CAT_MIXER: s->to_mixer += taint; break;
        case FT_CAT_BRIDGE: s->to_bridge += taint; break;
        default: s->to_other += taint; break;
        }
        ft_status fs = link_add(t, c, x, pred, taint);
        if (fs == FT_OK)
            fs = flow_add(t, c, x, to, cat, taint, hop);
        if (fs != FT_OK)
            return fs;
    } else if (asset == 0 && taint < c->opts->min_value) {
        s->below_threshold += taint;
    } else if (hop >= c->opts->max_hops) {
        s->hop_limit += taint;
    } else {
        stop = 0;
    }
    if (stop) { /* the recipient's balance still grows, by value now counted clean */
        if (ei != NONE && fifo && !lot_push(&t->e[ei], amount, 0))
            return FT_ERR_NOMEM;
        return FT_OK;
    }
    if (ei == NONE) {
        ei = entry_get(t, to, asset, c->bal->pre_to[x], hop, fifo);
        if (ei == NONE)
            return FT_ERR_NOMEM;
    }
    if (link_add(t, c, x, pred, taint) != FT_OK)
        return FT_ERR_NOMEM;
    entry *e = &t->e[ei];
    if (hop < e->hop)
        e->hop = hop;
    e->taint += taint;
    if (taint > e->best_taint) {
        e->best_taint = taint;
        e->best_in = x;
    }
    if (t->model == FT_TAINT_POISON) {
        e->poisoned = 1;
    } else if (fifo) {
        for (size_t k = 0; k < t->n_tape; k++)
            if (!lot_push(e, t->tape[k].len, t->tape[k].tainted))
                return FT_ERR_NOMEM;
    }
    return FT_OK;
}

/* Takes transfer x's amount out of entry ei; returns its taint (fifo: fills the tape). */
static ft_status send(track *t, const ctx *c, uint32_t x, uint32_t ei, ft_u128 *taint)
{
    const ft_graph *g = c->g;
    ft_u128 a = g->xfer_amount[x];
    entry *e = &t->e[ei];
    *taint = 0;
    if (t->model == FT_TAINT_POISON) {
        if (e->poisoned)
            *taint = a;
        return FT_OK;
    }
    if (t->model == FT_TAINT_HAIRCUT) {
        ft_u128 b = c->bal->pre_from[x];
        if (e->taint > b)
            return ft_err_set(&t->err, FT_ERR_STATE, "tainted part above the balance at "
                                                     "transfer %u", x);
        ft_u128 v = e->taint ? ft_trace_account_muldiv(e->taint, a, b) : 0;
        e->taint -= v;
        *taint = v;
        return FT_OK;
    }
    ft_u128 left = a;
    while (left > 0 && e->head < e->n) {
        lot *l = &e->lots[e->head];
        ft_u128 take = l->len < left ? l->len : left;
        if (!tape_push(t, take, l->tainted))
            return FT_ERR_NOMEM;
        if (l->tainted)
            *taint += take;
        l->len -= take;
        left -= take;
        if (l->len == 0)
            e->head++;
    }
    if (left > 0 && !tape_push(t, left, 0)) /* beyond what the index saw: clean */
        return FT_ERR_NOMEM;
    if (e->head == e->n)
        e->head = e->n = 0;
    e->taint -= *taint;
    return FT_OK;
}

static int cmp_seed(const void *a, const void *b)
{
    const ft_trace_account_seed *x = a, *y = b;
    if (x->incident != y->incident)
        return x->incident < y->incident ? -1 : 1;
    if (x->xfer != y->xfer)
        return x->xfer < y->xfer ? -1 : 1;
    return 0;
}

static int cmp_asum(const void *a, const void *b)
{
    uint32_t x = ((const asum *)a)->asset, y = ((const asum *)b)->asset;
    return x < y ? -1 : x > y;
}

/* A flow and its extras, sorted together (tracks run in parallel: no global sort context). */
typedef struct fpair {
    ft_trace_account_flow f;
    fextra x;
} fpair;

static int cmp_fpair(const void *a, const void *b)
{
    const ft_trace_account_flow *x = &((const fpair *)a)->f, *y = &((const fpair *)b)->f;
    if (x->asset != y->asset)
        return x->asset < y->asset ? -1 : 1;
    return x->f.addr < y->f.addr ? -1 : x->f.addr > y->f.addr;
}

static int cmp_exposure(const void *a, const void *b)
{
    const ft_trace_account_exposure *x = a, *y = b;
    if (x->asset != y->asset)
        return x->asset < y->asset ? -1 : 1;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->incident != y->incident)
        return x->incident < y->incident ? -1 : 1;
    return x->model < y->model ? -1 : x->model > y->model;
}

static int cmp_link(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = ((const link *)b)->x;
    return x < y ? -1 : x > y;
}

/* Sorts the flows (with their extras), sets USD, and walks each flow's path back through the
 * links (opts.paths). */
static ft_status flows_finish(track *t, const ctx *c)
{
    const ft_trace_account_opts *o = c->opts;
    size_t n = t->n_flows;
    /* sort flow + extra pairs by (asset, address) */
    fpair *pr = malloc((n ? n : 1) * sizeof *pr);
    if (!pr)
        return FT_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        pr[i].f = t->flows[i];
        pr[i].x = t->fx[i];
    }
    qsort(pr, n, sizeof *pr, cmp_fpair);
    ft_trace_account_flow *fl = t->flows;
    fextra *fx = t->fx;
    for (size_t i = 0; i < n; i++) {
        fl[i] = pr[i].f;
        fx[i] = pr[i].x;
    }
    free(pr);
    for (size_t i = 0; i < n; i++) {
        uint32_t asset = fl[i].asset;
        if (o->prices && !fx[i].usd_bad && o->asset_decimals) {
            fl[i].f.usd_known = 1;
            fl[i].f.amount_usd = ft_prices_round_exact(fx[i].usd_exact, o->asset_decimals[asset]);
        }
    }
    if (!o->paths)
        return FT_OK;
    t->path_off = malloc((n + 1) * sizeof *t->path_off);
    if (!t->path_off)
        return FT_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        t->path_off[i] = t->n_path;
        uint32_t x = fx[i].best_x;
        while (x != NONE) {
            const link *l = bsearch(&x, t->links, t->n_links, sizeof *t->links, cmp_link);
            if (!l || (l->pred != NONE && l->pred >= x))
                return ft_err_set(&t->err, FT_ERR_STATE, "evidence path broken at transfer %u",
                                  x);
            if (!grow((void **)&t->path, &t->cap_path, t->n_path + 1, sizeof *t->path))
                return FT_ERR_NOMEM;
            t->path[t->n_path].xfer = x;
            t->path[t->n_path].taint = l->taint;
            t->n_path++;
            x = l->pred;
        }
        /* collected terminal-first: reverse into seed-first order */
        for (size_t a = t->path_off[i], b = t->n_path; a + 1 < b; a++, b--) {
            ft_trace_account_step tmp = t->path[a];
            t->path[a] = t->path[b - 1];
            t->path[b - 1] = tmp;
        }
    }
    t->path_off[n] = t->n_path;
    return FT_OK;
}

static void run_track(track *t, const ctx *c, const ft_trace_account_seed *sd, size_t n_sd,
                      const char *name)
{
    const ft_graph *g = c->g;
    int fifo = t->model == FT_TAINT_FIFO;
    ft_status st = FT_OK;
    if (!sum_of(t, n_sd ? g->xfer_asset[sd[0].xfer] : 0)) {
        t->st = FT_ERR_NOMEM;
        return;
    }
    size_t si = 0;
    for (uint32_t x = n_sd ? sd[0].xfer : g->n_xfer; x < g->n_xfer && st == FT_OK; x++) {
        int seeded = si < n_sd && sd[si].xfer == x;
        uint32_t from = g->xfer_from[x], asset = g->xfer_asset[x];
        uint32_t ei = from ? map_get(&t->emap, akey(from, asset)) : NONE;
        if (ei == NONE && !seeded) {
            if (fifo && g->xfer_to[x]) { /* a clean receipt into a tracked balance */
                uint32_t ri = map_get(&t->emap, akey(g->xfer_to[x], asset));
                if (ri != NONE && !lot_push(&t->e[ri], g->xfer_amount[x], 0))
                    st = FT_ERR_NOMEM;
            }
            continue;
        }
        t->visited++;
        t->n_tape = 0;
        ft_u128 taint = 0, a = g->xfer_amount[x];
        uint32_t hop = NONE, pred = NONE;
        if (ei != NONE) {
            hop = t->e[ei].hop + 1;
            pred = t->e[ei].best_in;
            st = send(t, c, x, ei, &taint);
            if (st != FT_OK)
                break;
        } else if (fifo) {
            if (!tape_push(t, a, 0)) {
                st = FT_ERR_NOMEM;
                break;
            }
        }
        if (seeded) {
            ft_u128 sv = sd[si].amount == 0 || sd[si].amount > a ? a : sd[si].amount;
            si++;
            hop = 0;
            pred = NONE; /* a path starts at a seed transfer */
            if (sv > taint) {
                ft_trace_summary *s = sum_of(t, asset);
                if (!s) {
                    st = FT_ERR_NOMEM;
                    break;
                }
                s->stolen += sv - taint;
                taint = sv;
                t->n_tape = 0;
                if (fifo && !(tape_push(t, sv, 1) && tape_push(t, a - sv, 0))) {
                    st = FT_ERR_NOMEM;
                    break;
                }
            }
        }
        st = deliver(t, c, x, taint, hop, pred);
    }
    if (st == FT_OK) {
        for (size_t i = 0; i < t->n_e && st == FT_OK; i++) {
            const entry *e = &t->e[i];
            ft_u128 left = t->model == FT_TAINT_POISON
                               ? (e->poisoned ? bal_final(c->bal, e->addr, e->asset) : 0)
                               : e->taint;
            if (left == 0)
                continue;
            ft_trace_summary *s = sum_of(t, e->asset);
            if (!s)
                st = FT_ERR_NOMEM;
            else
                s->unspent += left;
        }
    }
    if (st == FT_OK && ft_taint_model_get((int)t->model)->conserving) {
        for (size_t i = 0; i < t->n_sums; i++) {
            const ft_trace_summary *s = &t->sums[i].s;
            ft_u128 out = s->to_exchange + s->to_mixer + s->to_bridge + s->to_other +
                          s->unspent + s->fees + s->below_threshold + s->hop_limit;
            if (out != s->stolen) {
                char a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX];
                ft_u128_format(a, s->stolen);
                ft_u128_format(b, out);
                st = ft_err_set(&t->err, FT_ERR_STATE,
                                "conservation violated for incident '%s' model '%s' asset %u: "
                                "stolen %s base units, accounted %s",
                                name, ft_taint_model_get((int)t->model)->name,
                                t->sums[i].asset, a, b);
                break;
            }
        }
    }
    if (st == FT_OK) {
        if (t->n_sums)
            qsort(t->sums, t->n_sums, sizeof *t->sums, cmp_asum);
        st = flows_finish(t, c);
    }
    track_free_state(t);
    t->st = st;
}

void ft_trace_account_result_release(ft_trace_account_result *res)
{
    if (!res)
        return;
    free(res->summary);
    free(res->flows);
    free(res->path);
    free(res->path_off);
    free(res->exposure);
    memset(res, 0, sizeof *res);
}

ft_status ft_trace_account_run(ft_trace_account_result *res, const ft_graph *g,
                               const uint8_t *term_cat, const uint32_t *term_entity,
                               const ft_trace_account_seed *seeds, size_t n_seeds,
                               const char *const *incident_names, size_t n_incidents,
                               const ft_trace_account_opts *opts, ft_err *err)
{
    memset(res, 0, sizeof *res);
    if (!g || g->model != FT_GRAPH_ACCOUNT || (g->n_xfer && !g->xfer_amount) || !term_cat ||
        !opts || (n_seeds && !seeds))
        return ft_err_set(err, FT_ERR_ARG, "trace of an account graph needs a loaded account "
                                           "graph, terminals and options");
    for (int m = 0; m < FT_TAINT_MODELS; m++)
        if (opts->models >> m & 1u && !ft_taint_model_get(m)->implemented)
            return ft_err_set(err, FT_ERR_ARG, "model '%s' is not implemented",
                              ft_taint_model_get(m)->name);
    if (opts->models >> FT_TAINT_MODELS)
        return ft_err_set(err, FT_ERR_ARG, "unknown model bits");
    for (size_t i = 0; i < n_seeds; i++)
        if (seeds[i].incident >= n_incidents || seeds[i].xfer >= g->n_xfer)
            return ft_err_set(err, FT_ERR_ARG, "seed %zu names incident %u / transfer %u "
                                               "outside the graph",
                              i, seeds[i].incident, seeds[i].xfer);
    res->n_incidents = n_incidents;

    /* seeds sorted by (incident, xfer), repeats merged (a whole-transfer seed wins) */
    ft_trace_account_seed *sd = malloc((n_seeds ? n_seeds : 1) * sizeof *sd);
    size_t *first = malloc((n_incidents + 1) * sizeof *first);
    size_t n_tracks = 0;
    for (int m = 0; m < FT_TAINT_MODELS; m++)
        n_tracks += (opts->models >> m & 1u) * n_incidents;
    track *tracks = calloc(n_tracks ? n_tracks : 1, sizeof *tracks);
    balances bal;
    memset(&bal, 0, sizeof bal);
    ft_status st = FT_OK;
    if (!sd || !first || !tracks) {
        st = ft_err_set(err, FT_ERR_NOMEM, "out of memory for %zu tracks", n_tracks);
        goto out;
    }
    if (n_seeds)
        memcpy(sd, seeds, n_seeds * sizeof *sd);
    qsort(sd, n_seeds, sizeof *sd, cmp_seed);
    size_t n_sd = 0;
    for (size_t i = 0; i < n_seeds; i++) {
        if (n_sd && sd[n_sd - 1].incident == sd[i].incident && sd[n_sd - 1].xfer == sd[i].xfer) {
            ft_u128 *p = &sd[n_sd - 1].amount;
            if (*p != 0 && (sd[i].amount == 0 || sd[i].amount > *p))
                *p = sd[i].amount;
            continue;
        }
        sd[n_sd++] = sd[i];
    }
    for (size_t i = 0, s = 0; i <= n_incidents; i++) {
        while (s < n_sd && sd[s].incident < i)
            s++;
        first[i] = s;
    }
    st = balances_build(&bal, g, err);
    if (st != FT_OK)
        goto out;
    size_t k = 0;
    for (size_t i = 0; i < n_incidents; i++)
        for (int m = 0; m < FT_TAINT_MODELS; m++)
            if (opts->models >> m & 1u) {
                tracks[k].incident = (uint32_t)i;
                tracks[k].model = (uint32_t)m;
                k++;
            }
    ctx c = {g, term_cat, term_entity, opts, &bal};
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t t = 0; t < n_tracks; t++) {
        uint32_t inc = tracks[t].incident;
        run_track(&tracks[t], &c, sd + first[inc], first[inc + 1] - first[inc],
                  incident_names ? incident_names[inc] : "?");
    }
    size_t n_sum = 0, n_fl = 0, n_steps = 0, n_xp = 0;
    for (size_t t = 0; t < n_tracks; t++) {
        if (tracks[t].st != FT_OK && st == FT_OK) {
            st = tracks[t].st;
            if (tracks[t].err.msg[0])
                ft_err_set(err, st, "%s", tracks[t].err.msg);
            else
                ft_err_set(err, st, "out of memory tracing incident %u", tracks[t].incident);
        }
        n_sum += tracks[t].n_sums;
        n_fl += tracks[t].n_flows;
        n_steps += tracks[t].n_path;
        n_xp += tracks[t].n_xp;
        res->xfer_visited += tracks[t].visited;
    }
    if (st != FT_OK)
        goto out;
    res->summary = calloc(n_sum ? n_sum : 1, sizeof *res->summary); /* padding zeroed */
    res->flows = malloc((n_fl ? n_fl : 1) * sizeof *res->flows);
    if (opts->paths) {
        res->path = malloc((n_steps ? n_steps : 1) * sizeof *res->path);
        res->path_off = malloc((n_fl + 1) * sizeof *res->path_off);
    }
    if (!res->summary || !res->flows || (opts->paths && (!res->path || !res->path_off))) {
        st = ft_err_set(err, FT_ERR_NOMEM, "out of memory for %zu flows", n_fl);
        goto out;
    }
    for (size_t t = 0; t < n_tracks; t++) {
        for (size_t i = 0; i < tracks[t].n_sums; i++) {
            ft_trace_account_summary *s = &res->summary[res->n_summary++];
            s->incident = tracks[t].incident;
            s->model = tracks[t].model;
            s->asset = tracks[t].sums[i].asset;
            s->s = tracks[t].sums[i].s;
        }
        if (tracks[t].n_flows)
            memcpy(res->flows + res->n_flows, tracks[t].flows,
                   tracks[t].n_flows * sizeof *res->flows);
        if (opts->paths) {
            for (size_t f = 0; f < tracks[t].n_flows; f++)
                res->path_off[res->n_flows + f] = res->n_path + tracks[t].path_off[f];
            if (tracks[t].n_path)
                memcpy(res->path + res->n_path, tracks[t].path,
                       tracks[t].n_path * sizeof *res->path);
            res->n_path += tracks[t].n_path;
        }
        res->n_flows += tracks[t].n_flows;
    }
    if (opts->paths)
        res->path_off[res->n_flows] = res->n_path;
    if (opts->exposure) {
        res->exposure = calloc(n_xp ? n_xp : 1, sizeof *res->exposure);
        if (!res->exposure) {
            st = ft_err_set(err, FT_ERR_NOMEM, "out of memory for %zu exposure rows", n_xp);
            goto out;
        }
        for (size_t t = 0; t < n_tracks; t++)
            for (size_t i = 0; i < tracks[t].n_xp; i++)
                res->exposure[res->n_exposure++] = tracks[t].xp[i];
        qsort(res->exposure, res->n_exposure, sizeof *res->exposure, cmp_exposure);
    }
out:
    if (tracks)
        for (size_t t = 0; t < n_tracks; t++) {
            track_free_state(&tracks[t]);
            free(tracks[t].sums);
            free(tracks[t].flows);
            free(tracks[t].path);
            free(tracks[t].path_off);
            free(tracks[t].xp);
        }
    free(tracks);
    free(sd);
    free(first);
    balances_free(&bal);
    if (st != FT_OK)
        ft_trace_account_result_release(res);
    return st;
}
