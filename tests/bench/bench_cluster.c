/*
 * bench_cluster.c — clustering throughput on an indexed chain (use a generated chain of at
 * least 1M txs: fundtrace-gen --txs 1000000 --unsigned, then fundtrace index bitcoin).
 *
 *     bench_cluster DB [--runs N] [--edges FILE]
 *
 * Prints, for 1 and 2 OpenMP threads, min/median/max seconds of heuristics/cluster over the
 * loaded graph for `multi-input` alone (the plain input-address graph, comparable with
 * igraph) and for the default UTXO set `coinjoin,multi-input`, with inputs per second at the
 * median and the 1 -> 2 thread speed-up; the graph load time; the peak resident memory and
 * the clustering's own bytes per address. --edges writes the input-address graph (the links
 * `multi-input` emits, "a b" per line after a first line "n_vertices n_edges") for
 * tests/bench/bench_cluster_igraph.sh, and the number of connected components it has.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine/graph.h"
#include "engine/keys.h"
#include "heuristics/cluster.h"

#include "engine/banned.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

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
    fprintf(e->f, "%u %u\n", a, b);
    e->n++;
}

static double bench(const ft_graph *g, const char *list, int threads, int runs, double *med_out,
                    uint32_t *components)
{
    ft_cluster_opts o;
    memset(&o, 0, sizeof o);
    ft_err err;
    if (ft_registry_parse(list, &o.mask, &err) != FT_OK) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    o.guard = 0;
    omp_set_num_threads(threads);
    double t[64];
    for (int r = 0; r < runs; r++) {
        ft_cluster_result res;
        double t0 = now();
        if (ft_cluster_run(g, NULL, &o, &res, &err) != FT_OK) {
            fprintf(stderr, "%s\n", err.msg);
            exit(1);
        }
        t[r] = now() - t0;
        uint32_t comps = 0;
        for (uint32_t x = 1; x < res.n_addr; x++)
            comps += res.cluster[x] == x;
        *components = comps;
        ft_cluster_result_release(&res);
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_d);
    double med = t[runs / 2];
    printf("%-22s threads %d  min %.3f  median %.3f  max %.3f s  %.1f M inputs/s  %u clusters\n",
           list, threads, t[0], med, t[runs - 1], g->n_in / med / 1e6, *components);
    *med_out = med;
    return med;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_cluster DB [--runs N] [--edges FILE]\n");
        return 129;
    }
    int runs = 5;
    const char *edges = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--edges") == 0)
            edges = argv[i + 1];
    }
    if (runs < 1 || runs > 64)
        runs = 5;
    ft_err err;
    ft_store *st;
    if (ft_store_open(&st, argv[1], FT_STORE_READ, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    ft_graph g;
    double t0 = now();
    if (ft_graph_load_utxo(&g, st, FT_CHAIN_BTC, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    double t_load = now() - t0;
    ft_store_close(st);
    printf("graph: %u txs, %u inputs, %u outputs, %u addresses; loaded in %.3f s (%.1f MB)\n",
           g.n_tx, g.n_in, g.n_out, g.n_addr, t_load, ft_graph_bytes(&g) / 1e6);
    double m1, m2, d1, d2;
    uint32_t comps = 0, c2 = 0;
    bench(&g, "multi-input", 1, runs, &m1, &comps);
    bench(&g, "multi-input", 2, runs, &m2, &c2);
    printf("speed-up multi-input 1 -> 2 threads: %.2fx\n", m1 / m2);
    bench(&g, "coinjoin,multi-input", 1, runs, &d1, &c2);
    bench(&g, "coinjoin,multi-input", 2, runs, &d2, &c2);
    printf("speed-up coinjoin,multi-input 1 -> 2 threads: %.2fx\n", d1 / d2);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak resident %.1f MB = %.1f bytes per address (graph included); clustering alone "
           "%d bytes per address (union-find 4, sizes 4)\n",
           ru.ru_maxrss / 1024.0, ru.ru_maxrss * 1024.0 / g.n_addr, 8);
    printf("end to end (load + multi-input, 2 threads): %.3f s\n", t_load + m2);
    if (edges) {
        FILE *f = fopen(edges, "w");
        if (!f) {
            fprintf(stderr, "error: cannot create '%s'\n", edges);
            return 1;
        }
        ft_cluster_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.g = &g;
        /* count first so the header is right: links are deterministic */
        edge_out e = {NULL, 0};
        FILE *devnull = fopen("/dev/null", "w");
        e.f = devnull;
        for (uint32_t t = 0; t < g.n_tx; t++)
            ft_multi_input_links(&ctx, t, write_edge, &e);
        fclose(devnull);
        fprintf(f, "%u %llu\n", g.n_addr, (unsigned long long)e.n);
        e.f = f;
        e.n = 0;
        for (uint32_t t = 0; t < g.n_tx; t++)
            ft_multi_input_links(&ctx, t, write_edge, &e);
        fclose(f);
        printf("edges: %llu written to '%s'; components (addresses 1..n-1): %u\n",
               (unsigned long long)e.n, edges, comps);
    }
    ft_graph_release(&g);
    return 0;
}
