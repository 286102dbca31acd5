/*
 * fuzz_btc_rpc.c — libFuzzer target for the bitcoind JSON-RPC client's reply handling
 * (chains/bitcoin/rpc_client.c): HTTP status, JSON-RPC envelope (id, result, error object),
 * and the typed readers on top (getblockchaininfo's chain, getblockcount's height,
 * getblockhash's hash, getblock's hex block).
 *
 * The client only talks HTTP, so this file runs a tiny HTTP/1.1 server on 127.0.0.1 in a
 * thread (keep-alive, one request at a time) that answers every request with the current
 * input. Input layout: byte 0 picks the call (network, block count, block hash, block), byte
 * 1 the HTTP status (200, 404, 401, 400, or 500 when the body is an object with a non-null
 * "error", as bitcoind sends JSON-RPC errors; any other 5xx would be retried after a back-off
 * of 200 ms and more, too slow for fuzzing, so it becomes 200), the rest is the reply body, in
 * which every "$ID" is replaced by the id of the request being answered (so that mutated replies
 * get past the id check).
 * Properties (abort on violation): no read outside any buffer and no leak (ASan); a failure
 * carries a message that never contains the password (unless the reply itself did); a network
 * is one params.h knows; a block is at most FT_BTC_MAX_BLOCK_SIZE bytes.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chains/bitcoin/block.h"
#include "chains/bitcoin/params.h"
#include "chains/bitcoin/rpc_client.h"

#include "engine/banned.h"

#define PASSWORD "fuzz-secret-pw"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const uint8_t *reply_body;
static size_t reply_len;
static int reply_status;
static int port;

static int read_request(int fd, char *buf, size_t cap, size_t *body_at, size_t *total)
{
    size_t n = 0;
    for (;;) {
        if (n == cap)
            return 0;
        ssize_t got = read(fd, buf + n, cap - n);
        if (got <= 0)
            return 0;
        n += (size_t)got;
        buf[n < cap ? n : cap - 1] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        size_t hdr = (size_t)(end - buf) + 4, clen = 0;
        const char *cl = strstr(buf, "Content-Length:");
        if (!cl)
            cl = strstr(buf, "content-length:");
        if (cl && (size_t)(cl - buf) < hdr)
            clen = strtoul(cl + 15, NULL, 10);
        while (n < hdr + clen && n < cap) {
            got = read(fd, buf + n, cap - n);
            if (got <= 0)
                return 0;
            n += (size_t)got;
        }
        buf[n < cap ? n : cap - 1] = '\0';
        *body_at = hdr;
        *total = n;
        return 1;
    }
}

static void answer(int fd, const char *req_body)
{
    char id[32] = "0";
    const char *p = strstr(req_body, "\"id\":");
    if (p) {
        p += 5;
        size_t k = 0;
        while (*p && k + 1 < sizeof id && ((*p >= '0' && *p <= '9') || *p == '"' || *p == ' '))
            id[k++] = *p++;
        id[k] = '\0';
    }
    pthread_mutex_lock(&lock);
    /* the body with "$ID" replaced */
    size_t cap = reply_len * (sizeof id) + 1, o = 0;
    char *body = malloc(cap);
    if (!body)
        abort();
    for (size_t i = 0; i < reply_len; i++) {
        if (i + 3 <= reply_len && memcmp(reply_body + i, "$ID", 3) == 0) {
            size_t l = strlen(id);
            memcpy(body + o, id, l);
            o += l;
            i += 2;
        } else {
            body[o++] = (char)reply_body[i];
        }
    }
    int status = reply_status;
    pthread_mutex_unlock(&lock);
    if (status == 500) {
        /* only bitcoind's way of sending a JSON-RPC error: an object whose "error" is not null
         * (the client answers it at once; any other 5xx is retried after a 200 ms back-off) */
        cJSON *j = cJSON_ParseWithLength(body, o);
        const cJSON *e = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "error") : NULL;
        if (!e || cJSON_IsNull(e))
            status = 200;
        cJSON_Delete(j);
    }
    /* header and body in one write: two small writes meet Nagle and the delayed ACK (40 ms) */
    char *msg = malloc(o + 256);
    if (!msg)
        abort();
    int hl = snprintf(msg, 256,
                      "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                      "\r\n",
                      status, o);
    memcpy(msg + hl, body, o);
    if (write(fd, msg, (size_t)hl + o) != (ssize_t)((size_t)hl + o)) {
        /* the client hung up: nothing to do */
    }
    free(msg);
    free(body);
}

static void *serve(void *arg)
{
    int ls = *(int *)arg;
    static char buf[1 << 16];
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        size_t body_at, total;
        while (read_request(fd, buf, sizeof buf - 1, &body_at, &total))
            answer(fd, buf + body_at);
        close(fd);
    }
    return NULL;
}

static ft_btc_rpc *client(void)
{
    static ft_btc_rpc *rpc;
    static int ls = -1;
    if (rpc)
        return rpc;
    ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 4) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0)
        abort();
    port = ntohs(a.sin_port);
    pthread_t th;
    if (pthread_create(&th, NULL, serve, &ls) != 0)
        abort();
    pthread_detach(th);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    ft_btc_rpc_opts o;
    memset(&o, 0, sizeof o);
    o.url = url;
    o.user = "fuzz";
    o.password = PASSWORD;
    o.timeout_ms = 5000;
    o.retries = 1;
    ft_err err;
    if (ft_btc_rpc_open(&rpc, &o, &err) != FT_OK)
        abort();
    return rpc;
}

static int has_text(const uint8_t *p, size_t n, const char *text)
{
    size_t tl = strlen(text);
    for (size_t i = 0; i + tl <= n; i++)
        if (memcmp(p + i, text, tl) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const int statuses[5] = {200, 404, 401, 400, 500};
    ft_btc_rpc *rpc = client();
    pthread_mutex_lock(&lock);
    reply_body = data + 2;
    reply_len = size - 2;
    reply_status = statuses[data[1] % 5];
    pthread_mutex_unlock(&lock);

    ft_err err;
    ft_err_clear(&err);
    ft_status st;
    switch (data[0] % 4) {
    case 0: {
        char net[32];
        st = ft_btc_rpc_network(rpc, net, sizeof net, &err);
        if (st == FT_OK && !ft_btc_params_by_name(net))
            abort();
        break;
    }
    case 1: {
        uint32_t h = 7;
        st = ft_btc_rpc_block_count(rpc, &h, &err);
        if (st != FT_OK && h != 0)
            abort();
        break;
    }
    case 2: {
        uint8_t hash[32];
        st = ft_btc_rpc_block_hash(rpc, hash, 170, &err);
        break;
    }
    default: {
        uint8_t *raw = NULL, want[32] = {1};
        size_t len = 0;
        st = ft_btc_rpc_block(rpc, &raw, &len, want, &err);
        if (st == FT_OK ? (len > FT_BTC_MAX_BLOCK_SIZE || (len && !raw)) : raw != NULL)
            abort();
        free(raw);
        break;
    }
    }
    if (st != FT_OK && err.msg[0] == '\0')
        abort();
    /* the password never leaks into a message (unless the node itself sent it back) */
    if (st != FT_OK && strstr(err.msg, PASSWORD) && !has_text(data, size, PASSWORD))
        abort();
    return 0;
}
