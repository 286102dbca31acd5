/*
 * etl.c — the ethereum-etl export reader (see etl.h).
 *
 * Both formats become the same thing, a table of rows of (column name → text), before any
 * meaning is read from them:
 *   CSV        RFC 4180: quoted fields may hold commas, doubled quotes and newlines
 *   JSON lines a flat object per line; numbers are kept as their text (wei values exceed what
 *              a double holds exactly, which is why cJSON is not used here), arrays of strings
 *              (log topics) are joined with commas as the CSV export does
 * Each row remembers its file and line for error messages. Blocks are then gathered into
 * ft_eth_block (block.h) and assembled by the same code as the RPC ingest.
 */
#include "chains/ethereum/etl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/block.h"
#include "chains/ethereum/tokens.h"
#include "engine/account.h"
#include "engine/buf.h"
#include "engine/hex.h"

#include "engine/banned.h"

typedef struct row {
    size_t line;
    size_t n;
    char **vals; /* n values, aligned with the table's columns */
} row;

typedef struct table {
    char path[1024];
    int present;
    size_t n_cols;
    char **cols;
    size_t n_rows, cap_rows;
    row *rows;
} table;

static void table_free(table *t)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        for (size_t k = 0; k < t->rows[i].n; k++)
            free(t->rows[i].vals[k]);
        free(t->rows[i].vals);
    }
    for (size_t k = 0; k < t->n_cols; k++)
        free(t->cols[k]);
    free(t->cols);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

static int col_index(table *t, const char *name, int add)
{
    for (size_t k = 0; k < t->n_cols; k++)
        if (strcmp(t->cols[k], name) == 0)
            return (int)k;
    if (!add)
        return -1;
    char **nc = realloc(t->cols, (t->n_cols + 1) * sizeof *nc);
    if (!nc)
        return -1;
    t->cols = nc;
    if (!(t->cols[t->n_cols] = strdup(name)))
        return -1;
    return (int)t->n_cols++;
}

static row *new_row(table *t, size_t line)
{
    if (t->n_rows == t->cap_rows) {
        size_t nc = t->cap_rows ? t->cap_rows * 2 : 64;
        row *nr = realloc(t->rows, nc * sizeof *nr);
        if (!nr)
            return NULL;
        t->rows = nr;
        t->cap_rows = nc;
    }
    row *r = &t->rows[t->n_rows++];
    r->line = line;
    r->n = 0;
    r->vals = NULL;
    return r;
}

static int row_set(row *r, size_t k, const char *v, size_t len)
{
    if (k >= r->n) {
        char **nv = realloc(r->vals, (k + 1) * sizeof *nv);
        if (!nv)
            return 0;
        for (size_t i = r->n; i <= k; i++)
            nv[i] = NULL;
        r->vals = nv;
        r->n = k + 1;
    }
    free(r->vals[k]);
    r->vals[k] = malloc(len + 1);
    if (!r->vals[k])
        return 0;
    memcpy(r->vals[k], v, len);
    r->vals[k][len] = '\0';
    return 1;
}

/* The value of column name in r ("" when absent). */
static const char *get(const table *t, const row *r, const char *name)
{
    for (size_t k = 0; k < t->n_cols; k++)
        if (strcmp(t->cols[k], name) == 0)
            return k < r->n && r->vals[k] ? r->vals[k] : "";
    return "";
}

static ft_status row_err(ft_err *err, const table *t, const row *r, const char *fmt, const char *a)
{
    char what[256];
    snprintf(what, sizeof what, fmt, a);
    return ft_err_set(err, FT_ERR_PARSE, "'%s' line %zu: %s", t->path, r->line, what);
}

/* ---- CSV ----------------------------------------------------------------------------------- */

static ft_status parse_csv(table *t, const char *d, size_t len, ft_err *err)
{
    size_t i = 0, line = 1;
    int header = 1;
    ft_buf cell;
    ft_buf_init(&cell);
    row hdr = {0, 0, NULL};
    ft_status s = FT_OK;
    while (i < len) {
        size_t row_line = line, k = 0;
        row *r = header ? &hdr : new_row(t, row_line);
        if (!r) {
            s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
            break;
        }
        for (;;) {
            ft_buf_reset(&cell);
            if (i < len && d[i] == '"') {
                i++;
                for (;;) {
                    if (i >= len) {
                        s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %zu: unterminated quoted field",
                                       t->path, row_line);
                        goto out;
                    }
                    if (d[i] == '"') {
                        if (i + 1 < len && d[i + 1] == '"') {
                            ft_buf_u8(&cell, '"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (d[i] == '\n')
                        line++;
                    ft_buf_u8(&cell, (uint8_t)d[i++]);
                }
                if (i < len && d[i] != ',' && d[i] != '\n' && d[i] != '\r') {
                    s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %zu: text after a closing quote",
                                   t->path, row_line);
                    goto out;
                }
            } else {
                while (i < len && d[i] != ',' && d[i] != '\n' && d[i] != '\r') {
                    if (d[i] == '"') {
                        s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %zu: stray quote in a field",
                                       t->path, row_line);
                        goto out;
                    }
                    ft_buf_u8(&cell, (uint8_t)d[i++]);
                }
            }
            if (header) {
                char name[128];
                snprintf(name, sizeof name, "%.*s", (int)cell.len,
                         cell.len ? (const char *)cell.data : "");
                if (col_index(t, name, 1) != (int)k) {
                    s = ft_err_set(err, FT_ERR_PARSE, "'%s' line 1: duplicate or bad column '%s'",
                                   t->path, name);
                    goto out;
                }
            } else {
                if (k >= t->n_cols) {
                    s = ft_err_set(err, FT_ERR_PARSE,
                                   "'%s' line %zu: more fields than the header's %zu", t->path,
                                   row_line, t->n_cols);
                    goto out;
                }
                if (!row_set(r, k, cell.len ? (const char *)cell.data : "", cell.len)) {
                    s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
                    goto out;
                }
            }
            k++;
            if (i < len && d[i] == ',') {
                i++;
                continue;
            }
            break;
        }
        if (i < len && d[i] == '\r')
            i++;
        if (i < len && d[i] == '\n')
            i++;
        line++;
        if (header) {
            header = 0;
        } else if (k != t->n_cols) {
            if (k == 1 && r->n == 1 && r->vals[0][0] == '\0') { /* empty line */
                free(r->vals[0]);
                free(r->vals);
                t->n_rows--;
                continue;
            }
            s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %zu: %zu fields, the header has %zu",
                           t->path, row_line, k, t->n_cols);
            goto out;
        }
    }
out:
    if (cell.failed && s == FT_OK)
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    ft_buf_release(&cell);
    return s;
}

/* ---- JSON lines ---------------------------------------------------------------------------- */

static void skip_ws(const char *d, size_t len, size_t *i)
{
    while (*i < len && (d[*i] == ' ' || d[*i] == '\t' || d[*i] == '\r'))
        (*i)++;
}

/* A JSON string at d[*i] (the opening quote) into out; simple escapes only. */
static int json_string(const char *d, size_t len, size_t *i, ft_buf *out)
{
    if (*i >= len || d[*i] != '"')
        return 0;
    (*i)++;
    while (*i < len && d[*i] != '"') {
        char c = d[(*i)++];
        if (c == '\n')
            return 0;
        if (c == '\\') {
            if (*i >= len)
                return 0;
            char e = d[(*i)++];
            switch (e) {
            case '"': case '\\': case '/': ft_buf_u8(out, (uint8_t)e); break;
            case 'n': ft_buf_u8(out, '\n'); break;
            case 't': ft_buf_u8(out, '\t'); break;
            case 'r': ft_buf_u8(out, '\r'); break;
            case 'b': ft_buf_u8(out, '\b'); break;
            case 'f': ft_buf_u8(out, '\f'); break;
            case 'u': /* kept as text: these exports hold no non-ASCII in the fields we read */
                if (*i + 4 > len)
                    return 0;
                ft_buf_append(out, d + *i - 2, 6);
                *i += 4;
                break;
            default: return 0;
            }
        } else {
            ft_buf_u8(out, (uint8_t)c);
        }
    }
    if (*i >= len)
        return 0;
    (*i)++;
    return 1;
}

static int json_value(const char *d, size_t len, size_t *i, ft_buf *out)
{
    skip_ws(d, len, i);
    if (*i >= len)
        return 0;
    char c = d[*i];
    if (c == '"')
        return json_string(d, len, i, out);
    if (c == '[') {
        (*i)++;
        skip_ws(d, len, i);
        int first = 1;
        if (*i < len && d[*i] == ']') {
            (*i)++;
            return 1;
        }
        for (;;) {
            if (!first)
                ft_buf_u8(out, ',');
            first = 0;
            skip_ws(d, len, i);
            if (!json_string(d, len, i, out))
                return 0;
            skip_ws(d, len, i);
            if (*i < len && d[*i] == ',') {
                (*i)++;
                continue;
            }
            if (*i < len && d[*i] == ']') {
                (*i)++;
                return 1;
            }
            return 0;
        }
    }
    if (strncmp(d + *i, "null", len - *i < 4 ? len - *i : 4) == 0 && len - *i >= 4) {
        *i += 4;
        return 1;
    }
    if (len - *i >= 4 && strncmp(d + *i, "true", 4) == 0) {
        ft_buf_str(out, "true");
        *i += 4;
        return 1;
    }
    if (len - *i >= 5 && strncmp(d + *i, "false", 5) == 0) {
        ft_buf_str(out, "false");
        *i += 5;
        return 1;
    }
    size_t st = *i;
    while (*i < len && strchr("0123456789-+.eE", d[*i]))
        (*i)++;
    if (*i == st)
        return 0;
    ft_buf_append(out, d + st, *i - st);
    return 1;
}

static ft_status parse_jsonl(table *t, const char *d, size_t len, ft_err *err)
{
    size_t i = 0, line = 0;
    ft_buf key, val;
    ft_buf_init(&key);
    ft_buf_init(&val);
    ft_status s = FT_OK;
    while (i < len) {
        line++;
        skip_ws(d, len, &i);
        if (i < len && d[i] == '\n') {
            i++;
            continue;
        }
        row *r = new_row(t, line);
        if (!r) {
            s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
            break;
        }
        int ok = i < len && d[i] == '{';
        i++;
        skip_ws(d, len, &i);
        if (ok && i < len && d[i] == '}') {
            i++;
        } else {
            while (ok) {
                ft_buf_reset(&key);
                ft_buf_reset(&val);
                skip_ws(d, len, &i);
                ok = json_string(d, len, &i, &key);
                skip_ws(d, len, &i);
                ok = ok && i < len && d[i++] == ':';
                ok = ok && json_value(d, len, &i, &val);
                if (!ok)
                    break;
                char name[128];
                snprintf(name, sizeof name, "%.*s", (int)key.len, key.len ? (char *)key.data : "");
                int k = col_index(t, name, 1);
                if (k < 0 || !row_set(r, (size_t)k, val.len ? (char *)val.data : "", val.len)) {
                    s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
                    goto out;
                }
                skip_ws(d, len, &i);
                if (i < len && d[i] == ',') {
                    i++;
                    continue;
                }
                ok = i < len && d[i++] == '}';
                break;
            }
        }
        skip_ws(d, len, &i);
        if (ok && i < len && d[i] != '\n')
            ok = 0;
        if (!ok) {
            s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %zu: not a flat JSON object", t->path,
                           line);
            break;
        }
        if (i < len)
            i++;
    }
out:
    if ((key.failed || val.failed) && s == FT_OK)
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    ft_buf_release(&key);
    ft_buf_release(&val);
    return s;
}

static ft_status load(table *t, const char *dir, const char *name, ft_err *err)
{
    memset(t, 0, sizeof *t);
    static const char *const ext[] = {"csv", "json"};
    for (int e = 0; e < 2; e++) {
        snprintf(t->path, sizeof t->path, "%s/%s.%s", dir, name, ext[e]);
        FILE *f = fopen(t->path, "rb");
        if (!f) {
            if (errno == ENOENT)
                continue;
            return ft_err_set(err, FT_ERR_IO, "cannot open '%s': %s", t->path, strerror(errno));
        }
        ft_buf b;
        ft_buf_init(&b);
        char chunk[65536];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
            ft_buf_append(&b, chunk, got);
        int bad = ferror(f);
        fclose(f);
        if (bad || b.failed) {
            ft_buf_release(&b);
            return ft_err_set(err, bad ? FT_ERR_IO : FT_ERR_NOMEM, "cannot read '%s'", t->path);
        }
        t->present = 1;
        ft_status s = e == 0 ? parse_csv(t, b.len ? (char *)b.data : "", b.len, err)
                             : parse_jsonl(t, b.len ? (char *)b.data : "", b.len, err);
        ft_buf_release(&b);
        return s;
    }
    t->path[0] = '\0';
    return FT_OK;
}

/* ---- values -------------------------------------------------------------------------------- */

static int dec_u256(const char *s, ft_u256 *out)
{
    size_t n = strlen(s);
    if (n > 2 && s[0] == '0' && s[1] == 'x')
        return ft_u256_parse_hex(out, s, n);
    /* ethereum-etl may write floats as "1.0e+18" in JSON; refuse those rather than round */
    return ft_u256_parse_dec(out, s, n);
}

static int dec_u64(const char *s, uint64_t *out)
{
    ft_u256 v;
    return dec_u256(s, &v) && ft_u256_to_u64(out, &v);
}

static int dec_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    if (!dec_u64(s, &v) || v >= UINT32_MAX)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

/* the hash column text → bytes, for lookups */
typedef struct txref {
    uint8_t hash[32];
    uint32_t block;
    uint32_t index;
} txref;

static int cmp_u32(uint32_t a, uint32_t b)
{
    return a < b ? -1 : a > b;
}

typedef struct traceref {
    const row *r;
    uint32_t block, tx; /* tx UINT32_MAX: reward */
    uint32_t depth;
    uint32_t addr[64];
    size_t pos;
} traceref;

static int cmp_trace(const void *a, const void *b)
{
    const traceref *x = a, *y = b;
    int c = cmp_u32(x->block, y->block);
    if (c)
        return c;
    if ((c = cmp_u32(x->tx, y->tx)))
        return c;
    for (uint32_t i = 0; i < x->depth && i < y->depth; i++)
        if ((c = cmp_u32(x->addr[i], y->addr[i])))
            return c;
    if ((c = cmp_u32(x->depth, y->depth)))
        return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static const uint8_t transfer_topic[32] = {
    0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
    0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef};

/* Fills one block from the tables (rows of this block only are looked at). */
static ft_status build_block(ft_eth_block *b, table *T, const row *br, ft_err *err)
{
    table *tb = &T[0], *tt = &T[1], *tr = &T[2], *tl = &T[3], *tk = &T[4];
    ft_account_block *h = &b->hdr;
    uint64_t t64;
    if (!dec_u32(get(tb, br, "number"), &h->height))
        return row_err(err, tb, br, "bad %s", "number");
    if (!ft_eth_hex_hash(h->hash, get(tb, br, "hash")))
        return row_err(err, tb, br, "bad %s", "hash");
    if (!ft_eth_hex_hash(h->parent, get(tb, br, "parent_hash")))
        return row_err(err, tb, br, "bad %s", "parent_hash");
    if (!dec_u64(get(tb, br, "timestamp"), &t64) || t64 > INT64_MAX)
        return row_err(err, tb, br, "bad %s (integer seconds expected)", "timestamp");
    h->time = (int64_t)t64;
    if (!ft_eth_hex_addr(h->miner, get(tb, br, "miner")))
        return row_err(err, tb, br, "bad %s", "miner");
    if (!dec_u64(get(tb, br, "gas_used"), &h->gas_used) ||
        !dec_u64(get(tb, br, "gas_limit"), &h->gas_limit))
        return row_err(err, tb, br, "bad %s", "gas_used/gas_limit");
    const char *bf = get(tb, br, "base_fee_per_gas");
    if (*bf) {
        if (!dec_u256(bf, &h->base_fee))
            return row_err(err, tb, br, "bad %s", "base_fee_per_gas");
        h->has_base_fee = 1;
    }
    uint32_t n_tx = 0;
    if (!dec_u32(get(tb, br, "transaction_count"), &n_tx))
        return row_err(err, tb, br, "bad %s", "transaction_count");
    ft_status s = ft_eth_block_set_tx_count(b, n_tx, err);
    if (s != FT_OK)
        return s;
    uint32_t found = 0;
    for (size_t i = 0; i < tt->n_rows; i++) {
        const row *r = &tt->rows[i];
        uint32_t bn, idx;
        if (!dec_u32(get(tt, r, "block_number"), &bn))
            return row_err(err, tt, r, "bad %s", "block_number");
        if (bn != h->height)
            continue;
        if (!dec_u32(get(tt, r, "transaction_index"), &idx) || idx >= n_tx)
            return row_err(err, tt, r, "bad %s (or above the block's transaction_count)",
                           "transaction_index");
        ft_account_tx *x = &b->txs[idx];
        uint8_t bh[32];
        if (!ft_eth_hex_hash(bh, get(tt, r, "block_hash")) || memcmp(bh, h->hash, 32) != 0)
            return row_err(err, tt, r, "%s does not match the block", "block_hash");
        if (!ft_eth_hex_hash(x->hash, get(tt, r, "hash")))
            return row_err(err, tt, r, "bad %s", "hash");
        x->index = idx;
        if (!ft_eth_hex_addr(x->from, get(tt, r, "from_address")))
            return row_err(err, tt, r, "bad %s", "from_address");
        const char *to = get(tt, r, "to_address");
        if (*to) {
            if (!ft_eth_hex_addr(x->to, to))
                return row_err(err, tt, r, "bad %s", "to_address");
            x->has_to = 1;
        }
        if (!dec_u256(get(tt, r, "value"), &x->value))
            return row_err(err, tt, r, "bad %s", "value");
        if (!dec_u64(get(tt, r, "nonce"), &x->nonce) || !dec_u64(get(tt, r, "gas"), &x->gas))
            return row_err(err, tt, r, "bad %s", "nonce/gas");
        if (!dec_u256(get(tt, r, "gas_price"), &x->gas_price))
            return row_err(err, tt, r, "bad %s", "gas_price");
        const char *ty = get(tt, r, "transaction_type");
        uint32_t type = 0;
        if (*ty && (!dec_u32(ty, &type) || type > 255))
            return row_err(err, tt, r, "bad %s", "transaction_type");
        x->type = (uint8_t)type;
        const char *mf = get(tt, r, "max_fee_per_gas");
        if (*mf) {
            if (!dec_u256(mf, &x->max_fee) ||
                !dec_u256(get(tt, r, "max_priority_fee_per_gas"), &x->max_priority_fee))
                return row_err(err, tt, r, "bad %s", "max_fee_per_gas");
            x->has_max_fee = 1;
        }
        x->status = FT_TX_STATUS_UNKNOWN;
        if (b->has_receipt[idx] == 2)
            return row_err(err, tt, r, "transaction_index %s appears twice", get(tt, r, "transaction_index"));
        b->has_receipt[idx] = 2; /* seen; receipt fields below */
        found++;
        /* receipt fields inline (BigQuery / stream layout) */
        const char *rg = get(tt, r, "receipt_gas_used");
        if (*rg) {
            if (!dec_u64(rg, &x->gas_used) ||
                !dec_u64(get(tt, r, "receipt_cumulative_gas_used"), &x->cumulative_gas_used))
                return row_err(err, tt, r, "bad %s", "receipt_gas_used");
            const char *eg = get(tt, r, "receipt_effective_gas_price");
            if (*eg ? !dec_u256(eg, &x->effective_gas_price) : 0)
                return row_err(err, tt, r, "bad %s", "receipt_effective_gas_price");
            if (!*eg)
                x->effective_gas_price = x->gas_price;
            const char *stt = get(tt, r, "receipt_status");
            if (*stt) {
                if (strcmp(stt, "1") && strcmp(stt, "0"))
                    return row_err(err, tt, r, "bad %s", "receipt_status");
                x->status = stt[0] == '1' ? FT_TX_STATUS_OK : FT_TX_STATUS_FAILED;
            }
            const char *ca = get(tt, r, "receipt_contract_address");
            if (*ca) {
                if (!ft_eth_hex_addr(x->contract, ca))
                    return row_err(err, tt, r, "bad %s", "receipt_contract_address");
                x->has_contract = 1;
            }
            b->has_receipt[idx] = 3;
        }
    }
    if (found != n_tx)
        return ft_err_set(err, FT_ERR_PARSE,
                          "'%s': block %u has transaction_count %u but %u transactions in '%s'",
                          tb->path, h->height, n_tx, found, tt->path);
    /* receipts file */
    for (size_t i = 0; tr->present && i < tr->n_rows; i++) {
        const row *r = &tr->rows[i];
        uint32_t bn, idx;
        if (!dec_u32(get(tr, r, "block_number"), &bn))
            return row_err(err, tr, r, "bad %s", "block_number");
        if (bn != h->height)
            continue;
        if (!dec_u32(get(tr, r, "transaction_index"), &idx) || idx >= n_tx)
            return row_err(err, tr, r, "bad %s", "transaction_index");
        ft_account_tx *x = &b->txs[idx];
        uint8_t hh[32];
        if (!ft_eth_hex_hash(hh, get(tr, r, "transaction_hash")) || memcmp(hh, x->hash, 32))
            return row_err(err, tr, r, "%s does not match the transaction", "transaction_hash");
        if (!dec_u64(get(tr, r, "gas_used"), &x->gas_used) ||
            !dec_u64(get(tr, r, "cumulative_gas_used"), &x->cumulative_gas_used))
            return row_err(err, tr, r, "bad %s", "gas_used");
        const char *eg = get(tr, r, "effective_gas_price");
        if (*eg) {
            if (!dec_u256(eg, &x->effective_gas_price))
                return row_err(err, tr, r, "bad %s", "effective_gas_price");
        } else {
            x->effective_gas_price = x->gas_price;
        }
        const char *stt = get(tr, r, "status");
        if (*stt) {
            if (strcmp(stt, "1") && strcmp(stt, "0"))
                return row_err(err, tr, r, "bad %s", "status");
            x->status = stt[0] == '1' ? FT_TX_STATUS_OK : FT_TX_STATUS_FAILED;
        }
        const char *ca = get(tr, r, "contract_address");
        x->has_contract = 0;
        if (*ca) {
            if (!ft_eth_hex_addr(x->contract, ca))
                return row_err(err, tr, r, "bad %s", "contract_address");
            x->has_contract = 1;
        }
        b->has_receipt[idx] = 3;
    }
    for (uint32_t i = 0; i < n_tx; i++)
        b->has_receipt[i] = b->has_receipt[i] == 3;
    /* logs, else token transfers */
    table *src = tl->present ? tl : tk;
    for (size_t i = 0; src->present && i < src->n_rows; i++) {
        const row *r = &src->rows[i];
        uint32_t bn;
        if (!dec_u32(get(src, r, "block_number"), &bn))
            return row_err(err, src, r, "bad %s", "block_number");
        if (bn != h->height)
            continue;
        uint8_t hh[32];
        if (!ft_eth_hex_hash(hh, get(src, r, "transaction_hash")))
            return row_err(err, src, r, "bad %s", "transaction_hash");
        uint32_t idx = n_tx;
        for (uint32_t k = 0; k < n_tx; k++)
            if (memcmp(b->txs[k].hash, hh, 32) == 0)
                idx = k;
        if (idx == n_tx)
            return row_err(err, src, r, "%s is not a transaction of its block", "transaction_hash");
        ft_eth_log l;
        memset(&l, 0, sizeof l);
        l.tx_index = idx;
        if (!dec_u32(get(src, r, "log_index"), &l.log_index))
            return row_err(err, src, r, "bad %s", "log_index");
        if (src == tl) {
            if (!ft_eth_hex_addr(l.address, get(src, r, "address")))
                return row_err(err, src, r, "bad %s", "address");
            const char *tp = get(src, r, "topics");
            while (*tp) {
                if (l.n_topics == 4 || strlen(tp) < 66 || (tp[66] != ',' && tp[66] != '\0'))
                    return row_err(err, src, r, "bad %s", "topics");
                char one[67];
                memcpy(one, tp, 66);
                one[66] = '\0';
                if (!ft_eth_hex_hash(l.topics[l.n_topics++], one))
                    return row_err(err, src, r, "bad %s", "topics");
                tp += tp[66] == ',' ? 67 : 66;
            }
            const char *data = get(src, r, "data");
            if (strncmp(data, "0x", 2) != 0 || strlen(data) % 2)
                return row_err(err, src, r, "bad %s", "data");
            if (strlen(data) == 66) {
                uint8_t w[32];
                if (!ft_hex_decode(w, 32, data + 2, 64) || !ft_u256_from_be(&l.data_value, w, 32))
                    return row_err(err, src, r, "bad %s", "data");
                l.data_word = 1;
            }
        } else {
            uint8_t from[20], to[20];
            if (!ft_eth_hex_addr(l.address, get(src, r, "token_address")) ||
                !ft_eth_hex_addr(from, get(src, r, "from_address")) ||
                !ft_eth_hex_addr(to, get(src, r, "to_address")))
                return row_err(err, src, r, "bad %s", "token_address/from_address/to_address");
            if (!dec_u256(get(src, r, "value"), &l.data_value))
                return row_err(err, src, r, "bad %s", "value");
            l.n_topics = 3;
            memcpy(l.topics[0], transfer_topic, 32);
            memcpy(l.topics[1] + 12, from, 20);
            memcpy(l.topics[2] + 12, to, 20);
            l.data_word = 1;
        }
        if (!ft_eth_block_add_log(b, &l))
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    return FT_OK;
}

static ft_status add_traces(ft_eth_block *b, table *tc, ft_err *err)
{
    if (!tc->present)
        return FT_OK;
    b->has_traces = 1;
    size_t n = 0;
    traceref *refs = malloc((tc->n_rows ? tc->n_rows : 1) * sizeof *refs);
    if (!refs)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    ft_status s = FT_OK;
    for (size_t i = 0; i < tc->n_rows; i++) {
        const row *r = &tc->rows[i];
        uint32_t bn;
        if (!dec_u32(get(tc, r, "block_number"), &bn)) {
            s = row_err(err, tc, r, "bad %s", "block_number");
            goto out;
        }
        if (bn != b->hdr.height)
            continue;
        traceref *t = &refs[n++];
        memset(t, 0, sizeof *t);
        t->r = r;
        t->block = bn;
        t->pos = i;
        const char *ti = get(tc, r, "transaction_index");
        t->tx = UINT32_MAX;
        if (*ti && !dec_u32(ti, &t->tx)) {
            s = row_err(err, tc, r, "bad %s", "transaction_index");
            goto out;
        }
        const char *ta = get(tc, r, "trace_address");
        while (*ta) {
            char *end;
            unsigned long v = strtoul(ta, &end, 10);
            if (end == ta || t->depth == 64 || v >= UINT32_MAX || (*end && *end != ',')) {
                s = row_err(err, tc, r, "bad %s (or deeper than 64)", "trace_address");
                goto out;
            }
            t->addr[t->depth++] = (uint32_t)v;
            ta = *end ? end + 1 : end;
        }
    }
    qsort(refs, n, sizeof *refs, cmp_trace);
    for (size_t i = 0; i < n; i++) {
        const row *r = refs[i].r;
        ft_eth_trace t;
        memset(&t, 0, sizeof t);
        t.tx_index = refs[i].tx == UINT32_MAX ? FT_ACCOUNT_NO_TX : refs[i].tx;
        t.depth = refs[i].depth;
        t.trace_addr = refs[i].addr;
        const char *type = get(tc, r, "trace_type"), *ct = get(tc, r, "call_type");
        if (strcmp(type, "call") == 0) {
            static const char *const names[] = {"call", "callcode", "delegatecall", "staticcall"};
            static const uint8_t subs[] = {FT_XSUB_CALL, FT_XSUB_CALLCODE, FT_XSUB_DELEGATECALL,
                                           FT_XSUB_STATICCALL};
            t.sub = 0;
            for (int k = 0; k < 4; k++)
                if (strcmp(ct, names[k]) == 0)
                    t.sub = subs[k];
            if (!t.sub) {
                s = row_err(err, tc, r, "unknown call_type '%s'", ct);
                goto out;
            }
        } else if (strcmp(type, "create") == 0) {
            t.sub = FT_XSUB_CREATE;
        } else if (strcmp(type, "suicide") == 0) {
            t.sub = FT_XSUB_SELFDESTRUCT;
        } else if (strcmp(type, "reward") == 0) {
            t.sub = strcmp(get(tc, r, "reward_type"), "uncle") == 0 ? FT_XSUB_REWARD_UNCLE
                                                                    : FT_XSUB_REWARD_BLOCK;
            t.tx_index = FT_ACCOUNT_NO_TX;
        } else {
            s = row_err(err, tc, r, "unknown trace_type '%s'", type);
            goto out;
        }
        const char *f = get(tc, r, "from_address"), *to = get(tc, r, "to_address");
        if ((*f && !(t.has_from = ft_eth_hex_addr(t.from, f))) ||
            (*to && !(t.has_to = ft_eth_hex_addr(t.to, to)))) {
            s = row_err(err, tc, r, "bad %s", "from_address/to_address");
            goto out;
        }
        const char *v = get(tc, r, "value");
        if (*v ? !dec_u256(v, &t.value) : !(t.value_unknown = 1)) {
            s = row_err(err, tc, r, "bad %s", "value");
            goto out;
        }
        uint32_t sc = 0;
        const char *scs = get(tc, r, "subtraces");
        if (*scs && !dec_u32(scs, &sc)) {
            s = row_err(err, tc, r, "bad %s", "subtraces");
            goto out;
        }
        t.subtraces = sc;
        t.error = *get(tc, r, "error") != '\0';
        if (!ft_eth_block_add_trace(b, &t)) {
            s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
out:
    free(refs);
    return s;
}

static int cmp_block_rows(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return cmp_u32(x[0], y[0]);
}

ft_status ft_eth_index_etl(ft_store *st, const ft_eth_params *p, const char *dir,
                           ft_eth_index_stats *stats, ft_err *err)
{
    return ft_eth_index_etl_tokens(st, p, dir, NULL, stats, err);
}

ft_status ft_eth_index_etl_tokens(ft_store *st, const ft_eth_params *p, const char *dir,
                                  const char *tokens_csv, ft_eth_index_stats *stats, ft_err *err)
{
    memset(stats, 0, sizeof *stats);
    ft_eth_token_ctx tok;
    ft_eth_token_ctx_init(&tok, NULL); /* no node: tokens outside the dataset stay unknown */
    stats->receipts_method = "etl";
    static const char *const names[] = {"blocks", "transactions", "receipts", "logs",
                                        "token_transfers", "traces"};
    table T[6];
    memset(T, 0, sizeof T);
    ft_account *ac = NULL;
    uint32_t (*order)[2] = NULL;
    ft_status s = FT_OK;
    if (tokens_csv)
        s = ft_eth_tokens_load(&tok.table, tokens_csv, p, err);
    for (int i = 0; i < 6 && s == FT_OK; i++)
        s = load(&T[i], dir, names[i], err);
    if (s != FT_OK)
        goto out;
    if (!T[0].present || !T[1].present) {
        s = ft_err_set(err, FT_ERR_IO, "'%s' has no %s.csv or %s.json", dir,
                       T[0].present ? "transactions" : "blocks",
                       T[0].present ? "transactions" : "blocks");
        goto out;
    }
    stats->trace_method = T[5].present ? "etl" : "none";
    s = ft_account_open(&ac, st, p->chain_byte, p->chain_id, err);
    if (s != FT_OK)
        goto out;
    order = malloc((T[0].n_rows ? T[0].n_rows : 1) * sizeof *order);
    if (!order) {
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < T[0].n_rows; i++) {
        if (!dec_u32(get(&T[0], &T[0].rows[i], "number"), &order[i][0])) {
            s = row_err(err, &T[0], &T[0].rows[i], "bad %s", "number");
            goto out;
        }
        order[i][1] = (uint32_t)i;
    }
    qsort(order, T[0].n_rows, sizeof *order, cmp_block_rows);
    ft_account_chainrec tip;
    ft_account_tip(ac, &tip);
    for (size_t i = 0; i < T[0].n_rows; i++) {
        if (tip.has_tip && order[i][0] <= tip.tip_height)
            continue; /* already indexed: resume */
        ft_eth_block b;
        ft_eth_block_init(&b);
        ft_account_block ab;
        memset(&ab, 0, sizeof ab);
        s = build_block(&b, T, &T[0].rows[order[i][1]], err);
        if (s == FT_OK)
            s = add_traces(&b, &T[5], err);
        if (s == FT_OK)
            s = ft_eth_block_assemble(&b, p, &ab, err);
        if (s == FT_OK)
            s = ft_eth_tokens_stage(&tok, ac, st, p->chain_byte, &ab, err);
        if (s == FT_OK)
            s = ft_account_append(ac, &ab, err);
        if (s == FT_OK) {
            stats->blocks++;
            stats->txs += ab.n_tx;
            stats->xfers += ab.n_xfer;
        } else if (s == FT_ERR_PARSE && strncmp(err->msg, "block", 5) == 0) {
            ft_err_prefix(err, "'%s'", dir);
        }
        ft_eth_block_free_assembled(&ab);
        ft_eth_block_release(&b);
        if (s != FT_OK)
            goto out;
    }
    stats->up_to_date = stats->blocks == 0;
    s = ft_account_commit(ac, err);
out:
    if (ac) {
        if (s != FT_OK)
            ft_account_abort(ac);
        ft_account_tip(ac, &tip);
        stats->has_tip = tip.has_tip;
        stats->tip_height = tip.tip_height;
        ft_account_close(ac);
    }
    free(order);
    for (int i = 0; i < 6; i++)
        table_free(&T[i]);
    stats->tokens_dataset = tok.n_dataset;
    stats->tokens_unknown = tok.n_unknown;
    ft_eth_token_ctx_release(&tok);
    return s;
}
