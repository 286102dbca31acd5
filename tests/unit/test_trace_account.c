/*
 * test_trace_account.c — the account-chain taint models (engine/trace_account.c) on a
 * hand-built graph whose figures are worked out below, its evidence paths and USD values
 * (test_paths_usd, with the real datasets/prices files), plus the 256-bit muldiv.
 *
 * Addresses: 1 victim, 2 thief, 3 A, 4 B, 5 exchange (terminal), 6 mixer (terminal),
 * 7 miner, 8 funder. Asset 1 = a token. Transfers in execution order (x: tx kind from→to amount):
 *
 *   x0  t0 ext    8→3  100   A holds 100 clean before the theft
 *   x1  t1 fee    1→7    2   the victim's gas (not stolen: a txid seed skips fees)
 *   x2  t1 ext    1→2  300   THE THEFT (incident "i1": seed tx t1)
 *   x3  t2 fee    2→7    3
 *   x4  t2 ext    2→3  100   thief → A: A has 100 clean + 100 tainted
 *   x5  t3 fee    3→0   10   A's gas, burnt
 *   x6  t3 ext    3→6   60   A → mixer
 *   x7  t3 int    6→4   55   the mixer pays B by an internal transfer (clean: taint stops)
 *   x8  t4 fee    3→7    4   a failed tx of A: only its fee moves
 *   x9  t5 fee    2→7    1
 *   x10 t5 token  2→4 1000   token transfer (incident "i2": seed "t5:1" = this entry)
 *   x11 t6 fee    3→7    6
 *   x12 t6 ext    3→5   50   A → exchange
 *   x13 t7 fee    4→7    1
 *   x14 t7 token  4→5  400   B sends tokens to the exchange
 *   x15 t8 ext    3→4    7   A → B: a partially tainted balance passes on
 *
 * i1 haircut (floor(T·a/B) at each outgoing transfer, B = balance before it):
 *   thief T=300 B=300: x3 3 (fee), x4 100 → A, x9 1 (fee); thief keeps 196
 *   A T=100 B=200: x5 floor(100·10/200)=5 fee; T 95 B 190: x6 floor(95·60/190)=30 mixer;
 *   T 65 B 130: x8 2 fee; T 63 B 126: x11 3 fee; T 60 B 120: x12 25 exchange; T 35 B 70:
 *   x15 floor(35·7/70)=3 → B; A keeps 32.
 *   stolen 300 = exchange 25 + mixer 30 + fees (3+5+2+1+3=14) + unspent (196+32+3=231)
 * i1 fifo: thief [t300] → x3 t3, x4 t100, x9 t1: keeps 196. A [c100][t100]: x5,x6,x8,x11
 *   take 10+60+4+6 = 80 clean → [c20][t100]; x12 takes c20 + t30 → exchange 30; x15 t7 → B.
 *   stolen 300 = exchange 30 + fees (3+1=4) + unspent (196+63+7=266)
 * i1 poison: every outgoing transfer of thief and A in full: fees 3+10+4+1+6 = 24,
 *   mixer 60, exchange 50; unspent = final balances of thief 196, A 63, B (55-1+7=61) = 320
 * i2 (token): B holds 1000 tainted tokens, sends 400 to the exchange: exchange 400,
 *   unspent 600 in every model; no ETH row.
 * i3 = the theft capped at 150 (an address-style partial seed), haircut:
 *   thief T=150 B=300: x3 floor(450/300)=1; T 149 B 297: x4 floor(14900/297)=50 → A;
 *   T 99 B 197: x9 floor(99/197)=0; keeps 99. A T=50 B=200: x5 2; T 48 B 190: x6
 *   floor(2880/190)=15 mixer; T 33 B 130: x8 1; T 32 B 126: x11 1; T 31 B 120: x12
 *   floor(1550/120)=12 exchange; T 19 B 70: x15 floor(133/70)=1 → B; A keeps 18.
 *   150 = exchange 12 + mixer 15 + fees (1+2+1+1=5) + unspent (99+18+1=118)
 * i3 fifo: thief [t150][c150] → x3 t3, x4 t100 → A, x9 t1; keeps t46. A as in i1:
 *   exchange 30, B 7, A keeps 63. 150 = 30 + fees 4 + unspent (46+63+7=116)
 * Limits on i1 haircut: max_hops 1 → x4 (hop 1) stops: hop_limit 100, fees 3+1, unspent 196;
 *   min_value 26 → x15's 3 is below_threshold (terminals are checked first: 25 and 30 count).
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/account.h"
#include "engine/graph.h"
#include "engine/labels.h"
#include "engine/prices.h"
#include "engine/trace_account.h"
#include "heuristics/taint.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

#define NX 16

static const uint32_t X_TX[NX] = {0, 1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 6, 7, 7, 8};
static const uint8_t X_KIND[NX] = {0, 3, 0, 3, 0, 3, 0, 1, 3, 3, 2, 3, 0, 3, 2, 0};
static const uint32_t X_FROM[NX] = {8, 1, 1, 2, 2, 3, 3, 6, 3, 2, 2, 3, 3, 4, 4, 3};
static const uint32_t X_TO[NX] = {3, 7, 2, 7, 3, 0, 6, 4, 7, 7, 4, 7, 5, 7, 5, 4};
static const uint32_t X_ASSET[NX] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0};
static const uint64_t X_AMT[NX] = {100, 2, 300, 3, 100, 10, 60, 55, 4, 1, 1000, 6, 50, 1, 400, 7};

static int build(ft_graph *g)
{
    int64_t time[NX];
    for (int i = 0; i < NX; i++)
        time[i] = 1700000000 + 12 * X_TX[i];
    ft_err err;
    if (ft_graph_from_transfers(g, 0x25, 9, NX, X_FROM, X_TO, X_TX, time, &err) != FT_OK)
        return 0;
    g->xfer_kind = malloc(NX);
    g->xfer_flags = malloc(NX);
    g->xfer_asset = malloc(NX * sizeof *g->xfer_asset);
    g->xfer_amount = malloc(NX * sizeof *g->xfer_amount);
    if (!g->xfer_kind || !g->xfer_flags || !g->xfer_asset || !g->xfer_amount)
        return 0;
    for (int i = 0; i < NX; i++) {
        g->xfer_kind[i] = X_KIND[i];
        g->xfer_flags[i] = FT_XFER_MOVES;
        g->xfer_asset[i] = X_ASSET[i];
        g->xfer_amount[i] = X_AMT[i];
    }
    g->n_asset = 2;
    return 1;
}

static uint8_t cat[9];
static uint32_t ent[9];

static void terminals(void)
{
    memset(cat, FT_CAT_NONE, sizeof cat);
    for (int i = 0; i < 9; i++)
        ent[i] = FT_GRAPH_NONE;
    cat[5] = FT_CAT_EXCHANGE;
    ent[5] = 0;
    cat[6] = FT_CAT_MIXER;
    ent[6] = 1;
}

static const ft_trace_account_summary *row(const ft_trace_account_result *r, uint32_t inc,
                                           uint32_t model, uint32_t asset)
{
    for (size_t i = 0; i < r->n_summary; i++)
        if (r->summary[i].incident == inc && r->summary[i].model == model &&
            r->summary[i].asset == asset)
            return &r->summary[i];
    return NULL;
}

/* stolen, exchange, mixer, unspent, fees, below, hop_limit */
static int sum_is(const ft_trace_account_summary *s, uint64_t stolen, uint64_t exch, uint64_t mix,
                  uint64_t unspent, uint64_t fees, uint64_t below, uint64_t hops)
{
    if (!s)
        return 0;
    int ok = s->s.stolen == stolen && s->s.to_exchange == exch && s->s.to_mixer == mix &&
             s->s.unspent == unspent && s->s.fees == fees && s->s.below_threshold == below &&
             s->s.hop_limit == hops && s->s.to_bridge == 0 && s->s.to_other == 0;
    if (!ok)
        fprintf(stderr, "summary inc %u model %u asset %u: stolen %llu exch %llu mix %llu unspent "
                        "%llu fees %llu below %llu hops %llu\n",
                s->incident, s->model, s->asset, (unsigned long long)s->s.stolen,
                (unsigned long long)s->s.to_exchange, (unsigned long long)s->s.to_mixer,
                (unsigned long long)s->s.unspent, (unsigned long long)s->s.fees,
                (unsigned long long)s->s.below_threshold, (unsigned long long)s->s.hop_limit);
    return ok;
}

static const ft_trace_account_flow *flow(const ft_trace_account_result *r, uint32_t inc,
                                         uint32_t model, uint32_t addr, uint32_t asset)
{
    for (size_t i = 0; i < r->n_flows; i++)
        if (r->flows[i].f.incident == inc && r->flows[i].f.model == model &&
            r->flows[i].f.addr == addr && r->flows[i].asset == asset)
            return &r->flows[i];
    return NULL;
}

static const ft_trace_account_seed SEEDS[] = {
    {0, 2, 0},   /* i1: tx t1's non-fee transfers = x2 */
    {1, 10, 0},  /* i2: t5:1 = x10 */
    {2, 2, 150}, /* i3: x2 capped at 150 */
    {0, 2, 0},   /* a repeat counts once */
};
static const char *const NAMES[] = {"i1", "i2", "i3"};

static void test_models(void)
{
    ft_graph g;
    CHECK(build(&g));
    terminals();
    ft_trace_account_opts o = {0};
    o.models = 1u << FT_TAINT_POISON | 1u << FT_TAINT_HAIRCUT | 1u << FT_TAINT_FIFO;
    o.max_hops = FT_TRACE_NO_HOP_LIMIT;
    ft_trace_account_result r[2];
    ft_err err;
    for (int k = 0; k < 2; k++) {
        omp_set_num_threads(k + 1);
        CHECK(ft_trace_account_run(&r[k], &g, cat, ent, SEEDS, 4, NAMES, 3, &o, &err) == FT_OK);
    }
    const ft_trace_account_result *x = &r[0];
    /* i1 */
    CHECK(sum_is(row(x, 0, FT_TAINT_HAIRCUT, 0), 300, 25, 30, 231, 14, 0, 0));
    CHECK(sum_is(row(x, 0, FT_TAINT_FIFO, 0), 300, 30, 0, 266, 4, 0, 0));
    CHECK(sum_is(row(x, 0, FT_TAINT_POISON, 0), 300, 50, 60, 320, 24, 0, 0));
    CHECK(row(x, 0, FT_TAINT_HAIRCUT, 1) == NULL); /* no token taint from the ETH theft */
    /* i2: token only */
    for (uint32_t m = 0; m < 3; m++) {
        CHECK(sum_is(row(x, 1, m, 1), 1000, 400, 0, 600, 0, 0, 0));
        CHECK(row(x, 1, m, 0) == NULL);
        const ft_trace_account_flow *f = flow(x, 1, m, 5, 1);
        CHECK(f && f->f.amount == 400 && f->f.hops == 1 && f->f.tx_count == 1);
    }
    /* i3: partial seed */
    CHECK(sum_is(row(x, 2, FT_TAINT_HAIRCUT, 0), 150, 12, 15, 118, 5, 0, 0));
    CHECK(sum_is(row(x, 2, FT_TAINT_FIFO, 0), 150, 30, 0, 116, 4, 0, 0));
    /* flows: exchange and mixer reached at hop 2 (theft 0, A 1), entity copied */
    const ft_trace_account_flow *f = flow(x, 0, FT_TAINT_HAIRCUT, 5, 0);
    CHECK(f && f->f.amount == 25 && f->f.hops == 2 && f->f.entity == 0 &&
          f->f.category == FT_CAT_EXCHANGE && f->f.first_time == 1700000000 + 72);
    f = flow(x, 0, FT_TAINT_HAIRCUT, 6, 0);
    CHECK(f && f->f.amount == 30 && f->f.category == FT_CAT_MIXER);
    CHECK(flow(x, 0, FT_TAINT_FIFO, 6, 0) == NULL); /* fifo: only clean lots reached the mixer */
    /* same bytes with 1 and 2 threads */
    CHECK(r[0].n_summary == r[1].n_summary && r[0].n_flows == r[1].n_flows);
    CHECK(r[0].n_summary == r[1].n_summary &&
          memcmp(r[0].summary, r[1].summary, r[0].n_summary * sizeof *r[0].summary) == 0);
    CHECK(r[0].n_flows == r[1].n_flows &&
          memcmp(r[0].flows, r[1].flows, r[0].n_flows * sizeof *r[0].flows) == 0);
    ft_trace_account_result_release(&r[0]);
    ft_trace_account_result_release(&r[1]);
    ft_graph_release(&g);
}

static void test_limits(void)
{
    ft_graph g;
    CHECK(build(&g));
    terminals();
    ft_trace_account_opts o = {0};
    o.models = 1u << FT_TAINT_HAIRCUT;
    o.max_hops = 1;
    ft_trace_account_result r;
    ft_err err;
    CHECK(ft_trace_account_run(&r, &g, cat, ent, SEEDS, 1, NAMES, 1, &o, &err) == FT_OK);
    CHECK(sum_is(row(&r, 0, FT_TAINT_HAIRCUT, 0), 300, 0, 0, 196, 4, 0, 100));
    ft_trace_account_result_release(&r);
    o.max_hops = FT_TRACE_NO_HOP_LIMIT;
    o.min_value = 26;
    CHECK(ft_trace_account_run(&r, &g, cat, ent, SEEDS, 1, NAMES, 1, &o, &err) == FT_OK);
    CHECK(sum_is(row(&r, 0, FT_TAINT_HAIRCUT, 0), 300, 25, 30, 228, 14, 3, 0));
    ft_trace_account_result_release(&r);
    /* bad input */
    ft_trace_account_seed bad = {0, NX, 0};
    CHECK(ft_trace_account_run(&r, &g, cat, ent, &bad, 1, NAMES, 1, &o, &err) == FT_ERR_ARG);
    o.models = 1u << FT_TAINT_LIFO;
    CHECK(ft_trace_account_run(&r, &g, cat, ent, SEEDS, 1, NAMES, 1, &o, &err) == FT_ERR_ARG);
    ft_graph_release(&g);
}

static void test_muldiv(void)
{
    ft_u128 two127 = (ft_u128)1 << 127;
    /* (2^127-1)(2^127+5)/2^127 = 2^127 + 4 - 5/2^127 → 2^127 + 3 */
    CHECK(ft_trace_account_muldiv(two127 - 1, two127 + 5, two127) == two127 + 3);
    CHECK(ft_trace_account_muldiv(7, 10, 7) == 10);
    CHECK(ft_trace_account_muldiv(0, 10, 7) == 0);
    /* 10^30 · 10^30 / (3·10^30) = 3.33…·10^29 */
    ft_u128 e30 = (ft_u128)1000000000000000ull * 1000000000000000ull;
    ft_u128 want = e30 / 3; /* floor(10^30 / 3) */
    CHECK(ft_trace_account_muldiv(e30, e30, 3 * e30) == want);
    /* a = d: the result is b exactly */
    CHECK(ft_trace_account_muldiv(two127 + 11, ~(ft_u128)0, two127 + 11) == ~(ft_u128)0);
}

/* The evidence path of flow f: n steps (xfer, taint) from the seed to the terminal. */
static int path_is(const ft_trace_account_result *r, const ft_trace_account_flow *f, size_t n,
                   const uint32_t *xfer, const uint64_t *taint)
{
    if (!f || !r->path_off)
        return 0;
    size_t i = (size_t)(f - r->flows), a = r->path_off[i], b = r->path_off[i + 1];
    if (b - a != n)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (r->path[a + k].xfer != xfer[k] || r->path[a + k].taint != taint[k])
            return 0;
    return 1;
}

/* Paths (header comment's figures): every state remembers its largest tainted receipt; A's
 * taint came from x4 only, the thief's from the seed x2, B's tokens from the seed x10.
 *   i1 haircut exchange: x2 (300) → x4 (100) → x12 (25); mixer: x2 → x4 → x6 (30)
 *   i1 poison exchange:  x2 (300) → x4 (100) → x12 (50); fifo: … → x12 (30)
 *   i2 token exchange:   x10 (1000) → x14 (400)
 * USD (datasets/prices, every transfer on 2023-11-14 UTC: ETH close 1979.05, BTC 35537.64).
 * Asset 0 priced as ETH with 1 decimal, asset 1 as BTC with 2 decimals (test units):
 *   haircut exchange 25 = 2.5 ETH × 1979.05 = 4947.625 USD → "4947.63" (half up), micro-USD
 *   4947625000 exactly; mixer 3.0 ETH = 5937.15; token exchange 4.00 × 35537.64 = 142150.56.
 *   Without a price symbol for asset 1 the token flow's USD is unknown. */
static void test_paths_usd(void)
{
    ft_graph g;
    CHECK(build(&g));
    terminals();
    ft_prices *p = NULL;
    ft_err err;
    CHECK(ft_prices_load_dir(&p, ft_test_path("source", "datasets/prices"), &err) == FT_OK);
    const char *sym[2] = {"ETH", "BTC"};
    const unsigned dec[2] = {1, 2};
    ft_trace_account_opts o = {0};
    o.models = 1u << FT_TAINT_POISON | 1u << FT_TAINT_HAIRCUT | 1u << FT_TAINT_FIFO;
    o.max_hops = FT_TRACE_NO_HOP_LIMIT;
    o.paths = 1;
    o.prices = p;
    o.asset_price = sym;
    o.asset_decimals = dec;
    ft_trace_account_result r;
    CHECK(ft_trace_account_run(&r, &g, cat, ent, SEEDS, 4, NAMES, 3, &o, &err) == FT_OK);
    CHECK(r.path_off && r.path_off[r.n_flows] == r.n_path);
    static const uint32_t X1[3] = {2, 4, 12}, X2[3] = {2, 4, 6}, XT[2] = {10, 14};
    static const uint64_t H1[3] = {300, 100, 25}, H2[3] = {300, 100, 30},
                          P1[3] = {300, 100, 50}, F1[3] = {300, 100, 30}, T1[2] = {1000, 400};
    const ft_trace_account_flow *f = flow(&r, 0, FT_TAINT_HAIRCUT, 5, 0);
    CHECK(path_is(&r, f, 3, X1, H1));
    CHECK(f && f->f.usd_known && f->f.amount_usd == (ft_u128)4947625000u);
    char usd[FT_AMOUNT_STR_MAX];
    if (f)
        ft_prices_format_usd(usd, f->f.amount_usd);
    CHECK(f && strcmp(usd, "4947.63") == 0);
    f = flow(&r, 0, FT_TAINT_HAIRCUT, 6, 0);
    CHECK(path_is(&r, f, 3, X2, H2));
    CHECK(f && f->f.usd_known && f->f.amount_usd == (ft_u128)5937150000u);
    CHECK(path_is(&r, flow(&r, 0, FT_TAINT_POISON, 5, 0), 3, X1, P1));
    CHECK(path_is(&r, flow(&r, 0, FT_TAINT_FIFO, 5, 0), 3, X1, F1));
    for (uint32_t m = 0; m < 3; m++) {
        f = flow(&r, 1, m, 5, 1);
        CHECK(path_is(&r, f, 2, XT, T1));
        CHECK(f && f->f.usd_known && f->f.amount_usd == (ft_u128)142150560000u);
    }
    /* every path: consecutive steps chained by address, the first a seed transfer */
    for (size_t i = 0; i < r.n_flows; i++) {
        size_t a = r.path_off[i], b = r.path_off[i + 1];
        CHECK(b > a && (r.path[a].xfer == 2 || r.path[a].xfer == 10));
        CHECK(b > a && X_TO[r.path[b - 1].xfer] == r.flows[i].f.addr);
        for (size_t k = a + 1; k < b; k++)
            CHECK(X_FROM[r.path[k].xfer] == X_TO[r.path[k - 1].xfer]);
    }
    CHECK(r.exposure == NULL && r.n_exposure == 0); /* not asked for */
    ft_trace_account_result_release(&r);
    /* exposure (i1 haircut, header figures): the thief 300 (x2), A 100 (x4), the mixer 30,
     * the exchange 25, B 3 (x15); fees never count; rows sorted (asset, addr, inc, model) */
    o.exposure = 1;
    CHECK(ft_trace_account_run(&r, &g, cat, ent, SEEDS, 4, NAMES, 3, &o, &err) == FT_OK);
    static const uint32_t XA[5] = {2, 3, 4, 5, 6};
    static const uint64_t XV[5] = {300, 100, 3, 25, 30};
    size_t hits = 0;
    for (size_t i = 0; i < r.n_exposure; i++) {
        const ft_trace_account_exposure *e = &r.exposure[i];
        if (i > 0) {
            const ft_trace_account_exposure *p0 = &r.exposure[i - 1];
            CHECK(p0->asset < e->asset || (p0->asset == e->asset && p0->addr <= e->addr));
        }
        CHECK(e->addr != 7 && e->addr != 0); /* the miner gets fees only */
        if (e->incident != 0 || e->model != FT_TAINT_HAIRCUT || e->asset != 0)
            continue;
        for (int k = 0; k < 5; k++)
            if (e->addr == XA[k]) {
                CHECK(e->amount == XV[k]);
                hits++;
            }
    }
    CHECK(hits == 5);
    o.exposure = 0;
    ft_trace_account_result_release(&r);
    /* no price for the token: unknown, never zero; paths off: none recorded */
    sym[1] = NULL;
    o.paths = 0;
    CHECK(ft_trace_account_run(&r, &g, cat, ent, SEEDS, 4, NAMES, 3, &o, &err) == FT_OK);
    CHECK(r.path_off == NULL && r.path == NULL);
    f = flow(&r, 1, FT_TAINT_HAIRCUT, 5, 1);
    CHECK(f && !f->f.usd_known && f->f.amount_usd == 0);
    f = flow(&r, 0, FT_TAINT_HAIRCUT, 5, 0);
    CHECK(f && f->f.usd_known && f->f.amount_usd == (ft_u128)4947625000u);
    ft_trace_account_result_release(&r);
    ft_prices_free(p);
    ft_graph_release(&g);
}

FT_TEST_MAIN({"models", test_models}, {"limits", test_limits}, {"muldiv", test_muldiv},
             {"paths_usd", test_paths_usd})
