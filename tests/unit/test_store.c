/*
 * test_store.c — engine/store.c on a real LevelDB in a scratch directory: create and reopen,
 * the schema check (another schema, a foreign LevelDB, a missing index), the LOCK message for
 * a second opener, batch atomicity, prefix iterators, the content digest, and that a
 * read-only open writes nothing (engine/store_options.cc).
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <leveldb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/keys.h"
#include "engine/store.h"
#include "tests/unit/ft_test.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh scratch directory (removed by rm_tree); returns a static path of the index in it. */
static char scratch[256];
static const char *scratch_db(void)
{
    ft_test_tmpl(scratch, sizeof scratch, "ft_test_store");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        exit(1);
    }
    static char db[300];
    snprintf(db, sizeof db, "%s/db", scratch);
    return db;
}

static void put1(ft_store *st, const char *k, const char *v)
{
    ft_store_batch *b = ft_store_batch_new();
    ft_store_batch_put(b, k, strlen(k), v, strlen(v));
    ft_err err;
    CHECK(ft_store_batch_commit(st, b, 0, &err) == FT_OK);
    ft_store_batch_free(b);
}

static int has_value(ft_store *st, const char *k, const char *want)
{
    uint8_t *v = NULL;
    size_t vl = 0;
    ft_err err;
    ft_status rc = ft_store_get(st, k, strlen(k), &v, &vl, &err);
    int ok = rc == FT_OK && want && vl == strlen(want) && memcmp(v, want, vl) == 0;
    if (rc == FT_ERR_NOTFOUND && !want)
        ok = 1;
    free(v);
    return ok;
}

static void test_open_create_reopen(void)
{
    const char *db = scratch_db();
    ft_store *st = NULL;
    ft_err err;
    /* reading a missing index is an error that says what to do */
    CHECK(ft_store_open(&st, db, FT_STORE_READ, &err) == FT_ERR_IO && st == NULL);
    CHECK(strstr(err.msg, "no index there") != NULL);
    CHECK(strstr(err.msg, db) != NULL);
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK && st != NULL);
    CHECK_STR(ft_store_path(st), db);
    put1(st, "\x10\x01key", "value");
    ft_store_close(st);
    CHECK(ft_store_open(&st, db, FT_STORE_READ, &err) == FT_OK);
    CHECK(has_value(st, "\x10\x01key", "value"));
    CHECK(has_value(st, "\x10\x01nokey", NULL));
    /* the schema record is there: 0x00 0x00 -> 1 ‖ "fundtrace" ‖ u32be 1 */
    uint8_t k[2] = {FT_KEY_SCHEMA, FT_CHAIN_NONE};
    uint8_t *v;
    size_t vl;
    CHECK(ft_store_get(st, k, 2, &v, &vl, &err) == FT_OK);
    CHECK(vl == 14 && v[0] == 1 && memcmp(v + 1, "fundtrace", 9) == 0 && v[13] == 1);
    free(v);
    ft_store_close(st);
    rm_tree(scratch);
}

static void test_second_opener_lock(void)
{
    const char *db = scratch_db();
    ft_store *a = NULL, *b = NULL;
    ft_err err;
    CHECK(ft_store_open(&a, db, FT_STORE_WRITE, &err) == FT_OK);
    CHECK(ft_store_open(&b, db, FT_STORE_READ, &err) == FT_ERR_IO && b == NULL);
    char want[400];
    snprintf(want, sizeof want, "cannot open index '%s': LOCK held by another process", db);
    CHECK_STR(err.msg, want);
    ft_store_close(a);
    CHECK(ft_store_open(&b, db, FT_STORE_READ, &err) == FT_OK);
    ft_store_close(b);
    /* a missing parent directory is not a lock held by someone */
    char deep[400];
    snprintf(deep, sizeof deep, "%s/no/such/dir/db", scratch);
    CHECK(ft_store_open(&b, deep, FT_STORE_WRITE, &err) == FT_ERR_IO && b == NULL);
    CHECK(strstr(err.msg, "LOCK held") == NULL);
    CHECK(strstr(err.msg, "No such file or directory") != NULL);
    rm_tree(scratch);
}

static void test_schema_refusal(void)
{
    const char *db = scratch_db();
    ft_store *st = NULL;
    ft_err err;
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK);
    /* pretend a future fundtrace wrote this index: schema 99 */
    uint8_t k[2] = {FT_KEY_SCHEMA, FT_CHAIN_NONE};
    uint8_t v[14] = {1, 'f', 'u', 'n', 'd', 't', 'r', 'a', 'c', 'e', 0, 0, 0, 99};
    ft_store_batch *b = ft_store_batch_new();
    ft_store_batch_put(b, k, 2, v, sizeof v);
    CHECK(ft_store_batch_commit(st, b, 1, &err) == FT_OK);
    ft_store_batch_free(b);
    ft_store_close(st);
    st = NULL;
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_ERR_CORRUPT && st == NULL);
    CHECK(strstr(err.msg, "schema version 99") != NULL);
    CHECK(strstr(err.msg, "rebuild the index") != NULL);
    CHECK(ft_store_open(&st, db, FT_STORE_READ, &err) == FT_ERR_CORRUPT);
    rm_tree(scratch);

    /* a LevelDB directory of somebody else: refused, not adopted */
    db = scratch_db();
    leveldb_options_t *o = leveldb_options_create();
    leveldb_options_set_create_if_missing(o, 1);
    char *lerr = NULL;
    leveldb_t *ldb = leveldb_open(o, db, &lerr);
    CHECK(ldb != NULL && lerr == NULL);
    leveldb_writeoptions_t *wo = leveldb_writeoptions_create();
    lerr = NULL;
    leveldb_put(ldb, wo, "foreign", 7, "x", 1, &lerr);
    CHECK(lerr == NULL);
    leveldb_writeoptions_destroy(wo);
    leveldb_close(ldb);
    leveldb_options_destroy(o);
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_ERR_CORRUPT);
    CHECK(strstr(err.msg, "not a fundtrace index") != NULL);
    rm_tree(scratch);

    /* a damaged schema record */
    db = scratch_db();
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK);
    b = ft_store_batch_new();
    ft_store_batch_put(b, k, 2, v, 5);
    CHECK(ft_store_batch_commit(st, b, 1, &err) == FT_OK);
    ft_store_batch_free(b);
    ft_store_close(st);
    CHECK(ft_store_open(&st, db, FT_STORE_READ, &err) == FT_ERR_CORRUPT);
    CHECK(strstr(err.msg, "damaged schema record") != NULL);
    rm_tree(scratch);
}

static void test_batch_atomicity(void)
{
    const char *db = scratch_db();
    ft_store *st = NULL;
    ft_err err;
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK);
    put1(st, "\x10\x01old", "1");
    ft_store_batch *b = ft_store_batch_new();
    CHECK(ft_store_batch_size(b) == 0);
    ft_store_batch_put(b,
                       "\x10\x01"
                       "a",
                       3, "A", 1);
    ft_store_batch_put(b,
                       "\x10\x01"
                       "b",
                       3, "B", 1);
    ft_store_batch_delete(b, "\x10\x01old", 5);
    CHECK(ft_store_batch_size(b) > 0);
    /* nothing is visible before the commit */
    CHECK(has_value(st,
                    "\x10\x01"
                    "a",
                    NULL));
    CHECK(has_value(st, "\x10\x01old", "1"));
    /* a cleared batch writes nothing */
    ft_store_batch_clear(b);
    CHECK(ft_store_batch_size(b) == 0);
    CHECK(ft_store_batch_commit(st, b, 1, &err) == FT_OK);
    CHECK(has_value(st,
                    "\x10\x01"
                    "a",
                    NULL));
    CHECK(has_value(st, "\x10\x01old", "1"));
    /* all of it at once, the later put of a key wins within a batch */
    ft_store_batch_put(b,
                       "\x10\x01"
                       "a",
                       3, "A", 1);
    ft_store_batch_put(b,
                       "\x10\x01"
                       "b",
                       3, "B", 1);
    ft_store_batch_put(b,
                       "\x10\x01"
                       "b",
                       3, "B2", 2);
    ft_store_batch_delete(b, "\x10\x01old", 5);
    CHECK(ft_store_batch_commit(st, b, 1, &err) == FT_OK);
    ft_store_batch_free(b);
    CHECK(has_value(st,
                    "\x10\x01"
                    "a",
                    "A"));
    CHECK(has_value(st,
                    "\x10\x01"
                    "b",
                    "B2"));
    CHECK(has_value(st, "\x10\x01old", NULL));
    ft_store_close(st);
    rm_tree(scratch);
}

/* Batches are handed to LevelDB sorted by key: the later of two operations on one key must
 * still win. 20000 random puts and deletes over 300 keys (many sharing their first 16 bytes,
 * lengths 1..40, so runs of equal prefixes are long) against a last-op-wins model. */
static void test_batch_order(void)
{
    const char *db = scratch_db();
    ft_store *st = NULL;
    ft_err err;
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK);
    enum { NK = 300, NOPS = 20000 };
    static uint8_t keys[NK][40];
    static size_t klen[NK];
    static int model[NK]; /* -1 absent, else the value number */
    uint64_t x = 88172645463325252ULL;
#define NEXT() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
    for (int i = 0; i < NK; i++) {
        klen[i] = 1 + NEXT() % 40;
        keys[i][0] = 0x30; /* a type of its own */
        for (size_t j = 1; j < klen[i]; j++)
            keys[i][j] = j < 18 ? (uint8_t)(i % 3) : (uint8_t)NEXT();
        model[i] = -1;
    }
    /* distinct keys only: drop duplicates generated by chance */
    for (int i = 0; i < NK; i++)
        for (int j = 0; j < i; j++)
            if (klen[i] == klen[j] && memcmp(keys[i], keys[j], klen[i]) == 0)
                klen[i] = 0;
    ft_store_batch *b = ft_store_batch_new();
    for (int n = 0; n < NOPS; n++) {
        int k = (int)(NEXT() % NK);
        if (!klen[k])
            continue;
        if (NEXT() % 4 == 0) {
            ft_store_batch_delete(b, keys[k], klen[k]);
            model[k] = -1;
        } else {
            char v[16];
            snprintf(v, sizeof v, "%d", n);
            ft_store_batch_put(b, keys[k], klen[k], v, strlen(v));
            model[k] = n;
        }
    }
    CHECK(ft_store_batch_commit(st, b, 1, &err) == FT_OK);
    ft_store_batch_free(b);
    int bad = 0;
    for (int i = 0; i < NK; i++) {
        if (!klen[i])
            continue;
        uint8_t *v = NULL;
        size_t vl = 0;
        ft_status rc = ft_store_get(st, keys[i], klen[i], &v, &vl, &err);
        char want[16];
        snprintf(want, sizeof want, "%d", model[i]);
        if (model[i] < 0 ? rc != FT_ERR_NOTFOUND
                         : rc != FT_OK || vl != strlen(want) || memcmp(v, want, vl) != 0)
            bad++;
        free(v);
    }
    CHECK(bad == 0);
#undef NEXT
    ft_store_close(st);
    rm_tree(scratch);
}

static void test_iterators(void)
{
    const char *db = scratch_db();
    ft_store *st = NULL;
    ft_err err;
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK);
    ft_store_batch *b = ft_store_batch_new();
    /* type 0x20 records with big-endian ids, inserted out of order, plus neighbours */
    uint32_t ids[] = {300, 2, 70000, 1, 256};
    for (size_t i = 0; i < 5; i++) {
        uint8_t k[6] = {0x20,
                        0x01,
                        (uint8_t)(ids[i] >> 24),
                        (uint8_t)(ids[i] >> 16),
                        (uint8_t)(ids[i] >> 8),
                        (uint8_t)ids[i]};
        ft_store_batch_put(b, k, 6, &ids[i], 4);
    }
    ft_store_batch_put(b, "\x20\x02", 2, "other chain", 11);
    ft_store_batch_put(b, "\x21", 1, "next type", 9);
    ft_store_batch_put(b, "\x1f\x01\xff", 3, "previous type", 13);
    CHECK(ft_store_batch_commit(st, b, 0, &err) == FT_OK);
    ft_store_batch_free(b);

    const uint32_t want[] = {1, 2, 256, 300, 70000};
    ft_store_iter *it = ft_store_iter_new(st, "\x20\x01", 2);
    const uint8_t *k, *v;
    size_t kl, vl;
    size_t n = 0;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        CHECK(kl == 6 && vl == 4);
        uint32_t id = (uint32_t)k[2] << 24 | (uint32_t)k[3] << 16 | (uint32_t)k[4] << 8 | k[5];
        uint32_t val;
        memcpy(&val, v, 4);
        CHECK(n < 5 && id == want[n] && val == id);
        n++;
    }
    CHECK(n == 5);
    CHECK(!ft_store_iter_next(it, &k, &kl, &v, &vl)); /* stays finished */
    CHECK(ft_store_iter_status(it, &err) == FT_OK);
    ft_store_iter_free(it);

    /* from a start key inside the prefix */
    uint8_t start[6] = {0x20, 0x01, 0, 0, 1, 0}; /* 256 */
    it = ft_store_iter_new_from(st, "\x20\x01", 2, start, 6);
    n = 0;
    while (ft_store_iter_next(it, &k, &kl, NULL, NULL))
        CHECK(n < 3 && k[5] == (uint8_t)want[2 + n++]);
    CHECK(n == 3);
    ft_store_iter_free(it);
    /* a start below the prefix starts at the prefix */
    it = ft_store_iter_new_from(st, "\x20\x01", 2, "\x05", 1);
    n = 0;
    while (ft_store_iter_next(it, NULL, NULL, NULL, NULL))
        n++;
    CHECK(n == 5);
    ft_store_iter_free(it);
    /* an empty prefix range */
    it = ft_store_iter_new(st, "\x20\x03", 2);
    CHECK(!ft_store_iter_next(it, &k, &kl, &v, &vl));
    ft_store_iter_free(it);
    /* a one-byte prefix covers every chain of the type and nothing of the next type */
    it = ft_store_iter_new(st, "\x20", 1);
    n = 0;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl))
        n++;
    CHECK(n == 6);
    ft_store_iter_free(it);
    ft_store_close(st);
    rm_tree(scratch);
}

static void test_digest(void)
{
    const char *db = scratch_db();
    ft_store *st = NULL;
    ft_err err;
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK);
    uint8_t d0[32], d1[32], d2[32], d3[32];
    CHECK(ft_store_digest(st, d0, &err) == FT_OK);
    put1(st,
         "\x10\x01"
         "a",
         "1");
    CHECK(ft_store_digest(st, d1, &err) == FT_OK);
    CHECK(memcmp(d0, d1, 32) != 0);
    /* stable across a reopen */
    ft_store_close(st);
    CHECK(ft_store_open(&st, db, FT_STORE_READ, &err) == FT_OK);
    CHECK(ft_store_digest(st, d2, &err) == FT_OK);
    CHECK(memcmp(d1, d2, 32) == 0);
    /* key/value boundaries count: "a"->"1b" differs from "a1"->"b" */
    ft_store_close(st);
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK);
    put1(st,
         "\x10\x01"
         "a",
         "1b");
    CHECK(ft_store_digest(st, d2, &err) == FT_OK);
    ft_store_batch *b = ft_store_batch_new();
    ft_store_batch_delete(b,
                          "\x10\x01"
                          "a",
                          3);
    ft_store_batch_put(b,
                       "\x10\x01"
                       "a1",
                       4, "b", 1);
    CHECK(ft_store_batch_commit(st, b, 1, &err) == FT_OK);
    CHECK(ft_store_digest(st, d3, &err) == FT_OK);
    CHECK(memcmp(d2, d3, 32) != 0);
    /* undoing a change restores the digest */
    ft_store_batch_clear(b);
    ft_store_batch_delete(b,
                          "\x10\x01"
                          "a1",
                          4);
    ft_store_batch_put(b,
                       "\x10\x01"
                       "a",
                       3, "1", 1);
    CHECK(ft_store_batch_commit(st, b, 1, &err) == FT_OK);
    ft_store_batch_free(b);
    CHECK(ft_store_digest(st, d3, &err) == FT_OK);
    CHECK(memcmp(d1, d3, 32) == 0);
    ft_store_close(st);
    rm_tree(scratch);
}

/* "name size mtime" of every file of dir, sorted, into out (one line each). */
static int entry_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void dir_listing(const char *dir, char *out, size_t cap)
{
    char lines[64][300];
    size_t n = 0;
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        CHECK(stat(path, &sb) == 0);
        snprintf(lines[n++], sizeof lines[0], "%s %lld %lld.%09ld", e->d_name,
                 (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
    }
    closedir(d);
    qsort(lines, n, sizeof lines[0], entry_cmp);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s\n", lines[i]);
}

/* A read-only open leaves the directory as it was (no new MANIFEST or log, CURRENT and LOG
 * untouched), also when the writer left records in its log (no flush by the reader), and
 * still reads everything; a writer afterwards works as before. */
static void test_read_open_writes_nothing(void)
{
    const char *db = scratch_db();
    ft_store *st = NULL;
    ft_err err;
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK);
    put1(st, "\x10\x01" "flushed", "1");
    CHECK(ft_store_flush(st, &err) == FT_OK);
    put1(st, "\x10\x01in-log", "2"); /* only in the log and memtable at close */
    ft_store_close(st);
    static char before[8192], after[8192];
    dir_listing(db, before, sizeof before);
    CHECK(strstr(before, "MANIFEST-") != NULL && strstr(before, ".log ") != NULL);
    for (int round = 0; round < 3; round++) {
        CHECK(ft_store_open(&st, db, FT_STORE_READ, &err) == FT_OK);
        CHECK(has_value(st, "\x10\x01" "flushed", "1"));
        CHECK(has_value(st, "\x10\x01in-log", "2"));
        CHECK(has_value(st, "\x10\x01" "absent", NULL));
        ft_store_close(st);
        dir_listing(db, after, sizeof after);
        CHECK_STR(after, before);
    }
    /* a writer opens, sees both keys, writes; a reader then sees the write */
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK);
    CHECK(has_value(st, "\x10\x01in-log", "2"));
    put1(st, "\x10\x01later", "3");
    ft_store_close(st);
    CHECK(ft_store_open(&st, db, FT_STORE_READ, &err) == FT_OK);
    CHECK(has_value(st, "\x10\x01" "flushed", "1"));
    CHECK(has_value(st, "\x10\x01in-log", "2"));
    CHECK(has_value(st, "\x10\x01later", "3"));
    ft_store_close(st);
    rm_tree(scratch);
}

FT_TEST_MAIN({"open_create_reopen", test_open_create_reopen},
             {"second_opener_lock", test_second_opener_lock},
             {"schema_refusal", test_schema_refusal}, {"batch_atomicity", test_batch_atomicity},
             {"batch_order", test_batch_order}, {"iterators", test_iterators},
             {"digest", test_digest}, {"read_open_writes_nothing", test_read_open_writes_nothing})
