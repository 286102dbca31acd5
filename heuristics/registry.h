/*
 * registry.h — the clustering heuristics as a table, and the context they share.
 *
 * A heuristic is a row {name, summary, model, flags, prepare, links}: `--heuristics a,b,c`
 * is a lookup in this table and `fundtrace help cluster` prints its names and summaries.
 * A linking heuristic looks at one item (a transaction for the UTXO model, a transfer for the
 * account model) and emits pairs of address ids that it believes have one owner; the
 * clustering driver (heuristics/cluster.c) unions them. `links` must be a pure function of
 * (context, item): it is called from many threads at once, and called again in item order
 * for the collapse guard's sequential pass, so it must emit the same pairs both times.
 * `prepare` (optional) runs once before, single-threaded or with its own OpenMP loops, and
 * fills context state (the CoinJoin kind of every tx, the deposit addresses).
 *
 * Filters (FT_HEUR_FILTER: `coinjoin`) emit nothing; selecting one changes what the linkers
 * skip. Leaving `coinjoin` out of the list makes multi-input merge CoinJoin inputs too (the
 * naive heuristic, kept for measurements).
 */
#ifndef FT_REGISTRY_H
#define FT_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/graph.h"
#include "engine/labels.h"
#include "engine/status.h"

#define FT_HEUR_DEFAULT 1u /* part of the default set */
#define FT_HEUR_FILTER 2u  /* marks items, emits no links */

#define FT_REGISTRY_MAX 32


typedef struct ft_cluster_ctx {
    const ft_graph *g;
    /* CoinJoin kind of every tx (heuristics/coinjoin.h), NULL when `coinjoin` is not
     * selected: then nothing counts as a CoinJoin. */
    uint8_t *cj_kind;
    /* The entity label of every address (index into entity_cat), FT_GRAPH_NONE if none;
     * NULL when the index holds no labels. */
    const uint32_t *addr_entity;
    const uint8_t *entity_cat; /* per entity: ft_label_cat */
    uint32_t n_entities;
    /* deposit: for every address, the exchange entity it forwards to (FT_GRAPH_NONE) */
    uint32_t *deposit_entity;
    /* peel chains and change: the round-number exponent (value divisible by 10^k sat) */
    unsigned round_exp;
} ft_cluster_ctx;

/* Emits one link: a and b have one owner, because of item `item` (a tx id or transfer). */
typedef void (*ft_link_fn)(void *arg, uint32_t a, uint32_t b, uint32_t item);

typedef struct ft_heuristic {
    const char *name;
    const char *summary;
    ft_graph_model model;
    unsigned flags;
    ft_status (*prepare)(ft_cluster_ctx *ctx, ft_err *err);
    void (*links)(const ft_cluster_ctx *ctx, uint32_t item, ft_link_fn emit, void *arg);
} ft_heuristic;

/* The table (n rows). */
const ft_heuristic *ft_registry_table(size_t *n);

/* The row called name, or NULL. */
const ft_heuristic *ft_registry_find(const char *name);

/* The default list as text ("coinjoin,multi-input,deposit"). */
const char *ft_registry_default_list(void);

/* Parses "a,b,c" (or "default", or NULL for the default) into a bit mask over the table's
 * rows. An unknown or repeated name is FT_ERR_ARG naming it. */
ft_status ft_registry_parse(const char *list, uint32_t *mask, ft_err *err) FT_WARN_UNUSED;

/* Writes the selected names, comma-separated, in table order. */
void ft_registry_format(uint32_t mask, char *out, size_t cap);

/* ---- the heuristics (one file each) ------------------------------------------------------ */

/* coinjoin.c: fills ctx->cj_kind (see coinjoin.h). */
ft_status ft_coinjoin_prepare(ft_cluster_ctx *ctx, ft_err *err) FT_WARN_UNUSED;

/* multi_input.c: all input addresses of a non-CoinJoin tx. */
void ft_multi_input_links(const ft_cluster_ctx *ctx, uint32_t tx, ft_link_fn emit, void *arg);

/* change.c: each rule returns the change output's index within the tx (0-based vout) or -1;
 * the *_links functions merge the change address with the first input address. */
int ft_change_fresh(const ft_cluster_ctx *ctx, uint32_t tx);
int ft_change_type(const ft_cluster_ctx *ctx, uint32_t tx);
int ft_change_round(const ft_cluster_ctx *ctx, uint32_t tx);
int ft_change_optimal(const ft_cluster_ctx *ctx, uint32_t tx);
int ft_change_peel(const ft_cluster_ctx *ctx, uint32_t tx);
void ft_change_fresh_links(const ft_cluster_ctx *ctx, uint32_t tx, ft_link_fn emit, void *arg);
void ft_change_type_links(const ft_cluster_ctx *ctx, uint32_t tx, ft_link_fn emit, void *arg);
void ft_change_round_links(const ft_cluster_ctx *ctx, uint32_t tx, ft_link_fn emit, void *arg);
void ft_change_optimal_links(const ft_cluster_ctx *ctx, uint32_t tx, ft_link_fn emit, void *arg);
void ft_change_peel_links(const ft_cluster_ctx *ctx, uint32_t tx, ft_link_fn emit, void *arg);

/* deposit.c: account model (Victor 2020). */
ft_status ft_deposit_prepare(ft_cluster_ctx *ctx, ft_err *err) FT_WARN_UNUSED;
void ft_deposit_links(const ft_cluster_ctx *ctx, uint32_t xfer, ft_link_fn emit, void *arg);

#endif
