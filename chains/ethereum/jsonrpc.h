/*
 * jsonrpc.h — an Ethereum JSON-RPC 2.0 client on libcurl's multi interface and cJSON.
 *
 *     submit(body) ──► [ window of HTTP POSTs in flight, one curl easy handle each ] ──► wait()
 *                         │ timeout, refused, HTTP 429 / 5xx: retry after 2^k × backoff
 *                         └ malformed JSON: error at once (retrying gets the same answer)
 *
 * One POST carries one JSON-RPC request or a batch (a JSON array). Connections are kept alive
 * (the multi handle's connection cache is shared by every easy handle). Up to `window` POSTs
 * are in flight; submit() refuses more. Extra headers (--rpc-header 'Authorization: …') are
 * sent with every request and never logged or put into an error message; the URL is shown
 * with any user:password masked.
 *
 * Failures (CLI exit code in brackets):
 *     unreachable, timed out, HTTP 429/5xx after the retries, other HTTP status  FT_ERR_NET (1)
 *     reply is not JSON or not JSON-RPC                                          FT_ERR_PARSE (2)
 * JSON-RPC error objects are not failures of the transport: ft_eth_rpc_result() reports them
 * per request (the caller decides: a missing method means "fall back", anything else fails).
 */
#ifndef FT_ETH_JSONRPC_H
#define FT_ETH_JSONRPC_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

struct cJSON;

typedef struct ft_eth_rpc ft_eth_rpc;

typedef struct ft_eth_rpc_opts {
    const char *url;
    const char *const *headers; /* "Name: value" lines, never logged */
    size_t n_headers;
    long timeout_ms;            /* per request; 0: 30000 */
    int retries;                /* after the first try; 0: 4; negative: none */
    long backoff_ms;            /* first back-off; 0: 200 (then 400, 800, …, at most 10 s) */
    int window;                 /* POSTs in flight; 0: 4 */
} ft_eth_rpc_opts;

#define FT_ETH_RPC_MAX_REPLY ((size_t)512 * 1024 * 1024)

ft_status ft_eth_rpc_open(ft_eth_rpc **out, const ft_eth_rpc_opts *opts, ft_err *err) FT_WARN_UNUSED;
void ft_eth_rpc_close(ft_eth_rpc *rpc);
/* The URL as it may be shown. */
const char *ft_eth_rpc_url(const ft_eth_rpc *rpc);
int ft_eth_rpc_window(const ft_eth_rpc *rpc);
/* POSTs in flight or waiting for a retry. */
int ft_eth_rpc_pending(const ft_eth_rpc *rpc);

/* Starts a POST of body (copied). When it is the only POST in flight it is sent at once (one
 * non-blocking curl_multi_perform), so that its round trip overlaps the caller's work until
 * wait(); otherwise the next wait() sends it. tag comes back from wait(). FT_ERR_LIMIT when
 * the window is full. */
ft_status ft_eth_rpc_submit(ft_eth_rpc *rpc, const char *body, size_t len, void *tag,
                            ft_err *err) FT_WARN_UNUSED;
/* Waits until one POST has its final answer: *reply is the parsed JSON (object or array; the
 * caller frees it with cJSON_Delete), *tag its tag. On failure *tag is still set. */
ft_status ft_eth_rpc_wait(ft_eth_rpc *rpc, void **tag, struct cJSON **reply,
                          ft_err *err) FT_WARN_UNUSED;
/* A reply's raw text (NUL-terminated at data[len]). ft_eth_rpc_wait_raw() swaps buffers with
 * the finished request, so a text reused for every reply costs no allocation in steady state;
 * free it with ft_eth_rpc_text_free. */
typedef struct ft_eth_rpc_text {
    char *data;
    size_t len, cap;
} ft_eth_rpc_text;

void ft_eth_rpc_text_free(ft_eth_rpc_text *t);
/* Like wait(), but hands out the reply unparsed (its JSON is not checked yet), so that the
 * caller can send its next request before it parses: *text gets the reply (its previous buffer
 * goes back to the client). Transport failures are the same as wait()'s. */
ft_status ft_eth_rpc_wait_raw(ft_eth_rpc *rpc, void **tag, ft_eth_rpc_text *text,
                              ft_err *err) FT_WARN_UNUSED;
/* Parses a text from wait_raw() as wait() would have: FT_ERR_PARSE "malformed JSON reply (N
 * bytes) from '<url>'" unless it is a JSON object or array. */
ft_status ft_eth_rpc_parse(const ft_eth_rpc *rpc, const ft_eth_rpc_text *text, struct cJSON **reply,
                           ft_err *err) FT_WARN_UNUSED;

/* A parse arena: ft_eth_rpc_parse_in() builds a reply's cJSON tree (its nodes and strings)
 * in it by bump allocation instead of one malloc per JSON value, and the tree goes away all
 * at once with ft_eth_rpc_arena_reset() (NEVER cJSON_Delete such a tree). Its memory is kept
 * across resets, so that steady-state parsing allocates nothing. It works through cJSON's
 * global allocation hooks (cJSON_InitHooks, installed once by the first arena; they fall
 * through to malloc/free outside ft_eth_rpc_parse_in, per thread), so nothing else in the
 * process may call cJSON_InitHooks. */
typedef struct ft_eth_rpc_arena ft_eth_rpc_arena;

ft_eth_rpc_arena *ft_eth_rpc_arena_new(void);
void ft_eth_rpc_arena_reset(ft_eth_rpc_arena *a);
void ft_eth_rpc_arena_free(ft_eth_rpc_arena *a);
/* Bytes the arena holds now (its chunks, used or kept for reuse). */
size_t ft_eth_rpc_arena_bytes(const ft_eth_rpc_arena *a);
/* ft_eth_rpc_parse() with the tree in arena a (valid until a's next reset). */
ft_status ft_eth_rpc_parse_in(const ft_eth_rpc *rpc, const ft_eth_rpc_text *text,
                              ft_eth_rpc_arena *a, struct cJSON **reply,
                              ft_err *err) FT_WARN_UNUSED;

/* Drops every POST in flight. */
void ft_eth_rpc_cancel_all(ft_eth_rpc *rpc);

/* One call, synchronously (nothing else may be in flight). On FT_OK *result is the detached
 * "result" (may be a JSON null). A JSON-RPC error object is FT_ERR_STATE with
 * "<method>: node error <code>: <message>", and *rpc_code (if not NULL) gets its code. */
ft_status ft_eth_rpc_call(ft_eth_rpc *rpc, const char *method, const char *params_json,
                          struct cJSON **result, long *rpc_code, ft_err *err) FT_WARN_UNUSED;

/* From a reply (object or batch array), the entry with "id" == id: on FT_OK *result points
 * INTO the reply (not detached); a JSON-RPC error object gives FT_ERR_STATE, *rpc_code its
 * code, err "<method>: node error <code>: <message>"; a missing entry FT_ERR_PARSE. A single
 * object must carry that id too ("<method>: the reply answers id X, not id N", FT_ERR_PARSE),
 * except an error object with id null (the node could not read the request's id), which is
 * reported as its error. */
ft_status ft_eth_rpc_result(const struct cJSON *reply, long id, const char *method,
                            const struct cJSON **result, long *rpc_code, ft_err *err) FT_WARN_UNUSED;

/* HTTP requests sent so far, retries included. */
uint64_t ft_eth_rpc_requests(const ft_eth_rpc *rpc);
uint64_t ft_eth_rpc_retries(const ft_eth_rpc *rpc);

#endif
