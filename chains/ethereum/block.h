/*
 * block.h — one EVM block as the sources give it (header, transactions with receipts, logs,
 * traces), gathered from JSON-RPC objects (this file) or ethereum-etl rows (etl.c), and turned
 * into the ledger's rows by ONE function, ft_eth_block_assemble, so that both sources follow
 * the same transfer semantics (docs/ethereum.md):
 *
 *     for each tx in index order:
 *         fee       gasUsed × effectiveGasPrice (pre-London: gasPrice) from the sender; with a
 *                   base fee split into the tip (to the miner) and the burnt base fee (no one)
 *         external  sender → recipient (or the created contract), value; reverted on failure
 *         internal  every nested trace in trace order (calls, creates, self-destructs); a
 *                   trace under an error, or in a failed tx, is reverted and moves nothing
 *         token     every ERC-20 Transfer log (3 topics, 32-byte data) in log order
 *     then the block's rewards (from traces)
 *
 * Ownership: an ft_eth_block owns everything in it (ft_eth_block_release frees it).
 */
#ifndef FT_ETH_BLOCK_H
#define FT_ETH_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "chains/ethereum/params.h"
#include "engine/account.h"
#include "engine/status.h"

struct cJSON;

typedef struct ft_eth_log {
    uint32_t tx_index;
    uint32_t log_index;
    uint8_t address[20];
    int n_topics;
    uint8_t topics[4][32];
    int data_word;        /* data is exactly 32 bytes */
    ft_u256 data_value;   /* its value */
} ft_eth_log;

typedef struct ft_eth_trace {
    uint32_t tx_index;    /* FT_ACCOUNT_NO_TX for a reward */
    int has_tx_hash;
    uint8_t tx_hash[32];
    uint8_t sub;          /* ft_xfer_sub */
    int has_from, has_to, value_unknown;
    uint8_t from[20], to[20];
    ft_u256 value;
    int error;            /* the trace itself failed */
    int reverted;         /* it or an ancestor failed (set by ft_eth_block_finish_traces) */
    uint32_t subtraces;
    uint32_t depth;
    uint32_t *trace_addr; /* owned */
} ft_eth_trace;

typedef struct ft_eth_block {
    ft_account_block hdr;       /* header fields; txs/xfers unused here */
    uint32_t n_tx;
    ft_account_tx *txs;
    int *has_receipt;           /* per tx */
    size_t n_logs, cap_logs;
    ft_eth_log *logs;
    int has_traces;
    size_t n_traces, cap_traces;
    ft_eth_trace *traces;
} ft_eth_block;

void ft_eth_block_init(ft_eth_block *b);
void ft_eth_block_release(ft_eth_block *b);

/* Appends (copies; trace_addr is copied too). 0 on allocation failure. */
int ft_eth_block_add_log(ft_eth_block *b, const ft_eth_log *log) FT_WARN_UNUSED;
int ft_eth_block_add_trace(ft_eth_block *b, const ft_eth_trace *t) FT_WARN_UNUSED;
/* Sizes the tx array (zeroed). */
ft_status ft_eth_block_set_tx_count(ft_eth_block *b, uint32_t n, ft_err *err) FT_WARN_UNUSED;

/* ---- JSON-RPC objects ---------------------------------------------------------------------- */

/* eth_getBlockByNumber(h, true): the header and every transaction (receipts still missing). */
ft_status ft_eth_block_from_rpc(ft_eth_block *b, const struct cJSON *block,
                                ft_err *err) FT_WARN_UNUSED;
/* One receipt (eth_getTransactionReceipt or an element of eth_getBlockReceipts): its fields
 * and logs go to the matching tx (by transactionIndex, checked against the hash). */
ft_status ft_eth_block_add_rpc_receipt(ft_eth_block *b, const struct cJSON *receipt,
                                       ft_err *err) FT_WARN_UNUSED;
/* trace_block (Parity/OpenEthereum/Erigon/Nethermind/anvil) result array. */
ft_status ft_eth_block_add_parity_traces(ft_eth_block *b, const struct cJSON *traces,
                                         ft_err *err) FT_WARN_UNUSED;
/* debug_traceBlockByNumber(h, {tracer: callTracer}) result array (one entry per tx). */
ft_status ft_eth_block_add_geth_traces(ft_eth_block *b, const struct cJSON *traces,
                                       ft_err *err) FT_WARN_UNUSED;

/* Marks traces reverted under failed ancestors (call after all traces were added; traces of
 * one tx must be in pre-order with their trace addresses). */
void ft_eth_block_finish_traces(ft_eth_block *b);

/* Builds the ledger block (out->txs and out->xfers malloc()ed; free with
 * ft_eth_block_free_assembled). FT_ERR_PARSE when a tx has no receipt. */
ft_status ft_eth_block_assemble(ft_eth_block *b, const ft_eth_params *p, ft_account_block *out,
                                ft_err *err) FT_WARN_UNUSED;
void ft_eth_block_free_assembled(ft_account_block *out);

/* ---- small JSON helpers (shared with etl.c and the CLI) ------------------------------------ */

/* A JSON string "0x…" hex quantity (or a JSON number) as u64/u256. 1 on success. */
int ft_eth_json_u64(const struct cJSON *v, uint64_t *out) FT_WARN_UNUSED;
int ft_eth_json_u256(const struct cJSON *v, ft_u256 *out) FT_WARN_UNUSED;
/* "0x" + 40 hex digits → 20 bytes; "0x" + 64 → 32 bytes. 1 on success. */
int ft_eth_hex_addr(uint8_t out[20], const char *s) FT_WARN_UNUSED;
int ft_eth_hex_hash(uint8_t out[32], const char *s) FT_WARN_UNUSED;

#endif
