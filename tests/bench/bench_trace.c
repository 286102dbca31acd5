/*
 * bench_trace.c — taint propagation throughput on an indexed chain against plain
 * reachability over the same graph from the same seeds (use a generated chain of at least
 * 1M txs: fundtrace-gen --txs 1000000 --unsigned, fundtrace index bitcoin, fundtrace
 * incidents import DIR/truth/incidents.csv).
 *
 *     [FT_BENCH_MODELS=mask] bench_trace DB [--runs N] [--edges FILE]
 *
 * Both sides follow every tainted output to its spender with no terminals and no hop limit,
 * so they visit the same transactions: the BFS once per incident (a visited bit per tx,
 * a FIFO queue), the tracer once per (incident, model) with all three models. Prints, for 1
 * and 2 OpenMP threads, min/median/max seconds, (track, tx) visits per second at the median,
 * and the ratio trace time / BFS time (the target: within 3x). Only txid and
 * txid:vout seeds are used (address seeds need the chain's address codec; at most 64
 * outputs of a txid seed).
 *
 * --edges FILE writes the graph both sides walk, for tests/bench/bench_trace_igraph.sh:
 *
 *     n_tx n_edges n_incidents
 *     t s            n_edges lines: output of tx t is spent by tx s (one per spent output)
 *     k s_1 .. s_k   one line per incident: the spenders of its seed outputs (BFS roots)
 *
 * The BFS counts the txs reachable from those roots, roots included, per incident.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/graph.h"
#include "engine/hex.h"
#include "engine/incidents.h"
#include "engine/keys.h"
#include "engine/labels.h"
#include "engine/query.h"
#include "engine/trace.h"

#include "tests/bench/bench_util.h"

#include "engine/banned.h"

/* Plain reachability: txs reachable from the seeds of incident inc. Returns visits. */
static uint64_t bfs(const ft_graph *g, const ft_trace_seed *s, size_t n, uint32_t inc,
                    uint8_t *seen, uint32_t *queue)
{
    size_t head = 0, tail = 0;
    uint64_t visits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].incident != inc)
            continue;
        uint32_t t = g->out_spent_by[s[i].out];
        if (t != FT_GRAPH_NONE && !seen[t]) {
            seen[t] = 1;
            queue[tail++] = t;
        }
    }
    while (head < tail) {
        uint32_t t = queue[head++];
        visits++;
        for (uint32_t o = g->out_off[t]; o < g->out_off[t + 1]; o++) {
            uint32_t x = g->out_spent_by[o];
            if (x != FT_GRAPH_NONE && !seen[x]) {
                seen[x] = 1;
                queue[tail++] = x;
            }
        }
    }
    for (size_t i = 0; i < tail; i++)
        seen[queue[i]] = 0;
    return visits;
}

/* The spend graph and the BFS roots per incident (format in the header comment). */
static int write_edges(const char *path, const ft_graph *g, const ft_trace_seed *s, size_t n,
                       size_t n_inc)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "error: cannot create '%s'\n", path);
        return 1;
    }
    uint64_t m = 0;
    for (uint32_t o = 0; o < g->n_out; o++)
        m += g->out_spent_by[o] != FT_GRAPH_NONE;
    fprintf(f, "%u %llu %zu\n", g->n_tx, (unsigned long long)m, n_inc);
    for (uint32_t t = 0; t < g->n_tx; t++)
        for (uint32_t o = g->out_off[t]; o < g->out_off[t + 1]; o++)
            if (g->out_spent_by[o] != FT_GRAPH_NONE)
                fprintf(f, "%u %u\n", t, g->out_spent_by[o]);
    for (size_t i = 0; i < n_inc; i++) {
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            k += s[j].incident == i && g->out_spent_by[s[j].out] != FT_GRAPH_NONE;
        fprintf(f, "%zu", k);
        for (size_t j = 0; j < n; j++)
            if (s[j].incident == i && g->out_spent_by[s[j].out] != FT_GRAPH_NONE)
                fprintf(f, " %u", g->out_spent_by[s[j].out]);
        fprintf(f, "\n");
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "error: cannot write '%s'\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 5;
    const char *edges = NULL;
    for (int a = 2; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--runs") == 0)
            runs = atoi(argv[a + 1]) > 0 ? atoi(argv[a + 1]) : 5;
        else if (strcmp(argv[a], "--edges") == 0)
            edges = argv[a + 1];
        else
            argc = 0;
    }
    if (argc < 2 || argc % 2 != 0) {
        fprintf(stderr, "usage: bench_trace DB [--runs N] [--edges FILE]\n");
        return 129;
    }
    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    if (ft_store_open(&st, argv[1], FT_STORE_READ, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    ft_graph g;
    double t0 = ft_bench_wall();
    if (ft_graph_load_utxo(&g, st, FT_CHAIN_BTC, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        ft_store_close(st);
        return 1;
    }
    double t_load = ft_bench_wall() - t0;
    ft_incident_set set;
    memset(&set, 0, sizeof set);
    if (ft_incidents_scan(st, FT_CHAIN_BTC, &set, &err) != FT_OK || set.n == 0) {
        fprintf(stderr, "error: no incidents in the index %s\n", err.msg);
        ft_store_close(st);
        return 1;
    }
    ft_trace_seed *seeds = calloc(set.n * 64 + 1, sizeof *seeds);
    const char **names = calloc(set.n, sizeof *names);
    size_t n_seeds = 0, n_inc = 0;
    for (size_t i = 0; i < set.n && seeds && names; i++) {
        if (n_inc == 0 || strcmp(names[n_inc - 1], set.v[i].incident) != 0)
            names[n_inc++] = set.v[i].incident;
        uint32_t vout = 0;
        int kind = ft_incidents_seed_kind(set.v[i].seed, &vout);
        uint8_t txid[32];
        uint64_t tx;
        if (kind == 0 || !ft_hex_decode_rev(txid, 32, set.v[i].seed, 64) ||
            ft_query_tx_id(st, FT_CHAIN_BTC, txid, &tx, &err) != FT_OK || tx >= g.n_tx)
            continue;
        uint32_t t = (uint32_t)tx, k0 = kind == 2 ? vout : 0,
                 k1 = kind == 2 ? vout + 1 : ft_graph_n_out(&g, t);
        for (uint32_t k = k0; k < k1 && k < ft_graph_n_out(&g, t) && k - k0 < 64; k++) {
            seeds[n_seeds].incident = (uint32_t)(n_inc - 1);
            seeds[n_seeds].tx = t;
            seeds[n_seeds].out = g.out_off[t] + k;
            seeds[n_seeds].amount = 0;
            n_seeds++;
        }
    }
    uint8_t *cat = malloc(g.n_addr ? g.n_addr : 1);
    if (!seeds || !names || !cat) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    memset(cat, FT_CAT_NONE, g.n_addr ? g.n_addr : 1);
    printf("graph: %u txs, %u outputs, %u addresses, loaded in %.3f s; %zu incidents, %zu seed "
           "outputs\n",
           g.n_tx, g.n_out, g.n_addr, t_load, n_inc, n_seeds);
    if (edges && write_edges(edges, &g, seeds, n_seeds, n_inc) != 0)
        return 1;
    /* FT_BENCH_MODELS: a bit mask of the models to run (default 7: all three) */
    unsigned models = 7u;
    if (getenv("FT_BENCH_MODELS") && atoi(getenv("FT_BENCH_MODELS")) > 0)
        models = (unsigned)atoi(getenv("FT_BENCH_MODELS")) & 7u;
    double *tb = calloc((size_t)runs, sizeof *tb), *tt = calloc((size_t)runs, sizeof *tt);
    double *cb = calloc((size_t)runs, sizeof *cb), *ct = calloc((size_t)runs, sizeof *ct);
    for (int threads = 1; threads <= 2; threads++) {
        omp_set_num_threads(threads);
        uint64_t bfs_visits = 0, trace_visits = 0;
        for (int r = 0; r < runs; r++) {
            double a = ft_bench_wall(), ca = ft_bench_cpu();
            uint64_t v = 0;
#pragma omp parallel
            {
                uint8_t *sn = calloc(g.n_tx ? g.n_tx : 1, 1);
                uint32_t *q = malloc((g.n_tx ? g.n_tx : 1) * sizeof *q);
#pragma omp for schedule(dynamic, 1) reduction(+ : v)
                for (size_t i = 0; i < n_inc; i++)
                    if (sn && q)
                        v += bfs(&g, seeds, n_seeds, (uint32_t)i, sn, q);
                free(sn);
                free(q);
            }
            tb[r] = ft_bench_wall() - a;
            cb[r] = ft_bench_cpu() - ca;
            bfs_visits = v;
            ft_trace_result res;
            ft_trace_opts o = {.models = models, .max_hops = FT_TRACE_NO_HOP_LIMIT};
            a = ft_bench_wall();
            ca = ft_bench_cpu();
            if (ft_trace_run(&res, &g, cat, NULL, seeds, n_seeds, names, n_inc, &o, &err) !=
                FT_OK) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            tt[r] = ft_bench_wall() - a;
            ct[r] = ft_bench_cpu() - ca;
            trace_visits = res.tx_visited;
            ft_trace_result_release(&res);
        }
        qsort(tb, (size_t)runs, sizeof *tb, ft_bench_cmp_double);
        qsort(tt, (size_t)runs, sizeof *tt, ft_bench_cmp_double);
        qsort(cb, (size_t)runs, sizeof *cb, ft_bench_cmp_double);
        qsort(ct, (size_t)runs, sizeof *ct, ft_bench_cmp_double);
        double mb = tb[runs / 2], mt = tt[runs / 2];
        printf("threads %d: bfs   min %.4f median %.4f max %.4f s, %llu tx visits, %.0f visits/s\n",
               threads, tb[0], mb, tb[runs - 1], (unsigned long long)bfs_visits,
               mb > 0 ? (double)bfs_visits / mb : 0.0);
        printf("threads %d: trace min %.4f median %.4f max %.4f s, %llu (track, tx) visits "
               "(3 models), %.0f visits/s; trace/bfs time %.2fx\n",
               threads, tt[0], mt, tt[runs - 1], (unsigned long long)trace_visits,
               mt > 0 ? (double)trace_visits / mt : 0.0, mb > 0 ? mt / mb : 0.0);
        printf("threads %d: cpu (user+sys, all threads) median bfs %.4f s, trace %.4f s; "
               "trace/bfs cpu %.2fx\n",
               threads, cb[runs / 2], ct[runs / 2], cb[runs / 2] > 0 ? ct[runs / 2] / cb[runs / 2] : 0.0);
    }
    free(tb);
    free(tt);
    free(cb);
    free(ct);
    free(cat);
    free(seeds);
    free(names);
    ft_incident_set_release(&set);
    ft_graph_release(&g);
    ft_store_close(st);
    return 0;
}
