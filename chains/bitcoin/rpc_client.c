/*
 * rpc_client.c — bitcoind's JSON-RPC 1.0 over HTTP with libcurl; replies parsed with cJSON.
 *
 * One CURL easy handle per client, reused for every call: libcurl keeps the connection open
 * between calls (keep-alive), which matters when indexing calls the node twice per block.
 *
 * A call:
 *     body = {"jsonrpc":"1.0","id":N,"method":M,"params":[...]}    POST to the URL
 *     attempt 0..retries:   wait 200 ms << (attempt-1) (at most 5 s) before a retry
 *         transport error     timed out, refused, connection dropped -> retry
 *                             anything else (bad host, bad URL)     -> FT_ERR_NET at once
 *         HTTP 401/403                                              -> FT_ERR_NET at once
 *         JSON body with a non-null "error" (any HTTP code: bitcoind
 *             uses 500 for RPC errors and 404 for unknown methods)  -> FT_ERR_STATE at once
 *         HTTP 200 and the body is not JSON-RPC                     -> FT_ERR_PARSE at once
 *         HTTP 200 and a "result" with the request's id             -> FT_OK
 *         HTTP 5xx without a JSON-RPC error                         -> retry
 *         any other HTTP code                                       -> FT_ERR_NET at once
 *     retries exhausted: FT_ERR_NET with the last failure and the attempt count.
 *
 * Invariants: the reply buffer never grows past FT_BTC_RPC_MAX_REPLY (a bigger reply is
 * FT_ERR_LIMIT); error messages name the method and the masked URL, never a password; the
 * password is wiped from memory when the client is closed.
 */
#include "chains/bitcoin/rpc_client.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chains/bitcoin/block.h"
#include "chains/bitcoin/params.h"
#include "engine/buf.h"
#include "engine/hex.h"
#include "engine/log.h"

#include "engine/banned.h"

#define BACKOFF_FIRST_MS 200L
#define BACKOFF_MAX_MS 5000L
#define COOKIE_MAX 4096

struct ft_btc_rpc {
    CURL *curl;
    struct curl_slist *headers;
    char *url;       /* as given, handed to libcurl */
    char *shown_url; /* credentials masked, for messages */
    char *userpwd;   /* "user:password" or NULL; wiped on close */
    long timeout_ms;
    int retries;
    uint64_t next_id;
    uint64_t requests;
    ft_buf reply;
    int reply_too_big;
    char curl_err[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = 0;
    free(s);
}

/* Masks the user-info part of a URL: "http://user:pw@host/x" becomes "http://(3 stars)@host/x". */
static char *mask_url(const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *host = scheme ? scheme + 3 : url;
    size_t hostlen = strcspn(host, "/?#");
    const char *at = NULL;
    for (const char *p = host; p < host + hostlen; p++)
        if (*p == '@')
            at = p;
    if (!at)
        return dup_str(url);
    size_t n = strlen(url) + 4;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%.*s***%s", (int)(host - url), url, at);
    return out;
}

/* Reads "user:password" from a cookie file into a malloc()ed string. */
static ft_status read_cookie(char **out, const char *path, ft_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ft_err_set(err, FT_ERR_IO, "cannot open rpc cookie file '%s': %s", path,
                          strerror(errno));
    char buf[COOKIE_MAX + 1];
    size_t n = fread(buf, 1, COOKIE_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return ft_err_set(err, FT_ERR_IO, "cannot read rpc cookie file '%s'", path);
    if (n > COOKIE_MAX)
        return ft_err_set(err, FT_ERR_PARSE, "rpc cookie file '%s' is larger than %d bytes", path,
                          COOKIE_MAX);
    buf[n] = '\0';
    size_t len = strcspn(buf, "\r\n");
    buf[len] = '\0';
    ft_status st = FT_OK;
    if (len == 0 || !strchr(buf, ':') || strlen(buf) != len)
        st = ft_err_set(err, FT_ERR_PARSE, "rpc cookie file '%s' does not hold 'user:password'",
                        path);
    else if (!(*out = dup_str(buf)))
        st = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading rpc cookie file '%s'", path);
    volatile char *v = buf;
    for (size_t i = 0; i < sizeof buf; i++)
        v[i] = 0;
    return st;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ctx)
{
    ft_btc_rpc *rpc = ctx;
    size_t n = size * nmemb;
    if (rpc->reply.len + n > FT_BTC_RPC_MAX_REPLY) {
        rpc->reply_too_big = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    ft_buf_append(&rpc->reply, data, n);
    return rpc->reply.failed ? 0 : n;
}

ft_status ft_btc_rpc_open(ft_btc_rpc **out, const ft_btc_rpc_opts *opts, ft_err *err)
{
    *out = NULL;
    if (!opts || !opts->url || !*opts->url)
        return ft_err_set(err, FT_ERR_ARG, "no rpc url given");
    if (strncmp(opts->url, "http://", 7) != 0 && strncmp(opts->url, "https://", 8) != 0)
        return ft_err_set(err, FT_ERR_ARG, "rpc url '%s' does not start with http:// or https://",
                          opts->url);
    if (opts->user && !opts->password)
        return ft_err_set(err, FT_ERR_ARG, "rpc user given without a password");
    if (opts->timeout_ms < 0 || opts->retries < 0)
        return ft_err_set(err, FT_ERR_ARG, "negative rpc timeout or retry count");

    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK)
        return ft_err_set(err, FT_ERR_NET, "cannot initialise libcurl: %s",
                          curl_easy_strerror(curl_init_rc));

    ft_btc_rpc *rpc = calloc(1, sizeof *rpc);
    if (!rpc)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory opening rpc client");
    ft_buf_init(&rpc->reply);
    rpc->timeout_ms = opts->timeout_ms ? opts->timeout_ms : FT_BTC_RPC_DEFAULT_TIMEOUT_MS;
    rpc->retries = opts->retries ? opts->retries : FT_BTC_RPC_DEFAULT_RETRIES;
    rpc->next_id = 1;

    ft_status st = FT_OK;
    rpc->url = dup_str(opts->url);
    rpc->shown_url = mask_url(opts->url);
    if (!rpc->url || !rpc->shown_url) {
        st = ft_err_set(err, FT_ERR_NOMEM, "out of memory opening rpc client");
        goto fail;
    }
    if (opts->cookie_file) {
        st = read_cookie(&rpc->userpwd, opts->cookie_file, err);
        if (st != FT_OK)
            goto fail;
    } else if (opts->user) {
        size_t n = strlen(opts->user) + strlen(opts->password) + 2;
        rpc->userpwd = malloc(n);
        if (!rpc->userpwd) {
            st = ft_err_set(err, FT_ERR_NOMEM, "out of memory opening rpc client");
            goto fail;
        }
        snprintf(rpc->userpwd, n, "%s:%s", opts->user, opts->password);
    }

    rpc->curl = curl_easy_init();
    rpc->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (!rpc->curl || !rpc->headers) {
        st = ft_err_set(err, FT_ERR_NOMEM, "cannot create a libcurl handle");
        goto fail;
    }
    CURL *c = rpc->curl;
    long connect_ms = rpc->timeout_ms < 10000 ? rpc->timeout_ms : 10000;
    CURLcode rc = CURLE_OK;
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_URL, rpc->url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rpc->timeout_ms);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, rpc->headers);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, rpc);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, rpc->curl_err);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    if (rc == CURLE_OK && rpc->userpwd) {
        rc = curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(c, CURLOPT_USERPWD, rpc->userpwd);
    }
    if (rc != CURLE_OK) {
        st = ft_err_set(err, FT_ERR_NET, "cannot set up libcurl for '%s': %s", rpc->shown_url,
                        curl_easy_strerror(rc));
        goto fail;
    }
    *out = rpc;
    return FT_OK;

fail:
    ft_btc_rpc_close(rpc);
    return st;
}

void ft_btc_rpc_close(ft_btc_rpc *rpc)
{
    if (!rpc)
        return;
    if (rpc->curl)
        curl_easy_cleanup(rpc->curl);
    curl_slist_free_all(rpc->headers);
    free(rpc->url);
    free(rpc->shown_url);
    wipe_free(rpc->userpwd);
    ft_buf_release(&rpc->reply);
    free(rpc);
}

const char *ft_btc_rpc_url(const ft_btc_rpc *rpc)
{
    return rpc->shown_url;
}

uint64_t ft_btc_rpc_requests(const ft_btc_rpc *rpc)
{
    return rpc->requests;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Copies up to cap-1 printable characters of s (a node's message) into out. */
static void clean_text(char *out, size_t cap, const char *s, size_t len)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[j++] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
    }
    out[j] = '\0';
}

static int transient_curl_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
        return 1;
    default:
        return 0;
    }
}

/* The JSON-RPC error of a parsed reply as an FT_ERR_STATE message, or FT_OK if "error" is
 * absent or null. */
static ft_status rpc_error(ft_btc_rpc *rpc, const cJSON *reply, const char *method, ft_err *err)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(reply, "error");
    if (!e || cJSON_IsNull(e))
        return FT_OK;
    char msg[200] = "";
    long code = 0;
    int has_code = 0;
    if (cJSON_IsObject(e)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
        if (cJSON_IsNumber(c) && fabs(c->valuedouble) < 1e9) {
            code = (long)c->valuedouble;
            has_code = 1;
        }
        if (cJSON_IsString(m))
            clean_text(msg, sizeof msg, m->valuestring, strlen(m->valuestring));
    } else if (cJSON_IsString(e)) {
        clean_text(msg, sizeof msg, e->valuestring, strlen(e->valuestring));
    }
    if (has_code)
        return ft_err_set(err, FT_ERR_STATE, "node error %ld calling '%s' at '%s': %s", code,
                          method, rpc->shown_url, msg[0] ? msg : "(no message)");
    return ft_err_set(err, FT_ERR_STATE, "node error calling '%s' at '%s': %s", method,
                      rpc->shown_url, msg[0] ? msg : "(no message)");
}

/* One HTTP exchange. Returns 1 with *http set when a reply came, 0 on a transport error
 * (*rc set). */
static int perform(ft_btc_rpc *rpc, const char *body, CURLcode *rc, long *http)
{
    ft_buf_reset(&rpc->reply);
    rpc->reply.failed = 0;
    rpc->reply_too_big = 0;
    rpc->curl_err[0] = '\0';
    *http = 0;
    rpc->requests++;
    *rc = curl_easy_setopt(rpc->curl, CURLOPT_POSTFIELDS, body);
    if (*rc == CURLE_OK)
        *rc = curl_easy_perform(rpc->curl);
    if (*rc != CURLE_OK)
        return 0;
    curl_easy_getinfo(rpc->curl, CURLINFO_RESPONSE_CODE, http);
    return 1;
}

ft_status ft_btc_rpc_call(ft_btc_rpc *rpc, cJSON **result, const char *method, const cJSON *params,
                          ft_err *err)
{
    *result = NULL;
    uint64_t id = rpc->next_id++;
    cJSON *req = cJSON_CreateObject();
    cJSON *p = params ? cJSON_Duplicate(params, 1) : cJSON_CreateArray();
    char *body = NULL;
    if (req && p) {
        cJSON_AddStringToObject(req, "jsonrpc", "1.0");
        cJSON_AddNumberToObject(req, "id", (double)id);
        cJSON_AddStringToObject(req, "method", method);
        cJSON_AddItemToObject(req, "params", p);
        p = NULL;
        body = cJSON_PrintUnformatted(req);
    }
    cJSON_Delete(p);
    cJSON_Delete(req);
    if (!body)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory building rpc request '%s'", method);

    ft_status st = FT_ERR_NET;
    char last[256] = "no attempt made";
    int attempts = 0;
    for (int attempt = 0; attempt <= rpc->retries; attempt++) {
        if (attempt > 0) {
            long wait = BACKOFF_FIRST_MS << (attempt - 1 < 5 ? attempt - 1 : 5);
            sleep_ms(wait < BACKOFF_MAX_MS ? wait : BACKOFF_MAX_MS);
        }
        attempts++;
        CURLcode rc;
        long http;
        if (!perform(rpc, body, &rc, &http)) {
            if (rpc->reply.failed) {
                st = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading reply to '%s'", method);
                goto done;
            }
            if (rpc->reply_too_big) {
                st =
                    ft_err_set(err, FT_ERR_LIMIT, "reply to '%s' from '%s' is larger than %u bytes",
                               method, rpc->shown_url, FT_BTC_RPC_MAX_REPLY);
                goto done;
            }
            if (rc == CURLE_OPERATION_TIMEDOUT)
                snprintf(last, sizeof last, "timed out after %ld ms", rpc->timeout_ms);
            else
                snprintf(last, sizeof last, "%s",
                         rpc->curl_err[0] ? rpc->curl_err : curl_easy_strerror(rc));
            if (!transient_curl_error(rc))
                break;
            ft_log(FT_LOG_DEBUG, "rpc '%s' at '%s': %s (attempt %d of %d)", method, rpc->shown_url,
                   last, attempts, rpc->retries + 1);
            continue;
        }
        if (rpc->reply.failed) {
            st = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading reply to '%s'", method);
            goto done;
        }
        if (http == 401 || http == 403) {
            st = ft_err_set(err, FT_ERR_NET,
                            "authentication failed (HTTP %ld) calling '%s' at '%s', check "
                            "--rpc-cookie/--rpc-user",
                            http, method, rpc->shown_url);
            goto done;
        }
        cJSON *reply = NULL;
        if (rpc->reply.len > 0)
            reply = cJSON_ParseWithLength((const char *)rpc->reply.data, rpc->reply.len);
        if (reply && cJSON_IsObject(reply)) {
            st = rpc_error(rpc, reply, method, err);
            if (st != FT_OK) {
                cJSON_Delete(reply);
                goto done;
            }
        }
        if (http == 200) {
            if (!reply || !cJSON_IsObject(reply)) {
                cJSON_Delete(reply);
                st = ft_err_set(err, FT_ERR_PARSE,
                                "malformed json reply to '%s' from '%s' (%zu bytes)", method,
                                rpc->shown_url, rpc->reply.len);
                goto done;
            }
            const cJSON *rid = cJSON_GetObjectItemCaseSensitive(reply, "id");
            if (!cJSON_IsNumber(rid) || rid->valuedouble != (double)id) {
                cJSON_Delete(reply);
                st = ft_err_set(err, FT_ERR_PARSE, "reply to '%s' from '%s' has the wrong id",
                                method, rpc->shown_url);
                goto done;
            }
            cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(reply, "result");
            cJSON_Delete(reply);
            if (!res) {
                st = ft_err_set(err, FT_ERR_PARSE, "reply to '%s' from '%s' has no result", method,
                                rpc->shown_url);
                goto done;
            }
            *result = res;
            st = FT_OK;
            goto done;
        }
        cJSON_Delete(reply);
        if (http >= 500 && http <= 599) {
            if (rpc->reply.len == 0) {
                snprintf(last, sizeof last, "HTTP %ld with an empty body", http);
            } else {
                char text[100];
                clean_text(text, sizeof text, (const char *)rpc->reply.data,
                           rpc->reply.len < 80 ? rpc->reply.len : 80);
                snprintf(last, sizeof last, "HTTP %ld: %s", http, text);
            }
            ft_log(FT_LOG_DEBUG, "rpc '%s' at '%s': %s (attempt %d of %d)", method, rpc->shown_url,
                   last, attempts, rpc->retries + 1);
            continue;
        }
        st = ft_err_set(err, FT_ERR_NET, "unexpected HTTP %ld calling '%s' at '%s'%s", http, method,
                        rpc->shown_url,
                        http == 404 ? " (wrong url path, or the node lacks the method)" : "");
        goto done;
    }
    st = ft_err_set(err, FT_ERR_NET, "cannot call '%s' at '%s': %s (%d attempt%s)", method,
                    rpc->shown_url, last, attempts, attempts == 1 ? "" : "s");
done:
    cJSON_free(body);
    return st;
}

ft_status ft_btc_rpc_network(ft_btc_rpc *rpc, char *out, size_t cap, ft_err *err)
{
    if (cap)
        out[0] = '\0';
    cJSON *res;
    ft_status st = ft_btc_rpc_call(rpc, &res, "getblockchaininfo", NULL, err);
    if (st != FT_OK)
        return st;
    const cJSON *chain = cJSON_GetObjectItemCaseSensitive(res, "chain");
    if (!cJSON_IsString(chain)) {
        cJSON_Delete(res);
        return ft_err_set(err, FT_ERR_PARSE, "reply to 'getblockchaininfo' from '%s' has no chain",
                          rpc->shown_url);
    }
    const char *name = chain->valuestring;
    const ft_btc_params *net = strcmp(name, "test") == 0 ? ft_btc_params_get(FT_BTC_TESTNET3)
                                                         : ft_btc_params_by_name(name);
    if (!net) {
        char shown[64];
        clean_text(shown, sizeof shown, name, strlen(name));
        cJSON_Delete(res);
        return ft_err_set(err, FT_ERR_STATE, "node at '%s' runs the unknown chain '%s'",
                          rpc->shown_url, shown);
    }
    cJSON_Delete(res);
    if (strlen(net->name) >= cap)
        return ft_err_set(err, FT_ERR_ARG, "network name buffer too small");
    snprintf(out, cap, "%s", net->name);
    return FT_OK;
}

ft_status ft_btc_rpc_block_count(ft_btc_rpc *rpc, uint32_t *height, ft_err *err)
{
    *height = 0;
    cJSON *res;
    ft_status st = ft_btc_rpc_call(rpc, &res, "getblockcount", NULL, err);
    if (st != FT_OK)
        return st;
    double v = cJSON_IsNumber(res) ? res->valuedouble : -1;
    cJSON_Delete(res);
    if (!(v >= 0 && v < 4294967295.0 && v == floor(v)))
        return ft_err_set(err, FT_ERR_PARSE, "reply to 'getblockcount' from '%s' is not a height",
                          rpc->shown_url);
    *height = (uint32_t)v;
    return FT_OK;
}

ft_status ft_btc_rpc_block_hash(ft_btc_rpc *rpc, uint8_t hash[32], uint32_t height, ft_err *err)
{
    memset(hash, 0, 32);
    cJSON *params = cJSON_CreateArray();
    if (!params || !cJSON_AddItemToArray(params, cJSON_CreateNumber((double)height))) {
        cJSON_Delete(params);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory building 'getblockhash'");
    }
    cJSON *res;
    ft_status st = ft_btc_rpc_call(rpc, &res, "getblockhash", params, err);
    cJSON_Delete(params);
    if (st != FT_OK) {
        if (err)
            ft_err_prefix(err, "block %u", height);
        return st;
    }
    int ok = cJSON_IsString(res) &&
             ft_hex_decode_rev(hash, 32, res->valuestring, strlen(res->valuestring));
    cJSON_Delete(res);
    if (!ok)
        return ft_err_set(err, FT_ERR_PARSE,
                          "reply to 'getblockhash %u' from '%s' is not a 32-byte hex hash", height,
                          rpc->shown_url);
    return FT_OK;
}

ft_status ft_btc_rpc_block(ft_btc_rpc *rpc, uint8_t **raw, size_t *len, const uint8_t hash[32],
                           ft_err *err)
{
    *raw = NULL;
    *len = 0;
    char hex[65];
    ft_hex_encode_rev(hex, hash, 32);
    cJSON *params = cJSON_CreateArray();
    if (!params || !cJSON_AddItemToArray(params, cJSON_CreateString(hex)) ||
        !cJSON_AddItemToArray(params, cJSON_CreateNumber(0))) {
        cJSON_Delete(params);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory building 'getblock'");
    }
    cJSON *res;
    ft_status st = ft_btc_rpc_call(rpc, &res, "getblock", params, err);
    cJSON_Delete(params);
    if (st != FT_OK) {
        if (err)
            ft_err_prefix(err, "block %s", hex);
        return st;
    }
    if (!cJSON_IsString(res)) {
        cJSON_Delete(res);
        return ft_err_set(err, FT_ERR_PARSE,
                          "reply to 'getblock %s 0' from '%s' is not a hex string", hex,
                          rpc->shown_url);
    }
    size_t hexlen = strlen(res->valuestring);
    if (hexlen / 2 > FT_BTC_MAX_BLOCK_SIZE) {
        cJSON_Delete(res);
        return ft_err_set(err, FT_ERR_LIMIT, "block %s from '%s' is larger than %u bytes", hex,
                          rpc->shown_url, FT_BTC_MAX_BLOCK_SIZE);
    }
    st = ft_hex_decode_alloc(raw, len, res->valuestring, hexlen);
    cJSON_Delete(res);
    if (st == FT_ERR_PARSE)
        return ft_err_set(err, FT_ERR_PARSE, "reply to 'getblock %s 0' from '%s' is not hex", hex,
                          rpc->shown_url);
    if (st != FT_OK)
        return ft_err_set(err, st, "out of memory decoding block %s", hex);
    return FT_OK;
}
