/*
 * store.c — the durable index on LevelDB's C API (see store.h).
 *
 * One ft_store wraps one leveldb_t with the options every index uses: a 10-bit-per-key bloom
 * filter (so the many negative lookups of ingest, "is this txid known?", rarely touch disk),
 * a 64 MB LRU block cache, a 64 MB write buffer, 32 MB table files and no compression (see
 * STORE_COMPRESSION). A read-only open (FT_STORE_READ) also sets LevelDB's reuse_logs and a
 * silent info log (engine/store_options.cc): it writes nothing to the index directory.
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "engine/buf.h"
#include "engine/hash.h"
#include "engine/keys.h"
#include "engine/reader.h"
#include "engine/store_options.h"

#include "engine/banned.h"

#define STORE_CACHE_BYTES ((size_t)64 << 20)
#define STORE_WRITE_BUFFER ((size_t)64 << 20)
#define STORE_FILE_SIZE ((size_t)32 << 20)
#define STORE_BLOOM_BITS 10
/* 16 KB data blocks (LevelDB's default is 4 KB): a table's index block, which every lookup
 * decompresses when it first opens the table, is 4x smaller; `address` on the 1M-tx index
 * went from a median of 26-33 ms to 22-28 ms (docs/performance.md). Per table, so older
 * tables keep their block size until compaction rewrites them: no format change. */
#define STORE_BLOCK_SIZE ((size_t)16 << 10)
/* No block compression, as Bitcoin Core's own LevelDB databases: the index is mostly hashes,
 * ids and amounts, which Snappy shrinks by only ~23 % (444 vs 340 MB for the 1M-tx chain),
 * while every lookup of a short-lived process paid for it: a compressed block is copied out
 * of the mapped table file and decompressed (a 16 KB block per `tx` record read), an
 * uncompressed one is read in place, touching only the pages the search needs. `address` on
 * the 1M-tx index: median 27.1-27.4 ms -> 18.2-18.3 ms, alternating runs (docs/performance.md).
 * Per block, so tables written with Snappy stay readable: no format change. */
#define STORE_COMPRESSION leveldb_no_compression

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
    /* LevelDB: "IO error: lock DIR/LOCK: Resource temporarily unavailable" (another process)
     * or "...: already held by process" (this one). Other failures on the LOCK file (a parent
     * directory that does not exist, no permission) keep LevelDB's own words. */
    if (strstr(lerr, "lock ") &&
        (strstr(lerr, "temporarily unavailable") || strstr(lerr, "already held")))
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
    leveldb_options_set_block_size(st->options, STORE_BLOCK_SIZE);
    leveldb_options_set_compression(st->options, STORE_COMPRESSION);
    if (mode == FT_STORE_READ)
        ft_store_options_for_reading(st->options);
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

/* A batch keeps its operations as records in one buffer (klen:u32, vlen:u32 in host order,
 * key, value) and one sort item per operation, and hands them to LevelDB sorted by key
 * (stably, so that of two operations on one key the later still wins): inserting sorted keys
 * into LevelDB's memtable skiplist walks cache-hot paths, which made the commits of a ledger
 * batch (dense ids mixed with hashes) about twice as fast.
 *
 * A commit has two parts that may run on different threads: ft_store_batch_prepare (sort,
 * then copy the records into LevelDB's WriteBatch, the CPU-heavy part) and
 * ft_store_batch_write (LevelDB's Write: log append and memtable insert). The sort item
 * holds the record's offset, not an index into a side array: the build loop reaches each
 * record with one random access, which it prefetches a few items ahead. The offset also
 * gives the insertion order (records are appended), the tie-break of the stable order.
 *
 * Memory: a ledger batch is ~40 MB of records and ~17 MB of sort items, read and written at
 * random by the sort and the build loop. With 4 KB pages nearly every such access misses the
 * TLB (a costly page walk in a VM), so buffers of 2 MB or more are mapped 2 MB-aligned with
 * transparent huge pages requested (as the ledger's cache tables, engine/ledger.c). A batch
 * keeps its buffers across commits; they grow by doubling. */
typedef struct sort_item {
    uint64_t p[2]; /* the first 16 key bytes, big-endian, zero-padded: the radix keys */
    uint64_t tag;  /* offset of the record in data; bit 63: delete */
} sort_item;

#define BATCH_DELETE ((uint64_t)1 << 63)
#define BATCH_REC_HEAD 8         /* klen:u32, vlen:u32 */
#define BATCH_RADIX_BYTES 4      /* varying prefix bytes sorted by radix; ties by comparison */
#define BATCH_PREFETCH_AHEAD 16  /* records */

#define BIG_BYTES ((size_t)2 << 20)

/* bytes of memory, from malloc below BIG_BYTES, else mapped 2 MB-aligned for huge pages; NULL
 * on failure. Not zeroed. big_free needs the same size. */
static void *big_alloc(size_t bytes)
{
    if (bytes < BIG_BYTES)
        return malloc(bytes ? bytes : 1);
    size_t len = (bytes + BIG_BYTES - 1) & ~(BIG_BYTES - 1);
    if (len < bytes || len > SIZE_MAX - BIG_BYTES)
        return NULL;
    uint8_t *p = mmap(NULL, len + BIG_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    size_t head = (BIG_BYTES - ((uintptr_t)p & (BIG_BYTES - 1))) & (BIG_BYTES - 1);
    if (head)
        munmap(p, head);
    if (BIG_BYTES - head)
        munmap(p + head + len, BIG_BYTES - head);
#ifdef MADV_HUGEPAGE
    (void)madvise(p + head, len, MADV_HUGEPAGE); /* advice only: plain pages if refused */
#endif
    return p + head;
}

static void big_free(void *p, size_t bytes)
{
    if (!p)
        return;
    if (bytes < BIG_BYTES) {
        free(p);
        return;
    }
    munmap(p, (bytes + BIG_BYTES - 1) & ~(BIG_BYTES - 1));
}

/* Grows *p (of *cap elements of size, the first keep in use) to at least need elements. */
static int big_grow(void **p, size_t *cap, size_t size, size_t keep, size_t need)
{
    if (need <= *cap)
        return 1;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / size)
            return 0;
        nc *= 2;
    }
    void *np = big_alloc(nc * size);
    if (!np)
        return 0;
    if (keep)
        memcpy(np, *p, keep * size);
    big_free(*p, *cap * size);
    *p = np;
    *cap = nc;
    return 1;
}

struct ft_store_batch {
    uint8_t *data;    /* the records */
    size_t len;       /* bytes used */
    size_t cap;       /* bytes allocated */
    sort_item *items; /* one per op: insertion order until sorted */
    sort_item *tmp;   /* scratch for the sort, tmp_cap entries */
    size_t tmp_cap;
    size_t n_ops;
    size_t cap_ops;
    size_t bytes;
    int failed;
    int prepared;             /* wb holds exactly the ops, sorted */
    leveldb_writebatch_t *wb; /* kept across commits: clearing it keeps its memory */
};

ft_store_batch *ft_store_batch_new(void)
{
    ft_store_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
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
    b->prepared = 0;
    size_t rlen = BATCH_REC_HEAD + klen + vlen;
    if (klen > UINT32_MAX || vlen > UINT32_MAX || b->len >= BATCH_DELETE ||
        rlen > SIZE_MAX - b->len) {
        b->failed = 1;
        return;
    }
    if (!big_grow((void **)&b->items, &b->cap_ops, sizeof *b->items, b->n_ops, b->n_ops + 1) ||
        !big_grow((void **)&b->data, &b->cap, 1, b->len, b->len + rlen)) {
        b->failed = 1;
        return;
    }
    sort_item *it = &b->items[b->n_ops];
    uint8_t pre[16] = {0};
    memcpy(pre, key, klen < 16 ? klen : 16);
    it->p[0] = ft_get_u64be(pre);
    it->p[1] = ft_get_u64be(pre + 8);
    it->tag = (uint64_t)b->len | (del ? BATCH_DELETE : 0);
    uint8_t *rec = b->data + b->len;
    uint32_t lens[2] = {(uint32_t)klen, (uint32_t)vlen};
    memcpy(rec, lens, sizeof lens);
    memcpy(rec + BATCH_REC_HEAD, key, klen);
    if (vlen)
        memcpy(rec + BATCH_REC_HEAD + klen, val, vlen);
    b->len += rlen;
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
    b->len = 0;
    b->n_ops = 0;
    b->bytes = 0;
    b->failed = 0;
    b->prepared = 0;
    leveldb_writebatch_clear(b->wb);
}

void ft_store_batch_free(ft_store_batch *b)
{
    if (!b)
        return;
    big_free(b->data, b->cap);
    big_free(b->items, b->cap_ops * sizeof *b->items);
    big_free(b->tmp, b->tmp_cap * sizeof *b->tmp);
    leveldb_writebatch_destroy(b->wb);
    free(b);
}

/* The record an item points at: key, value and their lengths. */
static const uint8_t *item_record(const uint8_t *base, const sort_item *it, uint32_t *klen,
                                  uint32_t *vlen)
{
    const uint8_t *rec = base + (it->tag & ~BATCH_DELETE);
    uint32_t lens[2];
    memcpy(lens, rec, sizeof lens);
    *klen = lens[0];
    *vlen = lens[1];
    return rec + BATCH_REC_HEAD;
}

/* Full order of two ops: key bytes, then key length, then insertion order (record offset). */
static int op_cmp(const uint8_t *base, const sort_item *a, const sort_item *b)
{
    uint32_t ka, kb, va, vb;
    const uint8_t *pa = item_record(base, a, &ka, &va);
    const uint8_t *pb = item_record(base, b, &kb, &vb);
    int c = memcmp(pa, pb, ka < kb ? ka : kb);
    if (c)
        return c;
    if (ka != kb)
        return ka < kb ? -1 : 1;
    uint64_t sa = a->tag & ~BATCH_DELETE, sb = b->tag & ~BATCH_DELETE;
    return sa < sb ? -1 : sa > sb;
}

static _Thread_local const uint8_t *cmp_base; /* qsort has no context argument */

static int item_cmp(const void *pa, const void *pb)
{
    return op_cmp(cmp_base, pa, pb);
}

static uint8_t item_byte(const sort_item *it, int d)
{
    return (uint8_t)(it->p[d >> 3] >> (8 * (7 - (d & 7))));
}

/* Masks of prefix bytes 0..last (big-endian words). */
static void prefix_mask(int last, uint64_t mask[2])
{
    mask[0] = mask[1] = 0;
    for (int d = 0; d <= last; d++)
        mask[d >> 3] |= (uint64_t)0xff << (8 * (7 - (d & 7)));
}

/* Orders a run of items by the whole key, then insertion order. */
static void sort_run(const uint8_t *base, sort_item *items, size_t n)
{
    if (n > 16) {
        cmp_base = base;
        qsort(items, n, sizeof *items, item_cmp);
        return;
    }
    for (size_t x = 1; x < n; x++) {
        sort_item cur = items[x];
        size_t y = x;
        while (y > 0 && op_cmp(base, &items[y - 1], &cur) > 0) {
            items[y] = items[y - 1];
            y--;
        }
        items[y] = cur;
    }
}

/* Sorts src[0,n) (one bucket: prefix byte 0 is equal) by the whole key; tmp is scratch of n
 * items, count scratch for 16 x 256 counters. One counting pass finds the prefix bytes 1..15
 * that vary; a stable LSD radix sort on the BATCH_RADIX_BYTES most significant of them (the
 * rest of a hash, or the low bytes of an id in a long tail, rarely decide) orders the items
 * by prefix bytes 0..L, L the last byte sorted on (the unsorted bytes before L are constant);
 * runs equal in those bytes are then ordered by the whole key. The result is left in src. */
static void radix_bucket(const uint8_t *base, sort_item *src, sort_item *tmp, size_t n,
                         size_t (*count)[256])
{
    if (n < 2)
        return;
    memset(count, 0, 16 * sizeof *count);
    for (size_t i = 0; i < n; i++)
        for (int d = 1; d < 16; d++)
            count[d][item_byte(&src[i], d)]++;
    int pos[BATCH_RADIX_BYTES], npos = 0;
    for (int d = 1; d < 16 && npos < BATCH_RADIX_BYTES; d++)
        if (count[d][item_byte(&src[0], d)] != n)
            pos[npos++] = d;
    int last = npos ? pos[npos - 1] : 15;
    int all = 1; /* every varying byte was sorted on: runs equal in all 16 prefix bytes */
    for (int d = last + 1; d < 16 && all; d++)
        if (count[d][item_byte(&src[0], d)] != n)
            all = 0;
    if (all)
        last = 15;
    sort_item *from = src, *to = tmp;
    for (int p = npos - 1; p >= 0; p--) {
        int d = pos[p];
        size_t *c = count[d];
        size_t at = 0;
        for (int v = 0; v < 256; v++) {
            size_t k = c[v];
            c[v] = at;
            at += k;
        }
        for (size_t i = 0; i < n; i++)
            to[c[item_byte(&from[i], d)]++] = from[i];
        sort_item *t = from;
        from = to;
        to = t;
    }
    if (from != src)
        memcpy(src, from, n * sizeof *src);
    uint64_t mask[2];
    prefix_mask(last, mask);
    for (size_t i = 0; i < n;) {
        uint64_t m0 = src[i].p[0] & mask[0], m1 = src[i].p[1] & mask[1];
        size_t j = i + 1;
        while (j < n && (src[j].p[0] & mask[0]) == m0 && (src[j].p[1] & mask[1]) == m1)
            j++;
        if (j - i > 1)
            sort_run(base, src + i, j - i);
        i = j;
    }
}

/* Orders b->items by key (then insertion order): a counting pass on the first key byte (the
 * record type), then each type's bucket (radix_bucket). Returns 0 if scratch memory cannot be
 * had. */
static int batch_sort(ft_store_batch *b)
{
    size_t n = b->n_ops;
    if (b->tmp_cap < n) {
        big_free(b->tmp, b->tmp_cap * sizeof *b->tmp);
        b->tmp_cap = 0;
        b->tmp = big_alloc(b->cap_ops * sizeof *b->tmp);
        if (b->tmp)
            b->tmp_cap = b->cap_ops;
    }
    size_t(*count)[256] = calloc(16, sizeof *count);
    if (!b->tmp || !count) {
        free(count);
        return 0;
    }
    sort_item *items = b->items, *tmp = b->tmp;
    size_t start[257];
    memset(start, 0, sizeof start);
    for (size_t i = 0; i < n; i++)
        start[item_byte(&items[i], 0) + 1]++;
    for (int v = 0; v < 256; v++)
        start[v + 1] += start[v];
    size_t fill[256];
    memcpy(fill, start, sizeof fill);
    for (size_t i = 0; i < n; i++)
        tmp[fill[item_byte(&items[i], 0)]++] = items[i];
    for (int v = 0; v < 256; v++)
        radix_bucket(b->data, tmp + start[v], items + start[v], start[v + 1] - start[v],
                     count);
    memcpy(items, tmp, n * sizeof *items);
    free(count);
    return 1;
}

ft_status ft_store_batch_prepare(ft_store *st, ft_store_batch *b, ft_err *err)
{
    if (b->failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory building a write batch for '%s'",
                          st->path);
    if (b->prepared)
        return FT_OK;
    if (b->n_ops > 1 && !batch_sort(b))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory sorting a write batch for '%s'",
                          st->path);
    leveldb_writebatch_t *wb = b->wb;
    leveldb_writebatch_clear(wb);
    const uint8_t *base = b->data;
    const sort_item *items = b->items;
    size_t n = b->n_ops;
    for (size_t i = 0; i < n && i < BATCH_PREFETCH_AHEAD; i++)
        __builtin_prefetch(base + (items[i].tag & ~BATCH_DELETE));
    for (size_t i = 0; i < n; i++) {
        if (i + BATCH_PREFETCH_AHEAD < n)
            __builtin_prefetch(base + (items[i + BATCH_PREFETCH_AHEAD].tag & ~BATCH_DELETE));
        uint32_t klen, vlen;
        const char *k = (const char *)item_record(base, &items[i], &klen, &vlen);
        if (items[i].tag & BATCH_DELETE)
            leveldb_writebatch_delete(wb, k, klen);
        else
            leveldb_writebatch_put(wb, k, klen, k + klen, vlen);
    }
    b->prepared = 1;
    return FT_OK;
}

ft_status ft_store_batch_write(ft_store *st, ft_store_batch *b, int sync, ft_err *err)
{
    ft_status rc = ft_store_batch_prepare(st, b, err);
    if (rc != FT_OK)
        return rc;
    char *lerr = NULL;
    leveldb_write(st->db, sync ? st->write_sync : st->write_nosync, b->wb, &lerr);
    if (lerr) {
        rc = ft_err_set(err, FT_ERR_IO, "cannot write index '%s': %s", st->path, lerr);
        leveldb_free(lerr);
        return rc;
    }
    return FT_OK;
}

ft_status ft_store_batch_commit(ft_store *st, ft_store_batch *b, int sync, ft_err *err)
{
    ft_status rc = ft_store_batch_write(st, b, sync, err);
    /* the WriteBatch copy is not needed again: drop it now (its memory is kept) */
    b->prepared = 0;
    leveldb_writebatch_clear(b->wb);
    return rc;
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

/* ---- leaving the index quick to open (ft_store_flush, ft_store_settle) ----------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ft_status ft_store_flush(ft_store *st, ft_err *err)
{
    static const char edge[2] = {(char)0xff, (char)0xff};
    (void)err; /* as ft_store_compact: LevelDB reports no error here */
    leveldb_compact_range(st->db, edge, sizeof edge, edge, sizeof edge);
    return FT_OK;
}

/* Files and MB per level from "leveldb.stats": after a 3-line header, one line per level that
 * has files or compaction history, "level files size_mb time read_mb write_mb". Returns 0, or
 * -1 when the property is missing or not in that form. */
static int read_shape(ft_store *st, ft_store_shape *sh)
{
    memset(sh->files, 0, sizeof sh->files);
    memset(sh->mb, 0, sizeof sh->mb);
    char *stats = leveldb_property_value(st->db, "leveldb.stats");
    if (!stats)
        return -1;
    int lines = 0, bad = 0;
    for (char *p = stats; *p && !bad;) {
        char *eol = strchr(p, '\n');
        if (eol)
            *eol = '\0';
        if (++lines > 3) { /* level, files, size */
            char *e1, *e2, *e3;
            long level = strtol(p, &e1, 10);
            long files = strtol(e1, &e2, 10);
            double mb = strtod(e2, &e3);
            if (e1 == p || e2 == e1 || e3 == e2 || level < 0 || level > 6 || files < 0)
                bad = 1;
            else {
                sh->files[level] = (int)files;
                sh->mb[level] = mb;
            }
        }
        p = eol ? eol + 1 : p + strlen(p);
    }
    leveldb_free(stats);
    return bad || lines < 3 ? -1 : 0;
}

static int shape_settled(const ft_store_shape *sh)
{
    if (sh->files[0] >= 4) /* kL0_CompactionTrigger */
        return 0;
    double budget = 10.0; /* MB for level 1 (MaxBytesForLevel), 10x per level below */
    for (int level = 1; level < 6; level++, budget *= 10.0)
        if (sh->mb[level] > budget)
            return 0;
    return 1;
}

ft_status ft_store_settle(ft_store *st, unsigned max_ms, ft_store_shape *shape, ft_err *err)
{
    ft_store_shape local;
    ft_store_shape *sh = shape ? shape : &local;
    memset(sh, 0, sizeof *sh);
    double t0 = now_seconds();
    ft_status rc = ft_store_flush(st, err);
    if (rc != FT_OK)
        return rc;
    double t1 = now_seconds();
    sh->flush_seconds = t1 - t0;
    for (;;) {
        if (read_shape(st, sh) != 0)
            break; /* cannot tell: do not wait blind */
        if (shape_settled(sh)) {
            sh->settled = 1;
            break;
        }
        if ((now_seconds() - t1) * 1000.0 >= (double)max_ms)
            break;
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    sh->wait_seconds = now_seconds() - t1;
    return FT_OK;
}

ft_status ft_store_levels(ft_store *st, ft_store_shape *shape, ft_err *err)
{
    memset(shape, 0, sizeof *shape);
    if (read_shape(st, shape) != 0)
        return ft_err_set(err, FT_ERR_IO, "index '%s': leveldb reports no level statistics",
                          ft_store_path(st));
    shape->settled = shape_settled(shape);
    return FT_OK;
}
