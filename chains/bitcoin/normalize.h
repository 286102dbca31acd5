/*
 * normalize.h — a parsed Bitcoin block to the engine's chain-neutral UTXO records: scripts
 * classified into address keys (script.c), coinbase flagged, time from the header.
 */
#ifndef FT_BTC_NORMALIZE_H
#define FT_BTC_NORMALIZE_H

#include "chains/bitcoin/block.h"
#include "engine/arena.h"
#include "engine/status.h"
#include "engine/utxo.h"

/* Fills out (arrays from arena, which must outlive out) for block b at height. */
ft_status ft_btc_block_normalize(ft_utxo_block *out, const ft_btc_block *b, uint32_t height,
                                 ft_arena *arena, ft_err *err) FT_WARN_UNUSED;

#endif
