/*
 * trace.h — taint propagation over a UTXO analysis graph (engine/graph.h) for every incident
 * and model at once; semantics in ARCHITECTURE.md section 5 and docs/methodology.md.
 *
 * A "track" is one (incident, model). Each track keeps its taint sparse: a record only for
 * tainted outputs that are still to be spent, and a bitset of the transactions that spend
 * them. Because tx ids are chain order (a topological order), taking the lowest set bit visits the
 * track's tainted transactions chronologically, each once, with all its tainted inputs
 * already known. Tracks are independent, so they run in parallel (OpenMP) and the result is
 * the same for any number of threads (each track writes only its own slots).
 *
 * Where taint stops (checked in this order for every output that receives taint > 0):
 *     terminal address (term_cat[addr] != FT_CAT_NONE) → to_exchange / to_mixer / to_bridge /
 *                      to_other (otc, payment, anything else the caller made terminal), and a
 *                      flow row for the address
 *     taint < min_value                                → below_threshold
 *     hop >= max_hops (the seeds are hop 0)            → hop_limit
 *     never spent in the index                         → unspent
 * The fee's taint goes to fees. For conserving models the identity
 *     stolen = to_exchange + to_mixer + to_bridge + to_other + unspent + fees
 *              + below_threshold + hop_limit
 * is checked for every track at the end; a violation is FT_ERR_STATE (a bug, never data).
 */
#ifndef FT_TRACE_H
#define FT_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/amount.h"
#include "engine/graph.h"
#include "engine/status.h"
#include "heuristics/taint.h"

#define FT_TRACE_NO_HOP_LIMIT UINT32_MAX

/* One seed output of an incident (an incident's txid seed is one of these per output). */
typedef struct ft_trace_seed {
    uint32_t incident; /* 0 .. n_incidents-1 */
    uint32_t tx;       /* the tx that created the output */
    uint32_t out;      /* the out id */
    uint64_t amount;   /* tainted units of the output, 0 = all of it (an address seed capped
                          at the incident's amount may taint part of its last output: the
                          tainted units come first on its FIFO tape) */
} ft_trace_seed;

typedef struct ft_trace_opts {
    unsigned models;   /* bit m set: run model m (ft_taint_model; only implemented ones) */
    uint32_t max_hops; /* FT_TRACE_NO_HOP_LIMIT or the hop at which taint stops */
    uint64_t min_value;/* taint below this stops as below_threshold (0: never) */
    /* USD valuation of flows (NULL: none): each delivery to a terminal is valued at the
     * price of its UTC day, asset `asset` with `decimals` decimals (engine/prices.h). */
    const struct ft_prices *prices;
    const char *asset;
    unsigned decimals;
    int exposure;      /* 1: fill ft_trace_result.exposure */
    int paths;         /* 1: fill ft_trace_result.path / path_off (evidence paths) */
} ft_trace_opts;

typedef struct ft_trace_summary {
    ft_u128 stolen, to_exchange, to_mixer, to_bridge, to_other, unspent, fees, below_threshold,
        hop_limit;
} ft_trace_summary;

typedef struct ft_trace_flow {
    uint32_t incident, model;
    uint32_t addr;    /* dense address id */
    uint8_t category; /* ft_label_cat of the terminal */
    uint32_t entity;  /* the caller's term_entity[addr] */
    ft_u128 amount;
    uint32_t hops;    /* fewest transactions from a seed to the address */
    int64_t first_time, last_time;
    uint64_t tx_count; /* transactions that delivered taint to the address */
    ft_u128 amount_usd; /* micro-USD: Σ amount × price of each delivery's UTC day, summed
                           exactly and rounded half up once (opts.prices set) */
    uint8_t usd_known;  /* 1 when every delivery had a price (else amount_usd is empty) */
} ft_trace_flow;

/* Taint received by one address from one incident under one model (all hops, terminals
 * included, the seed outputs' own addresses too, hop 0): `fundtrace address` shows it as
 * exposure; report's overlaps use it. amount is the sum of the taint of every output paying
 * the address that received taint > 0 in the track (poison: those outputs in full). Outputs
 * without an address (address id 0) get no row. */
typedef struct ft_trace_exposure {
    uint32_t addr, incident, model;
    ft_u128 amount;
} ft_trace_exposure;

/* One step of an evidence path: output `out`, created by tx `tx`, carried `taint` units of
 * the flow's incident under the flow's model. */
typedef struct ft_trace_path_step {
    uint32_t out, tx;
    uint64_t taint;
} ft_trace_path_step;

typedef struct ft_trace_result {
    size_t n_incidents;
    ft_trace_summary *summary; /* [incident * FT_TAINT_MODELS + model] */
    ft_trace_flow *flows;      /* grouped by (incident, model) in that order, then address id */
    size_t n_flows;
    uint64_t tx_visited;       /* (track, tx) visits */
    ft_trace_exposure *exposure; /* opts.exposure: sorted by (addr, incident, model) */
    size_t n_exposure;
    /* opts.paths: the evidence path of flow f is path[path_off[f] .. path_off[f+1]): from a
     * seed output (step 0, hop 0) to the output at the flow's address that carried the flow's
     * largest delivery (ties: the first delivered), each step's output created by a tx that
     * spent the previous step's output. Each tainted output remembers the tainted input that
     * gave it the largest share (poison, haircut: the input with the most taint; fifo: the
     * input with the most tainted units inside the output's stretch of the tape; ties: the
     * lowest input index); the path follows those links back. A seed output paid straight to
     * a terminal has a path of one step. */
    ft_trace_path_step *path;
    size_t *path_off;            /* n_flows + 1 entries */
    size_t n_path;
} ft_trace_result;

/* Traces every incident with every model of opts over g (UTXO). term_cat[a] (n_addr entries)
 * is the terminal category of address a or FT_CAT_NONE; term_entity[a] is copied into flows.
 * seeds may come in any order; a repeated (incident, out) counts once (a whole-output seed
 * wins over a partial one); zero-value seeds are skipped. incident_names (n_incidents) are only for messages. res is zeroed first; release
 * it in every case. Errors: FT_ERR_ARG (bad options or seed ids), FT_ERR_CORRUPT (a tx paying
 * more than its inputs), FT_ERR_STATE (a split or the summary identity does not balance:
 * "conservation violated for incident 'x' model 'haircut': …"), FT_ERR_NOMEM. */
ft_status ft_trace_run(ft_trace_result *res, const ft_graph *g, const uint8_t *term_cat,
                       const uint32_t *term_entity, const ft_trace_seed *seeds, size_t n_seeds,
                       const char *const *incident_names, size_t n_incidents,
                       const ft_trace_opts *opts, ft_err *err) FT_WARN_UNUSED;

void ft_trace_result_release(ft_trace_result *res);

#endif
