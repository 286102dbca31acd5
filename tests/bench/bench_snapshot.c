/*
 * bench_snapshot.c — loading the analysis graph from a snapshot file against building it from
 * the LevelDB index, in the same run, on the same chain (the target: at least 10x).
 *
 *     bench_snapshot DB SNAPSHOT [--runs N]
 *
 * DB is an index, SNAPSHOT the file `fundtrace snapshot` wrote from it (use a generated chain
 * of at least 500k txs for figures that mean something: fundtrace-gen --txs 1000000,
 * fundtrace index bitcoin, fundtrace snapshot). Both sides run warm (the files in the page
 * cache after the first run, as on a batch node where the snapshot was staged).
 *
 * Like with like, what a trace needs from each source before it can start: the graph. The
 * LevelDB side is ft_store_open + ft_graph_load_utxo; the snapshot side is everything a
 * command does before using the graph: map and check the table (ft_snapshot_open), verify the
 * SHA-256 of the graph sections (checksums are lazy: only those), check the graph's invariants
 * (ft_snapshot_graph); the three phases are also reported apart. Neither side includes address
 * or txid text: from the index a trace looks the text of its flows up one record at a time
 * during output, from a snapshot the text sections (two thirds of the file) are verified once
 * before output; that verification is timed on its own line ("text verify") so the whole cost
 * of a snapshot trace is visible. Second comparison (only when the snapshot holds incidents),
 * what a batch job really waits for before tracing: the trace job's inputs (graph, seeds,
 * labels, clusters, terminals, prices: ft_cli_trace_job_prepare on the index) against the
 * snapshot open plus ft_cli_trace_job_from_snapshot, and the same plus ft_cli_snap_text (what
 * `trace --snapshot` does before its run). Prints min/median/max seconds per side (wall, and
 * CPU time of the process: on a shared, loaded machine the wall time mostly measures waiting
 * for a core), the ratio of the medians, the snapshot's bytes per transaction (the whole file
 * and the graph sections alone) and ft_graph_bytes per transaction; 1 and 2 OpenMP threads.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "chains/bitcoin/params.h"
#include "cli/trace_job.h"
#include "cli/trace_snapshot.h"
#include "engine/graph.h"
#include "engine/keys.h"
#include "engine/snapshot.h"
#include "engine/store.h"

#include "tests/bench/bench_util.h"

#include "engine/banned.h"

static const char *const graph_sections[] = {
    "graph_meta", "tx_time",  "tx_flags",     "tx_addr_new", "in_off",  "out_off",  "in_out",
    "out_value",  "out_addr", "out_type",     "out_spent_by", "xfer_from", "xfer_to", "xfer_tx",
    "xfer_time"};
#define N_GRAPH_SECTIONS (sizeof graph_sections / sizeof graph_sections[0])
static const char *const text_sections[] = {"addr_text_off", "addr_text", "txid"};

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_snapshot DB SNAPSHOT [--runs N]\n");
        return 129;
    }
    int runs = 5;
    if (argc >= 5 && strcmp(argv[3], "--runs") == 0)
        runs = atoi(argv[4]) > 0 ? atoi(argv[4]) : 5;
    double *tl = calloc((size_t)runs, sizeof *tl), *ts = calloc((size_t)runs, sizeof *ts);
    double *tc = calloc((size_t)runs, sizeof *tc);
    double *cl = calloc((size_t)runs, sizeof *cl), *cs = calloc((size_t)runs, sizeof *cs);
    double *to = calloc((size_t)runs, sizeof *to), *tv = calloc((size_t)runs, sizeof *tv);
    double *tt = calloc((size_t)runs, sizeof *tt), *tj = calloc((size_t)runs, sizeof *tj);
    if (!tl || !ts || !tc || !cl || !cs || !to || !tv || !tt || !tj)
        return 1;
    ft_err err;
    ft_err_clear(&err);
    uint32_t n_tx = 0;
    size_t gbytes = 0;
    for (int threads = 1; threads <= 2; threads++) {
        omp_set_num_threads(threads);
        for (int r = 0; r < runs; r++) {
            ft_store *st = NULL;
            double t0 = ft_bench_wall(), c0 = ft_bench_cpu();
            if (ft_store_open(&st, argv[1], FT_STORE_READ, &err) != FT_OK) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            ft_graph g;
            if (ft_graph_load_utxo(&g, st, FT_CHAIN_BTC, &err) != FT_OK) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            tl[r] = ft_bench_wall() - t0;
            cl[r] = ft_bench_cpu() - c0;
            n_tx = g.n_tx;
            gbytes = ft_graph_bytes(&g);
            ft_graph_release(&g);
            ft_store_close(st);

            ft_snapshot s;
            t0 = ft_bench_wall();
            c0 = ft_bench_cpu();
            if (ft_snapshot_open(&s, argv[2], &err) != FT_OK) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            double t1 = ft_bench_wall();
            if (ft_snapshot_verify(&s, graph_sections, N_GRAPH_SECTIONS, &err) != FT_OK) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            double t2 = ft_bench_wall();
            if (ft_snapshot_graph(&s, &g, &err) != FT_OK) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            double t3 = ft_bench_wall();
            ts[r] = t3 - t0;
            cs[r] = ft_bench_cpu() - c0;
            to[r] = t1 - t0;
            tv[r] = t2 - t1;
            tc[r] = t3 - t2;
            if (ft_snapshot_verify(&s, text_sections, 3, &err) != FT_OK) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            tt[r] = ft_bench_wall() - t3;
            if (g.n_tx != n_tx) {
                fprintf(stderr, "error: the snapshot has %u txs, the index %u\n", g.n_tx, n_tx);
                return 1;
            }
            ft_graph_release(&g);
            ft_snapshot_close(&s);
        }
        qsort(tl, (size_t)runs, sizeof *tl, ft_bench_cmp_double);
        qsort(ts, (size_t)runs, sizeof *ts, ft_bench_cmp_double);
        qsort(tc, (size_t)runs, sizeof *tc, ft_bench_cmp_double);
        qsort(cl, (size_t)runs, sizeof *cl, ft_bench_cmp_double);
        qsort(cs, (size_t)runs, sizeof *cs, ft_bench_cmp_double);
        qsort(to, (size_t)runs, sizeof *to, ft_bench_cmp_double);
        qsort(tv, (size_t)runs, sizeof *tv, ft_bench_cmp_double);
        qsort(tt, (size_t)runs, sizeof *tt, ft_bench_cmp_double);
        printf("threads %d, %d runs, %u txs\n", threads, runs, n_tx);
        printf("  leveldb graph load   min %.4f  median %.4f  max %.4f s\n", tl[0],
               tl[runs / 2], tl[runs - 1]);
        printf("  snapshot graph       min %.4f  median %.4f  max %.4f s  (medians: open+table "
               "%.4f, graph checksums %.4f, graph checks %.4f)\n",
               ts[0], ts[runs / 2], ts[runs - 1], to[runs / 2], tv[runs / 2], tc[runs / 2]);
        printf("  text verify          min %.4f  median %.4f  max %.4f s  (addr_text_off, "
               "addr_text, txid: once, before output)\n",
               tt[0], tt[runs / 2], tt[runs - 1]);
        printf("  speedup (medians)    %.1fx wall; CPU time (all threads) leveldb %.4f s, "
               "snapshot %.4f s: %.1fx\n",
               ts[runs / 2] > 0 ? tl[runs / 2] / ts[runs / 2] : 0, cl[runs / 2], cs[runs / 2],
               cs[runs / 2] > 0 ? cl[runs / 2] / cs[runs / 2] : 0);
    }
    /* the trace job's inputs (only when the snapshot holds incidents) */
    ft_snapshot probe;
    if (ft_snapshot_open(&probe, argv[2], &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    int has_jobs = ft_snapshot_has(&probe, "inc_rows");
    ft_snapshot_close(&probe);
    if (!has_jobs)
        printf("trace job inputs: skipped (the snapshot holds no incident)\n");
    for (int threads = 1; has_jobs && threads <= 2; threads++) {
        omp_set_num_threads(threads);
        for (int r = 0; r < runs; r++) {
            ft_store *st = NULL;
            double t0 = ft_bench_wall(), c0 = ft_bench_cpu();
            if (ft_store_open(&st, argv[1], FT_STORE_READ, &err) != FT_OK) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            ft_cli_trace_job job;
            if (ft_cli_trace_job_prepare(&job, st, ft_btc_params_by_name("regtest"), argv[1],
                                         NULL) != 0)
                return 1;
            tl[r] = ft_bench_wall() - t0;
            cl[r] = ft_bench_cpu() - c0;
            size_t n_inc = job.n_inc;
            ft_cli_trace_job_release(&job);
            ft_store_close(st);
            ft_cli_snap cs2;
            t0 = ft_bench_wall();
            c0 = ft_bench_cpu();
            if (ft_cli_snap_open(&cs2, argv[2]) != 0 ||
                ft_cli_trace_job_from_snapshot(&job, &cs2, NULL) != 0 ||
                ft_cli_trace_job_load_prices(&job) != 0)
                return 1;
            ts[r] = ft_bench_wall() - t0;
            cs[r] = ft_bench_cpu() - c0;
            if (ft_cli_snap_text(&cs2) != 0)
                return 1;
            tj[r] = ft_bench_wall() - t0;
            if (job.n_inc != n_inc) {
                fprintf(stderr, "error: %zu incidents from the snapshot, %zu from the index\n",
                        job.n_inc, n_inc);
                return 1;
            }
            ft_cli_trace_job_release(&job);
            ft_cli_snap_close(&cs2);
        }
        qsort(tl, (size_t)runs, sizeof *tl, ft_bench_cmp_double);
        qsort(ts, (size_t)runs, sizeof *ts, ft_bench_cmp_double);
        qsort(cl, (size_t)runs, sizeof *cl, ft_bench_cmp_double);
        qsort(cs, (size_t)runs, sizeof *cs, ft_bench_cmp_double);
        printf("trace job inputs, threads %d\n", threads);
        printf("  leveldb prepare      min %.4f  median %.4f  max %.4f s\n", tl[0], tl[runs / 2],
               tl[runs - 1]);
        qsort(tj, (size_t)runs, sizeof *tj, ft_bench_cmp_double);
        printf("  snapshot job         min %.4f  median %.4f  max %.4f s\n", ts[0], ts[runs / 2],
               ts[runs - 1]);
        printf("  snapshot job + text  min %.4f  median %.4f  max %.4f s  (%.1fx; what trace "
               "--snapshot waits for before its run)\n",
               tj[0], tj[runs / 2], tj[runs - 1], tj[runs / 2] > 0 ? tl[runs / 2] / tj[runs / 2] : 0);
        printf("  speedup (medians)    %.1fx wall; CPU time leveldb %.4f s, snapshot %.4f s: "
               "%.1fx\n",
               ts[runs / 2] > 0 ? tl[runs / 2] / ts[runs / 2] : 0, cl[runs / 2], cs[runs / 2],
               cs[runs / 2] > 0 ? cl[runs / 2] / cs[runs / 2] : 0);
    }
    ft_snapshot s;
    if (ft_snapshot_open(&s, argv[2], &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    uint64_t gsec = 0;
    printf("snapshot sections (bytes per tx):\n");
    for (uint32_t i = 0; i < s.n_sections; i++) {
        for (size_t k = 0; k < N_GRAPH_SECTIONS; k++)
            if (strcmp(s.sec[i].name, graph_sections[k]) == 0)
                gsec += s.sec[i].bytes;
        printf("  %-20s %12llu  %8.2f\n", s.sec[i].name, (unsigned long long)s.sec[i].bytes,
               n_tx ? (double)s.sec[i].bytes / n_tx : 0.0);
    }
    printf("file %zu bytes = %.1f per tx; graph sections %llu = %.1f per tx; in memory "
           "(ft_graph_bytes) %.1f per tx\n",
           s.len, n_tx ? (double)s.len / n_tx : 0.0, (unsigned long long)gsec,
           n_tx ? (double)gsec / n_tx : 0.0, n_tx ? (double)gbytes / n_tx : 0.0);
    ft_snapshot_close(&s);
    free(tl);
    free(ts);
    free(tc);
    free(cl);
    free(cs);
    free(to);
    free(tv);
    free(tt);
    free(tj);
    return 0;
}
