/*
 * test_change.c — each change heuristic on hand-built transactions: the expected change
 * output where the rule applies, -1 where it must not guess (two candidates, self-change,
 * CoinJoins, coinbases), and the link it emits (first input address, change address).
 */
#include "ft_test.h"
#include "graph_builder.h"
#include "heuristics/coinjoin.h"
#include "heuristics/registry.h"

enum { P2PKH = 2, P2WPKH = 4, P2TR = 6 };

static uint32_t la, lb;
static void grab(void *arg, uint32_t a, uint32_t b, uint32_t item)
{
    (void)arg;
    (void)item;
    la = a;
    lb = b;
}

static void test_fresh(void)
{
    ft_graph g;
    gb_init(&g, 1000);
    uint32_t c1 = gb_coin(&g, 5000000, 1, P2WPKH);
    uint32_t c2 = gb_coin(&g, 7000, 2, P2WPKH); /* address 2 is known from now on */
    (void)c2;
    ft_cluster_ctx ctx = {0};
    ctx.g = &g;
    gb_out o1[2] = {{1000000, 2, P2WPKH}, {3990000, 10, P2WPKH}};
    uint32_t t = gb_tx(&g, &c1, 1, o1, 2);
    CHECK_EQ_U64((uint64_t)(int64_t)ft_change_fresh(&ctx, t), 1);
    la = lb = 0;
    ft_change_fresh_links(&ctx, t, grab, NULL);
    CHECK(la == 1 && lb == 10);
    /* two fresh outputs: no guess */
    uint32_t c3 = gb_coin(&g, 5000000, 11, P2WPKH);
    gb_out o2[2] = {{1000000, 12, P2WPKH}, {3990000, 13, P2WPKH}};
    t = gb_tx(&g, &c3, 1, o2, 2);
    CHECK(ft_change_fresh(&ctx, t) == -1);
    /* self-change back to the input address: no guess */
    uint32_t c4 = gb_coin(&g, 5000000, 14, P2WPKH);
    gb_out o3[2] = {{1000000, 15, P2WPKH}, {3990000, 14, P2WPKH}};
    t = gb_tx(&g, &c4, 1, o3, 2);
    CHECK(ft_change_fresh(&ctx, t) == -1);
    ft_graph_release(&g);
}

static void test_type_round_optimal(void)
{
    ft_graph g;
    gb_init(&g, 1000);
    ft_cluster_ctx ctx = {0};
    ctx.g = &g;
    uint32_t ins[2] = {gb_coin(&g, 5000000, 1, P2PKH), gb_coin(&g, 3000000, 2, P2PKH)};
    gb_out o[2] = {{6000000, 3, P2WPKH}, {1990000, 4, P2PKH}};
    uint32_t t = gb_tx(&g, ins, 2, o, 2);
    CHECK(ft_change_type(&ctx, t) == 1);
    CHECK(ft_change_optimal(&ctx, t) == 1); /* 1990000 < every input */
    CHECK(ft_change_round(&ctx, t) == 1);   /* 6000000 is round (10^5), the other is not */
    /* mixed input types: the type rule does not guess */
    uint32_t ins2[2] = {gb_coin(&g, 5000000, 5, P2PKH), gb_coin(&g, 3000000, 6, P2WPKH)};
    gb_out o2[2] = {{6000000, 7, P2WPKH}, {1990000, 8, P2PKH}};
    t = gb_tx(&g, ins2, 2, o2, 2);
    CHECK(ft_change_type(&ctx, t) == -1);
    /* both outputs round, or both smaller than every input: no guess */
    uint32_t ins3[2] = {gb_coin(&g, 5000000, 9, P2PKH), gb_coin(&g, 5000000, 10, P2PKH)};
    gb_out o3[2] = {{4000000, 11, P2PKH}, {4900000, 12, P2PKH}};
    t = gb_tx(&g, ins3, 2, o3, 2);
    CHECK(ft_change_round(&ctx, t) == -1);
    CHECK(ft_change_optimal(&ctx, t) == -1);
    CHECK(ft_change_type(&ctx, t) == -1); /* two outputs of the inputs' type */
    /* round with a custom exponent: 10^7 */
    ctx.round_exp = 7;
    uint32_t ins4[1] = {gb_coin(&g, 50000000, 13, P2PKH)};
    gb_out o4[2] = {{12300000, 14, P2PKH}, {30000000, 15, P2PKH}};
    t = gb_tx(&g, ins4, 1, o4, 2);
    CHECK(ft_change_round(&ctx, t) == 0);
    ft_graph_release(&g);
}

static void test_peel(void)
{
    ft_graph g;
    gb_init(&g, 1000);
    ft_cluster_ctx ctx = {0};
    ctx.g = &g;
    uint32_t c = gb_coin(&g, 100000000, 1, P2WPKH);
    gb_out o1[2] = {{89990000, 2, P2WPKH}, {10000000, 3, P2WPKH}};
    uint32_t t1 = gb_tx(&g, &c, 1, o1, 2);
    uint32_t next = g.out_off[t1];     /* the 0.8999 continues the chain */
    gb_out o2[2] = {{79980000, 4, P2WPKH}, {10000000, 5, P2WPKH}};
    uint32_t t2 = gb_tx(&g, &next, 1, o2, 2);
    uint32_t pay[2] = {g.out_off[t1] + 1, gb_coin(&g, 777, 6, P2WPKH)};
    gb_out o3[1] = {{10000500, 7, P2WPKH}};
    gb_tx(&g, pay, 2, o3, 1); /* the peeled 0.1 goes into a 2-input tx */
    CHECK(ft_change_peel(&ctx, t1) == 0);
    la = lb = 0;
    ft_change_peel_links(&ctx, t1, grab, NULL);
    CHECK(la == 1 && lb == 2);
    CHECK(ft_change_peel(&ctx, t2) == -1); /* its outputs are unspent: no continuation */
    ft_graph_release(&g);
}

static void test_skips(void)
{
    ft_graph g;
    gb_init(&g, 1000);
    ft_cluster_ctx ctx = {0};
    ctx.g = &g;
    gb_out cb[2] = {{5000000000ull, 1, P2WPKH}, {1000, 2, P2WPKH}};
    uint32_t t = gb_tx(&g, NULL, 0, cb, 2);
    CHECK(ft_change_fresh(&ctx, t) == -1 && ft_change_optimal(&ctx, t) == -1);
    uint32_t c = gb_coin(&g, 5000000, 3, P2WPKH);
    gb_out o[2] = {{1000000, 1, P2WPKH}, {3990000, 10, P2WPKH}};
    t = gb_tx(&g, &c, 1, o, 2);
    CHECK(ft_change_fresh(&ctx, t) == 1);
    uint8_t kinds[16] = {0};
    kinds[t] = FT_CJ_WHIRLPOOL_TX0; /* any CoinJoin kind, Tx0 included */
    ctx.cj_kind = kinds;
    CHECK(ft_change_fresh(&ctx, t) == -1);
    ft_graph_release(&g);
}

FT_TEST_MAIN({"fresh", test_fresh}, {"type_round_optimal", test_type_round_optimal},
             {"peel", test_peel}, {"skips", test_skips})
