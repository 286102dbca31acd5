/*
 * cluster.c — the clustering driver (see cluster.h).
 *
 * What: run the heuristics selected in opts->mask over one graph and produce the cluster id
 * (smallest member address id) of every address.
 * How: prepare functions first (CoinJoin kinds, deposit table), then pass A: one OpenMP loop
 * over the items (txs or transfers), each thread calling every selected linker with an emit
 * callback that does a lock-free union (heuristics/unionfind.c); link and merge counts are
 * per-thread and summed. Then the collapse guard (heuristics/collapse_guard.c) re-runs the
 * linkers sequentially over the items for the suspect components only. Finally the sets are
 * flattened and sized.
 * Invariants: address id 0 ("no address") is never linked; a heuristic whose ledger model is
 * not the graph's is skipped; counts and ids are independent of the thread count.
 */
#include "heuristics/cluster.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/log.h"
#include "heuristics/unionfind.h"

#include "engine/banned.h"

typedef struct emit_a {
    ft_uf *uf;
    uint64_t links, merges;
} emit_a;

static void link_parallel(void *arg, uint32_t a, uint32_t b, uint32_t item)
{
    (void)item;
    emit_a *e = arg;
    if (a == 0 || b == 0 || a == b)
        return;
    e->links++;
    e->merges += (uint64_t)ft_uf_union(e->uf, a, b);
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

ft_status ft_cluster_run(const ft_graph *g, const ft_cluster_labels *labels,
                         const ft_cluster_opts *opts, ft_cluster_result *res, ft_err *err)
{
    memset(res, 0, sizeof *res);
    size_t n_rows;
    const ft_heuristic *tab = ft_registry_table(&n_rows);
    ft_cluster_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.g = g;
    ctx.round_exp = opts->round_exp;
    if (labels) {
        ctx.addr_entity = labels->addr_entity;
        ctx.entity_cat = labels->entity_cat;
        ctx.n_entities = labels->n_entities;
    }
    ft_status rc = FT_OK;
    const ft_heuristic *linkers[FT_REGISTRY_MAX];
    size_t n_linkers = 0;
    for (size_t i = 0; i < n_rows && rc == FT_OK; i++) {
        if (!(opts->mask & (1u << i)))
            continue;
        if (tab[i].model != g->model) {
            ft_log(FT_LOG_DEBUG, "heuristic '%s' skipped: not for this ledger model", tab[i].name);
            continue;
        }
        if (tab[i].prepare)
            rc = tab[i].prepare(&ctx, err);
        if (tab[i].links)
            linkers[n_linkers++] = &tab[i];
    }
    uint32_t n_items = g->model == FT_GRAPH_UTXO ? g->n_tx : g->n_xfer;
    ft_uf uf = {0, NULL};
    if (rc == FT_OK)
        rc = ft_uf_init(&uf, g->n_addr, err);
    if (rc != FT_OK)
        goto out;
    if (ctx.cj_kind)
        for (uint32_t t = 0; t < g->n_tx; t++)
            res->cj_count[ctx.cj_kind[t] < FT_CJ_KIND_COUNT ? ctx.cj_kind[t] : 0]++;

    /* pass A: parallel, unguarded */
    uint64_t links = 0, merges = 0;
#pragma omp parallel reduction(+ : links, merges)
    {
        emit_a e = {&uf, 0, 0};
#pragma omp for schedule(dynamic, 2048) nowait
        for (int64_t it = 0; it < (int64_t)n_items; it++)
            for (size_t h = 0; h < n_linkers; h++)
                linkers[h]->links(&ctx, (uint32_t)it, link_parallel, &e);
        links += e.links;
        merges += e.merges;
    }
    res->links = links;
    res->merges = merges;
    ft_uf_flatten(&uf);

    /* collapse guard: suspect components again, sequentially, in item order */
    if (opts->guard) {
        uint8_t *sus = NULL;
        size_t n_sus = 0;
        rc = ft_guard_find_suspects(uf.parent, uf.n, ctx.addr_entity, opts->guard_size, &sus,
                                    &n_sus, err);
        if (rc != FT_OK)
            goto out;
        if (sus) {
            ft_guard gd;
            rc = ft_guard_begin(&gd, &uf, sus, ctx.addr_entity, opts->guard_size, err);
            if (rc != FT_OK) {
                free(sus);
                goto out;
            }
            for (uint32_t it = 0; it < n_items; it++)
                for (size_t h = 0; h < n_linkers; h++)
                    linkers[h]->links(&ctx, it, ft_guard_link, &gd);
            res->suspects = n_sus;
            res->refused = gd.refused;
            res->n_refused = gd.n_refused;
            res->n_refused_total = gd.n_refused_total;
            rc = gd.failed;
            gd.refused = NULL;
            ft_guard_release(&gd);
            free(sus);
            if (rc != FT_OK) {
                ft_err_set(err, rc, "out of memory recording refused merges");
                goto out;
            }
            ft_uf_flatten(&uf);
        }
    }

    /* sizes */
    res->n_addr = uf.n;
    res->cluster = uf.parent;
    uf.parent = NULL;
    res->size = calloc((size_t)res->n_addr + 1, sizeof *res->size);
    if (!res->size) {
        rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory for cluster sizes");
        goto out;
    }
    uint32_t *sz = res->size;
    const uint32_t *cl = res->cluster;
    int64_t na = res->n_addr;
#pragma omp parallel for schedule(static)
    for (int64_t x = 1; x < na; x++)
        __atomic_fetch_add(&sz[cl[x]], 1u, __ATOMIC_RELAXED);
    uint32_t n_multi = 0;
#pragma omp parallel for schedule(static) reduction(+ : n_multi)
    for (int64_t c = 1; c < na; c++)
        n_multi += cl[c] == (uint32_t)c && sz[c] >= 2;
    res->n_multi = n_multi;
    for (uint32_t c = 1; c < res->n_addr; c++) /* first largest: smallest id on ties */
        if (cl[c] == c && sz[c] > res->largest) {
            res->largest = sz[c];
            res->largest_id = c;
        }
out:
    ft_uf_release(&uf);
    free(ctx.cj_kind);
    free(ctx.deposit_entity);
    if (rc != FT_OK)
        ft_cluster_result_release(res);
    return rc;
}
