/*
 * pathfind.h — the shortest money path between two addresses of one loaded chain
 * (engine/graph.h), for `fundtrace path FROM TO`.
 *
 * Money flows forward in time, so a path is a chain of value movements, each taking what the
 * previous one delivered:
 *
 *   UTXO:     FROM ──o0──► T1 ──o1──► T2 ── … ──► TL ──oL──► TO
 *             o0 is an output paid to FROM and spent by T1; o(k) an output of T(k), with an
 *             address, spent by T(k+1); oL an output of TL paid to TO. Hop k = transaction
 *             T(k), from = address of o(k-1), to = address of o(k), amount = value of o(k).
 *             (A tx only spends earlier outputs, so the chain is forward in time by itself.)
 *   account:  FROM ──x1──► A1 ──x2──► A2 ── … ──xL──► TO
 *             x(k) a value-moving transfer (external, internal or token; never a fee or a
 *             reward) from the recipient of x(k-1), and strictly later than x(k-1) in
 *             execution order (the same block and even the same transaction allowed). Hop k =
 *             transfer x(k); two hops may share a transaction.
 *
 * Shortest = fewest hops. Among equally short paths the result is fixed by this order: the
 * path whose LAST hop comes first in chain order (UTXO: the tx id, i.e. height then position;
 * account: the transfer's execution position); among those, the one whose second-to-last hop
 * comes first, and so on back to hop 1. When a UTXO hop has several outputs that carry the
 * money on (or several outputs of FROM it spends), the lowest out id is named.
 *
 * Work is bounded by max_visits: every transaction (UTXO) or transfer (account) examined
 * counts one visit, the scans for FROM's and TO's outputs one per match. The outcome says
 * whether no path exists at all (a search side ran dry), none within max_hops, or the budget
 * ran out first (then nothing is known).
 */
#ifndef FT_PATHFIND_H
#define FT_PATHFIND_H

#include <stdint.h>

#include "engine/graph.h"
#include "engine/status.h"
#include "engine/store.h"

#define FT_PATHFIND_MAX_HOPS 32
#define FT_PATHFIND_DEFAULT_HOPS 6
#define FT_PATHFIND_DEFAULT_VISITS 2000000u

typedef enum ft_pathfind_outcome {
    FT_PATH_FOUND = 0,      /* hops[0 .. n_hops) is a shortest path */
    FT_PATH_NONE = 1,       /* no path of any length: the search ran out of transactions */
    FT_PATH_HOP_LIMIT = 2,  /* no path of max_hops hops or fewer (a longer one may exist) */
    FT_PATH_VISIT_LIMIT = 3 /* max_visits reached before an answer: nothing is known */
} ft_pathfind_outcome;

typedef struct ft_pathfind_hop {
    uint32_t tx;    /* UTXO: tx id; account: dense account tx id (atx) */
    uint32_t from;  /* address ids */
    uint32_t to;
    uint32_t item;  /* UTXO: the out id paid to `to`; account: the transfer (xfer index) */
    uint32_t spent; /* UTXO: the out id of `from` the tx spent; account: = item */
} ft_pathfind_hop;

typedef struct ft_pathfind_result {
    ft_pathfind_outcome outcome;
    uint32_t n_hops;
    ft_pathfind_hop hops[FT_PATHFIND_MAX_HOPS];
    uint64_t visits; /* work done (see above) */
} ft_pathfind_result;

/* Finds a shortest path from address id `from` to address id `to` (both in 1 .. n_addr-1,
 * different) with at most max_hops (1 .. FT_PATHFIND_MAX_HOPS) hops, examining at most
 * max_visits transactions/transfers (> 0). *res is zeroed first; a search that finds nothing
 * is FT_OK with outcome != FT_PATH_FOUND. FT_ERR_ARG on bad arguments, FT_ERR_NOMEM. Reads g
 * only (UTXO: the CSR arrays; account: xfer_from/to/tx, xfer_kind when present). */
ft_status ft_pathfind_run(const ft_graph *g, uint32_t from, uint32_t to, uint32_t max_hops,
                          uint64_t max_visits, ft_pathfind_result *res,
                          ft_err *err) FT_WARN_UNUSED;

/* The UTXO search reads transactions through this interface, so that it can run over a
 * loaded graph (ft_pathfind_run) or straight over the index (ft_pathfind_run_store: point
 * lookups for the few thousand txs a search touches instead of loading every tx). */
typedef struct ft_pathfind_txio {
    uint32_t n_in;
    const uint32_t *in_out;  /* n_in: the spent out id */
    const uint32_t *in_addr; /* n_in: its address id (0: none, or not resolved) */
    const uint32_t *in_tx;   /* n_in: the tx that created it */
    uint32_t first_out, n_out;
    const uint32_t *out_addr;     /* n_out: address ids (0: none) */
    const uint32_t *out_spent_by; /* n_out: spending tx or FT_GRAPH_NONE (when asked for) */
} ft_pathfind_txio;

typedef struct ft_pathfind_utxo_src {
    void *ctx;
    uint32_t n_tx; /* tx ids are 0 .. n_tx-1, in chain order */
    /* Tx t's inputs and outputs (out_spent_by only when spenders != 0); the arrays stay
     * valid until the next call. */
    ft_status (*tx)(void *ctx, uint32_t t, int spenders, ft_pathfind_txio *io, ft_err *err);
    /* The txs spending an output of address a (paying = 0), or paying a (paying = 1), in any
     * order, repeats allowed: a malloc()ed array in *txs (the caller frees it). */
    ft_status (*ends)(void *ctx, uint32_t a, int paying, uint32_t **txs, size_t *n, ft_err *err);
} ft_pathfind_utxo_src;

/* The UTXO search of ft_pathfind_run over any source (same arguments and results; the
 * address ids are only checked against 0 and each other). */
ft_status ft_pathfind_run_utxo(const ft_pathfind_utxo_src *src, uint32_t from, uint32_t to,
                               uint32_t max_hops, uint64_t max_visits, ft_pathfind_result *res,
                               ft_err *err) FT_WARN_UNUSED;

/* The UTXO search straight over the index st (chain byte `chain`): tx records, spend records
 * and the two addresses' history rows, read as the search needs them. Same results as
 * ft_pathfind_run over the loaded graph. */
ft_status ft_pathfind_run_store(ft_store *st, uint8_t chain, uint32_t from, uint32_t to,
                                uint32_t max_hops, uint64_t max_visits, ft_pathfind_result *res,
                                ft_err *err) FT_WARN_UNUSED;

/* "found", "no_path", "hop_limit", "visit_limit". */
const char *ft_pathfind_outcome_name(ft_pathfind_outcome o);

#endif
