/*
 * trace_account.h — taint propagation over an account-chain graph (engine/graph.h, loaded by
 * ft_graph_load_account) for every incident and model at once; the account-chain rules of
 * ARCHITECTURE.md section 5 and docs/methodology.md ("Account chains").
 *
 * State per track (incident, model) and per (address, asset): the tainted part T of the
 * balance (haircut), a queue of lots (fifo) or a poisoned flag (poison); the balance itself
 * is the same for every track and is computed once, from the beginning of the index. Each
 * track walks the transfers in execution order from its first seed (within a tx: fee,
 * external, internal in trace order, token in log order — the ledger's row order):
 *
 *     haircut  an outgoing transfer of a carries floor(T·a / B) (B the balance before it,
 *              at least a: value the index never saw coming in is clean); T keeps the rest,
 *              so rounding stays in the balance and nothing is dropped
 *     fifo     lots in arrival order [clean B0][taint t1][clean c1]…; a transfer takes its
 *              amount from the head and hands the recipient those segments in order
 *     poison   once tainted, every outgoing transfer of that asset is tainted in full
 *
 * Where taint stops, for every transfer that carries taint t > 0 (in this order): a fee row
 * or a burn (no recipient) → fees; a terminal recipient (term_cat) → to_exchange / to_mixer /
 * to_bridge / to_other and a flow row; t below min_value (native asset only) →
 * below_threshold; hop >= max_hops (seed transfers are hop 0) → hop_limit; else the
 * recipient's state. At the end of the index what is left is unspent (poison: the whole
 * final balance of every poisoned address). Summaries are per (incident, model, asset);
 * for haircut and fifo stolen = to_exchange + … + hop_limit is checked per asset
 * (FT_ERR_STATE on a violation: a bug, never data).
 *
 * Optional outputs (opts): USD per flow (exact sum of taint × daily price, rounded once),
 * evidence paths (each state remembers its largest tainted receipt; sparse: one link per
 * tainted transfer), and per-address exposure for the report's overlaps.
 */
#ifndef FT_TRACE_ACCOUNT_H
#define FT_TRACE_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/amount.h"
#include "engine/graph.h"
#include "engine/status.h"
#include "engine/trace.h"

/* One seed transfer of an incident. */
typedef struct ft_trace_account_seed {
    uint32_t incident; /* 0 .. n_incidents-1 */
    uint32_t xfer;     /* transfer index in the graph */
    ft_u128 amount;    /* tainted base units of the transfer (its first units), 0 = all */
} ft_trace_account_seed;

typedef struct ft_trace_account_opts {
    unsigned models;   /* bit m: run model m (poison, haircut, fifo) */
    uint32_t max_hops; /* FT_TRACE_NO_HOP_LIMIT or the hop at which taint stops */
    ft_u128 min_value; /* native-asset taint below this stops as below_threshold (0: never) */
    /* USD valuation of flows (prices NULL: none). asset_price[a] is the price symbol of graph
     * asset a (engine/prices.h: "ETH", "USDT", …; NULL: never priced) and asset_decimals[a]
     * its decimals, g->n_asset entries each. Each delivery to a terminal is valued at the
     * price of its UTC day; a flow's exact products are summed, then rounded half up once
     * (ft_prices_round_exact); one delivery without a price leaves the flow's USD unknown. */
    const struct ft_prices *prices;
    const char *const *asset_price;
    const unsigned *asset_decimals;
    int paths;         /* 1: fill ft_trace_account_result.path / path_off */
    int exposure;      /* 1: fill ft_trace_account_result.exposure */
} ft_trace_account_opts;

/* Taint one address received of one asset from one incident under one model (every
 * non-fee transfer into it that carried taint > 0, terminals and stopped taint included;
 * poison: those transfers in full): report's overlaps use it. */
typedef struct ft_trace_account_exposure {
    uint32_t asset, addr, incident, model;
    ft_u128 amount;
} ft_trace_account_exposure;

/* One transfer of an evidence path and the taint it carried in the flow's track. */
typedef struct ft_trace_account_step {
    uint32_t xfer;
    ft_u128 taint;
} ft_trace_account_step;

typedef struct ft_trace_account_summary {
    uint32_t incident, model, asset; /* asset: graph asset id (0 = native) */
    ft_trace_summary s;
} ft_trace_account_summary;

typedef struct ft_trace_account_flow {
    ft_trace_flow f;   /* amount_usd/usd_known: see opts.prices (zero without prices) */
    uint32_t asset;
} ft_trace_account_flow;

typedef struct ft_trace_account_result {
    size_t n_incidents;
    ft_trace_account_summary *summary; /* sorted by (incident, model, asset): one row per asset
                                          the incident's seeds tainted (native when none) */
    size_t n_summary;
    ft_trace_account_flow *flows;      /* sorted by (incident, model, asset, address id) */
    size_t n_flows;
    uint64_t xfer_visited;             /* (track, transfer) visits */
    /* opts.paths: the evidence path of flow f is path[path_off[f] .. path_off[f+1]), from a
     * seed transfer (first step) to the transfer that delivered the flow's largest share
     * (ties: the earliest), each step's sender the previous step's recipient. Every tainted
     * (address, asset) state remembers the incoming transfer that brought it the most taint
     * so far (ties: the earliest); an outgoing tainted transfer links back to it, a seed
     * transfer to nothing. Only tainted transfers are remembered (sparse). */
    ft_trace_account_step *path;
    size_t *path_off; /* n_flows + 1 entries */
    size_t n_path;
    ft_trace_account_exposure *exposure; /* opts.exposure: sorted by (asset, addr, incident,
                                            model) */
    size_t n_exposure;
} ft_trace_account_result;

/* Traces every incident with every model of opts over the account graph g (loaded by
 * ft_graph_load_account: amounts needed). term_cat/term_entity as in ft_trace_run (g->n_addr
 * entries). A repeated (incident, xfer) seed counts once (a whole-transfer seed wins).
 * res is zeroed first; release it in every case. Errors: FT_ERR_ARG (bad options, seed
 * ids, a graph without amounts), FT_ERR_STATE ("conservation violated for incident 'x'
 * model 'haircut' asset 1: …"), FT_ERR_NOMEM. */
ft_status ft_trace_account_run(ft_trace_account_result *res, const ft_graph *g,
                               const uint8_t *term_cat, const uint32_t *term_entity,
                               const ft_trace_account_seed *seeds, size_t n_seeds,
                               const char *const *incident_names, size_t n_incidents,
                               const ft_trace_account_opts *opts, ft_err *err) FT_WARN_UNUSED;

void ft_trace_account_result_release(ft_trace_account_result *res);

/* floor(a·b / d) exactly for a <= d (the result then fits 128 bits); d > 0. */
ft_u128 ft_trace_account_muldiv(ft_u128 a, ft_u128 b, ft_u128 d);

#endif
