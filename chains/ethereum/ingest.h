/*
 * ingest.h — indexing an EVM chain from a node's JSON-RPC (and the shared result figures of
 * the etl ingest, etl.h).
 *
 * Per block, one batched POST: eth_getBlockByNumber(h, true), eth_getBlockReceipts(h) and the
 * traces (trace_block(h), or debug_traceBlockByNumber(h, {tracer: callTracer})); when the node
 * lacks eth_getBlockReceipts a second POST asks eth_getTransactionReceipt per tx (and, with
 * --verify, eth_getRawTransactionByHash per tx). Which methods the node has is probed once on
 * the first block; a node with neither trace method gives a warning and no internal
 * transfers. Up to `window` blocks are in flight; they are appended in height order.
 *
 * Tokens: the first Transfer row of a contract not yet in the index gives it a token record
 * (engine/account.h) from the tokens dataset, else from eth_call symbol()/decimals() over a
 * second connection (tokens.h); staged in the same batch as the block.
 *
 * Genesis allocations (docs/ethereum.md): when block 0 is indexed, every account the node
 * lists in eth_accounts (anvil's and hardhat's prefunded dev accounts; [] on a public node)
 * with a non-zero eth_getBalance at block 0 gets a row in block 0: kind reward, sub genesis,
 * no sender. Other genesis allocations are not known to the node's API and stay missing.
 *
 * A block whose parent hash is not the index's tip is a reorganisation: the index is rolled
 * back to the last height where it agrees with the node (one atomic batch) and indexing goes
 * on from there. Every commit moves the checkpoint in the same batch.
 *
 * Process-wide side effects of ft_eth_index_rpc (for speed, docs/performance.md "Ethereum RPC
 * indexing"): glibc's mallopt thresholds are raised once (mmap 4 MB, trim 64 MB, top pad
 * 16 MB), and cJSON's allocation hooks are installed (jsonrpc.h, parse arenas).
 */
#ifndef FT_ETH_INGEST_H
#define FT_ETH_INGEST_H

#include <stdint.h>

#include "chains/ethereum/jsonrpc.h"
#include "chains/ethereum/params.h"
#include "engine/progress.h"
#include "engine/status.h"
#include "engine/store.h"

typedef struct ft_eth_index_opts {
    const ft_eth_params *chain;
    ft_eth_rpc_opts rpc;
    int has_from, has_to;
    uint32_t from, to;
    int verify;            /* check every tx's raw bytes: hash and recovered sender */
    uint32_t commit_blocks; /* commit at least every N blocks (0: 256) */
    const char *tokens_csv; /* tokens dataset (datasets/tokens/tokens.csv) or NULL */
} ft_eth_index_opts;

typedef struct ft_eth_index_stats {
    uint32_t blocks;
    uint64_t txs, xfers;
    uint32_t rolled_back;
    int has_tip;
    uint32_t tip_height;
    int up_to_date;
    const char *receipts_method; /* "eth_getBlockReceipts", "eth_getTransactionReceipt", "etl" */
    const char *trace_method;    /* "trace_block", "debug_traceBlockByNumber", "etl", "none" */
    uint64_t verified;           /* transactions whose raw bytes were checked */
    uint64_t requests, retries;  /* HTTP POSTs */
    uint32_t tokens_dataset, tokens_called, tokens_unknown; /* token records written */
    uint32_t genesis_allocs;     /* genesis allocation rows written in block 0 */
} ft_eth_index_stats;

ft_status ft_eth_index_rpc(ft_store *st, const ft_eth_index_opts *o, const ft_progress *progress,
                           ft_eth_index_stats *stats, ft_err *err) FT_WARN_UNUSED;

#endif
