/*
 * test_store_settle.c — leaving an index quick to open (engine/store.c ft_store_flush,
 * ft_store_settle) and the account-chain address map of clusters (engine/clusteraddr.c), on a
 * real LevelDB in a scratch directory.
 *
 * flush: an unsynced batch sits in the log until the flush; after it every .log file is empty
 * and the data is in a table file (what the next opener would otherwise replay). settle: six
 * flushed batches make six level-0 files (over LevelDB's trigger of 4); settle waits for the
 * background compaction, reports fewer than 4 level-0 files, and every key reads back.
 * clusteraddr: ids of a map read back, an unknown address is not found, the map of an older
 * run is refused as stale, and a map needs a run record.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/clusteraddr.h"
#include "engine/clusterstore.h"
#include "engine/graph.h"
#include "engine/store.h"
#include "tests/unit/ft_test.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char scratch[256], db[300];
static const char *scratch_db(void)
{
    ft_test_tmpl(scratch, sizeof scratch, "ft_test_settle");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(db, sizeof db, "%s/db", scratch);
    return db;
}

/* Bytes in files of db whose names end with ext, and how many such files. */
static long long dir_bytes(const char *dir, const char *ext, int *count)
{
    long long total = 0;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), el = strlen(ext);
        if (n < el || strcmp(e->d_name + n - el, ext) != 0)
            continue;
        char p[600];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &sb) == 0) {
            total += sb.st_size;
            (*count)++;
        }
    }
    closedir(d);
    return total;
}

/* Puts n keys "<tag>:<i>" with 100-byte values in one unsynced batch. */
static void put_keys(ft_store *st, int tag, int n)
{
    ft_store_batch *b = ft_store_batch_new();
    char k[32], v[100];
    memset(v, 'v', sizeof v);
    for (int i = 0; i < n; i++) {
        int kl = snprintf(k, sizeof k, "k%02d:%08d", tag, i);
        v[0] = (char)('a' + tag);
        ft_store_batch_put(b, k, (size_t)kl, v, sizeof v);
    }
    ft_err err;
    CHECK(ft_store_batch_commit(st, b, 0, &err) == FT_OK);
    ft_store_batch_free(b);
}

static int key_reads(ft_store *st, int tag, int i)
{
    char k[32];
    int kl = snprintf(k, sizeof k, "k%02d:%08d", tag, i);
    uint8_t *v = NULL;
    size_t vl = 0;
    ft_err err;
    int ok = ft_store_get(st, k, (size_t)kl, &v, &vl, &err) == FT_OK && vl == 100 &&
             v[0] == 'a' + tag;
    free(v);
    return ok;
}

static void test_flush(void)
{
    const char *path = scratch_db();
    ft_store *st = NULL;
    ft_err err;
    CHECK(ft_store_open(&st, path, FT_STORE_WRITE, &err) == FT_OK);
    if (!st)
        return;
    put_keys(st, 1, 20000);
    int n_log, n_ldb;
    CHECK(dir_bytes(path, ".log", &n_log) > 2000000); /* the batch is in the log */
    long long ldb0 = dir_bytes(path, ".ldb", &n_ldb);
    CHECK(ft_store_flush(st, &err) == FT_OK);
    CHECK(dir_bytes(path, ".log", &n_log) == 0); /* nothing left to replay */
    CHECK(dir_bytes(path, ".ldb", &n_ldb) > ldb0 && n_ldb >= 1);
    CHECK(key_reads(st, 1, 0) && key_reads(st, 1, 19999));
    ft_store_close(st);
    CHECK(ft_store_open(&st, path, FT_STORE_READ, &err) == FT_OK);
    if (st) {
        CHECK(key_reads(st, 1, 12345));
        ft_store_close(st);
    }
    nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_settle(void)
{
    const char *path = scratch_db();
    ft_store *st = NULL;
    ft_err err;
    CHECK(ft_store_open(&st, path, FT_STORE_WRITE, &err) == FT_OK);
    if (!st)
        return;
    for (int tag = 0; tag < 6; tag++) { /* six overlapping level-0 files */
        put_keys(st, tag, 5000);
        CHECK(ft_store_flush(st, &err) == FT_OK);
    }
    ft_store_shape sh;
    CHECK(ft_store_settle(st, 60000, &sh, &err) == FT_OK);
    CHECK(sh.settled == 1);
    CHECK(sh.files[0] < 4);
    int total = 0;
    for (int l = 0; l < 7; l++)
        total += sh.files[l];
    CHECK(total >= 1);
    for (int tag = 0; tag < 6; tag++)
        CHECK(key_reads(st, tag, 0) && key_reads(st, tag, 4999));
    ft_store_close(st);
    nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A run over 5 addresses (ids 1..4, id 0 unused): {1, 3} one cluster, 2 and 4 alone. */
static ft_status write_run(ft_store *st, uint64_t links, ft_err *err)
{
    static const uint32_t cluster[5] = {0, 1, 2, 1, 4}, size[5] = {0, 2, 1, 0, 1};
    ft_clusterstore_run run;
    memset(&run, 0, sizeof run);
    snprintf(run.heuristics, sizeof run.heuristics, "deposit");
    run.n_addr = 4;
    run.n_multi = 1;
    run.largest = 2;
    run.largest_id = 1;
    run.links = links;
    run.merges = 1;
    return ft_clusterstore_write(st, 0x80, &run, cluster, size, 5, NULL, NULL, NULL, NULL, 0,
                                 err);
}

static void test_clusteraddr(void)
{
    const char *path = scratch_db();
    ft_store *st = NULL;
    ft_err err;
    CHECK(ft_store_open(&st, path, FT_STORE_WRITE, &err) == FT_OK);
    if (!st)
        return;
    uint8_t addr[5][20];
    memset(addr, 0, sizeof addr);
    for (int i = 1; i < 5; i++)
        memset(addr[i], 0x10 * i, 20);
    uint64_t id = 99;
    CHECK(ft_clusteraddr_lookup(st, 0x80, addr[1], &id, &err) == FT_ERR_NOTFOUND);
    CHECK(ft_clusteraddr_write(st, 0x80, (const uint8_t(*)[20])addr, 5, &err) == FT_ERR_STATE);
    CHECK(write_run(st, 1, &err) == FT_OK);
    CHECK(ft_clusteraddr_write(st, 0x80, (const uint8_t(*)[20])addr, 5, &err) == FT_OK);
    for (int i = 1; i < 5; i++) {
        CHECK(ft_clusteraddr_lookup(st, 0x80, addr[i], &id, &err) == FT_OK);
        CHECK_EQ_U64(id, i);
    }
    uint64_t cl = 0, size = 0;
    ft_clusterstore_label *labels = NULL;
    size_t n_labels = 0;
    CHECK(ft_clusteraddr_lookup(st, 0x80, addr[3], &id, &err) == FT_OK);
    CHECK(ft_clusterstore_lookup(st, 0x80, id, &cl, &size, &labels, &n_labels, &err) == FT_OK);
    CHECK_EQ_U64(cl, 1);
    CHECK_EQ_U64(size, 2);
    free(labels);
    uint8_t other[20];
    memset(other, 0x77, sizeof other);
    CHECK(ft_clusteraddr_lookup(st, 0x80, other, &id, &err) == FT_ERR_NOTFOUND);
    CHECK(ft_clusteraddr_lookup(st, 0x81, addr[1], &id, &err) == FT_ERR_NOTFOUND);
    /* a newer run without its map (a `cluster` stopped between its two batches): stale */
    CHECK(write_run(st, 2, &err) == FT_OK);
    CHECK(ft_clusteraddr_lookup(st, 0x80, addr[1], &id, &err) == FT_ERR_NOTFOUND);
    /* its map written: found again, ids of the new map */
    memcpy(addr[2], other, 20);
    CHECK(ft_clusteraddr_write(st, 0x80, (const uint8_t(*)[20])addr, 5, &err) == FT_OK);
    CHECK(ft_clusteraddr_lookup(st, 0x80, other, &id, &err) == FT_OK);
    CHECK_EQ_U64(id, 2);
    uint8_t old2[20];
    memset(old2, 0x20, sizeof old2);
    CHECK(ft_clusteraddr_lookup(st, 0x80, old2, &id, &err) == FT_ERR_NOTFOUND); /* replaced */
    ft_store_close(st);
    nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

FT_TEST_MAIN({"flush", test_flush}, {"settle", test_settle}, {"clusteraddr", test_clusteraddr})
