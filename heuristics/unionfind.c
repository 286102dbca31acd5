/*
 * unionfind.c — the lock-free union-find of unionfind.h.
 *
 * Anderson and Woll's wait-free union-find idea in its simplest deterministic form: union by
 * smaller id (not by rank), so the result is a pure function of the set of unions. All
 * accesses to parent[] are __atomic builtins: relaxed loads during finds (a stale parent is
 * still an ancestor), a CAS to link a root, and a relaxed store to halve a path.
 * Why a plain store is enough for halving: it writes parent[x] = gp where x was seen with
 * parent p != x and p with parent gp. A node that is not a root never becomes a root again
 * (only roots are linked, by CAS), and ancestors stay ancestors (links only hang whole trees
 * under other trees), so gp is still an ancestor of x, smaller than x, whatever other threads
 * did meanwhile; two racing halvings of x both store an ancestor. A CAS would only buy "the
 * closest ancestor wins" and costs a locked instruction per step. No store ever touches a
 * root, so the linking CAS cannot be undone by a halving.
 * Flatten: parent[x] < x for non-roots, so each thread walks its own static slice of ids
 * read-only up to the root (ft_uf_find_ro) and stores only its own entries: a concurrent
 * reader of an entry sees either the old parent or the root, both ancestors; no halving
 * store can overwrite a flattened entry with a stale value because flatten does not halve.
 * Sizes: counting with one atomic add per id costs a locked instruction on a random cache
 * line each, and a locked instruction waits for its miss, so the misses no longer overlap;
 * ft_uf_count_sizes uses plain increments for the roots in the thread's own slice (only that
 * thread writes them in the first step) and atomics only for roots below it, in a second
 * step. With one thread there is no atomic at all.
 */
#include "heuristics/unionfind.h"

#include <omp.h>
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
        /* path halving: x -> gp (see the top comment: a plain store is safe) */
        __atomic_store_n(&par[x], gp, __ATOMIC_RELAXED);
        x = gp;
    }
}

uint32_t ft_uf_find_ro(const ft_uf *uf, uint32_t x)
{
    const uint32_t *par = uf->parent;
    for (;;) {
        uint32_t p = __atomic_load_n(&par[x], __ATOMIC_RELAXED);
        if (p == x)
            return x;
        x = p;
    }
}

int ft_uf_union_root(ft_uf *uf, uint32_t a, uint32_t b, uint32_t *root)
{
    for (;;) {
        uint32_t ra = ft_uf_find(uf, a), rb = ft_uf_find(uf, b);
        if (ra == rb) {
            *root = ra;
            return 0;
        }
        if (ra < rb) {
            uint32_t t = ra;
            ra = rb;
            rb = t;
        }
        /* ra > rb: link ra under rb if ra is still a root */
        uint32_t expect = ra;
        if (__atomic_compare_exchange_n(&uf->parent[ra], &expect, rb, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED)) {
            *root = rb;
            return 1;
        }
        /* ra got linked by another thread meanwhile: expect is its new parent, an ancestor */
        a = expect;
        b = rb;
    }
}

int ft_uf_union(ft_uf *uf, uint32_t a, uint32_t b)
{
    uint32_t r;
    return ft_uf_union_root(uf, a, b, &r);
}

void ft_uf_flatten(ft_uf *uf)
{
    uint32_t *p = uf->parent;
    int64_t n = uf->n;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        __atomic_store_n(&p[i], ft_uf_find_ro(uf, (uint32_t)i), __ATOMIC_RELAXED);
}

void ft_uf_count_sizes(const uint32_t *cluster, uint32_t n, uint32_t *size)
{
    if (n < 2)
        return;
#pragma omp parallel
    {
        uint64_t nt = (uint64_t)omp_get_num_threads(), id = (uint64_t)omp_get_thread_num();
        uint32_t lo = (uint32_t)(1 + (uint64_t)(n - 1) * id / nt);
        uint32_t hi = (uint32_t)(1 + (uint64_t)(n - 1) * (id + 1) / nt);
        uint32_t remote = 0;
        for (uint32_t x = lo; x < hi; x++) {
            uint32_t r = cluster[x];
            if (r >= lo)
                size[r]++;
            else
                remote++;
        }
#pragma omp barrier
        for (uint32_t x = lo; x < hi && remote; x++) {
            uint32_t r = cluster[x];
            if (r < lo) {
                __atomic_fetch_add(&size[r], 1u, __ATOMIC_RELAXED);
                remote--;
            }
        }
    }
}
