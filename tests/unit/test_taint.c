/*
 * test_taint.c — the taint models (heuristics/taint.c) on hand-worked cases, the haircut
 * rounding rule's edge cases (docs/methodology.md: cumulative floor, remainder carried, 128-bit
 * products), FIFO tapes, and engine/trace.c on a small hand-built graph whose figures were
 * worked out by hand for each model, with hop limit, value threshold and 1 vs 2 threads.
 */
#include <omp.h>

#include "engine/labels.h"
#include "engine/trace.h"
#include "ft_test.h"
#include "graph_builder.h"
#include "heuristics/taint.h"

#include "engine/banned.h"

static void test_model_table(void)
{
    CHECK(ft_taint_model_parse("poison") == FT_TAINT_POISON);
    CHECK(ft_taint_model_parse("haircut") == FT_TAINT_HAIRCUT);
    CHECK(ft_taint_model_parse("fifo") == FT_TAINT_FIFO);
    CHECK(ft_taint_model_parse("lifo") == FT_TAINT_LIFO);
    CHECK(ft_taint_model_parse("tiho") == FT_TAINT_TIHO);
    CHECK(ft_taint_model_parse("Haircut") == -1);
    CHECK(ft_taint_model_parse("") == -1);
    CHECK(!ft_taint_model_get(FT_TAINT_POISON)->conserving);
    CHECK(ft_taint_model_get(FT_TAINT_HAIRCUT)->conserving);
    CHECK(ft_taint_model_get(FT_TAINT_FIFO)->implemented);
    CHECK(!ft_taint_model_get(FT_TAINT_LIFO)->implemented);
    CHECK(ft_taint_model_get(FT_TAINT_MODELS) == NULL);
}

static void test_haircut_methodology_example(void)
{
    /* docs/methodology.md: T 100,000 of V 450,000, outputs 200,000 100,001 149,000, fee 999 */
    uint64_t w[3] = {200000, 100001, 149000}, t[3], fee;
    CHECK(ft_taint_haircut(100000, 450000, w, 3, t, &fee) == FT_OK);
    CHECK_EQ_U64(t[0], 44444);
    CHECK_EQ_U64(t[1], 22222);
    CHECK_EQ_U64(t[2], 33112);
    CHECK_EQ_U64(fee, 222);
}

static void test_haircut_rounding_edges(void)
{
    uint64_t w[3] = {1, 1, 1}, t[3], fee;
    /* 1/3 each: the whole unit lands on the last part that completes it */
    CHECK(ft_taint_haircut(1, 3, w, 3, t, &fee) == FT_OK);
    CHECK(t[0] == 0 && t[1] == 0 && t[2] == 1 && fee == 0);
    CHECK(ft_taint_haircut(2, 3, w, 3, t, &fee) == FT_OK);
    CHECK(t[0] == 0 && t[1] == 1 && t[2] == 1 && fee == 0);
    /* remainder carried to the fee */
    uint64_t w2[2] = {1, 1};
    CHECK(ft_taint_haircut(1, 3, w2, 2, t, &fee) == FT_OK);
    CHECK(t[0] == 0 && t[1] == 0 && fee == 1);
    /* nothing tainted, fully tainted */
    CHECK(ft_taint_haircut(0, 3, w, 3, t, &fee) == FT_OK);
    CHECK(t[0] == 0 && t[1] == 0 && t[2] == 0 && fee == 0);
    uint64_t w3[2] = {7, 2};
    CHECK(ft_taint_haircut(10, 10, w3, 2, t, &fee) == FT_OK);
    CHECK(t[0] == 7 && t[1] == 2 && fee == 1);
    /* no outputs: all to the fee */
    CHECK(ft_taint_haircut(5, 9, NULL, 0, t, &fee) == FT_OK);
    CHECK_EQ_U64(fee, 5);
    /* products beyond 64 bits: 21e14 sat, T = V - 1 */
    uint64_t V = 2100000000000000ull, big[2] = {V / 2, V / 2 - 1};
    CHECK(ft_taint_haircut(V - 1, V, big, 2, t, &fee) == FT_OK);
    CHECK_EQ_U64(t[0], V / 2 - 1);
    CHECK_EQ_U64(t[1], V / 2 - 1);
    CHECK_EQ_U64(fee, 1);
    /* bad arguments */
    CHECK(ft_taint_haircut(4, 3, w, 3, t, &fee) == FT_ERR_ARG);
    CHECK(ft_taint_haircut(1, 2, w, 3, t, &fee) == FT_ERR_ARG);
}

static void test_poison(void)
{
    uint64_t w[2] = {5, 6}, t[2], fee;
    ft_taint_poison(1, w, 2, 3, t, &fee);
    CHECK(t[0] == 5 && t[1] == 6 && fee == 3);
    ft_taint_poison(0, w, 2, 3, t, &fee);
    CHECK(t[0] == 0 && t[1] == 0 && fee == 0);
}

static void test_fifo_diagram(void)
{
    /* taint.h: |clean 3|taint 2| |clean 5| → o1 = 4, o2 = 5, fee 1 */
    ft_taint_seg in[3] = {{3, 0}, {2, 1}, {5, 0}}, out[8];
    uint64_t w[2] = {4, 5}, t[2], fee;
    size_t off[4];
    CHECK(ft_taint_fifo(in, 3, w, 2, out, 8, off, t, &fee) == FT_OK);
    CHECK(t[0] == 1 && t[1] == 1 && fee == 0);
    CHECK(off[0] == 0 && off[1] == 2 && off[2] == 4 && off[3] == 5);
    CHECK(out[0].len == 3 && !out[0].tainted && out[1].len == 1 && out[1].tainted);
    CHECK(out[2].len == 1 && out[2].tainted && out[3].len == 4 && !out[3].tainted);
    CHECK(out[4].len == 1 && !out[4].tainted);
}

static void test_fifo_edges(void)
{
    ft_taint_seg out[8];
    uint64_t t[2], fee;
    size_t off[4];
    /* neighbouring tainted segments of two inputs merge into one */
    ft_taint_seg in[2] = {{3, 1}, {2, 1}};
    uint64_t w[1] = {5};
    CHECK(ft_taint_fifo(in, 2, w, 1, out, 8, off, t, &fee) == FT_OK);
    CHECK(t[0] == 5 && fee == 0 && off[1] == 1 && out[0].len == 5 && off[2] == 1);
    /* the fee takes tainted tail */
    ft_taint_seg in2[1] = {{10, 1}};
    uint64_t w2[1] = {6};
    CHECK(ft_taint_fifo(in2, 1, w2, 1, out, 8, off, t, &fee) == FT_OK);
    CHECK(t[0] == 6 && fee == 4);
    /* outputs beyond the tape, capacity too small */
    uint64_t w3[1] = {11};
    CHECK(ft_taint_fifo(in2, 1, w3, 1, out, 8, off, t, &fee) == FT_ERR_ARG);
    ft_taint_seg in4[3] = {{1, 0}, {1, 1}, {1, 0}};
    uint64_t w4[1] = {3};
    CHECK(ft_taint_fifo(in4, 3, w4, 1, out, 2, off, t, &fee) == FT_ERR_ARG);
    /* a zero-value output takes nothing */
    uint64_t w5[2] = {0, 10};
    CHECK(ft_taint_fifo(in2, 1, w5, 2, out, 8, off, t, &fee) == FT_OK);
    CHECK(t[0] == 0 && t[1] == 10 && fee == 0 && off[0] == off[1]);
}

/* The graph worked by hand (addresses: 1 thief, 2 clean, 3/5/6 plain, 4 exchange):
 *   tx0 coinbase 100 → a1 (out 0, the seed)      tx1 coinbase 50 → a2 (out 1)
 *   tx2 out0 + out1 → 60 a3 (out 2), 80 a4 (out 3), fee 10
 *   tx3 out2 → 30 a5 (out 4), 25 a6 (out 5), fee 5
 * haircut: tx2 40 / 53 / fee 7; tx3 (T 40 of 60) 20 / 16 / fee 4
 * fifo:    tx2 60 / 40 / fee 0; tx3 30 / 25 / fee 5
 * poison:  tx2 60 / 80 / fee 10; tx3 30 / 25 / fee 5 */
static void build(ft_graph *g)
{
    gb_init(g, 8);
    uint32_t o0 = gb_coin(g, 100, 1, 0);
    uint32_t o1 = gb_coin(g, 50, 2, 0);
    uint32_t in2[2] = {o0, o1};
    gb_out out2[2] = {{60, 3, 0}, {80, 4, 0}};
    gb_tx(g, in2, 2, out2, 2);
    uint32_t in3[1] = {2};
    gb_out out3[2] = {{30, 5, 0}, {25, 6, 0}};
    gb_tx(g, in3, 1, out3, 2);
    for (uint32_t t = 0; t < g->n_tx; t++)
        g->tx_time[t] = 1700000000 + 600 * (int64_t)t;
}

static ft_status trace_seeds(ft_graph *g, ft_trace_result *res, uint32_t max_hops,
                             uint64_t min_value, const ft_trace_seed *seeds, size_t n_seeds)
{
    uint8_t cat[8];
    uint32_t ent[8];
    memset(cat, FT_CAT_NONE, sizeof cat);
    for (int a = 0; a < 8; a++)
        ent[a] = UINT32_MAX;
    cat[4] = FT_CAT_EXCHANGE;
    ent[4] = 0;
    const char *names[1] = {"inc"};
    ft_trace_opts o = {.models = 7u, .max_hops = max_hops, .min_value = min_value};
    ft_err err;
    ft_err_clear(&err);
    return ft_trace_run(res, g, cat, ent, seeds, n_seeds, names, 1, &o, &err);
}

static ft_status trace(ft_graph *g, ft_trace_result *res, uint32_t max_hops, uint64_t min_value)
{
    /* a repeated seed counts once, and the whole output wins over a part of it */
    ft_trace_seed seeds[3] = {{0, 0, 0, 30}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    return trace_seeds(g, res, max_hops, min_value, seeds, 3);
}

#define SUM(res, m) (&(res).summary[m])

static void test_trace_graph(void)
{
    ft_graph g;
    build(&g);
    ft_trace_result r;
    CHECK(trace(&g, &r, FT_TRACE_NO_HOP_LIMIT, 0) == FT_OK);
    const ft_trace_summary *h = SUM(r, FT_TAINT_HAIRCUT), *f = SUM(r, FT_TAINT_FIFO),
                           *p = SUM(r, FT_TAINT_POISON);
    CHECK_EQ_U64(h->stolen, 100);
    CHECK_EQ_U64(h->to_exchange, 53);
    CHECK_EQ_U64(h->fees, 11);
    CHECK_EQ_U64(h->unspent, 36);
    CHECK_EQ_U64(f->to_exchange, 40);
    CHECK_EQ_U64(f->fees, 5);
    CHECK_EQ_U64(f->unspent, 55);
    CHECK_EQ_U64(p->stolen, 100);
    CHECK_EQ_U64(p->to_exchange, 80);
    CHECK_EQ_U64(p->fees, 15);
    CHECK_EQ_U64(p->unspent, 55);
    CHECK_EQ_U64(r.n_flows, 3);
    for (size_t i = 0; i < r.n_flows; i++) {
        CHECK_EQ_U64(r.flows[i].addr, 4);
        CHECK_EQ_U64(r.flows[i].hops, 1);
        CHECK_EQ_U64(r.flows[i].tx_count, 1);
        CHECK(r.flows[i].first_time == 1700001200 && r.flows[i].last_time == 1700001200);
        CHECK_EQ_U64(r.flows[i].amount, r.flows[i].model == FT_TAINT_POISON    ? 80
                                        : r.flows[i].model == FT_TAINT_HAIRCUT ? 53
                                                                                : 40);
    }
    CHECK_EQ_U64(r.tx_visited, 6); /* tx2 and tx3, three models */
    ft_trace_result_release(&r);

    /* hop limit 1: out 2 (hop 1, not terminal) stops */
    CHECK(trace(&g, &r, 1, 0) == FT_OK);
    CHECK_EQ_U64(SUM(r, FT_TAINT_HAIRCUT)->hop_limit, 40);
    CHECK_EQ_U64(SUM(r, FT_TAINT_HAIRCUT)->fees, 7);
    CHECK_EQ_U64(SUM(r, FT_TAINT_FIFO)->hop_limit, 60);
    CHECK_EQ_U64(SUM(r, FT_TAINT_HAIRCUT)->unspent, 0);
    ft_trace_result_release(&r);
    /* hop limit 0: the seed itself */
    CHECK(trace(&g, &r, 0, 0) == FT_OK);
    CHECK_EQ_U64(SUM(r, FT_TAINT_FIFO)->hop_limit, 100);
    ft_trace_result_release(&r);

    /* threshold 45: haircut's 40 on out 2 stops, fifo's 60 goes on; the terminal comes first */
    CHECK(trace(&g, &r, FT_TRACE_NO_HOP_LIMIT, 45) == FT_OK);
    CHECK_EQ_U64(SUM(r, FT_TAINT_HAIRCUT)->below_threshold, 40);
    CHECK_EQ_U64(SUM(r, FT_TAINT_HAIRCUT)->to_exchange, 53);
    CHECK_EQ_U64(SUM(r, FT_TAINT_FIFO)->below_threshold, 25 + 30);
    CHECK_EQ_U64(SUM(r, FT_TAINT_FIFO)->to_exchange, 40);
    ft_trace_result_release(&r);

    /* a partial seed (an address seed capped at the incident's amount): 30 of out 0's 100;
     * fifo tape [T30][C70][C50]: o1 takes T30 C30, o2 clean; tx3 [T30][C30]: o1 T30
     * haircut T 30 of 150: 12 / 16 / fee 2; tx3 T 12 of 60: 6 / 5 / fee 1 */
    ft_trace_seed part[1] = {{0, 0, 0, 30}};
    CHECK(trace_seeds(&g, &r, FT_TRACE_NO_HOP_LIMIT, 0, part, 1) == FT_OK);
    CHECK_EQ_U64(SUM(r, FT_TAINT_FIFO)->stolen, 30);
    CHECK_EQ_U64(SUM(r, FT_TAINT_FIFO)->to_exchange, 0);
    CHECK_EQ_U64(SUM(r, FT_TAINT_FIFO)->unspent, 30);
    CHECK_EQ_U64(SUM(r, FT_TAINT_FIFO)->fees, 0);
    CHECK_EQ_U64(SUM(r, FT_TAINT_HAIRCUT)->to_exchange, 16);
    CHECK_EQ_U64(SUM(r, FT_TAINT_HAIRCUT)->unspent, 11);
    CHECK_EQ_U64(SUM(r, FT_TAINT_HAIRCUT)->fees, 3);
    CHECK_EQ_U64(SUM(r, FT_TAINT_POISON)->to_exchange, 80);
    CHECK_EQ_U64(r.n_flows, 2); /* poison and haircut reach the exchange, fifo does not */
    ft_trace_result_release(&r);

    /* 1 vs 2 threads: identical results */
    ft_trace_result a, b;
    omp_set_num_threads(1);
    CHECK(trace(&g, &a, FT_TRACE_NO_HOP_LIMIT, 0) == FT_OK);
    omp_set_num_threads(2);
    CHECK(trace(&g, &b, FT_TRACE_NO_HOP_LIMIT, 0) == FT_OK);
    CHECK(a.n_flows == b.n_flows);
    CHECK(memcmp(a.summary, b.summary, FT_TAINT_MODELS * sizeof *a.summary) == 0);
    CHECK(memcmp(a.flows, b.flows, a.n_flows * sizeof *a.flows) == 0);
    ft_trace_result_release(&a);
    ft_trace_result_release(&b);

    /* a reserved model is refused */
    ft_trace_opts o = {.models = 1u << FT_TAINT_LIFO, .max_hops = FT_TRACE_NO_HOP_LIMIT};
    uint8_t cat[8];
    memset(cat, FT_CAT_NONE, sizeof cat);
    ft_err err;
    CHECK(ft_trace_run(&r, &g, cat, NULL, NULL, 0, NULL, 0, &o, &err) == FT_ERR_ARG);
    ft_trace_result_release(&r);
    ft_graph_release(&g);
}

FT_TEST_MAIN({"model_table", test_model_table},
             {"haircut_methodology_example", test_haircut_methodology_example},
             {"haircut_rounding_edges", test_haircut_rounding_edges}, {"poison", test_poison},
             {"fifo_diagram", test_fifo_diagram}, {"fifo_edges", test_fifo_edges},
             {"trace_graph", test_trace_graph})
