/*
 * account.h — the account-model ledger (Ethereum and the other EVM chains) in the store.
 *
 * A chain adapter (chains/ethereum/ingest.c over JSON-RPC, etl.c over ethereum-etl exports)
 * hands one normalised block at a time: its header, its transactions with their receipts,
 * and every row of value movement in execution order (ft_account_xfer):
 *
 *     per tx:   fee (tip to the block's miner, burnt base fee to nobody), external,
 *               internal rows in trace order, token rows in log order
 *     per block: rewards (miner and uncle rewards from the traces) last
 *
 * Rows that move nothing are kept as evidence (a reverted call, a failed tx's external
 * transfer, a zero-value or delegate call from the traces) with flags saying so; balances
 * count only rows flagged FT_XFER_MOVES. The ledger writes per block: the block, each tx,
 * each row, and for each row's sender and recipient a history row, so that
 *
 *     per block:    scan 0x15 chain height
 *     per tx:       tx record → its rows (first_xfer, n_xfer) in the same block
 *     per address:  scan 0x18 chain address → rows in time (height, seq) order
 *
 * Commits are one synced WriteBatch that moves the checkpoint too (a killed ingest leaves one
 * checkpoint or the next). A block must extend the tip: height tip+1 and parent = tip hash,
 * else FT_ERR_STATE, and the adapter rolls back to the fork point (ft_account_rollback) and
 * re-indexes. docs/store-format.md ("Account chains") is the grammar of every record.
 */
#ifndef FT_ACCOUNT_H
#define FT_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"
#include "engine/store.h"
#include "engine/u256.h"

#define FT_ACCOUNT_NO_TX UINT32_MAX  /* tx_index of a block-level row (a reward) */
#define FT_ACCOUNT_MAX_DEPTH 1100    /* longest trace address kept (EVM call depth is 1024) */

typedef enum ft_xfer_kind {
    FT_XFER_EXTERNAL = 0, /* the transaction's own value, sender to recipient */
    FT_XFER_INTERNAL = 1, /* a call, create or self-destruct inside execution (traces) */
    FT_XFER_TOKEN = 2,    /* an ERC-20 Transfer log */
    FT_XFER_FEE = 3,      /* gas paid by the sender */
    FT_XFER_REWARD = 4,   /* block or uncle reward (new coins, no sender) */
} ft_xfer_kind;

/* What produced a row (traces: the call type). */
typedef enum ft_xfer_sub {
    FT_XSUB_NONE = 0,
    FT_XSUB_CALL = 1,
    FT_XSUB_CALLCODE = 2,
    FT_XSUB_DELEGATECALL = 3,
    FT_XSUB_STATICCALL = 4,
    FT_XSUB_CREATE = 5,
    FT_XSUB_CREATE2 = 6,
    FT_XSUB_SELFDESTRUCT = 7,
    FT_XSUB_REWARD_BLOCK = 8,
    FT_XSUB_REWARD_UNCLE = 9,
    FT_XSUB_FEE_TIP = 10,  /* the part of the fee paid to the block's miner */
    FT_XSUB_FEE_BURN = 11, /* the base fee, burnt (no recipient) */
    FT_XSUB_GENESIS = 12,  /* a genesis allocation (kind reward, block 0: prefunded balance) */
    FT_XSUB_COUNT
} ft_xfer_sub;

/* Row flags. */
#define FT_XFER_REVERTED 0x01 /* failed tx or reverted call: moved nothing */
#define FT_XFER_TRACE 0x02    /* the row is a trace (exported as one) */
#define FT_XFER_MOVES 0x04    /* counts in balances: amount > 0, not reverted, value left from */
#define FT_XFER_VALUE_UNKNOWN 0x40 /* the source gave no value (old geth SELFDESTRUCT frames) */
#define FT_XFER_FLAGS_MASK 0x47

typedef struct ft_account_xfer {
    uint32_t tx_index;   /* FT_ACCOUNT_NO_TX for a reward */
    uint8_t kind;        /* ft_xfer_kind */
    uint8_t sub;         /* ft_xfer_sub */
    uint8_t flags;
    int has_from, has_to, has_asset;
    uint8_t from[20], to[20];
    uint8_t asset[20];   /* token contract (has_asset), else the native asset */
    ft_u256 amount;
    uint32_t log_index;  /* token rows */
    uint32_t subtraces;  /* trace rows */
    uint32_t depth;      /* trace address length */
    uint32_t *trace_addr; /* depth entries; owned by whoever built the row */
} ft_account_xfer;

#define FT_TX_STATUS_FAILED 0
#define FT_TX_STATUS_OK 1
#define FT_TX_STATUS_UNKNOWN 2 /* pre-Byzantium receipt without status and no trace */

typedef struct ft_account_tx {
    uint8_t hash[32];
    uint32_t index;
    uint8_t from[20];
    int has_to, has_contract, has_max_fee;
    uint8_t to[20];
    uint8_t contract[20]; /* receipt's contractAddress */
    uint8_t type;
    int status;           /* FT_TX_STATUS_* */
    uint64_t nonce, gas, gas_used, cumulative_gas_used;
    ft_u256 value, gas_price, effective_gas_price, max_fee, max_priority_fee;
    uint32_t first_xfer, n_xfer; /* its rows' seq in the block (set by the ledger) */
} ft_account_tx;

typedef struct ft_account_block {
    uint32_t height;
    uint8_t hash[32], parent[32];
    int64_t time;
    uint8_t miner[20];
    uint64_t gas_used, gas_limit;
    int has_base_fee;
    ft_u256 base_fee;
    int has_traces;       /* internal transfers and rewards are complete */
    uint32_t n_tx;
    ft_account_tx *txs;   /* index order */
    uint32_t n_xfer;      /* rows in execution order, rewards last */
    ft_account_xfer *xfers;
} ft_account_block;

typedef struct ft_account_chainrec {
    uint64_t chain_id;
    int has_tip;
    uint32_t first_height, tip_height;
    uint8_t tip_hash[32];
    uint64_t n_tx, n_xfer; /* totals over the index */
} ft_account_chainrec;

typedef struct ft_account ft_account;

/* Opens the account ledger of chain byte `chain` in st, for EIP-155 chain id chain_id. An
 * index that holds this chain byte for another chain id is FT_ERR_STATE. */
ft_status ft_account_open(ft_account **out, ft_store *st, uint8_t chain, uint64_t chain_id,
                          ft_err *err) FT_WARN_UNUSED;
/* Drops what is staged and frees the handle. */
void ft_account_close(ft_account *ac);

/* The tip including staged blocks (has_tip 0 when empty). */
void ft_account_tip(const ft_account *ac, ft_account_chainrec *rec);

/* Stages a block (rows' seq are their positions; tx first_xfer/n_xfer are derived from the
 * rows' tx_index, which must be non-decreasing apart from block-level rows at the end).
 * FT_ERR_STATE when it does not extend the tip; FT_ERR_PARSE when rows are out of order. */
ft_status ft_account_append(ft_account *ac, const ft_account_block *b, ft_err *err) FT_WARN_UNUSED;
size_t ft_account_staged_bytes(const ft_account *ac);
/* Writes the staged blocks and the checkpoint in one synced batch. */
ft_status ft_account_commit(ft_account *ac, ft_err *err) FT_WARN_UNUSED;
void ft_account_abort(ft_account *ac);
/* Removes every block at height >= keep_below (nothing staged allowed): one synced batch. */
ft_status ft_account_rollback(ft_account *ac, uint32_t keep_below, ft_err *err) FT_WARN_UNUSED;

/* ---- read side (every value read back is decoded through ft_reader: FT_ERR_CORRUPT) ---- */

ft_status ft_account_chain_get(ft_store *st, uint8_t chain, ft_account_chainrec *rec,
                               ft_err *err) FT_WARN_UNUSED;
/* The block header at height (txs and xfers left NULL). */
ft_status ft_account_block_get(ft_store *st, uint8_t chain, uint32_t height,
                               ft_account_block *b, ft_err *err) FT_WARN_UNUSED;
ft_status ft_account_tx_find(ft_store *st, uint8_t chain, const uint8_t hash[32],
                             uint32_t *height, uint32_t *index, ft_err *err) FT_WARN_UNUSED;
ft_status ft_account_tx_get(ft_store *st, uint8_t chain, uint32_t height, uint32_t index,
                            ft_account_tx *tx, ft_err *err) FT_WARN_UNUSED;
/* Rows seq first .. first+n-1 of block height (n = UINT32_MAX: to the block's end). *rows is
 * malloc()ed (free with ft_account_xfers_free), *n_rows their count. */
ft_status ft_account_xfers_get(ft_store *st, uint8_t chain, uint32_t height, uint32_t first,
                               uint32_t n, ft_account_xfer **rows, uint32_t *n_rows,
                               ft_err *err) FT_WARN_UNUSED;
void ft_account_xfers_free(ft_account_xfer *rows, uint32_t n);

/* Per-asset totals of one address (rows flagged FT_XFER_MOVES only). */
typedef struct ft_account_asset_total {
    int has_asset;
    uint8_t asset[20];
    ft_u256 received, sent;
    int negative;      /* sent > received: the index does not start at genesis */
    ft_u256 balance;   /* received - sent (or sent - received when negative) */
} ft_account_asset_total;

typedef struct ft_account_addrview {
    int found;
    uint64_t n_rows;        /* history rows (every row naming the address) */
    uint64_t tx_count;      /* distinct transactions */
    uint32_t first_height, last_height;
    int64_t first_seen, last_seen;
    size_t n_assets;
    ft_account_asset_total *assets; /* native asset first when present */
} ft_account_addrview;

ft_status ft_account_address_view(ft_store *st, uint8_t chain, const uint8_t addr[20],
                                  ft_account_addrview *view, ft_err *err) FT_WARN_UNUSED;
void ft_account_addrview_release(ft_account_addrview *view);

/* ---- tokens: one record per ERC-20 contract (symbol and decimals) ----------------------- */

#define FT_TOKEN_SYMBOL_MAX 32 /* bytes of a kept symbol (printable ASCII, no comma or quote) */

typedef enum ft_token_source {
    FT_TOKEN_SRC_UNKNOWN = 0, /* the contract's calls reverted or returned garbage */
    FT_TOKEN_SRC_DATASET = 1, /* datasets/tokens/tokens.csv */
    FT_TOKEN_SRC_CALL = 2,    /* eth_call of symbol() and decimals() */
} ft_token_source;

typedef struct ft_account_token {
    uint8_t contract[20];
    uint8_t source;          /* ft_token_source */
    int has_symbol, has_decimals;
    char symbol[FT_TOKEN_SYMBOL_MAX + 1];
    uint8_t decimals;        /* <= 77 (10^77 < 2^256) */
} ft_account_token;

/* Stages the token record (written with the next commit; a rollback keeps it: it describes a
 * contract, not a block). FT_ERR_ARG on a symbol that is not printable ASCII or too long. */
ft_status ft_account_token_put(ft_account *ac, const ft_account_token *t, ft_err *err) FT_WARN_UNUSED;
/* FT_ERR_NOTFOUND (no error text) when the index holds no record of the contract. */
ft_status ft_account_token_get(ft_store *st, uint8_t chain, const uint8_t contract[20],
                               ft_account_token *t, ft_err *err) FT_WARN_UNUSED;
/* 1 if s (len bytes) can be kept as a symbol: 1..FT_TOKEN_SYMBOL_MAX bytes of printable
 * ASCII without '"', ',' or '\\'. */
int ft_account_token_symbol_ok(const char *s, size_t len);

/* Decoders of one stored record's value (the layouts of docs/store-format.md), for whole-chain
 * scans (engine/graph_account.c): 1 on success, 0 on a malformed value. A decoded row's
 * trace_addr is malloc()ed when depth > 0 (free it). */
int ft_account_block_decode(ft_account_block *b, uint32_t height, const uint8_t *v, size_t n);
int ft_account_tx_decode(ft_account_tx *t, uint32_t index, const uint8_t *v, size_t n);
int ft_account_xfer_decode(ft_account_xfer *x, const uint8_t *v, size_t n);

/* The kind's and sub's names: "external", "internal", "token", "fee", "reward"; "call", … */
const char *ft_account_kind_name(uint8_t kind);
const char *ft_account_sub_name(uint8_t sub);

#endif
