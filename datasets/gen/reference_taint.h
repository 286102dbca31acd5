/*
 * reference_taint.h — the REFERENCE implementation of the taint semantics of ARCHITECTURE.md
 * section 5 for UTXO chains (poison, haircut, fifo), used to write the expected trace figures
 * of a generated chain (truth/expected_summary.csv, truth/expected_flows.csv).
 *
 * It is deliberately simple and shares no code with the engine's heuristics/ or engine/trace:
 * the point is two independent implementations that must agree. It reads the chain the way
 * the engine will (the block files, parsed with chains/bitcoin/block.h: parsing is not taint
 * logic) and the truth's incidents.csv, labels.csv and addresses.csv.
 *
 * Per transaction (inputs i with value v and tainted part t, outputs o with value w, fee f):
 *
 *     poison   any t > 0: every output and the fee are tainted in full (not conserving)
 *     haircut  the parts (outputs in output order, then the fee as the last part) get
 *              floor(T·C_k/V) − floor(T·C_{k−1}/V), C_k = the values of parts 1..k summed,
 *              T = Σt, V = Σv ("cumulative floor": the parts sum to T exactly, each part is
 *              within one base unit of T·w/V and never above its value)
 *     fifo     the tape [input 1's segments][input 2's segments]…; output k takes the next w_k
 *              units of the tape, the fee takes the rest:
 *
 *                  inputs   |--clean 3--|##taint 2##|--clean 5--|      (input 1 = 5, input 2 = 5)
 *                  outputs  |-- o1 = 4 -----|--- o2 = 5 ----|fee 1|
 *                                    o1: clean 3, taint 1   o2: taint 1, clean 4   fee: clean 1
 *
 * Tracing stops at terminals (an output's address labelled, or owned by an entity labelled,
 * exchange / otc / payment / mixer / bridge), at --max-hops, and at the end of the chain.
 */
#ifndef FT_REFERENCE_TAINT_H
#define FT_REFERENCE_TAINT_H

#include <stddef.h>
#include <stdint.h>

#include "chains/bitcoin/address.h"
#include "engine/amount.h"
#include "engine/status.h"

enum { FT_REFTAINT_POISON = 0, FT_REFTAINT_HAIRCUT = 1, FT_REFTAINT_FIFO = 2, FT_REFTAINT_MODELS = 3 };

/* "poison", "haircut", "fifo". */
const char *ft_reftaint_model_name(int model);

/* ---- the per-transaction rules ---------------------------------------------------------- */

/* A FIFO tape: segments in order. Invariants: no zero-length segment, two neighbours never of
 * the same kind (pushes merge). */
typedef struct ft_reftaint_seg {
    uint64_t len;
    int tainted;
} ft_reftaint_seg;

typedef struct ft_reftaint_tape {
    ft_reftaint_seg *seg;
    size_t n, cap;
} ft_reftaint_tape;

void ft_reftaint_tape_init(ft_reftaint_tape *t);
void ft_reftaint_tape_release(ft_reftaint_tape *t);
/* Appends len units (merged into the last segment when of the same kind; len 0 is a no-op). */
ft_status ft_reftaint_tape_push(ft_reftaint_tape *t, uint64_t len, int tainted) FT_WARN_UNUSED;
/* Sum of the tainted segments / of all segments. */
uint64_t ft_reftaint_tape_tainted(const ft_reftaint_tape *t);
uint64_t ft_reftaint_tape_total(const ft_reftaint_tape *t);

/* poison: out_t[k] = w[k] and *fee_t = fee when any_tainted, else all 0. */
void ft_reftaint_poison(int any_tainted, const uint64_t *w, size_t m, uint64_t fee,
                        uint64_t *out_t, uint64_t *fee_t);

/* haircut: T tainted of V input units, outputs w[0..m), fee = V − Σw. Writes out_t[0..m) and
 * *fee_t (the cumulative-floor rule above; Σ out_t + *fee_t == T exactly).
 * Returns FT_ERR_ARG when T > V or Σw > V. */
ft_status ft_reftaint_haircut(uint64_t T, uint64_t V, const uint64_t *w, size_t m, uint64_t *out_t,
                              uint64_t *fee_t) FT_WARN_UNUSED;

/* fifo: in[0..n) the inputs' tapes in input order (a clean input is one clean segment of its
 * value); outputs w[0..m). out[0..m) (initialised tapes) and fee are cleared and filled with
 * the slices. Returns FT_ERR_ARG when Σw exceeds the tape, FT_ERR_NOMEM. */
ft_status ft_reftaint_fifo(const ft_reftaint_tape *in, size_t n, const uint64_t *w, size_t m,
                           ft_reftaint_tape *out, ft_reftaint_tape *fee) FT_WARN_UNUSED;

/* ---- a whole generated chain ------------------------------------------------------------ */

#define FT_REFTAINT_NAME_MAX 64
#define FT_REFTAINT_NO_HOP_LIMIT UINT32_MAX

typedef struct ft_reftaint_opts {
    uint32_t max_hops; /* FT_REFTAINT_NO_HOP_LIMIT, or: outputs created at this hop (the seeds
                          are hop 0) that are not terminal end as hop_limit */
} ft_reftaint_opts;

/* The summary identity of ARCHITECTURE.md section 5, in base units. */
typedef struct ft_reftaint_summary {
    ft_u128 stolen, to_exchange, to_mixer, to_bridge, to_other, unspent, fees, below_threshold,
        hop_limit;
} ft_reftaint_summary;

typedef struct ft_reftaint_flow {
    uint32_t incident; /* index into the result's incidents */
    uint32_t model;
    char category[16]; /* exchange, otc, payment, mixer, bridge */
    char entity[FT_REFTAINT_NAME_MAX];
    char address[FT_BTC_ADDR_STR_MAX];
    ft_u128 amount;
    uint32_t hops; /* fewest transactions from a seed to this address */
    int64_t first_time, last_time;
    uint64_t tx_count; /* transactions that delivered taint to the address */
    uint64_t last_tx;  /* internal: the last transaction counted */
} ft_reftaint_flow;

typedef struct ft_reftaint_result {
    char (*incidents)[FT_REFTAINT_NAME_MAX]; /* in order of first appearance in incidents.csv */
    size_t n_incidents;
    ft_reftaint_summary *summary; /* [incident * FT_REFTAINT_MODELS + model] */
    ft_reftaint_flow *flows;      /* sorted: incident, model, amount descending, address */
    size_t n_flows, cap_flows;
    uint64_t n_txs;                               /* transactions read (coinbases included) */
    uint64_t tainted_txs[FT_REFTAINT_MODELS];     /* (incident, tx) pairs with a tainted input */
} ft_reftaint_result;

/* Runs every incident of chain_dir/truth/incidents.csv through every model over the chain in
 * chain_dir/blocks (regtest), with terminals from truth/labels.csv and truth/addresses.csv.
 * Checks per transaction that haircut and fifo split exactly, and per incident that
 *     stolen = to_exchange + to_mixer + to_bridge + to_other + unspent + fees
 *              + below_threshold + hop_limit
 * holds to the base unit for haircut and fifo (FT_ERR_STATE if not: a bug, never data).
 * Errors: FT_ERR_IO (files), FT_ERR_PARSE (a malformed truth row or block, a seed that is
 * not in the chain, an input spending an unknown output), FT_ERR_NOMEM. res is zeroed first;
 * release it in every case. */
ft_status ft_reftaint_run(ft_reftaint_result *res, const char *chain_dir,
                          const ft_reftaint_opts *opts, ft_err *err) FT_WARN_UNUSED;

/* Writes truth_dir/expected_summary.csv and truth_dir/expected_flows.csv (ARCHITECTURE.md
 * summary.csv and flows.csv columns; amounts exact decimal BTC; amount_usd empty). */
ft_status ft_reftaint_write(const ft_reftaint_result *res, const char *truth_dir,
                            ft_err *err) FT_WARN_UNUSED;

void ft_reftaint_result_release(ft_reftaint_result *res);

#endif
