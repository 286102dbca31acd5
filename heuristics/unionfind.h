/*
 * unionfind.h — a lock-free, parallel union-find over dense 32-bit ids (addresses).
 *
 *     parent[x] <= x always; a root has parent[x] == x
 *     union(a, b): find both roots; link the LARGER root under the SMALLER with one CAS on
 *     the larger root's parent (it must still be a root); retry on a lost race
 *     find(x): path halving — each visited node is pointed at its grandparent with a plain
 *     (relaxed atomic) store: a node that is not a root never becomes one again and only
 *     ever gets an ancestor as parent, so concurrent finds and unions never break the order
 *
 * Because links always go from a larger id to a smaller one there are no cycles, and the
 * root of every set is its smallest member: the partition and the cluster ids do not depend
 * on the thread count or the order of unions. Memory: 4 bytes per id.
 * Safe to call ft_uf_find / ft_uf_union / ft_uf_union_root from many OpenMP threads at once;
 * ft_uf_flatten and ft_uf_find_ro must not run concurrently with unions.
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

/* As ft_uf_union, and *root receives the root of the joined set at the moment of the union
 * (the smaller of the two roots). It stays an ancestor of a and b for ever, so a caller that
 * links one address with many others may pass *root instead of a next time: same result,
 * shorter finds. Thread-safe and lock-free. */
int ft_uf_union_root(ft_uf *uf, uint32_t a, uint32_t b, uint32_t *root);

/* The root of x without writing anything (no path halving). Safe while no union runs; used
 * by flatten passes whose threads each write only their own ids. */
uint32_t ft_uf_find_ro(const ft_uf *uf, uint32_t x);

/* Cluster sizes from a flattened cluster id array (cluster[x] = root of x <= x): adds to
 * size[r] the number of ids x in 1 .. n-1 whose root is r (id 0, "no address", is not
 * counted). size must hold n entries, normally zeroed. Parallel (its own OpenMP region) and
 * deterministic: each thread takes one slice of ids and counts the roots inside its own slice
 * with plain increments, then, after a barrier, the roots below its slice with atomic adds
 * (a root is never above its members). Call it outside any parallel region. */
void ft_uf_count_sizes(const uint32_t *cluster, uint32_t n, uint32_t *size);

/* After all unions: makes every parent[x] the root of x, in parallel, so that parent[] is
 * the cluster id array (cluster id = smallest member). */
void ft_uf_flatten(ft_uf *uf);

#endif
