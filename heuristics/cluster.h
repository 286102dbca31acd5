/*
 * cluster.h — running the selected heuristics over a graph into clusters.
 *
 *     prepare (filters, deposit table)  ->  pass A: parallel lock-free unions of every link
 *     -> flatten  ->  collapse guard: suspect components rebuilt sequentially in item order
 *     -> flatten  ->  cluster[] (id = smallest member address id) and sizes
 *
 * Deterministic whatever the thread count: same cluster ids, same refusals, same counts.
 */
#ifndef FT_CLUSTER_H
#define FT_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/graph.h"
#include "engine/status.h"
#include "heuristics/coinjoin.h"
#include "heuristics/collapse_guard.h"
#include "heuristics/registry.h"

typedef struct ft_cluster_opts {
    uint32_t mask;        /* ft_registry_parse */
    int guard;            /* 1: collapse guard on */
    uint32_t guard_size;  /* size threshold (0: labels rule only) */
    unsigned round_exp;   /* change-round: multiple of 10^k sat (0: 5) */
} ft_cluster_opts;

/* Labels as the heuristics and the guard see them. */
typedef struct ft_cluster_labels {
    const uint32_t *addr_entity; /* per address id: entity index or FT_GRAPH_NONE; NULL: none */
    const uint8_t *entity_cat;   /* per entity: ft_label_cat */
    uint32_t n_entities;
} ft_cluster_labels;

typedef struct ft_cluster_result {
    uint32_t n_addr;
    uint32_t *cluster; /* n_addr: cluster id of every address (0 for id 0) */
    uint32_t *size;    /* n_addr: size of cluster c at index c (valid where cluster[c] == c) */
    uint64_t links;    /* pairs emitted */
    uint64_t merges;   /* unions that joined two sets (pass A, before the guard) */
    uint32_t n_multi;  /* clusters with at least two addresses */
    uint32_t largest;  /* size of the largest cluster */
    uint32_t largest_id;
    uint64_t suspects; /* addresses re-clustered by the guard */
    uint64_t cj_count[FT_CJ_KIND_COUNT];
    ft_guard_refusal *refused; /* kept refusals in the order they happened */
    size_t n_refused;
    uint64_t n_refused_total;
} ft_cluster_result;

/* Sets up ctx for g (labels may be NULL) and runs the prepare step of every heuristic of
 * opts->mask that fits g's ledger model; linkers (FT_REGISTRY_MAX entries) receives those
 * that emit links. Shared by ft_cluster_run and the distributed run (cluster_mpi.c). Release
 * ctx with ft_cluster_ctx_release in every case. */
ft_status ft_cluster_prepare(ft_cluster_ctx *ctx, const ft_graph *g,
                             const ft_cluster_labels *labels, const ft_cluster_opts *opts,
                             const ft_heuristic **linkers, size_t *n_linkers,
                             ft_err *err) FT_WARN_UNUSED;
void ft_cluster_ctx_release(ft_cluster_ctx *ctx);

ft_status ft_cluster_run(const ft_graph *g, const ft_cluster_labels *labels,
                         const ft_cluster_opts *opts, ft_cluster_result *res,
                         ft_err *err) FT_WARN_UNUSED;
void ft_cluster_result_release(ft_cluster_result *res);

#endif
