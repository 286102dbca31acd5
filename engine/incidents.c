/*
 * incidents.c — the incidents CSV and its store records (format and key layout in
 * incidents.h and docs/store-format.md).
 *
 * The CSV reader is a small RFC 4180 row splitter over the whole text (quoted cells with ""
 * for a quote, CRLF or LF, a quoted cell may span lines and the line count follows). Every
 * row is checked completely before anything is stored, so a broken row leaves the store as
 * it was. Values read back from the store go through ft_reader like any untrusted bytes.
 */
#include "engine/incidents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
#include "engine/keys.h"
#include "engine/reader.h"

#include "engine/banned.h"

#define N_COLS 8

void ft_incident_set_release(ft_incident_set *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Chain names of the CSV's `chain` column: bitcoin and the EVM chains of
 * chains/ethereum/params.c (same names, aliases and store chain bytes; engine/ does not
 * include chains/, so the short list is repeated here). */
static const struct {
    const char *name;
    uint8_t chain;
} chain_names[] = {
    {"bitcoin", FT_CHAIN_BTC},       {"btc", FT_CHAIN_BTC},
    {"ethereum", FT_CHAIN_ETH},      {"eth", FT_CHAIN_ETH},           {"mainnet", FT_CHAIN_ETH},
    {"bsc", FT_CHAIN_BSC},           {"bnb", FT_CHAIN_BSC},
    {"polygon", FT_CHAIN_POLYGON},   {"matic", FT_CHAIN_POLYGON},
    {"arbitrum", FT_CHAIN_ARBITRUM}, {"arb", FT_CHAIN_ARBITRUM},
    {"avalanche", FT_CHAIN_AVALANCHE}, {"avax", FT_CHAIN_AVALANCHE},
    {"dev", FT_CHAIN_EVMDEV},        {"anvil", FT_CHAIN_EVMDEV},      {"hardhat", FT_CHAIN_EVMDEV},
};

uint8_t ft_incidents_chain_parse(const char *s)
{
    for (size_t i = 0; i < sizeof chain_names / sizeof chain_names[0]; i++)
        if (strcmp(s, chain_names[i].name) == 0)
            return chain_names[i].chain;
    return 0;
}

const char *ft_incidents_chain_name(uint8_t chain)
{
    /* the first name of each chain byte in the table is its canonical name */
    for (size_t i = 0; i < sizeof chain_names / sizeof chain_names[0]; i++)
        if (chain_names[i].chain == chain)
            return chain_names[i].name;
    return "?";
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int ft_incidents_seed_kind(const char *seed, uint32_t *n)
{
    size_t i = 0;
    if (seed[0] == '0' && seed[1] == 'x' && strlen(seed) >= 66)
        seed += 2; /* account-chain hashes are often written 0x… */
    while (i < 64 && is_hex(seed[i]))
        i++;
    if (i != 64)
        return 0;
    if (seed[64] == '\0')
        return 1;
    if (seed[64] != ':' || seed[65] == '\0')
        return 0;
    uint64_t v = 0;
    for (const char *p = seed + 65; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000000)
            return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (seed[65] == '0' && seed[66] != '\0')
        return 0; /* no leading zeros: one spelling per seed */
    if (n)
        *n = (uint32_t)v;
    return 2;
}

/* ---- CSV rows ----------------------------------------------------------------------------- */

typedef struct row {
    char *buf;
    size_t cap;
    size_t start[16];
    int n;
    int too_many;
} row;

/* Splits the next row at *pp into r (cells NUL-terminated in r->buf). Returns 1 on a row,
 * 0 at the end, -1 on a quoting error or no memory. *line is the row's first line on return;
 * *next_line the line after it. */
static int csv_next(const char **pp, const char *end, row *r, uint32_t *next_line)
{
    const char *p = *pp;
    if (p >= end)
        return 0;
    size_t need = (size_t)(end - p) + 16;
    if (need > r->cap) {
        char *nb = realloc(r->buf, need);
        if (!nb)
            return -1;
        r->buf = nb;
        r->cap = need;
    }
    size_t o = 0;
    r->n = 0;
    r->too_many = 0;
    r->start[r->n++] = 0;
    for (;;) {
        if (p < end && *p == '"') { /* quoted cell */
            p++;
            for (;;) {
                if (p >= end)
                    return -1; /* unterminated quote */
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        r->buf[o++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n')
                    (*next_line)++;
                r->buf[o++] = *p++;
            }
            if (p < end && *p != ',' && *p != '\n' && *p != '\r')
                return -1; /* text after the closing quote */
        } else {
            while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
                if (*p == '"')
                    return -1; /* a quote inside an unquoted cell */
                r->buf[o++] = *p++;
            }
        }
        r->buf[o++] = '\0';
        if (p < end && *p == ',') {
            p++;
            if (r->n == 16)
                r->too_many = 1;
            else
                r->start[r->n++] = o;
            continue;
        }
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p == '\n')
            p++;
        (*next_line)++;
        break;
    }
    *pp = p;
    return 1;
}

static int blank_row(const row *r)
{
    return r->n == 1 && r->buf[0] == '\0';
}

static int set_text(char *out, size_t cap, const char *s)
{
    size_t len = strlen(s);
    if (len >= cap)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20)
            return 0; /* no control characters in identifiers and names */
    memcpy(out, s, len + 1);
    return 1;
}

static int valid_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int mo = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

static int valid_amount(const char *s)
{
    if (!*s)
        return 1;
    int digits = 0, dot = 0;
    for (; *s; s++) {
        if (*s == '.') {
            if (dot++ || !digits)
                return 0;
        } else if (*s >= '0' && *s <= '9') {
            digits++;
        } else {
            return 0;
        }
    }
    return s[-1] != '.';
}

static int valid_seed_text(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              *s == ':'))
            return 0;
    return 1;
}

ft_status ft_incidents_parse_csv(const char *text, size_t len, const char *fname,
                                 ft_incident_set *out, ft_err *err)
{
    static const char *const names[N_COLS] = {"incident", "date",   "chain",       "seed",
                                              "asset",    "amount", "attribution", "source"};
    const char *p = text, *end = text + len;
    row r;
    memset(&r, 0, sizeof r);
    size_t n0 = out->n;
    uint32_t line = 1, next = 1;
    ft_status st = FT_OK;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3; /* a UTF-8 byte order mark */
    int rc = csv_next(&p, end, &r, &next);
    if (rc <= 0) {
        st = ft_err_set(err, FT_ERR_PARSE, "'%s' line 1: %s", fname,
                        rc == 0 ? "empty file, expected the header" : "bad quoting");
        goto done;
    }
    if (r.n != N_COLS || r.too_many) {
        st = ft_err_set(err, FT_ERR_PARSE, "'%s' line 1: header must be %s,%s,%s,%s,%s,%s,%s,%s",
                        fname, names[0], names[1], names[2], names[3], names[4], names[5],
                        names[6], names[7]);
        goto done;
    }
    for (int k = 0; k < N_COLS; k++)
        if (strcmp(r.buf + r.start[k], names[k]) != 0) {
            st = ft_err_set(err, FT_ERR_PARSE, "'%s' line 1: column %d is '%s', expected '%s'",
                            fname, k + 1, r.buf + r.start[k], names[k]);
            goto done;
        }
    for (;;) {
        line = next;
        rc = csv_next(&p, end, &r, &next);
        if (rc == 0)
            break;
        if (rc < 0) {
            st = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: bad quoting", fname, line);
            goto done;
        }
        if (blank_row(&r))
            continue;
        if (r.n != N_COLS || r.too_many) {
            st = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: %d fields, expected %d", fname, line,
                            r.too_many ? 17 : r.n, N_COLS);
            goto done;
        }
        const char *f[N_COLS];
        for (int k = 0; k < N_COLS; k++)
            f[k] = r.buf + r.start[k];
        if (out->n == out->cap) {
            size_t nc = out->cap ? out->cap * 2 : 16;
            ft_incident_row *nv = realloc(out->v, nc * sizeof *nv);
            if (!nv) {
                st = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", fname);
                goto done;
            }
            out->v = nv;
            out->cap = nc;
        }
        ft_incident_row *x = &out->v[out->n];
        memset(x, 0, sizeof *x);
        x->line = line;
        const char *bad = NULL;
        if (!*f[0] || !set_text(x->incident, sizeof x->incident, f[0]))
            bad = "incident id is empty, too long or has control characters";
        else if (!valid_date(f[1]))
            bad = "date is not YYYY-MM-DD";
        else if (!(x->chain = ft_incidents_chain_parse(f[2])))
            bad = "unknown chain (bitcoin, ethereum, bsc, polygon, arbitrum, avalanche or dev)";
        else if (!valid_seed_text(f[3]) || !set_text(x->seed, sizeof x->seed, f[3]))
            bad = "seed is not txid, txid:N or an address";
        else if (strchr(f[3], ':') && ft_incidents_seed_kind(f[3], NULL) != 2)
            bad = "seed is not txid, txid:N or an address";
        else if (!*f[4] || !set_text(x->asset, sizeof x->asset, f[4]))
            bad = "asset is empty or too long";
        else if (!valid_amount(f[5]) || !set_text(x->amount, sizeof x->amount, f[5]))
            bad = "amount is not a plain decimal number";
        else if (!set_text(x->attribution, sizeof x->attribution, f[6]))
            bad = "attribution is too long or has control characters";
        else if (!*f[7] || !set_text(x->source, sizeof x->source, f[7]))
            bad = "source is empty, too long or has control characters";
        if (bad) {
            const char *cell = bad[0] == 'i' ? f[0] : bad[0] == 'd' ? f[1]
                               : bad[0] == 'u' ? f[2] : bad[0] == 's' && bad[1] == 'e' ? f[3]
                               : bad[0] == 'a' && bad[1] == 's' ? f[4]
                               : bad[0] == 'a' && bad[1] == 'm' ? f[5]
                               : bad[0] == 'a' ? f[6] : f[7];
            char shown[64];
            size_t cl = strlen(cell);
            snprintf(shown, sizeof shown, "%.*s%s", (int)(cl > 48 ? 48 : cl), cell,
                     cl > 48 ? "…" : "");
            for (char *c = shown; *c; c++)
                if ((unsigned char)*c < 0x20)
                    *c = '?';
            st = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: %s: '%s'", fname, line, bad, shown);
            goto done;
        }
        memcpy(x->date, f[1], 11);
        out->n++;
    }
    if (out->n == n0)
        st = ft_err_set(err, FT_ERR_PARSE, "'%s' holds no incident row", fname);
done:
    if (st != FT_OK)
        out->n = n0;
    free(r.buf);
    return st;
}

/* ---- store ------------------------------------------------------------------------------- */

static size_t row_key(uint8_t *k, const ft_incident_row *x)
{
    size_t il = strlen(x->incident), sl = strlen(x->seed), n = 0;
    k[n++] = FT_KEY_INCIDENT;
    k[n++] = x->chain;
    k[n++] = (uint8_t)il;
    memcpy(k + n, x->incident, il);
    n += il;
    k[n++] = (uint8_t)sl;
    memcpy(k + n, x->seed, sl);
    return n + sl;
}

ft_status ft_incidents_store(ft_store *st, const ft_incident_set *set, size_t *n_new, ft_err *err)
{
    *n_new = 0;
    ft_store_batch *b = ft_store_batch_new();
    ft_buf v;
    ft_buf_init(&v);
    if (!b)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    ft_status rc = FT_OK;
    for (size_t i = 0; i < set->n && rc == FT_OK; i++) {
        const ft_incident_row *x = &set->v[i];
        uint8_t k[4 + 2 * FT_INCIDENT_NAME_MAX];
        size_t kl = row_key(k, x);
        uint8_t *old = NULL;
        size_t ol = 0;
        ft_status g = ft_store_get(st, k, kl, &old, &ol, err);
        free(old);
        if (g == FT_ERR_NOTFOUND) {
            /* a row repeated in the file counts once */
            int dup = 0;
            for (size_t j = 0; j < i && !dup; j++)
                dup = set->v[j].chain == x->chain && strcmp(set->v[j].incident, x->incident) == 0 &&
                      strcmp(set->v[j].seed, x->seed) == 0;
            *n_new += !dup;
        } else if (g != FT_OK) {
            rc = g;
            break;
        }
        ft_buf_reset(&v);
        ft_buf_u8(&v, 0x01);
        const char *txt[5] = {x->date, x->asset, x->amount, x->attribution, x->source};
        for (int t = 0; t < 5; t++) {
            ft_buf_compact(&v, strlen(txt[t]));
            ft_buf_str(&v, txt[t]);
        }
        if (v.failed) {
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
            break;
        }
        ft_store_batch_put(b, k, kl, v.data, v.len);
    }
    if (rc == FT_OK)
        rc = ft_store_batch_commit(st, b, 1, err);
    ft_store_batch_free(b);
    ft_buf_release(&v);
    return rc;
}

static int rd_text(ft_reader *r, char *out, size_t cap)
{
    uint64_t n;
    if (!ft_reader_compact(r, cap - 1, &n) || !ft_reader_copy(r, out, (size_t)n))
        return 0;
    out[n] = '\0';
    return 1;
}

ft_status ft_incidents_scan(ft_store *st, uint8_t chain, ft_incident_set *out, ft_err *err)
{
    uint8_t prefix[2] = {FT_KEY_INCIDENT, chain};
    ft_store_iter *it = ft_store_iter_new(st, prefix, 2);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    const uint8_t *k, *v;
    size_t kl, vl;
    size_t n0 = out->n;
    ft_status rc = FT_OK;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        if (out->n == out->cap) {
            size_t nc = out->cap ? out->cap * 2 : 16;
            ft_incident_row *nv = realloc(out->v, nc * sizeof *nv);
            if (!nv) {
                rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
                break;
            }
            out->v = nv;
            out->cap = nc;
        }
        ft_incident_row *x = &out->v[out->n];
        memset(x, 0, sizeof *x);
        x->chain = chain;
        ft_reader kr, vr;
        ft_reader_init(&kr, k + 2, kl - 2);
        ft_reader_init(&vr, v, vl);
        uint8_t il, sl, ver;
        int ok = ft_reader_u8(&kr, &il) && il > 0 && il < FT_INCIDENT_NAME_MAX &&
                 ft_reader_copy(&kr, x->incident, il) && ft_reader_u8(&kr, &sl) && sl > 0 &&
                 sl < FT_INCIDENT_NAME_MAX && ft_reader_copy(&kr, x->seed, sl) &&
                 ft_reader_offset(&kr) == kl - 2 && ft_reader_u8(&vr, &ver) && ver == 0x01 &&
                 rd_text(&vr, x->date, sizeof x->date) && rd_text(&vr, x->asset, sizeof x->asset) &&
                 rd_text(&vr, x->amount, sizeof x->amount) &&
                 rd_text(&vr, x->attribution, sizeof x->attribution) &&
                 rd_text(&vr, x->source, sizeof x->source) && ft_reader_offset(&vr) == vl;
        if (!ok) {
            rc = ft_err_set(err, FT_ERR_CORRUPT, "malformed incident record in '%s'",
                            ft_store_path(st));
            break;
        }
        x->incident[il] = '\0';
        x->seed[sl] = '\0';
        out->n++;
    }
    if (rc == FT_OK)
        rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (rc != FT_OK)
        out->n = n0;
    return rc;
}
