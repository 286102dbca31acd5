/*
 * tokens.c — ERC-20 symbol and decimals: the tokens dataset and eth_call (see tokens.h).
 *
 * The dataset is a plain CSV without quoting (symbols are kept only when they are printable
 * ASCII without comma or quote, so no row needs it); every byte is read through ft_reader.
 * ABI decoding checks every offset and length against the bytes returned before use: a
 * contract is untrusted input (address-poisoning tokens return anything). Invariant: a
 * token record never holds a symbol ft_account_token_symbol_ok refuses, nor decimals > 77.
 */
#include "chains/ethereum/tokens.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/address.h"
#include "chains/ethereum/block.h"
#include "engine/buf.h"
#include "engine/hex.h"
#include "engine/log.h"
#include "engine/reader.h"

#include "engine/banned.h"

#define N_COLS 5
#define CELL_MAX 256
#define BATCH_TOKENS 100

void ft_eth_tokens_release(ft_eth_token_table *t)
{
    free(t->v);
    memset(t, 0, sizeof *t);
}

static int cmp_token(const void *a, const void *b)
{
    return memcmp(((const ft_account_token *)a)->contract, ((const ft_account_token *)b)->contract,
                  20);
}

const ft_account_token *ft_eth_tokens_find(const ft_eth_token_table *t, const uint8_t contract[20])
{
    if (!t || t->n == 0)
        return NULL;
    ft_account_token key;
    memcpy(key.contract, contract, 20);
    return bsearch(&key, t->v, t->n, sizeof *t->v, cmp_token);
}

/* Reads one line's cells (split at ','; no quoting) into cells. Returns the number of cells,
 * 0 at the end of the text, -1 on a cell that is too long, a quote or a control byte. */
static int next_line(ft_reader *r, char cells[N_COLS + 1][CELL_MAX], uint32_t *line)
{
    if (r->left == 0)
        return 0;
    int n = 0;
    size_t len = 0;
    int bad = 0;
    for (;;) {
        uint8_t c;
        if (!ft_reader_u8(r, &c) || c == '\n') {
            (*line)++;
            break;
        }
        if (c == '\r')
            continue;
        if (c == ',') {
            if (n < N_COLS)
                cells[n][len] = '\0';
            n++;
            len = 0;
            continue;
        }
        if (c == '"' || c < 0x20 || len + 1 >= CELL_MAX)
            bad = 1;
        else if (n <= N_COLS)
            cells[n][len++] = (char)c;
    }
    if (n <= N_COLS)
        cells[n][len] = '\0';
    n++;
    return bad ? -1 : n;
}

ft_status ft_eth_tokens_parse(ft_eth_token_table *t, const char *text, size_t len,
                              const char *fname, const ft_eth_params *p, ft_err *err)
{
    ft_reader r;
    ft_reader_init(&r, text, len);
    char (*cells)[CELL_MAX] = malloc((N_COLS + 1) * sizeof *cells);
    if (!cells)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", fname);
    uint32_t line = 0;
    ft_status st = FT_OK;
    int n = next_line(&r, cells, &line);
    static const char *const hdr[N_COLS] = {"chain", "contract", "symbol", "decimals", "source"};
    int hdr_ok = n == N_COLS;
    for (int i = 0; hdr_ok && i < N_COLS; i++)
        hdr_ok = strcmp(cells[i], hdr[i]) == 0;
    if (!hdr_ok) {
        st = ft_err_set(err, FT_ERR_PARSE,
                        "'%s' line 1: header must be chain,contract,symbol,decimals,source", fname);
        goto done;
    }
    while ((n = next_line(&r, cells, &line)) != 0) {
        if (n == 1 && cells[0][0] == '\0')
            continue; /* empty line */
        const char *bad = NULL;
        const ft_eth_params *rc = NULL;
        ft_account_token tok;
        memset(&tok, 0, sizeof tok);
        ft_err sub;
        ft_err_clear(&sub);
        unsigned long dec = 0;
        char *end = NULL;
        if (n != N_COLS)
            bad = "expected 5 cells without quotes or control characters";
        else if (!(rc = ft_eth_params_by_name(cells[0])))
            bad = "unknown chain";
        else if (rc != p)
            continue;
        else if (ft_eth_address_parse(tok.contract, cells[1], strlen(cells[1]), &sub) != FT_OK)
            bad = "bad contract address";
        else if (!ft_account_token_symbol_ok(cells[2], strlen(cells[2])))
            bad = "symbol is not 1..32 printable characters";
        else if (!(cells[3][0] >= '0' && cells[3][0] <= '9') ||
                 (errno = 0, dec = strtoul(cells[3], &end, 10), *end || errno || dec > 77))
            bad = "decimals is not a number from 0 to 77";
        else if (!cells[4][0])
            bad = "source is empty";
        if (bad) {
            st = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: %s", fname, line, bad);
            goto done;
        }
        tok.source = FT_TOKEN_SRC_DATASET;
        tok.has_symbol = tok.has_decimals = 1;
        snprintf(tok.symbol, sizeof tok.symbol, "%s", cells[2]);
        tok.decimals = (uint8_t)dec;
        if (t->n == t->cap) {
            size_t nc = t->cap ? t->cap * 2 : 32;
            ft_account_token *nv = realloc(t->v, nc * sizeof *nv);
            if (!nv) {
                st = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", fname);
                goto done;
            }
            t->v = nv;
            t->cap = nc;
        }
        t->v[t->n++] = tok;
    }
    if (t->n > 1) {
        qsort(t->v, t->n, sizeof *t->v, cmp_token);
        for (size_t i = 1; i < t->n; i++)
            if (memcmp(t->v[i].contract, t->v[i - 1].contract, 20) == 0) {
                char a[FT_ETH_ADDR_STR_MAX];
                ft_eth_address_format(a, t->v[i].contract);
                st = ft_err_set(err, FT_ERR_PARSE, "'%s': contract %s of %s listed twice", fname,
                                a, p->name);
                goto done;
            }
    }
done:
    free(cells);
    return st;
}

ft_status ft_eth_tokens_load(ft_eth_token_table *t, const char *path, const ft_eth_params *p,
                             ft_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ft_err_set(err, FT_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    ft_buf b;
    ft_buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < ((size_t)16 << 20))
        ft_buf_append(&b, chunk, n);
    int rd_err = ferror(f);
    fclose(f);
    ft_status st;
    if (rd_err)
        st = ft_err_set(err, FT_ERR_IO, "cannot read '%s'", path);
    else if (b.failed)
        st = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", path);
    else
        st = ft_eth_tokens_parse(t, (const char *)b.data, b.len, path, p, err);
    ft_buf_release(&b);
    return st;
}

/* ---- ABI return data ------------------------------------------------------------------------ */

/* A 32-byte word that must fit in size_t-sized small numbers (high bytes zero). */
static int word_small(ft_reader *r, uint64_t *out)
{
    const uint8_t *w = ft_reader_ptr(r, 32);
    if (!w)
        return 0;
    for (int i = 0; i < 24; i++)
        if (w[i])
            return 0;
    *out = ft_get_u64be(w + 24);
    return 1;
}

int ft_eth_token_decode_symbol(const uint8_t *ret, size_t len, char out[FT_TOKEN_SYMBOL_MAX + 1])
{
    out[0] = '\0';
    ft_reader r;
    ft_reader_init(&r, ret, len);
    if (len == 32) { /* bytes32: text, then zero bytes */
        const uint8_t *w = ft_reader_ptr(&r, 32);
        size_t n = 32;
        while (n > 0 && w[n - 1] == 0)
            n--;
        if (!ft_account_token_symbol_ok((const char *)w, n))
            return 0;
        memcpy(out, w, n);
        out[n] = '\0';
        return 1;
    }
    uint64_t off, n;
    if (len < 64 || !word_small(&r, &off) || off > len - 32)
        return 0;
    ft_reader_init(&r, ret + off, len - off);
    if (!word_small(&r, &n) || n > r.left)
        return 0;
    const uint8_t *s = ft_reader_ptr(&r, (size_t)n);
    if (!s || !ft_account_token_symbol_ok((const char *)s, (size_t)n))
        return 0;
    memcpy(out, s, (size_t)n);
    out[n] = '\0';
    return 1;
}

int ft_eth_token_decode_decimals(const uint8_t *ret, size_t len, uint8_t *out)
{
    ft_reader r;
    ft_reader_init(&r, ret, len);
    uint64_t v;
    if (len != 32 || !word_small(&r, &v) || v > 77)
        return 0;
    *out = (uint8_t)v;
    return 1;
}

/* The bytes of an eth_call result ("0x…"), or NULL (not a hex string). */
static uint8_t *call_bytes(const cJSON *res, size_t *len)
{
    if (!cJSON_IsString(res) || strncmp(res->valuestring, "0x", 2) != 0)
        return NULL;
    const char *h = res->valuestring + 2;
    size_t hl = strlen(h);
    if (hl == 0 || hl % 2 || hl > 2 * 4096)
        return NULL;
    uint8_t *b = NULL;
    if (ft_hex_decode_alloc(&b, len, h, hl) != FT_OK)
        return NULL;
    return b;
}

ft_status ft_eth_tokens_from_reply(const cJSON *reply, ft_account_token *t, size_t n, ft_err *err)
{
    for (size_t i = 0; i < n; i++) {
        ft_account_token *k = &t[i];
        k->has_symbol = k->has_decimals = 0;
        k->symbol[0] = '\0';
        for (int which = 0; which < 2; which++) {
            const cJSON *res = NULL;
            ft_err sub;
            ft_err_clear(&sub);
            ft_status st = ft_eth_rpc_result(reply, (long)(2 * i + (size_t)which), "eth_call",
                                             &res, NULL, &sub);
            char a[FT_ETH_ADDR_STR_MAX];
            ft_eth_address_format(a, k->contract);
            if (st == FT_ERR_STATE) { /* reverted (or the node refused the call) */
                ft_log(FT_LOG_DEBUG, "token %s: %s() failed: %s", a,
                       which ? "decimals" : "symbol", sub.msg);
                continue;
            }
            if (st != FT_OK) {
                if (!err)
                    return st;
                *err = sub;
                ft_err_prefix(err, "token %s", a);
                return st;
            }
            size_t len = 0;
            uint8_t *b = call_bytes(res, &len);
            int ok = b && (which ? ft_eth_token_decode_decimals(b, len, &k->decimals)
                                 : ft_eth_token_decode_symbol(b, len, k->symbol));
            free(b);
            if (!ok) {
                ft_log(FT_LOG_DEBUG, "token %s: %s() returned nothing usable", a,
                       which ? "decimals" : "symbol");
                continue;
            }
            if (which)
                k->has_decimals = 1;
            else
                k->has_symbol = 1;
        }
        k->source = k->has_symbol || k->has_decimals ? FT_TOKEN_SRC_CALL : FT_TOKEN_SRC_UNKNOWN;
    }
    return FT_OK;
}

ft_status ft_eth_tokens_resolve(ft_eth_rpc *rpc, ft_account_token *t, size_t n, ft_err *err)
{
    ft_buf body;
    ft_buf_init(&body);
    ft_status st = FT_OK;
    for (size_t at = 0; st == FT_OK && at < n; at += BATCH_TOKENS) {
        size_t m = n - at < BATCH_TOKENS ? n - at : BATCH_TOKENS;
        ft_buf_reset(&body);
        ft_buf_str(&body, "[");
        for (size_t i = 0; i < m; i++) {
            char a[FT_ETH_ADDR_STR_MAX], req[256];
            ft_eth_address_lower(a, t[at + i].contract);
            for (int which = 0; which < 2; which++) {
                snprintf(req, sizeof req,
                         "%s{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"eth_call\",\"params\":"
                         "[{\"to\":\"%s\",\"data\":\"%s\"},\"latest\"]}",
                         i || which ? "," : "", 2 * i + (size_t)which, a,
                         which ? "0x313ce567" : "0x95d89b41");
                ft_buf_str(&body, req);
            }
        }
        ft_buf_str(&body, "]");
        if (body.failed) {
            st = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
            break;
        }
        st = ft_eth_rpc_submit(rpc, (const char *)body.data, body.len, NULL, err);
        if (st != FT_OK)
            break;
        void *tag;
        cJSON *reply = NULL;
        st = ft_eth_rpc_wait(rpc, &tag, &reply, err);
        if (st == FT_OK)
            st = ft_eth_tokens_from_reply(reply, t + at, m, err);
        cJSON_Delete(reply);
    }
    ft_buf_release(&body);
    return st;
}

/* ---- ingest -------------------------------------------------------------------------------- */

void ft_eth_token_ctx_init(ft_eth_token_ctx *c, const ft_eth_rpc_opts *rpc_opts)
{
    memset(c, 0, sizeof *c);
    c->rpc_opts = rpc_opts;
}

void ft_eth_token_ctx_release(ft_eth_token_ctx *c)
{
    ft_eth_tokens_release(&c->table);
    ft_eth_rpc_close(c->rpc);
    free(c->seen);
    memset(c, 0, sizeof *c);
}

static size_t seen_slot(const uint8_t *set, size_t cap, const uint8_t a[20])
{
    uint64_t h;
    memcpy(&h, a + 4, 8);
    h *= 0x9E3779B97F4A7C15ull;
    size_t mask = cap - 1;
    for (size_t i = (size_t)(h >> 20) & mask;; i = (i + 1) & mask) {
        const uint8_t *e = set + i * 21;
        if (!e[0] || memcmp(e + 1, a, 20) == 0)
            return i;
    }
}

/* 1: a was in the set; 0: added; -1: no memory. */
static int seen_add(ft_eth_token_ctx *c, const uint8_t a[20])
{
    if ((c->seen_n + 1) * 2 > c->seen_cap) {
        size_t nc = c->seen_cap ? c->seen_cap * 2 : 256;
        uint8_t *ns = calloc(nc, 21);
        if (!ns)
            return -1;
        for (size_t i = 0; i < c->seen_cap; i++)
            if (c->seen[i * 21])
                memcpy(ns + seen_slot(ns, nc, c->seen + i * 21 + 1) * 21, c->seen + i * 21, 21);
        free(c->seen);
        c->seen = ns;
        c->seen_cap = nc;
    }
    uint8_t *e = c->seen + seen_slot(c->seen, c->seen_cap, a) * 21;
    if (e[0])
        return 1;
    e[0] = 1;
    memcpy(e + 1, a, 20);
    c->seen_n++;
    return 0;
}

ft_status ft_eth_tokens_stage(ft_eth_token_ctx *c, ft_account *ac, ft_store *st, uint8_t chain,
                              const ft_account_block *b, ft_err *err)
{
    ft_account_token *pend = NULL;
    size_t n_pend = 0, cap = 0;
    ft_status s = FT_OK;
    for (uint32_t i = 0; s == FT_OK && i < b->n_xfer; i++) {
        const ft_account_xfer *x = &b->xfers[i];
        if (x->kind != FT_XFER_TOKEN || !x->has_asset)
            continue;
        int k = seen_add(c, x->asset);
        if (k < 0) {
            s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
            break;
        }
        if (k)
            continue;
        ft_account_token t;
        ft_err sub;
        ft_err_clear(&sub);
        s = ft_account_token_get(st, chain, x->asset, &t, &sub);
        if (s == FT_OK)
            continue; /* recorded by an earlier run */
        if (s != FT_ERR_NOTFOUND) {
            if (err)
                *err = sub;
            break;
        }
        s = FT_OK;
        const ft_account_token *d = ft_eth_tokens_find(&c->table, x->asset);
        if (d) {
            s = ft_account_token_put(ac, d, err);
            c->n_dataset++;
            continue;
        }
        if (n_pend == cap) {
            size_t nc = cap ? cap * 2 : 8;
            ft_account_token *np = realloc(pend, nc * sizeof *np);
            if (!np) {
                s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
                break;
            }
            pend = np;
            cap = nc;
        }
        memset(&pend[n_pend], 0, sizeof pend[n_pend]);
        memcpy(pend[n_pend].contract, x->asset, 20);
        n_pend++;
    }
    if (s == FT_OK && n_pend && c->rpc_opts) {
        if (!c->rpc) {
            ft_eth_rpc_opts o = *c->rpc_opts;
            o.window = 1;
            s = ft_eth_rpc_open(&c->rpc, &o, err);
        }
        if (s == FT_OK)
            s = ft_eth_tokens_resolve(c->rpc, pend, n_pend, err);
        if (s != FT_OK)
            ft_err_prefix(err, "token symbol/decimals of block %u", b->height);
    }
    for (size_t i = 0; s == FT_OK && i < n_pend; i++) {
        if (pend[i].source == FT_TOKEN_SRC_CALL)
            c->n_called++;
        else
            c->n_unknown++;
        s = ft_account_token_put(ac, &pend[i], err);
    }
    free(pend);
    return s;
}
