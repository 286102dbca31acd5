/*
 * unionfind.c — the lock-free union-find of unionfind.h.
 *
 * Anderson and Woll's wait-free union-find idea in its simplest deterministic form: union by
 * smaller id (not by rank), so the result is a pure function of the set of unions. All
 * accesses to parent[] are __atomic builtins: relaxed loads during finds (a stale parent is
 * still an ancestor), and a CAS to link a root or to halve a path. A CAS that halves a path
 * replaces parent p of x by p's parent gp < p only if parent[x] is still p: the parent of a
 * node only ever decreases, and stays an ancestor, so concurrent halving is harmless.
 */
#include "heuristics/unionfind.h"

#include <stdlib.h>

#include "engine/banned.h"

ft_status ft_uf_init(ft_uf *uf, uint32_t n, ft_err *err)
{
    uf->n = n;
    uf->parent = malloc(((size_t)n + 1) * sizeof *uf->parent);
    if (!uf->parent)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a union-find of %u ids", n);
    uint32_t *p = uf->parent;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < (int64_t)n; i++)
        p[i] = (uint32_t)i;
    return FT_OK;
}

void ft_uf_release(ft_uf *uf)
{
    if (!uf)
        return;
    free(uf->parent);
    uf->parent = NULL;
    uf->n = 0;
}

uint32_t ft_uf_find(ft_uf *uf, uint32_t x)
{
    uint32_t *par = uf->parent;
    for (;;) {
        uint32_t p = __atomic_load_n(&par[x], __ATOMIC_RELAXED);
        if (p == x)
            return x;
        uint32_t gp = __atomic_load_n(&par[p], __ATOMIC_RELAXED);
        if (gp == p)
            return p;
        /* path halving: x -> gp (only if x still points at p) */
        __atomic_compare_exchange_n(&par[x], &p, gp, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
        x = gp;
    }
}

int ft_uf_union(ft_uf *uf, uint32_t a, uint32_t b)
{
    for (;;) {
        uint32_t ra = ft_uf_find(uf, a), rb = ft_uf_find(uf, b);
        if (ra == rb)
            return 0;
        if (ra < rb) {
            uint32_t t = ra;
            ra = rb;
            rb = t;
        }
        /* ra > rb: link ra under rb if ra is still a root */
        uint32_t expect = ra;
        if (__atomic_compare_exchange_n(&uf->parent[ra], &expect, rb, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return 1;
        a = ra;
        b = rb;
    }
}

void ft_uf_flatten(ft_uf *uf)
{
    uint32_t *p = uf->parent;
    int64_t n = uf->n;
    /* parent[x] < x for non-roots, so a forward pass sees every parent already flattened;
     * the parallel version simply calls find (correct whatever the interleaving). */
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        __atomic_store_n(&p[i], ft_uf_find(uf, (uint32_t)i), __ATOMIC_RELAXED);
}
