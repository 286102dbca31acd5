/*
 * labels.c — label files (CSV, GraphSense TagPack YAML) and label records (see labels.h).
 *
 * CSV: an RFC 4180 reader (quoted fields, "" escapes, CRLF or LF, a UTF-8 BOM tolerated,
 * blank lines skipped) over the whole file in memory; each row is checked completely before
 * the next: field count, chain and address through the caller's resolver, entity and source
 * lengths, category among the nine, confidence an integer 0..100. The first failure stops
 * the parse with "'FILE' line N: …" and the set is restored to its size before the call.
 * TagPack: libyaml's document loader; the header's label/category/source/currency/network/
 * confidence are defaults for each entry of `tags`; an entry's line in messages is the YAML
 * line of its mapping. Categories map from GraphSense's taxonomy (exchange, mixing_service,
 * perpetrator …) to ours. Stored values are read back through ft_reader (untrusted).
 */
#include "engine/labels.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "engine/hash.h"
#include "engine/keys.h"
#include "engine/reader.h"

#include "engine/banned.h"

static const char *const cat_names[FT_CAT_COUNT] = {
    "exchange", "otc", "payment", "mixer", "bridge", "defi", "hack", "sanctioned", "other"};

uint8_t ft_label_cat_parse(const char *s)
{
    for (int i = 0; i < FT_CAT_COUNT; i++)
        if (strcmp(s, cat_names[i]) == 0)
            return (uint8_t)i;
    return FT_CAT_NONE;
}

const char *ft_label_cat_name(uint8_t cat)
{
    return cat < FT_CAT_COUNT ? cat_names[cat] : "unknown";
}

uint8_t ft_label_cat_from_graphsense(const char *s)
{
    static const struct {
        const char *gs;
        uint8_t cat;
    } map[] = {
        {"exchange", FT_CAT_EXCHANGE},      {"otc", FT_CAT_OTC},
        {"payment_processor", FT_CAT_PAYMENT}, {"payment", FT_CAT_PAYMENT},
        {"mixing_service", FT_CAT_MIXER},   {"mixer", FT_CAT_MIXER},
        {"coinjoin", FT_CAT_MIXER},         {"bridge", FT_CAT_BRIDGE},
        {"defi", FT_CAT_DEFI},              {"defi_dex", FT_CAT_DEFI},
        {"perpetrator", FT_CAT_HACK},       {"hacker", FT_CAT_HACK},
        {"hack", FT_CAT_HACK},              {"ransomware", FT_CAT_HACK},
        {"sanctioned", FT_CAT_SANCTIONED},  {"sanction", FT_CAT_SANCTIONED},
    };
    uint8_t c = ft_label_cat_parse(s);
    if (c != FT_CAT_NONE)
        return c;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(s, map[i].gs) == 0)
            return map[i].cat;
    return FT_CAT_OTHER;
}

void ft_label_set_release(ft_label_set *s)
{
    if (!s)
        return;
    free(s->v);
    memset(s, 0, sizeof *s);
}

static ft_label *set_push(ft_label_set *s)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        ft_label *nv = realloc(s->v, nc * sizeof *nv);
        if (!nv)
            return NULL;
        s->v = nv;
        s->cap = nc;
    }
    ft_label *l = &s->v[s->n++];
    memset(l, 0, sizeof *l);
    return l;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

#define CSV_MAX_FIELDS 16

typedef struct csv_row {
    char *buf; /* unescaped fields, each NUL-terminated */
    size_t cap;
    char *field[CSV_MAX_FIELDS];
    size_t flen[CSV_MAX_FIELDS];
    int n;
} csv_row;

/* Reads one record starting at *pp. Returns 1 with a row, 0 at the end, -1 on a format
 * error (*why set). *line is advanced by the newlines consumed. */
static int csv_next(const char **pp, const char *end, csv_row *row, uint32_t *line,
                    const char **why)
{
    const char *p = *pp;
    /* skip blank lines */
    while (p < end && (*p == '\n' || *p == '\r')) {
        if (*p == '\n')
            (*line)++;
        p++;
    }
    if (p >= end) {
        *pp = p;
        return 0;
    }
    size_t need = (size_t)(end - p) + CSV_MAX_FIELDS + 1;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl && !memchr(p, '"', (size_t)(nl - p)))
        need = (size_t)(nl - p) + CSV_MAX_FIELDS + 1;
    if (need > row->cap) {
        char *nb = realloc(row->buf, need);
        if (!nb) {
            *why = "out of memory";
            return -1;
        }
        row->buf = nb;
        row->cap = need;
    }
    char *o = row->buf;
    row->n = 0;
    for (;;) {
        if (row->n >= CSV_MAX_FIELDS) {
            *why = "too many fields";
            return -1;
        }
        row->field[row->n] = o;
        char *start = o;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end) {
                    *why = "unterminated quoted field";
                    return -1;
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *o++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n')
                    (*line)++;
                if (*p == '\0') {
                    *why = "NUL byte in a field";
                    return -1;
                }
                *o++ = *p++;
            }
            if (p < end && *p != ',' && *p != '\n' && !(*p == '\r' && (p + 1 == end || p[1] == '\n'))) {
                *why = "text after a closing quote";
                return -1;
            }
        } else {
            while (p < end && *p != ',' && *p != '\n' && !(*p == '\r' && (p + 1 == end || p[1] == '\n'))) {
                if (*p == '"') {
                    *why = "quote inside an unquoted field";
                    return -1;
                }
                if (*p == '\0') {
                    *why = "NUL byte in a field";
                    return -1;
                }
                *o++ = *p++;
            }
        }
        row->flen[row->n] = (size_t)(o - start);
        *o++ = '\0';
        row->n++;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p == '\n') {
            p++;
            (*line)++;
        }
        break;
    }
    *pp = p;
    return 1;
}

static void trim(char *s)
{
    size_t n = strlen(s), a = 0;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (s[a] == ' ' || s[a] == '\t')
        a++;
    if (a)
        memmove(s, s + a, n - a + 1);
}

static int parse_confidence(const char *s, uint8_t *out)
{
    *out = FT_LABEL_NO_CONFIDENCE;
    if (!*s)
        return 1;
    unsigned v = 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p) || p - s > 3)
            return 0;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v > 100)
        return 0;
    *out = (uint8_t)v;
    return 1;
}

/* Fills l from the five text fields; on failure sets err to "'F' line N: …". */
static ft_status fill_label(ft_label *l, const char *chain, const char *addr, const char *entity,
                            size_t elen, uint8_t cat, const char *catname, const char *source,
                            size_t slen, uint8_t conf, ft_label_addr_fn fn, void *fctx,
                            const char *fname, uint32_t line, ft_err *err)
{
    if (!*chain)
        return ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: empty chain", fname, line);
    if (!*addr)
        return ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: empty address", fname, line);
    if (strlen(addr) >= FT_LABEL_ADDR_TEXT_MAX)
        return ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: address too long", fname, line);
    if (elen == 0)
        return ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: empty entity", fname, line);
    if (elen >= FT_LABEL_TEXT_MAX || strlen(entity) != elen)
        return ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: entity longer than %d bytes", fname,
                          line, FT_LABEL_TEXT_MAX - 1);
    if (slen >= FT_LABEL_TEXT_MAX || strlen(source) != slen)
        return ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: source longer than %d bytes", fname,
                          line, FT_LABEL_TEXT_MAX - 1);
    if (cat == FT_CAT_NONE)
        return ft_err_set(err, FT_ERR_PARSE,
                          "'%s' line %u: unknown category '%.40s' (exchange, otc, payment, mixer, "
                          "bridge, defi, hack, sanctioned, other)",
                          fname, line, catname);
    ft_err sub;
    ft_err_clear(&sub);
    ft_status rc = fn(fctx, chain, addr, &l->chain, &l->addr, &sub);
    if (rc == FT_ERR_NOTFOUND)
        return ft_err_set(err, FT_ERR_NOTFOUND, "'%s' line %u: unsupported chain '%.40s'", fname,
                          line, chain);
    if (rc != FT_OK)
        return ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: %s", fname, line,
                          sub.msg[0] ? sub.msg : "invalid address");
    memcpy(l->addr_text, addr, strlen(addr) + 1);
    memcpy(l->entity, entity, elen + 1);
    memcpy(l->source, source, slen + 1);
    l->category = cat;
    l->confidence = conf;
    l->line = line;
    return FT_OK;
}

ft_status ft_labels_parse_csv(const char *text, size_t len, const char *fname,
                              ft_label_addr_fn fn, void *fctx, ft_label_set *out, ft_err *err)
{
    size_t n0 = out->n;
    const char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    csv_row row;
    memset(&row, 0, sizeof row);
    uint32_t line = 1, row_line;
    const char *why = NULL;
    ft_status rc = FT_OK;
    int r = csv_next(&p, end, &row, &line, &why);
    if (r <= 0) {
        free(row.buf);
        return ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: %s", fname, line,
                          r == 0 ? "no header (chain,address,entity,category,source[,confidence])"
                                 : why);
    }
    static const char *const hdr[6] = {"chain", "address", "entity", "category", "source",
                                        "confidence"};
    int ok = row.n == 5 || row.n == 6;
    for (int i = 0; ok && i < row.n; i++) {
        trim(row.field[i]);
        ok = strcmp(row.field[i], hdr[i]) == 0;
    }
    if (!ok) {
        free(row.buf);
        return ft_err_set(err, FT_ERR_PARSE,
                          "'%s' line 1: header must be chain,address,entity,category,source"
                          "[,confidence]",
                          fname);
    }
    int ncol = row.n;
    for (;;) {
        row_line = line;
        /* the row starts after blank lines: csv_next counts them, so note the line after */
        const char *q = p;
        while (q < end && (*q == '\n' || *q == '\r')) {
            if (*q == '\n')
                row_line++;
            q++;
        }
        r = csv_next(&p, end, &row, &line, &why);
        if (r == 0)
            break;
        if (r < 0) {
            rc = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: %s", fname, row_line, why);
            break;
        }
        if (row.n != ncol) {
            rc = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: expected %d fields, got %d", fname,
                            row_line, ncol, row.n);
            break;
        }
        for (int i = 0; i < row.n; i++)
            if (i != 2 && i != 4)
                trim(row.field[i]);
        uint8_t conf = FT_LABEL_NO_CONFIDENCE;
        if (ncol == 6 && !parse_confidence(row.field[5], &conf)) {
            rc = ft_err_set(err, FT_ERR_PARSE,
                            "'%s' line %u: confidence '%.20s' is not an integer from 0 to 100",
                            fname, row_line, row.field[5]);
            break;
        }
        ft_label *l = set_push(out);
        if (!l) {
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", fname);
            break;
        }
        rc = fill_label(l, row.field[0], row.field[1], row.field[2], row.flen[2],
                        ft_label_cat_parse(row.field[3]), row.field[3], row.field[4], row.flen[4],
                        conf, fn, fctx, fname, row_line, err);
        if (rc != FT_OK) {
            if (rc == FT_ERR_NOTFOUND)
                rc = FT_ERR_PARSE;
            err->code = rc;
            break;
        }
    }
    free(row.buf);
    if (rc != FT_OK)
        out->n = n0;
    return rc;
}

/* ---- TagPack (YAML) ----------------------------------------------------------------------- */

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(doc, pr->key);
        if (k && k->type == YAML_SCALAR_NODE && strlen(key) == k->data.scalar.length &&
            memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
            return yaml_document_get_node(doc, pr->value);
    }
    return NULL;
}

/* The scalar text of map[key] (NUL-terminated by libyaml), or NULL. */
static const char *map_str(yaml_document_t *doc, yaml_node_t *map, const char *key, size_t *len)
{
    yaml_node_t *n = map_get(doc, map, key);
    if (!n || n->type != YAML_SCALAR_NODE)
        return NULL;
    if (len)
        *len = n->data.scalar.length;
    return (const char *)n->data.scalar.value;
}

static const char *first_str(yaml_document_t *doc, yaml_node_t *tag, yaml_node_t *hdr,
                             const char *key, size_t *len)
{
    const char *s = map_str(doc, tag, key, len);
    return s ? s : map_str(doc, hdr, key, len);
}

static void lower_chain(const char *in, char *out, size_t cap)
{
    size_t i = 0;
    for (; in[i] && i + 1 < cap; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
    if (strcmp(out, "btc") == 0)
        snprintf(out, cap, "bitcoin");
    else if (strcmp(out, "eth") == 0)
        snprintf(out, cap, "ethereum");
}

ft_status ft_labels_parse_tagpack(const char *text, size_t len, const char *fname,
                                  ft_label_addr_fn fn, void *fctx, ft_label_set *out, ft_err *err)
{
    size_t n0 = out->n, skipped0 = out->skipped;
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        ft_status rc = ft_err_set(err, FT_ERR_PARSE, "'%s' line %lu: %s", fname,
                                  (unsigned long)parser.problem_mark.line + 1,
                                  parser.problem ? parser.problem : "invalid YAML");
        yaml_parser_delete(&parser);
        return rc;
    }
    ft_status rc = FT_OK;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *tags = map_get(&doc, root, "tags");
    if (!root || root->type != YAML_MAPPING_NODE || !tags || tags->type != YAML_SEQUENCE_NODE) {
        rc = ft_err_set(err, FT_ERR_PARSE, "'%s' line %lu: not a TagPack (no 'tags' list)", fname,
                        root ? (unsigned long)root->start_mark.line + 1 : 1ul);
        goto done;
    }
    for (yaml_node_item_t *it = tags->data.sequence.items.start;
         it < tags->data.sequence.items.top && rc == FT_OK; it++) {
        yaml_node_t *tag = yaml_document_get_node(&doc, *it);
        uint32_t line = tag ? (uint32_t)tag->start_mark.line + 1 : 0;
        if (!tag || tag->type != YAML_MAPPING_NODE) {
            rc = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: a tag must be a mapping", fname,
                            line);
            break;
        }
        size_t elen = 0, slen = 0;
        const char *addr = map_str(&doc, tag, "address", NULL);
        const char *entity = first_str(&doc, tag, root, "label", &elen);
        const char *cat = first_str(&doc, tag, root, "category", NULL);
        const char *source = first_str(&doc, tag, root, "source", &slen);
        const char *chain = first_str(&doc, tag, root, "network", NULL);
        if (!chain)
            chain = first_str(&doc, tag, root, "currency", NULL);
        const char *conf_s = first_str(&doc, tag, root, "confidence", NULL);
        if (!addr) {
            rc = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: tag without 'address'", fname, line);
            break;
        }
        if (!entity) {
            rc = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: tag without 'label'", fname, line);
            break;
        }
        if (!chain) {
            rc = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: tag without 'currency' or 'network'",
                            fname, line);
            break;
        }
        if (!source) {
            source = map_str(&doc, root, "title", &slen);
            if (!source) {
                source = "";
                slen = 0;
            }
        }
        char chain_l[32];
        lower_chain(chain, chain_l, sizeof chain_l);
        uint8_t conf = FT_LABEL_NO_CONFIDENCE;
        if (conf_s)
            (void)parse_confidence(conf_s, &conf); /* GraphSense uses names: kept as none */
        ft_label *l = set_push(out);
        if (!l) {
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", fname);
            break;
        }
        uint8_t c = cat ? ft_label_cat_from_graphsense(cat) : FT_CAT_OTHER;
        rc = fill_label(l, chain_l, addr, entity, elen, c, cat ? cat : "", source, slen, conf, fn,
                        fctx, fname, line, err);
        if (rc == FT_ERR_NOTFOUND) {
            out->n--;
            out->skipped++;
            ft_err_clear(err);
            rc = FT_OK;
        }
    }
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc != FT_OK) {
        out->n = n0;
        out->skipped = skipped0;
    }
    return rc;
}

/* ---- store records ------------------------------------------------------------------------ */

size_t ft_labels_key(uint8_t *k, const ft_label *l)
{
    uint8_t h[32];
    ft_sha256_ctx c;
    ft_sha256_init(&c);
    ft_sha256_update(&c, l->entity, strlen(l->entity));
    ft_sha256_update(&c, "", 1);
    ft_sha256_update(&c, l->source, strlen(l->source));
    ft_sha256_final(&c, h);
    size_t n = l->addr.len <= FT_ADDR_KEY_MAX ? l->addr.len : FT_ADDR_KEY_MAX;
    k[0] = FT_KEY_LABEL;
    k[1] = l->chain;
    k[2] = (uint8_t)n;
    memcpy(k + 3, l->addr.bytes, n);
    memcpy(k + 3 + n, h, 8);
    return 3 + n + 8;
}

static size_t encode_value(uint8_t *v, const ft_label *l)
{
    size_t n = 0;
    v[n++] = 1;
    v[n++] = l->category;
    v[n++] = l->confidence;
    const char *s[3] = {l->entity, l->source, l->addr_text};
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(s[i]);
        n += ft_put_compact(v + n, len);
        memcpy(v + n, s[i], len);
        n += len;
    }
    return n;
}

#define LABEL_VALUE_MAX (3 + 3 * 9 + 2 * FT_LABEL_TEXT_MAX + FT_LABEL_ADDR_TEXT_MAX)

typedef struct keyed {
    uint8_t k[FT_LABEL_KEY_MAX];
    size_t kl;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    size_t n = x->kl < y->kl ? x->kl : y->kl;
    int c = memcmp(x->k, y->k, n);
    return c ? c : (x->kl < y->kl ? -1 : x->kl > y->kl);
}

ft_status ft_labels_store(ft_store *st, const ft_label_set *set, size_t *n_new, ft_err *err)
{
    *n_new = 0;
    ft_store_batch *b = ft_store_batch_new();
    keyed *keys = malloc((set->n + 1) * sizeof *keys);
    if (!b || !keys) {
        ft_store_batch_free(b);
        free(keys);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a label batch");
    }
    uint8_t v[LABEL_VALUE_MAX];
    for (size_t i = 0; i < set->n; i++) {
        keys[i].kl = ft_labels_key(keys[i].k, &set->v[i]);
        ft_store_batch_put(b, keys[i].k, keys[i].kl, v, encode_value(v, &set->v[i]));
    }
    /* new = distinct keys (a label repeated in the file counts once) not stored before */
    qsort(keys, set->n, sizeof *keys, cmp_keyed);
    ft_status rc = FT_OK;
    for (size_t i = 0; i < set->n && rc == FT_OK; i++) {
        if (i > 0 && cmp_keyed(&keys[i], &keys[i - 1]) == 0)
            continue;
        uint8_t *old;
        size_t ol;
        rc = ft_store_get(st, keys[i].k, keys[i].kl, &old, &ol, err);
        if (rc == FT_OK)
            free(old);
        else if (rc == FT_ERR_NOTFOUND) {
            (*n_new)++;
            rc = FT_OK;
        }
    }
    free(keys);
    if (rc == FT_OK)
        rc = ft_store_batch_commit(st, b, 1, err);
    ft_store_batch_free(b);
    return rc;
}

static int rd_str(ft_reader *r, char *out, size_t cap)
{
    uint64_t n;
    if (!ft_reader_compact(r, cap - 1, &n) || !ft_reader_copy(r, out, (size_t)n))
        return 0;
    out[n] = '\0';
    return memchr(out, '\0', (size_t)n) == NULL;
}

ft_status ft_labels_decode(ft_label *l, const uint8_t *key, size_t klen, const uint8_t *val,
                           size_t vlen, ft_err *err)
{
    memset(l, 0, sizeof *l);
    ft_reader r;
    uint8_t ver;
    if (klen < 3 + 8 || key[0] != FT_KEY_LABEL || key[2] == 0 || key[2] > FT_ADDR_KEY_MAX ||
        klen != 3u + key[2] + 8)
        goto bad;
    l->chain = key[1];
    l->addr.len = key[2];
    memcpy(l->addr.bytes, key + 3, key[2]);
    ft_reader_init(&r, val, vlen);
    if (!ft_reader_u8(&r, &ver) || ver != 1 || !ft_reader_u8(&r, &l->category) ||
        !ft_reader_u8(&r, &l->confidence) || !rd_str(&r, l->entity, sizeof l->entity) ||
        !rd_str(&r, l->source, sizeof l->source) ||
        !rd_str(&r, l->addr_text, sizeof l->addr_text) || r.left != 0 ||
        l->category >= FT_CAT_COUNT ||
        (l->confidence > 100 && l->confidence != FT_LABEL_NO_CONFIDENCE))
        goto bad; /* a confidence no parser writes (found by fuzz_labels_csv) is corrupt too */
    return FT_OK;
bad:
    memset(l, 0, sizeof *l);
    return ft_err_set(err, FT_ERR_CORRUPT, "corrupt label record");
}

static ft_status scan_prefix(ft_store *st, const uint8_t *prefix, size_t plen, ft_label_set *out,
                             ft_err *err)
{
    ft_store_iter *it = ft_store_iter_new(st, prefix, plen);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a store iterator");
    const uint8_t *k, *v;
    size_t kl, vl;
    ft_status rc = FT_OK;
    while (rc == FT_OK && ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        ft_label *l = set_push(out);
        if (!l) {
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading labels");
            break;
        }
        rc = ft_labels_decode(l, k, kl, v, vl, err);
        if (rc != FT_OK) {
            out->n--;
            ft_err_prefix(err, "index '%s'", ft_store_path(st));
        }
    }
    if (rc == FT_OK)
        rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    return rc;
}

ft_status ft_labels_get(ft_store *st, uint8_t chain, const ft_addr_key *key, ft_label_set *out,
                        ft_err *err)
{
    uint8_t p[3 + FT_ADDR_KEY_MAX];
    size_t n = key->len <= FT_ADDR_KEY_MAX ? key->len : FT_ADDR_KEY_MAX;
    p[0] = FT_KEY_LABEL;
    p[1] = chain;
    p[2] = (uint8_t)n;
    memcpy(p + 3, key->bytes, n);
    return scan_prefix(st, p, 3 + n, out, err);
}

ft_status ft_labels_scan(ft_store *st, uint8_t chain, ft_label_set *out, ft_err *err)
{
    uint8_t p[2] = {FT_KEY_LABEL, chain};
    return scan_prefix(st, p, 2, out, err);
}

static int same_addr(const ft_label *a, const ft_label *b)
{
    return a->chain == b->chain && a->addr.len == b->addr.len &&
           memcmp(a->addr.bytes, b->addr.bytes, a->addr.len) == 0;
}

ft_status ft_labels_conflicts(ft_store *st, const ft_label_set *set, ft_label_conflict_fn cb,
                              void *ctx, size_t *n, ft_err *err)
{
    *n = 0;
    /* order the set by address so that labels of one address are adjacent */
    size_t *ord = malloc((set->n + 1) * sizeof *ord);
    if (!ord)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory checking label conflicts");
    for (size_t i = 0; i < set->n; i++)
        ord[i] = i;
    /* insertion by hash buckets would be faster; a sort on (chain, key, index) is enough */
    for (size_t gap = set->n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < set->n; i++)
            for (size_t j = i; j >= gap; j -= gap) {
                const ft_label *x = &set->v[ord[j - gap]], *y = &set->v[ord[j]];
                int c = x->chain != y->chain ? (x->chain < y->chain ? -1 : 1)
                        : x->addr.len != y->addr.len ? (x->addr.len < y->addr.len ? -1 : 1)
                        : memcmp(x->addr.bytes, y->addr.bytes, x->addr.len);
                if (c < 0 || (c == 0 && ord[j - gap] < ord[j]))
                    break;
                size_t t = ord[j];
                ord[j] = ord[j - gap];
                ord[j - gap] = t;
            }
    ft_status rc = FT_OK;
    ft_label_set stored;
    memset(&stored, 0, sizeof stored);
    for (size_t i = 0; i < set->n && rc == FT_OK;) {
        size_t j = i;
        while (j < set->n && same_addr(&set->v[ord[i]], &set->v[ord[j]]))
            j++;
        stored.n = 0;
        rc = ft_labels_get(st, set->v[ord[i]].chain, &set->v[ord[i]].addr, &stored, err);
        for (size_t a = i; a < j && rc == FT_OK; a++) {
            const ft_label *l = &set->v[ord[a]], *other = NULL;
            for (size_t s = 0; s < stored.n && !other; s++)
                if (strcmp(stored.v[s].entity, l->entity) != 0)
                    other = &stored.v[s];
            for (size_t b = i; b < a && !other; b++)
                if (strcmp(set->v[ord[b]].entity, l->entity) != 0)
                    other = &set->v[ord[b]];
            if (other) {
                (*n)++;
                if (cb)
                    cb(ctx, l, other);
            }
        }
        i = j;
    }
    ft_label_set_release(&stored);
    free(ord);
    return rc;
}
