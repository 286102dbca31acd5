/*
 * test_deposit.c — the account-model deposit heuristic on hand-built transfers.
 *
 * Addresses: 1 = exchange A hot wallet (labeled), 2 = exchange B hot wallet (labeled),
 * 3 = a deposit address of A (forwards only to 1), 4 and 5 = customers paying into 3,
 * 6 = an address forwarding to both exchanges (not a deposit address), 7 pays into 6,
 * 8 = a labeled address of another category that forwards to 1 (not a customer's deposit).
 * Expected: {3,4,5} one cluster; 6, 7, 8 alone; 1 and 2 never merged with a customer.
 */
#include <omp.h>

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

FT_TEST_MAIN({"deposit", test_deposit})
