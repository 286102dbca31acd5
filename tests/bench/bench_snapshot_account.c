/*
 * bench_snapshot_account.c — loading an account chain's graph (engine/graph_account.c) from a
 * snapshot file against building it from the LevelDB index, in the same run, alternately.
 *
 *     bench_snapshot_account DB SNAPSHOT CHAIN_BYTE [--runs N]
 *
 * DB is an index holding the account chain (chain byte 37 for `dev`, 1 for ethereum),
 * SNAPSHOT the file `fundtrace snapshot` wrote from it. Like with like, what the account
 * tracer needs before it can start: LevelDB side ft_store_open + ft_graph_load_account (three
 * prefix scans, address and tx lookups built); snapshot side ft_snapshot_open (map, table)
 * + ft_snapshot_account_graph (SHA-256 of the chain's 12 graph sections, all chunks in
 * parallel, then the id checks). Both warm (files in the page cache after the first run).
 * Prints, for 1 and 2 OpenMP threads, min/median/max wall milliseconds per side and the
 * median CPU time of the process (on a loaded machine the wall time mostly measures waiting
 * for a core), the ratio of the medians, and the sizes: transfers, addresses, txs, the chain's graph
 * sections and all its sections (acct<b>_*) in bytes and bytes per transfer, the file.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/graph.h"
#include "engine/snapshot.h"
#include "engine/store.h"

#include "tests/bench/bench_util.h"

#include "engine/banned.h"

static const char *const graph_fields[] = {"meta",        "xfer_from",  "xfer_to",    "xfer_tx",
                                           "xfer_time",   "xfer_kind",  "xfer_flags", "xfer_asset",
                                           "xfer_amount", "addr_bytes", "asset_addr", "atx_hash"};

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_snapshot_account DB SNAPSHOT CHAIN_BYTE [--runs N]\n");
        return 129;
    }
    int chain = atoi(argv[3]);
    if (chain <= 0 || chain > 255) {
        fprintf(stderr, "error: bad chain byte '%s'\n", argv[3]);
        return 129;
    }
    int runs = 5;
    if (argc >= 6 && strcmp(argv[4], "--runs") == 0)
        runs = atoi(argv[5]) > 0 ? atoi(argv[5]) : 5;
    double *tl = calloc((size_t)runs, sizeof *tl), *ts = calloc((size_t)runs, sizeof *ts);
    double *cl = calloc((size_t)runs, sizeof *cl), *cs = calloc((size_t)runs, sizeof *cs);
    if (!tl || !ts || !cl || !cs)
        return 1;
    ft_err err;
    ft_err_clear(&err);
    ft_graph info;
    memset(&info, 0, sizeof info);
    for (int threads = 1; threads <= 2; threads++) {
        omp_set_num_threads(threads);
        for (int r = 0; r < runs; r++) {
            ft_store *st = NULL;
            double t0 = ft_bench_wall(), c0 = ft_bench_cpu();
            ft_graph g;
            if (ft_store_open(&st, argv[1], FT_STORE_READ, &err) != FT_OK ||
                ft_graph_load_account(&g, st, (uint8_t)chain, &err) != FT_OK) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            tl[r] = ft_bench_wall() - t0;
            cl[r] = ft_bench_cpu() - c0;
            info.n_xfer = g.n_xfer;
            info.n_addr = g.n_addr;
            info.n_atx = g.n_atx;
            info.n_asset = g.n_asset;
            ft_graph_release(&g);
            ft_store_close(st);

            ft_snapshot s;
            t0 = ft_bench_wall();
            c0 = ft_bench_cpu();
            if (ft_snapshot_open(&s, argv[2], &err) != FT_OK ||
                ft_snapshot_account_graph(&s, (uint8_t)chain, &g, &err) != FT_OK) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            ts[r] = ft_bench_wall() - t0;
            cs[r] = ft_bench_cpu() - c0;
            if (g.n_xfer != info.n_xfer || g.n_addr != info.n_addr) {
                fprintf(stderr, "error: the snapshot's graph differs from the index's\n");
                return 1;
            }
            ft_graph_release(&g);
            ft_snapshot_close(&s);
        }
        qsort(tl, (size_t)runs, sizeof *tl, ft_bench_cmp_double);
        qsort(ts, (size_t)runs, sizeof *ts, ft_bench_cmp_double);
        qsort(cl, (size_t)runs, sizeof *cl, ft_bench_cmp_double);
        qsort(cs, (size_t)runs, sizeof *cs, ft_bench_cmp_double);
        printf("threads %d, %d runs each, alternating:\n", threads, runs);
        printf(
            "  leveldb account graph  min %.3f  median %.3f  max %.3f ms  (cpu median %.3f ms)\n",
            1e3 * tl[0], 1e3 * tl[runs / 2], 1e3 * tl[runs - 1], 1e3 * cl[runs / 2]);
        printf(
            "  snapshot account graph min %.3f  median %.3f  max %.3f ms  (cpu median %.3f ms)\n",
            1e3 * ts[0], 1e3 * ts[runs / 2], 1e3 * ts[runs - 1], 1e3 * cs[runs / 2]);
        printf("  speedup (medians)      %.1fx wall, %.1fx cpu\n",
               ts[runs / 2] > 0 ? tl[runs / 2] / ts[runs / 2] : 0.0,
               cs[runs / 2] > 0 ? cl[runs / 2] / cs[runs / 2] : 0.0);
    }
    ft_snapshot s;
    if (ft_snapshot_open(&s, argv[2], &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    char prefix[FT_SNAPSHOT_NAME_MAX];
    snprintf(prefix, sizeof prefix, "acct%d_", chain);
    uint64_t all = 0, graph = 0;
    for (uint32_t i = 0; i < s.n_sections; i++) {
        if (strncmp(s.sec[i].name, prefix, strlen(prefix)) != 0)
            continue;
        all += s.sec[i].bytes;
        for (size_t k = 0; k < sizeof graph_fields / sizeof graph_fields[0]; k++)
            if (strcmp(s.sec[i].name + strlen(prefix), graph_fields[k]) == 0)
                graph += s.sec[i].bytes;
    }
    double nx = info.n_xfer ? (double)info.n_xfer : 1.0;
    printf("chain %d: %u transfers, %u addresses, %u txs, %u assets\n", chain, info.n_xfer,
           info.n_addr ? info.n_addr - 1 : 0, info.n_atx, info.n_asset);
    printf("  graph sections %llu bytes (%.1f per transfer); all acct%d_ sections %llu bytes "
           "(%.1f per transfer); file %zu bytes\n",
           (unsigned long long)graph, (double)graph / nx, chain, (unsigned long long)all,
           (double)all / nx, s.len);
    ft_snapshot_close(&s);
    free(tl);
    free(ts);
    free(cl);
    free(cs);
    return 0;
}
