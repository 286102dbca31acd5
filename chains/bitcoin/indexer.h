/*
 * indexer.h — the two ways Bitcoin blocks reach the index: Bitcoin Core's block files
 * (index_blocks.c) and a node's JSON-RPC (index_rpc.c). Both parse with block.c, normalise
 * with normalize.c and write through engine/ledger.h; both resume from the checkpoint.
 */
#ifndef FT_BTC_INDEXER_H
#define FT_BTC_INDEXER_H

#include <stdint.h>

#include "chains/bitcoin/params.h"
#include "engine/progress.h"
#include "engine/status.h"
#include "engine/store.h"

#define FT_BTC_HEIGHT_NONE UINT32_MAX

typedef struct ft_btc_index_stats {
    uint32_t blocks;         /* blocks appended in this run */
    uint64_t txs;            /* transactions appended in this run */
    uint32_t rolled_back;    /* blocks removed by reorganisations */
    uint32_t tip_height;     /* the index's tip afterwards */
    int up_to_date;          /* 1: nothing was left to index */
    const char *network;     /* the network indexed (a params.h name; static string) */
} ft_btc_index_stats;

/* Indexes the best chain found in DIR/blk*.dat (DIR may be Bitcoin Core's blocks/ folder or
 * hold blk files directly; blocks/xor.dat is honoured) up to to_height (FT_BTC_HEIGHT_NONE:
 * the tip). */
ft_status ft_btc_index_blocks(ft_store *st, const char *dir, const ft_btc_params *net,
                              uint32_t to_height, const ft_progress *progress,
                              ft_btc_index_stats *stats, ft_err *err) FT_WARN_UNUSED;

typedef struct ft_btc_rpc_opts {
    const char *url;         /* http://127.0.0.1:8332/ */
    const char *cookie_file; /* Bitcoin Core's .cookie ("user:password"), or NULL */
    const char *user;        /* or user and password */
    const char *password;
    long timeout_ms;         /* per request; 0 = default (30 s) */
    int retries;             /* on timeouts and HTTP 5xx; 0 = default (3) */
} ft_btc_rpc_opts;

/* Indexes blocks from..to (FT_BTC_HEIGHT_NONE: from the checkpoint / to the node's tip) from
 * a node. The network comes from the node's getblockchaininfo and must match net (NULL:
 * whatever the node is on, if the index holds that network or nothing yet). A block
 * whose parent is not the index's tip rolls the index back to the fork point first. */
ft_status ft_btc_index_rpc(ft_store *st, const ft_btc_rpc_opts *rpc, const ft_btc_params *net,
                           uint32_t from, uint32_t to, const ft_progress *progress,
                           ft_btc_index_stats *stats, ft_err *err) FT_WARN_UNUSED;

#endif
