/*
 * exposure.c — per-address exposure records (see exposure.h for the grammar).
 *
 * Replacing an incident's exposure, in one batch:
 *
 *     scan 0x51 chain ilen incident …      each old (addr_key, model) of the incident that
 *         delete 0x51 … and 0x50 chain      no new item puts again (the new items, sorted in
 *         klen addr_key ilen incident model by-incident key order, are walked along with the
 *                                           scan), since a put replaces a row under its key
 *     put 0x50 row + 0x51 index entry       for every new nonzero item
 *     put 0x52 run record                   per incident (models, limits, row count)
 *
 * A re-run with an unchanged result thus writes each key once instead of a delete and a put
 * (the batch half the size: CPU 41.6 → 23.0 s, peak RSS 3.96 → 2.37 GB re-storing the 4.1 M
 * rows of the 1M-tx generated chain on a busy machine). The sort that finds duplicate items
 * is the one the walk uses.
 *
 * The store's batch applies operations sorted by key with the later of two operations on
 * one key winning, so a row deleted and put again in the same batch ends up put. One
 * synced commit makes the switch atomic.
 * Then the exposure key range is compacted (ft_store_compact): a run over a large chain
 * writes millions of rows (4.1 M on a 1 M-tx generated chain) that would otherwise stay in
 * level-0 files that every short-lived reader must open.
 *
 * Several chains (ft_exposure_replace_parts: Bitcoin and the EVM chains of one `trace`) go
 * into that one batch, part after part, so a run replaces all of them or none. Token rows of
 * account chains end their keys with `alen asset_key`; native rows (all of Bitcoin's) end at
 * the model byte, as they always have, so an older index reads unchanged.
 *
 * Invariants: every 0x50 row has its 0x51 entry and the reverse; a 0x52 record exists for
 * every incident whose rows were written (n_rows counts them, possibly 0). Values read back
 * are untrusted: every key and value is parsed with ft_reader and must end exactly.
 */
#include "engine/exposure.h"

#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
#include "engine/keys.h"
#include "engine/reader.h"
#include "heuristics/taint.h"

#include "engine/banned.h"

#define EXP_KEY_MAX (2 + 1 + FT_ADDR_KEY_MAX + 1 + FT_INCIDENT_NAME_MAX + 1 + 1 + FT_ADDR_KEY_MAX)

void ft_exposure_set_release(ft_exposure_set *s)
{
    if (!s)
        return;
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

/* ---- keys and values --------------------------------------------------------------------- */

/* The optional asset part that ends a row and a by-incident key: nothing for the native
 * asset (as is, NULL), else alen:u8 asset_key. */
static size_t put_asset(uint8_t *k, const ft_addr_key *as)
{
    if (!as)
        return 0;
    k[0] = as->len;
    memcpy(k + 1, as->bytes, as->len);
    return 1 + (size_t)as->len;
}

static size_t row_key(uint8_t *k, uint8_t chain, const ft_addr_key *a, const char *inc, size_t il,
                      uint8_t model, const ft_addr_key *as)
{
    size_t n = 0;
    k[n++] = FT_KEY_EXPOSURE;
    k[n++] = chain;
    k[n++] = a->len;
    memcpy(k + n, a->bytes, a->len);
    n += a->len;
    k[n++] = (uint8_t)il;
    memcpy(k + n, inc, il);
    n += il;
    k[n++] = model;
    return n + put_asset(k + n, as);
}

static size_t inc_key(uint8_t *k, uint8_t chain, const char *inc, size_t il, const ft_addr_key *a,
                      uint8_t model, const ft_addr_key *as)
{
    size_t n = 0;
    k[n++] = FT_KEY_EXPOSURE_BY_INC;
    k[n++] = chain;
    k[n++] = (uint8_t)il;
    memcpy(k + n, inc, il);
    n += il;
    k[n++] = a->len;
    memcpy(k + n, a->bytes, a->len);
    n += a->len;
    k[n++] = model;
    return n + put_asset(k + n, as);
}

static size_t run_key(uint8_t *k, uint8_t chain, const char *inc, size_t il)
{
    k[0] = FT_KEY_EXPOSURE_RUN;
    k[1] = chain;
    k[2] = (uint8_t)il;
    memcpy(k + 3, inc, il);
    return 3 + il;
}

/* Reads the optional asset part at the end of a key: r empty → native (as->len 0), else
 * alen:u8 (1..48) asset_key ending the key exactly. 0 when malformed. */
static int rd_asset(ft_reader *r, ft_addr_key *as)
{
    memset(as, 0, sizeof *as);
    if (r->left == 0)
        return 1;
    return ft_reader_u8(r, &as->len) && as->len > 0 && as->len <= FT_ADDR_KEY_MAX &&
           ft_reader_copy(r, as->bytes, as->len) && r->left == 0;
}

/* u128v: len:u8 ‖ big-endian bytes, minimal (no leading zero byte). */
static void put_u128v(ft_buf *b, ft_u128 v)
{
    uint8_t be[16];
    size_t n = 0;
    for (ft_u128 x = v; x; x >>= 8)
        n++;
    for (size_t i = 0; i < n; i++)
        be[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    ft_buf_u8(b, (uint8_t)n);
    ft_buf_append(b, be, n);
}

static int rd_u128v(ft_reader *r, ft_u128 *out)
{
    *out = 0;
    uint8_t n;
    if (!ft_reader_u8(r, &n) || n > 16)
        return 0;
    const uint8_t *p = ft_reader_ptr(r, n);
    if (!p || (n > 0 && p[0] == 0))
        return 0;
    ft_u128 v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    *out = v;
    return 1;
}

static int name_ok(const char *s, size_t *len)
{
    *len = strlen(s);
    return *len > 0 && *len < FT_INCIDENT_NAME_MAX;
}

/* ---- replace ----------------------------------------------------------------------------- */

/* The asset key of an item of part p: NULL for the native asset. */
static const ft_addr_key *item_asset(const ft_exposure_part *p, const ft_exposure_item *x)
{
    return x->asset ? &p->assets[x->asset - 1] : NULL;
}

/* Key order of two optional asset parts: native (NULL) first, then alen, then the bytes. */
static int asset_cmp(const ft_addr_key *a, const ft_addr_key *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return memcmp(a->bytes, b->bytes, a->len);
}

static const ft_exposure_part *cmp_part; /* qsort has no context argument */

/* Items in the order of their by-incident keys: incident, then klen addr_key model asset. */
static int item_cmp(const void *pa, const void *pb)
{
    const ft_exposure_item *a = &cmp_part->items[*(const size_t *)pa];
    const ft_exposure_item *b = &cmp_part->items[*(const size_t *)pb];
    if (a->incident != b->incident)
        return a->incident < b->incident ? -1 : 1;
    if (a->addr.len != b->addr.len)
        return a->addr.len < b->addr.len ? -1 : 1;
    int c = memcmp(a->addr.bytes, b->addr.bytes, a->addr.len);
    if (c)
        return c;
    if (a->model != b->model)
        return a->model < b->model ? -1 : 1;
    return asset_cmp(item_asset(cmp_part, a), item_asset(cmp_part, b));
}

/* The suffix of a by-incident key after the incident (klen addr_key model asset) against item
 * x of part p: <0, 0, >0 as key order. as: NULL for a native key. */
static int suffix_cmp(const ft_addr_key *a, uint8_t model, const ft_addr_key *as,
                      const ft_exposure_part *p, const ft_exposure_item *x)
{
    if (a->len != x->addr.len)
        return a->len < x->addr.len ? -1 : 1;
    int c = memcmp(a->bytes, x->addr.bytes, a->len);
    if (c)
        return c;
    if (model != x->model)
        return model < x->model ? -1 : 1;
    return asset_cmp(as, item_asset(p, x));
}

/* Checks a part's names, assets and items; on success *ord_out (malloc()ed, n_items entries)
 * lists the items in by-incident key order (no two equal). */
static ft_status check_part(const ft_exposure_part *p, size_t **ord_out, ft_err *err)
{
    *ord_out = NULL;
    for (size_t i = 0; i < p->n_names; i++) {
        size_t il;
        if (!p->names[i] || !name_ok(p->names[i], &il))
            return ft_err_set(err, FT_ERR_ARG,
                              "exposure: incident name %zu is empty or longer "
                              "than 127 bytes",
                              i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->names[i], p->names[j]) == 0)
                return ft_err_set(err, FT_ERR_ARG, "exposure: incident '%s' given twice",
                                  p->names[i]);
    }
    if (p->n_assets > 0 && !p->assets)
        return ft_err_set(err, FT_ERR_ARG, "exposure: %zu assets without a list", p->n_assets);
    for (size_t i = 0; i < p->n_assets; i++)
        if (p->assets[i].len == 0 || p->assets[i].len > FT_ADDR_KEY_MAX)
            return ft_err_set(err, FT_ERR_ARG, "exposure: asset %zu has a key of length %u", i,
                              (unsigned)p->assets[i].len);
    for (size_t i = 0; i < p->n_items; i++) {
        const ft_exposure_item *x = &p->items[i];
        if (x->incident >= p->n_names || x->model >= FT_TAINT_MODELS || x->addr.len == 0 ||
            x->addr.len > FT_ADDR_KEY_MAX || x->asset > p->n_assets)
            return ft_err_set(err, FT_ERR_ARG,
                              "exposure: item %zu has a bad incident, model, address or "
                              "asset",
                              i);
    }
    size_t *ord = malloc((p->n_items ? p->n_items : 1) * sizeof *ord);
    if (!ord)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory checking exposure rows");
    for (size_t i = 0; i < p->n_items; i++)
        ord[i] = i;
    cmp_part = p;
    if (p->n_items > 1)
        qsort(ord, p->n_items, sizeof *ord, item_cmp);
    ft_status rc = FT_OK;
    for (size_t i = 1; i < p->n_items && rc == FT_OK; i++)
        if (item_cmp(&ord[i - 1], &ord[i]) == 0)
            rc = ft_err_set(err, FT_ERR_ARG,
                            "exposure: incident '%s' model %u has two rows for one address "
                            "and asset",
                            p->names[p->items[ord[i]].incident], (unsigned)p->items[ord[i]].model);
    cmp_part = NULL;
    if (rc != FT_OK)
        free(ord);
    else
        *ord_out = ord;
    return rc;
}

/* Adds to b the deletes of every old row of incident inc that no new item puts again (a put
 * replaces the row and its index entry under the same keys): new_ord[0..n_new) are the
 * incident's nonzero items of part p in by-incident key order, walked along with the old
 * index entries. */
static ft_status delete_old(ft_store *st, const ft_exposure_part *p, const char *inc, size_t il,
                            const size_t *new_ord, size_t n_new, ft_store_batch *b, ft_err *err)
{
    size_t q = 0;
    uint8_t prefix[3 + FT_INCIDENT_NAME_MAX];
    prefix[0] = FT_KEY_EXPOSURE_BY_INC;
    prefix[1] = p->chain;
    prefix[2] = (uint8_t)il;
    memcpy(prefix + 3, inc, il);
    size_t plen = 3 + il;
    ft_store_iter *it = ft_store_iter_new(st, prefix, plen);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory scanning exposure");
    const uint8_t *k, *v;
    size_t kl, vl;
    ft_status rc = FT_OK;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        ft_reader r;
        ft_reader_init(&r, k + plen, kl - plen);
        ft_addr_key a, as;
        uint8_t model = 0;
        memset(&a, 0, sizeof a);
        int ok = ft_reader_u8(&r, &a.len) && a.len > 0 && a.len <= FT_ADDR_KEY_MAX &&
                 ft_reader_copy(&r, a.bytes, a.len) && ft_reader_u8(&r, &model) &&
                 model < FT_TAINT_MODELS && rd_asset(&r, &as) && vl == 1 && v[0] == 0x01;
        if (!ok) {
            rc = ft_err_set(err, FT_ERR_CORRUPT,
                            "index '%s': corrupt exposure index record of incident '%s'",
                            ft_store_path(st), inc);
            break;
        }
        const ft_addr_key *asp = as.len ? &as : NULL;
        int c = 1;
        while (q < n_new && (c = suffix_cmp(&a, model, asp, p, &p->items[new_ord[q]])) > 0)
            q++;
        if (q < n_new && c == 0)
            continue; /* put again below */
        uint8_t rk[EXP_KEY_MAX];
        ft_store_batch_delete(b, k, kl);
        ft_store_batch_delete(b, rk, row_key(rk, p->chain, &a, inc, il, model, asp));
    }
    if (rc == FT_OK)
        rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    return rc;
}

/* Adds part p's deletes, rows and run records to b. */
static ft_status add_part(ft_store *st, const ft_exposure_part *p, ft_store_batch *b, ft_buf *v,
                          ft_err *err)
{
    size_t *ord = NULL;
    ft_status rc = check_part(p, &ord, err);
    if (rc != FT_OK)
        return rc;
    const ft_exposure_item *items = p->items;
    const ft_exposure_run *run = p->run;
    /* ord: the nonzero items only, still in by-incident key order */
    size_t n_new = 0;
    for (size_t i = 0; i < p->n_items; i++)
        if (items[ord[i]].amount != 0)
            ord[n_new++] = ord[i];
    uint64_t *count = calloc(p->n_names ? p->n_names : 1, sizeof *count);
    if (!count) {
        free(ord);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory storing exposure");
    }
    for (size_t i = 0, q = 0; i < p->n_names && rc == FT_OK; i++) {
        size_t q0 = q;
        while (q < n_new && items[ord[q]].incident == i)
            q++;
        rc = delete_old(st, p, p->names[i], strlen(p->names[i]), ord + q0, q - q0, b, err);
    }
    static const uint8_t marker = 0x01;
    for (size_t j = 0; j < n_new && rc == FT_OK; j++) {
        const ft_exposure_item *x = &items[ord[j]];
        const ft_addr_key *as = item_asset(p, x);
        const char *inc = p->names[x->incident];
        size_t il = strlen(inc);
        uint8_t k[EXP_KEY_MAX];
        ft_buf_reset(v);
        ft_buf_u8(v, 0x01);
        put_u128v(v, x->amount);
        ft_store_batch_put(b, k, row_key(k, p->chain, &x->addr, inc, il, x->model, as), v->data,
                           v->len);
        ft_store_batch_put(b, k, inc_key(k, p->chain, inc, il, &x->addr, x->model, as), &marker, 1);
        count[x->incident]++;
    }
    for (size_t i = 0; i < p->n_names && rc == FT_OK; i++) {
        uint8_t k[3 + FT_INCIDENT_NAME_MAX];
        ft_buf_reset(v);
        ft_buf_u8(v, 0x01);
        ft_buf_compact(v, run ? run->models : 0);
        ft_buf_compact(v, run ? run->max_hops : UINT32_MAX);
        put_u128v(v, run ? run->min_value : 0);
        ft_buf_compact(v, count[i]);
        ft_store_batch_put(b, k, run_key(k, p->chain, p->names[i], strlen(p->names[i])), v->data,
                           v->len);
    }
    if (rc == FT_OK && v->failed)
        rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory storing exposure");
    free(count);
    free(ord);
    return rc;
}

ft_status ft_exposure_replace_parts(ft_store *st, const ft_exposure_part *parts, size_t n_parts,
                                    ft_err *err)
{
    for (size_t i = 0; i < n_parts; i++)
        for (size_t j = 0; j < i; j++)
            if (parts[i].chain == parts[j].chain)
                return ft_err_set(err, FT_ERR_ARG, "exposure: chain %u given in two parts",
                                  (unsigned)parts[i].chain);
    ft_store_batch *b = ft_store_batch_new();
    if (!b)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory storing exposure");
    ft_buf v;
    ft_buf_init(&v);
    ft_status rc = FT_OK;
    for (size_t i = 0; i < n_parts && rc == FT_OK; i++)
        rc = add_part(st, &parts[i], b, &v, err);
    if (rc == FT_OK)
        rc = ft_store_batch_commit(st, b, 1, err);
    if (rc == FT_OK) {
        /* push the rows out of level 0: a big run leaves large overlapping level-0 files that
         * every later `fundtrace address` process would otherwise open and search */
        const uint8_t lo = FT_KEY_EXPOSURE, hi = FT_KEY_EXPOSURE_RUN + 1;
        rc = ft_store_compact(st, &lo, 1, &hi, 1, err);
    }
    ft_buf_release(&v);
    ft_store_batch_free(b);
    return rc;
}

ft_status ft_exposure_replace(ft_store *st, uint8_t chain, const char *const *names, size_t n_names,
                              const ft_exposure_run *run, const ft_exposure_item *items,
                              size_t n_items, ft_err *err)
{
    ft_exposure_part p;
    memset(&p, 0, sizeof p);
    p.chain = chain;
    p.names = names;
    p.n_names = n_names;
    p.run = run;
    p.items = items;
    p.n_items = n_items;
    return ft_exposure_replace_parts(st, &p, 1, err);
}

/* ---- reads ------------------------------------------------------------------------------- */

static int push_row(ft_exposure_set *s, ft_exposure_row **row)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8;
        ft_exposure_row *nv = realloc(s->v, nc * sizeof *nv);
        if (!nv)
            return 0;
        s->v = nv;
        s->cap = nc;
    }
    *row = &s->v[s->n];
    memset(*row, 0, sizeof **row);
    return 1;
}

ft_status ft_exposure_get(ft_store *st, uint8_t chain, const ft_addr_key *key, ft_exposure_set *out,
                          ft_err *err)
{
    if (key->len == 0 || key->len > FT_ADDR_KEY_MAX)
        return ft_err_set(err, FT_ERR_ARG, "address key of length %u", (unsigned)key->len);
    uint8_t prefix[3 + FT_ADDR_KEY_MAX];
    prefix[0] = FT_KEY_EXPOSURE;
    prefix[1] = chain;
    prefix[2] = key->len;
    memcpy(prefix + 3, key->bytes, key->len);
    size_t plen = 3 + (size_t)key->len;
    ft_store_iter *it = ft_store_iter_new(st, prefix, plen);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory scanning exposure");
    const uint8_t *k, *v;
    size_t kl, vl;
    size_t n0 = out->n;
    ft_status rc = FT_OK;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        ft_exposure_row *row;
        if (!push_row(out, &row)) {
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading exposure");
            break;
        }
        ft_reader kr, vr;
        ft_reader_init(&kr, k + plen, kl - plen);
        ft_reader_init(&vr, v, vl);
        uint8_t il = 0, ver = 0;
        int ok = ft_reader_u8(&kr, &il) && il > 0 && il < FT_INCIDENT_NAME_MAX &&
                 ft_reader_copy(&kr, row->incident, il) && ft_reader_u8(&kr, &row->model) &&
                 row->model < FT_TAINT_MODELS && rd_asset(&kr, &row->asset) &&
                 ft_reader_u8(&vr, &ver) && ver == 0x01 && rd_u128v(&vr, &row->amount) &&
                 vr.left == 0;
        if (!ok) {
            rc = ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt exposure record",
                            ft_store_path(st));
            break;
        }
        row->incident[il] = '\0';
        out->n++;
    }
    if (rc == FT_OK)
        rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (rc != FT_OK)
        out->n = n0;
    return rc;
}

ft_status ft_exposure_run_get(ft_store *st, uint8_t chain, const char *incident,
                              ft_exposure_run *run, ft_err *err)
{
    memset(run, 0, sizeof *run);
    size_t il;
    if (!name_ok(incident, &il))
        return ft_err_set(err, FT_ERR_ARG, "incident name empty or longer than 127 bytes");
    uint8_t k[3 + FT_INCIDENT_NAME_MAX];
    uint8_t *v;
    size_t vl;
    ft_status rc = ft_store_get(st, k, run_key(k, chain, incident, il), &v, &vl, err);
    if (rc != FT_OK)
        return rc;
    ft_reader r;
    ft_reader_init(&r, v, vl);
    uint8_t ver;
    uint64_t models, hops;
    int ok = ft_reader_u8(&r, &ver) && ver == 0x01 && ft_reader_compact(&r, UINT32_MAX, &models) &&
             ft_reader_compact(&r, UINT32_MAX, &hops) && rd_u128v(&r, &run->min_value) &&
             ft_reader_compact(&r, UINT64_MAX, &run->n_rows) && r.left == 0;
    free(v);
    if (!ok) {
        memset(run, 0, sizeof *run);
        return ft_err_set(err, FT_ERR_CORRUPT,
                          "index '%s': corrupt exposure run record of incident '%s'",
                          ft_store_path(st), incident);
    }
    run->models = (unsigned)models;
    run->max_hops = (uint32_t)hops;
    return FT_OK;
}

ft_status ft_exposure_any(ft_store *st, uint8_t chain, int *any, ft_err *err)
{
    *any = 0;
    uint8_t prefix[2] = {FT_KEY_EXPOSURE_RUN, chain};
    ft_store_iter *it = ft_store_iter_new(st, prefix, sizeof prefix);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory scanning exposure");
    *any = ft_store_iter_next(it, NULL, NULL, NULL, NULL);
    ft_status rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (rc != FT_OK)
        *any = 0;
    return rc;
}
