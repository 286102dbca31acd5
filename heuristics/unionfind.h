/*
 * unionfind.h — a lock-free, parallel union-find over dense 32-bit ids (addresses).
 *
 *     parent[x] <= x always; a root has parent[x] == x
 *     union(a, b): find both roots; link the LARGER root under the SMALLER with one CAS on
 *     the larger root's parent (it must still be a root); retry on a lost race
 *     find(x): path halving — each visited node is pointed at its grandparent with a CAS
 *     that only ever lowers a parent, so concurrent finds and unions never break the order
 *
 * Because links always go from a larger id to a smaller one there are no cycles, and the
 * root of every set is its smallest member: the partition and the cluster ids do not depend
 * on the thread count or the order of unions. Memory: 4 bytes per id.
 * Safe to call ft_uf_find / ft_uf_union from many OpenMP threads at once.
 */
#ifndef FT_UNIONFIND_H
#define FT_UNIONFIND_H

#include <stdint.h>

#include "engine/status.h"

typedef struct ft_uf {
    uint32_t n;
    uint32_t *parent;
} ft_uf;

/* Every id 0 .. n-1 its own set (parallel initialisation). */
ft_status ft_uf_init(ft_uf *uf, uint32_t n, ft_err *err) FT_WARN_UNUSED;
void ft_uf_release(ft_uf *uf);

/* The root (smallest member) of x's set. Thread-safe. */
uint32_t ft_uf_find(ft_uf *uf, uint32_t x);

/* Joins the sets of a and b. Returns 1 if they were different sets, 0 if already one.
 * Thread-safe and lock-free. */
int ft_uf_union(ft_uf *uf, uint32_t a, uint32_t b);

/* After all unions: makes every parent[x] the root of x, in parallel, so that parent[] is
 * the cluster id array (cluster id = smallest member). */
void ft_uf_flatten(ft_uf *uf);

#endif
