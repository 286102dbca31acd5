/*
 * clusterstore.h — cluster assignments in the store (record types 0x30..0x3f).
 *
 *     0x30 chain addr_id:u64be   -> 0x01 cluster:compact
 *                                   (only addresses in clusters of two or more: an address
 *                                    without a record is its own cluster of size 1)
 *     0x31 chain cluster:u64be   -> 0x01 size:compact n_labels:compact
 *                                   (category:u8 entity_len:compact entity){n_labels}
 *     0x32 chain seq:u32be       -> 0x01 reason:u8 tx:compact a:compact b:compact
 *                                   root_a:compact root_b:compact size_a:compact size_b:compact
 *                                   ent_a_len:compact ent_a ent_b_len:compact ent_b
 *     0x3f chain                 -> 0x01 heuristics_len:compact heuristics guard:u8
 *                                   guard_size:compact n_addr:compact n_multi:compact
 *                                   largest:compact largest_id:compact links:compact
 *                                   merges:compact suspects:compact refused_total:compact
 *
 * A cluster id is the smallest address id of the cluster. ft_clusterstore_write replaces the
 * previous run's records of the chain in one atomic batch. Labels of a cluster are those of
 * its members when `cluster` ran (re-run it after importing labels).
 */
#ifndef FT_CLUSTERSTORE_H
#define FT_CLUSTERSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/labels.h"
#include "engine/status.h"
#include "engine/store.h"

typedef struct ft_clusterstore_run {
    char heuristics[256];
    uint8_t guard;
    uint64_t guard_size;
    uint64_t n_addr, n_multi, largest, largest_id, links, merges, suspects, refused_total;
} ft_clusterstore_run;

typedef struct ft_clusterstore_refusal {
    uint8_t reason; /* 1 labels, 2 size (heuristics/collapse_guard.h) */
    uint64_t tx, a, b, root_a, root_b, size_a, size_b;
    char ent_a[FT_LABEL_TEXT_MAX], ent_b[FT_LABEL_TEXT_MAX]; /* "" when unlabeled */
} ft_clusterstore_refusal;

typedef struct ft_clusterstore_label {
    uint8_t category;
    char entity[FT_LABEL_TEXT_MAX];
} ft_clusterstore_label;

/* Replaces the chain's cluster records. cluster[x] / size[c] as in heuristics/cluster.h;
 * addr_entity (NULL: no labels) indexes entity_name / entity_cat. */
ft_status ft_clusterstore_write(ft_store *st, uint8_t chain, const ft_clusterstore_run *run,
                                const uint32_t *cluster, const uint32_t *size, uint32_t n_addr,
                                const uint32_t *addr_entity, const char *const *entity_name,
                                const uint8_t *entity_cat, const ft_clusterstore_refusal *ref,
                                size_t n_ref, ft_err *err) FT_WARN_UNUSED;

/* The last run's record; FT_ERR_NOTFOUND (no message) when the chain was never clustered. */
ft_status ft_clusterstore_run_get(ft_store *st, uint8_t chain, ft_clusterstore_run *run,
                                  ft_err *err) FT_WARN_UNUSED;

/* The cluster of addr_id: id, size and (malloc()ed, may be NULL) labels. An address with no
 * record is its own cluster of size 1 with no cluster labels. */
ft_status ft_clusterstore_lookup(ft_store *st, uint8_t chain, uint64_t addr_id, uint64_t *cluster,
                                 uint64_t *size, ft_clusterstore_label **labels, size_t *n_labels,
                                 ft_err *err) FT_WARN_UNUSED;

/* Every stored refusal, in the order they happened (malloc()ed array). */
ft_status ft_clusterstore_refusals(ft_store *st, uint8_t chain, ft_clusterstore_refusal **v,
                                   size_t *n, ft_err *err) FT_WARN_UNUSED;

/* The cluster id of every address 0 .. n_addr-1 (malloc()ed; x itself when no record). */
ft_status ft_clusterstore_load(ft_store *st, uint8_t chain, uint32_t n_addr, uint32_t **cluster,
                               ft_err *err) FT_WARN_UNUSED;

#endif
