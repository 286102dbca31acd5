/*
 * test_graph_links.c — the clustering-only graph load (ft_graph_load_utxo_links) against the
 * full load (ft_graph_load_utxo) on the real sample chain (datasets/sample/blocks, indexed
 * here into a temporary store).
 *
 * With 1, 2 and 3 OpenMP threads (1, 2 and 3 LevelDB ranges joined), every array the links
 * load fills must equal the full load's byte for byte, the arrays it does not fill stay NULL,
 * and `multi-input` must give the same cluster ids on both graphs. An empty chain (a store
 * with no Bitcoin index) is FT_ERR_NOTFOUND like the full load.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/indexer.h"
#include "chains/bitcoin/params.h"
#include "engine/graph.h"
#include "engine/keys.h"
#include "engine/store.h"
#include "heuristics/cluster.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

static int same(const void *a, const void *b, size_t n)
{
    return n == 0 || (a && b && memcmp(a, b, n) == 0);
}

static void test_links_load(void)
{
    char dir[64];
    ft_test_tmpl(dir, sizeof dir, "ft_test_graph_links");
    CHECK(mkdtemp(dir) != NULL);
    ft_store *st = NULL;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_store_open(&st, dir, FT_STORE_WRITE, &err) == FT_OK);
    ft_graph none;
    CHECK(ft_graph_load_utxo_links(&none, st, FT_CHAIN_BTC, &err) == FT_ERR_NOTFOUND);
    ft_btc_index_stats stats;
    ft_status s = ft_btc_index_blocks(st, ft_test_path("source", "datasets/sample/blocks"),
                                      ft_btc_params_by_name("regtest"), FT_BTC_HEIGHT_NONE, NULL,
                                      &stats, &err);
    CHECK(s == FT_OK);
    if (s != FT_OK)
        fprintf(stderr, "index: %s\n", err.msg);
    ft_graph full;
    CHECK(ft_graph_load_utxo(&full, st, FT_CHAIN_BTC, &err) == FT_OK);
    CHECK(full.n_tx > 1000 && full.n_in > 1000); /* more than one 1024-tx range at 2 threads */
    ft_cluster_opts o;
    memset(&o, 0, sizeof o);
    CHECK(ft_registry_parse("multi-input", &o.mask, &err) == FT_OK);
    ft_cluster_result rf;
    CHECK(ft_cluster_run(&full, NULL, &o, &rf, &err) == FT_OK);
    CHECK(rf.n_multi > 0);
    for (int threads = 1; threads <= 3; threads++) {
        omp_set_num_threads(threads);
        ft_graph g;
        CHECK(ft_graph_load_utxo_links(&g, st, FT_CHAIN_BTC, &err) == FT_OK);
        CHECK_EQ_U64(g.n_tx, full.n_tx);
        CHECK_EQ_U64(g.n_in, full.n_in);
        CHECK_EQ_U64(g.n_out, full.n_out);
        CHECK_EQ_U64(g.n_addr, full.n_addr);
        size_t nt = (size_t)full.n_tx + 1;
        CHECK(same(g.in_off, full.in_off, nt * sizeof *g.in_off));
        CHECK(same(g.out_off, full.out_off, nt * sizeof *g.out_off));
        CHECK(same(g.tx_flags, full.tx_flags, full.n_tx));
        CHECK(same(g.in_out, full.in_out, (size_t)full.n_in * sizeof *g.in_out));
        CHECK(same(g.out_addr, full.out_addr, (size_t)full.n_out * sizeof *g.out_addr));
        CHECK(!g.out_value && !g.out_spent_by && !g.tx_time && !g.out_type && !g.tx_addr_new);
        ft_cluster_result r;
        CHECK(ft_cluster_run(&g, NULL, &o, &r, &err) == FT_OK);
        CHECK(r.n_addr == rf.n_addr &&
              memcmp(r.cluster, rf.cluster, (size_t)rf.n_addr * sizeof *r.cluster) == 0);
        ft_cluster_result_release(&r);
        ft_graph_release(&g);
    }
    ft_cluster_result_release(&rf);
    ft_graph_release(&full);
    ft_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

FT_TEST_MAIN({"links_load", test_links_load})
