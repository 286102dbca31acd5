/*
 * collapse_guard.h — refusing merges that would make a supercluster.
 *
 * A merge is refused when it would join
 *   (labels) two clusters that carry different entity labels, or
 *   (size)   two clusters that both hold more than `threshold` addresses.
 * BlockSci users met a single cluster of 139 million addresses built by a few wrong links;
 * one refused link keeps two entities apart. Refusals are recorded with the item (tx) that
 * asked for the merge, for `fundtrace cluster --explain`.
 *
 * Determinism with parallel union-find (heuristics/cluster.c): pass A unions every link
 * without the guard, in parallel. A component of pass A can contain a refusable merge only if
 * it holds two different entity labels or more than 2*threshold+1 addresses: only those
 * "suspect" components are rebuilt, sequentially, in item order, with the guard. The result
 * equals a sequential guarded run in item order, whatever the thread count.
 */
#ifndef FT_COLLAPSE_GUARD_H
#define FT_COLLAPSE_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"
#include "heuristics/unionfind.h"

#define FT_GUARD_DEFAULT_SIZE 100000u

typedef enum ft_guard_reason {
    FT_GUARD_LABELS = 1, /* the two clusters carry different entity labels */
    FT_GUARD_SIZE = 2,   /* both clusters above the size threshold */
} ft_guard_reason;

typedef struct ft_guard_refusal {
    uint32_t item;           /* tx id (UTXO) or transfer's tx (account) that asked */
    uint32_t a, b;           /* the linked addresses */
    uint32_t root_a, root_b; /* their clusters at that moment (smallest member) */
    uint32_t size_a, size_b;
    uint32_t ent_a, ent_b;   /* entity label index or FT_GRAPH_NONE */
    uint8_t reason;          /* ft_guard_reason */
} ft_guard_refusal;

#define FT_GUARD_KEEP_MAX 100000u /* refusals kept in memory and stored; more are counted */

typedef struct ft_guard {
    ft_uf *uf;
    uint32_t threshold;          /* 0: no size rule */
    const uint32_t *addr_entity; /* NULL: no label rule */
    const uint8_t *suspect;      /* per address: 1 if in a suspect component */
    uint32_t *size;              /* per root (suspect addresses only) */
    uint32_t *entity;            /* per root: its entity label or FT_GRAPH_NONE */
    ft_guard_refusal *refused;
    size_t n_refused, cap_refused;
    uint64_t n_refused_total;
    uint64_t merges;
    ft_status failed; /* FT_ERR_NOMEM if a refusal could not be kept */
} ft_guard;

/* After pass A (cluster[] flattened: cluster id of every address): marks the addresses of
 * suspect components. *suspect is malloc()ed (n bytes) or NULL when there is none;
 * *n_suspect counts the suspect addresses. */
ft_status ft_guard_find_suspects(const uint32_t *cluster, uint32_t n, const uint32_t *addr_entity,
                                 uint32_t threshold, uint8_t **suspect, size_t *n_suspect,
                                 ft_err *err) FT_WARN_UNUSED;

/* The same with the pass-A cluster sizes already counted (size[r] = members of root r, as
 * ft_uf_count_sizes makes them): no second count, and only 4 bytes per address of scratch
 * (the entity per root) when there are labels, none otherwise. Parallel, deterministic. */
ft_status ft_guard_find_suspects_sized(const uint32_t *cluster, const uint32_t *size, uint32_t n,
                                       const uint32_t *addr_entity, uint32_t threshold,
                                       uint8_t **suspect, size_t *n_suspect,
                                       ft_err *err) FT_WARN_UNUSED;

/* Prepares pass B: every suspect address becomes its own set again in uf, with its label. */
ft_status ft_guard_begin(ft_guard *gd, ft_uf *uf, const uint8_t *suspect,
                         const uint32_t *addr_entity, uint32_t threshold,
                         ft_err *err) FT_WARN_UNUSED;

/* The ft_link_fn of pass B (arg = the ft_guard): guarded union of a and b when they are
 * suspect addresses, nothing otherwise (pass A already joined them). Single-threaded. */
void ft_guard_link(void *arg, uint32_t a, uint32_t b, uint32_t item);

/* The guarded union itself: returns 1 merged, 0 already joined, -1 refused (recorded). */
int ft_guard_union(ft_guard *gd, uint32_t a, uint32_t b, uint32_t item);

void ft_guard_release(ft_guard *gd);

const char *ft_guard_reason_name(uint8_t reason); /* "labels", "size" */

#endif
