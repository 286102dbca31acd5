/*
 * graph.h — the analysis graph: one chain of the store loaded into plain columnar arrays
 * with dense 32-bit ids, the only thing heuristics/ reads.
 *
 * UTXO model (ARCHITECTURE.md section 3): transactions in chain order, each with a range of
 * inputs and a range of outputs given by prefix sums (CSR):
 *
 *     tx t   inputs  in_off[t]  .. in_off[t+1]-1     in_out[i]    = out id the input spends
 *            outputs out_off[t] .. out_off[t+1]-1    out_value[o], out_addr[o], out_type[o],
 *                                                    out_spent_by[o] = spending tx or NONE
 *
 * out ids are the store's out ids (out_off[t] is the tx's first_out), address ids the store's
 * (1 .. n_addr-1; 0 = no address). tx_addr_new[t] is the smallest address id that may be
 * first seen in tx t: an output address a of tx t is fresh (never seen before t) iff
 * a >= tx_addr_new[t], because the ledger numbers addresses at first sight in chain order.
 *
 * Account model (for `deposit`): value transfers in execution order, each (from, to, time,
 * tx) with dense address ids; when loaded from a store also the kind, asset, amount and the
 * asset's decimals of every transfer (the deposit heuristic's amount bound needs them).
 *
 * Every array is a plain malloc()ed block with no pointers inside, so that a later issue can
 * write the graph as one mmap-able snapshot file (a header with the counts, then the arrays).
 * Loading is one prefix scan over the tx records, no per-item lookups.
 */
#ifndef FT_GRAPH_H
#define FT_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "engine/amount.h"
#include "engine/status.h"
#include "engine/store.h"

#define FT_GRAPH_NONE UINT32_MAX

#define FT_GRAPH_TX_COINBASE 1u

/* ft_graph.asset_decimals of a token whose decimals the index does not know */
#define FT_GRAPH_DECIMALS_UNKNOWN 0xFFu
/* decimals of the native asset of every account chain fundtrace indexes (ETH, BNB, POL, AVAX) */
#define FT_GRAPH_NATIVE_DECIMALS 18u

typedef enum ft_graph_model {
    FT_GRAPH_UTXO = 0,
    FT_GRAPH_ACCOUNT = 1,
} ft_graph_model;

typedef struct ft_graph {
    ft_graph_model model;
    uint8_t chain;    /* engine/keys.h chain byte */
    uint32_t n_addr;  /* address ids are 0 .. n_addr-1 (0 = no address) */

    /* UTXO model */
    uint32_t n_tx, n_in, n_out;
    int64_t *tx_time;       /* n_tx: block time, UTC seconds */
    uint8_t *tx_flags;      /* n_tx: FT_GRAPH_TX_COINBASE */
    uint32_t *tx_addr_new;  /* n_tx: first address id that may be new in tx t */
    uint32_t *in_off;       /* n_tx + 1 */
    uint32_t *out_off;      /* n_tx + 1 */
    uint32_t *in_out;       /* n_in: the spent out id */
    uint64_t *out_value;    /* n_out: base units */
    uint32_t *out_addr;     /* n_out: address id, 0 for none */
    uint8_t *out_type;      /* n_out: adapter script type code */
    uint32_t *out_spent_by; /* n_out: spending tx, FT_GRAPH_NONE if unspent */

    /* Account model */
    uint32_t n_xfer;
    uint32_t *xfer_from; /* n_xfer: address ids */
    uint32_t *xfer_to;
    uint32_t *xfer_tx;   /* n_xfer: the transaction (dense, in chain order) */
    int64_t *xfer_time;  /* n_xfer */
    /* filled by ft_graph_load_account only (engine/graph_account.c; NULL from
     * ft_graph_from_transfers): the rows that move value (FT_XFER_MOVES) in execution order */
    uint8_t *xfer_kind;      /* n_xfer: ft_xfer_kind (engine/account.h) */
    uint8_t *xfer_flags;     /* n_xfer: FT_XFER_* row flags */
    uint32_t *xfer_asset;    /* n_xfer: 0 = native asset, else token id */
    ft_u128 *xfer_amount;    /* n_xfer: base units (wei, token units) */
    uint8_t (*addr_bytes)[20];  /* n_addr: the 20-byte address of each id (id 0: zeros) */
    uint32_t *addr_sorted;   /* n_addr - 1: ids 1.. sorted by addr_bytes */
    uint32_t n_asset;        /* asset ids 0 .. n_asset-1 */
    uint8_t (*asset_addr)[20];  /* n_asset: token contract (entry 0, native: zeros) */
    /* n_asset: decimals of each asset (entry 0, the native asset: 18 on every supported EVM
     * chain), FT_GRAPH_DECIMALS_UNKNOWN for a token without a token record (engine/account.h
     * key 0x16) or whose record has no decimals. Filled by ft_graph_load_account; NULL in a
     * hand-built graph or a snapshot (then every token's decimals count as unknown). */
    uint8_t *asset_decimals;
    uint32_t n_atx;          /* account transactions, dense ids in chain order */
    uint8_t (*atx_hash)[32]; /* n_atx */
    uint32_t *atx_first;     /* n_atx: its first transfer (xfer index) */
    uint32_t *atx_count;     /* n_atx: its transfers (value-moving rows) */
    uint32_t *atx_sorted;    /* n_atx: tx ids sorted by atx_hash */

    /* 1: the arrays point into a read-only mapping (engine/snapshot.h) that the caller keeps
     * open; ft_graph_release then only zeroes the struct. */
    uint8_t borrowed;
} ft_graph;

/* Loads the UTXO chain `chain` of st (one scan of the tx records). *g is zeroed first;
 * FT_ERR_NOTFOUND when the chain is not indexed, FT_ERR_LIMIT beyond 2^32-2 txs, outputs or
 * addresses, FT_ERR_CORRUPT when records disagree (an input spending an out id not below its
 * own tx's first output). Release with ft_graph_release. */
ft_status ft_graph_load_utxo(ft_graph *g, ft_store *st, uint8_t chain, ft_err *err) FT_WARN_UNUSED;

/* The clustering-only load of a UTXO chain (engine/graph.c): fills only n_tx, n_in, n_out,
 * n_addr, tx_flags, in_off, out_off, in_out and out_addr (what `multi-input` reads; every other
 * array stays NULL, so CoinJoin detection, change and tracing cannot use it), decoding the tx
 * records in place with one LevelDB iterator per OpenMP thread over contiguous tx ranges.
 * Same ids and same values as ft_graph_load_utxo for those arrays; not checked: an output spent
 * twice. Errors as ft_graph_load_utxo. Release with ft_graph_release. */
ft_status ft_graph_load_utxo_links(ft_graph *g, ft_store *st, uint8_t chain,
                                   ft_err *err) FT_WARN_UNUSED;

/* Builds an account-model graph from transfer arrays (copied). Used by the Ethereum loader
 * and by tests with hand-built data. Every address id must be below n_addr. */
ft_status ft_graph_from_transfers(ft_graph *g, uint8_t chain, uint32_t n_addr, uint32_t n_xfer,
                                  const uint32_t *from, const uint32_t *to, const uint32_t *tx,
                                  const int64_t *time, ft_err *err) FT_WARN_UNUSED;

/* Loads the account chain `chain` of st (engine/account.h rows, one prefix scan of the
 * transfer rows, one of the tx records): only rows flagged FT_XFER_MOVES become transfers;
 * addresses are numbered 1.. in first-seen order (0 = none: a reward's sender, a burnt
 * fee's recipient), tokens 1.. likewise (0 = the native asset), transactions 0.. in chain
 * order; a block-level row (reward) has xfer_tx FT_GRAPH_NONE. asset_decimals comes from the
 * token records (one point lookup per token). *g is zeroed first.
 * FT_ERR_NOTFOUND when the chain is not indexed, FT_ERR_LIMIT for an amount above 2^128-1
 * (naming block and row) or beyond 2^32-2 addresses or transfers, FT_ERR_CORRUPT when
 * records disagree. Release with ft_graph_release. */
ft_status ft_graph_load_account(ft_graph *g, ft_store *st, uint8_t chain,
                                ft_err *err) FT_WARN_UNUSED;

/* Dense id of a 20-byte address (binary search), 0 when the graph never saw it. */
uint32_t ft_graph_account_addr_id(const ft_graph *g, const uint8_t addr[20]);
/* Dense tx id of a tx hash, FT_GRAPH_NONE when not in the graph. */
uint32_t ft_graph_account_tx_id(const ft_graph *g, const uint8_t hash[32]);
/* Frees the arrays only ft_graph_load_account fills (called by ft_graph_release). */
void ft_graph_account_free(ft_graph *g);

/* Frees every array (none when g->borrowed); the struct is zeroed. */
void ft_graph_release(ft_graph *g);

/* Convenience accessors (no checks beyond FT_VERIFY_CHECK). */
static inline uint32_t ft_graph_n_in(const ft_graph *g, uint32_t t)
{
    return g->in_off[t + 1] - g->in_off[t];
}
static inline uint32_t ft_graph_n_out(const ft_graph *g, uint32_t t)
{
    return g->out_off[t + 1] - g->out_off[t];
}
/* The address of input i (absolute input index). */
static inline uint32_t ft_graph_in_addr(const ft_graph *g, uint32_t i)
{
    return g->out_addr[g->in_out[i]];
}
static inline uint64_t ft_graph_in_value(const ft_graph *g, uint32_t i)
{
    return g->out_value[g->in_out[i]];
}

/* Bytes held by the arrays (for benchmarks). */
size_t ft_graph_bytes(const ft_graph *g);

#endif
