/*
 * store.c — the durable index on LevelDB's C API (see store.h).
 *
 * One ft_store wraps one leveldb_t with the options every index uses: a 10-bit-per-key bloom
 * filter (so the many negative lookups of ingest, "is this txid known?", rarely touch disk),
 * a 64 MB LRU block cache, a 64 MB write buffer, 32 MB table files and Snappy compression.
 *
 * Schema: the key 0x00 0x00 (FT_KEY_SCHEMA, store-wide) holds
 *     version:u8 = 1 ‖ "fundtrace" ‖ schema:u32be
 * It is written when an index is created and checked on every open; an index of another
 * schema, or a LevelDB directory that is not ours, is refused with FT_ERR_CORRUPT and a
 * message saying what to do. Nothing is ever migrated silently.
 *
 * Invariants:
 *   - every LevelDB call gets an errptr reset to NULL first (LevelDB leaves it untouched on
 *     success, so a stale pointer would report an old error or be freed twice);
 *   - writes happen only through ft_store_batch_commit (one WriteBatch, atomic);
 *   - an iterator never returns a key outside its prefix.
 */
#include "engine/store.h"

#include <leveldb/c.h>
#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
#include "engine/hash.h"
#include "engine/keys.h"
#include "engine/reader.h"

#include "engine/banned.h"

#define STORE_CACHE_BYTES ((size_t)64 << 20)
#define STORE_WRITE_BUFFER ((size_t)64 << 20)
#define STORE_FILE_SIZE ((size_t)32 << 20)
#define STORE_BLOOM_BITS 10

static const char schema_magic[9] = {'f', 'u', 'n', 'd', 't', 'r', 'a', 'c', 'e'};

struct ft_store {
    leveldb_t *db;
    leveldb_options_t *options;
    leveldb_cache_t *cache;
    leveldb_filterpolicy_t *filter;
    leveldb_readoptions_t *read;
    leveldb_readoptions_t *scan; /* no cache fill: long scans must not evict hot blocks */
    leveldb_writeoptions_t *write_sync;
    leveldb_writeoptions_t *write_nosync;
    char *path;
};

struct ft_store_iter {
    leveldb_iterator_t *it;
    uint8_t *prefix;
    size_t plen;
    int started;
    int done;
};

/* ---- open / close ------------------------------------------------------------------------ */

static void store_free(ft_store *st)
{
    if (!st)
        return;
    if (st->db)
        leveldb_close(st->db);
    if (st->options)
        leveldb_options_destroy(st->options);
    if (st->cache)
        leveldb_cache_destroy(st->cache);
    if (st->filter)
        leveldb_filterpolicy_destroy(st->filter);
    if (st->read)
        leveldb_readoptions_destroy(st->read);
    if (st->scan)
        leveldb_readoptions_destroy(st->scan);
    if (st->write_sync)
        leveldb_writeoptions_destroy(st->write_sync);
    if (st->write_nosync)
        leveldb_writeoptions_destroy(st->write_nosync);
    free(st->path);
    free(st);
}

/* Turns LevelDB's open error into our one-line message. */
static ft_status open_error(ft_err *err, const char *dir, const char *lerr, ft_store_mode mode)
{
    if (strstr(lerr, "lock") || strstr(lerr, "LOCK"))
        return ft_err_set(err, FT_ERR_IO, "cannot open index '%s': LOCK held by another process",
                          dir);
    if (mode == FT_STORE_READ && strstr(lerr, "does not exist"))
        return ft_err_set(err, FT_ERR_IO,
                          "cannot open index '%s': no index there (create one with 'fundtrace "
                          "index', or pass --db)",
                          dir);
    return ft_err_set(err, FT_ERR_IO, "cannot open index '%s': %s", dir, lerr);
}

/* 1 if the database holds no key at all. */
static int store_is_empty(ft_store *st)
{
    leveldb_iterator_t *it = leveldb_create_iterator(st->db, st->scan);
    leveldb_iter_seek_to_first(it);
    int empty = !leveldb_iter_valid(it);
    leveldb_iter_destroy(it);
    return empty;
}

static ft_status schema_write(ft_store *st, ft_err *err)
{
    uint8_t key[2] = {FT_KEY_SCHEMA, FT_CHAIN_NONE};
    uint8_t val[1 + sizeof schema_magic + 4];
    val[0] = 1;
    memcpy(val + 1, schema_magic, sizeof schema_magic);
    ft_put_u32be(val + 1 + sizeof schema_magic, FT_STORE_SCHEMA_VERSION);
    ft_store_batch *b = ft_store_batch_new();
    if (!b)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory creating index '%s'", st->path);
    ft_store_batch_put(b, key, sizeof key, val, sizeof val);
    ft_status rc = ft_store_batch_commit(st, b, 1, err);
    ft_store_batch_free(b);
    return rc;
}

static ft_status schema_check(ft_store *st, ft_store_mode mode, ft_err *err)
{
    uint8_t key[2] = {FT_KEY_SCHEMA, FT_CHAIN_NONE};
    uint8_t *val = NULL;
    size_t vlen = 0;
    ft_status rc = ft_store_get(st, key, sizeof key, &val, &vlen, err);
    if (rc == FT_ERR_NOTFOUND) {
        if (!store_is_empty(st))
            return ft_err_set(err, FT_ERR_CORRUPT,
                              "'%s' is a LevelDB directory but not a fundtrace index (no schema "
                              "record): pass another --db directory",
                              st->path);
        if (mode == FT_STORE_READ)
            return ft_err_set(err, FT_ERR_NOTFOUND,
                              "index '%s' is empty: run 'fundtrace index' first", st->path);
        return schema_write(st, err);
    }
    if (rc != FT_OK)
        return rc;
    ft_reader r;
    ft_reader_init(&r, val, vlen);
    uint8_t ver = 0, magic[sizeof schema_magic];
    uint32_t schema = 0;
    int ok = ft_reader_u8(&r, &ver) && ver == 1 && ft_reader_copy(&r, magic, sizeof magic) &&
             memcmp(magic, schema_magic, sizeof magic) == 0 && ft_reader_u32be(&r, &schema) &&
             r.left == 0;
    free(val);
    if (!ok)
        return ft_err_set(err, FT_ERR_CORRUPT,
                          "index '%s' has a damaged schema record: rebuild it into a new --db "
                          "directory",
                          st->path);
    if (schema != FT_STORE_SCHEMA_VERSION)
        return ft_err_set(err, FT_ERR_CORRUPT,
                          "index '%s' has schema version %u but this fundtrace reads version %u: "
                          "rebuild the index into a new --db directory or use a matching fundtrace",
                          st->path, schema, (unsigned)FT_STORE_SCHEMA_VERSION);
    return FT_OK;
}

ft_status ft_store_open(ft_store **out, const char *dir, ft_store_mode mode, ft_err *err)
{
    *out = NULL;
    if (!dir || !*dir)
        return ft_err_set(err, FT_ERR_ARG, "no index directory given");
    ft_store *st = calloc(1, sizeof *st);
    if (!st)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory opening index '%s'", dir);
    size_t dlen = strlen(dir);
    st->path = malloc(dlen + 1);
    st->options = leveldb_options_create();
    st->cache = leveldb_cache_create_lru(STORE_CACHE_BYTES);
    st->filter = leveldb_filterpolicy_create_bloom(STORE_BLOOM_BITS);
    st->read = leveldb_readoptions_create();
    st->scan = leveldb_readoptions_create();
    st->write_sync = leveldb_writeoptions_create();
    st->write_nosync = leveldb_writeoptions_create();
    if (!st->path || !st->options || !st->cache || !st->filter || !st->read || !st->scan ||
        !st->write_sync || !st->write_nosync) {
        store_free(st);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory opening index '%s'", dir);
    }
    memcpy(st->path, dir, dlen + 1);
    leveldb_options_set_create_if_missing(st->options, mode == FT_STORE_WRITE);
    leveldb_options_set_cache(st->options, st->cache);
    leveldb_options_set_filter_policy(st->options, st->filter);
    leveldb_options_set_write_buffer_size(st->options, STORE_WRITE_BUFFER);
    leveldb_options_set_max_file_size(st->options, STORE_FILE_SIZE);
    leveldb_options_set_compression(st->options, leveldb_snappy_compression);
    leveldb_readoptions_set_fill_cache(st->scan, 0);
    leveldb_writeoptions_set_sync(st->write_sync, 1);
    leveldb_writeoptions_set_sync(st->write_nosync, 0);

    char *lerr = NULL;
    st->db = leveldb_open(st->options, dir, &lerr);
    if (lerr || !st->db) {
        ft_status rc = open_error(err, dir, lerr ? lerr : "unknown LevelDB error", mode);
        leveldb_free(lerr);
        store_free(st);
        return rc;
    }
    ft_status rc = schema_check(st, mode, err);
    if (rc != FT_OK) {
        store_free(st);
        return rc;
    }
    *out = st;
    return FT_OK;
}

void ft_store_close(ft_store *st)
{
    store_free(st);
}

const char *ft_store_path(const ft_store *st)
{
    return st->path;
}

/* ---- point reads ------------------------------------------------------------------------- */

ft_status ft_store_get(ft_store *st, const void *key, size_t klen, uint8_t **val, size_t *vlen,
                       ft_err *err)
{
    *val = NULL;
    *vlen = 0;
    char *lerr = NULL;
    size_t n = 0;
    char *v = leveldb_get(st->db, st->read, key, klen, &n, &lerr);
    if (lerr) {
        ft_status rc = ft_err_set(err, FT_ERR_IO, "cannot read index '%s': %s", st->path, lerr);
        leveldb_free(lerr);
        leveldb_free(v);
        return rc;
    }
    if (!v)
        return FT_ERR_NOTFOUND;
    /* leveldb_get's buffer is malloc()ed (leveldb_free is free()); hand it over as is. */
    *val = (uint8_t *)v;
    *vlen = n;
    return FT_OK;
}

/* ---- batches ----------------------------------------------------------------------------- */

/* A batch keeps its operations in its own buffer and hands them to LevelDB at commit time
 * sorted by key (stably, so that of two operations on one key the later still wins):
 * inserting sorted keys into LevelDB's memtable skiplist walks cache-hot paths, which made
 * the commits of a ledger batch (dense ids mixed with hashes) about twice as fast. */
typedef struct batch_op {
    uint64_t prefix[2]; /* the first 16 key bytes, big-endian, zero-padded: the radix keys */
    size_t off;         /* key bytes at data + off, then the value */
    uint32_t klen;
    uint32_t vlen;
    uint64_t seq; /* insertion order, for the stable sort; bit 63: delete */
} batch_op;

#define BATCH_DELETE ((uint64_t)1 << 63)

/* What the sort moves around: the 16-byte prefix and the op's index (24 bytes, not 40). */
typedef struct sort_item {
    uint64_t p[2];
    uint64_t idx;
} sort_item;

struct ft_store_batch {
    ft_buf data;
    batch_op *ops;
    sort_item *items; /* sort order, cap_ops entries each */
    sort_item *tmp;
    size_t n_ops;
    size_t cap_ops;
    size_t bytes;
    int failed;
    leveldb_writebatch_t *wb; /* kept across commits: clearing it keeps its memory */
};

ft_store_batch *ft_store_batch_new(void)
{
    ft_store_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    ft_buf_init(&b->data);
    b->wb = leveldb_writebatch_create();
    if (!b->wb) {
        free(b);
        return NULL;
    }
    return b;
}

static void batch_add(ft_store_batch *b, const void *key, size_t klen, const void *val, size_t vlen,
                      int del)
{
    if (b->failed)
        return;
    if (klen > UINT32_MAX || vlen > UINT32_MAX) {
        b->failed = 1;
        return;
    }
    if (b->n_ops == b->cap_ops) {
        size_t cap = b->cap_ops ? b->cap_ops * 2 : 1024;
        batch_op *ops = realloc(b->ops, cap * sizeof *ops);
        if (!ops) {
            b->failed = 1;
            return;
        }
        b->ops = ops;
        free(b->items);
        free(b->tmp);
        b->items = b->tmp = NULL;
        b->cap_ops = cap;
    }
    batch_op *op = &b->ops[b->n_ops];
    uint8_t pre[16] = {0};
    memcpy(pre, key, klen < 16 ? klen : 16);
    op->prefix[0] = ft_get_u64be(pre);
    op->prefix[1] = ft_get_u64be(pre + 8);
    op->off = b->data.len;
    op->klen = (uint32_t)klen;
    op->vlen = (uint32_t)vlen;
    op->seq = (uint64_t)b->n_ops | (del ? BATCH_DELETE : 0);
    ft_buf_append(&b->data, key, klen);
    if (vlen)
        ft_buf_append(&b->data, val, vlen);
    if (b->data.failed) {
        b->failed = 1;
        return;
    }
    b->n_ops++;
}

void ft_store_batch_put(ft_store_batch *b, const void *key, size_t klen, const void *val,
                        size_t vlen)
{
    batch_add(b, key, klen, val, vlen, 0);
    b->bytes += klen + vlen + 8; /* LevelDB's record overhead: tag and two varint lengths */
}

void ft_store_batch_delete(ft_store_batch *b, const void *key, size_t klen)
{
    batch_add(b, key, klen, NULL, 0, 1);
    b->bytes += klen + 4;
}

size_t ft_store_batch_size(const ft_store_batch *b)
{
    return b->bytes;
}

void ft_store_batch_clear(ft_store_batch *b)
{
    ft_buf_reset(&b->data);
    b->n_ops = 0;
    b->bytes = 0;
    b->failed = 0;
}

void ft_store_batch_free(ft_store_batch *b)
{
    if (!b)
        return;
    ft_buf_release(&b->data);
    free(b->ops);
    free(b->items);
    free(b->tmp);
    leveldb_writebatch_destroy(b->wb);
    free(b);
}

/* Full order of two ops: key bytes, then key length, then insertion order. */
static int op_cmp(const uint8_t *base, const batch_op *a, const batch_op *b)
{
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(base + a->off, base + b->off, n);
    if (c)
        return c;
    if (a->klen != b->klen)
        return a->klen < b->klen ? -1 : 1;
    uint64_t sa = a->seq & ~BATCH_DELETE, sb = b->seq & ~BATCH_DELETE;
    return sa < sb ? -1 : sa > sb;
}

static _Thread_local const ft_store_batch *cmp_batch; /* qsort has no context argument */

static int item_cmp(const void *pa, const void *pb)
{
    const sort_item *a = pa, *b = pb;
    return op_cmp(cmp_batch->data.data, &cmp_batch->ops[a->idx], &cmp_batch->ops[b->idx]);
}

static uint8_t item_byte(const sort_item *it, int d)
{
    return (uint8_t)(it->p[d >> 3] >> (8 * (7 - (d & 7))));
}

/* Stable LSD radix sort of src[0,n) by prefix bytes 1..15 (byte 0 is equal within a bucket),
 * skipping bytes that are the same in every item; tmp is scratch of n items. The result is
 * left in src. count is scratch for 16 x 256 counters. */
static void radix_bucket(sort_item *src, sort_item *tmp, size_t n, size_t (*count)[256])
{
    if (n < 2)
        return;
    memset(count, 0, 16 * sizeof *count);
    for (size_t i = 0; i < n; i++)
        for (int d = 1; d < 16; d++)
            count[d][item_byte(&src[i], d)]++;
    sort_item *from = src, *to = tmp;
    for (int d = 15; d >= 1; d--) {
        size_t *c = count[d];
        if (c[item_byte(&from[0], d)] == n)
            continue; /* one value only */
        size_t pos = 0;
        for (int v = 0; v < 256; v++) {
            size_t k = c[v];
            c[v] = pos;
            pos += k;
        }
        for (size_t i = 0; i < n; i++)
            to[c[item_byte(&from[i], d)]++] = from[i];
        sort_item *t = from;
        from = to;
        to = t;
    }
    if (from != src)
        memcpy(src, from, n * sizeof *src);
}

/* Orders b->items by key (then insertion order): a counting pass on the first key byte (the
 * record type), a radix sort of each type's bucket on the rest of the 16-byte prefix, then
 * each run of equal prefixes by the whole key (qsort for long runs: one address's many
 * history rows share a prefix). Returns 0 if scratch memory cannot be had. */
static int batch_sort(ft_store_batch *b)
{
    size_t n = b->n_ops;
    if (!b->items)
        b->items = malloc(b->cap_ops * sizeof *b->items);
    if (!b->tmp)
        b->tmp = malloc(b->cap_ops * sizeof *b->tmp);
    size_t(*count)[256] = calloc(16, sizeof *count);
    if (!b->items || !b->tmp || !count) {
        free(count);
        return 0;
    }
    sort_item *items = b->items, *tmp = b->tmp;
    size_t start[257];
    memset(start, 0, sizeof start);
    for (size_t i = 0; i < n; i++) {
        items[i].p[0] = b->ops[i].prefix[0];
        items[i].p[1] = b->ops[i].prefix[1];
        items[i].idx = i;
        start[item_byte(&items[i], 0) + 1]++;
    }
    for (int v = 0; v < 256; v++)
        start[v + 1] += start[v];
    size_t fill[256];
    memcpy(fill, start, sizeof fill);
    for (size_t i = 0; i < n; i++)
        tmp[fill[item_byte(&items[i], 0)]++] = items[i];
    for (int v = 0; v < 256; v++)
        radix_bucket(tmp + start[v], items + start[v], start[v + 1] - start[v], count);
    memcpy(items, tmp, n * sizeof *items);
    free(count);
    cmp_batch = b;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && items[j].p[0] == items[i].p[0] && items[j].p[1] == items[i].p[1])
            j++;
        if (j - i > 16) {
            qsort(items + i, j - i, sizeof *items, item_cmp);
        } else {
            for (size_t x = i + 1; x < j; x++) {
                sort_item cur = items[x];
                size_t y = x;
                while (y > i && item_cmp(&items[y - 1], &cur) > 0) {
                    items[y] = items[y - 1];
                    y--;
                }
                items[y] = cur;
            }
        }
        i = j;
    }
    cmp_batch = NULL;
    return 1;
}

ft_status ft_store_batch_commit(ft_store *st, ft_store_batch *b, int sync, ft_err *err)
{
    if (b->failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory building a write batch for '%s'",
                          st->path);
    if (b->n_ops > 1 && !batch_sort(b))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory sorting a write batch for '%s'",
                          st->path);
    leveldb_writebatch_t *wb = b->wb;
    leveldb_writebatch_clear(wb);
    for (size_t i = 0; i < b->n_ops; i++) {
        const batch_op *op = &b->ops[b->n_ops > 1 ? b->items[i].idx : i];
        const char *k = (const char *)b->data.data + op->off;
        if (op->seq & BATCH_DELETE)
            leveldb_writebatch_delete(wb, k, op->klen);
        else
            leveldb_writebatch_put(wb, k, op->klen, k + op->klen, op->vlen);
    }
    char *lerr = NULL;
    leveldb_write(st->db, sync ? st->write_sync : st->write_nosync, wb, &lerr);
    leveldb_writebatch_clear(wb);
    if (lerr) {
        ft_status rc = ft_err_set(err, FT_ERR_IO, "cannot write index '%s': %s", st->path, lerr);
        leveldb_free(lerr);
        return rc;
    }
    return FT_OK;
}

/* ---- iterators --------------------------------------------------------------------------- */

static ft_store_iter *iter_make(ft_store *st, const void *prefix, size_t plen, const void *start,
                                size_t slen, const leveldb_readoptions_t *ro)
{
    ft_store_iter *it = calloc(1, sizeof *it);
    if (!it)
        return NULL;
    it->prefix = malloc(plen ? plen : 1);
    if (!it->prefix) {
        free(it);
        return NULL;
    }
    memcpy(it->prefix, prefix, plen);
    it->plen = plen;
    it->it = leveldb_create_iterator(st->db, ro);
    if (!it->it) {
        free(it->prefix);
        free(it);
        return NULL;
    }
    /* Seek to the later of prefix and start (a start below the prefix starts at the prefix). */
    if (start && slen) {
        size_t m = slen < plen ? slen : plen;
        int c = memcmp(start, prefix, m);
        if (c > 0 || (c == 0 && slen >= plen))
            leveldb_iter_seek(it->it, start, slen);
        else
            leveldb_iter_seek(it->it, prefix, plen);
    } else if (plen) {
        leveldb_iter_seek(it->it, prefix, plen);
    } else {
        leveldb_iter_seek_to_first(it->it);
    }
    return it;
}

ft_store_iter *ft_store_iter_new(ft_store *st, const void *prefix, size_t plen)
{
    return iter_make(st, prefix, plen, NULL, 0, st->read);
}

ft_store_iter *ft_store_iter_new_from(ft_store *st, const void *prefix, size_t plen,
                                      const void *start, size_t slen)
{
    return iter_make(st, prefix, plen, start, slen, st->read);
}

int ft_store_iter_next(ft_store_iter *it, const uint8_t **key, size_t *klen, const uint8_t **val,
                       size_t *vlen)
{
    if (!it || it->done)
        return 0;
    if (it->started)
        leveldb_iter_next(it->it);
    it->started = 1;
    if (!leveldb_iter_valid(it->it)) {
        it->done = 1;
        return 0;
    }
    size_t kl = 0, vl = 0;
    const char *k = leveldb_iter_key(it->it, &kl);
    if (kl < it->plen || memcmp(k, it->prefix, it->plen) != 0) {
        it->done = 1;
        return 0;
    }
    const char *v = leveldb_iter_value(it->it, &vl);
    if (key)
        *key = (const uint8_t *)k;
    if (klen)
        *klen = kl;
    if (val)
        *val = (const uint8_t *)v;
    if (vlen)
        *vlen = vl;
    return 1;
}

ft_status ft_store_iter_status(ft_store_iter *it, ft_err *err)
{
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory creating an index iterator");
    char *lerr = NULL;
    leveldb_iter_get_error(it->it, &lerr);
    if (lerr) {
        ft_status rc = ft_err_set(err, FT_ERR_IO, "cannot scan index: %s", lerr);
        leveldb_free(lerr);
        return rc;
    }
    return FT_OK;
}

void ft_store_iter_free(ft_store_iter *it)
{
    if (!it)
        return;
    leveldb_iter_destroy(it->it);
    free(it->prefix);
    free(it);
}

/* ---- content digest ---------------------------------------------------------------------- */

ft_status ft_store_digest(ft_store *st, uint8_t out[32], ft_err *err)
{
    memset(out, 0, 32);
    ft_store_iter *it = iter_make(st, "", 0, NULL, 0, st->scan);
    if (!it)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory creating an index iterator");
    ft_sha256_ctx ctx;
    ft_sha256_init(&ctx);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        uint8_t len[8];
        ft_put_u32be(len, (uint32_t)kl);
        ft_put_u32be(len + 4, (uint32_t)vl);
        ft_sha256_update(&ctx, len, sizeof len);
        ft_sha256_update(&ctx, k, kl);
        ft_sha256_update(&ctx, v, vl);
    }
    ft_status rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (rc != FT_OK)
        return rc;
    ft_sha256_final(&ctx, out);
    return FT_OK;
}

/* ---- compaction -------------------------------------------------------------------------- */

ft_status ft_store_compact(ft_store *st, const void *start, size_t slen, const void *limit,
                           size_t llen, ft_err *err)
{
    (void)err; /* leveldb_compact_range reports no error; a failed compaction leaves the data
                  as it was and LevelDB retries later */
    leveldb_compact_range(st->db, start ? (const char *)start : NULL, start ? slen : 0,
                          limit ? (const char *)limit : NULL, limit ? llen : 0);
    return FT_OK;
}
