/*
 * test_collapse_guard.c — the collapse guard: a merge of two differently labeled clusters is
 * refused and recorded with the tx that asked for it; a merge of two clusters both above the
 * size threshold is refused; the full clustering run gives the same clusters and refusals with
 * 1 and 2 threads, and equals the sequential guarded result.
 */
#include <omp.h>

#include "ft_test.h"
#include "graph_builder.h"
#include "heuristics/cluster.h"

static void test_union_rules(void)
{
    ft_uf uf;
    ft_err err;
    CHECK(ft_uf_init(&uf, 12, &err) == FT_OK);
    uint32_t ent[12];
    uint8_t sus[12];
    for (int i = 0; i < 12; i++) {
        ent[i] = FT_GRAPH_NONE;
        sus[i] = 1;
    }
    ent[1] = 0;
    ent[5] = 1;
    ft_guard gd;
    CHECK(ft_guard_begin(&gd, &uf, sus, ent, 2, &err) == FT_OK);
    CHECK(ft_guard_union(&gd, 1, 2, 100) == 1);
    CHECK(ft_guard_union(&gd, 5, 6, 101) == 1);
    CHECK(ft_guard_union(&gd, 2, 6, 102) == -1); /* labels 0 and 1 */
    CHECK_EQ_U64(gd.n_refused, 1);
    CHECK_EQ_U64(gd.refused[0].reason, FT_GUARD_LABELS);
    CHECK_EQ_U64(gd.refused[0].item, 102);
    CHECK(gd.refused[0].root_a == 1 && gd.refused[0].root_b == 5);
    /* size: {7,8,9} and {3,4,10} both above 2 */
    CHECK(ft_guard_union(&gd, 7, 8, 103) == 1);
    CHECK(ft_guard_union(&gd, 8, 9, 104) == 1);
    CHECK(ft_guard_union(&gd, 3, 4, 105) == 1);
    CHECK(ft_guard_union(&gd, 10, 4, 106) == 1);
    CHECK(ft_guard_union(&gd, 9, 10, 107) == -1);
    CHECK_EQ_U64(gd.refused[1].reason, FT_GUARD_SIZE);
    CHECK(gd.refused[1].size_a == 3 && gd.refused[1].size_b == 3);
    /* an unlabeled small cluster may join a labeled one */
    CHECK(ft_guard_union(&gd, 11, 1, 108) == 1);
    CHECK_EQ_U64(ft_uf_find(&uf, 11), 1);
    CHECK_EQ_U64(gd.n_refused_total, 2);
    ft_guard_release(&gd);
    ft_uf_release(&uf);
}

/* txs: {1,2} {3,4} {2,3} {5,6} {6,7} {2,5}: with labels 1 = X and 4 = Y, tx {2,3} is refused,
 * then {2,5} joins {5,6,7} to X's cluster. */
static void build(ft_graph *g)
{
    gb_init(g, 10);
    static const uint32_t pairs[6][2] = {{1, 2}, {3, 4}, {2, 3}, {5, 6}, {6, 7}, {2, 5}};
    for (int i = 0; i < 6; i++) {
        uint32_t ins[2] = {gb_coin(g, 1000, pairs[i][0], 4), gb_coin(g, 1000, pairs[i][1], 4)};
        gb_out o = {1500, 8, 4};
        gb_tx(g, ins, 2, &o, 1);
    }
}

static void test_run_deterministic(void)
{
    ft_graph g;
    build(&g);
    uint32_t ent[10];
    for (int i = 0; i < 10; i++)
        ent[i] = FT_GRAPH_NONE;
    ent[1] = 0;
    ent[4] = 1;
    uint8_t cat[2] = {FT_CAT_EXCHANGE, FT_CAT_EXCHANGE};
    ft_cluster_labels lab = {ent, cat, 2};
    ft_cluster_opts o = {0};
    ft_err err;
    CHECK(ft_registry_parse("multi-input", &o.mask, &err) == FT_OK);
    o.guard = 1;
    ft_cluster_result r[2];
    for (int k = 0; k < 2; k++) {
        omp_set_num_threads(k + 1);
        CHECK(ft_cluster_run(&g, &lab, &o, &r[k], &err) == FT_OK);
    }
    CHECK(memcmp(r[0].cluster, r[1].cluster, 10 * sizeof(uint32_t)) == 0);
    CHECK_EQ_U64(r[0].n_refused, 1);
    CHECK_EQ_U64(r[1].n_refused, 1);
    static const uint32_t want[8] = {0, 1, 1, 3, 3, 1, 1, 1};
    for (int i = 0; i < 8; i++)
        CHECK_EQ_U64(r[0].cluster[i], want[i]);
    CHECK_EQ_U64(r[0].size[1], 5);
    CHECK_EQ_U64(r[0].largest, 5);
    /* the refused tx is the third multi-input tx: {2,3} */
    uint32_t t = r[0].refused[0].item;
    CHECK(ft_graph_n_in(&g, t) == 2);
    CHECK_EQ_U64(ft_graph_in_addr(&g, g.in_off[t]), 2);
    CHECK_EQ_U64(ft_graph_in_addr(&g, g.in_off[t] + 1), 3);
    /* without the guard everything is one cluster */
    ft_cluster_result u;
    o.guard = 0;
    CHECK(ft_cluster_run(&g, &lab, &o, &u, &err) == FT_OK);
    CHECK_EQ_U64(u.cluster[4], 1);
    CHECK_EQ_U64(u.largest, 7);
    ft_cluster_result_release(&u);
    ft_cluster_result_release(&r[0]);
    ft_cluster_result_release(&r[1]);
    ft_graph_release(&g);
}

FT_TEST_MAIN({"union_rules", test_union_rules}, {"run_deterministic", test_run_deterministic})
