/*
 * prices.c — daily USD prices from datasets/prices/ (see prices.h and datasets/prices/README.md).
 *
 * Files: every "<ASSET>.csv" of the directory (asset = the file name's stem, upper-cased),
 * read whole into memory, in file-name order:
 *     date,usd,source            header: the first two cells must be "date" and "usd"
 *     2011-08-18,10.90,bitstamp  one row per day; more cells are allowed and ignored
 * Every byte goes through ft_reader. Cells follow RFC 4180 (a quoted cell may hold commas and
 * "" for a quote), lines end in LF or CRLF, a UTF-8 BOM and blank lines are skipped. A row is
 * checked completely: the date is a real calendar day in strict YYYY-MM-DD form, the price a
 * decimal with at most 6 fraction digits (micro-USD, parsed as text: no floating point) and
 * above zero, and the dates strictly increase (gaps are allowed: a missing day is "unknown").
 * The first failure stops the load with "'DIR/FILE' line N: …" (FT_ERR_PARSE).
 *
 * Memory: per asset two parallel sorted arrays, day number (days since 1970-01-01) and
 * micro-USD price; a lookup is a binary search on the day of floor(time / 86400).
 *
 * Valuation (invariant: exact, rounded once, half up): value = amount × price / 10^decimals
 * micro-USD. The product is split as q = amount / 10^d, r = amount mod 10^d so that
 * q × price and r × price both fit in 128 bits for d <= 19 (r < 10^19, price < 2^64); the
 * fraction r × price / 10^d is rounded half up and added. For d > 19 the fraction's digits
 * beyond the 19th decimal of a unit are dropped first (below 10^-19 of a unit: never a cent).
 */
#include "engine/prices.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/reader.h"

#include "engine/banned.h"

#define ASSET_NAME_MAX 16
#define CELL_MAX 256
#define SECONDS_PER_DAY 86400

typedef struct price_series {
    char name[ASSET_NAME_MAX]; /* upper case */
    int32_t *day;              /* strictly increasing */
    uint64_t *micro;           /* micro-USD per whole unit, > 0 */
    size_t n, cap;
} price_series;

struct ft_prices {
    price_series *s;
    size_t n;
};

/* ---- calendar ---------------------------------------------------------------------------- */

static int is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), counted through whole 400-year eras
 * (146097 days each) shifted so that the year starts in March and the leap day is last. */
static int64_t days_from_date(long y, unsigned m, unsigned d)
{
    long yy = m <= 2 ? y - 1 : y;
    long era = (yy >= 0 ? yy : yy - 399) / 400;
    long yoe = yy - era * 400;                                    /* 0..399 */
    unsigned mp = m > 2 ? m - 3 : m + 9;                          /* March = 0 */
    long doy = (153 * (long)mp + 2) / 5 + (long)d - 1;            /* 0..365 */
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;             /* 0..146096 */
    return (int64_t)era * 146097 + doe - 719468;
}

static int64_t day_of_time(int64_t t)
{
    int64_t q = t / SECONDS_PER_DAY;
    if (t % SECONDS_PER_DAY < 0)
        q--;
    return q;
}

/* Strict "YYYY-MM-DD" with a real day; returns 1 and the day number, else 0. */
static int parse_date(const char *s, int32_t *out)
{
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    long y = (s[0] - '0') * 1000L + (s[1] - '0') * 100L + (s[2] - '0') * 10L + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (m < 1 || m > 12 || d < 1)
        return 0;
    unsigned dim = mdays[m - 1] + (m == 2 && is_leap(y) ? 1u : 0u);
    if (d > dim)
        return 0;
    *out = (int32_t)days_from_date(y, m, d);
    return 1;
}

/* "123", "0.753325": at most 6 fraction digits, at least one digit each side of a point. */
static int parse_micro(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0, int_digits = 0, frac_digits = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++, int_digits++) {
        if (v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (int_digits == 0)
        return 0;
    if (s[i] == '.') {
        i++;
        for (; s[i] >= '0' && s[i] <= '9'; i++, frac_digits++) {
            if (frac_digits == 6 || v > (UINT64_MAX - 9) / 10)
                return 0;
            v = v * 10 + (uint64_t)(s[i] - '0');
        }
        if (frac_digits == 0)
            return 0;
    }
    if (s[i] != '\0')
        return 0;
    for (; frac_digits < 6; frac_digits++) {
        if (v > UINT64_MAX / 10)
            return 0;
        v *= 10;
    }
    *out = v;
    return 1;
}

/* ---- CSV through ft_reader --------------------------------------------------------------- */

/* Reads one cell into cell (truncation is an error). *eol is set when the cell ended its line
 * (LF, CRLF or the end of the text). Returns 1, or 0 with a reason in *why. */
static int read_cell(ft_reader *r, char cell[CELL_MAX], int *eol, const char **why)
{
    size_t n = 0;
    uint8_t c;
    *eol = 0;
    int quoted = r->left > 0 && r->p[0] == '"';
    if (quoted && !ft_reader_skip(r, 1))
        return 0;
    for (;;) {
        if (r->left == 0) {
            if (quoted) {
                *why = "unterminated quoted cell";
                return 0;
            }
            *eol = 1;
            break;
        }
        if (!ft_reader_u8(r, &c))
            return 0;
        if (quoted) {
            if (c == '"') {
                if (r->left > 0 && r->p[0] == '"') {
                    if (!ft_reader_skip(r, 1))
                        return 0;
                } else {
                    quoted = 0; /* closing quote: a separator or line end must follow */
                    if (r->left > 0 && r->p[0] != ',' && r->p[0] != '\n' && r->p[0] != '\r') {
                        *why = "text after a closing quote";
                        return 0;
                    }
                    continue;
                }
            }
        } else if (c == ',') {
            break;
        } else if (c == '\n') {
            *eol = 1;
            break;
        } else if (c == '\r') {
            if (r->left > 0 && r->p[0] == '\n' && !ft_reader_skip(r, 1))
                return 0;
            *eol = 1;
            break;
        } else if (c == '"') {
            *why = "quote inside an unquoted cell";
            return 0;
        }
        if (n + 1 >= CELL_MAX) {
            *why = "cell longer than 255 bytes";
            return 0;
        }
        cell[n++] = (char)c;
    }
    cell[n] = '\0';
    return 1;
}

/* Skips to the end of the current line. */
static void skip_line(ft_reader *r)
{
    uint8_t c;
    while (r->left > 0 && ft_reader_u8(r, &c) && c != '\n') {
    }
}

static int series_push(price_series *s, int32_t day, uint64_t micro)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        int32_t *d = realloc(s->day, cap * sizeof *d);
        if (!d)
            return 0;
        s->day = d;
        uint64_t *m = realloc(s->micro, cap * sizeof *m);
        if (!m)
            return 0;
        s->micro = m;
        s->cap = cap;
    }
    s->day[s->n] = day;
    s->micro[s->n] = micro;
    s->n++;
    return 1;
}

static ft_status parse_file(price_series *s, const uint8_t *text, size_t len, const char *path,
                            ft_err *err)
{
    ft_reader r;
    ft_reader_init(&r, text, len);
    if (len >= 3 && text[0] == 0xef && text[1] == 0xbb && text[2] == 0xbf && !ft_reader_skip(&r, 3))
        return ft_err_set(err, FT_ERR_PARSE, "'%s': cannot read", path);
    char cell[CELL_MAX];
    const char *why = "cannot read";
    uint64_t line = 0;
    int header = 1;
    while (r.left > 0) {
        line++;
        if (r.p[0] == '\n' || r.p[0] == '\r') { /* blank line */
            skip_line(&r);
            continue;
        }
        char date[CELL_MAX], usd[CELL_MAX];
        int eol = 0, ncell = 0;
        while (!eol) {
            if (!read_cell(&r, cell, &eol, &why))
                return ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: %s", path,
                                  (unsigned long long)line, why);
            if (ncell == 0)
                memcpy(date, cell, sizeof cell);
            else if (ncell == 1)
                memcpy(usd, cell, sizeof cell);
            ncell++;
        }
        if (header) {
            if (ncell < 2 || strcmp(date, "date") != 0 || strcmp(usd, "usd") != 0)
                return ft_err_set(err, FT_ERR_PARSE,
                                  "'%s' line %llu: header must start with 'date,usd'", path,
                                  (unsigned long long)line);
            header = 0;
            continue;
        }
        if (ncell < 2)
            return ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: expected date,usd[,source]",
                              path, (unsigned long long)line);
        int32_t day;
        uint64_t micro;
        if (!parse_date(date, &day))
            return ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: bad date '%s' (YYYY-MM-DD)",
                              path, (unsigned long long)line, date);
        if (!parse_micro(usd, &micro) || micro == 0)
            return ft_err_set(err, FT_ERR_PARSE,
                              "'%s' line %llu: bad price '%s' (a decimal above 0 with at most 6 "
                              "decimals)",
                              path, (unsigned long long)line, usd);
        if (s->n > 0 && day <= s->day[s->n - 1])
            return ft_err_set(err, FT_ERR_PARSE,
                              "'%s' line %llu: date '%s' is not after the previous row's", path,
                              (unsigned long long)line, date);
        if (!series_push(s, day, micro))
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    if (header)
        return ft_err_set(err, FT_ERR_PARSE, "'%s': empty file (no header)", path);
    return FT_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The asset name of a file name "btc.csv" -> "BTC"; 0 when it is not a price file name. */
static int asset_of_file(const char *fname, char out[ASSET_NAME_MAX])
{
    size_t n = strlen(fname);
    if (n < 5 || strcmp(fname + n - 4, ".csv") != 0 || n - 4 >= ASSET_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n - 4; i++) {
        char c = fname[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
        out[i] = c;
    }
    out[n - 4] = '\0';
    return 1;
}

static ft_status read_whole(const char *path, uint8_t **out, size_t *len, ft_err *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ft_err_set(err, FT_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    for (;;) {
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return ft_err_set(err, FT_ERR_IO, "cannot read '%s'", path);
    }
    *out = buf;
    *len = n;
    return FT_OK;
}

ft_status ft_prices_load_dir(ft_prices **out, const char *dir, ft_err *err)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return ft_err_set(err, FT_ERR_IO, "cannot open prices directory '%s': %s", dir,
                          strerror(errno));
    char **names = NULL;
    size_t n_names = 0, cap_names = 0;
    ft_status st = FT_OK;
    ft_prices *p = calloc(1, sizeof *p);
    if (!p)
        st = ft_err_set(err, FT_ERR_NOMEM, "out of memory loading prices");
    struct dirent *e;
    char asset[ASSET_NAME_MAX];
    while (st == FT_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !asset_of_file(e->d_name, asset))
            continue;
        if (n_names == cap_names) {
            size_t cap = cap_names ? cap_names * 2 : 8;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = ft_err_set(err, FT_ERR_NOMEM, "out of memory loading prices");
                break;
            }
            names = nn;
            cap_names = cap;
        }
        names[n_names] = strdup(e->d_name);
        if (!names[n_names]) {
            st = ft_err_set(err, FT_ERR_NOMEM, "out of memory loading prices");
            break;
        }
        n_names++;
    }
    closedir(d);
    if (st == FT_OK && n_names > 0) {
        qsort(names, n_names, sizeof *names, cmp_str);
        p->s = calloc(n_names, sizeof *p->s);
        if (!p->s)
            st = ft_err_set(err, FT_ERR_NOMEM, "out of memory loading prices");
    }
    for (size_t i = 0; st == FT_OK && i < n_names; i++) {
        char path[4200];
        int pn = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (pn < 0 || (size_t)pn >= sizeof path) {
            st = ft_err_set(err, FT_ERR_ARG, "prices path too long: '%s'", dir);
            break;
        }
        price_series *s = &p->s[p->n++];
        if (!asset_of_file(names[i], s->name))
            continue; /* cannot happen: filtered above */
        for (size_t j = 0; j + 1 < p->n; j++)
            if (strcmp(p->s[j].name, s->name) == 0)
                st = ft_err_set(err, FT_ERR_PARSE, "'%s': a second price file for asset '%s'",
                                path, s->name);
        uint8_t *text = NULL;
        size_t len = 0;
        if (st == FT_OK)
            st = read_whole(path, &text, &len, err);
        if (st == FT_OK)
            st = parse_file(s, text, len, path, err);
        free(text);
    }
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    if (st != FT_OK) {
        ft_prices_free(p);
        return st;
    }
    *out = p;
    return FT_OK;
}

static const price_series *find_series(const ft_prices *p, const char *asset)
{
    if (!p || !asset)
        return NULL;
    for (size_t i = 0; i < p->n; i++) {
        const char *a = p->s[i].name, *b = asset;
        while (*a && *b) {
            char cb = *b >= 'a' && *b <= 'z' ? (char)(*b - 'a' + 'A') : *b;
            if (*a != cb)
                break;
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0')
            return &p->s[i];
    }
    return NULL;
}

int ft_prices_day(const ft_prices *p, const char *asset, int64_t time, uint64_t *micro_usd)
{
    *micro_usd = 0;
    const price_series *s = find_series(p, asset);
    if (!s || s->n == 0)
        return 0;
    int64_t day = day_of_time(time);
    size_t lo = 0, hi = s->n; /* search [lo, hi) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((int64_t)s->day[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == s->n || (int64_t)s->day[lo] != day)
        return 0;
    *micro_usd = s->micro[lo];
    return 1;
}

int ft_prices_mul_round(ft_u128 amount, uint64_t micro_price, unsigned decimals, ft_u128 *micro_usd)
{
    *micro_usd = 0;
    if (decimals > 38)
        return 0;
    ft_u128 div = 1;
    unsigned d_eff = decimals > 19 ? 19 : decimals;
    for (unsigned i = 0; i < decimals; i++)
        div *= 10;
    ft_u128 q = amount / div, r = amount % div;
    if (decimals > d_eff) { /* keep the first 19 fraction digits of the unit */
        ft_u128 drop = 1;
        for (unsigned i = d_eff; i < decimals; i++)
            drop *= 10;
        r /= drop;
        div /= drop;
    }
    ft_u128 whole, frac;
    if (!ft_u128_mul(&whole, q, (ft_u128)micro_price))
        return 0;
    frac = r * (ft_u128)micro_price; /* r < 10^19, price < 2^64: below 2^128 */
    frac = (frac + div / 2) / div;
    if (!ft_u128_add(micro_usd, whole, frac))
        return 0;
    return 1;
}

int ft_prices_value(const ft_prices *p, const char *asset, unsigned decimals, ft_u128 amount,
                    int64_t time, ft_u128 *micro_usd)
{
    *micro_usd = 0;
    uint64_t price;
    if (!ft_prices_day(p, asset, time, &price))
        return 0;
    return ft_prices_mul_round(amount, price, decimals, micro_usd);
}

ft_u128 ft_prices_round_exact(ft_u128 exact, unsigned decimals)
{
    if (decimals > 38)
        return 0;
    ft_u128 div = 1;
    for (unsigned i = 0; i < decimals; i++)
        div *= 10;
    ft_u128 q = exact / div, r = exact % div;
    return q + (r >= div - div / 2 ? 1 : 0);
}

void ft_prices_format_usd(char *out, ft_u128 micro_usd)
{
    ft_u128 cents = micro_usd / 10000 + (micro_usd % 10000 >= 5000 ? 1 : 0);
    ft_amount_format(out, cents, 2);
}

void ft_prices_free(ft_prices *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->s[i].day);
        free(p->s[i].micro);
    }
    free(p->s);
    free(p);
}
