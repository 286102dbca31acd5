/*
 * cluster.c — the clustering driver (see cluster.h).
 *
 * What: run the heuristics selected in opts->mask over one graph and produce the cluster id
 * (smallest member address id) of every address, the size of every cluster and a few counts.
 * How, phase by phase (each timed; the times go to the debug log as one line
 * "cluster phases (s): prepare P init I union U flatten F guard G sizes S", which
 * tests/bench/bench_cluster.c reads; F covers the flatten with the size count, S the counts
 * over the roots):
 *   prepare  the filters' prepare functions (CoinJoin kinds, deposit table), their own loops;
 *   init     every id its own set and the CoinJoin kind counts, on the calling thread (a few
 *            ms of streaming writes: cheaper than waking a thread on a loaded machine);
 *   union + flatten + sizes  ONE OpenMP parallel region, three barriers:
 *            pass A — each thread calls every selected linker on chunks of items (dynamic
 *            schedule: txs differ a lot in size) with an emit callback that does a lock-free
 *            union (heuristics/unionfind.c); then, over dynamic chunks of ids, the flatten
 *            (read-only walk to the root, each thread stores only its own ids) fused with
 *            the size count of the roots inside the chunk (plain increments: no other
 *            thread writes a counter of this chunk in that step); then the roots below each
 *            chunk with atomic adds; then the multi-address clusters and the largest one per
 *            thread, combined with a deterministic rule (larger size, then smaller id).
 *            One region instead of one per loop: on a loaded machine every fork or barrier
 *            waits for a sleeping thread to be scheduled, and that wait, not the work,
 *            dominated the 2-thread time;
 *   guard    the collapse guard (heuristics/collapse_guard.c): its suspects, from the sizes
 *            above, and pass B over the items for the suspect components only,
 *            single-threaded in item order; when pass B ran, sizes and counts are redone.
 * The emit callback remembers the root it met for the last first address: multi-input emits
 * (first input, other input) for every input of a tx, and that root is an ancestor of the
 * first input for ever, so the next union starts from it instead of walking again.
 * Memory: the driver accounts every block it (or the guard) allocates and logs its peak
 * ("cluster memory: peak N bytes"): 4 bytes per address for the union-find (which becomes
 * the cluster id array), 4 for the sizes, 1 per tx for CoinJoin kinds; the guard adds 4 per
 * address while it looks for suspects when there are labels, and 9 per address in pass B.
 * Invariants: address id 0 ("no address") is never linked; a heuristic whose ledger model is
 * not the graph's is skipped; counts and ids are independent of the thread count (pass A's
 * partition is the connected components of the links whatever the order, its roots are the
 * smallest members; the guard is sequential in item order; reductions are sums or a max with
 * a deterministic tie rule).
 */
#include "heuristics/cluster.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/log.h"
#include "heuristics/unionfind.h"

#include "engine/banned.h"

#define UNION_CHUNK 1024 /* items per dynamic chunk of pass A */
#define ID_CHUNK 32768   /* ids per dynamic chunk of the flatten and size count */

typedef struct emit_a {
    ft_uf *uf;
    uint32_t last_a;    /* the last first address linked ... */
    uint32_t last_root; /* ... and a root met for it (an ancestor of last_a for ever) */
    uint64_t links, merges;
} emit_a;

static void link_parallel(void *arg, uint32_t a, uint32_t b, uint32_t item)
{
    (void)item;
    emit_a *e = arg;
    if (a == 0 || b == 0 || a == b)
        return;
    e->links++;
    uint32_t from = a == e->last_a ? e->last_root : a, root;
    e->merges += (uint64_t)ft_uf_union_root(e->uf, from, b, &root);
    e->last_a = a;
    e->last_root = root;
}

/* Inside a parallel region: this thread's static share of the roots: clusters of two or
 * more addresses, and the first largest (smallest id on ties). */
static void count_roots(const uint32_t *cl, const uint32_t *sz, int64_t na, uint32_t *multi,
                        uint32_t *best, uint32_t *best_id)
{
#pragma omp for schedule(static) nowait
    for (int64_t c = 1; c < na; c++)
        if (cl[c] == (uint32_t)c) {
            uint32_t s = sz[c];
            *multi += s >= 2;
            if (s > *best) {
                *best = s;
                *best_id = (uint32_t)c;
            }
        }
}

typedef struct mem_acct {
    size_t cur, peak;
} mem_acct;

static void acct(mem_acct *m, size_t add, size_t sub)
{
    m->cur += add;
    if (m->cur > m->peak)
        m->peak = m->cur;
    m->cur -= sub;
}

static double mark(double *t)
{
    double n = omp_get_wtime(), d = n - *t;
    *t = n;
    return d;
}

void ft_cluster_result_release(ft_cluster_result *res)
{
    if (!res)
        return;
    free(res->cluster);
    free(res->size);
    free(res->refused);
    memset(res, 0, sizeof *res);
}

/* Pass B of the collapse guard (see collapse_guard.h); rc FT_OK or an error in err. */
static ft_status run_guard(const ft_cluster_ctx *ctx, const ft_heuristic *const *linkers,
                           size_t n_linkers, uint32_t n_items, ft_uf *uf,
                           const uint32_t *size, const ft_cluster_opts *opts,
                           ft_cluster_result *res, mem_acct *mem, int *changed, ft_err *err)
{
    size_t per = (size_t)uf->n + 1;
    if (ctx->addr_entity)
        acct(mem, 4 * per, 4 * per); /* the entity summary per root */
    uint8_t *sus = NULL;
    size_t n_sus = 0;
    ft_status rc = ft_guard_find_suspects_sized(uf->parent, size, uf->n, ctx->addr_entity,
                                                opts->guard_size, &sus, &n_sus, err);
    if (rc != FT_OK || !sus)
        return rc;
    *changed = 1;
    acct(mem, 9 * per, 0); /* the suspect flags, then the guard's size and entity per root */
    ft_guard gd;
    rc = ft_guard_begin(&gd, uf, sus, ctx->addr_entity, opts->guard_size, err);
    if (rc != FT_OK) {
        free(sus);
        return rc;
    }
    for (uint32_t it = 0; it < n_items; it++)
        for (size_t h = 0; h < n_linkers; h++)
            linkers[h]->links(ctx, it, ft_guard_link, &gd);
    res->suspects = n_sus;
    res->refused = gd.refused;
    res->n_refused = gd.n_refused;
    res->n_refused_total = gd.n_refused_total;
    rc = gd.failed;
    gd.refused = NULL;
    ft_guard_release(&gd);
    free(sus);
    acct(mem, 0, 9 * per);
    if (rc != FT_OK)
        return ft_err_set(err, rc, "out of memory recording refused merges");
    ft_uf_flatten(uf);
    return FT_OK;
}

ft_status ft_cluster_prepare(ft_cluster_ctx *ctx, const ft_graph *g,
                             const ft_cluster_labels *labels, const ft_cluster_opts *opts,
                             const ft_heuristic **linkers, size_t *n_linkers, ft_err *err)
{
    size_t n_rows;
    const ft_heuristic *tab = ft_registry_table(&n_rows);
    memset(ctx, 0, sizeof *ctx);
    ctx->g = g;
    ctx->round_exp = opts->round_exp;
    if (labels) {
        ctx->addr_entity = labels->addr_entity;
        ctx->entity_cat = labels->entity_cat;
        ctx->n_entities = labels->n_entities;
    }
    ft_status rc = FT_OK;
    *n_linkers = 0;
    for (size_t i = 0; i < n_rows && rc == FT_OK; i++) {
        if (!(opts->mask & (1u << i)))
            continue;
        if (tab[i].model != g->model) {
            ft_log(FT_LOG_DEBUG, "heuristic '%s' skipped: not for this ledger model", tab[i].name);
            continue;
        }
        if (tab[i].prepare)
            rc = tab[i].prepare(ctx, err);
        if (tab[i].links)
            linkers[(*n_linkers)++] = &tab[i];
    }
    return rc;
}

void ft_cluster_ctx_release(ft_cluster_ctx *ctx)
{
    free(ctx->cj_kind);
    free(ctx->deposit_entity);
    ctx->cj_kind = NULL;
    ctx->deposit_entity = NULL;
}

ft_status ft_cluster_run(const ft_graph *g, const ft_cluster_labels *labels,
                         const ft_cluster_opts *opts, ft_cluster_result *res, ft_err *err)
{
    memset(res, 0, sizeof *res);
    double tm = omp_get_wtime(), ph[6] = {0, 0, 0, 0, 0, 0};
    mem_acct mem = {0, 0};
    ft_cluster_ctx ctx;
    const ft_heuristic *linkers[FT_REGISTRY_MAX];
    size_t n_linkers = 0;
    ft_status rc = ft_cluster_prepare(&ctx, g, labels, opts, linkers, &n_linkers, err);
    if (ctx.cj_kind)
        acct(&mem, (size_t)g->n_tx + 1, 0);
    if (ctx.deposit_entity)
        acct(&mem, ((size_t)g->n_addr + 1) * sizeof *ctx.deposit_entity, 0);
    uint32_t n_items = g->model == FT_GRAPH_UTXO ? g->n_tx : g->n_xfer;
    ft_uf uf = {g->n_addr, NULL};
    ph[0] = mark(&tm);
    if (rc != FT_OK)
        goto out;
    size_t per = (size_t)uf.n + 1;
    uf.parent = malloc(per * sizeof *uf.parent);
    uint32_t *sz = calloc(per, sizeof *sz);
    if (!uf.parent || !sz) {
        free(sz);
        rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory for a union-find of %u addresses",
                        uf.n);
        goto out;
    }
    acct(&mem, per * (sizeof *uf.parent + sizeof *sz), 0);
    uint32_t *par = uf.parent;
    int64_t na = uf.n;
    for (int64_t x = 0; x < na; x++)
        par[x] = (uint32_t)x;
    if (ctx.cj_kind)
        for (uint32_t t = 0; t < g->n_tx; t++)
            res->cj_count[ctx.cj_kind[t] < FT_CJ_KIND_COUNT ? ctx.cj_kind[t] : 0]++;
    ph[1] = mark(&tm);

    /* pass A (parallel, unguarded), flatten + sizes, counts: one parallel region */
    uint64_t links = 0, merges = 0;
    uint32_t n_multi = 0, best = 0, best_id = 0;
    double t_flat = 0, t_sizes = 0;
#pragma omp parallel reduction(+ : links, merges, n_multi)
    {
        emit_a e = {&uf, 0, 0, 0, 0};
#pragma omp for schedule(dynamic, UNION_CHUNK)
        for (int64_t it = 0; it < (int64_t)n_items; it++)
            for (size_t h = 0; h < n_linkers; h++)
                linkers[h]->links(&ctx, (uint32_t)it, link_parallel, &e);
        links += e.links;
        merges += e.merges;
#pragma omp master
        t_flat = omp_get_wtime();
        /* chunk c = ids [1 + c*ID_CHUNK, ...): flatten, count the roots inside the chunk */
        int64_t n_chunks = (na - 1 + ID_CHUNK - 1) / ID_CHUNK;
#pragma omp for schedule(dynamic, 1)
        for (int64_t c = 0; c < n_chunks; c++) {
            uint32_t lo = (uint32_t)(1 + c * ID_CHUNK);
            uint32_t hi = (uint32_t)(na - lo > ID_CHUNK ? lo + ID_CHUNK : na);
            for (uint32_t x = lo; x < hi; x++) {
                uint32_t r = ft_uf_find_ro(&uf, x);
                __atomic_store_n(&par[x], r, __ATOMIC_RELAXED);
                if (r >= lo)
                    sz[r]++;
            }
        }
        /* the roots below each chunk: other chunks' counters, so atomic */
#pragma omp for schedule(dynamic, 1)
        for (int64_t c = 0; c < n_chunks; c++) {
            uint32_t lo = (uint32_t)(1 + c * ID_CHUNK);
            uint32_t hi = (uint32_t)(na - lo > ID_CHUNK ? lo + ID_CHUNK : na);
            for (uint32_t x = lo; x < hi; x++)
                if (par[x] < lo)
                    __atomic_fetch_add(&sz[par[x]], 1u, __ATOMIC_RELAXED);
        }
#pragma omp master
        t_sizes = omp_get_wtime();
        uint32_t my_best = 0, my_id = 0, my_multi = 0;
        count_roots(par, sz, na, &my_multi, &my_best, &my_id);
        n_multi += my_multi;
#pragma omp critical(ft_cluster_largest)
        if (my_best > best || (my_best == best && my_best > 0 && my_id < best_id)) {
            best = my_best;
            best_id = my_id;
        }
    }
    res->links = links;
    res->merges = merges;
    ph[2] = t_flat - tm;
    ph[3] = t_sizes - t_flat;
    tm = t_sizes;
    ph[5] = mark(&tm);

    /* collapse guard: suspect components again, sequentially, in item order */
    int changed = 0;
    if (opts->guard) {
        rc = run_guard(&ctx, linkers, n_linkers, n_items, &uf, sz, opts, res, &mem, &changed,
                       err);
        if (rc != FT_OK) {
            free(sz);
            goto out;
        }
        if (changed) { /* pass B re-clustered some addresses: count again */
            memset(sz, 0, per * sizeof *sz);
            ft_uf_count_sizes(par, uf.n, sz);
            n_multi = best = best_id = 0;
#pragma omp parallel reduction(+ : n_multi)
            {
                uint32_t my_best = 0, my_id = 0, my_multi = 0;
                count_roots(par, sz, na, &my_multi, &my_best, &my_id);
                n_multi += my_multi;
#pragma omp critical(ft_cluster_largest)
                if (my_best > best || (my_best == best && my_best > 0 && my_id < best_id)) {
                    best = my_best;
                    best_id = my_id;
                }
            }
        }
    }
    ph[4] = mark(&tm);
    res->n_addr = uf.n;
    res->cluster = uf.parent;
    uf.parent = NULL;
    res->size = sz;
    res->n_multi = n_multi;
    res->largest = best;
    res->largest_id = best_id;
    ft_log(FT_LOG_DEBUG,
           "cluster phases (s): prepare %.4f init %.4f union %.4f flatten %.4f guard %.4f "
           "sizes %.4f",
           ph[0], ph[1], ph[2], ph[3], ph[4], ph[5]);
    ft_log(FT_LOG_DEBUG, "cluster memory: peak %zu bytes (%.2f per address)", mem.peak,
           uf.n ? (double)mem.peak / res->n_addr : 0.0);
out:
    ft_uf_release(&uf);
    ft_cluster_ctx_release(&ctx);
    if (rc != FT_OK)
        ft_cluster_result_release(res);
    return rc;
}
