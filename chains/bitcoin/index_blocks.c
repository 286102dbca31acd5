/*
 * index_blocks.c — indexing the best chain of Bitcoin Core's block files (indexer.h).
 *
 *   1. blkfiles: frame every file, order the headers, choose the best chain. Nothing is
 *      written before this succeeds, so damage at the file level leaves the index untouched.
 *   2. Resume: the index's tip must be on that chain. If the stored block at some height
 *      differs from the files' block there, the index is rolled back to the last common
 *      height (the fork point) first. A stored chain that only extends beyond the files'
 *      tip (same blocks where both have one) is left alone.
 *   3. Windows of at most 64 blocks / 64 MB: read, parse (merkle root checked) and normalise
 *      in parallel (OpenMP, dynamic schedule: block sizes vary a lot), then append to the
 *      ledger in chain order on this thread. Commit when ~32 MB are staged and at the end;
 *      commits are pipelined (ft_ledger_commit_async): while the next batch is parsed and
 *      staged, the one before is sorted into LevelDB's WriteBatch and the one before that
 *      is written, each on its own thread; only LevelDB's write is serial.
 *
 * Errors: the first bad block in chain order stops the run with FT_ERR_PARSE and a message
 * naming the block hash and its file/offset; everything staged since the last commit is
 * dropped. Blocks committed by earlier batches of the same run stay: they were valid, and the
 * next run resumes after them.
 *
 * Hidden knobs (environment, for tests and tuning; documented in docs/store-format.md):
 *   FT_COMMIT_BLOCKS=N            commit after every N blocks as well
 *   FT_TEST_KILL_AFTER_COMMITS=N  _exit(137) right after the Nth commit (crash tests)
 *   FT_LEDGER_CACHE_MB=N          the ledger's cache budget (default 2048)
 */
#include "chains/bitcoin/indexer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chains/bitcoin/blkfiles.h"
#include "chains/bitcoin/block.h"
#include "chains/bitcoin/normalize.h"
#include "engine/arena.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/ledger.h"
#include "engine/log.h"

#include "engine/banned.h"

#define WINDOW_BLOCKS 64
#define WINDOW_BYTES ((uint64_t)64 << 20)
#define COMMIT_BYTES ((size_t)32 << 20)

typedef struct window_slot {
    uint8_t *data;
    size_t len;
    ft_btc_block block;
    ft_arena arena;
    ft_utxo_block ublock;
    ft_status rc;
    ft_err err;
    int parsed;
} window_slot;

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned long env_ulong(const char *name)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    return *end ? 0 : v;
}

static void slot_release(window_slot *s)
{
    if (s->parsed)
        ft_btc_block_release(&s->block);
    ft_arena_release(&s->arena);
    free(s->data);
    memset(s, 0, sizeof *s);
}

static void slot_load(const ft_btc_blkfiles *bf, uint32_t height, window_slot *s)
{
    ft_arena_init(&s->arena);
    s->rc = ft_btc_blkfiles_read(bf, height, &s->data, &s->len, &s->err);
    if (s->rc != FT_OK)
        return;
    s->rc = ft_btc_block_parse(&s->block, s->data, s->len, &s->err);
    if (s->rc != FT_OK)
        return;
    s->parsed = 1;
    const uint8_t *want = ft_btc_blkfiles_hash(bf, height);
    if (memcmp(s->block.header.hash, want, 32) != 0) {
        s->rc = ft_err_set(&s->err, FT_ERR_IO, "block changed on disk since the scan");
        return;
    }
    s->rc = ft_btc_block_normalize(&s->ublock, &s->block, height, &s->arena, &s->err);
}

/* err = "<message> (block <hash> at height <h>, <where>)"; the hash only when the message
 * does not already name it. */
static ft_status located(ft_err *err, ft_status rc, const ft_btc_blkfiles *bf, uint32_t height,
                         const ft_err *inner)
{
    char where[4200], hex[65];
    ft_btc_blkfiles_where(bf, height, where, sizeof where);
    ft_hex_encode_rev(hex, ft_btc_blkfiles_hash(bf, height), 32);
    if (strstr(inner->msg, hex))
        ft_err_set(err, rc, "%s (height %u, %s)", inner->msg, height, where);
    else
        ft_err_set(err, rc, "%s (block %s at height %u, %s)", inner->msg, hex, height, where);
    return rc;
}

/* Finds where the index and the files' chain agree; rolls the index back if they fork. */
static ft_status resume_point(ft_ledger *lg, const ft_btc_blkfiles *bf, uint32_t *start,
                              ft_btc_index_stats *stats, ft_err *err)
{
    ft_ledger_tip tip;
    ft_status rc = ft_ledger_get_tip(lg, &tip, err);
    if (rc != FT_OK)
        return rc;
    if (tip.empty) {
        *start = 0;
        return FT_OK;
    }
    uint32_t files_tip = ft_btc_blkfiles_tip(bf);
    uint32_t h = tip.height < files_tip ? tip.height : files_tip;
    for (;;) {
        uint8_t stored[32];
        rc = ft_ledger_block_hash(lg, h, stored, err);
        if (rc != FT_OK)
            return rc;
        if (memcmp(stored, ft_btc_blkfiles_hash(bf, h), 32) == 0)
            break;
        if (h == 0)
            return ft_err_set(err, FT_ERR_STATE,
                              "the index and the block files start from different genesis "
                              "blocks");
        h--;
    }
    if (h < tip.height && h < files_tip) {
        ft_log(FT_LOG_WARN,
               "the index forks from the block files' best chain after height %u: "
               "rolling back %u blocks",
               h, tip.height - h);
        rc = ft_ledger_rollback(lg, h, err);
        if (rc != FT_OK)
            return rc;
        stats->rolled_back = tip.height - h;
        *start = h + 1;
        return FT_OK;
    }
    /* The index holds the files' chain up to h and maybe more beyond the files' tip. */
    *start = tip.height + 1;
    return FT_OK;
}

ft_status ft_btc_index_blocks(ft_store *st, const char *dir, const ft_btc_params *net,
                              uint32_t to_height, const ft_progress *progress,
                              ft_btc_index_stats *stats, ft_err *err)
{
    ft_btc_index_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!st || !dir || !net)
        return ft_err_set(err, FT_ERR_ARG, "index_blocks needs a store, a directory and a network");
    unsigned long commit_blocks = env_ulong("FT_COMMIT_BLOCKS");
    unsigned long kill_after = env_ulong("FT_TEST_KILL_AFTER_COMMITS");
    unsigned long cache_mb = env_ulong("FT_LEDGER_CACHE_MB");

    ft_btc_blkfiles *bf = NULL;
    ft_status rc = ft_btc_blkfiles_open(&bf, dir, net, err);
    if (rc != FT_OK)
        return rc;
    ft_ledger *lg = NULL;
    window_slot *win = NULL;
    rc = ft_ledger_open(&lg, st, FT_CHAIN_BTC, net->name, err);
    if (rc != FT_OK)
        goto out;
    if (getenv("FT_LEDGER_CACHE_MB"))
        ft_ledger_set_cache_limit(lg, (size_t)cache_mb << 20);

    uint32_t start = 0;
    rc = resume_point(lg, bf, &start, stats, err);
    if (rc != FT_OK)
        goto out;
    uint32_t target = ft_btc_blkfiles_tip(bf);
    if (to_height != FT_BTC_HEIGHT_NONE && to_height < target)
        target = to_height;
    if (to_height != FT_BTC_HEIGHT_NONE && to_height > target)
        ft_log(FT_LOG_WARN, "the block files end at height %u, below --to-height %u", target,
               to_height);

    win = calloc(WINDOW_BLOCKS, sizeof *win);
    if (!win) {
        rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        goto out;
    }
    unsigned long commits = 0, since_commit = 0;
    double t_load = 0, t_append = 0, t_commit = 0, c_append = 0, c_parse = 0, c_parse_main = 0, t,
           c;
    double c_main = cpu_sec();
    uint32_t h = start;
    while (h <= target && start <= target) {
        /* the window: up to WINDOW_BLOCKS blocks and about WINDOW_BYTES bytes */
        int n = 0;
        uint64_t bytes = 0;
        while (n < WINDOW_BLOCKS && h + (uint32_t)n <= target &&
               (n == 0 || bytes + ft_btc_blkfiles_size(bf, h + (uint32_t)n) <= WINDOW_BYTES)) {
            bytes += ft_btc_blkfiles_size(bf, h + (uint32_t)n);
            n++;
            if (h + (uint32_t)n == 0) /* wrapped past UINT32_MAX */
                break;
        }
        t = now_sec();
        c = cpu_sec();
#pragma omp parallel for schedule(dynamic) reduction(+ : c_parse)
        for (int i = 0; i < n; i++) {
            double c0 = cpu_sec();
            slot_load(bf, h + (uint32_t)i, &win[i]);
            c_parse += cpu_sec() - c0;
        }
        t_load += now_sec() - t;
        c_parse_main += cpu_sec() - c;

        for (int i = 0; i < n && rc == FT_OK; i++) {
            uint32_t height = h + (uint32_t)i;
            if (win[i].rc != FT_OK) {
                ft_ledger_abort(lg);
                rc = located(err, win[i].rc, bf, height, &win[i].err);
                break;
            }
            ft_err aerr;
            ft_err_clear(&aerr);
            t = now_sec();
            c = cpu_sec();
            rc = ft_ledger_append(lg, &win[i].ublock, &aerr);
            t_append += now_sec() - t;
            c_append += cpu_sec() - c;
            if (rc != FT_OK) {
                located(err, rc, bf, height, &aerr);
                break;
            }
            stats->blocks++;
            stats->txs += win[i].ublock.n_tx;
            since_commit++;
            if (ft_ledger_staged_bytes(lg) >= COMMIT_BYTES ||
                (commit_blocks && since_commit >= commit_blocks)) {
                /* pipelined: LevelDB writes this batch while the next one is staged (the
                 * crash test's kill hook counts durable commits, so it commits in place) */
                t = now_sec();
                rc = kill_after ? ft_ledger_commit(lg, err) : ft_ledger_commit_async(lg, err);
                t_commit += now_sec() - t;
                if (rc != FT_OK)
                    break;
                since_commit = 0;
                if (kill_after && ++commits >= kill_after)
                    _exit(137);
            }
        }
        for (int i = 0; i < n; i++)
            slot_release(&win[i]);
        if (rc != FT_OK)
            goto out;
        ft_progress_report(progress, "blocks", h + (uint32_t)n - 1, target);
        if (h + (uint32_t)n == 0)
            break;
        h += (uint32_t)n;
    }
    t = now_sec();
    rc = ft_ledger_commit(lg, err);
    t_commit += now_sec() - t;
    if (rc == FT_OK && since_commit && kill_after && ++commits >= kill_after)
        _exit(137);
    ft_log(FT_LOG_DEBUG,
           "index: read+parse %.2f s (cpu %.2f s in all threads, %.2f s on this one), append "
           "%.2f s (cpu %.2f s), commit (waiting) %.2f s; this thread's cpu %.2f s",
           t_load, c_parse, c_parse_main, t_append, c_append, t_commit, cpu_sec() - c_main);
out:
    if (rc == FT_OK) {
        ft_ledger_tip tip;
        rc = ft_ledger_get_tip(lg, &tip, err);
        stats->tip_height = tip.empty ? 0 : tip.height;
        stats->up_to_date = stats->blocks == 0 && stats->rolled_back == 0;
    }
    if (rc == FT_OK) {
        ft_btc_blkfiles_info info;
        ft_btc_blkfiles_get_info(bf, &info);
        if (info.n_off_chain)
            ft_log(FT_LOG_INFO,
                   "ignored %llu blocks of the block files that are not on the best "
                   "chain (stale or orphan)",
                   (unsigned long long)info.n_off_chain);
    }
    free(win);
    ft_ledger_close(lg);
    ft_btc_blkfiles_close(bf);
    return rc;
}
