/*
 * clusteraddr.c — the address → graph id map of clustered account chains (clusteraddr.h).
 *
 * Write: one batch that deletes the chain's old 0x33 records and puts the meta record (with
 * the SHA-256 of the current cluster run record) and one record per address, synced.
 * Lookup: three point reads (run record, meta, address); every value through ft_reader;
 * anything malformed is FT_ERR_CORRUPT, a digest mismatch is "not found" (stale map).
 */
#include "engine/clusteraddr.h"

#include <stdlib.h>
#include <string.h>

#include "engine/hash.h"
#include "engine/keys.h"
#include "engine/reader.h"

#include "engine/banned.h"

/* SHA-256 of the chain's cluster run record value; FT_ERR_NOTFOUND when there is none. */
static ft_status run_digest(ft_store *st, uint8_t chain, uint8_t out[32], ft_err *err)
{
    uint8_t rk[2] = {FT_KEY_CLUSTER_RUN, chain};
    uint8_t *v;
    size_t vl;
    ft_status rc = ft_store_get(st, rk, 2, &v, &vl, err);
    if (rc != FT_OK)
        return rc;
    ft_sha256(out, v, vl);
    free(v);
    return FT_OK;
}

ft_status ft_clusteraddr_write(ft_store *st, uint8_t chain, const uint8_t (*addr_bytes)[20],
                               uint32_t n_addr, ft_err *err)
{
    uint8_t digest[32];
    ft_status rc = run_digest(st, chain, digest, err);
    if (rc == FT_ERR_NOTFOUND)
        return ft_err_set(err, FT_ERR_STATE,
                          "index '%s': no cluster run record for chain %u to map addresses of",
                          ft_store_path(st), (unsigned)chain);
    if (rc != FT_OK)
        return rc;
    ft_store_batch *b = ft_store_batch_new();
    if (!b)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for an address map batch");
    uint8_t prefix[2] = {FT_KEY_CLUSTER_ADDR, chain};
    ft_store_iter *it = ft_store_iter_new(st, prefix, 2);
    if (!it) {
        ft_store_batch_free(b);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a store iterator");
    }
    const uint8_t *k, *v;
    size_t kl, vl;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl))
        ft_store_batch_delete(b, k, kl);
    rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (rc == FT_OK) {
        uint8_t val[1 + 9 + 32];
        val[0] = 1;
        size_t n = 1 + ft_put_compact(val + 1, n_addr);
        memcpy(val + n, digest, 32);
        ft_store_batch_put(b, prefix, 2, val, n + 32);
        uint8_t key[22] = {FT_KEY_CLUSTER_ADDR, chain};
        for (uint32_t x = 1; x < n_addr; x++) {
            memcpy(key + 2, addr_bytes[x], 20);
            n = 1 + ft_put_compact(val + 1, x);
            ft_store_batch_put(b, key, sizeof key, val, n);
        }
        rc = ft_store_batch_commit(st, b, 1, err);
    }
    ft_store_batch_free(b);
    return rc;
}

ft_status ft_clusteraddr_lookup(ft_store *st, uint8_t chain, const uint8_t addr[20],
                                uint64_t *id, ft_err *err)
{
    *id = 0;
    uint8_t digest[32];
    ft_status rc = run_digest(st, chain, digest, err);
    if (rc != FT_OK)
        return rc;
    uint8_t key[22] = {FT_KEY_CLUSTER_ADDR, chain};
    uint8_t *v;
    size_t vl;
    if ((rc = ft_store_get(st, key, 2, &v, &vl, err)) != FT_OK)
        return rc; /* FT_ERR_NOTFOUND: clustered before this map existed */
    ft_reader r;
    ft_reader_init(&r, v, vl);
    uint8_t ver;
    uint64_t n_addr;
    const uint8_t *d;
    int ok = ft_reader_u8(&r, &ver) && ver == 1 && ft_reader_compact(&r, UINT32_MAX, &n_addr) &&
             (d = ft_reader_ptr(&r, 32)) != NULL && r.left == 0;
    int fresh = ok && memcmp(d, digest, 32) == 0;
    free(v);
    if (!ok)
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt address map record of chain %u",
                          ft_store_path(st), (unsigned)chain);
    if (!fresh)
        return FT_ERR_NOTFOUND; /* the map of another run: not used */
    memcpy(key + 2, addr, 20);
    if ((rc = ft_store_get(st, key, sizeof key, &v, &vl, err)) != FT_OK)
        return rc;
    ft_reader_init(&r, v, vl);
    ok = ft_reader_u8(&r, &ver) && ver == 1 && ft_reader_compact(&r, n_addr, id) && *id > 0 &&
         *id < n_addr && r.left == 0;
    free(v);
    if (!ok) {
        *id = 0;
        return ft_err_set(err, FT_ERR_CORRUPT,
                          "index '%s': corrupt address map record of chain %u (id out of range)",
                          ft_store_path(st), (unsigned)chain);
    }
    return FT_OK;
}
