/*
 * jsonrpc.c — the Ethereum JSON-RPC client (see jsonrpc.h).
 *
 * A fixed pool of `window` slots, each with its own CURL easy handle (reused: keep-alive), a
 * copy of the body and a reply buffer (both kept across requests: no allocation per POST in
 * steady state) and its retry state. wait() drives curl_multi_perform /
 * curl_multi_poll until a slot reaches a final state: a parsed reply, or a failure after the
 * retries. An HTTP 200 reply is parsed only when it is handed out: by wait() at once, by
 * wait_raw() never (its text is swapped out to the caller, who parses it after sending its next
 * request). A slot that must be retried is taken out of the multi handle and re-added once its
 * back-off deadline has passed (the poll timeout is capped by the nearest deadline).
 * Invariant: a slot is FREE, RUNNING (in the multi handle), BACKOFF (waiting for its deadline)
 * or DONE (final, not yet handed out by wait()).
 *
 * Parse arenas (ft_eth_rpc_parse_in): cJSON allocates one node per JSON value and one string
 * per key/value; with the global hooks installed by the first arena, allocations made while a
 * thread's arena_cur is set are bumped out of that arena's chunks and frees are ignored (the
 * arena is reset as a whole); with arena_cur NULL (every other cJSON use in the process) the
 * hooks are plain malloc/free. A tree parsed into an arena must never reach cJSON_Delete.
 */
#include "chains/ethereum/jsonrpc.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/log.h"

#include "engine/banned.h"

enum { SLOT_FREE, SLOT_RUNNING, SLOT_BACKOFF, SLOT_DONE };

typedef struct slot {
    int state;
    CURL *easy;
    char *body;      /* kept across requests (body_cap bytes) */
    size_t body_len, body_cap;
    char *reply;
    size_t reply_len, reply_cap;
    int too_big;
    void *tag;
    int attempt;
    double deadline; /* BACKOFF: monotonic seconds when to re-add */
    ft_status final_status;
    ft_err final_err;
    cJSON *parsed;
    uint64_t seq;    /* submission order, for fairness */
} slot;

struct ft_eth_rpc {
    CURLM *multi;
    struct curl_slist *headers;
    char *url;
    char shown_url[512];
    long timeout_ms, backoff_ms;
    int retries, window;
    slot *slots;
    uint64_t requests, n_retries, seq;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void mask_url(char *out, size_t cap, const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *host = scheme ? scheme + 3 : url;
    const char *at = strchr(host, '@');
    const char *slash = strchr(host, '/');
    if (at && (!slash || at < slash))
        snprintf(out, cap, "%.*s***@%s", (int)(host - url), url, at + 1);
    else
        snprintf(out, cap, "%s", url);
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    slot *s = ud;
    size_t n = size * nmemb;
    if (s->reply_len + n + 1 > FT_ETH_RPC_MAX_REPLY) {
        s->too_big = 1;
        return 0;
    }
    if (s->reply_len + n + 1 > s->reply_cap) {
        size_t nc = s->reply_cap ? s->reply_cap : 65536;
        while (nc < s->reply_len + n + 1)
            nc *= 2;
        char *nb = realloc(s->reply, nc);
        if (!nb)
            return 0;
        s->reply = nb;
        s->reply_cap = nc;
    }
    memcpy(s->reply + s->reply_len, ptr, n);
    s->reply_len += n;
    s->reply[s->reply_len] = '\0';
    return n;
}

ft_status ft_eth_rpc_open(ft_eth_rpc **out, const ft_eth_rpc_opts *o, ft_err *err)
{
    *out = NULL;
    if (!o->url || !*o->url)
        return ft_err_set(err, FT_ERR_ARG, "no RPC URL given");
    static int global_done;
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
            return ft_err_set(err, FT_ERR_NET, "cannot initialise libcurl");
        global_done = 1;
    }
    ft_eth_rpc *r = calloc(1, sizeof *r);
    if (!r)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    r->retries = o->retries > 0 ? o->retries : (o->retries < 0 ? 0 : 4);
    r->backoff_ms = o->backoff_ms > 0 ? o->backoff_ms : 200;
    r->window = o->window > 0 ? o->window : 4;
    r->url = strdup(o->url);
    mask_url(r->shown_url, sizeof r->shown_url, o->url);
    r->multi = curl_multi_init();
    r->slots = calloc((size_t)r->window, sizeof *r->slots);
    r->headers = curl_slist_append(NULL, "Content-Type: application/json");
    for (size_t i = 0; r->headers && i < o->n_headers; i++) {
        if (!strchr(o->headers[i], ':')) {
            ft_eth_rpc_close(r);
            return ft_err_set(err, FT_ERR_ARG, "an --rpc-header needs the form 'Name: value'");
        }
        struct curl_slist *nh = curl_slist_append(r->headers, o->headers[i]);
        if (!nh) {
            ft_eth_rpc_close(r);
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        }
        r->headers = nh;
    }
    if (!r->url || !r->multi || !r->slots || !r->headers) {
        ft_eth_rpc_close(r);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    curl_multi_setopt(r->multi, CURLMOPT_MAXCONNECTS, (long)r->window + 2);
    for (int i = 0; i < r->window; i++) {
        CURL *e = curl_easy_init();
        if (!e) {
            ft_eth_rpc_close(r);
            return ft_err_set(err, FT_ERR_NOMEM, "cannot create a curl handle");
        }
        slot *s = &r->slots[i];
        s->easy = e;
        curl_easy_setopt(e, CURLOPT_URL, r->url);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->timeout_ms);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->timeout_ms < 10000 ? r->timeout_ms : 10000L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(e, CURLOPT_PRIVATE, s);
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    }
    *out = r;
    return FT_OK;
}

static void slot_reset(slot *s)
{
    s->body_len = 0;
    s->reply_len = 0;
    s->too_big = 0;
    s->attempt = 0;
    s->tag = NULL;
    if (s->parsed)
        cJSON_Delete(s->parsed);
    s->parsed = NULL;
    s->state = SLOT_FREE;
}

void ft_eth_rpc_cancel_all(ft_eth_rpc *r)
{
    for (int i = 0; i < r->window; i++) {
        slot *s = &r->slots[i];
        if (s->state == SLOT_RUNNING)
            curl_multi_remove_handle(r->multi, s->easy);
        slot_reset(s);
    }
}

void ft_eth_rpc_close(ft_eth_rpc *r)
{
    if (!r)
        return;
    if (r->slots) {
        ft_eth_rpc_cancel_all(r);
        for (int i = 0; i < r->window; i++) {
            if (r->slots[i].easy)
                curl_easy_cleanup(r->slots[i].easy);
            free(r->slots[i].reply);
            free(r->slots[i].body);
        }
    }
    free(r->slots);
    if (r->multi)
        curl_multi_cleanup(r->multi);
    curl_slist_free_all(r->headers);
    free(r->url);
    free(r);
}

const char *ft_eth_rpc_url(const ft_eth_rpc *r)
{
    return r->shown_url;
}

int ft_eth_rpc_window(const ft_eth_rpc *r)
{
    return r->window;
}

int ft_eth_rpc_pending(const ft_eth_rpc *r)
{
    int n = 0;
    for (int i = 0; i < r->window; i++)
        n += r->slots[i].state != SLOT_FREE;
    return n;
}

uint64_t ft_eth_rpc_requests(const ft_eth_rpc *r)
{
    return r->requests;
}

uint64_t ft_eth_rpc_retries(const ft_eth_rpc *r)
{
    return r->n_retries;
}

static ft_status start(ft_eth_rpc *r, slot *s, ft_err *err)
{
    s->reply_len = 0;
    s->too_big = 0;
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)s->body_len);
    if (curl_multi_add_handle(r->multi, s->easy) != CURLM_OK)
        return ft_err_set(err, FT_ERR_NET, "cannot start a request to '%s'", r->shown_url);
    s->state = SLOT_RUNNING;
    r->requests++;
    return FT_OK;
}

ft_status ft_eth_rpc_submit(ft_eth_rpc *r, const char *body, size_t len, void *tag, ft_err *err)
{
    slot *s = NULL;
    for (int i = 0; i < r->window && !s; i++)
        if (r->slots[i].state == SLOT_FREE)
            s = &r->slots[i];
    if (!s)
        return ft_err_set(err, FT_ERR_LIMIT, "request window of %d is full", r->window);
    if (len + 1 > s->body_cap) {
        size_t nc = len + 1 < 4096 ? 4096 : len + 1;
        char *nb = realloc(s->body, nc);
        if (!nb)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        s->body = nb;
        s->body_cap = nc;
    }
    memcpy(s->body, body, len);
    s->body[len] = '\0';
    s->body_len = len;
    s->tag = tag;
    s->attempt = 0;
    s->seq = r->seq++;
    ft_status st = start(r, s, err);
    if (st == FT_OK && ft_eth_rpc_pending(r) == 1) {
        /* the only request in flight: send it now (on a kept-alive connection the request goes
         * out at once), so that its round trip overlaps whatever the caller does before
         * wait(); completions found here stay queued for wait(). With others in flight the
         * node has work and the next wait() sends it: a perform here would cost a poll() per
         * handle in flight (curl checks each one), i.e. CPU growing with the window. */
        int running = 0;
        CURLMcode mc = curl_multi_perform(r->multi, &running);
        if (mc != CURLM_OK)
            return ft_err_set(err, FT_ERR_NET, "curl: %s", curl_multi_strerror(mc));
    }
    return st;
}

/* Final failure or retry after a failed attempt. */
static void attempt_failed(ft_eth_rpc *r, slot *s, ft_status st, const char *why)
{
    if (s->attempt < r->retries) {
        long d = r->backoff_ms << (s->attempt < 6 ? s->attempt : 6);
        if (d > 10000)
            d = 10000;
        s->attempt++;
        s->state = SLOT_BACKOFF;
        s->deadline = now_s() + (double)d / 1000.0;
        r->n_retries++;
        ft_log(FT_LOG_DEBUG, "%s from '%s'; retry %d of %d in %ld ms", why, r->shown_url,
               s->attempt, r->retries, d);
        return;
    }
    s->state = SLOT_DONE;
    s->final_status = st;
    ft_err_set(&s->final_err, st, "%s from '%s'%s", why, r->shown_url,
               r->retries ? " (retries exhausted)" : "");
}

static void finished(ft_eth_rpc *r, slot *s, CURLcode rc)
{
    curl_multi_remove_handle(r->multi, s->easy);
    long http = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &http);
    char why[256];
    if (rc != CURLE_OK) {
        if (s->too_big) {
            s->state = SLOT_DONE;
            s->final_status = FT_ERR_LIMIT;
            ft_err_set(&s->final_err, FT_ERR_LIMIT, "reply larger than %zu bytes from '%s'",
                       FT_ETH_RPC_MAX_REPLY, r->shown_url);
            return;
        }
        snprintf(why, sizeof why, "%s", rc == CURLE_OPERATION_TIMEDOUT
                                            ? "request timed out"
                                            : curl_easy_strerror(rc));
        if (rc == CURLE_COULDNT_CONNECT)
            snprintf(why, sizeof why, "node unreachable (connection refused)");
        attempt_failed(r, s, FT_ERR_NET, why);
        return;
    }
    if (http == 429 || http >= 500) {
        snprintf(why, sizeof why, "HTTP %ld", http);
        /* a JSON-RPC error sent with HTTP 500 is an answer, not a transport failure */
        cJSON *j = http >= 500 && s->reply_len ? cJSON_ParseWithLength(s->reply, s->reply_len) : NULL;
        if (j && (cJSON_IsArray(j) || cJSON_GetObjectItemCaseSensitive(j, "error"))) {
            s->parsed = j;
            s->state = SLOT_DONE;
            s->final_status = FT_OK;
            return;
        }
        cJSON_Delete(j);
        attempt_failed(r, s, FT_ERR_NET, why);
        return;
    }
    if (http != 200) {
        s->state = SLOT_DONE;
        s->final_status = FT_ERR_NET;
        ft_err_set(&s->final_err, FT_ERR_NET, "HTTP %ld from '%s'%s", http, r->shown_url,
                   http == 401 || http == 403 ? " (check --rpc-header)" : "");
        return;
    }
    s->parsed = NULL; /* parsed when handed out */
    s->state = SLOT_DONE;
    s->final_status = FT_OK;
}

static ft_status parse_text(const ft_eth_rpc *r, const char *text, size_t len, cJSON **out,
                            ft_err *err)
{
    cJSON *j = len ? cJSON_ParseWithLength(text, len) : NULL;
    if (!j || !(cJSON_IsArray(j) || cJSON_IsObject(j))) {
        cJSON_Delete(j);
        *out = NULL;
        return ft_err_set(err, FT_ERR_PARSE, "malformed JSON reply (%zu bytes) from '%s'", len,
                          r->shown_url);
    }
    *out = j;
    return FT_OK;
}

ft_status ft_eth_rpc_parse(const ft_eth_rpc *r, const ft_eth_rpc_text *t, cJSON **reply,
                           ft_err *err)
{
    return parse_text(r, t->data, t->data ? t->len : 0, reply, err);
}

/* ---- parse arenas ----------------------------------------------------------------------- */

/* Chunks of ARENA_CHUNK bytes are kept across resets (the spare list); an allocation larger
 * than a quarter chunk gets a chunk of its own, freed at the next reset. Every allocation is
 * rounded up to 16 bytes so that cJSON's nodes stay aligned. */
#define ARENA_CHUNK ((size_t)256 * 1024)
#define ARENA_ALIGN ((size_t)16)

typedef struct achunk {
    struct achunk *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
} achunk;

struct ft_eth_rpc_arena {
    achunk *head;  /* in use; head is the one being filled */
    achunk *spare; /* standard-size chunks kept for reuse */
    size_t bytes;
};

static _Thread_local ft_eth_rpc_arena *arena_cur; /* set only inside ft_eth_rpc_parse_in */
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void *arena_alloc(ft_eth_rpc_arena *a, size_t n)
{
    n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    achunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        if (n <= ARENA_CHUNK / 4 && a->spare) {
            c = a->spare;
            a->spare = c->next;
        } else {
            size_t cap = n <= ARENA_CHUNK / 4 ? ARENA_CHUNK : n;
            c = malloc(sizeof *c + cap);
            if (!c)
                return NULL;
            c->cap = cap;
            a->bytes += cap;
        }
        c->used = 0;
        /* a private big chunk goes behind the head, so the head keeps filling */
        if (a->head && c->cap != ARENA_CHUNK) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static void *hook_malloc(size_t n)
{
    return arena_cur ? arena_alloc(arena_cur, n) : malloc(n);
}

static void hook_free(void *p)
{
    if (!arena_cur)
        free(p); /* inside the arena (a failed parse drops its nodes): reset frees them */
}

static void hooks_install(void)
{
    cJSON_Hooks h = {hook_malloc, hook_free};
    cJSON_InitHooks(&h);
}

ft_eth_rpc_arena *ft_eth_rpc_arena_new(void)
{
    pthread_once(&hooks_once, hooks_install);
    return calloc(1, sizeof(ft_eth_rpc_arena));
}

void ft_eth_rpc_arena_reset(ft_eth_rpc_arena *a)
{
    if (!a)
        return;
    achunk *c = a->head;
    while (c) {
        achunk *next = c->next;
        if (c->cap == ARENA_CHUNK) {
            c->next = a->spare;
            a->spare = c;
        } else {
            a->bytes -= c->cap;
            free(c);
        }
        c = next;
    }
    a->head = NULL;
}

void ft_eth_rpc_arena_free(ft_eth_rpc_arena *a)
{
    if (!a)
        return;
    ft_eth_rpc_arena_reset(a);
    while (a->spare) {
        achunk *next = a->spare->next;
        free(a->spare);
        a->spare = next;
    }
    free(a);
}

size_t ft_eth_rpc_arena_bytes(const ft_eth_rpc_arena *a)
{
    return a ? a->bytes : 0;
}

ft_status ft_eth_rpc_parse_in(const ft_eth_rpc *r, const ft_eth_rpc_text *t, ft_eth_rpc_arena *a,
                              cJSON **reply, ft_err *err)
{
    ft_eth_rpc_arena *saved = arena_cur;
    arena_cur = a;
    ft_status st = parse_text(r, t->data, t->data ? t->len : 0, reply, err);
    arena_cur = saved;
    return st;
}

void ft_eth_rpc_text_free(ft_eth_rpc_text *t)
{
    free(t->data);
    t->data = NULL;
    t->len = t->cap = 0;
}

/* Drives the transfers until a slot is DONE; *out is the oldest finished one. */
static ft_status next_done(ft_eth_rpc *r, slot **out, ft_err *err)
{
    *out = NULL;
    for (;;) {
        slot *best = NULL;
        for (int i = 0; i < r->window; i++)
            if (r->slots[i].state == SLOT_DONE && (!best || r->slots[i].seq < best->seq))
                best = &r->slots[i];
        if (best) {
            *out = best;
            return FT_OK;
        }
        double t = now_s(), next = 0;
        int active = 0;
        for (int i = 0; i < r->window; i++) {
            slot *s = &r->slots[i];
            if (s->state == SLOT_BACKOFF) {
                if (s->deadline <= t) {
                    ft_status st = start(r, s, err);
                    if (st != FT_OK)
                        return st;
                } else if (!next || s->deadline < next) {
                    next = s->deadline;
                }
            }
            active += s->state == SLOT_RUNNING || s->state == SLOT_BACKOFF;
        }
        if (!active)
            return ft_err_set(err, FT_ERR_ARG, "nothing in flight to wait for");
        int running = 0;
        CURLMcode mc = curl_multi_perform(r->multi, &running);
        if (mc != CURLM_OK)
            return ft_err_set(err, FT_ERR_NET, "curl: %s", curl_multi_strerror(mc));
        CURLMsg *m;
        int left;
        int got = 0;
        while ((m = curl_multi_info_read(r->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            slot *s = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            if (s) {
                finished(r, s, m->data.result);
                got = 1;
            }
        }
        if (got)
            continue;
        int ms = 1000;
        if (next) {
            double d = (next - now_s()) * 1000.0;
            ms = d < 0 ? 0 : (d < 1000 ? (int)d + 1 : 1000);
        }
        if (running)
            curl_multi_poll(r->multi, NULL, 0, ms, NULL);
        else if (ms > 0) {
            struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}

ft_status ft_eth_rpc_wait(ft_eth_rpc *r, void **tag, cJSON **reply, ft_err *err)
{
    *reply = NULL;
    *tag = NULL;
    slot *best;
    ft_status st = next_done(r, &best, err);
    if (st != FT_OK)
        return st;
    *tag = best->tag;
    st = best->final_status;
    if (st == FT_OK) {
        if (best->parsed) {
            *reply = best->parsed;
            best->parsed = NULL;
        } else {
            st = parse_text(r, best->reply, best->reply_len, reply, err);
        }
    } else if (err) {
        *err = best->final_err;
    }
    slot_reset(best);
    return st;
}

ft_status ft_eth_rpc_wait_raw(ft_eth_rpc *r, void **tag, ft_eth_rpc_text *text, ft_err *err)
{
    *tag = NULL;
    text->len = 0;
    slot *best;
    ft_status st = next_done(r, &best, err);
    if (st != FT_OK)
        return st;
    *tag = best->tag;
    st = best->final_status;
    if (st == FT_OK) {
        /* hand the reply's buffer out, take the caller's in exchange */
        char *d = text->data;
        size_t cap = text->cap;
        text->data = best->reply;
        text->cap = best->reply_cap;
        text->len = best->reply_len;
        best->reply = d;
        best->reply_cap = cap;
        best->reply_len = 0;
    } else if (err) {
        *err = best->final_err;
    }
    slot_reset(best);
    return st;
}

ft_status ft_eth_rpc_result(const cJSON *reply, long id, const char *method, const cJSON **result,
                            long *rpc_code, ft_err *err)
{
    *result = NULL;
    if (rpc_code)
        *rpc_code = 0;
    const cJSON *entry = NULL;
    if (cJSON_IsArray(reply)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, reply)
        {
            const cJSON *eid = cJSON_GetObjectItemCaseSensitive(e, "id");
            /* compared as doubles: casting an id such as 1e300 to long is undefined */
            if (cJSON_IsNumber(eid) && eid->valuedouble == (double)id) {
                entry = e;
                break;
            }
        }
    } else if (cJSON_IsObject(reply)) {
        entry = reply;
    }
    if (!entry || !cJSON_IsObject(entry))
        return ft_err_set(err, FT_ERR_PARSE, "%s: the reply holds no answer with id %ld", method,
                          id);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(entry, "error");
    if (entry == reply) {
        /* a single answer must be the one asked for (a proxy or a confused node may answer
         * another request); an error with id null is the node's "could not read your id"
         * and is reported as that error */
        const cJSON *eid = cJSON_GetObjectItemCaseSensitive(entry, "id");
        int null_err = e && !cJSON_IsNull(e) && (!eid || cJSON_IsNull(eid));
        if (!null_err && !(cJSON_IsNumber(eid) && eid->valuedouble == (double)id)) {
            char got[48];
            if (cJSON_IsNumber(eid))
                snprintf(got, sizeof got, "%.17g", eid->valuedouble);
            else if (cJSON_IsString(eid))
                snprintf(got, sizeof got, "\"%.32s\"", eid->valuestring);
            else
                snprintf(got, sizeof got, "%s", eid ? "a non-number" : "none");
            return ft_err_set(err, FT_ERR_PARSE, "%s: the reply answers id %s, not id %ld",
                              method, got, id);
        }
    }
    if (e && !cJSON_IsNull(e)) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
        /* JSON-RPC codes are small integers; anything else (1e300, NaN) is reported as -1 */
        long c = cJSON_IsNumber(code) && fabs(code->valuedouble) < 1e9 ? (long)code->valuedouble
                                                                        : (code ? -1 : 0);
        if (rpc_code)
            *rpc_code = c ? c : -1;
        return ft_err_set(err, FT_ERR_STATE, "%s: node error %ld: %.200s", method, c,
                          cJSON_IsString(msg) ? msg->valuestring : "(no message)");
    }
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(entry, "result");
    if (!res)
        return ft_err_set(err, FT_ERR_PARSE, "%s: the reply has neither result nor error", method);
    *result = res;
    return FT_OK;
}

ft_status ft_eth_rpc_call(ft_eth_rpc *r, const char *method, const char *params_json,
                          cJSON **result, long *rpc_code, ft_err *err)
{
    *result = NULL;
    size_t cap = strlen(method) + (params_json ? strlen(params_json) : 2) + 64;
    char *body = malloc(cap);
    if (!body)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    int n = snprintf(body, cap, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}",
                     method, params_json ? params_json : "[]");
    ft_status s = ft_eth_rpc_submit(r, body, (size_t)n, NULL, err);
    free(body);
    if (s != FT_OK)
        return s;
    void *tag;
    cJSON *reply = NULL;
    s = ft_eth_rpc_wait(r, &tag, &reply, err);
    if (s != FT_OK)
        return ft_err_prefix(err, "%s", method);
    const cJSON *res;
    s = ft_eth_rpc_result(reply, 1, method, &res, rpc_code, err);
    if (s == FT_OK) {
        *result = cJSON_Duplicate(res, 1);
        if (!*result)
            s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    cJSON_Delete(reply);
    return s;
}
