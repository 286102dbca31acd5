/*
 * test_coinjoin.c — the CoinJoin detector on hand-built shapes: Whirlpool mixes at each pool
 * size (premix and remix inputs) and a Tx0, Wasabi 1, Wasabi 2, JoinMarket, the generic
 * equal-output rule, and negatives (payments, batches, a pool payout with many equal outputs,
 * a 5x5 at a non-pool value, a coinbase). Real mainnet CoinJoins (coinjoin_txids.csv) need
 * blocks this repository does not have; tests/cli/cluster.sh checks generated ones.
 */
#include "ft_test.h"
#include "graph_builder.h"
#include "heuristics/coinjoin.h"
#include "heuristics/registry.h"

static uint32_t next_addr = 1;

/* A tx with n_in fresh coins of the given values (addresses distinct unless same_addr). */
static uint32_t shaped(ft_graph *g, const uint64_t *in_vals, uint32_t n_in, int same_addr,
                       const uint64_t *out_vals, uint32_t n_out, int op_return)
{
    uint32_t ins[256];
    uint32_t a0 = next_addr;
    for (uint32_t i = 0; i < n_in; i++)
        ins[i] = gb_coin(g, in_vals[i], same_addr ? a0 : next_addr++, 4);
    if (same_addr)
        next_addr++;
    gb_out outs[256];
    uint32_t n = 0;
    if (op_return)
        outs[n++] = (gb_out){0, 0, 9};
    for (uint32_t j = 0; j < n_out; j++)
        outs[n++] = (gb_out){out_vals[j], next_addr++, 4};
    return gb_tx(g, ins, n_in, outs, n);
}

static void test_whirlpool(void)
{
    ft_graph g;
    gb_init(&g, 100000);
    static const uint64_t pools[4] = {100000, 1000000, 5000000, 50000000};
    for (int p = 0; p < 4; p++) {
        uint64_t d = pools[p];
        uint64_t in[5] = {d + 12000, d, d, d + 30000, d}, out[5] = {d, d, d, d, d};
        uint32_t t = shaped(&g, in, 5, 0, out, 5, 0);
        CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_WHIRLPOOL);
        /* an input below the pool size cannot be in this pool */
        uint64_t small[5] = {d, d, d - 1, d, d};
        t = shaped(&g, small, 5, 0, out, 5, 0);
        CHECK(ft_coinjoin_classify(&g, t) != FT_CJ_WHIRLPOOL);
    }
    /* 5 x 5 at 0.02 BTC is not Whirlpool (it is still an equal-output CoinJoin) */
    uint64_t in2[5] = {2100000, 2000000, 2200000, 2050000, 2000000};
    uint64_t out2[5] = {2000000, 2000000, 2000000, 2000000, 2000000};
    uint32_t t = shaped(&g, in2, 5, 0, out2, 5, 0);
    CHECK(ft_coinjoin_classify(&g, t) != FT_CJ_WHIRLPOOL);
    CHECK(ft_coinjoin_classify(&g, t) != FT_CJ_NONE);
    /* Tx0 for the 0.001 pool: OP_RETURN, coordinator fee, 3 premixes, change */
    uint64_t tin[2] = {300000, 150000};
    uint64_t tout[5] = {5000, 112000, 112000, 112000, 98000};
    t = shaped(&g, tin, 2, 1, tout, 5, 1);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_WHIRLPOOL_TX0);
    CHECK(!ft_coinjoin_multi_party(FT_CJ_WHIRLPOOL_TX0));
    /* the same without OP_RETURN is a plain payment */
    t = shaped(&g, tin, 2, 1, tout, 5, 0);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_NONE);
    ft_graph_release(&g);
}

static void test_wasabi(void)
{
    ft_graph g;
    gb_init(&g, 100000);
    /* Wasabi 1: 6 inputs of 4 participants, four 0.1 BTC outputs, a 0.2, changes, fee */
    uint64_t in1[6] = {15000000, 12000000, 30000000, 11000000, 2000000, 10500000};
    uint64_t out1[9] = {10000000, 10000000, 10000000, 10000000, 20000000,
                        4990000,  11980000, 1490000,  12000};
    uint32_t t = shaped(&g, in1, 6, 0, out1, 9, 0);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_WASABI1);
    /* Wasabi 2: standard denominations, several used twice */
    uint64_t in2[8] = {9000000, 7000000, 3000000, 1500000, 800000, 600000, 400000, 100000};
    uint64_t out2[12] = {8388608, 5000000, 5000000, 2000000, 2000000, 1048576,
                         1048576, 500000,  200000,  200000,  100000,  65536};
    t = shaped(&g, in2, 8, 0, out2, 12, 0);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_WASABI2);
    CHECK(ft_coinjoin_is_standard_denom(8192) && ft_coinjoin_is_standard_denom(59049) &&
          ft_coinjoin_is_standard_denom(2 * 59049) && ft_coinjoin_is_standard_denom(20000) &&
          ft_coinjoin_is_standard_denom(50000000));
    CHECK(!ft_coinjoin_is_standard_denom(4096) && !ft_coinjoin_is_standard_denom(123456) &&
          !ft_coinjoin_is_standard_denom(30000));
    ft_graph_release(&g);
}

static void test_joinmarket_generic(void)
{
    ft_graph g;
    gb_init(&g, 100000);
    /* JoinMarket: taker + 2 makers, 3 equal outputs of an odd value, 3 changes */
    uint64_t in[4] = {5000000, 3000000, 2500000, 900000};
    uint64_t out[6] = {1234567, 1234567, 1234567, 3754321, 1765000, 1895000};
    uint32_t t = shaped(&g, in, 4, 0, out, 6, 0);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_JOINMARKET);
    /* generic: 4 x 4 at a Whirlpool pool value (not a 5 x 5 mix, too few outputs for the
     * Wasabi 2 rule, a pool value so not JoinMarket) */
    uint64_t gi[4] = {1010000, 1020000, 1000000, 1030000};
    uint64_t go[4] = {1000000, 1000000, 1000000, 1000000};
    t = shaped(&g, gi, 4, 0, go, 4, 0);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_GENERIC);
    ft_graph_release(&g);
}

static void test_negatives(void)
{
    ft_graph g;
    gb_init(&g, 100000);
    uint64_t in[2] = {5000000, 2000000}, out[2] = {6000000, 990000};
    uint32_t t = shaped(&g, in, 2, 0, out, 2, 0);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_NONE);
    /* an exchange batch: one input, ten different withdrawals */
    uint64_t bi[1] = {900000000};
    uint64_t bo[10] = {1111, 22222, 333333, 4444444, 555555, 6666666, 77777, 888888, 99999, 1234};
    t = shaped(&g, bi, 1, 0, bo, 10, 0);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_NONE);
    /* three equal payouts from one owner's three inputs (one address) */
    uint64_t si[3] = {5000000, 5000000, 5000000}, so[4] = {3000000, 3000000, 3000000, 5990000};
    t = shaped(&g, si, 3, 1, so, 4, 0);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_NONE);
    /* a mining pool payout: 3 inputs, many equal shares near 0.1 BTC */
    uint64_t pi[3] = {625090353, 625145036, 278265012};
    uint64_t po[12] = {18982692, 9491346, 9491346, 9491346, 9491346, 18982692,
                       18982692, 9491346, 9491346, 256266342, 170844228, 9491346};
    t = shaped(&g, pi, 3, 0, po, 12, 0);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_NONE);
    /* a coinbase with equal outputs */
    gb_out cb[5] = {{100000, 90001, 4}, {100000, 90002, 4}, {100000, 90003, 4}, {100000, 90004, 4},
                    {100000, 90005, 4}};
    t = gb_tx(&g, NULL, 0, cb, 5);
    CHECK_EQ_U64(ft_coinjoin_classify(&g, t), FT_CJ_NONE);
    ft_graph_release(&g);
}

static uint32_t n_links;
static void count_link(void *arg, uint32_t a, uint32_t b, uint32_t item)
{
    (void)arg;
    (void)a;
    (void)b;
    (void)item;
    n_links++;
}

/* multi-input links a CoinJoin's inputs only when the filter is off */
static void test_filter_in_multi_input(void)
{
    ft_graph g;
    gb_init(&g, 100000);
    uint64_t d = 1000000, in[5] = {d + 12000, d, d, d + 30000, d}, out[5] = {d, d, d, d, d};
    uint32_t t = shaped(&g, in, 5, 0, out, 5, 0);
    ft_cluster_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.g = &g;
    n_links = 0;
    ft_multi_input_links(&ctx, t, count_link, NULL);
    CHECK_EQ_U64(n_links, 4);
    ft_err err;
    CHECK(ft_coinjoin_prepare(&ctx, &err) == FT_OK);
    CHECK_EQ_U64(ctx.cj_kind[t], FT_CJ_WHIRLPOOL);
    n_links = 0;
    ft_multi_input_links(&ctx, t, count_link, NULL);
    CHECK_EQ_U64(n_links, 0);
    free(ctx.cj_kind);
    ft_graph_release(&g);
}

FT_TEST_MAIN({"whirlpool", test_whirlpool}, {"wasabi", test_wasabi},
             {"joinmarket_generic", test_joinmarket_generic}, {"negatives", test_negatives},
             {"filter_in_multi_input", test_filter_in_multi_input})
