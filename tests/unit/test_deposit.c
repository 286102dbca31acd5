/*
 * test_deposit.c — the account-model deposit heuristic on hand-built transfers.
 *
 * Addresses: 1 = exchange A hot wallet (labeled), 2 = exchange B hot wallet (labeled),
 * 3 = a deposit address of A (forwards only to 1), 4 and 5 = customers paying into 3,
 * 6 = an address forwarding to both exchanges (not a deposit address), 7 pays into 6,
 * 8 = a labeled address of another category that forwards to 1 (not a customer's deposit).
 * Expected: {3,4,5} one cluster; 6, 7, 8 alone; 1 and 2 never merged with a customer.
 * That graph has no amounts (ft_graph_from_transfers), so Victor's bounds do not apply.
 *
 * test_bounds: the same heuristic with amounts and times (Victor 2020: a forward passes on
 * the receipts since the previous forward when it moves their sum give or take 0.01 ether
 * and comes at most 3,200 blocks of 12 s = 38,400 s after the first of them). Hot wallet 1
 * of exchange A; deposit addresses of A and their payers:
 *   3 <- 4 (1 ETH), 5 (2 ETH); 3 forwards 2.995 ETH: both linked (sum of two receipts, 0.005
 *        off); then 4 pays 1 ETH more and 3 forwards 0.5 ETH (that receipt is not forwarded)
 *   6 <- 7 (1 ETH); 6 forwards 0.98 ETH: 0.02 off, nothing
 *   8 <- 9 (1 ETH); 8 forwards 1 ETH 38,401 s later: too late, nothing
 *   10 <- 11 (1 ETH); 10 forwards 1 ETH exactly 38,400 s later: linked (the bound included)
 *   12 <- 13 (1 ETH); 12 forwards 0.5 ETH twice (a sweep in halves): nothing
 *   14 <- 15 (1 ETH); 14 forwards 1.01 ETH (0.01 off, the bound included): linked
 *   16 <- 17 (5 units of token 1, 18 decimals); 16 forwards 5 wei of ETH (nothing of ETH was
 *        received) then 5 units of the token: linked (sums are per asset)
 */
#include <omp.h>
#include <stdlib.h>

#include "engine/graph.h"
#include "ft_test.h"
#include "heuristics/cluster.h"

static void test_deposit(void)
{
    static const uint32_t from[] = {4, 5, 3, 3, 1, 7, 6, 6, 8, 1};
    static const uint32_t to[] = {3, 3, 1, 1, 3, 6, 1, 2, 1, 4};
    uint32_t n = sizeof from / sizeof from[0];
    ft_graph g;
    ft_err err;
    CHECK(ft_graph_from_transfers(&g, 0x02, 10, n, from, to, NULL, NULL, &err) == FT_OK);
    uint32_t ent[10];
    for (int i = 0; i < 10; i++)
        ent[i] = FT_GRAPH_NONE;
    ent[1] = 0;
    ent[2] = 1;
    ent[8] = 2;
    uint8_t cat[3] = {FT_CAT_EXCHANGE, FT_CAT_EXCHANGE, FT_CAT_DEFI};
    ft_cluster_labels lab = {ent, cat, 3};
    ft_cluster_opts o = {0};
    CHECK(ft_registry_parse(NULL, &o.mask, &err) == FT_OK); /* default set includes deposit */
    o.guard = 1;
    ft_cluster_result r[2];
    for (int k = 0; k < 2; k++) {
        omp_set_num_threads(k + 1);
        CHECK(ft_cluster_run(&g, &lab, &o, &r[k], &err) == FT_OK);
    }
    static const uint32_t want[10] = {0, 1, 2, 3, 3, 3, 6, 7, 8, 9};
    for (int i = 0; i < 10; i++)
        CHECK_EQ_U64(r[0].cluster[i], want[i]);
    CHECK(memcmp(r[0].cluster, r[1].cluster, sizeof want) == 0);
    CHECK_EQ_U64(r[0].size[3], 3);
    CHECK_EQ_U64(r[0].links, 2); /* 4->3 and 5->3; the refund 1->4 is not a customer link */
    /* no labels: nothing is a known exchange, so nothing is linked */
    ft_cluster_result u;
    CHECK(ft_cluster_run(&g, NULL, &o, &u, &err) == FT_OK);
    CHECK_EQ_U64(u.links, 0);
    ft_cluster_result_release(&u);
    ft_cluster_result_release(&r[0]);
    ft_cluster_result_release(&r[1]);
    ft_graph_release(&g);
}

#define ETH 1000000000000000000ull
#define FIN 1000000000000000ull /* 0.001 ETH */

static void test_bounds(void)
{
    static const uint32_t from[] = {4, 5, 3, 4, 3, 7, 6, 9, 8, 11, 10, 13, 12, 12, 15, 14,
                                    17, 16, 16};
    static const uint32_t to[] = {3, 3, 1, 3, 1, 6, 1, 8, 1, 10, 1, 12, 1, 1, 14, 1, 16, 1, 1};
    static const int64_t tm[] = {0, 12, 24, 100, 112, 0, 12, 0, 38401, 0, 38400, 0, 12, 24,
                                 0, 12, 0, 12, 24};
    static const uint64_t amt[] = {ETH, 2 * ETH, 2995 * FIN, ETH, 500 * FIN, ETH, 980 * FIN,
                                   ETH, ETH, ETH, ETH, ETH, 500 * FIN, 500 * FIN, ETH,
                                   1010 * FIN, 5, 5, 5};
    static const uint32_t asset[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
    uint32_t n = sizeof from / sizeof from[0];
    CHECK(n == sizeof to / sizeof to[0] && n == sizeof tm / sizeof tm[0] &&
          n == sizeof amt / sizeof amt[0] && n == sizeof asset / sizeof asset[0]);
    ft_graph g;
    ft_err err;
    CHECK(ft_graph_from_transfers(&g, 0x02, 18, n, from, to, NULL, tm, &err) == FT_OK);
    g.xfer_amount = malloc(n * sizeof *g.xfer_amount); /* freed by ft_graph_release */
    g.xfer_asset = malloc(n * sizeof *g.xfer_asset);
    g.asset_decimals = malloc(2); /* ETH and token 1: 18 decimals (unknown would link nothing) */
    CHECK(g.xfer_amount && g.xfer_asset && g.asset_decimals);
    g.n_asset = 2;
    g.asset_decimals[0] = g.asset_decimals[1] = 18;
    for (uint32_t i = 0; i < n; i++) {
        g.xfer_amount[i] = amt[i];
        g.xfer_asset[i] = asset[i];
    }
    uint32_t ent[18];
    for (int i = 0; i < 18; i++)
        ent[i] = FT_GRAPH_NONE;
    ent[1] = 0;
    uint8_t cat[1] = {FT_CAT_EXCHANGE};
    ft_cluster_labels lab = {ent, cat, 1};
    ft_cluster_opts o = {0};
    CHECK(ft_registry_parse("deposit", &o.mask, &err) == FT_OK);
    o.guard = 1;
    ft_cluster_result r;
    CHECK(ft_cluster_run(&g, &lab, &o, &r, &err) == FT_OK);
    static const uint32_t want[18] = {0, 1, 2, 3, 3, 3, 6, 7, 8, 9, 10, 10, 12, 13, 14, 14, 16, 16};
    for (int i = 0; i < 18; i++)
        CHECK_EQ_U64(r.cluster[i], want[i]);
    CHECK_EQ_U64(r.links, 5); /* 4->3, 5->3, 11->10, 15->14, 17->16 (not 4->3 at t=100) */
    ft_cluster_result_release(&r);
    ft_graph_release(&g);
}

FT_TEST_MAIN({"deposit", test_deposit}, {"bounds", test_bounds})
