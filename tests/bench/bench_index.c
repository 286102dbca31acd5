/*
 * bench_index.c — full index build from block files against LevelDB's raw write speed.
 *
 *     bench_index BLOCKS_DIR [--network regtest] [--keep DIR] [--index-only]
 *
 * 1. Indexes BLOCKS_DIR into a fresh store (parse in parallel, resolve prevouts, write
 *    LevelDB), timing the whole ft_btc_index_blocks call: transactions per second.
 * 2. Counts what the index wrote: keys, key bytes, value bytes.
 * 3. The bound, measured in the same run: writes the same number of keys with the same
 *    average key and value sizes straight through LevelDB's C API in 32 MB synced batches
 *    into fresh directories, with the store's options: once with ascending keys (LevelDB's
 *    best case) and once in random order (hashes, like address keys).
 * 4. Prints tx/s, keys/s, the ratio of the two durations, and the peak resident memory per
 *    indexed transaction (getrusage, taken before the raw-write phase).
 * 5. Prints the CPU seconds of each pipeline stage per million transactions (parse, append,
 *    prepare, LevelDB write; LevelDB's background compaction as the rest of the process) and
 *    the slowest single-thread stage: the throughput bound when every stage has a core.
 *
 * The process keeps freed memory as the CLI does (mallopt, as in cli/main.c), so that the
 * figures are those of `fundtrace index`. The indexer's stage times (read+parse, append,
 * waiting for commits) are printed from its debug log; the CPU seconds of the whole process
 * during the index build are printed next to the wall time, since on a shared machine they
 * vary less. --index-only skips the raw-write bound (quick iterations).
 */
#include <leveldb/c.h>
#include <malloc.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "chains/bitcoin/indexer.h"
#include "chains/bitcoin/params.h"
#include "engine/hash.h"
#include "engine/log.h"
#include "engine/store.h"

#include "tests/bench/bench_util.h"

#include "engine/banned.h"

/* The indexer's per-stage CPU seconds, read back from its two debug lines. */
typedef struct stage_cpu {
    int have_index, have_ledger;
    double parse_all, parse_main, append, main_thread;
    double prepare, write;
    unsigned long commits;
} stage_cpu;

static stage_cpu stages;

/* Prints the indexer's stage breakdown (its debug lines "index: ..." and "ledger: ...") and
 * keeps the figures. */
static void log_stages(void *ctx, ft_log_level level, const char *msg)
{
    (void)ctx;
    if (level <= FT_LOG_WARN || strncmp(msg, "index: ", 7) == 0 || strncmp(msg, "ledger: ", 8) == 0)
        fprintf(stderr, "%s\n", msg);
    double wall_parse, wall_append, wait;
    if (sscanf(msg,
               "index: read+parse %lf s (cpu %lf s in all threads, %lf s on this one), append %lf "
               "s (cpu %lf s), commit (waiting) %lf s; this thread's cpu %lf s",
               &wall_parse, &stages.parse_all, &stages.parse_main, &wall_append, &stages.append,
               &wait, &stages.main_thread) == 7)
        stages.have_index = 1;
    if (sscanf(msg,
               "ledger: %lu commits, %*f s cpu in the write path: prepare (sort, WriteBatch) %lf "
               "s, LevelDB write %lf s",
               &stages.commits, &stages.prepare, &stages.write) == 3)
        stages.have_ledger = 1;
}

/* CPU seconds per stage and per million transactions, and the bound they set on a machine with
 * a core for every thread: each serial stage runs on one thread, parsing spreads. */
static void print_stages(double c_index, uint64_t txs)
{
    if (!stages.have_index || !stages.have_ledger || txs == 0) {
        printf("stage breakdown: not available (the indexer's debug lines were not seen)\n");
        return;
    }
    double per = 1e6 / (double)txs;
    double main_rest = stages.main_thread - stages.parse_main - stages.append;
    double other = c_index - stages.parse_all - (stages.main_thread - stages.parse_main) -
                   stages.prepare - stages.write;
    printf("stage cpu (s per 1M tx): parse %.2f (parallel), append %.2f (serial), prepare %.2f "
           "(sort + WriteBatch, overlaps the previous write), LevelDB write %.2f (serial), main "
           "thread other %.2f, rest of the process %.2f (LevelDB background compaction, by "
           "difference)\n",
           stages.parse_all * per, stages.append * per, stages.prepare * per, stages.write * per,
           main_rest * per, other * per);
    double serial = stages.append;
    const char *which = "append";
    if (stages.write > serial) {
        serial = stages.write;
        which = "LevelDB write";
    }
    if (stages.prepare > serial) {
        serial = stages.prepare;
        which = "prepare";
    }
    if (other > serial) {
        serial = other;
        which = "LevelDB background";
    }
    printf("slowest single-thread stage: %s, %.2f s per 1M tx: at most %.0f tx/s with a core per "
           "stage\n",
           which, serial * per, serial > 0 ? (double)txs / serial : 0.0);
}

static int remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* Writes n keys of klen bytes and values of vlen bytes into a fresh LevelDB at dir in 32 MB
 * synced batches, with the options the store uses; returns the seconds taken or -1. */
static double raw_write(const char *dir, uint64_t n, size_t klen, size_t vlen, int random_order)
{
    leveldb_options_t *opt = leveldb_options_create();
    leveldb_options_set_create_if_missing(opt, 1);
    /* the store's options (engine/store.c) */
    leveldb_options_set_block_size(opt, 16 << 10);
    leveldb_options_set_write_buffer_size(opt, 64 << 20);
    leveldb_options_set_max_file_size(opt, 32 << 20);
    leveldb_cache_t *cache = leveldb_cache_create_lru(64 << 20);
    leveldb_filterpolicy_t *bloom = leveldb_filterpolicy_create_bloom(10);
    leveldb_options_set_cache(opt, cache);
    leveldb_options_set_filter_policy(opt, bloom);
    leveldb_options_set_compression(opt, leveldb_no_compression);
    char *lerr = NULL;
    leveldb_t *db = leveldb_open(opt, dir, &lerr);
    if (lerr) {
        fprintf(stderr, "error: %s\n", lerr);
        return -1;
    }
    leveldb_writeoptions_t *wo = leveldb_writeoptions_create();
    leveldb_writeoptions_set_sync(wo, 1);
    leveldb_writebatch_t *wb = leveldb_writebatch_create();
    uint8_t *key = calloc(1, klen), *val = calloc(1, vlen + 8);
    if (!key || !val)
        return -1;
    size_t batch_bytes = 0;
    double t0 = ft_bench_wall();
    for (uint64_t i = 0; i < n; i++) {
        if (random_order) {
            uint8_t h[32];
            ft_sha256(h, &i, sizeof i);
            for (size_t j = 0; j < klen; j++)
                key[j] = h[j % 32] ^ (uint8_t)(j / 32);
        } else {
            for (size_t j = 0; j < klen && j < 8; j++)
                key[klen - 1 - j] = (uint8_t)(i >> (8 * j));
        }
        memcpy(val, &i, vlen < sizeof i ? vlen : sizeof i);
        leveldb_writebatch_put(wb, (const char *)key, klen, (const char *)val, vlen);
        batch_bytes += klen + vlen;
        if (batch_bytes >= (32u << 20) || i + 1 == n) {
            leveldb_write(db, wo, wb, &lerr);
            if (lerr) {
                fprintf(stderr, "error: %s\n", lerr);
                return -1;
            }
            leveldb_writebatch_clear(wb);
            batch_bytes = 0;
        }
    }
    double t = ft_bench_wall() - t0;
    leveldb_writebatch_destroy(wb);
    leveldb_writeoptions_destroy(wo);
    leveldb_close(db);
    leveldb_options_destroy(opt);
    leveldb_cache_destroy(cache);
    leveldb_filterpolicy_destroy(bloom);
    free(key);
    free(val);
    return t;
}

int main(int argc, char **argv)
{
    const char *blocks = NULL, *network = "regtest", *keep = NULL;
    int index_only = 0;
    mallopt(M_MMAP_THRESHOLD, 64 << 20); /* as cli/main.c */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    ft_log_set(log_stages, NULL);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--network") == 0 && i + 1 < argc)
            network = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0 && i + 1 < argc)
            keep = argv[++i];
        else if (strcmp(argv[i], "--index-only") == 0)
            index_only = 1;
        else
            blocks = argv[i];
    }
    if (!blocks) {
        fprintf(stderr, "usage: bench_index BLOCKS_DIR [--network regtest] [--keep DIR] [--index-only]\n");
        return 129;
    }
    const ft_btc_params *net = ft_btc_params_by_name(network);
    if (!net) {
        fprintf(stderr, "error: unknown network '%s'\n", network);
        return 129;
    }
    char base[4000];
    if (ft_bench_mkdtemp(base, sizeof base, "ft-bench") != 0)
        return 1;
    char idx[4096], raw[4096];
    snprintf(idx, sizeof idx, "%s", keep ? keep : base);
    if (!keep)
        snprintf(idx, sizeof idx, "%s/index", base);
    snprintf(raw, sizeof raw, "%s/raw", base);

    ft_err err = {0};
    ft_store *st;
    if (ft_store_open(&st, idx, FT_STORE_WRITE, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    ft_btc_index_stats stats = {0};
    double load0[1] = {0};
    if (getloadavg(load0, 1) != 1)
        load0[0] = -1;
    double c0 = ft_bench_cpu();
    double t0 = ft_bench_wall();
    ft_status s = ft_btc_index_blocks(st, blocks, net, FT_BTC_HEIGHT_NONE, NULL, &stats, &err);
    double t_index = ft_bench_wall() - t0;
    double c_index = ft_bench_cpu() - c0;
    if (s != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long peak_kb = ru.ru_maxrss;
    double load[1] = {0};
    if (getloadavg(load, 1) != 1)
        load[0] = -1;
    printf("threads %d; blocks %u, transactions %llu; load average %.2f before, %.2f after\n",
           omp_get_max_threads(), stats.blocks, (unsigned long long)stats.txs, load0[0], load[0]);
    printf("index build: %.2f s, %.0f tx/s (target >= 100,000 tx/s on 2 cores); cpu %.2f s\n",
           t_index, (double)stats.txs / t_index, c_index);
    printf("peak RSS %.1f MB, %.0f bytes per transaction\n", (double)peak_kb / 1024.0,
           (double)peak_kb * 1024.0 / (double)(stats.txs ? stats.txs : 1));
    print_stages(c_index, stats.txs);
    fflush(stdout);
    if (index_only) {
        ft_store_close(st);
        if (!keep)
            remove_tree(base);
        else
            rmdir(base); /* the empty scratch directory */
        return 0;
    }

    /* What did the index write? */
    uint64_t n_keys = 0, key_bytes = 0, val_bytes = 0;
    ft_store_iter *it = ft_store_iter_new(st, "", 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        n_keys++;
        key_bytes += kl;
        val_bytes += vl;
    }
    ft_store_iter_free(it);
    ft_store_close(st);
    if (n_keys == 0) {
        fprintf(stderr, "error: the index is empty\n");
        return 1;
    }
    size_t avg_k = (size_t)(key_bytes / n_keys), avg_v = (size_t)(val_bytes / n_keys);
    if (avg_k < 8)
        avg_k = 8;
    printf("index wrote %llu keys (%.2f per tx), %.1f MB keys+values (avg key %zu B, value %zu B)\n",
           (unsigned long long)n_keys, (double)n_keys / (double)(stats.txs ? stats.txs : 1),
           (double)(key_bytes + val_bytes) / 1e6, avg_k, avg_v);
    fflush(stdout);

    /* The bound: the same number of keys and bytes straight through LevelDB, twice: keys in
     * ascending order (LevelDB's best case; most index keys are ascending ids) and keys in
     * random order (hashes, like address keys). */
    double t_seq = raw_write(raw, n_keys, avg_k, avg_v, 0);
    remove_tree(raw);
    double t_rand = raw_write(raw, n_keys, avg_k, avg_v, 1);
    if (t_seq < 0 || t_rand < 0)
        return 1;
    printf("raw LevelDB, same count and sizes, ascending keys: %.2f s, %.0f keys/s\n", t_seq,
           (double)n_keys / t_seq);
    printf("raw LevelDB, same count and sizes, random keys:    %.2f s, %.0f keys/s\n", t_rand,
           (double)n_keys / t_rand);
    printf("ratio index build / raw writes: %.2fx (ascending), %.2fx (random)\n",
           t_index / t_seq, t_index / t_rand);
    if (!keep)
        remove_tree(base);
    else {
        remove_tree(raw);
        rmdir(base);
    }
    return 0;
}
