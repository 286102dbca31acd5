/*
 * collapse_guard.c — the collapse guard (see collapse_guard.h for the rules and why the
 * two-pass scheme is deterministic).
 *
 * Suspects: from the flattened pass-A clusters and their sizes (counted by the driver, or by
 * ft_uf_count_sizes here), one parallel pass computes per root its label summary: no label,
 * the one entity label its members carry, or "two labels" (a CAS from "none" to the first
 * label met, a plain store of "two labels" on a second one: the final value does not depend
 * on the order, so neither on the thread count); a component is suspect when it has two
 * different labels or more than 2*threshold+1 addresses (below that no two of its parts can
 * both exceed the threshold). The suspect count is summed over the roots first, and the
 * per-address flags are only allocated and filled when there is one. Pass B runs single-threaded over the suspect addresses only,
 * with per-root size and entity arrays, linking the larger root id under the smaller as the
 * parallel union-find does, so cluster ids stay "smallest member".
 * Every refusal is logged (the first 10 with ft_log at info level) and kept for the store.
 */
#include "heuristics/collapse_guard.h"

#include <stdlib.h>
#include <string.h>

#include "engine/graph.h"
#include "engine/log.h"

#include "engine/banned.h"

#define MULTI (FT_GRAPH_NONE - 1u)

const char *ft_guard_reason_name(uint8_t reason)
{
    return reason == FT_GUARD_LABELS ? "labels" : reason == FT_GUARD_SIZE ? "size" : "unknown";
}

/* One root's label summary: NONE, the one entity its members carry, or MULTI. Concurrent
 * calls for one root always end in the same value whatever their order (MULTI absorbs). */
static void note_entity(uint32_t *slot, uint32_t e)
{
    uint32_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
    while (cur != e && cur != MULTI) {
        if (cur != FT_GRAPH_NONE) {
            __atomic_store_n(slot, MULTI, __ATOMIC_RELAXED);
            return;
        }
        if (__atomic_compare_exchange_n(slot, &cur, e, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return;
    }
}

ft_status ft_guard_find_suspects_sized(const uint32_t *cluster, const uint32_t *size, uint32_t n,
                                       const uint32_t *addr_entity, uint32_t threshold,
                                       uint8_t **suspect, size_t *n_suspect, ft_err *err)
{
    *suspect = NULL;
    *n_suspect = 0;
    if ((!addr_entity && threshold == 0) || n < 2)
        return FT_OK;
    uint32_t *ent = NULL;
    int64_t nn = n;
    if (addr_entity) {
        ent = malloc(((size_t)n + 1) * sizeof *ent);
        if (!ent)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the collapse guard");
#pragma omp parallel
        {
#pragma omp for schedule(static)
            for (int64_t x = 0; x < nn; x++)
                ent[x] = FT_GRAPH_NONE;
#pragma omp for schedule(static)
            for (int64_t x = 1; x < nn; x++)
                if (addr_entity[x] != FT_GRAPH_NONE)
                    note_entity(&ent[cluster[x]], addr_entity[x]);
        }
    }
    uint64_t big = threshold ? 2ull * threshold + 1 : UINT64_MAX;
    /* suspect roots first (a sequential scan of the roots), members only if there are any */
    uint64_t ns = 0;
#pragma omp parallel for schedule(static) reduction(+ : ns)
    for (int64_t r = 1; r < nn; r++)
        if (cluster[r] == (uint32_t)r && ((ent && ent[r] == MULTI) || size[r] > big))
            ns += size[r];
    uint8_t *sus = NULL;
    if (ns) {
        sus = calloc((size_t)n + 1, 1);
        if (!sus) {
            free(ent);
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the collapse guard");
        }
#pragma omp parallel for schedule(static)
        for (int64_t x = 1; x < nn; x++) {
            uint32_t r = cluster[x];
            sus[x] = (ent && ent[r] == MULTI) || size[r] > big;
        }
    }
    free(ent);
    *suspect = sus;
    *n_suspect = (size_t)ns;
    return FT_OK;
}

ft_status ft_guard_find_suspects(const uint32_t *cluster, uint32_t n, const uint32_t *addr_entity,
                                 uint32_t threshold, uint8_t **suspect, size_t *n_suspect,
                                 ft_err *err)
{
    *suspect = NULL;
    *n_suspect = 0;
    if (!addr_entity && threshold == 0)
        return FT_OK;
    uint32_t *size = calloc((size_t)n + 1, sizeof *size);
    if (!size)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the collapse guard");
    ft_uf_count_sizes(cluster, n, size);
    ft_status rc = ft_guard_find_suspects_sized(cluster, size, n, addr_entity, threshold, suspect,
                                                n_suspect, err);
    free(size);
    return rc;
}

ft_status ft_guard_begin(ft_guard *gd, ft_uf *uf, const uint8_t *suspect,
                         const uint32_t *addr_entity, uint32_t threshold, ft_err *err)
{
    memset(gd, 0, sizeof *gd);
    gd->uf = uf;
    gd->threshold = threshold;
    gd->addr_entity = addr_entity;
    gd->suspect = suspect;
    uint32_t n = uf->n;
    gd->size = malloc(((size_t)n + 1) * sizeof *gd->size);
    gd->entity = malloc(((size_t)n + 1) * sizeof *gd->entity);
    if (!gd->size || !gd->entity) {
        ft_guard_release(gd);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the collapse guard");
    }
    for (uint32_t x = 0; x < n; x++) {
        if (!suspect[x])
            continue;
        uf->parent[x] = x;
        gd->size[x] = 1;
        gd->entity[x] = addr_entity ? addr_entity[x] : FT_GRAPH_NONE;
    }
    return FT_OK;
}

void ft_guard_release(ft_guard *gd)
{
    if (!gd)
        return;
    free(gd->size);
    free(gd->entity);
    free(gd->refused);
    memset(gd, 0, sizeof *gd);
}

static void refuse(ft_guard *gd, uint32_t a, uint32_t b, uint32_t ra, uint32_t rb, uint32_t item,
                   uint8_t reason)
{
    gd->n_refused_total++;
    if (gd->n_refused_total <= 10)
        ft_log(FT_LOG_INFO,
               "collapse guard: refused to merge clusters %u (%u addresses) and %u (%u addresses) "
               "linked by item %u (%s)",
               ra, gd->size[ra], rb, gd->size[rb], item, ft_guard_reason_name(reason));
    if (gd->n_refused >= FT_GUARD_KEEP_MAX)
        return;
    if (gd->n_refused == gd->cap_refused) {
        size_t nc = gd->cap_refused ? gd->cap_refused * 2 : 64;
        ft_guard_refusal *nr = realloc(gd->refused, nc * sizeof *nr);
        if (!nr) {
            gd->failed = FT_ERR_NOMEM;
            return;
        }
        gd->refused = nr;
        gd->cap_refused = nc;
    }
    ft_guard_refusal *r = &gd->refused[gd->n_refused++];
    r->item = item;
    r->a = a;
    r->b = b;
    r->root_a = ra;
    r->root_b = rb;
    r->size_a = gd->size[ra];
    r->size_b = gd->size[rb];
    r->ent_a = gd->entity[ra];
    r->ent_b = gd->entity[rb];
    r->reason = reason;
}

int ft_guard_union(ft_guard *gd, uint32_t a, uint32_t b, uint32_t item)
{
    uint32_t ra = ft_uf_find(gd->uf, a), rb = ft_uf_find(gd->uf, b);
    if (ra == rb)
        return 0;
    if (ra > rb) {
        uint32_t t = ra;
        ra = rb;
        rb = t;
        t = a;
        a = b;
        b = t;
    }
    uint32_t ea = gd->entity[ra], eb = gd->entity[rb];
    if (gd->addr_entity && ea != FT_GRAPH_NONE && eb != FT_GRAPH_NONE && ea != eb) {
        refuse(gd, a, b, ra, rb, item, FT_GUARD_LABELS);
        return -1;
    }
    if (gd->threshold && gd->size[ra] > gd->threshold && gd->size[rb] > gd->threshold) {
        refuse(gd, a, b, ra, rb, item, FT_GUARD_SIZE);
        return -1;
    }
    gd->uf->parent[rb] = ra; /* single-threaded: the smaller root id stays the root */
    gd->size[ra] += gd->size[rb];
    if (ea == FT_GRAPH_NONE)
        gd->entity[ra] = eb;
    gd->merges++;
    return 1;
}

void ft_guard_link(void *arg, uint32_t a, uint32_t b, uint32_t item)
{
    ft_guard *gd = arg;
    if (a == 0 || b == 0 || a == b || !gd->suspect[a])
        return;
    (void)ft_guard_union(gd, a, b, item);
}
