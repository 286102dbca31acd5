/*
 * index_rpc.c — indexing Bitcoin blocks from a node's JSON-RPC (bitcoind, bcoin).
 *
 * One run:
 *     getblockchaininfo        the node's network; must equal --network (when given) and the
 *                              network the index already holds (ft_ledger_open checks that)
 *     getblockcount            the node's tip; the run stops at min(--to, tip)
 *     reconcile                if the index is not empty, compare our block hash at
 *                              min(our tip, node tip) with the node's; walk back until they
 *                              agree and roll back to that fork point (a reorganisation that
 *                              happened while we were not running)
 *     for h = our tip+1 (or --from, or 0 on an empty index) .. stop:
 *         getblockhash h, getblock hash 0   raw block; its header must hash to what we asked
 *         prev != our tip hash ?            reorganisation during the run: commit what is
 *                                           staged, walk back, roll back, continue at fork+1
 *         parse (block.c: merkle root etc.), normalise (normalize.c), ft_ledger_append
 *         commit every FT_RPC_COMMIT_BLOCKS blocks or FT_RPC_COMMIT_BYTES staged bytes
 *     commit at the end
 *
 * Walking back: at height h compare ft_ledger_block_hash(h) with the node's getblockhash(h);
 * the first height where they agree is the fork point. If we reach a height the index does
 * not hold (below its first block) the node's chain does not extend the index at all: that is
 * FT_ERR_STATE, and nothing is rolled back.
 *
 * Invariants: on any error the staged batch is dropped, so the index is exactly as at the last
 * commit; a block is appended only when its prev is the ledger's tip (the ledger checks it
 * too); heights never skip (no gaps: --from above tip+1 on a non-empty index is refused).
 * --from N > 0 on an empty index makes a partial index (engine/ledger.h): the ledger records N
 * and resolves what it can; inputs spending txs before N are stored unresolved.
 */
#include "chains/bitcoin/indexer.h"

#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/block.h"
#include "chains/bitcoin/normalize.h"
#include "chains/bitcoin/rpc_client.h"
#include "engine/arena.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/ledger.h"
#include "engine/log.h"

#include "engine/banned.h"

#define FT_RPC_COMMIT_BLOCKS 1000u
#define FT_RPC_COMMIT_BYTES ((size_t)32 << 20)

typedef struct rpc_run {
    ft_btc_rpc *rpc;
    ft_ledger *lg;
    ft_btc_index_stats *stats;
    uint32_t since_commit;     /* blocks staged since the last commit */
    uint32_t committed_blocks; /* stats->blocks and ->txs as of the last commit */
    uint64_t committed_txs;
} rpc_run;

static ft_status commit(rpc_run *r, ft_err *err)
{
    if (r->since_commit == 0 && ft_ledger_staged_bytes(r->lg) == 0)
        return FT_OK;
    ft_status st = ft_ledger_commit(r->lg, err);
    if (st == FT_OK) {
        r->since_commit = 0;
        r->committed_blocks = r->stats->blocks;
        r->committed_txs = r->stats->txs;
    }
    return st;
}

/* Compares the index with the node from height h (at most our tip) downwards. If they agree
 * at h nothing happens (a node that is merely behind the index is not a reorganisation);
 * otherwise the highest height below where they agree is the fork point and the index is
 * rolled back to it. Commits what is staged first (the ledger rolls back committed blocks
 * only). */
static ft_status roll_back_to_fork(rpc_run *r, uint32_t h, ft_err *err)
{
    ft_status st = commit(r, err);
    if (st != FT_OK)
        return st;
    ft_ledger_tip tip;
    st = ft_ledger_get_tip(r->lg, &tip, err);
    if (st != FT_OK)
        return st;
    if (tip.empty)
        return FT_OK;
    if (h > tip.height)
        h = tip.height;
    uint32_t first = h;
    for (;;) {
        uint8_t ours[32], theirs[32];
        st = ft_ledger_block_hash(r->lg, h, ours, err);
        if (st == FT_ERR_NOTFOUND) {
            char hex[65];
            ft_hex_encode_rev(hex, tip.hash, 32);
            return ft_err_set(err, FT_ERR_STATE,
                              "the node at '%s' does not have the index's chain: no common "
                              "block from the tip %u (%s) down to the first indexed block",
                              ft_btc_rpc_url(r->rpc), tip.height, hex);
        }
        if (st != FT_OK)
            return st;
        st = ft_btc_rpc_block_hash(r->rpc, theirs, h, err);
        if (st != FT_OK)
            return st;
        if (memcmp(ours, theirs, 32) == 0)
            break;
        if (h == 0)
            return ft_err_set(err, FT_ERR_STATE,
                              "the node at '%s' has another genesis block than the index",
                              ft_btc_rpc_url(r->rpc));
        h--;
    }
    if (h == first)
        return FT_OK;
    char hex[65];
    ft_hex_encode_rev(hex, tip.hash, 32);
    ft_log(FT_LOG_INFO, "reorganisation: rolling back %u block%s from %u (%s) to %u",
           tip.height - h, tip.height - h == 1 ? "" : "s", tip.height, hex, h);
    st = ft_ledger_rollback(r->lg, h, err);
    if (st != FT_OK)
        return st;
    r->stats->rolled_back += tip.height - h;
    return FT_OK;
}

/* Fetches, checks, parses, normalises and stages block h. Sets *reorg (and stages nothing)
 * when the block's parent is not the index's tip. */
static ft_status index_one(rpc_run *r, uint32_t h, const ft_ledger_tip *tip, int *reorg,
                           ft_err *err)
{
    *reorg = 0;
    uint8_t hash[32];
    ft_status st = ft_btc_rpc_block_hash(r->rpc, hash, h, err);
    if (st != FT_OK)
        return st;
    uint8_t *raw = NULL;
    size_t len = 0;
    st = ft_btc_rpc_block(r->rpc, &raw, &len, hash, err);
    if (st != FT_OK)
        return st;

    char hex[65];
    ft_hex_encode_rev(hex, hash, 32);
    ft_btc_block b;
    ft_arena arena;
    ft_arena_init(&arena);
    st = ft_btc_block_parse(&b, raw, len, err);
    if (st != FT_OK) {
        if (err)
            ft_err_prefix(err, "block %u (%s) from '%s'", h, hex, ft_btc_rpc_url(r->rpc));
        free(raw);
        return st;
    }
    if (memcmp(b.header.hash, hash, 32) != 0) {
        char got[65];
        ft_hex_encode_rev(got, b.header.hash, 32);
        st = ft_err_set(err, FT_ERR_PARSE,
                        "node at '%s' answered getblock %s with a block hashing to %s",
                        ft_btc_rpc_url(r->rpc), hex, got);
        goto done;
    }
    if (!tip->empty && memcmp(b.header.prev, tip->hash, 32) != 0) {
        *reorg = 1;
        goto done;
    }
    ft_utxo_block ub;
    st = ft_btc_block_normalize(&ub, &b, h, &arena, err);
    if (st == FT_OK)
        st = ft_ledger_append(r->lg, &ub, err);
    if (st != FT_OK) {
        if (err)
            ft_err_prefix(err, "block %u (%s)", h, hex);
        goto done;
    }
    r->stats->blocks++;
    r->stats->txs += b.n_tx;
    r->since_commit++;
done:
    ft_btc_block_release(&b);
    ft_arena_release(&arena);
    free(raw);
    return st;
}

ft_status ft_btc_index_rpc(ft_store *st, const ft_btc_rpc_opts *rpc, const ft_btc_params *net,
                           uint32_t from, uint32_t to, const ft_progress *progress,
                           ft_btc_index_stats *stats, ft_err *err)
{
    ft_btc_index_stats dummy;
    if (!stats)
        stats = &dummy;
    memset(stats, 0, sizeof *stats);
    if (!st || !rpc)
        return ft_err_set(err, FT_ERR_ARG, "ft_btc_index_rpc: no store or rpc options");
    if (from != FT_BTC_HEIGHT_NONE && to != FT_BTC_HEIGHT_NONE && from > to)
        return ft_err_set(err, FT_ERR_ARG, "--from %u is above --to %u", from, to);

    rpc_run r = {0};
    r.stats = stats;
    ft_status s = ft_btc_rpc_open(&r.rpc, rpc, err);
    if (s != FT_OK)
        return s;

    char node_net[32];
    s = ft_btc_rpc_network(r.rpc, node_net, sizeof node_net, err);
    if (s != FT_OK)
        goto out;
    if (net && strcmp(net->name, node_net) != 0) {
        s = ft_err_set(err, FT_ERR_STATE, "node at '%s' is on '%s', not '%s' as asked",
                       ft_btc_rpc_url(r.rpc), node_net, net->name);
        goto out;
    }
    s = ft_ledger_open(&r.lg, st, FT_CHAIN_BTC, node_net, err);
    if (s != FT_OK)
        goto out;
    const ft_btc_params *node_params = ft_btc_params_by_name(node_net);
    stats->network = node_params ? node_params->name : NULL;

    uint32_t node_tip;
    s = ft_btc_rpc_block_count(r.rpc, &node_tip, err);
    if (s != FT_OK)
        goto out;
    ft_ledger_tip tip;
    s = ft_ledger_get_tip(r.lg, &tip, err);
    if (s != FT_OK)
        goto out;

    uint32_t start;
    if (tip.empty) {
        start = from == FT_BTC_HEIGHT_NONE ? 0 : from;
        if (start > 0)
            ft_log(FT_LOG_WARN,
                   "partial index from block %u, not from genesis: inputs spending outputs "
                   "created before it are recorded unresolved (value unknown), and address "
                   "totals count only what the index sees",
                   start);
    } else {
        if (from != FT_BTC_HEIGHT_NONE && from > tip.height + 1) {
            s = ft_err_set(err, FT_ERR_STATE,
                           "--from %u would leave a gap: the index ends at block %u", from,
                           tip.height);
            goto out;
        }
        /* A reorganisation while we were away: the node's block at our tip (or at its own
         * tip, if it is shorter) may differ from ours. */
        if (node_tip < tip.height)
            ft_log(FT_LOG_WARN, "the node at '%s' is at height %u, behind the index (%u)",
                   ft_btc_rpc_url(r.rpc), node_tip, tip.height);
        s = roll_back_to_fork(&r, tip.height < node_tip ? tip.height : node_tip, err);
        if (s != FT_OK)
            goto out;
        s = ft_ledger_get_tip(r.lg, &tip, err);
        if (s != FT_OK)
            goto out;
        start = tip.height + 1;
    }
    uint32_t stop = node_tip;
    if (to != FT_BTC_HEIGHT_NONE && to < stop)
        stop = to;
    if (to != FT_BTC_HEIGHT_NONE && to > node_tip)
        ft_log(FT_LOG_WARN, "--to %u is above the node's tip %u: indexing up to %u", to, node_tip,
               node_tip);

    uint32_t first = start;
    for (uint32_t h = start; h <= stop && h != FT_BTC_HEIGHT_NONE;) {
        int reorg;
        s = index_one(&r, h, &tip, &reorg, err);
        if (s != FT_OK)
            goto out;
        if (reorg) {
            uint32_t before = stats->rolled_back;
            s = roll_back_to_fork(&r, h - 1, err);
            if (s != FT_OK)
                goto out;
            if (stats->rolled_back == before) {
                /* The node's block h does not extend its own block h-1: it changed its chain
                 * between our two calls, or it is inconsistent. Do not loop on it. */
                s = ft_err_set(err, FT_ERR_STATE,
                               "block %u from '%s' does not extend the node's block %u; is "
                               "the node reorganising?",
                               h, ft_btc_rpc_url(r.rpc), h - 1);
                goto out;
            }
            s = ft_ledger_get_tip(r.lg, &tip, err);
            if (s != FT_OK)
                goto out;
            h = tip.height + 1;
            continue;
        }
        s = ft_ledger_get_tip(r.lg, &tip, err);
        if (s != FT_OK)
            goto out;
        if (r.since_commit >= FT_RPC_COMMIT_BLOCKS ||
            ft_ledger_staged_bytes(r.lg) >= FT_RPC_COMMIT_BYTES) {
            s = commit(&r, err);
            if (s != FT_OK)
                goto out;
        }
        if (h >= first)
            ft_progress_report(progress, "blocks", (uint64_t)(h - first) + 1,
                               (uint64_t)(stop - first) + 1);
        h++;
    }
    s = commit(&r, err);
    if (s != FT_OK)
        goto out;
    s = ft_ledger_get_tip(r.lg, &tip, err);
    if (s != FT_OK)
        goto out;
    stats->tip_height = tip.empty ? 0 : tip.height;
    stats->up_to_date = stats->blocks == 0 && stats->rolled_back == 0;
    ft_log(FT_LOG_DEBUG, "rpc index: %u blocks, %u rolled back, %llu requests", stats->blocks,
           stats->rolled_back, (unsigned long long)ft_btc_rpc_requests(r.rpc));

out:
    if (s != FT_OK) {
        /* What was staged is dropped: count only what reached the store. */
        stats->blocks = r.committed_blocks;
        stats->txs = r.committed_txs;
    }
    if (r.lg) {
        if (s != FT_OK)
            ft_ledger_abort(r.lg);
        ft_ledger_close(r.lg);
    }
    ft_btc_rpc_close(r.rpc);
    return s;
}
