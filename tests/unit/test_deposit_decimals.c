/*
 * test_deposit_decimals.c — the deposit heuristic's amount bound in each asset's own decimals
 * (heuristics/deposit.c: a_max = 0.01 of one whole unit, 10^(decimals-2) base units) and the
 * account loader's asset_decimals (engine/graph_account.c, from the token records).
 *
 * bound: ft_deposit_amount_bound's table: ETH 10^16, USDT (6) 10^4, 2 decimals 1, 0 decimals
 * 1, 40 decimals 10^38, 41 and 77 decimals the largest 128-bit value, unknown decimals and an
 * asset id beyond n_asset: no bound; a graph without asset_decimals: 10^16 for the native
 * asset, no bound for any token.
 *
 * links: a hand-made account graph, hot wallet 1 of one exchange, receipts at t = 0 and the
 * forward to 1 at t = 12 (well within the delay bound), assets 0 ETH, 1 USDT (6 decimals),
 * 2 a token of unknown decimals, 3 a token of 0 decimals, 4 DAI (18 decimals):
 *   3 <- 4    100 USDT, forward 100.005 USDT        linked (0.005 USDT off)
 *   5 <- 6    100 USDT, forward 100.01 USDT         linked (0.01 USDT off: the bound included)
 *   7 <- 8    100 USDT, forward 100.010001 USDT     not linked (one base unit over)
 *   9 <- 10   100 USDT, forward 99 USDT             not linked (1 USDT off; linked under the
 *                                                   old uniform bound of 10^16 base units)
 *   11 <- 12  1 ETH, forward 1.005 ETH              linked (ETH unchanged)
 *   13 <- 14  1 ETH, forward 0.99 ETH               linked (0.01 ETH off)
 *   15 <- 16  1 ETH, forward 0.99 ETH - 1 wei       not linked
 *   17 <- 18  100 units of the unknown token, forwarded exactly: not linked (no bound known)
 *   19 <- 20  5 units of the 0-decimal token, forward 6   linked (bound 1 base unit)
 *   21 <- 22  5 units of the 0-decimal token, forward 7   not linked
 *   23 <- 24  1 DAI, forward 1.005 DAI              linked (an 18-decimal token: as ETH)
 *   25 <- 26 (40 USDT), 27 (60 USDT), forward 100.000001 USDT: both linked (sum of receipts)
 * The same graph with every asset at 18 decimals (the uniform 10^16 base units used before)
 * links 7, 9, 17 and 21 too: the test fails if the bound ignores the decimals. Without
 * asset_decimals only the ETH deposits 11 and 13 link.
 *
 * loader: the bundled Ethereum sample (datasets/sample/ethereum) indexed with a tokens file
 * giving its token 6 decimals: asset_decimals = {18, 6}; indexed without one: {18, unknown}.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chains/ethereum/etl.h"
#include "chains/ethereum/params.h"
#include "engine/graph.h"
#include "engine/store.h"
#include "heuristics/cluster.h"
#include "heuristics/deposit.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

#define E18 1000000000000000000ull
#define E16 10000000000000000ull
#define USDT 1000000ull

static ft_u128 pow10u(unsigned k)
{
    ft_u128 v = 1;
    while (k--)
        v *= 10;
    return v;
}

static void test_bound(void)
{
    static const uint8_t dec[] = {18, 6, 2, 0, 40, 41, 77, FT_GRAPH_DECIMALS_UNKNOWN, 1};
    ft_graph g;
    memset(&g, 0, sizeof g);
    g.model = FT_GRAPH_ACCOUNT;
    g.n_asset = sizeof dec;
    g.asset_decimals = (uint8_t *)dec;
    ft_u128 b = 0;
    CHECK(ft_deposit_amount_bound(&g, 0, &b) && b == E16);
    CHECK(ft_deposit_amount_bound(&g, 1, &b) && b == 10000);
    CHECK(ft_deposit_amount_bound(&g, 2, &b) && b == 1);
    CHECK(ft_deposit_amount_bound(&g, 3, &b) && b == 1);
    CHECK(ft_deposit_amount_bound(&g, 4, &b) && b == pow10u(38));
    CHECK(ft_deposit_amount_bound(&g, 5, &b) && b == ~(ft_u128)0);
    CHECK(ft_deposit_amount_bound(&g, 6, &b) && b == ~(ft_u128)0);
    CHECK(ft_deposit_amount_bound(&g, 8, &b) && b == 1);
    b = 7;
    CHECK(!ft_deposit_amount_bound(&g, 7, &b) && b == 7); /* unknown decimals */
    CHECK(!ft_deposit_amount_bound(&g, 9, &b) && b == 7); /* beyond n_asset */
    g.asset_decimals = NULL; /* no decimals: the native asset only */
    CHECK(ft_deposit_amount_bound(&g, 0, &b) && b == E16);
    b = 7;
    CHECK(!ft_deposit_amount_bound(&g, 1, &b) && b == 7);
    CHECK(!ft_deposit_amount_bound(&g, 4, &b) && b == 7);
}

enum { N_ADDR = 28 };

static void run(ft_graph *g, const uint32_t *want, uint64_t want_links)
{
    uint32_t ent[N_ADDR];
    for (int i = 0; i < N_ADDR; i++)
        ent[i] = FT_GRAPH_NONE;
    ent[1] = 0;
    uint8_t cat[1] = {FT_CAT_EXCHANGE};
    ft_cluster_labels lab = {ent, cat, 1};
    ft_cluster_opts o = {0};
    ft_err err;
    CHECK(ft_registry_parse("deposit", &o.mask, &err) == FT_OK);
    o.guard = 1;
    ft_cluster_result r;
    CHECK(ft_cluster_run(g, &lab, &o, &r, &err) == FT_OK);
    for (int i = 0; i < N_ADDR; i++)
        if (r.cluster[i] != want[i]) {
            fprintf(stderr, "address %d: cluster %u, want %u\n", i, r.cluster[i], want[i]);
            CHECK(r.cluster[i] == want[i]);
        }
    CHECK_EQ_U64(r.links, want_links);
    ft_cluster_result_release(&r);
}

static void test_links(void)
{
    /* receipts (t = 0) then forwards to the hot wallet 1 (t = 12), per deposit address */
    static const struct {
        uint32_t from, to, asset;
        int64_t t;
        ft_u128 amount;
    } x[] = {
        {4, 3, 1, 0, 100 * USDT},        {3, 1, 1, 12, 100 * USDT + 5000},
        {6, 5, 1, 0, 100 * USDT},        {5, 1, 1, 12, 100 * USDT + 10000},
        {8, 7, 1, 0, 100 * USDT},        {7, 1, 1, 12, 100 * USDT + 10001},
        {10, 9, 1, 0, 100 * USDT},       {9, 1, 1, 12, 99 * USDT},
        {12, 11, 0, 0, E18},             {11, 1, 0, 12, E18 + 5 * E16 / 10},
        {14, 13, 0, 0, E18},             {13, 1, 0, 12, E18 - E16},
        {16, 15, 0, 0, E18},             {15, 1, 0, 12, E18 - E16 - 1},
        {18, 17, 2, 0, 100},             {17, 1, 2, 12, 100},
        {20, 19, 3, 0, 5},               {19, 1, 3, 12, 6},
        {22, 21, 3, 0, 5},               {21, 1, 3, 12, 7},
        {24, 23, 4, 0, E18},             {23, 1, 4, 12, E18 + 5 * E16 / 10},
        {26, 25, 1, 0, 40 * USDT},       {27, 25, 1, 0, 60 * USDT},
        {25, 1, 1, 12, 100 * USDT + 1},
    };
    enum { N = sizeof x / sizeof x[0] };
    uint32_t from[N], to[N], tx[N];
    int64_t tm[N];
    for (uint32_t i = 0; i < N; i++) {
        from[i] = x[i].from;
        to[i] = x[i].to;
        tx[i] = i;
        tm[i] = x[i].t;
    }
    ft_graph g;
    ft_err err;
    CHECK(ft_graph_from_transfers(&g, 0x02, N_ADDR, N, from, to, tx, tm, &err) == FT_OK);
    g.xfer_amount = malloc(N * sizeof *g.xfer_amount); /* freed by ft_graph_release */
    g.xfer_asset = malloc(N * sizeof *g.xfer_asset);
    g.asset_decimals = malloc(5);
    CHECK(g.xfer_amount && g.xfer_asset && g.asset_decimals);
    if (!g.xfer_amount || !g.xfer_asset || !g.asset_decimals) {
        ft_graph_release(&g);
        return;
    }
    for (uint32_t i = 0; i < N; i++) {
        g.xfer_amount[i] = x[i].amount;
        g.xfer_asset[i] = x[i].asset;
    }
    g.n_asset = 5;
    static const uint8_t dec[5] = {18, 6, FT_GRAPH_DECIMALS_UNKNOWN, 0, 18};
    memcpy(g.asset_decimals, dec, 5);
    static const uint32_t want[N_ADDR] = {0,  1,  2,  3,  3,  5,  5,  7,  8,  9,
                                          10, 11, 11, 13, 13, 15, 16, 17, 18, 19,
                                          19, 21, 22, 23, 23, 25, 25, 25};
    run(&g, want, 8);
    /* every asset at 18 decimals (10^16 base units, the old uniform bound): 7, 9, 17 and 21
     * link too */
    memset(g.asset_decimals, 18, 5);
    static const uint32_t old[N_ADDR] = {0,  1,  2,  3,  3,  5,  5,  7,  7,  9,
                                         9,  11, 11, 13, 13, 15, 16, 17, 17, 19,
                                         19, 21, 21, 23, 23, 25, 25, 25};
    run(&g, old, 12);
    /* no decimals at all: no token links, the ETH deposits 11 and 13 only */
    free(g.asset_decimals);
    g.asset_decimals = NULL;
    static const uint32_t eth[N_ADDR] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,
                                         10, 11, 11, 13, 13, 15, 16, 17, 18, 19,
                                         20, 21, 22, 23, 24, 25, 26, 27};
    run(&g, eth, 2);
    ft_graph_release(&g);
}

/* Indexes the sample into a fresh store (tokens file or NULL) and checks the loaded decimals. */
static void load_sample(const char *tokens, uint8_t want_token_decimals)
{
    char base[128], db[160];
    ft_test_tmpl(base, sizeof base, "ft_test_deposit_decimals");
    CHECK(mkdtemp(base) != NULL);
    snprintf(db, sizeof db, "%s/db", base);
    const ft_eth_params *p = ft_eth_params_by_name("dev");
    CHECK(p != NULL);
    ft_store *st = NULL;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_store_open(&st, db, FT_STORE_WRITE, &err) == FT_OK);
    char tpath[192] = "";
    if (tokens) {
        snprintf(tpath, sizeof tpath, "%s/tokens.csv", base);
        FILE *f = fopen(tpath, "wb");
        CHECK(f != NULL);
        if (f) {
            fputs(tokens, f);
            fclose(f);
        }
    }
    if (st && p) {
        ft_eth_index_stats stats;
        ft_status s = ft_eth_index_etl_tokens(st, p, ft_test_path("source", "datasets/sample/ethereum"),
                                              tokens ? tpath : NULL, &stats, &err);
        if (s != FT_OK)
            fprintf(stderr, "index: %s\n", err.msg);
        CHECK(s == FT_OK);
        ft_graph g;
        s = ft_graph_load_account(&g, st, p->chain_byte, &err);
        CHECK(s == FT_OK);
        if (s == FT_OK) {
            CHECK_EQ_U64(g.n_asset, 2);
            CHECK(g.asset_decimals != NULL);
            if (g.asset_decimals && g.n_asset == 2) {
                CHECK_EQ_U64(g.asset_decimals[0], 18);
                CHECK_EQ_U64(g.asset_decimals[1], want_token_decimals);
            }
            ft_graph_release(&g);
        }
    }
    if (st)
        ft_store_close(st);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    CHECK(system(cmd) == 0);
}

static void test_loader(void)
{
    /* the sample's token contract (token_transfers.csv), given 6 decimals */
    load_sample("chain,contract,symbol,decimals,source\n"
                "dev,0x8464135c8f25da09e49bc8782676a84730c318bc,TST,6,test\n",
                6);
    load_sample(NULL, FT_GRAPH_DECIMALS_UNKNOWN);
}

FT_TEST_MAIN({"bound", test_bound}, {"links", test_links}, {"loader", test_loader})
