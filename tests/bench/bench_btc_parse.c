/*
 * bench_btc_parse.c — block parsing throughput against the hashing bound, in one run.
 *
 * Parsing a block must hash every transaction (txid, wtxid) and the merkle tree, so double
 * SHA-256 over the same transaction bytes with OpenSSL is a floor no parser can beat. This
 * program measures both over the same blocks and prints the ratio (target: parse <= 2x hash
 * on one thread), plus the parse rate on all OpenMP threads.
 *
 *     bench_btc_parse [DIR_OR_FILE ...] [--reps N]
 *
 * With no argument it uses the two real mainnet blocks in ../shared/data/btc_blocks. A
 * directory is read as Bitcoin Core blk*.dat files (magic, size, block records; no xor key);
 * a file ending in .raw is one raw block. Inputs under 64 MB are repeated up to 64 MB. Each
 * measurement is repeated (--reps, default 5)
 * and printed as min / median / max.
 */
#include <dirent.h>
#include <malloc.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chains/bitcoin/block.h"
#include "engine/hash.h"
#include "engine/reader.h"

#include "tests/bench/bench_util.h"

#include "engine/banned.h"

typedef struct blob {
    uint8_t *data;
    size_t len;
} blob;

static blob *blocks;
static size_t n_blocks, cap_blocks;

static void add_block(const uint8_t *p, size_t len)
{
    if (n_blocks == cap_blocks) {
        cap_blocks = cap_blocks ? cap_blocks * 2 : 1024;
        blocks = realloc(blocks, cap_blocks * sizeof *blocks);
        if (!blocks) {
            fprintf(stderr, "error: out of memory\n");
            exit(1);
        }
    }
    blocks[n_blocks].data = malloc(len);
    if (!blocks[n_blocks].data) {
        fprintf(stderr, "error: out of memory\n");
        exit(1);
    }
    memcpy(blocks[n_blocks].data, p, len);
    blocks[n_blocks].len = len;
    n_blocks++;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void load_blk_file(const char *path)
{
    size_t len;
    uint8_t *buf = read_all(path, &len);
    if (!buf) {
        fprintf(stderr, "error: cannot read '%s'\n", path);
        exit(1);
    }
    ft_reader r;
    ft_reader_init(&r, buf, len);
    while (r.left >= 8) {
        const uint8_t *magic = ft_reader_ptr(&r, 4);
        uint32_t size;
        if (!magic || (magic[0] == 0 && magic[1] == 0 && magic[2] == 0 && magic[3] == 0))
            break;
        if (!ft_reader_u32le(&r, &size))
            break;
        const uint8_t *p = ft_reader_ptr(&r, size);
        if (!p) {
            fprintf(stderr, "error: truncated record in '%s'\n", path);
            exit(1);
        }
        add_block(p, size);
    }
    free(buf);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_path(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        size_t len;
        uint8_t *buf = read_all(path, &len);
        if (!buf) {
            fprintf(stderr, "error: cannot read '%s'\n", path);
            exit(1);
        }
        if (strstr(path, ".raw"))
            add_block(buf, len);
        free(buf);
        if (!strstr(path, ".raw"))
            load_blk_file(path);
        return;
    }
    char *names[100000];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 100000)
        if (strncmp(e->d_name, "blk", 3) == 0 && strstr(e->d_name, ".dat"))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_name);
    for (size_t i = 0; i < n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        load_blk_file(full);
        free(names[i]);
    }
}

static void summary(const char *what, double *t, int reps, double units, const char *unit)
{
    qsort(t, (size_t)reps, sizeof *t, ft_bench_cmp_double);
    printf("%-34s min %8.3f s  median %8.3f s  max %8.3f s  (%.0f %s/s at median)\n", what, t[0],
           t[reps / 2], t[reps - 1], units / t[reps / 2], unit);
}

int main(int argc, char **argv)
{
    int reps = 5;
    /* the same malloc policy as the fundtrace binary (cli/main.c) */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else
            load_path(argv[i]);
    }
    if (reps < 1)
        reps = 1;
    if (n_blocks == 0) {
        const char *shared = getenv("FT_SHARED_DIR");
        char p[4096];
        snprintf(p, sizeof p, "%s/data/btc_blocks/block413567.raw", shared ? shared : "../shared");
        load_path(p);
        snprintf(p, sizeof p,
                 "%s/data/btc_blocks/"
                 "mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw",
                 shared ? shared : "../shared");
        load_path(p);
    }

    /* Small inputs (the two real blocks) are repeated to at least 64 MB so that one timing
     * covers enough work to be stable; repeats share the same buffers. */
    size_t total = 0, n_unique = n_blocks;
    for (size_t b = 0; b < n_unique; b++)
        total += blocks[b].len;
    while (total < ((size_t)64 << 20)) {
        for (size_t b = 0; b < n_unique; b++) {
            if (n_blocks == cap_blocks) {
                cap_blocks *= 2;
                blocks = realloc(blocks, cap_blocks * sizeof *blocks);
                if (!blocks)
                    return 1;
            }
            blocks[n_blocks++] = blocks[b];
            total += blocks[b].len;
        }
    }

    /* One parse to find every transaction's bytes for the hashing bound. */
    size_t n_tx = 0, bytes = 0;
    typedef struct span {
        const uint8_t *p;
        size_t len;
    } span;
    span *spans = NULL;
    size_t cap = 0;
    for (size_t b = 0; b < n_blocks; b++) {
        ft_btc_block blk;
        ft_err err = {0};
        if (ft_btc_block_parse(&blk, blocks[b].data, blocks[b].len, &err) != FT_OK) {
            fprintf(stderr, "error: block %zu: %s\n", b, err.msg);
            return 2;
        }
        for (uint32_t t = 0; t < blk.n_tx; t++) {
            if (n_tx == cap) {
                cap = cap ? cap * 2 : 4096;
                spans = realloc(spans, cap * sizeof *spans);
                if (!spans)
                    return 1;
            }
            spans[n_tx].p = blk.txs[t].raw;
            spans[n_tx].len = blk.txs[t].size;
            bytes += blk.txs[t].size;
            n_tx++;
        }
        bytes += 80;
        ft_btc_block_release(&blk);
    }
    printf("blocks %zu, transactions %zu, bytes %zu, threads available %d\n", n_blocks, n_tx,
           bytes, omp_get_max_threads());

    double *th = calloc((size_t)reps, sizeof(double));
    double *tp = calloc((size_t)reps, sizeof(double));
    double *tpp = calloc((size_t)reps, sizeof(double));
    if (!th || !tp || !tpp)
        return 1;
    volatile uint8_t sink = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = ft_bench_wall();
        uint8_t h[32];
        for (size_t i = 0; i < n_tx; i++) {
            ft_sha256d(h, spans[i].p, spans[i].len);
            sink ^= h[0];
        }
        th[r] = ft_bench_wall() - t0;

        t0 = ft_bench_wall();
        for (size_t b = 0; b < n_blocks; b++) {
            ft_btc_block blk;
            if (ft_btc_block_parse(&blk, blocks[b].data, blocks[b].len, NULL) != FT_OK)
                return 2;
            sink ^= blk.header.hash[0];
            ft_btc_block_release(&blk);
        }
        tp[r] = ft_bench_wall() - t0;

        t0 = ft_bench_wall();
        int failed = 0;
#pragma omp parallel for schedule(dynamic) reduction(| : failed)
        for (size_t b = 0; b < n_blocks; b++) {
            ft_btc_block blk;
            if (ft_btc_block_parse(&blk, blocks[b].data, blocks[b].len, NULL) != FT_OK) {
                failed |= 1;
                continue;
            }
            ft_btc_block_release(&blk);
        }
        tpp[r] = ft_bench_wall() - t0;
        if (failed)
            return 2;
    }
    (void)sink;
    summary("double SHA-256 of every tx (bound)", th, reps, (double)n_tx, "tx");
    summary("parse, 1 thread", tp, reps, (double)n_tx, "tx");
    summary("parse, all threads", tpp, reps, (double)n_tx, "tx");
    printf("ratio parse/hash (1 thread, medians): %.2fx   (target <= 2x)\n",
           tp[reps / 2] / th[reps / 2]);
    printf("parallel speed-up (all threads / 1 thread): %.2fx\n", tp[reps / 2] / tpp[reps / 2]);
    free(th);
    free(tp);
    free(tpp);
    free(spans);
    for (size_t b = 0; b < n_unique; b++)
        free(blocks[b].data);
    free(blocks);
    return 0;
}
