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
 * Outputs beyond the summary (each optional, trace.h):
 *   USD   per flow, the exact sum of amount × micro-USD price of every delivery's UTC day
 *         (128 bits), rounded half up once at the end of the track (ft_prices_round_exact);
 *         one delivery without a price (or an overflow) leaves the flow's USD unknown.
 *   exposure  a dense per-thread addr → row index (NONE between tracks) and a per-track row
 *         list; every output receiving taint > 0 adds to its address's row, seeds included.
 *   paths a per-track provenance list, one entry per tainted output that became a record or
 *         reached a terminal: (out, parent = the tainted input that gave it the largest
 *         share, NONE for a seed, tx, taint). Sparse: outputs that stop as unspent, below the
 *         threshold or at the hop limit are not kept. At the end of the track the list is
 *         sorted by out and each flow's path is walked back from its largest delivery; each
 *         step goes to an input of the previous step's tx, so tx ids strictly fall and the
 *         walk ends at a seed.
 *
 * Determinism: a track reads only the graph and writes only its own summary slot and flow
 * list; results are gathered in track order after the parallel loop, and the first error in
 * track order is the one reported.
 */
#include "engine/trace.h"

#include <stdlib.h>
#include <string.h>

#include "engine/labels.h"
#include "engine/prices.h"

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
    uint32_t *expo_of_addr; /* n_addr when opts->exposure: row of the track's exposure list */
    uint64_t *pending;    /* n_tx bits: txs that spend a tainted output of the track */
    size_t n_pending, lo; /* set bits; no bit is set below word lo */
    /* per-tx scratch */
    uint64_t *w, *out_t;
    size_t *off;
    size_t cap_out;
    ft_taint_seg *tin, *tout;
    size_t cap_tin, cap_tout;
    uint32_t *tin_in;     /* fifo with paths: the input out id of each tin segment */
    size_t cap_tin_in;
    uint32_t *parent;     /* per output of the visited tx: its largest tainted input's out */
    size_t cap_parent;
} worker;

/* Provenance of one tainted output (paths). */
typedef struct prov {
    uint32_t out, parent, tx;
    uint64_t taint;
} prov;

/* Per flow working data, parallel to track.flows. */
typedef struct flow_x {
    uint64_t last_tx;   /* the last tx that delivered (tx_count) */
    ft_u128 usd_exact;  /* Σ amount × micro-USD price (10^decimals too large) */
    uint8_t usd_bad;    /* a delivery without a price, or an overflow */
    uint32_t best_out;  /* the output of the largest delivery (first of equal ones) */
    uint64_t best_amt;
} flow_x;

/* One track's output. */
typedef struct track {
    uint32_t incident, model;
    ft_trace_summary sum;
    ft_trace_flow *flows;
    size_t n_flows, cap_flows;
    flow_x *fx;             /* parallel to flows */
    size_t cap_fx;
    ft_trace_exposure *expo;
    size_t n_expo, cap_expo;
    prov *prov;
    size_t n_prov, cap_prov;
    ft_trace_path_step *path; /* the flows' paths, in the order of flows after sorting */
    size_t n_path, cap_path;
    size_t *path_off;         /* n_flows + 1 */
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
                          uint64_t amount, uint32_t hop, uint32_t tx, uint32_t out)
{
    uint32_t fi = w->flow_of_addr[addr];
    if (fi == NONE) {
        if (!grow((void **)&tr->flows, &tr->cap_flows, tr->n_flows + 1, sizeof *tr->flows) ||
            !grow((void **)&tr->fx, &tr->cap_fx, tr->n_flows + 1, sizeof *tr->fx))
            return FT_ERR_NOMEM;
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
        memset(&tr->fx[fi], 0, sizeof tr->fx[fi]);
        tr->fx[fi].last_tx = UINT64_MAX;
        tr->fx[fi].best_out = out;
        tr->fx[fi].best_amt = amount;
        w->flow_of_addr[addr] = fi;
    }
    ft_trace_flow *f = &tr->flows[fi];
    flow_x *x = &tr->fx[fi];
    f->amount += amount;
    if (hop < f->hops)
        f->hops = hop;
    int64_t t = c->g->tx_time[tx];
    if (t < f->first_time)
        f->first_time = t;
    if (t > f->last_time)
        f->last_time = t;
    if (x->last_tx != tx) {
        f->tx_count++;
        x->last_tx = tx;
    }
    if (amount > x->best_amt) {
        x->best_amt = amount;
        x->best_out = out;
    }
    if (c->opts->prices && !x->usd_bad) {
        uint64_t price;
        if (!ft_prices_day(c->opts->prices, c->opts->asset ? c->opts->asset : "BTC", t, &price) ||
            !ft_u128_add(&x->usd_exact, x->usd_exact, (ft_u128)amount * price))
            x->usd_bad = 1;
    }
    return FT_OK;
}

static ft_status expo_add(worker *w, track *tr, uint32_t addr, uint64_t amount)
{
    uint32_t ei = w->expo_of_addr[addr];
    if (ei == NONE) {
        if (!grow((void **)&tr->expo, &tr->cap_expo, tr->n_expo + 1, sizeof *tr->expo))
            return FT_ERR_NOMEM;
        ei = (uint32_t)tr->n_expo++;
        tr->expo[ei].addr = addr;
        tr->expo[ei].incident = tr->incident;
        tr->expo[ei].model = tr->model;
        tr->expo[ei].amount = 0;
        w->expo_of_addr[addr] = ei;
    }
    tr->expo[ei].amount += amount;
    return FT_OK;
}

static ft_status prov_add(track *tr, uint32_t out, uint32_t parent, uint32_t tx, uint64_t taint)
{
    if (!grow((void **)&tr->prov, &tr->cap_prov, tr->n_prov + 1, sizeof *tr->prov))
        return FT_ERR_NOMEM;
    prov *p = &tr->prov[tr->n_prov++];
    p->out = out;
    p->parent = parent;
    p->tx = tx;
    p->taint = taint;
    return FT_OK;
}

/* Output o (created by tx) receives taint > 0 at hop; segs[0..n_seg) its fifo tape; parent
 * the tainted input (out id) that gave it the largest share, NONE for a seed. */
static ft_status deliver(worker *w, track *tr, const ctx *c, uint32_t o, uint32_t tx,
                         uint64_t taint, uint32_t hop, const ft_taint_seg *segs, size_t n_seg,
                         uint32_t parent)
{
    const ft_graph *g = c->g;
    ft_trace_summary *s = &tr->sum;
    uint32_t a = g->out_addr[o];
    uint8_t cat = a && a < g->n_addr ? c->term_cat[a] : FT_CAT_NONE;
    ft_status st;
    if (c->opts->exposure && a && a < g->n_addr && (st = expo_add(w, tr, a, taint)) != FT_OK)
        return st;
    if (cat != FT_CAT_NONE) {
        if (c->opts->paths && (st = prov_add(tr, o, parent, tx, taint)) != FT_OK)
            return st;
        switch (cat) {
        case FT_CAT_EXCHANGE: s->to_exchange += taint; break;
        case FT_CAT_MIXER: s->to_mixer += taint; break;
        case FT_CAT_BRIDGE: s->to_bridge += taint; break;
        default: s->to_other += taint; break;
        }
        return flow_add(w, tr, c, a, cat, taint, hop, tx, o);
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
    if (c->opts->paths && (st = prov_add(tr, o, parent, tx, taint)) != FT_OK)
        return st;
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

/* fifo: for each output k (w->w[0..m), in tape order) the input whose tainted units inside
 * the output's stretch of the tape are the most (ties: the earlier input), into w->parent[k]
 * (NONE when the stretch holds no taint). The segments of one input are contiguous on the
 * tape, so one pass with a running per-input count suffices. */
static void fifo_parents(worker *w, size_t n_tin, uint32_t m)
{
    size_t j = 0;       /* first segment that may overlap the current output */
    uint64_t s_j = 0;   /* tape position where segment j starts */
    uint64_t a = 0;     /* start of output k's stretch */
    for (uint32_t k = 0; k < m; k++) {
        uint64_t b = a + w->w[k];
        while (j < n_tin && s_j + w->tin[j].len <= a) {
            s_j += w->tin[j].len;
            j++;
        }
        uint32_t best = NONE, cur = NONE;
        uint64_t best_n = 0, cur_n = 0;
        uint64_t s = s_j;
        for (size_t q = j; q < n_tin && s < b; s += w->tin[q].len, q++) {
            if (!w->tin[q].tainted)
                continue;
            uint64_t lo = s > a ? s : a, hi = s + w->tin[q].len < b ? s + w->tin[q].len : b;
            if (w->tin_in[q] != cur) {
                if (cur_n > best_n) {
                    best_n = cur_n;
                    best = cur;
                }
                cur = w->tin_in[q];
                cur_n = 0;
            }
            cur_n += hi - lo;
        }
        if (cur_n > best_n)
            best = cur;
        w->parent[k] = best;
        a = b;
    }
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
    int paths = c->opts->paths;
    uint32_t best_in = NONE; /* poison, haircut: the input with the most taint (first) */
    uint64_t best_t = 0;
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
            if (paths) {
                if (!grow((void **)&w->tin_in, &w->cap_tin_in, n_tin + add, sizeof *w->tin_in))
                    return FT_ERR_NOMEM;
                for (size_t k = 0; k < add; k++)
                    w->tin_in[n_tin + k] = o;
            }
            n_tin += add;
        }
        if (ri != NONE) {
            if (w->recs[ri].taint > best_t) {
                best_t = w->recs[ri].taint;
                best_in = o;
            }
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
    if (paths) {
        if (!grow((void **)&w->parent, &w->cap_parent, m ? m : 1, sizeof *w->parent))
            return FT_ERR_NOMEM;
        if (model == FT_TAINT_FIFO)
            fifo_parents(w, n_tin, m);
        else
            for (uint32_t k = 0; k < m; k++)
                w->parent[k] = best_in;
    }
    for (uint32_t k = 0; k < m; k++) {
        if (w->out_t[k] == 0)
            continue;
        const ft_taint_seg *segs = NULL;
        size_t n_seg = 0;
        if (model == FT_TAINT_FIFO) {
            segs = w->tout + w->off[k];
            n_seg = w->off[k + 1] - w->off[k];
        }
        st = deliver(w, tr, c, o0 + k, t, w->out_t[k], hop, segs, n_seg,
                     paths ? w->parent[k] : NONE);
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

static int cmp_prov(const void *a, const void *b)
{
    const prov *x = a, *y = b;
    if (x->out != y->out)
        return x->out < y->out ? -1 : 1;
    return x->parent < y->parent ? -1 : x->parent > y->parent;
}

typedef struct addr_idx {
    uint32_t addr;
    size_t idx;
} addr_idx;

static int cmp_addr_idx(const void *a, const void *b)
{
    const addr_idx *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The first provenance entry of out in the sorted list, or NULL. */
static const prov *prov_find(const track *tr, uint32_t out)
{
    size_t lo = 0, hi = tr->n_prov;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tr->prov[mid].out < out)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < tr->n_prov && tr->prov[lo].out == out ? &tr->prov[lo] : NULL;
}

/* After a successful sweep: USD per flow, flows sorted by address id, and their paths. */
static ft_status finish_track(track *tr, const ctx *c)
{
    size_t n = tr->n_flows;
    if (c->opts->prices)
        for (size_t f = 0; f < n; f++) {
            tr->flows[f].usd_known = !tr->fx[f].usd_bad;
            tr->flows[f].amount_usd =
                tr->fx[f].usd_bad ? 0 : ft_prices_round_exact(tr->fx[f].usd_exact, c->opts->decimals);
        }
    if (n > 1) {
        addr_idx *perm = malloc(n * sizeof *perm);
        ft_trace_flow *nf = malloc(n * sizeof *nf);
        flow_x *nx = malloc(n * sizeof *nx);
        if (!perm || !nf || !nx) {
            free(perm);
            free(nf);
            free(nx);
            return FT_ERR_NOMEM;
        }
        for (size_t f = 0; f < n; f++) {
            perm[f].addr = tr->flows[f].addr;
            perm[f].idx = f;
        }
        qsort(perm, n, sizeof *perm, cmp_addr_idx);
        for (size_t f = 0; f < n; f++) {
            nf[f] = tr->flows[perm[f].idx];
            nx[f] = tr->fx[perm[f].idx];
        }
        free(perm);
        free(tr->flows);
        free(tr->fx);
        tr->flows = nf;
        tr->fx = nx;
        tr->cap_flows = tr->cap_fx = n;
    }
    if (!c->opts->paths)
        return FT_OK;
    if (tr->n_prov > 1)
        qsort(tr->prov, tr->n_prov, sizeof *tr->prov, cmp_prov);
    tr->path_off = malloc((n + 1) * sizeof *tr->path_off);
    if (!tr->path_off)
        return FT_ERR_NOMEM;
    for (size_t f = 0; f < n; f++) {
        tr->path_off[f] = tr->n_path;
        uint32_t out = tr->fx[f].best_out;
        for (size_t steps = 0;; steps++) {
            const prov *p = prov_find(tr, out);
            if (!p || steps > tr->n_prov)
                return ft_err_set(&tr->err, FT_ERR_STATE, "evidence path broken at output %u",
                                  out);
            if (!grow((void **)&tr->path, &tr->cap_path, tr->n_path + 1, sizeof *tr->path))
                return FT_ERR_NOMEM;
            ft_trace_path_step *sp = &tr->path[tr->n_path++];
            sp->out = p->out;
            sp->tx = p->tx;
            sp->taint = p->taint;
            if (p->parent == NONE)
                break;
            out = p->parent;
        }
        /* walked terminal → seed: reverse to seed → terminal */
        for (size_t i = tr->path_off[f], j = tr->n_path - 1; i < j; i++, j--) {
            ft_trace_path_step tmp = tr->path[i];
            tr->path[i] = tr->path[j];
            tr->path[j] = tmp;
        }
    }
    tr->path_off[n] = tr->n_path;
    free(tr->prov); /* no longer needed: keep the peak low while other tracks run */
    tr->prov = NULL;
    tr->n_prov = tr->cap_prov = 0;
    return FT_OK;
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
        st = deliver(w, tr, c, o, seeds[s].tx, x, 0, seg, n_seg, NONE);
    }
    while (st == FT_OK && w->n_pending)
        st = visit(w, tr, c, pending_pop(w));
    /* leave the dense arrays at NONE for the next track */
    for (size_t f = 0; f < tr->n_flows; f++)
        w->flow_of_addr[tr->flows[f].addr] = NONE;
    for (size_t e = 0; e < tr->n_expo; e++)
        w->expo_of_addr[tr->expo[e].addr] = NONE;
    if (st == FT_OK)
        st = finish_track(tr, c);
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
    free(w->tin_in);
    free(w->parent);
    free(w->expo_of_addr);
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

static int cmp_exposure(const void *a, const void *b)
{
    const ft_trace_exposure *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->incident != y->incident)
        return x->incident < y->incident ? -1 : 1;
    return x->model < y->model ? -1 : x->model > y->model;
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
        if (opts->exposure)
            w.expo_of_addr = malloc((g->n_addr ? g->n_addr : 1) * sizeof *w.expo_of_addr);
        int ok = w.rec_of_out && w.flow_of_addr && w.pending && (!opts->exposure || w.expo_of_addr);
        if (ok) {
            memset(w.rec_of_out, 0xff, (g->n_out ? g->n_out : 1) * sizeof *w.rec_of_out);
            memset(w.flow_of_addr, 0xff, (g->n_addr ? g->n_addr : 1) * sizeof *w.flow_of_addr);
            if (w.expo_of_addr)
                memset(w.expo_of_addr, 0xff, (g->n_addr ? g->n_addr : 1) * sizeof *w.expo_of_addr);
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
    size_t total = 0, total_expo = 0, total_path = 0;
    for (size_t t = 0; t < n_tracks; t++) {
        total_expo += tracks[t].n_expo;
        total_path += tracks[t].n_path;
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
        if (opts->exposure)
            res->exposure = malloc((total_expo ? total_expo : 1) * sizeof *res->exposure);
        if (opts->paths) {
            res->path = malloc((total_path ? total_path : 1) * sizeof *res->path);
            res->path_off = malloc((total + 1) * sizeof *res->path_off);
        }
        if (!res->flows || (opts->exposure && !res->exposure) ||
            (opts->paths && (!res->path || !res->path_off)))
            st = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    for (size_t t = 0; t < n_tracks; t++) {
        track *tr = &tracks[t];
        if (st == FT_OK && opts->paths) /* flows already sorted by address in finish_track */
            for (size_t f = 0; f < tr->n_flows; f++)
                res->path_off[res->n_flows + f] = res->n_path + tr->path_off[f];
        if (st == FT_OK && tr->n_flows) {
            memcpy(res->flows + res->n_flows, tr->flows, tr->n_flows * sizeof *tr->flows);
            res->n_flows += tr->n_flows;
        }
        if (st == FT_OK && opts->paths && tr->n_path) {
            memcpy(res->path + res->n_path, tr->path, tr->n_path * sizeof *tr->path);
            res->n_path += tr->n_path;
        }
        if (st == FT_OK && opts->exposure && tr->n_expo) {
            memcpy(res->exposure + res->n_exposure, tr->expo, tr->n_expo * sizeof *tr->expo);
            res->n_exposure += tr->n_expo;
        }
        free(tr->flows);
        free(tr->fx);
        free(tr->expo);
        free(tr->prov);
        free(tr->path);
        free(tr->path_off);
    }
    if (st == FT_OK && opts->paths)
        res->path_off[res->n_flows] = res->n_path;
    if (st == FT_OK && opts->exposure)
        qsort(res->exposure, res->n_exposure, sizeof *res->exposure, cmp_exposure);
    free(tracks);
    free(first);
    free(sd);
    return st;
}

void ft_trace_result_release(ft_trace_result *res)
{
    free(res->summary);
    free(res->flows);
    free(res->exposure);
    free(res->path);
    free(res->path_off);
    memset(res, 0, sizeof *res);
}
