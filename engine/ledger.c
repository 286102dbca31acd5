/*
 * ledger.c — staging UTXO blocks into the store, committing them with the checkpoint, and
 * rolling them back (see ledger.h; docs/store-format.md has every key and value).
 *
 * Writes: each appended block becomes puts in one ft_store_batch — the block record, its hash,
 * one compact record per tx (inputs resolved to the output they spend, outputs with value,
 * address id and script type), txid → tx id, one spend record per input (keyed by the spent
 * output, so spending never rewrites the output's tx), one history row per input and output
 * that has an address, and each new address in both directions. ft_ledger_commit adds the
 * chain record (network, tip, next ids) to the same batch and writes it synced.
 *
 * Caches (what makes ingest fast; all of them may be dropped at any time after a commit):
 *
 *     utxo   (txid, vout) -> out id, tx id, value, addr id     unspent outputs seen lately
 *            (txid, 0xffffffff) -> tx id, n_out                 coinbase txid marker (BIP 30)
 *     spent  (txid, vout)                                       spent by a STAGED input
 *     addrs  address key -> addr id
 *
 * Commits may be pipelined (ft_ledger_commit_async), three stages deep: while batch k is
 * staged on the caller's thread, batch k-1 is prepared (sorted and copied into LevelDB's
 * WriteBatch) and batch k-2 is written, each commit on a thread of its own. Only LevelDB's
 * Write is serial: a commit thread prepares at once, then waits until every earlier commit
 * is written (`written` counts them, under `mu`) and writes; after a failed one, later ones
 * are not written (a checkpoint must never cover a missing batch). At most FT_LEDGER_INFLIGHT
 * commits are in flight; the caller retires them oldest first. Each in-flight commit keeps
 * the spends it stages in its slot's `spent` set, and nothing it wrote may be evicted before
 * it is durable (eviction only ever drops ids below the committed next ids).
 *
 * A lookup that misses a cache falls back to the store, so a resumed run works with cold
 * caches. Staged entries are never evicted (the store does not have them yet); eviction runs
 * only after a commit, dropping the older half by id until the caches fit their budget. While
 * the caches hold everything written since the chain was empty (`complete`), a miss is an
 * answer and the store is not asked. Abort and rollback clear the caches: the next lookups go
 * to the store, which is always right.
 *
 * Partial index: when the first block appended to an empty chain has height N > 0, N is kept
 * in the checkpoint (first_height) and an input whose prev txid the index does not hold at all
 * is staged UNRESOLVED (out id FT_QUERY_OUT_UNRESOLVED, prev txid kept, no spend record, no
 * history row, value unknown, so the tx's fee check is skipped). A known txid whose vout is
 * missing or already spent still fails. A full index (first_height 0) is strict and its
 * records are byte-identical to before (the trailer is only written when > 0).
 *
 * Invariants: ids are dense and increase in chain order (tx by block then position, out =
 * first out of its tx + vout, addr at first sight from 1; 0 = no address); a staged spend is in
 * `spent` until its commit (so a second spend of an output the cache no longer holds is still
 * caught); `cur` = `committed` + staged blocks.
 */
#include "engine/ledger.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "engine/buf.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/log.h"
#include "engine/query.h"
#include "engine/reader.h"

#include "engine/banned.h"

#define COINBASE_MARKER UINT32_MAX
#define DEFAULT_CACHE_BYTES ((size_t)2048 << 20)
#define MAP_MIN_CAP 1024
#define PREFETCH_AHEAD 4 /* txs: see prefetch_tx */

/* ---- table memory ------------------------------------------------------------------------
 * The caches grow by doubling into fresh zeroed tables. Faulting those in 4 KB at a time was
 * a fifth of the serial stage's time (each fault is costly in a VM), so a table of 2 MB or
 * more is mapped directly, 2 MB-aligned, and marked for transparent huge pages (one fault per
 * 2 MB where the kernel allows it). Smaller tables come from calloc. The size is always
 * cap * entry size, so the free side recomputes it. */

#define HUGE_BYTES ((size_t)2 << 20)

static void *table_alloc(size_t n, size_t size)
{
    if (n && size > SIZE_MAX / n)
        return NULL;
    size_t bytes = n * size;
    if (bytes < HUGE_BYTES)
        return calloc(n ? n : 1, size);
    size_t len = (bytes + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
    uint8_t *p = mmap(NULL, len + HUGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    size_t head = (HUGE_BYTES - ((uintptr_t)p & (HUGE_BYTES - 1))) & (HUGE_BYTES - 1);
    if (head)
        munmap(p, head);
    if (HUGE_BYTES - head)
        munmap(p + head + len, HUGE_BYTES - head);
#ifdef MADV_HUGEPAGE
    (void)madvise(p + head, len, MADV_HUGEPAGE); /* advice only: plain pages if refused */
#endif
    return p + head;
}

static void table_free(void *p, size_t n, size_t size)
{
    if (!p)
        return;
    size_t bytes = n * size;
    if (bytes < HUGE_BYTES) {
        free(p);
        return;
    }
    munmap(p, (bytes + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1));
}

/* ---- hash maps (open addressing, linear probing, backward-shift deletion) ----------------- */

typedef struct utxo_entry {
    uint8_t txid[32];
    uint32_t vout;
    uint32_t used;
    uint64_t out_id; /* the marker: first out id of the tx */
    uint64_t tx_id;
    uint64_t value; /* the marker: n_out */
    uint64_t addr_id;
} utxo_entry;

typedef struct utxo_map {
    utxo_entry *e;
    size_t cap; /* power of two, or 0 */
    size_t count;
} utxo_map;

typedef struct addr_entry {
    uint8_t len;
    uint8_t bytes[FT_ADDR_KEY_MAX];
    uint8_t used;
    uint64_t id;
} addr_entry;

typedef struct addr_map {
    addr_entry *e;
    size_t cap;
    size_t count;
} addr_map;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static size_t utxo_slot(const utxo_map *m, const uint8_t txid[32], uint32_t vout)
{
    uint64_t h = ft_get_u64le(txid) ^ ft_get_u64le(txid + 8) ^ ((uint64_t)vout << 32 | vout);
    return (size_t)mix64(h) & (m->cap - 1);
}

static utxo_entry *utxo_find(utxo_map *m, const uint8_t txid[32], uint32_t vout)
{
    if (!m->cap)
        return NULL;
    for (size_t i = utxo_slot(m, txid, vout);; i = (i + 1) & (m->cap - 1)) {
        utxo_entry *e = &m->e[i];
        if (!e->used)
            return NULL;
        if (e->vout == vout && memcmp(e->txid, txid, 32) == 0)
            return e;
    }
}

static int utxo_insert_raw(utxo_map *m, const utxo_entry *src)
{
    for (size_t i = utxo_slot(m, src->txid, src->vout);; i = (i + 1) & (m->cap - 1)) {
        utxo_entry *e = &m->e[i];
        if (!e->used) {
            *e = *src;
            e->used = 1;
            m->count++;
            return 1;
        }
        if (e->vout == src->vout && memcmp(e->txid, src->txid, 32) == 0) {
            *e = *src;
            e->used = 1;
            return 1;
        }
    }
}

static int utxo_resize(utxo_map *m, size_t cap)
{
    utxo_entry *ne = table_alloc(cap, sizeof *ne);
    if (!ne)
        return 0;
    utxo_map nm = {ne, cap, 0};
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].used)
            utxo_insert_raw(&nm, &m->e[i]);
    table_free(m->e, m->cap, sizeof *m->e);
    *m = nm;
    return 1;
}

/* Inserts or replaces; 0 on allocation failure. */
static int utxo_put(utxo_map *m, const utxo_entry *src)
{
    if (!m->cap || (m->count + 1) * 10 > m->cap * 7) {
        size_t cap = m->cap ? m->cap * 2 : MAP_MIN_CAP;
        if (!utxo_resize(m, cap))
            return 0;
    }
    return utxo_insert_raw(m, src);
}

static void utxo_remove_at(utxo_map *m, utxo_entry *e)
{
    size_t i = (size_t)(e - m->e);
    size_t mask = m->cap - 1;
    m->e[i].used = 0;
    m->count--;
    /* Backward shift: move later members of the probe run into the hole when allowed. */
    for (size_t j = (i + 1) & mask; m->e[j].used; j = (j + 1) & mask) {
        size_t home = utxo_slot(m, m->e[j].txid, m->e[j].vout);
        /* The entry at j may move to i if its home is not in the cyclic range (i, j]. */
        int in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            m->e[i] = m->e[j];
            m->e[j].used = 0;
            i = j;
        }
    }
}

static void utxo_clear(utxo_map *m)
{
    table_free(m->e, m->cap, sizeof *m->e);
    m->e = NULL;
    m->cap = m->count = 0;
}

/* Resets to empty but keeps a small table's memory (the staged-spend set, cleared often). */
static void utxo_reset(utxo_map *m)
{
    if (m->cap > (size_t)1 << 20) {
        utxo_clear(m);
    } else if (m->count) {
        memset(m->e, 0, m->cap * sizeof *m->e);
        m->count = 0;
    }
}

/* Hashes the key 8 bytes at a time (the tail zero-padded), each word mixed in: keys are
 * hashes or programs already, so this only has to spread them over the table. */
static uint64_t addr_hash(const ft_addr_key *k)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ k->len;
    size_t i = 0;
    for (; i + 8 <= k->len; i += 8)
        h = mix64(h ^ ft_get_u64le(k->bytes + i));
    if (i < k->len) {
        uint8_t tail[8] = {0};
        memcpy(tail, k->bytes + i, k->len - i);
        h = mix64(h ^ ft_get_u64le(tail));
    }
    return h;
}

static size_t addr_slot(const addr_map *m, const ft_addr_key *k)
{
    return (size_t)addr_hash(k) & (m->cap - 1);
}

static addr_entry *addr_find(addr_map *m, const ft_addr_key *k)
{
    if (!m->cap)
        return NULL;
    for (size_t i = addr_slot(m, k);; i = (i + 1) & (m->cap - 1)) {
        addr_entry *e = &m->e[i];
        if (!e->used)
            return NULL;
        if (e->len == k->len && memcmp(e->bytes, k->bytes, k->len) == 0)
            return e;
    }
}

static void addr_insert_raw(addr_map *m, const ft_addr_key *k, uint64_t id)
{
    for (size_t i = addr_slot(m, k);; i = (i + 1) & (m->cap - 1)) {
        addr_entry *e = &m->e[i];
        if (!e->used) {
            e->used = 1;
            e->len = k->len;
            memcpy(e->bytes, k->bytes, k->len);
            e->id = id;
            m->count++;
            return;
        }
        if (e->len == k->len && memcmp(e->bytes, k->bytes, k->len) == 0) {
            e->id = id;
            return;
        }
    }
}

static int addr_resize(addr_map *m, size_t cap)
{
    addr_entry *ne = table_alloc(cap, sizeof *ne);
    if (!ne)
        return 0;
    addr_map nm = {ne, cap, 0};
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->e[i].used)
            continue;
        ft_addr_key k;
        k.len = m->e[i].len;
        memcpy(k.bytes, m->e[i].bytes, k.len);
        addr_insert_raw(&nm, &k, m->e[i].id);
    }
    table_free(m->e, m->cap, sizeof *m->e);
    *m = nm;
    return 1;
}

static int addr_put(addr_map *m, const ft_addr_key *k, uint64_t id)
{
    if (!m->cap || (m->count + 1) * 10 > m->cap * 7) {
        if (!addr_resize(m, m->cap ? m->cap * 2 : MAP_MIN_CAP))
            return 0;
    }
    addr_insert_raw(m, k, id);
    return 1;
}

static void addr_clear(addr_map *m)
{
    table_free(m->e, m->cap, sizeof *m->e);
    m->e = NULL;
    m->cap = m->count = 0;
}

static size_t cap_for(size_t count)
{
    size_t cap = MAP_MIN_CAP;
    while (cap * 7 < count * 10 + 10)
        cap *= 2;
    return cap;
}

/* Hints the CPU to load the table slots a later tx will probe (its inputs' unspent outputs,
 * its outputs' addresses): the serial stage is bound by cache misses in tables of hundreds of
 * MB, and a tx's probes are independent of the txs before it. A hint only: a resize before
 * the tx is reached makes it useless, never wrong. */
static void prefetch_tx(const utxo_map *utxo, const addr_map *addrs, const ft_utxo_tx *tx)
{
    if (utxo->cap && !tx->coinbase && tx->in)
        for (uint32_t i = 0; i < tx->n_in; i++)
            __builtin_prefetch(&utxo->e[utxo_slot(utxo, tx->in[i].prev_txid, tx->in[i].prev_vout)]);
    if (addrs->cap && tx->out)
        for (uint32_t o = 0; o < tx->n_out; o++)
            if (tx->out[o].addr.len && tx->out[o].addr.len <= FT_ADDR_KEY_MAX)
                __builtin_prefetch(&addrs->e[addr_slot(addrs, &tx->out[o].addr)]);
}

/* ---- the ledger -------------------------------------------------------------------------- */

#define FT_LEDGER_INFLIGHT 2 /* commits being prepared or written at once */

typedef struct ledger_state {
    int has_tip;
    uint32_t tip_height;
    uint8_t tip_hash[32];
    uint64_t next_tx;
    uint64_t next_out;
    uint64_t next_addr;
    uint32_t first_height; /* of the first block ever appended; > 0: a partial index */
} ledger_state;

typedef struct commit_slot {
    ft_ledger *lg;
    ft_store_batch *batch; /* empty while the slot is free */
    utxo_map spent;        /* spends staged in this batch */
    ledger_state state;    /* the checkpoint the batch writes */
    size_t n_blocks;
    uint64_t seq;          /* 1-based order of the commit */
    pthread_t thread;
    int threaded;          /* 1: a thread was started and must be joined */
    ft_status rc;
    ft_err err;
    double prep_cpu, write_cpu;
} commit_slot;

struct ft_ledger {
    ft_store *st;
    uint8_t chain;
    char network[FT_QUERY_NETWORK_MAX];
    ft_store_batch *batch;
    ft_buf val;
    ledger_state committed;
    ledger_state cur;
    uint8_t (*staged)[32]; /* hashes of the blocks after the committed tip (in flight first) */
    size_t n_staged;       /* all of them, in flight included */
    size_t cap_staged;
    utxo_map utxo;
    utxo_map spent;
    /* commits in flight (ft_ledger_commit_async): slot[(first + i) % FT_LEDGER_INFLIGHT] for
     * i < n_inflight, oldest first; their blocks are the first hashes of staged[] */
    commit_slot slot[FT_LEDGER_INFLIGHT];
    size_t first_slot;
    size_t n_inflight;
    uint64_t issued;    /* commits handed to a thread so far */
    pthread_mutex_t mu; /* guards written and pipe_failed */
    pthread_cond_t cv;
    uint64_t written;   /* commits whose write finished (in order) */
    int pipe_failed;    /* a commit in flight failed: the later ones are not written */
    addr_map addrs;
    double prep_cpu;  /* CPU seconds of commit threads: sort + WriteBatch copy, for the log */
    double write_cpu; /* ... and in LevelDB's Write (log append, memtable insert) */
    unsigned long n_commits;
    int utxo_complete; /* the caches hold every output / address of the chain */
    int addr_complete;
    size_t cache_limit;
};

static void caches_drop(ft_ledger *lg)
{
    utxo_clear(&lg->utxo);
    utxo_clear(&lg->spent);
    for (size_t i = 0; i < FT_LEDGER_INFLIGHT; i++)
        utxo_clear(&lg->slot[i].spent);
    addr_clear(&lg->addrs);
    lg->utxo_complete = 0;
    lg->addr_complete = 0;
}

static ft_status load_checkpoint(ft_ledger *lg, ft_err *err)
{
    ft_query_chainrec rec;
    ft_status rc = ft_query_chain_get(lg->st, lg->chain, &rec, err);
    memset(&lg->committed, 0, sizeof lg->committed);
    lg->committed.next_addr = 1;
    if (rc == FT_ERR_NOTFOUND) {
        ft_err_clear(err);
        lg->cur = lg->committed;
        return FT_OK;
    }
    if (rc != FT_OK)
        return rc;
    if (strcmp(rec.network, lg->network) != 0)
        return ft_err_set(err, FT_ERR_STATE, "index '%s' holds '%s' blocks, not '%s'",
                          ft_store_path(lg->st), rec.network, lg->network);
    if (rec.next_addr == 0)
        return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt chain record (address ids)",
                          ft_store_path(lg->st));
    lg->committed.has_tip = rec.has_tip;
    lg->committed.tip_height = rec.tip_height;
    memcpy(lg->committed.tip_hash, rec.tip_hash, 32);
    lg->committed.next_tx = rec.next_tx;
    lg->committed.next_out = rec.next_out;
    lg->committed.next_addr = rec.next_addr;
    lg->committed.first_height = rec.first_height;
    lg->cur = lg->committed;
    return FT_OK;
}

ft_status ft_ledger_open(ft_ledger **out, ft_store *st, uint8_t chain, const char *network,
                         ft_err *err)
{
    *out = NULL;
    if (!st || !network || !*network || strlen(network) >= FT_QUERY_NETWORK_MAX)
        return ft_err_set(err, FT_ERR_ARG, "ledger needs a store and a network name");
    ft_ledger *lg = calloc(1, sizeof *lg);
    if (!lg)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory opening the ledger");
    lg->st = st;
    lg->chain = chain;
    memcpy(lg->network, network, strlen(network) + 1);
    ft_buf_init(&lg->val);
    lg->cache_limit = DEFAULT_CACHE_BYTES;
    lg->batch = ft_store_batch_new();
    int ok = lg->batch != NULL;
    for (size_t i = 0; i < FT_LEDGER_INFLIGHT; i++) {
        lg->slot[i].lg = lg;
        lg->slot[i].batch = ft_store_batch_new();
        ok = ok && lg->slot[i].batch;
    }
    if (!ok) {
        ft_store_batch_free(lg->batch);
        for (size_t i = 0; i < FT_LEDGER_INFLIGHT; i++)
            ft_store_batch_free(lg->slot[i].batch);
        free(lg);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory opening the ledger");
    }
    pthread_mutex_init(&lg->mu, NULL);
    pthread_cond_init(&lg->cv, NULL);
    ft_status rc = load_checkpoint(lg, err);
    if (rc != FT_OK) {
        ft_ledger_close(lg);
        return rc;
    }
    lg->utxo_complete = lg->addr_complete = !lg->committed.has_tip;
    *out = lg;
    return FT_OK;
}

static ft_status ledger_wait(ft_ledger *lg, ft_err *err);

void ft_ledger_close(ft_ledger *lg)
{
    if (!lg)
        return;
    ft_err ignored;
    (void)ledger_wait(lg, &ignored);
    if (lg->n_commits)
        ft_log(FT_LOG_DEBUG,
               "ledger: %lu commits, %.2f s cpu in the write path: prepare (sort, WriteBatch) "
               "%.2f s, LevelDB write %.2f s",
               lg->n_commits, lg->prep_cpu + lg->write_cpu, lg->prep_cpu, lg->write_cpu);
    ft_store_batch_free(lg->batch);
    for (size_t i = 0; i < FT_LEDGER_INFLIGHT; i++)
        ft_store_batch_free(lg->slot[i].batch);
    pthread_mutex_destroy(&lg->mu);
    pthread_cond_destroy(&lg->cv);
    ft_buf_release(&lg->val);
    free(lg->staged);
    caches_drop(lg);
    free(lg);
}

void ft_ledger_set_cache_limit(ft_ledger *lg, size_t bytes)
{
    lg->cache_limit = bytes;
}

ft_status ft_ledger_get_tip(ft_ledger *lg, ft_ledger_tip *tip, ft_err *err)
{
    (void)err;
    memset(tip, 0, sizeof *tip);
    tip->empty = !lg->cur.has_tip;
    tip->height = lg->cur.tip_height;
    memcpy(tip->hash, lg->cur.tip_hash, 32);
    tip->first_height = lg->cur.has_tip ? lg->cur.first_height : 0;
    return FT_OK;
}

ft_status ft_ledger_block_hash(ft_ledger *lg, uint32_t height, uint8_t hash[32], ft_err *err)
{
    memset(hash, 0, 32);
    if (!lg->cur.has_tip || height > lg->cur.tip_height)
        return ft_err_set(err, FT_ERR_NOTFOUND, "no block at height %u in the index", height);
    if (lg->n_staged) {
        uint32_t first = lg->cur.tip_height - (uint32_t)(lg->n_staged - 1);
        if (height >= first) {
            memcpy(hash, lg->staged[height - first], 32);
            return FT_OK;
        }
    }
    ft_query_blockrec rec;
    ft_status rc = ft_query_block_get(lg->st, lg->chain, height, &rec, err);
    if (rc != FT_OK)
        return rc;
    memcpy(hash, rec.hash, 32);
    return FT_OK;
}

size_t ft_ledger_staged_bytes(const ft_ledger *lg)
{
    return ft_store_batch_size(lg->batch);
}

void ft_ledger_abort(ft_ledger *lg)
{
    /* a commit in flight holds blocks appended before: let it finish (or fail) first */
    ft_err ignored;
    (void)ledger_wait(lg, &ignored);
    ft_store_batch_clear(lg->batch);
    lg->cur = lg->committed;
    lg->n_staged = 0;
    /* Staged outputs, spends and addresses are in the caches: drop them all. */
    caches_drop(lg);
}

/* ---- append ------------------------------------------------------------------------------ */

static void put_ver_compact(ft_ledger *lg, const uint8_t *k, size_t kl, uint64_t v)
{
    uint8_t buf[10];
    buf[0] = 1;
    size_t n = 1 + ft_put_compact(buf + 1, v);
    ft_store_batch_put(lg->batch, k, kl, buf, n);
}

static void put_hist(ft_ledger *lg, uint64_t addr_id, uint64_t tx_id, uint8_t dir, uint32_t index,
                     uint64_t value)
{
    uint8_t k[FT_QUERY_HIST_KEY_LEN];
    ft_query_key_hist(k, lg->chain, addr_id, tx_id, dir, index);
    put_ver_compact(lg, k, sizeof k, value);
}

static void fmt_outpoint(char *out, size_t cap, const uint8_t txid[32], uint32_t vout)
{
    char hex[65];
    ft_hex_encode_rev(hex, txid, 32);
    snprintf(out, cap, "%s:%u", hex, vout);
}

typedef struct resolved {
    int unresolved; /* partial index: the spent tx was never indexed (out_id = the sentinel) */
    uint64_t out_id;
    uint64_t tx_id;
    uint64_t value;
    uint64_t addr_id;
} resolved;

/* Finds and consumes the unspent output (txid, vout): cache, then the store. */
static ft_status spend_output(ft_ledger *lg, const uint8_t txid[32], uint32_t vout, resolved *res,
                              ft_err *err)
{
    char op[80];
    memset(res, 0, sizeof *res);
    utxo_entry *e = vout != COINBASE_MARKER ? utxo_find(&lg->utxo, txid, vout) : NULL;
    if (e) {
        res->out_id = e->out_id;
        res->tx_id = e->tx_id;
        res->value = e->value;
        res->addr_id = e->addr_id;
        utxo_remove_at(&lg->utxo, e);
        goto mark;
    }
    int spent = utxo_find(&lg->spent, txid, vout) != NULL;
    for (size_t i = 0; i < FT_LEDGER_INFLIGHT && !spent; i++)
        spent = utxo_find(&lg->slot[i].spent, txid, vout) != NULL;
    if (spent) {
        fmt_outpoint(op, sizeof op, txid, vout);
        return ft_err_set(err, FT_ERR_STATE, "input spends output '%s' that is already spent", op);
    }
    /* Not cached: ask the store (an output of a committed block evicted from the cache, an
     * OP_RETURN output, or a resumed run). Valid chains rarely get here while the cache is
     * complete, so the store is always asked: it also names the right cause of an error. */
    uint64_t tx_id;
    ft_status rc = ft_query_tx_id(lg->st, lg->chain, txid, &tx_id, err);
    if (rc == FT_ERR_NOTFOUND && lg->cur.first_height > 0) {
        /* A partial index never saw this tx (it is older than the first indexed block): the
         * input is recorded unresolved. Its txid is unknown, so no spend can be tracked. */
        ft_err_clear(err);
        res->unresolved = 1;
        res->out_id = FT_QUERY_OUT_UNRESOLVED;
        return FT_OK;
    }
    if (rc == FT_ERR_NOTFOUND)
        goto unknown;
    if (rc != FT_OK)
        return rc;
    ft_query_txrec rec;
    rc = ft_query_txrec_get(lg->st, lg->chain, tx_id, &rec, err);
    if (rc != FT_OK)
        return rc == FT_ERR_NOTFOUND ? FT_ERR_CORRUPT : rc;
    if (vout >= rec.n_out) {
        ft_query_txrec_release(&rec);
        goto unknown;
    }
    res->out_id = rec.first_out + vout;
    res->tx_id = tx_id;
    res->value = rec.out[vout].value;
    res->addr_id = rec.out[vout].addr_id;
    ft_query_txrec_release(&rec);
    uint64_t by_tx;
    uint32_t by_vin;
    rc = ft_query_spend_get(lg->st, lg->chain, res->out_id, &by_tx, &by_vin, err);
    if (rc == FT_OK) {
        fmt_outpoint(op, sizeof op, txid, vout);
        return ft_err_set(err, FT_ERR_STATE,
                          "input spends output '%s' that tx %llu input %u already spent", op,
                          (unsigned long long)by_tx, by_vin);
    }
    if (rc != FT_ERR_NOTFOUND)
        return rc;
    ft_err_clear(err);
mark:;
    utxo_entry s;
    memset(&s, 0, sizeof s);
    memcpy(s.txid, txid, 32);
    s.vout = vout;
    if (!utxo_put(&lg->spent, &s))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory staging a spend");
    return FT_OK;
unknown:
    fmt_outpoint(op, sizeof op, txid, vout);
    return ft_err_set(err, FT_ERR_STATE, "input spends unknown output '%s'", op);
}

/* The id of address key k, assigning the next one (and staging both records) at first sight. */
static ft_status address_id(ft_ledger *lg, const ft_addr_key *k, uint64_t *id, ft_err *err)
{
    *id = 0;
    if (k->len == 0)
        return FT_OK;
    if (k->len > FT_ADDR_KEY_MAX)
        return ft_err_set(err, FT_ERR_ARG, "address key of %u bytes", (unsigned)k->len);
    addr_entry *e = addr_find(&lg->addrs, k);
    if (e) {
        *id = e->id;
        return FT_OK;
    }
    if (!lg->addr_complete) {
        ft_status rc = ft_query_addr_id(lg->st, lg->chain, k, id, err);
        if (rc == FT_OK) {
            if (!addr_put(&lg->addrs, k, *id))
                return ft_err_set(err, FT_ERR_NOMEM, "out of memory caching an address");
            return FT_OK;
        }
        if (rc != FT_ERR_NOTFOUND)
            return rc;
        ft_err_clear(err);
    }
    *id = lg->cur.next_addr++;
    uint8_t key[FT_QUERY_KEY_MAX];
    size_t kl = ft_query_key_addr(key, lg->chain, k);
    put_ver_compact(lg, key, kl, *id);
    uint8_t val[1 + FT_ADDR_KEY_MAX];
    val[0] = 1;
    memcpy(val + 1, k->bytes, k->len);
    kl = ft_query_key_addr_id(key, lg->chain, *id);
    ft_store_batch_put(lg->batch, key, kl, val, 1 + (size_t)k->len);
    if (!addr_put(&lg->addrs, k, *id))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory caching an address");
    return FT_OK;
}

/* BIP 30: is txid (a coinbase's) already used? On yes, *dup_of is that tx and its cached
 * outputs are dropped: the new tx's outputs replace them. */
static ft_status coinbase_dup(ft_ledger *lg, const uint8_t txid[32], int *has_dup, uint64_t *dup_of,
                              ft_err *err)
{
    *has_dup = 0;
    *dup_of = 0;
    uint64_t n_out = 0;
    utxo_entry *m = utxo_find(&lg->utxo, txid, COINBASE_MARKER);
    if (m) {
        *has_dup = 1;
        *dup_of = m->tx_id;
        n_out = m->value;
    } else if (!lg->utxo_complete) {
        ft_status rc = ft_query_tx_id(lg->st, lg->chain, txid, dup_of, err);
        if (rc == FT_ERR_NOTFOUND) {
            ft_err_clear(err);
            return FT_OK;
        }
        if (rc != FT_OK)
            return rc;
        ft_query_txrec rec;
        rc = ft_query_txrec_get(lg->st, lg->chain, *dup_of, &rec, err);
        if (rc != FT_OK)
            return rc == FT_ERR_NOTFOUND ? FT_ERR_CORRUPT : rc;
        n_out = rec.n_out;
        ft_query_txrec_release(&rec);
        *has_dup = 1;
    } else {
        return FT_OK;
    }
    for (uint64_t v = 0; v < n_out && v < COINBASE_MARKER; v++) {
        utxo_entry *e = utxo_find(&lg->utxo, txid, (uint32_t)v);
        if (e)
            utxo_remove_at(&lg->utxo, e);
    }
    char hex[65];
    ft_hex_encode_rev(hex, txid, 32);
    ft_log(FT_LOG_INFO, "duplicate coinbase txid %s (BIP 30): it now names tx %llu, not %llu", hex,
           (unsigned long long)lg->cur.next_tx, (unsigned long long)*dup_of);
    return FT_OK;
}

static ft_status append_tx(ft_ledger *lg, const ft_utxo_block *b, const ft_utxo_tx *tx, ft_err *err)
{
    ft_status rc;
    if ((tx->n_in && !tx->in && !tx->coinbase) || (tx->n_out && !tx->out))
        return ft_err_set(err, FT_ERR_ARG, "tx with counts but no arrays");
    if (!tx->coinbase && tx->n_in == 0)
        return ft_err_set(err, FT_ERR_ARG, "tx without inputs");
    uint64_t tx_id = lg->cur.next_tx;
    uint64_t first_out = lg->cur.next_out;
    if (first_out > UINT64_MAX - tx->n_out)
        return ft_err_set(err, FT_ERR_LIMIT, "output ids exhausted");
    int has_dup = 0;
    uint64_t dup_of = 0;
    if (tx->coinbase) {
        rc = coinbase_dup(lg, tx->txid, &has_dup, &dup_of, err);
        if (rc != FT_OK)
            return rc;
    }
    ft_buf *v = &lg->val;
    ft_buf_reset(v);
    ft_buf_u8(v, 1);
    ft_buf_append(v, tx->txid, 32);
    ft_buf_compact(v, b->height);
    ft_buf_compact(v, (uint64_t)b->time);
    ft_buf_u8(v, (uint8_t)((tx->coinbase ? 1 : 0) | (has_dup ? 2 : 0)));
    if (has_dup)
        ft_buf_compact(v, dup_of);
    ft_buf_compact(v, first_out);
    ft_buf_compact(v, tx->n_in);
    ft_buf_compact(v, tx->n_out);

    ft_u128 in_sum = 0, out_sum = 0;
    uint32_t n_unresolved = 0;
    uint8_t k[FT_QUERY_KEY_MAX];
    size_t kl;
    if (!tx->coinbase) {
        for (uint32_t i = 0; i < tx->n_in; i++) {
            const ft_utxo_in *in = &tx->in[i];
            resolved res;
            rc = spend_output(lg, in->prev_txid, in->prev_vout, &res, err);
            if (rc != FT_OK) {
                char hex[65];
                ft_hex_encode_rev(hex, tx->txid, 32);
                ft_err_prefix(err, "tx %s input %u in block %u", hex, i, b->height);
                return rc;
            }
            if (res.unresolved) {
                /* no spend record, no history row; the txid stands in for value and address */
                ft_buf_compact(v, 0);
                ft_buf_compact(v, in->prev_vout);
                ft_buf_compact(v, FT_QUERY_OUT_UNRESOLVED);
                ft_buf_append(v, in->prev_txid, 32);
                n_unresolved++;
                continue;
            }
            kl = ft_query_key_spend(k, lg->chain, res.out_id);
            uint8_t sv[1 + 9 + 9];
            sv[0] = 1;
            size_t sn = 1 + ft_put_compact(sv + 1, tx_id);
            sn += ft_put_compact(sv + sn, i);
            ft_store_batch_put(lg->batch, k, kl, sv, sn);
            if (res.addr_id)
                put_hist(lg, res.addr_id, tx_id, FT_HIST_SENT, i, res.value);
            ft_buf_compact(v, res.tx_id);
            ft_buf_compact(v, in->prev_vout);
            ft_buf_compact(v, res.out_id);
            ft_buf_compact(v, res.value);
            ft_buf_compact(v, res.addr_id);
            in_sum += res.value;
        }
    }
    for (uint32_t o = 0; o < tx->n_out; o++) {
        const ft_utxo_out *out = &tx->out[o];
        uint64_t addr_id;
        rc = address_id(lg, &out->addr, &addr_id, err);
        if (rc != FT_OK)
            return rc;
        if (addr_id)
            put_hist(lg, addr_id, tx_id, FT_HIST_RECV, o, out->value);
        ft_buf_compact(v, out->value);
        ft_buf_compact(v, addr_id);
        ft_buf_u8(v, out->script_type);
        out_sum += out->value;
        /* An output without an address (OP_RETURN) can never be spent: keep it out of the
         * cache; should a block spend it anyway the store lookup still finds it. */
        if (out->addr.len == 0)
            continue;
        utxo_entry e;
        memcpy(e.txid, tx->txid, 32);
        e.vout = o;
        e.used = 1;
        e.out_id = first_out + o;
        e.tx_id = tx_id;
        e.value = out->value;
        e.addr_id = addr_id;
        if (!utxo_put(&lg->utxo, &e))
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory caching outputs");
    }
    if (!tx->coinbase && n_unresolved == 0 && in_sum < out_sum) {
        char hex[65];
        ft_hex_encode_rev(hex, tx->txid, 32);
        return ft_err_set(err, FT_ERR_STATE, "tx %s in block %u pays out more than it spends", hex,
                          b->height);
    }
    if (out_sum > UINT64_MAX) {
        char hex[65];
        ft_hex_encode_rev(hex, tx->txid, 32);
        return ft_err_set(err, FT_ERR_LIMIT, "tx %s in block %u: output total overflows", hex,
                          b->height);
    }
    if (tx->coinbase) {
        utxo_entry mk;
        memset(&mk, 0, sizeof mk);
        memcpy(mk.txid, tx->txid, 32);
        mk.vout = COINBASE_MARKER;
        mk.used = 1;
        mk.out_id = first_out;
        mk.tx_id = tx_id;
        mk.value = tx->n_out;
        if (!utxo_put(&lg->utxo, &mk))
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory caching outputs");
    }
    if (v->failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory encoding a tx record");
    kl = ft_query_key_tx(k, lg->chain, tx_id);
    ft_store_batch_put(lg->batch, k, kl, v->data, v->len);
    kl = ft_query_key_txid(k, lg->chain, tx->txid);
    put_ver_compact(lg, k, kl, tx_id);
    lg->cur.next_tx++;
    lg->cur.next_out += tx->n_out;
    return FT_OK;
}

static ft_status append_block(ft_ledger *lg, const ft_utxo_block *b, ft_err *err)
{
    char hex[65], hex2[65];
    if (!b || (b->n_tx && !b->txs))
        return ft_err_set(err, FT_ERR_ARG, "ledger append without a block");
    if (b->n_tx == 0 || !b->txs[0].coinbase) {
        ft_hex_encode_rev(hex, b->hash, 32);
        return ft_err_set(err, FT_ERR_ARG, "block %s has no coinbase tx", hex);
    }
    if (b->time < 0)
        return ft_err_set(err, FT_ERR_ARG, "block at height %u has a negative time", b->height);
    if (lg->cur.has_tip) {
        if (lg->cur.tip_height == UINT32_MAX || b->height != lg->cur.tip_height + 1)
            return ft_err_set(err, FT_ERR_STATE,
                              "block at height %u does not follow the index tip at height %u",
                              b->height, lg->cur.tip_height);
        if (memcmp(b->prev, lg->cur.tip_hash, 32) != 0) {
            ft_hex_encode_rev(hex, b->prev, 32);
            ft_hex_encode_rev(hex2, lg->cur.tip_hash, 32);
            return ft_err_set(err, FT_ERR_STATE,
                              "block at height %u has parent %s but the index tip is %s", b->height,
                              hex, hex2);
        }
    }
    /* The first block of an empty index fixes first_height: > 0 makes a partial index, whose
     * inputs spending txs it never saw are unresolved (this block's included). */
    if (!lg->cur.has_tip)
        lg->cur.first_height = b->height;
    if (lg->n_staged == lg->cap_staged) {
        size_t nc = lg->cap_staged ? lg->cap_staged * 2 : 64;
        uint8_t(*ns)[32] = realloc(lg->staged, nc * 32);
        if (!ns)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory staging a block");
        lg->staged = ns;
        lg->cap_staged = nc;
    }
    ft_buf *v = &lg->val;
    ft_buf_reset(v);
    ft_buf_u8(v, 1);
    ft_buf_append(v, b->hash, 32);
    ft_buf_append(v, b->prev, 32);
    ft_buf_compact(v, (uint64_t)b->time);
    ft_buf_compact(v, lg->cur.next_tx);
    ft_buf_compact(v, b->n_tx);
    ft_buf_compact(v, lg->cur.next_out);
    ft_buf_compact(v, lg->cur.next_addr);
    if (v->failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory encoding a block record");
    uint8_t k[34];
    size_t kl = ft_query_key_block(k, lg->chain, b->height);
    ft_store_batch_put(lg->batch, k, kl, v->data, v->len);
    kl = ft_query_key_block_hash(k, lg->chain, b->hash);
    put_ver_compact(lg, k, kl, b->height);

    for (uint32_t i = 0; i < b->n_tx && i < PREFETCH_AHEAD; i++)
        prefetch_tx(&lg->utxo, &lg->addrs, &b->txs[i]);
    for (uint32_t i = 0; i < b->n_tx; i++) {
        const ft_utxo_tx *tx = &b->txs[i];
        if (i + PREFETCH_AHEAD < b->n_tx)
            prefetch_tx(&lg->utxo, &lg->addrs, &b->txs[i + PREFETCH_AHEAD]);
        if (tx->coinbase && i != 0) {
            ft_hex_encode_rev(hex, b->hash, 32);
            return ft_err_set(err, FT_ERR_ARG, "block %s has a coinbase at position %u", hex, i);
        }
        ft_status rc = append_tx(lg, b, tx, err);
        if (rc != FT_OK)
            return rc;
    }
    memcpy(lg->staged[lg->n_staged++], b->hash, 32);
    lg->cur.has_tip = 1;
    lg->cur.tip_height = b->height;
    memcpy(lg->cur.tip_hash, b->hash, 32);
    return FT_OK;
}

ft_status ft_ledger_append(ft_ledger *lg, const ft_utxo_block *b, ft_err *err)
{
    ft_status rc = append_block(lg, b, err);
    if (rc != FT_OK)
        ft_ledger_abort(lg);
    return rc;
}

/* ---- commit ------------------------------------------------------------------------------ */

static void put_checkpoint(ft_ledger *lg, const ledger_state *s)
{
    ft_buf *v = &lg->val;
    size_t nlen = strlen(lg->network);
    ft_buf_reset(v);
    ft_buf_u8(v, 1);
    ft_buf_u8(v, (uint8_t)nlen);
    ft_buf_append(v, lg->network, nlen);
    ft_buf_u8(v, s->has_tip ? 1 : 0);
    ft_buf_u32be(v, s->tip_height);
    ft_buf_append(v, s->tip_hash, 32);
    ft_buf_compact(v, s->next_tx);
    ft_buf_compact(v, s->next_out);
    ft_buf_compact(v, s->next_addr);
    if (s->first_height > 0) /* a partial index only: a full index's record is unchanged */
        ft_buf_compact(v, s->first_height);
    uint8_t k[2];
    size_t kl = ft_query_key_chain(k, lg->chain);
    ft_store_batch_put(lg->batch, k, kl, v->data, v->len);
}

static size_t cache_bytes(const ft_ledger *lg)
{
    return lg->utxo.cap * sizeof(utxo_entry) + lg->addrs.cap * sizeof(addr_entry);
}

/* Keeps the utxo entries whose out id is >= threshold (the newer outputs). */
static int utxo_keep_from(utxo_map *m, uint64_t threshold)
{
    size_t keep = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].used && m->e[i].out_id >= threshold)
            keep++;
    utxo_map nm = {NULL, 0, 0};
    nm.cap = cap_for(keep);
    nm.e = table_alloc(nm.cap, sizeof *nm.e);
    if (!nm.e)
        return 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].used && m->e[i].out_id >= threshold)
            utxo_insert_raw(&nm, &m->e[i]);
    table_free(m->e, m->cap, sizeof *m->e);
    *m = nm;
    return 1;
}

static int addr_keep_from(addr_map *m, uint64_t threshold)
{
    size_t keep = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].used && m->e[i].id >= threshold)
            keep++;
    addr_map nm = {NULL, 0, 0};
    nm.cap = cap_for(keep);
    nm.e = table_alloc(nm.cap, sizeof *nm.e);
    if (!nm.e)
        return 0;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->e[i].used || m->e[i].id < threshold)
            continue;
        ft_addr_key k;
        k.len = m->e[i].len;
        memcpy(k.bytes, m->e[i].bytes, k.len);
        addr_insert_raw(&nm, &k, m->e[i].id);
    }
    table_free(m->e, m->cap, sizeof *m->e);
    *m = nm;
    return 1;
}

/* Bounds of the ids in a map, for choosing what to evict. */
static void utxo_id_range(const utxo_map *m, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].used) {
            if (m->e[i].out_id < *lo)
                *lo = m->e[i].out_id;
            if (m->e[i].out_id > *hi)
                *hi = m->e[i].out_id;
        }
}

static void addr_id_range(const addr_map *m, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].used) {
            if (m->e[i].id < *lo)
                *lo = m->e[i].id;
            if (m->e[i].id > *hi)
                *hi = m->e[i].id;
        }
}

/* After a commit: drop the older half of each cache (by id) until both fit the budget. Only
 * entries of committed data may go: ids below the committed next ids (what is staged, with
 * higher ids, is not in the store yet). */
static void caches_trim(ft_ledger *lg)
{
    uint64_t out_cap = lg->committed.next_out, addr_cap = lg->committed.next_addr;
    int tiny = lg->cache_limit < 2 * MAP_MIN_CAP * sizeof(addr_entry);
    for (int round = 0; round < 16 && cache_bytes(lg) > lg->cache_limit; round++) {
        uint64_t lo, hi, cut;
        int last = tiny || round >= 8; /* then drop every committed entry */
        if (lg->utxo.count) {
            utxo_id_range(&lg->utxo, &lo, &hi);
            cut = last ? out_cap : lo + (hi - lo) / 2 + 1;
            if (cut > out_cap)
                cut = out_cap;
            if (cut > lo && utxo_keep_from(&lg->utxo, cut))
                lg->utxo_complete = 0;
        }
        if (lg->addrs.count && (last || lg->addrs.cap * sizeof(addr_entry) > lg->cache_limit / 4)) {
            addr_id_range(&lg->addrs, &lo, &hi);
            cut = last ? addr_cap : lo + (hi - lo) / 2 + 1;
            if (cut > addr_cap)
                cut = addr_cap;
            if (cut > lo && addr_keep_from(&lg->addrs, cut))
                lg->addr_complete = 0;
        }
        if (last)
            break;
    }
}

static double thread_cpu_sec(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A commit's thread: prepare the batch (overlaps the write of the commit before), wait until
 * every earlier commit is written, then write it unless one of them failed. */
static void *commit_thread(void *arg)
{
    commit_slot *s = arg;
    ft_ledger *lg = s->lg;
    double c = thread_cpu_sec();
    s->rc = ft_store_batch_prepare(lg->st, s->batch, &s->err);
    double c2 = thread_cpu_sec();
    s->prep_cpu = c2 - c;
    pthread_mutex_lock(&lg->mu);
    while (lg->written + 1 < s->seq)
        pthread_cond_wait(&lg->cv, &lg->mu);
    int skip = lg->pipe_failed;
    pthread_mutex_unlock(&lg->mu);
    if (s->rc == FT_OK && skip)
        s->rc = ft_err_set(&s->err, FT_ERR_STATE, "not written: an earlier commit failed");
    if (s->rc == FT_OK)
        s->rc = ft_store_batch_write(lg->st, s->batch, 1, &s->err);
    s->write_cpu = thread_cpu_sec() - c2;
    pthread_mutex_lock(&lg->mu);
    lg->written = s->seq;
    if (s->rc != FT_OK)
        lg->pipe_failed = 1;
    pthread_cond_broadcast(&lg->cv);
    pthread_mutex_unlock(&lg->mu);
    return NULL;
}

/* Drops everything after the committed state: staged blocks, commits in flight (waited for;
 * none of them is written after a failure) and the caches. */
static void drop_uncommitted(ft_ledger *lg)
{
    for (; lg->n_inflight; lg->n_inflight--) {
        commit_slot *s = &lg->slot[lg->first_slot];
        if (s->threaded)
            pthread_join(s->thread, NULL);
        s->threaded = 0;
        ft_store_batch_clear(s->batch);
        utxo_reset(&s->spent);
        lg->first_slot = (lg->first_slot + 1) % FT_LEDGER_INFLIGHT;
    }
    ft_store_batch_clear(lg->batch);
    lg->cur = lg->committed;
    lg->n_staged = 0;
    lg->pipe_failed = 0;
    caches_drop(lg);
}

/* Waits for the oldest commit in flight. On success its blocks become the committed state;
 * on failure everything after the committed state (in flight and staged) is dropped. */
static ft_status retire_oldest(ft_ledger *lg, ft_err *err)
{
    commit_slot *s = &lg->slot[lg->first_slot];
    if (s->threaded)
        pthread_join(s->thread, NULL);
    s->threaded = 0;
    lg->prep_cpu += s->prep_cpu;
    lg->write_cpu += s->write_cpu;
    lg->n_commits++;
    ft_store_batch_clear(s->batch);
    utxo_reset(&s->spent);
    if (s->rc != FT_OK) {
        if (err)
            *err = s->err;
        ft_status rc = s->rc;
        lg->first_slot = (lg->first_slot + 1) % FT_LEDGER_INFLIGHT;
        lg->n_inflight--;
        drop_uncommitted(lg);
        return rc;
    }
    lg->committed = s->state;
    memmove(lg->staged, lg->staged + s->n_blocks, (lg->n_staged - s->n_blocks) * 32);
    lg->n_staged -= s->n_blocks;
    lg->first_slot = (lg->first_slot + 1) % FT_LEDGER_INFLIGHT;
    lg->n_inflight--;
    caches_trim(lg);
    return FT_OK;
}

/* Waits for every commit in flight. */
static ft_status ledger_wait(ft_ledger *lg, ft_err *err)
{
    while (lg->n_inflight) {
        ft_status rc = retire_oldest(lg, err);
        if (rc != FT_OK)
            return rc;
    }
    return FT_OK;
}

ft_status ft_ledger_flush(ft_ledger *lg, ft_err *err)
{
    return ledger_wait(lg, err);
}

ft_status ft_ledger_commit_async(ft_ledger *lg, ft_err *err)
{
    while (lg->n_inflight >= FT_LEDGER_INFLIGHT) {
        ft_status rc = retire_oldest(lg, err);
        if (rc != FT_OK)
            return rc;
    }
    size_t in_flight_blocks = 0;
    for (size_t i = 0; i < lg->n_inflight; i++)
        in_flight_blocks += lg->slot[(lg->first_slot + i) % FT_LEDGER_INFLIGHT].n_blocks;
    if (lg->n_staged == in_flight_blocks)
        return FT_OK; /* nothing staged since */
    put_checkpoint(lg, &lg->cur);
    if (lg->val.failed) {
        ft_ledger_abort(lg);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory writing the checkpoint");
    }
    /* hand the batch and its spent set to a commit thread; stage into the slot's empty pair */
    commit_slot *s = &lg->slot[(lg->first_slot + lg->n_inflight) % FT_LEDGER_INFLIGHT];
    ft_store_batch *b = s->batch;
    s->batch = lg->batch;
    lg->batch = b;
    utxo_map sp = s->spent;
    s->spent = lg->spent;
    lg->spent = sp;
    s->state = lg->cur;
    s->n_blocks = lg->n_staged - in_flight_blocks;
    s->seq = ++lg->issued;
    s->rc = FT_OK;
    s->prep_cpu = s->write_cpu = 0;
    ft_err_clear(&s->err);
    lg->n_inflight++;
    if (pthread_create(&s->thread, NULL, commit_thread, s) == 0)
        s->threaded = 1;
    else
        commit_thread(s); /* no thread to be had: prepare and write it here */
    return FT_OK;
}

ft_status ft_ledger_commit(ft_ledger *lg, ft_err *err)
{
    ft_status rc = ft_ledger_commit_async(lg, err);
    if (rc != FT_OK)
        return rc;
    return ledger_wait(lg, err);
}

/* ---- rollback ---------------------------------------------------------------------------- */

static void del_key(ft_ledger *lg, const uint8_t *k, size_t kl)
{
    ft_store_batch_delete(lg->batch, k, kl);
}

static ft_status rollback_tx(ft_ledger *lg, uint64_t tx_id, ft_err *err)
{
    ft_query_txrec rec;
    ft_status rc = ft_query_txrec_get(lg->st, lg->chain, tx_id, &rec, err);
    if (rc != FT_OK)
        return rc == FT_ERR_NOTFOUND ? FT_ERR_CORRUPT : rc;
    uint8_t k[FT_QUERY_KEY_MAX];
    size_t kl;
    for (uint32_t i = 0; i < rec.n_in && !rec.coinbase; i++) {
        const ft_query_txrec_in *in = &rec.in[i];
        if (in->out_id == FT_QUERY_OUT_UNRESOLVED)
            continue; /* partial index: nothing was written for it */
        kl = ft_query_key_spend(k, lg->chain, in->out_id);
        del_key(lg, k, kl);
        if (in->addr_id) {
            kl = ft_query_key_hist(k, lg->chain, in->addr_id, tx_id, FT_HIST_SENT, i);
            del_key(lg, k, kl);
        }
    }
    for (uint32_t o = 0; o < rec.n_out; o++) {
        if (rec.out[o].addr_id) {
            kl = ft_query_key_hist(k, lg->chain, rec.out[o].addr_id, tx_id, FT_HIST_RECV, o);
            del_key(lg, k, kl);
        }
    }
    kl = ft_query_key_tx(k, lg->chain, tx_id);
    del_key(lg, k, kl);
    kl = ft_query_key_txid(k, lg->chain, rec.txid);
    if (rec.has_dup)
        put_ver_compact(lg, k, kl, rec.dup_of); /* the earlier tx owns the txid again */
    else
        del_key(lg, k, kl);
    ft_query_txrec_release(&rec);
    return FT_OK;
}

ft_status ft_ledger_rollback(ft_ledger *lg, uint32_t height, ft_err *err)
{
    ft_status wrc = ledger_wait(lg, err);
    if (wrc != FT_OK)
        return wrc;
    if (lg->n_staged)
        return ft_err_set(err, FT_ERR_STATE, "cannot roll back with blocks staged");
    if (!lg->cur.has_tip)
        return ft_err_set(err, FT_ERR_STATE, "cannot roll back an empty index");
    if (height > lg->cur.tip_height)
        return ft_err_set(err, FT_ERR_ARG, "cannot roll back to height %u above the tip %u", height,
                          lg->cur.tip_height);
    if (height == lg->cur.tip_height)
        return FT_OK;
    if (height < lg->cur.first_height)
        return ft_err_set(err, FT_ERR_STATE,
                          "cannot roll back to height %u: the index starts at block %u", height,
                          lg->cur.first_height);
    ft_query_blockrec keep, first_gone;
    ft_status rc = ft_query_block_get(lg->st, lg->chain, height, &keep, err);
    if (rc == FT_OK)
        rc = ft_query_block_get(lg->st, lg->chain, height + 1, &first_gone, err);
    if (rc != FT_OK)
        return rc == FT_ERR_NOTFOUND ? FT_ERR_CORRUPT : rc;

    ft_store_batch_clear(lg->batch);
    uint8_t k[40];
    size_t kl;
    for (uint32_t h = lg->cur.tip_height; h > height; h--) {
        ft_query_blockrec br;
        rc = ft_query_block_get(lg->st, lg->chain, h, &br, err);
        if (rc != FT_OK)
            goto fail;
        for (uint32_t i = br.n_tx; i-- > 0;) {
            rc = rollback_tx(lg, br.first_tx + i, err);
            if (rc != FT_OK)
                goto fail;
        }
        kl = ft_query_key_block(k, lg->chain, h);
        del_key(lg, k, kl);
        kl = ft_query_key_block_hash(k, lg->chain, br.hash);
        del_key(lg, k, kl);
    }
    /* Addresses first seen above the fork: ids from first_gone.next_addr on. */
    uint8_t prefix[2] = {FT_KEY_ADDR_ID, lg->chain};
    uint8_t start[10];
    ft_query_key_addr_id(start, lg->chain, first_gone.next_addr);
    ft_store_iter *it = ft_store_iter_new_from(lg->st, prefix, sizeof prefix, start, sizeof start);
    const uint8_t *ik, *iv;
    size_t ikl, ivl;
    while (ft_store_iter_next(it, &ik, &ikl, &iv, &ivl)) {
        if (ivl < 2 || ivl - 1 > FT_ADDR_KEY_MAX || iv[0] != 1) {
            ft_store_iter_free(it);
            rc = ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt address record",
                            ft_store_path(lg->st));
            goto fail;
        }
        ft_addr_key ak;
        ak.len = (uint8_t)(ivl - 1);
        memcpy(ak.bytes, iv + 1, ak.len);
        uint8_t ak_key[FT_QUERY_KEY_MAX];
        del_key(lg, ak_key, ft_query_key_addr(ak_key, lg->chain, &ak));
        del_key(lg, ik, ikl);
    }
    rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (rc != FT_OK)
        goto fail;

    ledger_state ns;
    ns.has_tip = 1;
    ns.tip_height = height;
    memcpy(ns.tip_hash, keep.hash, 32);
    ns.next_tx = first_gone.first_tx;
    ns.next_out = first_gone.next_out;
    ns.next_addr = first_gone.next_addr;
    ns.first_height = lg->cur.first_height;
    put_checkpoint(lg, &ns);
    if (lg->val.failed) {
        rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory writing the checkpoint");
        goto fail;
    }
    rc = ft_store_batch_commit(lg->st, lg->batch, 1, err);
    if (rc != FT_OK)
        goto fail;
    ft_store_batch_clear(lg->batch);
    ft_log(FT_LOG_INFO, "rolled back %u blocks to height %u", lg->cur.tip_height - height, height);
    lg->committed = lg->cur = ns;
    caches_drop(lg);
    return FT_OK;
fail:
    ft_store_batch_clear(lg->batch);
    if (rc == FT_ERR_NOTFOUND) {
        rc = FT_ERR_CORRUPT;
        if (err)
            err->code = rc;
    }
    ft_err_prefix(err, "cannot roll back to height %u", height);
    return rc;
}
