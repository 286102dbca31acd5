/*
 * rpc_client.h — a small JSON-RPC 1.0 client for bitcoind (and nodes that speak its API, such
 * as bcoin), on libcurl and cJSON.
 *
 * One handle = one CURL easy handle reused for every call, so the HTTP connection is kept
 * alive between calls. Authentication is HTTP basic auth from Bitcoin Core's cookie file
 * ("user:password" on one line) or from an explicit user and password. Every request has a
 * timeout; timeouts, refused connections and HTTP 5xx replies without a JSON-RPC error are
 * retried with exponential back-off. A JSON-RPC error object (bitcoind sends it with HTTP
 * 500, or 404 for an unknown method) and malformed JSON are errors at once: retrying would
 * get the same answer.
 *
 * Failures and their status (exit code of the CLI in brackets):
 *     unreachable, timed out, HTTP 401, HTTP 5xx/other without a JSON body  FT_ERR_NET   (1)
 *     reply is not JSON, not JSON-RPC, or the result has the wrong type     FT_ERR_PARSE (2)
 *     JSON-RPC error object {code, message}                                 FT_ERR_STATE (2)
 * Every message names the method and the URL (credentials in the URL are masked; passwords
 * never appear). The handle is not thread-safe: one per thread.
 */
#ifndef FT_BTC_RPC_CLIENT_H
#define FT_BTC_RPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "chains/bitcoin/indexer.h"
#include "engine/status.h"

typedef struct ft_btc_rpc ft_btc_rpc;

/* cJSON is an implementation detail of the callers that want raw calls. */
struct cJSON;

/* Defaults for the zero fields of ft_btc_rpc_opts. */
#define FT_BTC_RPC_DEFAULT_TIMEOUT_MS 30000L
#define FT_BTC_RPC_DEFAULT_RETRIES 3
/* Largest reply body accepted (a 4 MB block as hex plus the JSON around it). */
#define FT_BTC_RPC_MAX_REPLY (9u * 1024u * 1024u)

/* Opens a client for opts->url. Reads the cookie file now (FT_ERR_IO if it cannot be read,
 * FT_ERR_PARSE if it has no ':'). No request is sent until the first call.
 * Returns FT_ERR_ARG for a missing URL or a user without a password. *out is NULL on
 * failure; free with ft_btc_rpc_close. */
ft_status ft_btc_rpc_open(ft_btc_rpc **out, const ft_btc_rpc_opts *opts,
                          ft_err *err) FT_WARN_UNUSED;
void ft_btc_rpc_close(ft_btc_rpc *rpc);

/* The URL as it may be shown (any "user:password@" replaced by "***@"). */
const char *ft_btc_rpc_url(const ft_btc_rpc *rpc);

/* Calls method with params (a JSON array; NULL for none; not consumed). On FT_OK *result is
 * the reply's "result" member, detached: the caller frees it with cJSON_Delete. */
ft_status ft_btc_rpc_call(ft_btc_rpc *rpc, struct cJSON **result, const char *method,
                          const struct cJSON *params, ft_err *err) FT_WARN_UNUSED;

/* getblockchaininfo: the node's network as a params.h name ("main", "testnet", "testnet4",
 * "signet", "regtest"; bitcoind's "test" becomes "testnet"), written into out (cap bytes).
 * An unknown chain name is FT_ERR_STATE. */
ft_status ft_btc_rpc_network(ft_btc_rpc *rpc, char *out, size_t cap, ft_err *err) FT_WARN_UNUSED;

/* getblockcount: the height of the node's best block. */
ft_status ft_btc_rpc_block_count(ft_btc_rpc *rpc, uint32_t *height, ft_err *err) FT_WARN_UNUSED;

/* getblockhash height: the hash of the best chain's block at height, internal byte order. A
 * height above the node's tip is the node's JSON-RPC error (FT_ERR_STATE). */
ft_status ft_btc_rpc_block_hash(ft_btc_rpc *rpc, uint8_t hash[32], uint32_t height,
                                ft_err *err) FT_WARN_UNUSED;

/* getblock hash 0: the raw serialised block, a malloc()ed buffer (*raw, *len) that the caller
 * frees. hash is in internal byte order. */
ft_status ft_btc_rpc_block(ft_btc_rpc *rpc, uint8_t **raw, size_t *len, const uint8_t hash[32],
                           ft_err *err) FT_WARN_UNUSED;

/* Number of HTTP requests sent so far, retries included (for tests and statistics). */
uint64_t ft_btc_rpc_requests(const ft_btc_rpc *rpc);

#endif
