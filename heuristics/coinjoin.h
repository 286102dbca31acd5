/*
 * coinjoin.h — CoinJoin detection by transaction shape (UTXO model).
 *
 * Kinds, tried in this order (the first that matches wins):
 *   whirlpool       exactly 5 inputs and 5 outputs, all outputs equal to a pool size
 *                   (0.001, 0.01, 0.05, 0.5 BTC), every input at least that size
 *   whirlpool_tx0   an OP_RETURN (no address, value 0), k >= 1 equal "premix" outputs of a pool
 *                   size plus a small miner allowance, at most 3 other outputs (coordinator
 *                   fee, change) — one owner: inputs may be merged, outputs are not change
 *   wasabi2         >= 3 inputs, >= 5 outputs, at least 80 % of them standard
 *                   denominations, and at least one denomination used twice or more
 *   wasabi1         k >= 3 equal outputs between 0.09 and 0.11 BTC and at least k inputs
 *   joinmarket      k >= 3 equal outputs (not a standard pool size), k <= inputs,
 *                   k <= outputs <= 2k + 1 (one change per participant)
 *   generic         k >= 3 equal outputs, k >= outputs / 2, inputs from >= k addresses
 * docs/methodology.md gives sources and known false positives.
 */
#ifndef FT_COINJOIN_H
#define FT_COINJOIN_H

#include <stdint.h>

#include "engine/graph.h"

typedef enum ft_coinjoin_kind {
    FT_CJ_NONE = 0,
    FT_CJ_WHIRLPOOL,
    FT_CJ_WHIRLPOOL_TX0,
    FT_CJ_WASABI1,
    FT_CJ_WASABI2,
    FT_CJ_JOINMARKET,
    FT_CJ_GENERIC,
    FT_CJ_KIND_COUNT
} ft_coinjoin_kind;

/* The kind of tx t (FT_CJ_NONE for a coinbase or an ordinary tx). Pure; thread-safe. */
ft_coinjoin_kind ft_coinjoin_classify(const ft_graph *g, uint32_t t);

/* "whirlpool", "whirlpool_tx0", "wasabi1", "wasabi2", "joinmarket", "generic", "none" —
 * the first four as in the generator's truth/coinjoins.csv. */
const char *ft_coinjoin_kind_name(ft_coinjoin_kind k);

/* 1 if v is a Wasabi 2 standard denomination (powers of 2 and 3, 2x3^k, 1-2-5 x 10^k, and
 * also 25 x 10^k, from 5000 sat). */
int ft_coinjoin_is_standard_denom(uint64_t v);

/* 1 for the kinds whose inputs belong to several owners (every kind except whirlpool_tx0). */
int ft_coinjoin_multi_party(ft_coinjoin_kind k);

#endif
