/*
 * test_pathfind.c — engine/pathfind on hand-built graphs (UTXO through graph_builder.h,
 * account through ft_graph_from_transfers), each case with its expected path written out:
 * the shortest path wins over a longer one; a path that exists only backwards in time (the
 * money reached the middle address after that address paid onwards) is not found; ties
 * follow pathfind.h's order (the last hop first in chain order, then the one before), which
 * differs here from "first hop first"; the hop limit and the visit budget give their own
 * outcomes; on an account chain fees never carry money and two hops may share a transaction.
 * Then random graphs against a brute-force enumeration of every path (shortest length, the
 * tie order, and each hop's from/to/spent/carrying output) for every address pair; and the
 * search straight over an index (ft_pathfind_run_store) against the search over the loaded
 * graph on the bundled sample chain (datasets/sample/blocks) for ~1,000 address pairs: the same
 * outcome, visits and hops.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chains/bitcoin/indexer.h"
#include "chains/bitcoin/params.h"
#include "engine/account.h"
#include "engine/graph.h"
#include "engine/keys.h"
#include "engine/pathfind.h"
#include "engine/store.h"
#include "tests/unit/ft_test.h"
#include "tests/unit/graph_builder.h"

#include "engine/banned.h"

static ft_pathfind_result run(const ft_graph *g, uint32_t from, uint32_t to, uint32_t hops,
                              uint64_t visits)
{
    ft_pathfind_result r;
    ft_err err;
    ft_err_clear(&err);
    ft_status s = ft_pathfind_run(g, from, to, hops, visits, &r, &err);
    CHECK(s == FT_OK);
    if (s != FT_OK)
        fprintf(stderr, "pathfind: %s\n", err.msg);
    return r;
}

/* a tx spending one out id, paying outs */
static uint32_t tx1(ft_graph *g, uint32_t in, const gb_out *outs, uint32_t n)
{
    return gb_tx(g, &in, 1, outs, n);
}

enum { A = 1, B, C, D, X, Y, Z, N_ADDR };

static void test_utxo_shortest(void)
{
    ft_graph g;
    gb_init(&g, N_ADDR);
    uint32_t c0 = gb_coin(&g, 100, A, 0), c1 = gb_coin(&g, 40, A, 0);
    /* long route A → B → C → D, the change back to A */
    gb_out o1[2] = {{60, B, 0}, {40, A, 0}};
    uint32_t t1 = tx1(&g, c0, o1, 2);
    gb_out o2[1] = {{59, C, 0}};
    uint32_t t2 = tx1(&g, g.out_off[t1], o2, 1);
    gb_out o3[1] = {{58, D, 0}};
    uint32_t t3 = tx1(&g, g.out_off[t2], o3, 1);
    /* short route from A's other coins: A → X → D */
    gb_out o4[1] = {{39, X, 0}};
    uint32_t t4 = tx1(&g, c1, o4, 1);
    gb_out o5[2] = {{5, Y, 0}, {33, D, 0}};
    uint32_t t5 = tx1(&g, g.out_off[t4], o5, 2);
    /* the change of t1 goes A → Y */
    gb_out o6[1] = {{38, Y, 0}};
    uint32_t t6 = tx1(&g, g.out_off[t1] + 1, o6, 1);

    ft_pathfind_result r = run(&g, A, D, 6, 1000);
    CHECK(r.outcome == FT_PATH_FOUND);
    CHECK_EQ_U64(r.n_hops, 2);
    CHECK_EQ_U64(r.hops[0].tx, t4);
    CHECK_EQ_U64(r.hops[1].tx, t5);
    CHECK_EQ_U64(r.hops[0].from, A);
    CHECK_EQ_U64(r.hops[0].to, X);
    CHECK_EQ_U64(r.hops[0].spent, c1);
    CHECK_EQ_U64(r.hops[0].item, g.out_off[t4]);
    CHECK_EQ_U64(r.hops[1].from, X);
    CHECK_EQ_U64(r.hops[1].to, D);
    CHECK_EQ_U64(r.hops[1].item, g.out_off[t5] + 1); /* the output paying D, not Y's */
    CHECK_EQ_U64(g.out_value[r.hops[1].item], 33);
    CHECK_EQ_U64(r.hops[1].spent, g.out_off[t4]);

    /* B → D: the long route's tail, 2 hops */
    r = run(&g, B, D, 6, 1000);
    CHECK(r.outcome == FT_PATH_FOUND);
    CHECK_EQ_U64(r.n_hops, 2);
    CHECK_EQ_U64(r.hops[0].tx, t2);
    CHECK_EQ_U64(r.hops[1].tx, t3);
    CHECK_EQ_U64(g.out_value[r.hops[1].item], 58);
    /* A → Y: t5 pays Y in 2 hops (t4, t5), but t6 spends t1's change, an output of A
     * itself: one hop */
    r = run(&g, A, Y, 6, 1000);
    CHECK(r.outcome == FT_PATH_FOUND && r.n_hops == 1);
    CHECK(r.hops[0].tx == t6 && r.hops[0].spent == g.out_off[t1] + 1);
    /* one hop */
    r = run(&g, A, B, 6, 1000);
    CHECK(r.outcome == FT_PATH_FOUND && r.n_hops == 1 && r.hops[0].tx == t1);
    CHECK_EQ_U64(r.hops[0].item, g.out_off[t1]);
    /* hop limit: A → D needs 2, B → D too; C → D one */
    r = run(&g, A, D, 1, 1000);
    CHECK(r.outcome == FT_PATH_HOP_LIMIT);
    CHECK_EQ_U64(r.n_hops, 0);
    r = run(&g, C, D, 1, 1000);
    CHECK(r.outcome == FT_PATH_FOUND && r.n_hops == 1 && r.hops[0].tx == t3);
    /* D never pays anyone: nothing reaches A from D at any length */
    r = run(&g, D, A, 32, 1000);
    CHECK(r.outcome == FT_PATH_NONE);
    /* Y → B: Y's outputs are unspent */
    r = run(&g, Y, B, 6, 1000);
    CHECK(r.outcome == FT_PATH_NONE);
    ft_graph_release(&g);
}

static void test_utxo_backwards_in_time(void)
{
    ft_graph g;
    gb_init(&g, N_ADDR);
    /* B has old coins and pays C with them (t1); only later A pays B (t2), whose output B
     * keeps. Address by address A → B → C looks like a path, but C got its money before
     * A's reached B: no path. */
    uint32_t cb = gb_coin(&g, 50, B, 0);
    uint32_t ca = gb_coin(&g, 70, A, 0);
    gb_out o1[1] = {{49, C, 0}};
    uint32_t t1 = tx1(&g, cb, o1, 1);
    gb_out o2[1] = {{69, B, 0}};
    uint32_t t2 = tx1(&g, ca, o2, 1);
    (void)t1;
    (void)t2;
    ft_pathfind_result r = run(&g, A, C, 32, 1000);
    CHECK(r.outcome == FT_PATH_NONE);
    r = run(&g, B, C, 32, 1000);
    CHECK(r.outcome == FT_PATH_FOUND && r.n_hops == 1);
    /* once B spends A's money to C the path exists */
    gb_out o3[1] = {{68, C, 0}};
    uint32_t t3 = tx1(&g, g.out_off[t2], o3, 1);
    r = run(&g, A, C, 32, 1000);
    CHECK(r.outcome == FT_PATH_FOUND);
    CHECK_EQ_U64(r.n_hops, 2);
    CHECK_EQ_U64(r.hops[0].tx, t2);
    CHECK_EQ_U64(r.hops[1].tx, t3);
    ft_graph_release(&g);
}

static void test_utxo_ties(void)
{
    ft_graph g;
    gb_init(&g, N_ADDR);
    uint32_t c0 = gb_coin(&g, 10, A, 0), c1 = gb_coin(&g, 10, A, 0);
    gb_out ox[1] = {{9, X, 0}}, oy[1] = {{9, Y, 0}};
    uint32_t tx_ax = tx1(&g, c0, ox, 1); /* the earlier first hop */
    uint32_t tx_ay = tx1(&g, c1, oy, 1);
    gb_out od[1] = {{8, D, 0}};
    uint32_t tx_yd = tx1(&g, g.out_off[tx_ay], od, 1); /* the earlier last hop */
    uint32_t tx_xd = tx1(&g, g.out_off[tx_ax], od, 1);
    (void)tx_xd;
    for (int rep = 0; rep < 3; rep++) { /* same answer every time */
        ft_pathfind_result r = run(&g, A, D, 6, 1000);
        CHECK(r.outcome == FT_PATH_FOUND);
        CHECK_EQ_U64(r.n_hops, 2);
        CHECK_EQ_U64(r.hops[0].tx, tx_ay);
        CHECK_EQ_U64(r.hops[1].tx, tx_yd);
        CHECK_EQ_U64(r.hops[0].to, Y);
    }
    ft_graph_release(&g);
}

static void test_utxo_budget(void)
{
    ft_graph g;
    gb_init(&g, N_ADDR);
    /* A fans out to 50 outputs of Z, each spent to Z again, then one of them reaches D */
    uint32_t c0 = gb_coin(&g, 1000, A, 0);
    gb_out fan[50];
    for (int i = 0; i < 50; i++)
        fan[i] = (gb_out){10, Z, 0};
    uint32_t t0 = tx1(&g, c0, fan, 50);
    uint32_t last = 0;
    for (uint32_t i = 0; i < 50; i++) {
        gb_out o[1] = {{9, i == 49 ? B : Z, 0}};
        last = tx1(&g, g.out_off[t0] + i, o, 1);
    }
    gb_out od[1] = {{8, D, 0}};
    uint32_t td = tx1(&g, g.out_off[last], od, 1);
    ft_pathfind_result r = run(&g, A, D, 6, 1000);
    CHECK(r.outcome == FT_PATH_FOUND);
    CHECK_EQ_U64(r.n_hops, 3);
    CHECK_EQ_U64(r.hops[2].tx, td);
    CHECK(r.visits >= 3 && r.visits <= 60);
    r = run(&g, A, D, 6, 2); /* two visits cannot reach it */
    CHECK(r.outcome == FT_PATH_VISIT_LIMIT);
    CHECK_EQ_U64(r.n_hops, 0);
    /* bad arguments */
    ft_pathfind_result rr;
    CHECK(ft_pathfind_run(&g, A, A, 6, 10, &rr, NULL) == FT_ERR_ARG);
    CHECK(ft_pathfind_run(&g, A, D, 0, 10, &rr, NULL) == FT_ERR_ARG);
    CHECK(ft_pathfind_run(&g, A, D, 33, 10, &rr, NULL) == FT_ERR_ARG);
    CHECK(ft_pathfind_run(&g, A, N_ADDR, 6, 10, &rr, NULL) == FT_ERR_ARG);
    ft_graph_release(&g);
}

/* ---- account ------------------------------------------------------------------------------ */

static void acct_graph(ft_graph *g, uint32_t n, const uint32_t *from, const uint32_t *to,
                       const uint32_t *tx)
{
    int64_t time[64];
    for (uint32_t i = 0; i < n; i++)
        time[i] = 1700000000 + (int64_t)tx[i] * 12;
    ft_err err;
    CHECK(ft_graph_from_transfers(g, 1, N_ADDR, n, from, to, tx, time, &err) == FT_OK);
}

static void test_account(void)
{
    /* transfers in execution order (index = position):
     * 0: B → C (tx 0)   before B has A's money
     * 1: A → B (tx 1)
     * 2: A → X (tx 2)   fee row below
     * 3: X → Y (tx 3)   a contract forwarding within one tx: 3 and 4 share tx 3
     * 4: Y → D (tx 3)
     * 5: B → D (tx 4)   the other 2-hop route to D, its last hop later than... see below
     * 6: B → C (tx 5)   C only now reachable from A: A → B → C
     * 7: A → Z (tx 6)   a fee (kind fee): must not carry money
     * 8: Z → D (tx 7) */
    uint32_t from[] = {B, A, A, X, Y, B, B, A, Z}, to[] = {C, B, X, Y, D, D, C, Z, D};
    uint32_t tx[] = {0, 1, 2, 3, 3, 4, 5, 6, 7};
    ft_graph g;
    acct_graph(&g, 9, from, to, tx);
    g.xfer_kind = calloc(9, 1);
    g.xfer_kind[7] = FT_XFER_FEE;
    ft_pathfind_result r = run(&g, A, C, 6, 1000);
    CHECK(r.outcome == FT_PATH_FOUND);
    CHECK_EQ_U64(r.n_hops, 2);
    CHECK_EQ_U64(r.hops[0].item, 1);
    CHECK_EQ_U64(r.hops[1].item, 6); /* not transfer 0: that was before A's money came */
    CHECK_EQ_U64(r.hops[1].tx, 5);
    /* A → D: 2 hops via B (1, 5); Z's route is a fee (2 hops too, ends at 8: later) */
    r = run(&g, A, D, 6, 1000);
    CHECK(r.outcome == FT_PATH_FOUND);
    CHECK_EQ_U64(r.n_hops, 2);
    CHECK_EQ_U64(r.hops[0].item, 1);
    CHECK_EQ_U64(r.hops[1].item, 5);
    /* X → D: two hops in one transaction */
    r = run(&g, X, D, 6, 1000);
    CHECK(r.outcome == FT_PATH_FOUND && r.n_hops == 2);
    CHECK(r.hops[0].tx == 3 && r.hops[1].tx == 3 && r.hops[0].item == 3 && r.hops[1].item == 4);
    /* A → Z only by the fee: no path */
    r = run(&g, A, Z, 6, 1000);
    CHECK(r.outcome == FT_PATH_NONE);
    /* C pays no one */
    r = run(&g, C, A, 6, 1000);
    CHECK(r.outcome == FT_PATH_NONE);
    /* hop limit and budget */
    r = run(&g, A, Y, 1, 1000);
    CHECK(r.outcome == FT_PATH_HOP_LIMIT);
    r = run(&g, A, Y, 6, 1000);
    CHECK(r.outcome == FT_PATH_FOUND && r.n_hops == 2);
    r = run(&g, A, Y, 6, 1);
    CHECK(r.outcome == FT_PATH_VISIT_LIMIT);
    free(g.xfer_kind);
    g.xfer_kind = NULL;
    /* without the fee flag transfer 7 carries money: A → Z in one hop */
    r = run(&g, A, Z, 6, 1000);
    CHECK(r.outcome == FT_PATH_FOUND && r.n_hops == 1 && r.hops[0].item == 7);
    ft_graph_release(&g);
}

/* ---- random graphs against brute force --------------------------------------------------- */

static uint32_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

typedef struct brute {
    uint32_t best_len;
    uint32_t best[FT_PATHFIND_MAX_HOPS];
    uint32_t cur[FT_PATHFIND_MAX_HOPS];
} brute;

/* 1 when a (len n) is before b in the tie order: compared from the last hop backwards */
static int tie_before(const uint32_t *a, const uint32_t *b, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        if (a[i] != b[i])
            return a[i] < b[i];
    return 0;
}

static void brute_offer(brute *br, uint32_t len)
{
    if (len < br->best_len || (len == br->best_len && tie_before(br->cur, br->best, len))) {
        br->best_len = len;
        memcpy(br->best, br->cur, len * sizeof *br->cur);
    }
}

/* UTXO: cur[0..depth) is a chain of txs; extend by every tx spending an output of the last */
static void brute_utxo(const ft_graph *g, brute *br, uint32_t depth, uint32_t to, uint32_t max)
{
    uint32_t t = br->cur[depth - 1];
    for (uint32_t o = g->out_off[t]; o < g->out_off[t + 1]; o++)
        if (g->out_addr[o] == to)
            brute_offer(br, depth);
    if (depth == max)
        return;
    for (uint32_t o = g->out_off[t]; o < g->out_off[t + 1]; o++) {
        uint32_t u = g->out_spent_by[o];
        if (g->out_addr[o] == 0 || u == FT_GRAPH_NONE)
            continue;
        br->cur[depth] = u;
        brute_utxo(g, br, depth + 1, to, max);
    }
}

static void test_random_utxo(void)
{
    uint32_t n_found = 0, n_long = 0;
    rng_state = 12345;
    for (int round = 0; round < 40; round++) {
        ft_graph g;
        uint32_t n_addr = 4 + rnd(14);
        gb_init(&g, n_addr + 1);
        uint32_t unspent[256], n_un = 0;
        for (int k = 0; k < 60; k++) {
            gb_out outs[3];
            uint32_t n_out = 1 + rnd(3);
            for (uint32_t j = 0; j < n_out; j++)
                outs[j] = (gb_out){1 + rnd(100), rnd(8) == 0 ? 0 : 1 + rnd(n_addr), 0};
            uint32_t ins[2], n_in = 0;
            if (n_un > 0 && rnd(5) != 0) {
                n_in = 1 + (n_un > 1 ? rnd(2) : 0);
                for (uint32_t i = 0; i < n_in; i++) {
                    uint32_t pick = rnd(n_un);
                    ins[i] = unspent[pick];
                    unspent[pick] = unspent[--n_un];
                }
            }
            uint32_t t = gb_tx(&g, ins, n_in, outs, n_out);
            for (uint32_t o = g.out_off[t]; o < g.out_off[t + 1]; o++)
                if (g.out_addr[o] != 0 && n_un < 256)
                    unspent[n_un++] = o;
        }
        for (uint32_t from = 1; from <= n_addr; from++) {
            for (uint32_t to = 1; to <= n_addr; to++) {
                if (from == to)
                    continue;
                uint32_t max = 1 + rnd(6);
                brute br;
                br.best_len = UINT32_MAX;
                for (uint32_t o = 0; o < g.n_out; o++)
                    if (g.out_addr[o] == from && g.out_spent_by[o] != FT_GRAPH_NONE) {
                        br.cur[0] = g.out_spent_by[o];
                        brute_utxo(&g, &br, 1, to, max);
                    }
                ft_pathfind_result r = run(&g, from, to, max, 1000000);
                if (br.best_len == UINT32_MAX) {
                    CHECK(r.outcome == FT_PATH_NONE || r.outcome == FT_PATH_HOP_LIMIT);
                    continue;
                }
                CHECK(r.outcome == FT_PATH_FOUND);
                CHECK_EQ_U64(r.n_hops, br.best_len);
                if (r.outcome != FT_PATH_FOUND || r.n_hops != br.best_len)
                    continue;
                for (uint32_t k = 0; k < r.n_hops; k++) {
                    const ft_pathfind_hop *h = &r.hops[k];
                    CHECK_EQ_U64(h->tx, br.best[k]);
                    /* the hop spends `spent` (an output of from / of the previous hop) and
                     * pays `item` to `to`; the next hop spends item */
                    CHECK_EQ_U64(g.out_spent_by[h->spent], h->tx);
                    CHECK(h->item >= g.out_off[h->tx] && h->item < g.out_off[h->tx + 1]);
                    CHECK_EQ_U64(g.out_addr[h->spent], h->from);
                    CHECK_EQ_U64(g.out_addr[h->item], h->to);
                    if (k == 0)
                        CHECK_EQ_U64(h->from, from);
                    else
                        CHECK_EQ_U64(h->spent, r.hops[k - 1].item);
                }
                CHECK_EQ_U64(r.hops[r.n_hops - 1].to, to);
                n_found++;
                n_long += r.n_hops >= 3;
            }
        }
        ft_graph_release(&g);
    }
    printf("random utxo: %u paths found, %u of 3 hops or more\n", n_found, n_long);
    CHECK(n_found >= 200 && n_long >= 50); /* the comparison is not vacuous */
}

static void brute_acct(const ft_graph *g, brute *br, uint32_t depth, uint32_t to, uint32_t max)
{
    uint32_t x = br->cur[depth - 1];
    if (g->xfer_to[x] == to) {
        brute_offer(br, depth);
        return;
    }
    if (depth == max)
        return;
    for (uint32_t y = x + 1; y < g->n_xfer; y++) {
        if (g->xfer_from[y] != g->xfer_to[x] || g->xfer_from[y] == g->xfer_to[y])
            continue;
        br->cur[depth] = y;
        brute_acct(g, br, depth + 1, to, max);
    }
}

static void test_random_account(void)
{
    uint32_t n_found = 0, n_long = 0;
    rng_state = 777;
    for (int round = 0; round < 40; round++) {
        uint32_t n_addr = 4 + rnd(12), n = 20 + rnd(44);
        uint32_t from[64], to[64], tx[64];
        for (uint32_t i = 0; i < n; i++) {
            from[i] = 1 + rnd(n_addr);
            to[i] = 1 + rnd(n_addr);
            tx[i] = i / 2;
        }
        ft_graph g;
        int64_t time[64];
        for (uint32_t i = 0; i < n; i++)
            time[i] = tx[i];
        CHECK(ft_graph_from_transfers(&g, 1, n_addr + 1, n, from, to, tx, time, NULL) == FT_OK);
        for (uint32_t a = 1; a <= n_addr; a++) {
            for (uint32_t b = 1; b <= n_addr; b++) {
                if (a == b)
                    continue;
                uint32_t max = 1 + rnd(6);
                brute br;
                br.best_len = UINT32_MAX;
                for (uint32_t x = 0; x < n; x++)
                    if (from[x] == a && to[x] != a) {
                        br.cur[0] = x;
                        brute_acct(&g, &br, 1, b, max);
                    }
                ft_pathfind_result r = run(&g, a, b, max, 1000000);
                if (br.best_len == UINT32_MAX) {
                    CHECK(r.outcome == FT_PATH_NONE || r.outcome == FT_PATH_HOP_LIMIT);
                    continue;
                }
                CHECK(r.outcome == FT_PATH_FOUND);
                CHECK_EQ_U64(r.n_hops, br.best_len);
                for (uint32_t k = 0; r.outcome == FT_PATH_FOUND && k < r.n_hops &&
                                     r.n_hops == br.best_len;
                     k++) {
                    CHECK_EQ_U64(r.hops[k].item, br.best[k]);
                    CHECK_EQ_U64(r.hops[k].from, from[br.best[k]]);
                    CHECK_EQ_U64(r.hops[k].to, to[br.best[k]]);
                    CHECK_EQ_U64(r.hops[k].tx, tx[br.best[k]]);
                }
                n_found++;
                n_long += r.n_hops >= 3;
            }
        }
        ft_graph_release(&g);
    }
    printf("random account: %u paths found, %u of 3 hops or more\n", n_found, n_long);
    CHECK(n_found >= 200 && n_long >= 50);
}

/* ---- the index as a source vs the loaded graph --------------------------------------------- */

static void test_store_matches_graph(void)
{
    char dir[64];
    ft_test_tmpl(dir, sizeof dir, "ft_test_pathfind");
    CHECK(mkdtemp(dir) != NULL);
    ft_store *st = NULL;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_store_open(&st, dir, FT_STORE_WRITE, &err) == FT_OK);
    ft_btc_index_stats stats;
    ft_status s = ft_btc_index_blocks(st, ft_test_path("source", "datasets/sample/blocks"),
                                      ft_btc_params_by_name("regtest"), FT_BTC_HEIGHT_NONE, NULL,
                                      &stats, &err);
    CHECK(s == FT_OK);
    if (s != FT_OK)
        fprintf(stderr, "index: %s\n", err.msg);
    ft_graph g;
    CHECK(ft_graph_load_utxo(&g, st, FT_CHAIN_BTC, &err) == FT_OK);
    CHECK(g.n_tx > 100 && g.n_addr > 100);
    uint32_t n_found = 0, n_none = 0, n_limit = 0, n_pairs = 0;
    /* pairs along the chain (FROM = an input address of tx t, TO = an output address a few
     * spends later: connected, so mostly found) and spread over all addresses (mostly not) */
    uint32_t pa[1400], pb[1400], n_p = 0;
    for (uint32_t t = 0; t < g.n_tx && n_p < 600; t += 1 + g.n_tx / 600) {
        if (ft_graph_n_in(&g, t) == 0)
            continue;
        uint32_t cur = t;
        for (uint32_t step = t % 6; step > 0; step--) {
            uint32_t next = FT_GRAPH_NONE;
            for (uint32_t o = g.out_off[cur]; o < g.out_off[cur + 1] && next == FT_GRAPH_NONE; o++)
                if (g.out_addr[o] != 0)
                    next = g.out_spent_by[o];
            if (next == FT_GRAPH_NONE)
                break;
            cur = next;
        }
        pa[n_p] = ft_graph_in_addr(&g, g.in_off[t]);
        pb[n_p] = g.out_addr[g.out_off[cur]];
        n_p++;
    }
    for (uint32_t a = 1; a < g.n_addr && n_p < 1400; a += 1 + g.n_addr / 28)
        for (uint32_t b = 2; b < g.n_addr && n_p < 1400; b += 1 + g.n_addr / 25) {
            pa[n_p] = a;
            pb[n_p++] = b;
        }
    for (uint32_t i = 0; i < n_p; i++) {
        uint32_t a = pa[i], b = pb[i];
        if (a == b || a == 0 || b == 0)
            continue;
        uint32_t hops = 1 + (a + b) % 8;
        ft_pathfind_result rg, rs;
        ft_status sg = ft_pathfind_run(&g, a, b, hops, 100000, &rg, &err);
        ft_status ss = ft_pathfind_run_store(st, FT_CHAIN_BTC, a, b, hops, 100000, &rs, &err);
        CHECK(sg == FT_OK && ss == FT_OK);
        n_pairs++;
        if (rg.outcome != rs.outcome || rg.visits != rs.visits || rg.n_hops != rs.n_hops ||
            memcmp(rg.hops, rs.hops, rg.n_hops * sizeof rg.hops[0]) != 0) {
            CHECK(!"store and graph searches differ");
            fprintf(stderr, "pair %u -> %u (max %u hops): outcome %d/%d, hops %u/%u\n", a, b,
                    hops, rg.outcome, rs.outcome, rg.n_hops, rs.n_hops);
        }
        n_found += rg.outcome == FT_PATH_FOUND;
        n_none += rg.outcome == FT_PATH_NONE;
        n_limit += rg.outcome == FT_PATH_HOP_LIMIT;
    }
    printf("store vs graph: %u pairs, %u found, %u no path, %u hop limit\n", n_pairs, n_found,
           n_none, n_limit);
    CHECK(n_found >= 200 && n_none >= 50 && n_limit >= 50);
    /* the budget: the same outcome when it runs out */
    ft_pathfind_result rg, rs;
    CHECK(ft_pathfind_run(&g, 1, 4, 8, 3, &rg, &err) == FT_OK);
    CHECK(ft_pathfind_run_store(st, FT_CHAIN_BTC, 1, 4, 8, 3, &rs, &err) == FT_OK);
    CHECK(rg.outcome == rs.outcome && rg.visits == rs.visits);
    ft_graph_release(&g);
    ft_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

FT_TEST_MAIN({"utxo_shortest", test_utxo_shortest},
             {"utxo_backwards_in_time", test_utxo_backwards_in_time},
             {"utxo_ties", test_utxo_ties}, {"utxo_budget", test_utxo_budget},
             {"account", test_account}, {"random_utxo", test_random_utxo},
             {"random_account", test_random_account},
             {"store_matches_graph", test_store_matches_graph})
