/*
 * taint.h — the taint models of ARCHITECTURE.md section 5 for UTXO transactions: the model
 * table and the per-transaction rules, in exact integer arithmetic (docs/methodology.md,
 * "taint models"). Ledger model: UTXO. engine/trace.c applies them over engine/graph.
 *
 * Per transaction: inputs with value v and tainted part t (T = Σt, V = Σv), outputs
 * w_1..w_m, fee f = V − Σw, the fee being the last "part":
 *
 *     poison   T > 0: every output and the fee tainted in full (not conserving)
 *     haircut  part k gets floor(T·C_k/V) − floor(T·C_{k−1}/V), C_k = parts 1..k summed
 *              (128-bit products; the parts sum to T exactly, the remainder is carried)
 *     fifo     the tape [input 1's segments][input 2's segments]…; output k takes the next
 *              w_k units, the fee the rest:
 *
 *                  inputs   |--clean 3--|##taint 2##|--clean 5--|
 *                  outputs  |-- o1 = 4 -----|--- o2 = 5 ----|fee 1|
 */
#ifndef FT_TAINT_H
#define FT_TAINT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

typedef enum ft_taint_model {
    FT_TAINT_POISON = 0,
    FT_TAINT_HAIRCUT = 1,
    FT_TAINT_FIFO = 2,
    FT_TAINT_LIFO = 3, /* reserved: a later issue */
    FT_TAINT_TIHO = 4, /* reserved: a later issue */
    FT_TAINT_MODELS = 5
} ft_taint_model;

typedef struct ft_taint_model_info {
    const char *name;
    int conserving;  /* the summary identity must hold */
    int implemented; /* 0: row reserved, the model is not available yet */
} ft_taint_model_info;

/* The row of model m (m < FT_TAINT_MODELS), never NULL for a valid m. */
const ft_taint_model_info *ft_taint_model_get(int m);
/* The model named s ("poison" …), or -1. Reserved rows are found (check implemented). */
int ft_taint_model_parse(const char *s);

/* A FIFO tape segment. A tape never holds a zero-length segment, and neighbouring segments
 * of one tape are never of the same kind. */
typedef struct ft_taint_seg {
    uint64_t len;
    uint8_t tainted;
} ft_taint_seg;

/* haircut: T tainted units of V, outputs w[0..m), fee = V − Σw. Writes out_t[0..m) and
 * *fee_t (cumulative floor; Σout_t + *fee_t == T). FT_ERR_ARG when T > V or Σw > V. */
ft_status ft_taint_haircut(uint64_t T, uint64_t V, const uint64_t *w, size_t m, uint64_t *out_t,
                           uint64_t *fee_t) FT_WARN_UNUSED;

/* poison: out_t[k] = w[k] and *fee_t = fee when T > 0, else all zero. */
void ft_taint_poison(uint64_t T, const uint64_t *w, size_t m, uint64_t fee, uint64_t *out_t,
                     uint64_t *fee_t);

/* fifo: in[0..n_in) is the concatenated input tape (segments of input 1, then input 2, …;
 * neighbours may be of the same kind here). Outputs w[0..m) take it in order, the fee the
 * rest. The parts' tapes go to out (capacity out_cap >= n_in + m + 1): part k (k = m: the
 * fee) is out[off[k] .. off[k+1]), off has m + 2 entries; out_t[0..m) and *fee_t get the
 * tainted units of each part. FT_ERR_ARG when Σw exceeds the tape or out_cap is short. */
ft_status ft_taint_fifo(const ft_taint_seg *in, size_t n_in, const uint64_t *w, size_t m,
                        ft_taint_seg *out, size_t out_cap, size_t *off, uint64_t *out_t,
                        uint64_t *fee_t) FT_WARN_UNUSED;

#endif
