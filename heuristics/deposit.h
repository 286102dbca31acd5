/*
 * deposit.h — helpers of the exchange deposit-address heuristic (heuristics/deposit.c) that
 * tests and reports may call; the heuristic itself is a registry row (heuristics/registry.h:
 * ft_deposit_prepare, ft_deposit_links).
 */
#ifndef FT_DEPOSIT_H
#define FT_DEPOSIT_H

#include <stdint.h>

#include "engine/amount.h"
#include "engine/graph.h"

/* Victor's amount bound a_max for asset `asset` of account graph g, in base units: 0.01 of
 * one whole unit of the asset, i.e. 10^(decimals-2) (the native asset: 10^16 wei; a token of
 * fewer than 2 decimals: 1 base unit; beyond 10^38, the largest 128-bit value). Returns 0
 * (and leaves *bound) for a token whose decimals are unknown (FT_GRAPH_DECIMALS_UNKNOWN, an id
 * beyond n_asset, or a graph without asset_decimals: hand-built, or an account snapshot that
 * does not carry them): the heuristic links nothing through it. */
int ft_deposit_amount_bound(const ft_graph *g, uint32_t asset, ft_u128 *bound);

#endif
