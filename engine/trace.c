/*
 * trace.c — taint propagation per (incident, model) track over engine/graph (API and stop
 * rules in trace.h; per-transaction rules in heuristics/taint.c).
 *
 * One track, sparse:
 *
 *     seeds ──deliver──► rec_of_out[out] = record {taint, hop, fifo tape}   (only tainted,
 *                        pending ∋ out_spent_by[out]                        unspent-later outs)
 *     take the lowest pending tx t (ascending = chain order): take the records of t's inputs (clearing
 *     rec_of_out), split with the model, deliver each output's taint (terminal, threshold,
 *     hop limit, unspent, or a new record and its spender made pending)
 *
 * pending is a bitset over tx ids with a cursor: a spender is always later than the tx that
 * delivered to it, so the cursor only moves forward and a track costs n_tx/64 word reads
 * plus its visits. rec_of_out (n_out) and flow_of_addr (n_addr) are dense per-thread arrays
 * kept at NONE between tracks: every record set is cleared when its spender is visited (a stored record
 * always has a spender), and every flow slot is reset from the track's flow list. FIFO tapes
 * live in a per-track append-only segment arena. Invariant: a record's taint > 0 and equals
 * the tainted length of its tape (fifo).
 *
 * Determinism: a track reads only the graph and writes only its own summary slot and flow
 * list; results are gathered in track order after the parallel loop, and the first error in
 * track order is the one reported.
 */
#include "engine/trace.h"

#include <stdlib.h>
#include <string.h>

#include "engine/labels.h"

#include "engine/banned.h"

#define NONE UINT32_MAX

typedef struct rec {
    uint64_t taint;
    uint32_t hop;
    uint32_t seg_n;
    size_t seg_off;
} rec;

/* Per-thread state, reused across tracks. */
typedef struct worker {
    uint32_t *rec_of_out; /* n_out */
    uint32_t *flow_of_addr; /* n_addr */
    rec *recs;
    size_t n_recs, cap_recs;
    uint32_t free_rec;    /* free list threaded through recs[].hop */
    ft_taint_seg *segs;
    size_t n_segs, cap_segs;
    uint64_t *pending;    /* n_tx bits: txs that spend a tainted output of the track */
    size_t n_pending, lo; /* set bits; no bit is set below word lo */
    /* per-tx scratch */
    uint64_t *w, *out_t;
    size_t *off;
    size_t cap_out;
    ft_taint_seg *tin, *tout;
    size_t cap_tin, cap_tout;
} worker;

/* One track's output. */
typedef struct track {
    uint32_t incident, model;
    ft_trace_summary sum;
    ft_trace_flow *flows;
    size_t n_flows, cap_flows;
    uint64_t *flow_last_tx; /* parallel to flows */
    uint64_t visited;
    ft_status st;
    ft_err err;
} track;

typedef struct ctx {
    const ft_graph *g;
    const uint8_t *term_cat;
    const uint32_t *term_entity;
    const ft_trace_opts *opts;
} ctx;

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * size);
    if (!np)
        return 0;
    *p = np;
    *cap = nc;
    return 1;
}

static void pending_add(worker *w, uint32_t t)
{
    uint64_t bit = 1ull << (t & 63);
    size_t wd = t >> 6;
    if (!(w->pending[wd] & bit)) {
        w->pending[wd] |= bit;
        w->n_pending++;
    }
    if (wd < w->lo)
        w->lo = wd;
}

/* The lowest pending tx, taken out of the set (n_pending > 0). */
static uint32_t pending_pop(worker *w)
{
    while (w->pending[w->lo] == 0)
        w->lo++;
    uint64_t x = w->pending[w->lo];
    uint32_t t = (uint32_t)(w->lo * 64 + (size_t)__builtin_ctzll(x));
    w->pending[w->lo] = x & (x - 1);
    w->n_pending--;
    return t;
}

static ft_status flow_add(worker *w, track *tr, const ctx *c, uint32_t addr, uint8_t cat,
                          uint64_t amount, uint32_t hop, uint32_t tx)
{
    uint32_t fi = w->flow_of_addr[addr];
    if (fi == NONE) {
        size_t cap = tr->cap_flows;
        if (!grow((void **)&tr->flows, &cap, tr->n_flows + 1, sizeof *tr->flows))
            return FT_ERR_NOMEM;
        size_t cap2 = tr->cap_flows;
        if (!grow((void **)&tr->flow_last_tx, &cap2, tr->n_flows + 1, sizeof *tr->flow_last_tx))
            return FT_ERR_NOMEM;
        tr->cap_flows = cap < cap2 ? cap : cap2;
        fi = (uint32_t)tr->n_flows++;
        ft_trace_flow *f = &tr->flows[fi];
        memset(f, 0, sizeof *f);
        f->incident = tr->incident;
        f->model = tr->model;
        f->addr = addr;
        f->category = cat;
        f->entity = c->term_entity ? c->term_entity[addr] : NONE;
        f->hops = hop;
        f->first_time = f->last_time = c->g->tx_time[tx];
        tr->flow_last_tx[fi] = UINT64_MAX;
        w->flow_of_addr[addr] = fi;
    }
    ft_trace_flow *f = &tr->flows[fi];
    f->amount += amount;
    if (hop < f->hops)
        f->hops = hop;
    int64_t t = c->g->tx_time[tx];
    if (t < f->first_time)
        f->first_time = t;
    if (t > f->last_time)
        f->last_time = t;
    if (tr->flow_last_tx[fi] != tx) {
        f->tx_count++;
        tr->flow_last_tx[fi] = tx;
    }
    return FT_OK;
}

/* Output o (created by tx) receives taint > 0 at hop; segs[0..n_seg) its fifo tape. */
static ft_status deliver(worker *w, track *tr, const ctx *c, uint32_t o, uint32_t tx,
                         uint64_t taint, uint32_t hop, const ft_taint_seg *segs, size_t n_seg)
{
    const ft_graph *g = c->g;
    ft_trace_summary *s = &tr->sum;
    uint32_t a = g->out_addr[o];
    uint8_t cat = a && a < g->n_addr ? c->term_cat[a] : FT_CAT_NONE;
    if (cat != FT_CAT_NONE) {
        switch (cat) {
        case FT_CAT_EXCHANGE: s->to_exchange += taint; break;
        case FT_CAT_MIXER: s->to_mixer += taint; break;
        case FT_CAT_BRIDGE: s->to_bridge += taint; break;
        default: s->to_other += taint; break;
        }
        return flow_add(w, tr, c, a, cat, taint, hop, tx);
    }
    if (taint < c->opts->min_value) {
        s->below_threshold += taint;
        return FT_OK;
    }
    if (hop >= c->opts->max_hops) {
        s->hop_limit += taint;
        return FT_OK;
    }
    uint32_t spender = g->out_spent_by[o];
    if (spender == FT_GRAPH_NONE) {
        s->unspent += taint;
        return FT_OK;
    }
    if (spender <= tx || spender >= g->n_tx)
        return ft_err_set(&tr->err, FT_ERR_CORRUPT, "output %u is spent by tx %u, not after tx %u",
                          o, spender, tx);
    if (w->rec_of_out[o] != NONE)
        return ft_err_set(&tr->err, FT_ERR_STATE, "output %u tainted twice in one track", o);
    uint32_t ri;
    if (w->free_rec != NONE) {
        ri = w->free_rec;
        w->free_rec = w->recs[ri].hop;
    } else {
        if (!grow((void **)&w->recs, &w->cap_recs, w->n_recs + 1, sizeof *w->recs))
            return FT_ERR_NOMEM;
        ri = (uint32_t)w->n_recs++;
    }
    rec *r = &w->recs[ri];
    r->taint = taint;
    r->hop = hop;
    r->seg_off = w->n_segs;
    r->seg_n = (uint32_t)n_seg;
    if (n_seg) {
        if (!grow((void **)&w->segs, &w->cap_segs, w->n_segs + n_seg, sizeof *w->segs))
            return FT_ERR_NOMEM;
        memcpy(w->segs + w->n_segs, segs, n_seg * sizeof *segs);
        w->n_segs += n_seg;
    }
    w->rec_of_out[o] = ri;
    pending_add(w, spender);
    return FT_OK;
}

static void rec_free(worker *w, uint32_t ri)
{
    w->recs[ri].hop = w->free_rec;
    w->free_rec = ri;
}

static ft_status visit(worker *w, track *tr, const ctx *c, uint32_t t)
{
    const ft_graph *g = c->g;
    int model = (int)tr->model;
    uint32_t i0 = g->in_off[t], i1 = g->in_off[t + 1];
    uint32_t o0 = g->out_off[t], m = g->out_off[t + 1] - o0;
    uint64_t V = 0, T = 0, W = 0;
    uint32_t hop = NONE;
    size_t n_tin = 0;
    tr->visited++;
    for (uint32_t i = i0; i < i1; i++) {
        uint32_t o = g->in_out[i];
        uint64_t v = g->out_value[o];
        V += v;
        uint32_t ri = w->rec_of_out[o];
        if (model == FT_TAINT_FIFO) {
            size_t add = ri != NONE ? w->recs[ri].seg_n : 1;
            if (!grow((void **)&w->tin, &w->cap_tin, n_tin + add, sizeof *w->tin))
                return FT_ERR_NOMEM;
            if (ri != NONE) {
                memcpy(w->tin + n_tin, w->segs + w->recs[ri].seg_off, add * sizeof *w->tin);
            } else {
                w->tin[n_tin].len = v;
                w->tin[n_tin].tainted = 0;
            }
            n_tin += add;
        }
        if (ri != NONE) {
            T += w->recs[ri].taint;
            if (w->recs[ri].hop < hop)
                hop = w->recs[ri].hop;
            w->rec_of_out[o] = NONE;
            rec_free(w, ri);
        }
    }
    if (T == 0)
        return FT_OK;
    if (m + 1 > w->cap_out) {
        size_t cap = 2 * ((size_t)m + 1);
        uint64_t *nw = realloc(w->w, cap * sizeof *nw);
        if (nw)
            w->w = nw;
        uint64_t *nt = realloc(w->out_t, cap * sizeof *nt);
        if (nt)
            w->out_t = nt;
        size_t *no = realloc(w->off, (cap + 2) * sizeof *no);
        if (no)
            w->off = no;
        if (!nw || !nt || !no)
            return FT_ERR_NOMEM;
        w->cap_out = cap;
    }
    for (uint32_t k = 0; k < m; k++) {
        w->w[k] = g->out_value[o0 + k];
        W += w->w[k];
    }
    if (W > V)
        return ft_err_set(&tr->err, FT_ERR_CORRUPT, "tx %u pays more than its inputs", t);
    uint64_t fee = V - W, fee_t = 0;
    hop++;
    ft_status st = FT_OK;
    if (model == FT_TAINT_POISON) {
        ft_taint_poison(T, w->w, m, fee, w->out_t, &fee_t);
    } else if (model == FT_TAINT_HAIRCUT) {
        st = ft_taint_haircut(T, V, w->w, m, w->out_t, &fee_t);
    } else {
        if (!grow((void **)&w->tout, &w->cap_tout, n_tin + m + 1, sizeof *w->tout))
            return FT_ERR_NOMEM;
        st = ft_taint_fifo(w->tin, n_tin, w->w, m, w->tout, w->cap_tout, w->off, w->out_t,
                           &fee_t);
    }
    if (st != FT_OK)
        return ft_err_set(&tr->err, FT_ERR_STATE, "%s split failed in tx %u",
                          ft_taint_model_get(model)->name, t);
    if (model != FT_TAINT_POISON) {
        ft_u128 sum = fee_t;
        for (uint32_t k = 0; k < m; k++)
            sum += w->out_t[k];
        if (sum != T)
            return ft_err_set(&tr->err, FT_ERR_STATE, "%s does not conserve in tx %u",
                              ft_taint_model_get(model)->name, t);
    }
    tr->sum.fees += fee_t;
    for (uint32_t k = 0; k < m; k++) {
        if (w->out_t[k] == 0)
            continue;
        const ft_taint_seg *segs = NULL;
        size_t n_seg = 0;
        if (model == FT_TAINT_FIFO) {
            segs = w->tout + w->off[k];
            n_seg = w->off[k + 1] - w->off[k];
        }
        st = deliver(w, tr, c, o0 + k, t, w->out_t[k], hop, segs, n_seg);
        if (st != FT_OK)
            return st;
    }
    return FT_OK;
}

static int summary_balances(const ft_trace_summary *s, ft_u128 *acc)
{
    *acc = s->to_exchange + s->to_mixer + s->to_bridge + s->to_other + s->unspent + s->fees +
           s->below_threshold + s->hop_limit;
    return *acc == s->stolen;
}

/* Runs one track; seeds[s0..s1) are its incident's seeds, sorted by out and unique. */
static void run_track(worker *w, track *tr, const ctx *c, const ft_trace_seed *seeds, size_t s0,
                      size_t s1, const char *name)
{
    const ft_graph *g = c->g;
    ft_status st = FT_OK;
    w->n_recs = 0;
    w->free_rec = NONE;
    w->n_segs = 0;
    w->n_pending = 0;
    w->lo = SIZE_MAX;
    for (size_t s = s0; s < s1 && st == FT_OK; s++) {
        uint32_t o = seeds[s].out;
        uint64_t v = g->out_value[o];
        uint64_t x = seeds[s].amount && seeds[s].amount < v ? seeds[s].amount : v;
        if (x == 0)
            continue;
        tr->sum.stolen += x;
        ft_taint_seg seg[2] = {{x, 1}, {v - x, 0}};
        size_t n_seg = tr->model != FT_TAINT_FIFO ? 0 : x < v ? 2 : 1;
        st = deliver(w, tr, c, o, seeds[s].tx, x, 0, seg, n_seg);
    }
    while (st == FT_OK && w->n_pending)
        st = visit(w, tr, c, pending_pop(w));
    /* leave the dense arrays at NONE for the next track */
    for (size_t f = 0; f < tr->n_flows; f++)
        w->flow_of_addr[tr->flows[f].addr] = NONE;
    if (st != FT_OK) {
        /* records of an aborted track: clear every out that may still point to one */
        for (uint32_t o = 0; o < g->n_out; o++)
            w->rec_of_out[o] = NONE;
        memset(w->pending, 0, ((size_t)g->n_tx + 63) / 64 * sizeof *w->pending);
        if (st == FT_ERR_NOMEM)
            ft_err_set(&tr->err, st, "out of memory");
        ft_err_prefix(&tr->err, "incident '%s' model '%s'", name,
                      ft_taint_model_get((int)tr->model)->name);
        tr->st = st;
        return;
    }
    ft_u128 acc;
    if (ft_taint_model_get((int)tr->model)->conserving && !summary_balances(&tr->sum, &acc)) {
        char a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX];
        ft_u128_format(a, tr->sum.stolen);
        ft_u128_format(b, acc);
        tr->st = ft_err_set(&tr->err, FT_ERR_STATE,
                            "conservation violated for incident '%s' model '%s': stolen %s, "
                            "accounted %s base units",
                            name, ft_taint_model_get((int)tr->model)->name, a, b);
    }
}

static void worker_release(worker *w)
{
    free(w->rec_of_out);
    free(w->flow_of_addr);
    free(w->recs);
    free(w->segs);
    free(w->pending);
    free(w->w);
    free(w->out_t);
    free(w->off);
    free(w->tin);
    free(w->tout);
    memset(w, 0, sizeof *w);
}

static int cmp_seed(const void *a, const void *b)
{
    const ft_trace_seed *x = a, *y = b;
    if (x->incident != y->incident)
        return x->incident < y->incident ? -1 : 1;
    if (x->out != y->out)
        return x->out < y->out ? -1 : 1;
    return 0;
}

/* The order of the sort: within one (incident, out), a whole-output seed (amount 0) first,
 * then larger amounts first, so that the kept one taints the most. */
static int cmp_seed_sort(const void *a, const void *b)
{
    int c = cmp_seed(a, b);
    if (c)
        return c;
    const ft_trace_seed *x = a, *y = b;
    if (x->amount == y->amount)
        return 0;
    if (x->amount == 0 || y->amount == 0)
        return x->amount == 0 ? -1 : 1;
    return x->amount > y->amount ? -1 : 1;
}

static int cmp_flow_addr(const void *a, const void *b)
{
    const ft_trace_flow *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

ft_status ft_trace_run(ft_trace_result *res, const ft_graph *g, const uint8_t *term_cat,
                       const uint32_t *term_entity, const ft_trace_seed *seeds, size_t n_seeds,
                       const char *const *incident_names, size_t n_incidents,
                       const ft_trace_opts *opts, ft_err *err)
{
    memset(res, 0, sizeof *res);
    if (g->model != FT_GRAPH_UTXO || !term_cat || !opts)
        return ft_err_set(err, FT_ERR_ARG, "trace needs a UTXO graph, terminals and options");
    for (int m = 0; m < FT_TAINT_MODELS; m++)
        if ((opts->models >> m & 1u) && !ft_taint_model_get(m)->implemented)
            return ft_err_set(err, FT_ERR_ARG, "taint model '%s' is not implemented yet",
                              ft_taint_model_get(m)->name);
    ft_trace_seed *sd = malloc((n_seeds ? n_seeds : 1) * sizeof *sd);
    res->n_incidents = n_incidents;
    res->summary = calloc(n_incidents ? n_incidents * FT_TAINT_MODELS : 1, sizeof *res->summary);
    if (!sd || !res->summary) {
        free(sd);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    for (size_t s = 0; s < n_seeds; s++) {
        if (seeds[s].incident >= n_incidents || seeds[s].out >= g->n_out ||
            seeds[s].tx >= g->n_tx || seeds[s].out < g->out_off[seeds[s].tx] ||
            seeds[s].out >= g->out_off[seeds[s].tx + 1]) {
            free(sd);
            return ft_err_set(err, FT_ERR_ARG, "seed %zu is not an output of its tx", s);
        }
    }
    if (n_seeds)
        memcpy(sd, seeds, n_seeds * sizeof *sd);
    qsort(sd, n_seeds, sizeof *sd, cmp_seed_sort);
    size_t kept = 0;
    for (size_t s = 0; s < n_seeds; s++)
        if (kept == 0 || cmp_seed(&sd[kept - 1], &sd[s]) != 0)
            sd[kept++] = sd[s];
    n_seeds = kept;
    /* seed ranges per incident */
    size_t *first = calloc(n_incidents + 1, sizeof *first);
    size_t n_tracks = 0;
    for (int m = 0; m < FT_TAINT_MODELS; m++)
        n_tracks += (opts->models >> m) & 1u;
    n_tracks *= n_incidents;
    track *tracks = calloc(n_tracks ? n_tracks : 1, sizeof *tracks);
    if (!first || !tracks) {
        free(sd);
        free(first);
        free(tracks);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0, s = 0; i <= n_incidents; i++) {
        while (s < n_seeds && sd[s].incident < i)
            s++;
        first[i] = s;
    }
    size_t k = 0;
    for (size_t i = 0; i < n_incidents; i++)
        for (int m = 0; m < FT_TAINT_MODELS; m++)
            if (opts->models >> m & 1u) {
                tracks[k].incident = (uint32_t)i;
                tracks[k].model = (uint32_t)m;
                k++;
            }
    ctx c = {g, term_cat, term_entity, opts};
#pragma omp parallel
    {
        worker w;
        memset(&w, 0, sizeof w);
        w.rec_of_out = malloc((g->n_out ? g->n_out : 1) * sizeof *w.rec_of_out);
        w.flow_of_addr = malloc((g->n_addr ? g->n_addr : 1) * sizeof *w.flow_of_addr);
        w.pending = calloc(((size_t)g->n_tx + 63) / 64 + 1, sizeof *w.pending);
        int ok = w.rec_of_out && w.flow_of_addr && w.pending;
        if (ok) {
            memset(w.rec_of_out, 0xff, (g->n_out ? g->n_out : 1) * sizeof *w.rec_of_out);
            memset(w.flow_of_addr, 0xff, (g->n_addr ? g->n_addr : 1) * sizeof *w.flow_of_addr);
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t t = 0; t < n_tracks; t++) {
            if (!ok) {
                tracks[t].st = FT_ERR_NOMEM;
                continue;
            }
            uint32_t inc = tracks[t].incident;
            run_track(&w, &tracks[t], &c, sd, first[inc], first[inc + 1],
                      incident_names ? incident_names[inc] : "?");
        }
        worker_release(&w);
    }
    ft_status st = FT_OK;
    size_t total = 0;
    for (size_t t = 0; t < n_tracks; t++) {
        if (tracks[t].st != FT_OK && st == FT_OK) {
            st = tracks[t].st;
            if (st == FT_ERR_NOMEM && !tracks[t].err.msg[0])
                ft_err_set(err, st, "out of memory");
            else
                ft_err_set(err, st, "%s", tracks[t].err.msg);
        }
        total += tracks[t].n_flows;
        res->tx_visited += tracks[t].visited;
        res->summary[tracks[t].incident * FT_TAINT_MODELS + tracks[t].model] = tracks[t].sum;
    }
    if (st == FT_OK) {
        res->flows = malloc((total ? total : 1) * sizeof *res->flows);
        if (!res->flows)
            st = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    for (size_t t = 0; t < n_tracks; t++) {
        if (st == FT_OK && tracks[t].n_flows) {
            qsort(tracks[t].flows, tracks[t].n_flows, sizeof *tracks[t].flows, cmp_flow_addr);
            memcpy(res->flows + res->n_flows, tracks[t].flows,
                   tracks[t].n_flows * sizeof *tracks[t].flows);
            res->n_flows += tracks[t].n_flows;
        }
        free(tracks[t].flows);
        free(tracks[t].flow_last_tx);
    }
    free(tracks);
    free(first);
    free(sd);
    return st;
}

void ft_trace_result_release(ft_trace_result *res)
{
    free(res->summary);
    free(res->flows);
    memset(res, 0, sizeof *res);
}
