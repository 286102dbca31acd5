/*
 * bench_cluster.c — clustering throughput on an indexed chain (use a generated chain of at
 * least 1M txs: fundtrace-gen --txs 1000000, then fundtrace index bitcoin).
 *
 *     bench_cluster DB [--runs N] [--edges FILE] [--snapshot FILE]
 *
 * What it prints:
 *  - the graph load time (engine/graph.c: one scan of the index);
 *  - for `multi-input` alone (the plain input-address graph, comparable with igraph), for
 *    the default UTXO set `coinjoin,multi-input`, and for that set with the collapse guard at
 *    its default size (what `fundtrace cluster` runs; no labels), with 1 and 2 OpenMP threads:
 *    min/median/max seconds of ft_cluster_run, inputs per second at the median, and the
 *    median time of each phase read from the driver's debug log line (prepare = filters,
 *    init, union = the parallel pass A, flatten = flatten fused with the size count, guard =
 *    suspects and pass B, sizes = multi-address and largest cluster counts);
 *  - the 1 -> 2 thread speed-up, as the ratio of medians and as the median of the per-round
 *    ratios (runs alternate 1, 2, 1, 2 ... threads so that a change of machine load hits both
 *    configurations alike);
 *  - memory: the process peak (getrusage, graph included) and the clustering's own peak,
 *    per address, as the driver accounts its allocations (debug log "cluster memory: peak"):
 *    resident-size deltas of a 12 MB allocation inside a 120 MB process proved unreliable
 *    on this VM (freed heap memory gets reused), so the accounted figure is the one printed;
 *  - with --edges FILE: the input-address graph (the links `multi-input` emits, "a b" per
 *    line after a first line "n_vertices n_edges") for tests/bench/bench_cluster_igraph.sh,
 *    its number of connected components, and our end-to-end time over that same file (read,
 *    parse and union in parallel, flatten: "edge file -> cluster ids"), with 1 and 2 threads;
 *  - the clustering-only load (ft_graph_load_utxo_links: the columns multi-input reads, one
 *    LevelDB iterator per thread) with 1 and 2 threads, checked array by array against the
 *    full load, and from the index end to end with it (links load + multi-input, 2 threads);
 *  - with --snapshot FILE (`fundtrace snapshot` of the same index): open + graph (checksums
 *    of the graph sections verified, invariants checked: engine/snapshot.h) and multi-input
 *    on that graph, end to end, 2 threads; the component count must equal the index's.
 * Every load is warm (the files were just read): the figures are CPU and memory bound.
 */
#include <malloc.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine/graph.h"
#include "engine/keys.h"
#include "engine/log.h"
#include "engine/snapshot.h"
#include "heuristics/cluster.h"
#include "heuristics/unionfind.h"

#include "tests/bench/bench_util.h"

#include "engine/banned.h"

#define N_PHASES 6
static const char *const phase_names[N_PHASES] = {"prepare", "init",  "union",
                                                  "flatten", "guard", "sizes"};

#define MAX_RUNS 64

static double median(const double *v, int n)
{
    double t[MAX_RUNS];
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof t[0], ft_bench_cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* The driver's phase line (heuristics/cluster.c, debug level) of the last run. */
static double last_phase[N_PHASES];
static int have_phase;
static unsigned long long last_peak; /* the largest "cluster memory: peak" seen */

static void on_log(void *ctx, ft_log_level level, const char *msg)
{
    (void)ctx;
    if (level != FT_LOG_DEBUG)
        return;
    double p[N_PHASES];
    if (sscanf(msg, "cluster phases (s): prepare %lf init %lf union %lf flatten %lf guard %lf "
                    "sizes %lf",
               &p[0], &p[1], &p[2], &p[3], &p[4], &p[5]) == N_PHASES) {
        memcpy(last_phase, p, sizeof p);
        have_phase = 1;
    }
    unsigned long long peak;
    if (sscanf(msg, "cluster memory: peak %llu bytes", &peak) == 1 && peak > last_peak)
        last_peak = peak;
}

/* The heuristics `list`, with the collapse guard at its default size when guard is set (the
 * CLI's default; no labels here, so only the size rule). */
static void parse_list(const char *list, int guard, ft_cluster_opts *o)
{
    memset(o, 0, sizeof *o);
    ft_err err;
    if (ft_registry_parse(list, &o->mask, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        exit(1);
    }
    o->guard = guard;
    o->guard_size = FT_GUARD_DEFAULT_SIZE;
}

/* One timed run; *components = clusters among addresses 1..n-1. */
static double run_once(const ft_graph *g, const ft_cluster_opts *o, int threads, double *phase,
                       uint32_t *components)
{
    ft_err err;
    ft_cluster_result res;
    omp_set_num_threads(threads);
    have_phase = 0;
    double t0 = ft_bench_wall();
    if (ft_cluster_run(g, NULL, o, &res, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        exit(1);
    }
    double t = ft_bench_wall() - t0;
    for (int p = 0; p < N_PHASES; p++)
        phase[p] = have_phase ? last_phase[p] : 0;
    uint32_t comps = 0;
    for (uint32_t x = 1; x < res.n_addr; x++)
        comps += res.cluster[x] == x;
    *components = comps;
    ft_cluster_result_release(&res);
    return t;
}

static void report(const char *list, int threads, const double *t, double ph[][N_PHASES],
                   int runs, uint32_t n_in, uint32_t comps)
{
    double sorted[MAX_RUNS];
    memcpy(sorted, t, (size_t)runs * sizeof *t);
    qsort(sorted, (size_t)runs, sizeof sorted[0], ft_bench_cmp_double);
    double med = median(t, runs);
    printf("%-22s threads %d  min %.3f  median %.3f  max %.3f s  %.1f M inputs/s  %u clusters\n",
           list, threads, sorted[0], med, sorted[runs - 1], n_in / med / 1e6, comps);
    printf("  phases (median ms):");
    for (int p = 0; p < N_PHASES; p++) {
        double v[MAX_RUNS];
        for (int r = 0; r < runs; r++)
            v[r] = ph[r][p];
        printf(" %s %.1f", phase_names[p], median(v, runs) * 1e3);
    }
    printf("\n");
}

/* Both thread counts for one heuristic list, alternating; returns the median at 2 threads. */
static double bench(const ft_graph *g, const char *list, int guard, int runs,
                    uint32_t *components)
{
    ft_cluster_opts o;
    parse_list(list, guard, &o);
    char name[64];
    snprintf(name, sizeof name, "%s%s", list, guard ? "+guard" : "");
    list = name;
    static double t[2][MAX_RUNS], ph[2][MAX_RUNS][N_PHASES];
    uint32_t comps[2] = {0, 0};
    for (int r = 0; r < runs; r++)
        for (int k = 0; k < 2; k++)
            t[k][r] = run_once(g, &o, k + 1, ph[k][r], &comps[k]);
    if (comps[0] != comps[1]) {
        fprintf(stderr, "error: %s: %u clusters with 1 thread, %u with 2\n", list, comps[0],
                comps[1]);
        exit(1);
    }
    report(list, 1, t[0], ph[0], runs, g->n_in, comps[0]);
    report(list, 2, t[1], ph[1], runs, g->n_in, comps[1]);
    double ratio[MAX_RUNS];
    for (int r = 0; r < runs; r++)
        ratio[r] = t[0][r] / t[1][r];
    double m1 = median(t[0], runs), m2 = median(t[1], runs);
    printf("speed-up %s 1 -> 2 threads: %.2fx (ratio of medians), %.2fx (median of per-round "
           "ratios)\n",
           list, m1 / m2, median(ratio, runs));
    *components = comps[0];
    return m2;
}

/* ---- the same input-address graph from the edge file ------------------------------------ */

typedef struct edge_out {
    FILE *f;
    uint64_t n;
} edge_out;

static void write_edge(void *arg, uint32_t a, uint32_t b, uint32_t item)
{
    (void)item;
    edge_out *e = arg;
    if (a == 0 || b == 0 || a == b)
        return;
    if (e->f)
        fprintf(e->f, "%u %u\n", a, b);
    e->n++;
}

static void write_edges(const ft_graph *g, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "error: cannot create '%s'\n", path);
        exit(1);
    }
    ft_cluster_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.g = g;
    edge_out e = {NULL, 0}; /* count first so the header is right: links are deterministic */
    for (uint32_t t = 0; t < g->n_tx; t++)
        ft_multi_input_links(&ctx, t, write_edge, &e);
    fprintf(f, "%u %llu\n", g->n_addr, (unsigned long long)e.n);
    e.f = f;
    e.n = 0;
    for (uint32_t t = 0; t < g->n_tx; t++)
        ft_multi_input_links(&ctx, t, write_edge, &e);
    if (fclose(f) != 0) {
        fprintf(stderr, "error: cannot write '%s'\n", path);
        exit(1);
    }
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static const char *read_u32(const char *p, const char *end, uint32_t *v)
{
    uint64_t x = 0;
    const char *s = p;
    while (p < end && *p >= '0' && *p <= '9' && p - s < 11)
        x = x * 10 + (uint64_t)(*p++ - '0');
    if (p == s || x > UINT32_MAX)
        return NULL;
    *v = (uint32_t)x;
    return p;
}

/* Edge file -> cluster ids: read the whole file, then each thread parses its slice of the
 * lines (cut at newlines) and unions as it goes; flatten. Returns the seconds taken and the
 * number of components among vertices 1..n-1. */
static double edges_end_to_end(const char *path, int threads, uint32_t *components)
{
    omp_set_num_threads(threads);
    double t0 = ft_bench_wall();
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "error: cannot read '%s'\n", path);
        exit(1);
    }
    long len = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)len + 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "error: cannot read '%s'\n", path);
        exit(1);
    }
    fclose(f);
    const char *end = buf + len, *p = buf;
    uint32_t n;
    p = read_u32(p, end, &n);
    while (p && p < end && *p != '\n')
        p++; /* the edge count: not needed */
    if (!p) {
        fprintf(stderr, "error: '%s': bad header\n", path);
        exit(1);
    }
    ft_uf uf;
    ft_err err;
    if (ft_uf_init(&uf, n, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        exit(1);
    }
    const char *body = p;
    size_t body_len = (size_t)(end - body);
    int bad = 0;
#pragma omp parallel reduction(| : bad)
    {
        int nt = omp_get_num_threads(), id = omp_get_thread_num();
        const char *s = body + body_len * (size_t)id / (size_t)nt;
        const char *e = body + body_len * (size_t)(id + 1) / (size_t)nt;
        /* a slice starts after the first newline at or after its cut and ends at the first
         * newline at or after the next cut */
        if (id > 0)
            while (s < end && s[-1] != '\n')
                s++;
        while (e < end && e > body && e[-1] != '\n')
            e++;
        const char *q = skip_space(s, e);
        while (q < e) {
            uint32_t a, b;
            q = read_u32(q, e, &a);
            if (q)
                q = read_u32(skip_space(q, e), e, &b);
            if (!q || a >= n || b >= n) {
                bad = 1;
                break;
            }
            ft_uf_union(&uf, a, b);
            q = skip_space(q, e);
        }
    }
    if (bad) {
        fprintf(stderr, "error: '%s': bad edge line\n", path);
        exit(1);
    }
    ft_uf_flatten(&uf);
    double t = ft_bench_wall() - t0;
    uint32_t comps = 0;
    for (uint32_t x = 1; x < n; x++)
        comps += uf.parent[x] == x;
    *components = comps;
    ft_uf_release(&uf);
    free(buf);
    return t;
}

/* ---- the clustering-only load and the snapshot ----------------------------------------------- */

static int same_u32(const uint32_t *a, const uint32_t *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

/* ft_graph_load_utxo_links with threads threads; checked against the full graph. */
static double links_load(ft_store *st, const ft_graph *full, int threads, ft_graph *out)
{
    ft_err err;
    omp_set_num_threads(threads);
    double t0 = ft_bench_wall();
    if (ft_graph_load_utxo_links(out, st, FT_CHAIN_BTC, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        exit(1);
    }
    double t = ft_bench_wall() - t0;
    int same = out->n_tx == full->n_tx && out->n_in == full->n_in && out->n_out == full->n_out &&
               out->n_addr == full->n_addr &&
               same_u32(out->in_off, full->in_off, (size_t)full->n_tx + 1) &&
               same_u32(out->out_off, full->out_off, (size_t)full->n_tx + 1) &&
               same_u32(out->in_out, full->in_out, full->n_in) &&
               same_u32(out->out_addr, full->out_addr, full->n_out) &&
               (full->n_tx == 0 || memcmp(out->tx_flags, full->tx_flags, full->n_tx) == 0);
    if (!same) {
        fprintf(stderr, "error: the clustering-only load differs from the full graph load\n");
        exit(1);
    }
    return t;
}

static void bench_links(ft_store *st, const ft_graph *full, int runs, uint32_t comps)
{
    static double tl[2][MAX_RUNS], tc[MAX_RUNS], tf[MAX_RUNS];
    ft_cluster_opts o;
    parse_list("multi-input", 0, &o);
    for (int r = 0; r < runs; r++) {
        /* the full load again, warm like the others (the first one above read cold files) */
        ft_graph f;
        ft_err err;
        omp_set_num_threads(2);
        double t0 = ft_bench_wall();
        if (ft_graph_load_utxo(&f, st, FT_CHAIN_BTC, &err) != FT_OK) {
            fprintf(stderr, "error: %s\n", err.msg);
            exit(1);
        }
        tf[r] = ft_bench_wall() - t0;
        ft_graph_release(&f);
        for (int k = 0; k < 2; k++) {
            ft_graph g;
            tl[k][r] = links_load(st, full, k + 1, &g);
            if (k == 1) {
                double ph[N_PHASES];
                uint32_t c = 0;
                tc[r] = run_once(&g, &o, 2, ph, &c);
                if (c != comps) {
                    fprintf(stderr, "error: %u clusters from the clustering-only load, %u from "
                                    "the full load\n", c, comps);
                    exit(1);
                }
            }
            ft_graph_release(&g);
        }
    }
    double e2e[MAX_RUNS];
    for (int r = 0; r < runs; r++)
        e2e[r] = tl[1][r] + tc[r];
    printf("full graph load (warm) median %.3f s; clustering-only load threads 1  median %.3f "
           "s; threads 2  median %.3f s (identical arrays); %.2fx faster at 2 threads\n",
           median(tf, runs), median(tl[0], runs), median(tl[1], runs),
           median(tf, runs) / median(tl[1], runs));
    printf("end to end from the index, clustering-only load (load + multi-input, 2 threads): "
           "median %.3f s\n", median(e2e, runs));
}

static void bench_snapshot(const char *path, int runs, uint32_t comps)
{
    static double to[MAX_RUNS], tc[MAX_RUNS], e2e[MAX_RUNS];
    ft_cluster_opts o;
    parse_list("multi-input", 0, &o);
    omp_set_num_threads(2);
    for (int r = 0; r < runs; r++) {
        ft_err err;
        ft_snapshot s;
        ft_graph g;
        double t0 = ft_bench_wall();
        if (ft_snapshot_open(&s, path, &err) != FT_OK || ft_snapshot_graph(&s, &g, &err) != FT_OK) {
            fprintf(stderr, "error: %s\n", err.msg);
            exit(1);
        }
        to[r] = ft_bench_wall() - t0;
        double ph[N_PHASES];
        uint32_t c = 0;
        tc[r] = run_once(&g, &o, 2, ph, &c);
        e2e[r] = ft_bench_wall() - t0;
        if (c != comps) {
            fprintf(stderr, "error: %u clusters from the snapshot, %u from the index\n", c,
                    comps);
            exit(1);
        }
        ft_graph_release(&g);
        ft_snapshot_close(&s);
    }
    printf("snapshot '%s': open + graph (checksums, invariants) median %.3f s; multi-input "
           "median %.3f s (2 threads)\n", path, median(to, runs), median(tc, runs));
    printf("end to end from the snapshot (open + graph + multi-input, 2 threads): median %.3f "
           "s\n", median(e2e, runs));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_cluster DB [--runs N] [--edges FILE] [--snapshot FILE]\n");
        return 129;
    }
    int runs = 5;
    const char *edges = NULL, *snapshot = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--edges") == 0)
            edges = argv[i + 1];
        else if (strcmp(argv[i], "--snapshot") == 0)
            snapshot = argv[i + 1];
    }
    if (runs < 1 || runs > MAX_RUNS)
        runs = 5;
    /* the allocator settings of the CLI (cli/main.c): freed memory stays in the process */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    ft_log_set(on_log, NULL);
    ft_err err;
    ft_store *st;
    if (ft_store_open(&st, argv[1], FT_STORE_READ, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    ft_graph g;
    double t0 = ft_bench_wall();
    if (ft_graph_load_utxo(&g, st, FT_CHAIN_BTC, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    double t_load = ft_bench_wall() - t0;
    printf("graph: %u txs, %u inputs, %u outputs, %u addresses; loaded in %.3f s (%.1f MB)\n",
           g.n_tx, g.n_in, g.n_out, g.n_addr, t_load, ft_graph_bytes(&g) / 1e6);
    uint32_t comps = 0, c2 = 0;
    double m2 = bench(&g, "multi-input", 0, runs, &comps);
    unsigned long long peak_mi = last_peak;
    last_peak = 0;
    (void)bench(&g, "coinjoin,multi-input", 0, runs, &c2);
    unsigned long long peak_def = last_peak;
    last_peak = 0;
    (void)bench(&g, "coinjoin,multi-input", 1, runs, &c2);
    unsigned long long peak_guard = last_peak;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak resident %.1f MB = %.1f bytes per address (graph included)\n",
           ru.ru_maxrss / 1024.0, ru.ru_maxrss * 1024.0 / g.n_addr);
    printf("clustering's own peak (allocations accounted by the driver): multi-input %.2f MB = "
           "%.2f bytes per address; coinjoin,multi-input %.2f MB = %.2f; with the guard %.2f MB "
           "= %.2f\n",
           peak_mi / 1e6, (double)peak_mi / g.n_addr, peak_def / 1e6, (double)peak_def / g.n_addr,
           peak_guard / 1e6, (double)peak_guard / g.n_addr);
    printf("end to end (load + multi-input, 2 threads): %.3f s\n", t_load + m2);
    bench_links(st, &g, runs, comps);
    ft_store_close(st);
    if (snapshot)
        bench_snapshot(snapshot, runs, comps);
    if (edges) {
        write_edges(&g, edges);
        printf("edges: written to '%s'; components (addresses 1..n-1): %u\n", edges, comps);
        double te[2][MAX_RUNS];
        for (int r = 0; r < runs; r++)
            for (int k = 0; k < 2; k++) {
                uint32_t ce = 0;
                te[k][r] = edges_end_to_end(edges, k + 1, &ce);
                if (ce != comps) {
                    fprintf(stderr, "error: edge file gives %u components, the graph %u\n", ce,
                            comps);
                    return 1;
                }
            }
        for (int k = 0; k < 2; k++)
            printf("edge file -> cluster ids threads %d  median %.3f s\n", k + 1,
                   median(te[k], runs));
    }
    ft_graph_release(&g);
    return 0;
}
