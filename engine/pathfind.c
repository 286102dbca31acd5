/*
 * pathfind.c — shortest money path between two addresses (pathfind.h has the semantics).
 *
 * UTXO: a bidirectional breadth-first search over the transaction DAG. Nodes are txs; an
 * edge T → U when U spends an output of T that has an address. Forward labels df[t] (hop
 * number of t on a path from FROM: 1 = a tx spending an output of FROM), backward labels
 * db[t] (1 = a tx paying TO). Whole layers are expanded, the smaller frontier first:
 *
 *     FROM ─► [df=1] ─► [df=2] … [df=A]        [db=B] … ─► [db=2] ─► [db=1] ─► TO
 *
 * With both sides complete to depths A and B and no tx carrying both labels, every path has
 * at least A+B hops; the first expansion that labels a tx from both sides therefore meets at
 * txs with df = A, db = B exactly (after the increment), and the shortest length is
 * L = A + B - 1. The path is then read backwards by the tie order of pathfind.h: the txs on
 * some shortest path are marked from the meeting layer down the backward layers ("good"),
 * hop L is the lowest good tx paying TO, each earlier hop the lowest tx the later one spends
 * from that is good at its depth (or, on the forward side, has df equal to its position).
 *
 * Account: a layered earliest-arrival search forward from FROM (temporal edges cannot be
 * searched backwards as simply). Per address the earliest arrival reached so far (the
 * execution position just after the transfer that brought money in); layer k relaxes every
 * later outgoing transfer of the addresses improved in layer k-1 (a per-address list of
 * outgoing transfers in execution order, binary-searched to the first usable one). An
 * address is re-entered only with a strictly earlier arrival, so the labels are the Pareto
 * front of (hops, arrival); when TO is first reached at layer L its entry is the earliest
 * arrival over all L-hop paths, and each entry's parent is the earliest arrival at its
 * sender with one hop fewer: exactly the backward tie order of pathfind.h.
 *
 * The UTXO search reads txs through ft_pathfind_utxo_src (pathfind.h): over a loaded graph
 * (the CSR arrays; an input's creating tx by binary search on out_off) or over the index
 * (one tx record per visited tx, one spend record per output with an address when expanding
 * forward, one history scan per end address: SENT rows name the txs spending FROM's outputs,
 * RECV rows the txs paying TO). Both give the same ids, so the same path.
 *
 * Invariants: labels fit a byte (max_hops <= 32 < 0x80; bit 0x80 of db marks "good");
 * every array index read from g is range-checked against the graph's counts.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/account.h"
#include "engine/pathfind.h"
#include "engine/query.h"
#include "engine/reader.h"

#include "engine/banned.h"

#define GOOD 0x80u

typedef struct vec32 {
    uint32_t *v;
    size_t n, cap;
} vec32;

static int vec_push(vec32 *a, uint32_t x)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 256;
        uint32_t *nv = realloc(a->v, nc * sizeof *nv);
        if (!nv)
            return 0;
        a->v = nv;
        a->cap = nc;
    }
    a->v[a->n++] = x;
    return 1;
}

const char *ft_pathfind_outcome_name(ft_pathfind_outcome o)
{
    switch (o) {
    case FT_PATH_FOUND:
        return "found";
    case FT_PATH_NONE:
        return "no_path";
    case FT_PATH_HOP_LIMIT:
        return "hop_limit";
    case FT_PATH_VISIT_LIMIT:
        return "visit_limit";
    }
    return "unknown";
}

/* ---- UTXO ---------------------------------------------------------------------------------- */

typedef struct utxo_search {
    const ft_pathfind_utxo_src *src;
    uint8_t *df, *db;
    vec32 fl, bl;           /* forward / backward nodes, layer by layer */
    size_t foff[FT_PATHFIND_MAX_HOPS + 2], boff[FT_PATHFIND_MAX_HOPS + 2];
    uint64_t visits, max_visits;
    ft_err *err;
    ft_status st;           /* a source's failure */
} utxo_search;

/* Reads tx t through the source; 0 (s->st set) on failure. */
static int get_tx(utxo_search *s, uint32_t t, int spenders, ft_pathfind_txio *io)
{
    memset(io, 0, sizeof *io);
    s->st = s->src->tx(s->src->ctx, t, spenders, io, s->err);
    return s->st == FT_OK;
}

/* Expands forward layer a (nodes fl[foff[a-1] .. foff[a])) into layer a+1. Returns 1 when a
 * new node also has a backward label, 0 if not, -1 on the budget, -2 out of memory, -3 when
 * the source failed. */
static int utxo_expand_fwd(utxo_search *s, uint32_t a)
{
    int met = 0;
    uint32_t n_tx = s->src->n_tx;
    for (size_t k = s->foff[a - 1]; k < s->foff[a]; k++) {
        ft_pathfind_txio io;
        if (!get_tx(s, s->fl.v[k], 1, &io))
            return -3;
        for (uint32_t j = 0; j < io.n_out; j++) {
            uint32_t u = io.out_spent_by[j];
            if (io.out_addr[j] == 0 || u == FT_GRAPH_NONE || u >= n_tx)
                continue;
            if (++s->visits > s->max_visits)
                return -1;
            if (s->df[u])
                continue;
            s->df[u] = (uint8_t)(a + 1);
            if (!vec_push(&s->fl, u))
                return -2;
            if (s->db[u])
                met = 1;
        }
    }
    s->foff[a + 1] = s->fl.n;
    return met;
}

/* Expands backward layer b into b+1 (as utxo_expand_fwd). */
static int utxo_expand_bwd(utxo_search *s, uint32_t b)
{
    int met = 0;
    uint32_t n_tx = s->src->n_tx;
    for (size_t k = s->boff[b - 1]; k < s->boff[b]; k++) {
        ft_pathfind_txio io;
        if (!get_tx(s, s->bl.v[k], 0, &io))
            return -3;
        for (uint32_t i = 0; i < io.n_in; i++) {
            uint32_t u = io.in_tx[i];
            if (io.in_addr[i] == 0 || u >= n_tx)
                continue;
            if (++s->visits > s->max_visits)
                return -1;
            if (s->db[u])
                continue;
            s->db[u] = (uint8_t)(b + 1);
            if (!vec_push(&s->bl, u))
                return -2;
            if (s->df[u])
                met = 1;
        }
    }
    s->boff[b + 1] = s->bl.n;
    return met;
}

/* The lowest out id of tx t paid to address a (0: any address) and, when spender is not
 * NONE, spent by it; UINT32_MAX when there is none (or the source failed: s->st). */
static uint32_t lowest_out(utxo_search *s, uint32_t t, uint32_t a, uint32_t spender)
{
    ft_pathfind_txio io;
    if (!get_tx(s, t, spender != FT_GRAPH_NONE, &io))
        return UINT32_MAX;
    for (uint32_t j = 0; j < io.n_out; j++) {
        if (io.out_addr[j] == 0 || (a != 0 && io.out_addr[j] != a))
            continue;
        if (spender != FT_GRAPH_NONE && io.out_spent_by[j] != spender)
            continue;
        return io.first_out + j;
    }
    return UINT32_MAX;
}

/* Reads the shortest path (length L = A + B - 1) out of the labels. */
static ft_status utxo_path(utxo_search *s, uint32_t A, uint32_t B, uint32_t from, uint32_t to,
                           ft_pathfind_result *res)
{
    uint32_t L = A + B - 1, n_tx = s->src->n_tx;
    uint32_t path[FT_PATHFIND_MAX_HOPS];
    ft_pathfind_txio io;
    /* the meeting txs, then every backward tx that some good tx one layer up spends from */
    for (size_t k = s->boff[B - 1]; k < s->boff[B]; k++) {
        uint32_t w = s->bl.v[k];
        if (s->df[w] == A)
            s->db[w] |= GOOD;
    }
    for (uint32_t j = B - 1; j >= 1; j--) {
        for (size_t k = s->boff[j - 1]; k < s->boff[j]; k++) {
            uint32_t w = s->bl.v[k];
            if (!get_tx(s, w, 0, &io))
                return s->st;
            for (uint32_t i = 0; i < io.n_in; i++) {
                if (io.in_addr[i] == 0 || io.in_tx[i] >= n_tx)
                    continue;
                uint8_t d = s->db[io.in_tx[i]];
                if ((d & GOOD) && (uint32_t)(d & ~GOOD) == j + 1) {
                    s->db[w] |= GOOD;
                    break;
                }
            }
        }
    }
    uint32_t best = FT_GRAPH_NONE;
    for (size_t k = s->boff[0]; k < s->boff[1]; k++)
        if ((s->db[s->bl.v[k]] & GOOD) && s->bl.v[k] < best)
            best = s->bl.v[k];
    if (best == FT_GRAPH_NONE)
        return ft_err_set(s->err, FT_ERR_STATE, "path search: no good tx paying the target");
    path[L - 1] = best;
    for (uint32_t pos = L - 1; pos >= 1; pos--) { /* 1-based position of the predecessor */
        if (!get_tx(s, path[pos], 0, &io))
            return s->st;
        best = FT_GRAPH_NONE;
        for (uint32_t i = 0; i < io.n_in; i++) {
            uint32_t u = io.in_tx[i];
            if (io.in_addr[i] == 0 || u >= n_tx)
                continue;
            int ok;
            if (pos >= A)
                ok = (s->db[u] & GOOD) && (uint32_t)(s->db[u] & ~GOOD) == L - pos + 1;
            else
                ok = s->df[u] == pos;
            if (ok && u < best)
                best = u;
        }
        if (best == FT_GRAPH_NONE)
            return ft_err_set(s->err, FT_ERR_STATE, "path search: broken chain at hop %u", pos);
        path[pos - 1] = best;
    }
    for (uint32_t k = 0; k < L; k++) {
        ft_pathfind_hop *h = &res->hops[k];
        h->tx = path[k];
        if (k == 0) {
            if (!get_tx(s, path[0], 0, &io))
                return s->st;
            h->spent = UINT32_MAX;
            for (uint32_t i = 0; i < io.n_in; i++)
                if (io.in_addr[i] == from && io.in_out[i] < h->spent)
                    h->spent = io.in_out[i];
            h->from = from;
        } else {
            h->spent = res->hops[k - 1].item;
            h->from = res->hops[k - 1].to;
        }
        h->item = k + 1 < L ? lowest_out(s, path[k], 0, path[k + 1])
                            : lowest_out(s, path[k], to, FT_GRAPH_NONE);
        if (s->st != FT_OK)
            return s->st;
        if (h->spent == UINT32_MAX || h->item == UINT32_MAX)
            return ft_err_set(s->err, FT_ERR_STATE, "path search: no carrying output at hop %u",
                              k + 1);
        if (!get_tx(s, path[k], 0, &io))
            return s->st;
        if (h->item < io.first_out || h->item - io.first_out >= io.n_out)
            return ft_err_set(s->err, FT_ERR_STATE, "path search: output out of range");
        h->to = io.out_addr[h->item - io.first_out];
    }
    res->n_hops = L;
    res->outcome = FT_PATH_FOUND;
    return FT_OK;
}

/* Layer 1 of one side: the txs of ends(), deduplicated, labelled 1. */
static ft_status utxo_layer1(utxo_search *s, uint32_t a, int paying, uint8_t *lab, vec32 *v)
{
    uint32_t *txs = NULL;
    size_t n = 0;
    ft_status st = s->src->ends(s->src->ctx, a, paying, &txs, &n, s->err);
    for (size_t i = 0; st == FT_OK && i < n; i++) {
        uint32_t t = txs[i];
        if (t >= s->src->n_tx || lab[t])
            continue;
        s->visits++;
        lab[t] = 1;
        if (!vec_push(v, t))
            st = ft_err_set(s->err, FT_ERR_NOMEM, "out of memory for the path search");
    }
    free(txs);
    return st;
}

ft_status ft_pathfind_run_utxo(const ft_pathfind_utxo_src *src, uint32_t from, uint32_t to,
                               uint32_t max_hops, uint64_t max_visits, ft_pathfind_result *res,
                               ft_err *err)
{
    memset(res, 0, sizeof *res);
    if (!src || from == 0 || to == 0 || from == to || max_hops < 1 ||
        max_hops > FT_PATHFIND_MAX_HOPS || max_visits == 0)
        return ft_err_set(err, FT_ERR_ARG, "path search: bad arguments");
    utxo_search s;
    memset(&s, 0, sizeof s);
    s.src = src;
    s.err = err;
    s.max_visits = max_visits;
    s.df = calloc(src->n_tx ? src->n_tx : 1, 1);
    s.db = calloc(src->n_tx ? src->n_tx : 1, 1);
    ft_status st = FT_OK;
    int met = 0;
    if (!s.df || !s.db) {
        st = ft_err_set(err, FT_ERR_NOMEM, "out of memory for the path search over %u txs",
                        src->n_tx);
        goto done;
    }
    /* layer 1 of each side: txs spending FROM's outputs, txs paying TO */
    if ((st = utxo_layer1(&s, from, 0, s.df, &s.fl)) != FT_OK ||
        (st = utxo_layer1(&s, to, 1, s.db, &s.bl)) != FT_OK)
        goto done;
    s.foff[0] = s.boff[0] = 0;
    s.foff[1] = s.fl.n;
    s.boff[1] = s.bl.n;
    for (size_t k = 0; k < s.fl.n; k++)
        if (s.db[s.fl.v[k]])
            met = 1;
    uint32_t A = 1, B = 1;
    res->outcome = FT_PATH_NONE;
    while (!met) {
        if (s.visits > s.max_visits) {
            res->outcome = FT_PATH_VISIT_LIMIT;
            break;
        }
        size_t nf = s.foff[A] - s.foff[A - 1], nb = s.boff[B] - s.boff[B - 1];
        if (nf == 0 || nb == 0) {
            res->outcome = FT_PATH_NONE;
            break;
        }
        if (A + B - 1 >= max_hops) {
            res->outcome = FT_PATH_HOP_LIMIT;
            break;
        }
        int r;
        if (nf <= nb)
            r = utxo_expand_fwd(&s, A++);
        else
            r = utxo_expand_bwd(&s, B++);
        if (r == -3) {
            st = s.st;
            goto done;
        }
        if (r == -2) {
            st = ft_err_set(err, FT_ERR_NOMEM, "out of memory for the path search");
            goto done;
        }
        if (r == -1) {
            res->outcome = FT_PATH_VISIT_LIMIT;
            break;
        }
        met = r;
    }
    if (met)
        st = utxo_path(&s, A, B, from, to, res);
    res->visits = s.visits;
done:
    if (st != FT_OK) {
        uint64_t v = s.visits;
        memset(res, 0, sizeof *res);
        res->visits = v;
    }
    free(s.df);
    free(s.db);
    free(s.fl.v);
    free(s.bl.v);
    return st;
}

/* -- the loaded graph as a source -- */

typedef struct graph_src {
    const ft_graph *g;
    uint32_t *in_addr, *in_tx; /* scratch for one tx's inputs */
    size_t cap;
} graph_src;

/* The tx owning out id o (o < n_out): the last t with out_off[t] <= o. */
static uint32_t owner_tx(const ft_graph *g, uint32_t o)
{
    uint32_t lo = 0, hi = g->n_tx;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->out_off[mid] <= o)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

static ft_status graph_tx(void *ctx, uint32_t t, int spenders, ft_pathfind_txio *io, ft_err *err)
{
    graph_src *gs = ctx;
    const ft_graph *g = gs->g;
    (void)spenders;
    uint32_t n_in = g->in_off[t + 1] - g->in_off[t];
    if (n_in > gs->cap) {
        size_t nc = n_in * 2;
        uint32_t *a = realloc(gs->in_addr, nc * sizeof *a);
        if (a)
            gs->in_addr = a;
        uint32_t *b = a ? realloc(gs->in_tx, nc * sizeof *b) : NULL;
        if (!a || !b)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a tx of %u inputs", n_in);
        gs->in_tx = b;
        gs->cap = nc;
    }
    io->n_in = n_in;
    io->in_out = g->in_out + g->in_off[t];
    for (uint32_t i = 0; i < n_in; i++) {
        uint32_t o = io->in_out[i];
        gs->in_addr[i] = o < g->n_out ? g->out_addr[o] : 0;
        gs->in_tx[i] = o < g->n_out ? owner_tx(g, o) : FT_GRAPH_NONE;
    }
    io->in_addr = gs->in_addr;
    io->in_tx = gs->in_tx;
    io->first_out = g->out_off[t];
    io->n_out = g->out_off[t + 1] - g->out_off[t];
    io->out_addr = g->out_addr + io->first_out;
    io->out_spent_by = g->out_spent_by + io->first_out;
    return FT_OK;
}

static ft_status graph_ends(void *ctx, uint32_t a, int paying, uint32_t **txs, size_t *n,
                            ft_err *err)
{
    const ft_graph *g = ((graph_src *)ctx)->g;
    vec32 v = {NULL, 0, 0};
    for (uint32_t t = 0; t < g->n_tx; t++) {
        for (uint32_t o = g->out_off[t]; o < g->out_off[t + 1]; o++) {
            if (g->out_addr[o] != a)
                continue;
            uint32_t u = paying ? t : g->out_spent_by[o];
            if (u == FT_GRAPH_NONE)
                continue;
            if (!vec_push(&v, u)) {
                free(v.v);
                return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the path search");
            }
            if (paying)
                break;
        }
    }
    *txs = v.v;
    *n = v.n;
    return FT_OK;
}

static ft_status utxo_run(const ft_graph *g, uint32_t from, uint32_t to, uint32_t max_hops,
                          uint64_t max_visits, ft_pathfind_result *res, ft_err *err)
{
    graph_src gs = {g, NULL, NULL, 0};
    ft_pathfind_utxo_src src = {&gs, g->n_tx, graph_tx, graph_ends};
    ft_status st = ft_pathfind_run_utxo(&src, from, to, max_hops, max_visits, res, err);
    free(gs.in_addr);
    free(gs.in_tx);
    return st;
}

/* -- the index as a source -- */

typedef struct store_src {
    ft_store *st;
    uint8_t chain;
    ft_query_txrec rec; /* the last tx read */
    int have;
    uint32_t *buf;      /* in_out, in_addr, in_tx, out_addr, out_spent_by */
    size_t cap;
} store_src;

static ft_status store_tx(void *ctx, uint32_t t, int spenders, ft_pathfind_txio *io, ft_err *err)
{
    store_src *ss = ctx;
    if (ss->have)
        ft_query_txrec_release(&ss->rec);
    ss->have = 0;
    ft_status s = ft_query_txrec_get(ss->st, ss->chain, t, &ss->rec, err);
    if (s != FT_OK)
        return s;
    ss->have = 1;
    const ft_query_txrec *r = &ss->rec;
    uint32_t n_in = r->coinbase || !r->in ? 0 : r->n_in, n_out = r->n_out;
    size_t need = 3 * (size_t)n_in + 2 * (size_t)n_out;
    if (need > ss->cap) {
        uint32_t *nb = realloc(ss->buf, need * 2 * sizeof *nb);
        if (!nb)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for tx %u", t);
        ss->buf = nb;
        ss->cap = need * 2;
    }
    if (r->first_out + n_out > UINT32_MAX)
        return ft_err_set(err, FT_ERR_LIMIT, "index '%s': out ids beyond 2^32 (tx %u)",
                          ft_store_path(ss->st), t);
    uint32_t *in_out = ss->buf, *in_addr = in_out + n_in, *in_tx = in_addr + n_in;
    uint32_t *out_addr = in_tx + n_in, *spent = out_addr + n_out;
    for (uint32_t i = 0; i < n_in; i++) {
        const ft_query_txrec_in *in = &r->in[i];
        int ok = in->out_id != FT_QUERY_OUT_UNRESOLVED && in->out_id < UINT32_MAX &&
                 in->addr_id < UINT32_MAX && in->prev_tx < UINT32_MAX;
        in_out[i] = ok ? (uint32_t)in->out_id : UINT32_MAX;
        in_addr[i] = ok ? (uint32_t)in->addr_id : 0;
        in_tx[i] = ok ? (uint32_t)in->prev_tx : FT_GRAPH_NONE;
    }
    for (uint32_t j = 0; j < n_out; j++) {
        out_addr[j] = r->out[j].addr_id < UINT32_MAX ? (uint32_t)r->out[j].addr_id : 0;
        spent[j] = FT_GRAPH_NONE;
        if (!spenders || out_addr[j] == 0)
            continue;
        uint64_t by;
        uint32_t vin;
        s = ft_query_spend_get(ss->st, ss->chain, r->first_out + j, &by, &vin, err);
        if (s == FT_ERR_NOTFOUND) {
            ft_err_clear(err);
            continue;
        }
        if (s != FT_OK)
            return s;
        spent[j] = by < UINT32_MAX ? (uint32_t)by : FT_GRAPH_NONE;
    }
    io->n_in = n_in;
    io->in_out = in_out;
    io->in_addr = in_addr;
    io->in_tx = in_tx;
    io->first_out = (uint32_t)r->first_out;
    io->n_out = n_out;
    io->out_addr = out_addr;
    io->out_spent_by = spent;
    return FT_OK;
}

/* One prefix scan of a's history rows: SENT rows name the spending txs, RECV rows the
 * paying ones (the tx id is in the key: type chain addr:8 tx:8 dir:1 index:4). */
static ft_status store_ends(void *ctx, uint32_t a, int paying, uint32_t **txs, size_t *n,
                            ft_err *err)
{
    store_src *ss = ctx;
    uint8_t k[FT_QUERY_HIST_KEY_LEN];
    ft_query_key_hist(k, ss->chain, a, 0, 0, 0);
    ft_store_iter *it = ft_store_iter_new(ss->st, k, 10);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for an index iterator");
    vec32 v = {NULL, 0, 0};
    const uint8_t *key, *val;
    size_t klen, vlen;
    ft_status s = FT_OK;
    uint8_t want = paying ? FT_HIST_RECV : FT_HIST_SENT;
    while (ft_store_iter_next(it, &key, &klen, &val, &vlen)) {
        if (klen != FT_QUERY_HIST_KEY_LEN) {
            s = ft_err_set(err, FT_ERR_CORRUPT, "index '%s': history key of %zu bytes",
                           ft_store_path(ss->st), klen);
            break;
        }
        uint64_t t = ft_get_u64be(key + 10);
        if (key[18] != want || t >= UINT32_MAX)
            continue;
        if (v.n && v.v[v.n - 1] == (uint32_t)t)
            continue;
        if (!vec_push(&v, (uint32_t)t)) {
            s = ft_err_set(err, FT_ERR_NOMEM, "out of memory for the path search");
            break;
        }
    }
    ft_status is = ft_store_iter_status(it, s == FT_OK ? err : NULL);
    ft_store_iter_free(it);
    if (s == FT_OK)
        s = is;
    if (s != FT_OK) {
        free(v.v);
        return s;
    }
    *txs = v.v;
    *n = v.n;
    return FT_OK;
}

ft_status ft_pathfind_run_store(ft_store *st, uint8_t chain, uint32_t from, uint32_t to,
                                uint32_t max_hops, uint64_t max_visits, ft_pathfind_result *res,
                                ft_err *err)
{
    memset(res, 0, sizeof *res);
    ft_query_chainrec cr;
    ft_status s = ft_query_chain_get(st, chain, &cr, err);
    if (s != FT_OK)
        return s;
    if (cr.next_tx > UINT32_MAX - 1)
        return ft_err_set(err, FT_ERR_LIMIT, "index '%s' has more than 2^32 txs",
                          ft_store_path(st));
    store_src ss;
    memset(&ss, 0, sizeof ss);
    ss.st = st;
    ss.chain = chain;
    ft_pathfind_utxo_src src = {&ss, (uint32_t)cr.next_tx, store_tx, store_ends};
    s = ft_pathfind_run_utxo(&src, from, to, max_hops, max_visits, res, err);
    if (ss.have)
        ft_query_txrec_release(&ss.rec);
    free(ss.buf);
    return s;
}

/* ---- account ------------------------------------------------------------------------------- */

typedef struct acct_entry {
    uint32_t addr;
    uint32_t x;      /* the transfer that brought the money in (UINT32_MAX for FROM) */
    uint32_t parent; /* entry index (UINT32_MAX for FROM) */
    uint32_t layer;
} acct_entry;

static int xfer_usable(const ft_graph *g, uint32_t x)
{
    uint32_t f = g->xfer_from[x], t = g->xfer_to[x];
    if (f == 0 || t == 0 || f == t || f >= g->n_addr || t >= g->n_addr)
        return 0;
    if (g->xfer_tx && g->xfer_tx[x] == FT_GRAPH_NONE)
        return 0;
    if (g->xfer_kind && (g->xfer_kind[x] == FT_XFER_FEE || g->xfer_kind[x] == FT_XFER_REWARD))
        return 0;
    return 1;
}

static ft_status acct_run(const ft_graph *g, uint32_t from, uint32_t to, uint32_t max_hops,
                          uint64_t max_visits, ft_pathfind_result *res, ft_err *err)
{
    uint32_t n_addr = g->n_addr;
    uint32_t *off = calloc((size_t)n_addr + 1, sizeof *off);
    uint32_t *list = malloc((g->n_xfer ? g->n_xfer : 1) * sizeof *list);
    uint32_t *best = malloc((size_t)n_addr * sizeof *best); /* earliest next usable position */
    uint32_t *ent_of = malloc((size_t)n_addr * sizeof *ent_of);
    acct_entry *ent = NULL;
    size_t n_ent = 0, cap_ent = 0;
    ft_status st = FT_OK;
    uint64_t visits = 0;
    if (!off || !list || !best || !ent_of)
        goto nomem;
    /* outgoing transfers per sender, in execution order (counting sort keeps the order) */
    for (uint32_t x = 0; x < g->n_xfer; x++)
        if (xfer_usable(g, x))
            off[g->xfer_from[x] + 1]++;
    for (uint32_t a = 0; a < n_addr; a++)
        off[a + 1] += off[a];
    {
        uint32_t *fill = malloc((size_t)n_addr * sizeof *fill);
        if (!fill)
            goto nomem;
        memcpy(fill, off, (size_t)n_addr * sizeof *fill);
        for (uint32_t x = 0; x < g->n_xfer; x++)
            if (xfer_usable(g, x))
                list[fill[g->xfer_from[x]]++] = x;
        free(fill);
    }
    for (uint32_t a = 0; a < n_addr; a++) {
        best[a] = UINT32_MAX;
        ent_of[a] = UINT32_MAX;
    }
    cap_ent = 1024;
    ent = malloc(cap_ent * sizeof *ent);
    if (!ent)
        goto nomem;
    ent[0] = (acct_entry){from, UINT32_MAX, UINT32_MAX, 0};
    n_ent = 1;
    best[from] = 0;
    ent_of[from] = 0;
    res->outcome = FT_PATH_HOP_LIMIT;
    size_t fs = 0, fe = 1; /* the frontier: entries of the previous layer */
    for (uint32_t k = 1; k <= max_hops; k++) {
        int budget = 0;
        for (size_t e = fs; e < fe && !budget; e++) {
            uint32_t u = ent[e].addr;
            uint32_t next = ent[e].x == UINT32_MAX ? 0 : ent[e].x + 1;
            uint32_t lo = off[u], hi = off[u + 1];
            while (lo < hi) { /* first outgoing transfer at or after next */
                uint32_t mid = lo + (hi - lo) / 2;
                if (list[mid] < next)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (uint32_t i = lo; i < off[u + 1]; i++) {
                uint32_t x = list[i], w = g->xfer_to[x];
                if (++visits > max_visits) {
                    budget = 1;
                    break;
                }
                if (x + 1 >= best[w])
                    continue;
                best[w] = x + 1;
                uint32_t ew = ent_of[w];
                if (ew != UINT32_MAX && ent[ew].layer == k) {
                    ent[ew].x = x;
                    ent[ew].parent = (uint32_t)e;
                    continue;
                }
                if (n_ent == cap_ent) {
                    acct_entry *ne = realloc(ent, cap_ent * 2 * sizeof *ne);
                    if (!ne)
                        goto nomem;
                    ent = ne;
                    cap_ent *= 2;
                }
                ent[n_ent] = (acct_entry){w, x, (uint32_t)e, k};
                ent_of[w] = (uint32_t)n_ent++;
            }
        }
        if (budget) {
            res->outcome = FT_PATH_VISIT_LIMIT;
            break;
        }
        uint32_t et = ent_of[to];
        if (et != UINT32_MAX && ent[et].layer == k) {
            uint32_t e = et;
            for (uint32_t h = k; h >= 1; h--) {
                ft_pathfind_hop *hp = &res->hops[h - 1];
                uint32_t x = ent[e].x;
                hp->item = hp->spent = x;
                hp->tx = g->xfer_tx ? g->xfer_tx[x] : 0;
                hp->from = g->xfer_from[x];
                hp->to = g->xfer_to[x];
                e = ent[e].parent;
            }
            res->n_hops = k;
            res->outcome = FT_PATH_FOUND;
            break;
        }
        if (n_ent == fe) {
            res->outcome = FT_PATH_NONE;
            break;
        }
        fs = fe;
        fe = n_ent;
    }
    res->visits = visits;
    goto done;
nomem:
    st = ft_err_set(err, FT_ERR_NOMEM, "out of memory for the path search over %u transfers",
                    g->n_xfer);
done:
    free(off);
    free(list);
    free(best);
    free(ent_of);
    free(ent);
    return st;
}

ft_status ft_pathfind_run(const ft_graph *g, uint32_t from, uint32_t to, uint32_t max_hops,
                          uint64_t max_visits, ft_pathfind_result *res, ft_err *err)
{
    memset(res, 0, sizeof *res);
    if (!g || from == 0 || to == 0 || from >= g->n_addr || to >= g->n_addr)
        return ft_err_set(err, FT_ERR_ARG, "path search: address id out of range");
    if (from == to)
        return ft_err_set(err, FT_ERR_ARG, "path search: from and to are the same address");
    if (max_hops < 1 || max_hops > FT_PATHFIND_MAX_HOPS || max_visits == 0)
        return ft_err_set(err, FT_ERR_ARG, "path search: max_hops must be 1..%d, max_visits > 0",
                          FT_PATHFIND_MAX_HOPS);
    if (g->model == FT_GRAPH_UTXO)
        return utxo_run(g, from, to, max_hops, max_visits, res, err);
    return acct_run(g, from, to, max_hops, max_visits, res, err);
}
