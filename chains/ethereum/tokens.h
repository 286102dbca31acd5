/*
 * tokens.h — ERC-20 token symbol and decimals, from a dataset or from the contract itself.
 *
 *     datasets/tokens/tokens.csv   chain,contract,symbol,decimals,source   (well-known tokens)
 *     eth_call symbol()   0x95d89b41   ABI `string` (offset, length, bytes) or `bytes32`
 *                                      (old tokens such as MKR: text padded with zero bytes)
 *     eth_call decimals() 0x313ce567   one 32-byte word, at most 77
 *
 * A call that reverts, returns nothing (no code) or returns bytes that do not decode is not an
 * error: that field stays unknown (the token is then shown in base units). During RPC
 * indexing each token contract is resolved once, when its first Transfer row is indexed, and
 * stored as a token record (engine/account.h) in the same batch as the block.
 */
#ifndef FT_ETH_TOKENS_H
#define FT_ETH_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "chains/ethereum/jsonrpc.h"
#include "chains/ethereum/params.h"
#include "engine/account.h"
#include "engine/status.h"

struct cJSON;

typedef struct ft_eth_token_table {
    size_t n, cap;
    ft_account_token *v; /* sorted by contract after loading */
} ft_eth_token_table;

/* Reads the rows of chain p (by name or alias) from a tokens CSV (header
 * chain,contract,symbol,decimals,source). A malformed row is FT_ERR_PARSE naming the file
 * and line; rows of other chains are skipped. */
ft_status ft_eth_tokens_load(ft_eth_token_table *t, const char *path, const ft_eth_params *p,
                             ft_err *err) FT_WARN_UNUSED;
/* The same over text already in memory (fname is for messages). */
ft_status ft_eth_tokens_parse(ft_eth_token_table *t, const char *text, size_t len,
                              const char *fname, const ft_eth_params *p,
                              ft_err *err) FT_WARN_UNUSED;
void ft_eth_tokens_release(ft_eth_token_table *t);
const ft_account_token *ft_eth_tokens_find(const ft_eth_token_table *t, const uint8_t contract[20]);

/* ABI return data of symbol(): a dynamic `string`, or a `bytes32` text right-padded with zero
 * bytes. 1 and out set (NUL-terminated) when it decodes to a symbol ft_account_token_symbol_ok
 * accepts; 0 otherwise. */
int ft_eth_token_decode_symbol(const uint8_t *ret, size_t len, char out[FT_TOKEN_SYMBOL_MAX + 1]);
/* ABI return data of decimals(): one 32-byte word with a value <= 77. */
int ft_eth_token_decode_decimals(const uint8_t *ret, size_t len, uint8_t *out);

/* From the reply of a batch built by ft_eth_tokens_request (ids 2i and 2i+1 for contract i),
 * fills t[i].symbol/decimals (contract[] must be set). Reverts and malformed returns leave the
 * field unknown; a missing entry in the reply is FT_ERR_PARSE. */
ft_status ft_eth_tokens_from_reply(const struct cJSON *reply, ft_account_token *t, size_t n,
                                   ft_err *err) FT_WARN_UNUSED;

/* Resolves n contracts over rpc (nothing else may be in flight on it) with one batched POST of
 * eth_call symbol() and decimals() at "latest". Transport failures are errors; reverts are
 * not (see above). */
ft_status ft_eth_tokens_resolve(ft_eth_rpc *rpc, ft_account_token *t, size_t n,
                                ft_err *err) FT_WARN_UNUSED;

/* ---- during ingest: one record per new token contract ---------------------------------- */

typedef struct ft_eth_token_ctx {
    ft_eth_token_table table;        /* the dataset's rows of this chain (may be empty) */
    const ft_eth_rpc_opts *rpc_opts; /* the node (a second connection is opened on first
                                        need), or NULL (etl: no node, tokens outside the
                                        dataset are recorded as unknown) */
    ft_eth_rpc *rpc;
    uint8_t *seen;                   /* open-addressing set of contracts handled this run */
    size_t seen_n, seen_cap;
    uint32_t n_dataset, n_called, n_unknown; /* records staged, by source */
} ft_eth_token_ctx;

void ft_eth_token_ctx_init(ft_eth_token_ctx *c, const ft_eth_rpc_opts *rpc_opts);
void ft_eth_token_ctx_release(ft_eth_token_ctx *c);

/* For every token row of b whose contract has no record in st yet (and was not staged in this
 * run), stages a token record in ac (the same batch as the block): the dataset's, else
 * eth_call's, else unknown. Transport failures of the node are errors (FT_ERR_NET). */
ft_status ft_eth_tokens_stage(ft_eth_token_ctx *c, ft_account *ac, ft_store *st, uint8_t chain,
                              const ft_account_block *b, ft_err *err) FT_WARN_UNUSED;

#endif
