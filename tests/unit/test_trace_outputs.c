/*
 * test_trace_outputs.c — the optional outputs of engine/trace.c on a hand-built graph whose
 * figures were worked out by hand: per-address exposure (every address that received taint,
 * seeds and terminals included, sorted by address, incident, model), evidence paths (the
 * largest-share input per output: haircut/poison by most taint, fifo by most tainted units in
 * the output's stretch of the tape, which here differs from haircut's choice), and USD per
 * flow from a prices directory (exact products summed, rounded half up once: a case where
 * rounding each delivery gives a different figure), unknown when a delivery's day has no
 * price; 1 vs 2 threads identical.
 *
 * The graph (values in base units; A = address id; exchange = address 4):
 *     tx0 coinbase  out0 100 A1 (incident 0 seed)
 *     tx1 coinbase  out1  50 A5 (clean)
 *     tx2 coinbase  out2  40 A1 (incident 0 seed, incident 1's only seed)
 *     tx3 in [out0, out1]  out3 120 A2, out4 25 A3, fee 5
 *     tx4 in [out3, out2]  out5 150 A4, out6 8 A6, fee 2
 *     tx5 in [out6]        out7   7 A4, fee 1          (next UTC day)
 * Incident 0, fifo: tx3 tape [T100 C50]: out3 T100 C20, out4 clean; tx4 tape [T100 C20 T40]:
 * out5 T130 (most from out3), out6 T8 (all from out2), fee T2; tx5 out7 T7, fee T1.
 * Incident 0, haircut: tx3 80 / 16 / 4; tx4 T120 of 160: 112 / 6 / 2; tx5 6 of 8: 5 / 1.
 */
#include <omp.h>
#include <stdio.h>
#include <unistd.h>

#include "engine/labels.h"
#include "engine/prices.h"
#include "engine/trace.h"
#include "ft_test.h"
#include "graph_builder.h"
#include "heuristics/taint.h"

#include "engine/banned.h"

#define P FT_TAINT_POISON
#define H FT_TAINT_HAIRCUT
#define F FT_TAINT_FIFO

static void build(ft_graph *g)
{
    gb_init(g, 8);
    gb_coin(g, 100, 1, 0);
    gb_coin(g, 50, 5, 0);
    gb_coin(g, 40, 1, 0);
    uint32_t in3[2] = {0, 1};
    gb_out o3[2] = {{120, 2, 0}, {25, 3, 0}};
    gb_tx(g, in3, 2, o3, 2);
    uint32_t in4[2] = {3, 2};
    gb_out o4[2] = {{150, 4, 0}, {8, 6, 0}};
    gb_tx(g, in4, 2, o4, 2);
    uint32_t in5[1] = {6};
    gb_out o5[1] = {{7, 4, 0}};
    gb_tx(g, in5, 1, o5, 1);
    for (uint32_t t = 0; t < 5; t++)
        g->tx_time[t] = 1700000000 + 600 * (int64_t)t; /* 2023-11-14 */
    g->tx_time[5] = 1700006400 + 100;                  /* 2023-11-15 */
}

static ft_status run(const ft_graph *g, ft_trace_result *r, const ft_trace_opts *base)
{
    uint8_t cat[8];
    uint32_t ent[8];
    memset(cat, FT_CAT_NONE, sizeof cat);
    for (int a = 0; a < 8; a++)
        ent[a] = UINT32_MAX;
    cat[4] = FT_CAT_EXCHANGE;
    ent[4] = 0;
    const char *names[2] = {"inc0", "inc1"};
    ft_trace_seed seeds[3] = {{0, 0, 0, 0}, {0, 2, 2, 0}, {1, 2, 2, 0}};
    ft_trace_opts o = *base;
    o.models = 1u << P | 1u << H | 1u << F;
    o.max_hops = FT_TRACE_NO_HOP_LIMIT;
    ft_err err;
    ft_err_clear(&err);
    ft_status st = ft_trace_run(r, g, cat, ent, seeds, 3, names, 2, &o, &err);
    if (st != FT_OK)
        fprintf(stderr, "trace: %s\n", err.msg);
    return st;
}

static void test_exposure(void)
{
    ft_graph g;
    build(&g);
    ft_trace_result r;
    ft_trace_opts o = {0};
    o.exposure = 1;
    CHECK(run(&g, &r, &o) == FT_OK);
    /* summaries as worked out above */
    CHECK_EQ_U64(r.summary[0 * FT_TAINT_MODELS + F].to_exchange, 137);
    CHECK_EQ_U64(r.summary[0 * FT_TAINT_MODELS + F].fees, 3);
    CHECK_EQ_U64(r.summary[0 * FT_TAINT_MODELS + H].to_exchange, 117);
    CHECK_EQ_U64(r.summary[0 * FT_TAINT_MODELS + H].unspent, 16);
    CHECK_EQ_U64(r.summary[1 * FT_TAINT_MODELS + F].to_exchange, 37);
    static const struct {
        uint32_t addr, inc, model;
        uint64_t amount;
    } want[] = {
        {1, 0, P, 140}, {1, 0, H, 140}, {1, 0, F, 140}, /* seeds: out0 + out2 */
        {1, 1, P, 40},  {1, 1, H, 40},  {1, 1, F, 40},
        {2, 0, P, 120}, {2, 0, H, 80},  {2, 0, F, 100},
        {3, 0, P, 25},  {3, 0, H, 16},                  /* fifo: out4 is clean */
        {4, 0, P, 157}, {4, 0, H, 117}, {4, 0, F, 137}, /* terminal: out5 + out7 */
        {4, 1, P, 157}, {4, 1, H, 38},  {4, 1, F, 37},  /* inc1 haircut: 37 + 1 */
        {6, 0, P, 8},   {6, 0, H, 6},   {6, 0, F, 8},
        {6, 1, P, 8},   {6, 1, H, 2},   {6, 1, F, 8},
    };
    size_t n = sizeof want / sizeof want[0];
    CHECK_EQ_U64(r.n_exposure, n);
    for (size_t i = 0; i < n && i < r.n_exposure; i++) {
        const ft_trace_exposure *x = &r.exposure[i];
        if (x->addr != want[i].addr || x->incident != want[i].inc || x->model != want[i].model ||
            x->amount != want[i].amount) {
            fprintf(stderr, "exposure row %zu: got (%u,%u,%u,%llu)\n", i, x->addr, x->incident,
                    x->model, (unsigned long long)x->amount);
            CHECK(0);
        }
    }
    CHECK(r.path == NULL && r.path_off == NULL); /* not asked */
    ft_trace_result_release(&r);
    /* not asked: no rows */
    o.exposure = 0;
    CHECK(run(&g, &r, &o) == FT_OK);
    CHECK(r.exposure == NULL && r.n_exposure == 0);
    ft_trace_result_release(&r);
    ft_graph_release(&g);
}

/* Checks path of flow f against the expected (out, tx, taint) steps. */
static void check_path(const ft_trace_result *r, size_t f, const ft_trace_path_step *want,
                       size_t n)
{
    size_t a = r->path_off[f], b = r->path_off[f + 1];
    CHECK_EQ_U64(b - a, n);
    for (size_t k = 0; k < n && a + k < b; k++) {
        const ft_trace_path_step *s = &r->path[a + k];
        if (s->out != want[k].out || s->tx != want[k].tx || s->taint != want[k].taint) {
            fprintf(stderr, "flow %zu step %zu: got (%u,%u,%llu)\n", f, k, s->out, s->tx,
                    (unsigned long long)s->taint);
            CHECK(0);
        }
    }
}

static void test_paths(void)
{
    ft_graph g;
    build(&g);
    ft_trace_result r;
    ft_trace_opts o = {0};
    o.paths = 1;
    CHECK(run(&g, &r, &o) == FT_OK);
    CHECK_EQ_U64(r.n_flows, 6); /* (inc, model) × exchange */
    if (r.n_flows != 6) {
        ft_trace_result_release(&r);
        ft_graph_release(&g);
        return;
    }
    for (size_t f = 0; f < 6; f++) {
        CHECK_EQ_U64(r.flows[f].incident, f / 3);
        CHECK_EQ_U64(r.flows[f].model, f % 3);
        CHECK_EQ_U64(r.flows[f].addr, 4);
        CHECK_EQ_U64(r.flows[f].tx_count, 2);
    }
    /* incident 0: out5 (the larger delivery) ← out3 (largest share in every model) ← out0 */
    const ft_trace_path_step p0[3] = {{0, 0, 100}, {3, 3, 120}, {5, 4, 150}};
    const ft_trace_path_step h0[3] = {{0, 0, 100}, {3, 3, 80}, {5, 4, 112}};
    const ft_trace_path_step f0[3] = {{0, 0, 100}, {3, 3, 100}, {5, 4, 130}};
    check_path(&r, 0, p0, 3);
    check_path(&r, 1, h0, 3);
    check_path(&r, 2, f0, 3);
    /* incident 1: out5 ← out2 (the seed) */
    const ft_trace_path_step p1[2] = {{2, 2, 40}, {5, 4, 150}};
    const ft_trace_path_step h1[2] = {{2, 2, 40}, {5, 4, 37}};
    const ft_trace_path_step f1[2] = {{2, 2, 40}, {5, 4, 30}};
    check_path(&r, 3, p1, 2);
    check_path(&r, 4, h1, 2);
    check_path(&r, 5, f1, 2);
    /* every step spends the previous one */
    for (size_t f = 0; f < r.n_flows; f++)
        for (size_t k = r.path_off[f] + 1; k < r.path_off[f + 1]; k++)
            CHECK_EQ_U64(g.out_spent_by[r.path[k - 1].out], r.path[k].tx);
    ft_trace_result_release(&r);

    /* a seed paid straight to the exchange: a path of one step; and the fifo choice of the
     * largest share: out6 (T8 from out2 only) gets out2 as parent while haircut names out3 */
    ft_graph g2;
    gb_init(&g2, 8);
    gb_coin(&g2, 100, 1, 0);
    gb_coin(&g2, 40, 1, 0);
    uint32_t in[2] = {0, 1};
    gb_out os[2] = {{130, 2, 0}, {9, 4, 0}}; /* fee 1 */
    gb_tx(&g2, in, 2, os, 2);
    gb_coin(&g2, 60, 4, 0); /* tx3 out4: a seed on the exchange itself */
    uint8_t cat[8];
    memset(cat, FT_CAT_NONE, sizeof cat);
    cat[4] = FT_CAT_EXCHANGE;
    ft_trace_seed sd[3] = {{0, 0, 0, 0}, {0, 1, 1, 0}, {0, 3, 4, 0}};
    const char *names[1] = {"x"};
    o.models = 1u << H | 1u << F;
    o.max_hops = FT_TRACE_NO_HOP_LIMIT;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_trace_run(&r, &g2, cat, NULL, sd, 3, names, 1, &o, &err) == FT_OK);
    CHECK_EQ_U64(r.n_flows, 2);
    /* the exchange receives out3 (9, hop 1) and the seed out4 (60): the larger is the seed */
    const ft_trace_path_step hs[1] = {{4, 3, 60}};
    if (r.n_flows == 2) {
        check_path(&r, 0, hs, 1);
        check_path(&r, 1, hs, 1);
    }
    ft_trace_result_release(&r);
    /* without the exchange seed, fifo: tape [T100 (out0)][T40 (out1)]: out3 130 = T100 + T30,
     * out4 9 = T9 from out1 → parent out1; haircut (T = V): both inputs, out0 has the most */
    CHECK(ft_trace_run(&r, &g2, cat, NULL, sd, 2, names, 1, &o, &err) == FT_OK);
    const ft_trace_path_step hh[2] = {{0, 0, 100}, {3, 2, 9}};
    const ft_trace_path_step ff[2] = {{1, 1, 40}, {3, 2, 9}};
    CHECK_EQ_U64(r.n_flows, 2);
    if (r.n_flows == 2) {
        check_path(&r, 0, hh, 2);
        check_path(&r, 1, ff, 2);
    }
    ft_trace_result_release(&r);
    ft_graph_release(&g2);
    ft_graph_release(&g);
}

static ft_prices *prices_of(const char *csv)
{
    char dir[64];
    ft_test_tmpl(dir, sizeof dir, "ft_trace_prices");
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/BTC.csv", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(csv, f);
        fclose(f);
    }
    ft_prices *p = NULL;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_prices_load_dir(&p, dir, &err) == FT_OK);
    unlink(path);
    rmdir(dir);
    return p;
}

static void test_usd(void)
{
    ft_graph g;
    build(&g);
    /* 2 decimals so that the products are small: value = amount × price / 100 micro-USD.
     * haircut inc0: 112 × 10 + 5 × 9 = 1165 → 11.65 → 12 (each delivery rounded: 11 + 0);
     * fifo: 130 × 10 + 7 × 9 = 1363 → 14; poison 150 × 10 + 7 × 9 = 1563 → 16 */
    ft_prices *p = prices_of("date,usd,source\n2023-11-14,0.000010,t\n2023-11-15,0.000009,t\n");
    ft_trace_opts o = {0};
    o.prices = p;
    o.asset = "BTC";
    o.decimals = 2;
    ft_trace_result r;
    omp_set_num_threads(1);
    CHECK(run(&g, &r, &o) == FT_OK);
    CHECK_EQ_U64(r.n_flows, 6);
    if (r.n_flows == 6) {
        CHECK(r.flows[0].usd_known && r.flows[0].amount_usd == 16);
        CHECK(r.flows[1].usd_known && r.flows[1].amount_usd == 12);
        CHECK(r.flows[2].usd_known && r.flows[2].amount_usd == 14);
        /* inc1 haircut: 37 × 10 + 1 × 9 = 379 → 4 */
        CHECK(r.flows[4].usd_known && r.flows[4].amount_usd == 4);
    }
    ft_trace_result r2;
    omp_set_num_threads(2);
    CHECK(run(&g, &r2, &o) == FT_OK);
    CHECK(r.n_flows == r2.n_flows && memcmp(r.flows, r2.flows, r.n_flows * sizeof *r.flows) == 0);
    ft_trace_result_release(&r2);
    ft_trace_result_release(&r);
    ft_prices_free(p);

    /* the second day has no price: every flow had a delivery that day → unknown */
    p = prices_of("date,usd\n2023-11-14,0.000010\n");
    o.prices = p;
    CHECK(run(&g, &r, &o) == FT_OK);
    for (size_t f = 0; f < r.n_flows; f++)
        CHECK(!r.flows[f].usd_known && r.flows[f].amount_usd == 0);
    ft_trace_result_release(&r);
    /* an asset without a file */
    o.asset = "ETH";
    CHECK(run(&g, &r, &o) == FT_OK);
    for (size_t f = 0; f < r.n_flows; f++)
        CHECK(!r.flows[f].usd_known);
    ft_trace_result_release(&r);
    ft_prices_free(p);
    /* no prices: nothing valued */
    o.prices = NULL;
    CHECK(run(&g, &r, &o) == FT_OK);
    for (size_t f = 0; f < r.n_flows; f++)
        CHECK(!r.flows[f].usd_known && r.flows[f].amount_usd == 0);
    ft_trace_result_release(&r);
    ft_graph_release(&g);
}

FT_TEST_MAIN({"exposure", test_exposure}, {"paths", test_paths}, {"usd", test_usd})
