/*
 * store.h — the durable index: one LevelDB directory, typed keys, atomic batches.
 *
 * Every key starts with a record-type byte and a chain byte; integers in keys are big-endian
 * so that a prefix scan returns records in id order; every value starts with a version byte.
 * docs/store-format.md is the grammar of every key and value (engine/keys.h names the bytes).
 * The schema version lives under the meta key and is checked on open: an index written by
 * another schema is refused (FT_ERR_CORRUPT), never misread.
 *
 * Writes happen only through batches (ft_store_batch_*): one ingest step is one LevelDB
 * WriteBatch that also moves that chain's checkpoint, so a process killed at any moment leaves
 * the index at the previous checkpoint or the next one, never between.
 *
 * LevelDB allows one process per directory; a second opener gets a clear FT_ERR_IO
 * ("... LOCK held by another process").
 */
#ifndef FT_STORE_H
#define FT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

typedef struct ft_store ft_store;
typedef struct ft_store_batch ft_store_batch;
typedef struct ft_store_iter ft_store_iter;

#define FT_STORE_SCHEMA_VERSION 1

typedef enum ft_store_mode {
    FT_STORE_READ = 0,   /* must exist */
    FT_STORE_WRITE = 1,  /* created if missing */
} ft_store_mode;

/* Opens (or with FT_STORE_WRITE creates) the index at dir. */
ft_status ft_store_open(ft_store **out, const char *dir, ft_store_mode mode,
                        ft_err *err) FT_WARN_UNUSED;
void ft_store_close(ft_store *st);
const char *ft_store_path(const ft_store *st);

/* Looks up key. On FT_OK *val is a malloc()ed copy the caller frees; FT_ERR_NOTFOUND when
 * absent (no error text set), FT_ERR_IO on a LevelDB error. */
ft_status ft_store_get(ft_store *st, const void *key, size_t klen, uint8_t **val, size_t *vlen,
                       ft_err *err) FT_WARN_UNUSED;

/* Batches: collect puts and deletes, then commit atomically (sync: fsync the log first). */
ft_store_batch *ft_store_batch_new(void);
void ft_store_batch_put(ft_store_batch *b, const void *key, size_t klen, const void *val,
                        size_t vlen);
void ft_store_batch_delete(ft_store_batch *b, const void *key, size_t klen);
size_t ft_store_batch_size(const ft_store_batch *b); /* approximate bytes */
void ft_store_batch_clear(ft_store_batch *b);
void ft_store_batch_free(ft_store_batch *b);
ft_status ft_store_batch_commit(ft_store *st, ft_store_batch *b, int sync,
                                ft_err *err) FT_WARN_UNUSED;
/* The two halves of a commit, for writers that pipeline them (engine/ledger.c): prepare sorts
 * the batch and copies it into LevelDB's WriteBatch (CPU only; may run on another thread than
 * the writes, one thread per batch); write hands a prepared batch to LevelDB (prepares it
 * first if needed). Adding to a batch un-prepares it; commit is prepare + write. */
ft_status ft_store_batch_prepare(ft_store *st, ft_store_batch *b, ft_err *err) FT_WARN_UNUSED;
ft_status ft_store_batch_write(ft_store *st, ft_store_batch *b, int sync,
                               ft_err *err) FT_WARN_UNUSED;

/* Iterates the keys that start with prefix, in key order. ft_store_iter_next returns 1 while
 * a record is available; key/value pointers are valid until the next call. */
ft_store_iter *ft_store_iter_new(ft_store *st, const void *prefix, size_t plen);
/* Starts at the first key >= start (that still has the prefix). */
ft_store_iter *ft_store_iter_new_from(ft_store *st, const void *prefix, size_t plen,
                                      const void *start, size_t slen);
int ft_store_iter_next(ft_store_iter *it, const uint8_t **key, size_t *klen, const uint8_t **val,
                       size_t *vlen);
/* FT_OK, or FT_ERR_IO with err set if the iteration stopped on a LevelDB error. */
ft_status ft_store_iter_status(ft_store_iter *it, ft_err *err) FT_WARN_UNUSED;
void ft_store_iter_free(ft_store_iter *it);

/* SHA-256 over every key and value in order (length-prefixed): the content digest that tests
 * compare before and after a failed or killed ingest. */
ft_status ft_store_digest(ft_store *st, uint8_t out[32], ft_err *err) FT_WARN_UNUSED;

/* Compacts the keys in [start, limit) (NULL/0 for the first or last key) down the LevelDB
 * levels, after flushing what is still in memory. A writer that leaves large level-0 files
 * behind makes every later short-lived reader consult and open all of them (a single
 * `fundtrace address` then costs about twice the CPU; docs/performance.md, "address"): big
 * writers call this on the range they wrote before closing. Blocks until done. */
ft_status ft_store_compact(ft_store *st, const void *start, size_t slen, const void *limit,
                           size_t llen, ft_err *err) FT_WARN_UNUSED;

/* ---- leaving the index quick to open for the next process --------------------------------- */

/* What ft_store_settle saw when it returned. */
typedef struct ft_store_shape {
    int files[7];          /* table files per level (LevelDB has 7) */
    double mb[7];          /* their size in MB (LevelDB's "leveldb.stats", whole MB) */
    int settled;           /* 1: LevelDB's background compaction has nothing left to do */
    double flush_seconds;  /* time to write the memtable out */
    double wait_seconds;   /* time then spent waiting for the background compaction */
} ft_store_shape;

/* Writes what is still in memory (the memtable) to a table file, so that the next opener
 * has no log to replay (the first `address` after a 1M-tx `index` spent 3.9 s replaying it).
 * LevelDB's C API has no flush call: CompactRange always compacts the memtable first
 * (db_impl.cc, DBImpl::CompactRange), so this compacts the range [ff ff, ff ff], which no
 * record type uses. Blocks until written. */
ft_status ft_store_flush(ft_store *st, ft_err *err) FT_WARN_UNUSED;

/* ft_store_flush, then waits (at most max_ms milliseconds) until LevelDB's own background
 * compaction has nothing left to do: fewer than 4 level-0 files (its trigger) and no level
 * over its size budget (10 MB for level 1, 10x more per level). Otherwise every later
 * short-lived process restarts that compaction when it opens the store and abandons it at
 * exit, and searches every level-0 file for each key (docs/performance.md, "address"). A
 * writer calls it after its last batch, before ft_store_close. shape (may be NULL) gets the
 * levels as left. FT_OK even when max_ms ran out (shape->settled says so). */
ft_status ft_store_settle(ft_store *st, unsigned max_ms, ft_store_shape *shape,
                          ft_err *err) FT_WARN_UNUSED;

/* The levels as they are now (files, MB, settled; the two times 0), for benchmarks and
 * diagnostics. FT_ERR_IO when LevelDB does not report them. */
ft_status ft_store_levels(ft_store *st, ft_store_shape *shape, ft_err *err) FT_WARN_UNUSED;

#endif
