/*
 * clusterstore.c — writing and reading cluster records (grammar in clusterstore.h and
 * docs/store-format.md, "Clusters").
 *
 * Write: one batch that deletes every 0x30/0x31/0x32 record of the chain and puts the new
 * ones plus the run record, committed synced: readers see the old run or the new one.
 * Cluster labels: the (root, entity) pairs of labeled addresses, sorted and deduplicated.
 * Read: every value through ft_reader; anything malformed is FT_ERR_CORRUPT.
 */
#include "engine/clusterstore.h"

#include <stdlib.h>
#include <string.h>

#include "engine/graph.h"
#include "engine/keys.h"
#include "engine/reader.h"

#include "engine/banned.h"

static ft_status delete_prefix(ft_store *st, ft_store_batch *b, uint8_t type, uint8_t chain,
                               ft_err *err)
{
    uint8_t p[2] = {type, chain};
    ft_store_iter *it = ft_store_iter_new(st, p, 2);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a store iterator");
    const uint8_t *k, *v;
    size_t kl, vl;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl))
        ft_store_batch_delete(b, k, kl);
    ft_status rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    return rc;
}

static size_t put_str(uint8_t *v, const char *s)
{
    size_t len = strlen(s), n = ft_put_compact(v, len);
    memcpy(v + n, s, len);
    return n + len;
}

typedef struct pair {
    uint32_t root, ent;
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->root != y->root)
        return x->root < y->root ? -1 : 1;
    return x->ent < y->ent ? -1 : x->ent > y->ent;
}

ft_status ft_clusterstore_write(ft_store *st, uint8_t chain, const ft_clusterstore_run *run,
                                const uint32_t *cluster, const uint32_t *size, uint32_t n_addr,
                                const uint32_t *addr_entity, const char *const *entity_name,
                                const uint8_t *entity_cat, const ft_clusterstore_refusal *ref,
                                size_t n_ref, ft_err *err)
{
    ft_store_batch *b = ft_store_batch_new();
    pair *pairs = NULL;
    uint8_t *val = NULL;
    size_t n_pairs = 0;
    ft_status rc = FT_OK;
    if (!b)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a cluster batch");
    if ((rc = delete_prefix(st, b, FT_KEY_CLUSTER_OF, chain, err)) != FT_OK ||
        (rc = delete_prefix(st, b, FT_KEY_CLUSTER, chain, err)) != FT_OK ||
        (rc = delete_prefix(st, b, FT_KEY_CLUSTER_REFUSED, chain, err)) != FT_OK)
        goto out;
    if (addr_entity) {
        size_t cap = 0;
        for (uint32_t x = 1; x < n_addr; x++)
            cap += addr_entity[x] != FT_GRAPH_NONE;
        pairs = malloc((cap + 1) * sizeof *pairs);
        if (!pairs) {
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory for cluster labels");
            goto out;
        }
        for (uint32_t x = 1; x < n_addr; x++)
            if (addr_entity[x] != FT_GRAPH_NONE) {
                pairs[n_pairs].root = cluster[x];
                pairs[n_pairs].ent = addr_entity[x];
                n_pairs++;
            }
        qsort(pairs, n_pairs, sizeof *pairs, cmp_pair);
    }
    size_t val_cap = 4096;
    val = malloc(val_cap);
    if (!val) {
        rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory for cluster records");
        goto out;
    }
    uint8_t k[10];
    size_t pi = 0;
    for (uint32_t x = 1; x < n_addr; x++) {
        uint32_t c = cluster[x];
        if (size[c] < 2)
            continue;
        k[0] = FT_KEY_CLUSTER_OF;
        k[1] = chain;
        ft_put_u64be(k + 2, x);
        size_t n = 0;
        val[n++] = 1;
        n += ft_put_compact(val + n, c);
        ft_store_batch_put(b, k, 10, val, n);
        if (c != x)
            continue;
        /* the cluster record, once, at its smallest member */
        while (pi < n_pairs && pairs[pi].root < c)
            pi++;
        size_t pj = pi;
        uint32_t nl = 0;
        for (; pj < n_pairs && pairs[pj].root == c; pj++)
            if (pj == pi || pairs[pj].ent != pairs[pj - 1].ent)
                nl++;
        size_t need = 32 + (size_t)nl * (FT_LABEL_TEXT_MAX + 10);
        if (need > val_cap) {
            uint8_t *nv = realloc(val, need);
            if (!nv) {
                rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory for cluster records");
                goto out;
            }
            val = nv;
            val_cap = need;
        }
        n = 0;
        val[n++] = 1;
        n += ft_put_compact(val + n, size[c]);
        n += ft_put_compact(val + n, nl);
        for (size_t q = pi; q < pj; q++) {
            if (q != pi && pairs[q].ent == pairs[q - 1].ent)
                continue;
            val[n++] = entity_cat[pairs[q].ent];
            n += put_str(val + n, entity_name[pairs[q].ent]);
        }
        k[0] = FT_KEY_CLUSTER;
        ft_store_batch_put(b, k, 10, val, n);
        pi = pj;
    }
    uint8_t rv[64 + 2 * FT_LABEL_TEXT_MAX + 16];
    for (size_t i = 0; i < n_ref; i++) {
        const ft_clusterstore_refusal *r = &ref[i];
        uint8_t rk[6] = {FT_KEY_CLUSTER_REFUSED, chain};
        ft_put_u32be(rk + 2, (uint32_t)i);
        size_t n = 0;
        rv[n++] = 1;
        rv[n++] = r->reason;
        uint64_t f[7] = {r->tx, r->a, r->b, r->root_a, r->root_b, r->size_a, r->size_b};
        for (int j = 0; j < 7; j++)
            n += ft_put_compact(rv + n, f[j]);
        n += put_str(rv + n, r->ent_a);
        n += put_str(rv + n, r->ent_b);
        ft_store_batch_put(b, rk, 6, rv, n);
    }
    {
        uint8_t mk[2] = {FT_KEY_CLUSTER_RUN, chain};
        uint8_t mv[512];
        size_t n = 0;
        mv[n++] = 1;
        n += put_str(mv + n, run->heuristics);
        mv[n++] = run->guard;
        uint64_t f[9] = {run->guard_size, run->n_addr,  run->n_multi,  run->largest,
                         run->largest_id, run->links,   run->merges,   run->suspects,
                         run->refused_total};
        for (int j = 0; j < 9; j++)
            n += ft_put_compact(mv + n, f[j]);
        ft_store_batch_put(b, mk, 2, mv, n);
    }
    rc = ft_store_batch_commit(st, b, 1, err);
out:
    free(pairs);
    free(val);
    ft_store_batch_free(b);
    return rc;
}

static int rd_str(ft_reader *r, char *out, size_t cap)
{
    uint64_t n;
    if (!ft_reader_compact(r, cap - 1, &n) || !ft_reader_copy(r, out, (size_t)n))
        return 0;
    out[n] = '\0';
    return 1;
}

ft_status ft_clusterstore_run_get(ft_store *st, uint8_t chain, ft_clusterstore_run *run,
                                  ft_err *err)
{
    memset(run, 0, sizeof *run);
    uint8_t mk[2] = {FT_KEY_CLUSTER_RUN, chain};
    uint8_t *v;
    size_t vl;
    ft_status rc = ft_store_get(st, mk, 2, &v, &vl, err);
    if (rc != FT_OK)
        return rc;
    ft_reader r;
    ft_reader_init(&r, v, vl);
    uint8_t ver;
    uint64_t *f[9] = {&run->guard_size, &run->n_addr,  &run->n_multi,  &run->largest,
                      &run->largest_id, &run->links,   &run->merges,   &run->suspects,
                      &run->refused_total};
    int ok = ft_reader_u8(&r, &ver) && ver == 1 &&
             rd_str(&r, run->heuristics, sizeof run->heuristics) && ft_reader_u8(&r, &run->guard);
    for (int j = 0; j < 9 && ok; j++)
        ok = ft_reader_compact(&r, UINT64_MAX, f[j]);
    ok = ok && r.left == 0;
    free(v);
    if (!ok) {
        memset(run, 0, sizeof *run);
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt cluster run record",
                          ft_store_path(st));
    }
    return FT_OK;
}

ft_status ft_clusterstore_lookup(ft_store *st, uint8_t chain, uint64_t addr_id, uint64_t *cluster,
                                 uint64_t *size, ft_clusterstore_label **labels, size_t *n_labels,
                                 ft_err *err)
{
    *cluster = addr_id;
    *size = 1;
    *labels = NULL;
    *n_labels = 0;
    uint8_t k[10] = {FT_KEY_CLUSTER_OF, chain};
    ft_put_u64be(k + 2, addr_id);
    uint8_t *v;
    size_t vl;
    ft_status rc = ft_store_get(st, k, 10, &v, &vl, err);
    if (rc == FT_ERR_NOTFOUND)
        return FT_OK;
    if (rc != FT_OK)
        return rc;
    ft_reader r;
    ft_reader_init(&r, v, vl);
    uint8_t ver;
    int ok = ft_reader_u8(&r, &ver) && ver == 1 && ft_reader_compact(&r, UINT64_MAX, cluster) &&
             r.left == 0;
    free(v);
    if (!ok)
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt cluster record of address %llu",
                          ft_store_path(st), (unsigned long long)addr_id);
    k[0] = FT_KEY_CLUSTER;
    ft_put_u64be(k + 2, *cluster);
    rc = ft_store_get(st, k, 10, &v, &vl, err);
    if (rc == FT_ERR_NOTFOUND)
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': cluster %llu has no record",
                          ft_store_path(st), (unsigned long long)*cluster);
    if (rc != FT_OK)
        return rc;
    ft_reader_init(&r, v, vl);
    uint64_t nl = 0;
    ok = ft_reader_u8(&r, &ver) && ver == 1 && ft_reader_compact(&r, UINT64_MAX, size) &&
         ft_reader_count(&r, 2, &nl);
    ft_clusterstore_label *ls = NULL;
    if (ok && nl) {
        ls = calloc((size_t)nl, sizeof *ls);
        if (!ls) {
            free(v);
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for cluster labels");
        }
    }
    for (uint64_t i = 0; i < nl && ok; i++)
        ok = ft_reader_u8(&r, &ls[i].category) && rd_str(&r, ls[i].entity, sizeof ls[i].entity);
    ok = ok && r.left == 0;
    free(v);
    if (!ok) {
        free(ls);
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt record of cluster %llu",
                          ft_store_path(st), (unsigned long long)*cluster);
    }
    *labels = ls;
    *n_labels = (size_t)nl;
    return FT_OK;
}

ft_status ft_clusterstore_refusals(ft_store *st, uint8_t chain, ft_clusterstore_refusal **out,
                                   size_t *n_out, ft_err *err)
{
    *out = NULL;
    *n_out = 0;
    uint8_t p[2] = {FT_KEY_CLUSTER_REFUSED, chain};
    ft_store_iter *it = ft_store_iter_new(st, p, 2);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a store iterator");
    const uint8_t *k, *v;
    size_t kl, vl, n = 0, cap = 0;
    ft_clusterstore_refusal *arr = NULL;
    ft_status rc = FT_OK;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            ft_clusterstore_refusal *na = realloc(arr, nc * sizeof *na);
            if (!na) {
                rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory reading refused merges");
                break;
            }
            arr = na;
            cap = nc;
        }
        ft_clusterstore_refusal *r = &arr[n];
        memset(r, 0, sizeof *r);
        ft_reader rd;
        ft_reader_init(&rd, v, vl);
        uint8_t ver;
        uint64_t *f[7] = {&r->tx, &r->a, &r->b, &r->root_a, &r->root_b, &r->size_a, &r->size_b};
        int ok = kl == 6 && ft_reader_u8(&rd, &ver) && ver == 1 && ft_reader_u8(&rd, &r->reason);
        for (int j = 0; j < 7 && ok; j++)
            ok = ft_reader_compact(&rd, UINT64_MAX, f[j]);
        ok = ok && rd_str(&rd, r->ent_a, sizeof r->ent_a) &&
             rd_str(&rd, r->ent_b, sizeof r->ent_b) && rd.left == 0;
        if (!ok) {
            rc = ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt refused-merge record",
                            ft_store_path(st));
            break;
        }
        n++;
    }
    if (rc == FT_OK)
        rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (rc != FT_OK) {
        free(arr);
        return rc;
    }
    *out = arr;
    *n_out = n;
    return FT_OK;
}

ft_status ft_clusterstore_load(ft_store *st, uint8_t chain, uint32_t n_addr, uint32_t **cluster,
                               ft_err *err)
{
    *cluster = NULL;
    uint32_t *c = malloc(((size_t)n_addr + 1) * sizeof *c);
    if (!c)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for %u cluster ids", n_addr);
    for (uint32_t x = 0; x < n_addr; x++)
        c[x] = x;
    uint8_t p[2] = {FT_KEY_CLUSTER_OF, chain};
    ft_store_iter *it = ft_store_iter_new(st, p, 2);
    if (!it) {
        free(c);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a store iterator");
    }
    const uint8_t *k, *v;
    size_t kl, vl;
    ft_status rc = FT_OK;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        ft_reader r;
        ft_reader_init(&r, v, vl);
        uint8_t ver;
        uint64_t id = kl == 10 ? ft_get_u64be(k + 2) : UINT64_MAX, cl;
        if (id >= n_addr || !ft_reader_u8(&r, &ver) || ver != 1 ||
            !ft_reader_compact(&r, id, &cl) || r.left != 0) {
            rc = ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt cluster record",
                            ft_store_path(st));
            break;
        }
        c[id] = (uint32_t)cl;
    }
    if (rc == FT_OK)
        rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (rc != FT_OK) {
        free(c);
        return rc;
    }
    *cluster = c;
    return FT_OK;
}
