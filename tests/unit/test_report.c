/*
 * test_report.c — engine/report.c on a hand-built trace result whose every figure is known:
 * three incidents (two in 2023, one in 2024) under poison, haircut and fifo, flows to an
 * exchange, an OTC desk whose name is a spreadsheet formula, a payment processor and a mixer,
 * and exposure rows for the overlaps.
 *
 * Chosen so that a wrong reduction shows: the 2023 year's to_exchange is 700 / 800 / 750 sat
 * under the three models, so low/high = 700/800, while summing the incidents' own lows and
 * highs would give 500/950. One poison flow has no price, so exactly the USD figures that sum
 * it must be empty. Overlaps use poison only: an address shared by two incidents under
 * haircut but not poison must not appear.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/graph.h"
#include "engine/labels.h"
#include "engine/report.h"
#include "ft_test.h"

#include "engine/banned.h"

#define P FT_TAINT_POISON
#define H FT_TAINT_HAIRCUT
#define F FT_TAINT_FIFO
#define ALL (1u << P | 1u << H | 1u << F)
#define N_ADDR 40

static const char *const entity_name[] = {"binance-sim", "=HYPERLINK(\"x\")", "pay-co",
                                          "mixer-x"};
static const uint8_t entity_cat[] = {FT_CAT_EXCHANGE, FT_CAT_OTC, FT_CAT_PAYMENT, FT_CAT_MIXER};

static ft_trace_summary summary[3 * FT_TAINT_MODELS];
static ft_trace_flow flows[32];
static ft_trace_exposure expo[16];
static ft_trace_result res;
static ft_report_incident inc[3];
static uint32_t cluster[N_ADDR], term_ent[N_ADDR];

static void sum(int i, int m, uint64_t stolen, uint64_t ex, uint64_t mx, uint64_t other,
                uint64_t unspent, uint64_t fees, uint64_t hop)
{
    ft_trace_summary *s = &summary[i * FT_TAINT_MODELS + m];
    s->stolen = stolen;
    s->to_exchange = ex;
    s->to_mixer = mx;
    s->to_other = other;
    s->unspent = unspent;
    s->fees = fees;
    s->hop_limit = hop;
}

static void flow(uint32_t i, uint32_t m, uint32_t addr, uint8_t cat, uint32_t ent,
                 uint64_t amount, int64_t t0, int64_t t1, int usd_known)
{
    ft_trace_flow *f = &flows[res.n_flows++];
    memset(f, 0, sizeof *f);
    f->incident = i;
    f->model = m;
    f->addr = addr;
    f->category = cat;
    f->entity = ent;
    f->amount = amount;
    f->hops = 1;
    f->first_time = t0;
    f->last_time = t1;
    f->tx_count = 1;
    f->amount_usd = usd_known ? (ft_u128)amount * 1000000 : 0; /* 1 USD per sat */
    f->usd_known = (uint8_t)usd_known;
}

static void exposure(uint32_t addr, uint32_t i, uint32_t m, uint64_t amount)
{
    ft_trace_exposure *x = &expo[res.n_exposure++];
    x->addr = addr;
    x->incident = i;
    x->model = m;
    x->amount = amount;
}

static ft_status addr_text(void *ctx, uint32_t addr, char *out, size_t cap, ft_err *err)
{
    (void)ctx;
    (void)err;
    snprintf(out, cap, "addr%u", addr);
    return FT_OK;
}

static void build_input(ft_report_input *in)
{
    memset(&res, 0, sizeof res);
    memset(summary, 0, sizeof summary);
    res.n_incidents = 3;
    res.summary = summary;
    res.flows = flows;
    res.exposure = expo;
    /* hack-a: stolen 1000 */
    sum(0, P, 1000, 600, 0, 500, 100, 10, 0);
    sum(0, H, 1000, 500, 0, 300, 190, 10, 0);
    sum(0, F, 1000, 400, 0, 350, 240, 10, 0);
    /* hack-b: stolen 500 */
    sum(1, P, 500, 100, 0, 0, 450, 5, 0);
    sum(1, H, 500, 300, 0, 0, 195, 5, 0);
    sum(1, F, 500, 350, 0, 0, 145, 5, 0);
    /* hack-c: stolen 300, to a mixer and the hop limit */
    for (int m = 0; m < 3; m++)
        sum(2, m, 300, 0, 200, 0, 0, 0, 100);
    const uint64_t ex0[3] = {600, 500, 400}, otc0[3] = {300, 200, 250}, pay0[3] = {200, 100, 100};
    const uint64_t ex1[3] = {100, 300, 350};
    for (uint32_t m = 0; m < 3; m++) {
        flow(0, m, 10, FT_CAT_EXCHANGE, 0, ex0[m], 1000, 2000, 1);
        flow(0, m, 11, FT_CAT_OTC, 1, otc0[m], 1500, 1500, 1);
        flow(0, m, 12, FT_CAT_PAYMENT, 2, pay0[m], 1700, 1800, 1);
        flow(1, m, 10, FT_CAT_EXCHANGE, 0, ex1[m], 500, 3000, m != P);
        flow(2, m, 13, FT_CAT_MIXER, 3, 200, 4000, 4000, 1);
    }
    /* exposure, sorted by (addr, incident, model) */
    exposure(20, 0, P, 50);
    exposure(20, 0, H, 40);
    exposure(20, 1, P, 30);
    exposure(21, 0, P, 10);
    exposure(21, 0, H, 10);
    exposure(21, 2, H, 5); /* a second incident only under haircut: no overlap */
    exposure(30, 0, P, 7);
    exposure(31, 2, P, 9); /* 30 and 31 share cluster 30: a cluster overlap */
    for (uint32_t a = 0; a < N_ADDR; a++) {
        cluster[a] = a;
        term_ent[a] = FT_GRAPH_NONE;
    }
    cluster[31] = cluster[32] = 30;
    term_ent[20] = 1;
    inc[0] = (ft_report_incident){"hack-a", "2023-03-01", "bitcoin", "BTC", 8, 12500000, 1};
    inc[1] = (ft_report_incident){"hack-b", "2023-11-20", "bitcoin", "BTC", 8, 0, 0};
    inc[2] = (ft_report_incident){"hack-c", "2024-02-02", "bitcoin", "BTC", 8, 1000000, 1};
    memset(in, 0, sizeof *in);
    in->res = &res;
    in->models = ALL;
    in->usd = 1;
    in->inc = inc;
    in->entity_name = entity_name;
    in->n_entities = 4;
    in->n_addr = N_ADDR;
    in->addr_cluster = cluster;
    in->addr_entity = NULL;
    in->addr_entity_cat = entity_cat;
    in->addr_term_entity = term_ent;
    in->addr_text = addr_text;
}

/* The text one writer produces (malloc()ed). */
static char *table(const ft_report *rep,
                   ft_status (*wr)(const ft_report *, FILE *, const char *, ft_err *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ft_err err;
    ft_err_clear(&err);
    CHECK(f != NULL);
    if (!f)
        return NULL;
    CHECK(wr(rep, f, "mem", &err) == FT_OK);
    fclose(f);
    return buf;
}

/* Line n (0 = header) of text, in a static buffer. */
static const char *line(const char *text, int n)
{
    static char out[2048];
    const char *p = text;
    for (int i = 0; i < n && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p || !*p)
        return "";
    size_t l = strcspn(p, "\n");
    if (l >= sizeof out)
        l = sizeof out - 1;
    memcpy(out, p, l);
    out[l] = '\0';
    return out;
}

static void test_by_incident(void)
{
    ft_report_input in;
    build_input(&in);
    ft_report rep;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_report_build(&rep, &in, &err) == FT_OK);
    CHECK_EQ_U64(rep.incident[0].ch[FT_REPORT_TO_EXCHANGE].low, 400);
    CHECK_EQ_U64(rep.incident[0].ch[FT_REPORT_TO_EXCHANGE].high, 600);
    CHECK_EQ_U64(rep.incident[0].ch[FT_REPORT_TO_OTHER].low, 300);
    CHECK_EQ_U64(rep.incident[0].ch[FT_REPORT_TO_OTHER].high, 500);
    CHECK_EQ_U64(rep.incident[1].ch[FT_REPORT_UNSPENT].low, 145);
    CHECK_EQ_U64(rep.incident[1].ch[FT_REPORT_UNSPENT].high, 450);
    CHECK(!rep.incident[1].usd[FT_REPORT_TO_EXCHANGE].known); /* one poison flow unpriced */
    CHECK(rep.incident[0].usd[FT_REPORT_TO_EXCHANGE].known);
    char *t = table(&rep, ft_report_write_by_incident);
    CHECK_STR(line(t, 0),
              "incident,date,chain,asset,models,stolen,stolen_usd,to_exchange_low,"
              "to_exchange_high,to_mixer_low,to_mixer_high,to_bridge_low,to_bridge_high,"
              "to_other_low,to_other_high,unspent_low,unspent_high,fees_low,fees_high,"
              "below_threshold_low,below_threshold_high,hop_limit_low,hop_limit_high,"
              "to_exchange_usd_low,to_exchange_usd_high,to_mixer_usd_low,to_mixer_usd_high,"
              "to_bridge_usd_low,to_bridge_usd_high,to_other_usd_low,to_other_usd_high");
    CHECK_STR(line(t, 1),
              "hack-a,2023-03-01,bitcoin,BTC,poison;haircut;fifo,0.00001000,12.50,0.00000400,"
              "0.00000600,0.00000000,0.00000000,0.00000000,0.00000000,0.00000300,0.00000500,"
              "0.00000100,0.00000240,0.00000010,0.00000010,0.00000000,0.00000000,0.00000000,"
              "0.00000000,400.00,600.00,0.00,0.00,0.00,0.00,300.00,500.00");
    CHECK_STR(line(t, 2),
              "hack-b,2023-11-20,bitcoin,BTC,poison;haircut;fifo,0.00000500,,0.00000100,"
              "0.00000350,0.00000000,0.00000000,0.00000000,0.00000000,0.00000000,0.00000000,"
              "0.00000145,0.00000450,0.00000005,0.00000005,0.00000000,0.00000000,0.00000000,"
              "0.00000000,,,0.00,0.00,0.00,0.00,0.00,0.00");
    CHECK_STR(line(t, 4), "");
    free(t);
    ft_report_release(&rep);

    /* haircut alone: low = high = haircut's figures */
    build_input(&in);
    in.models = 1u << H;
    CHECK(ft_report_build(&rep, &in, &err) == FT_OK);
    CHECK_EQ_U64(rep.incident[0].ch[FT_REPORT_TO_EXCHANGE].low, 500);
    CHECK_EQ_U64(rep.incident[0].ch[FT_REPORT_TO_EXCHANGE].high, 500);
    CHECK(rep.incident[1].usd[FT_REPORT_TO_EXCHANGE].known); /* the unpriced flow is poison's */
    CHECK_EQ_U64(rep.overlap_model, H);
    ft_report_release(&rep);

    /* no model: an argument error */
    in.models = 0;
    CHECK(ft_report_build(&rep, &in, &err) == FT_ERR_ARG);
    ft_report_release(&rep);
}

static void test_by_year(void)
{
    ft_report_input in;
    build_input(&in);
    ft_report rep;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_report_build(&rep, &in, &err) == FT_OK);
    CHECK_EQ_U64(rep.n_year, 2);
    CHECK_EQ_U64(rep.year[0].year, 2023);
    CHECK_EQ_U64(rep.year[0].fig.n_incidents, 2);
    CHECK_EQ_U64(rep.year[0].fig.stolen, 1500);
    /* per-model sums 700, 800, 750: not 400+100 and 600+350 */
    CHECK_EQ_U64(rep.year[0].fig.ch[FT_REPORT_TO_EXCHANGE].low, 700);
    CHECK_EQ_U64(rep.year[0].fig.ch[FT_REPORT_TO_EXCHANGE].high, 800);
    CHECK(!rep.year[0].fig.stolen_usd_known); /* hack-b has no price */
    CHECK_EQ_U64(rep.year[1].year, 2024);
    CHECK_EQ_U64(rep.year[1].fig.ch[FT_REPORT_HOP_LIMIT].high, 100);
    char *t = table(&rep, ft_report_write_by_year);
    CHECK(strncmp(line(t, 0), "year,chain,asset,models,incidents,stolen,stolen_usd,", 52) == 0);
    CHECK(strncmp(line(t, 1), "2023,bitcoin,BTC,poison;haircut;fifo,2,0.00001500,,0.00000700,"
                              "0.00000800,",
                  72) == 0);
    CHECK(strncmp(line(t, 2), "2024,bitcoin,BTC,poison;haircut;fifo,1,0.00000300,1.00,", 55) ==
          0);
    free(t);
    ft_report_release(&rep);
}

static void test_by_exchange_and_channel(void)
{
    ft_report_input in;
    build_input(&in);
    ft_report rep;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_report_build(&rep, &in, &err) == FT_OK);
    char *t = table(&rep, ft_report_write_by_exchange);
    CHECK_STR(line(t, 0), "entity,category,chain,asset,models,incidents,amount_low,amount_high,"
                          "amount_usd_low,amount_usd_high,first_time,last_time");
    CHECK_STR(line(t, 1), "binance-sim,exchange,bitcoin,BTC,poison;haircut;fifo,2,0.00000700,"
                          "0.00000800,,,1970-01-01T00:08:20Z,1970-01-01T00:50:00Z");
    /* the formula-looking entity comes out inert */
    CHECK_STR(line(t, 2), "\"'=HYPERLINK(\"\"x\"\")\",otc,bitcoin,BTC,poison;haircut;fifo,1,"
                          "0.00000200,0.00000300,200.00,300.00,1970-01-01T00:25:00Z,"
                          "1970-01-01T00:25:00Z");
    CHECK_STR(line(t, 3), "pay-co,payment,bitcoin,BTC,poison;haircut;fifo,1,0.00000100,"
                          "0.00000200,100.00,200.00,1970-01-01T00:28:20Z,1970-01-01T00:30:00Z");
    CHECK_STR(line(t, 4), ""); /* the mixer is not an exchange */
    free(t);
    t = table(&rep, ft_report_write_by_channel);
    CHECK_STR(line(t, 1), "exchange,bitcoin,BTC,poison;haircut;fifo,2,0.00000700,0.00000800,,");
    CHECK_STR(line(t, 2), "otc,bitcoin,BTC,poison;haircut;fifo,1,0.00000200,0.00000300,200.00,"
                          "300.00");
    CHECK_STR(line(t, 3), "payment,bitcoin,BTC,poison;haircut;fifo,1,0.00000100,0.00000200,"
                          "100.00,200.00");
    CHECK_STR(line(t, 4), "mixer,bitcoin,BTC,poison;haircut;fifo,1,0.00000200,0.00000200,200.00,"
                          "200.00");
    CHECK_STR(line(t, 5), "bridge,bitcoin,BTC,poison;haircut;fifo,0,0.00000000,0.00000000,0.00,"
                          "0.00");
    /* unspent per model: 550, 385, 385 */
    CHECK_STR(line(t, 7), "unspent,bitcoin,BTC,poison;haircut;fifo,2,0.00000385,0.00000550,,");
    CHECK_STR(line(t, 10), "hop_limit,bitcoin,BTC,poison;haircut;fifo,1,0.00000100,0.00000100,,");
    CHECK_STR(line(t, 11), "");
    free(t);
    ft_report_release(&rep);
}

static void test_overlaps(void)
{
    ft_report_input in;
    build_input(&in);
    ft_report rep;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_report_build(&rep, &in, &err) == FT_OK);
    CHECK_EQ_U64(rep.overlap_model, P);
    CHECK_EQ_U64(rep.n_overlap, 2);
    char *t = table(&rep, ft_report_write_overlaps);
    CHECK_STR(line(t, 0), "kind,chain,asset,model,address,cluster,cluster_size,addresses,entity,"
                          "category,n_incidents,incidents,amounts,total");
    CHECK_STR(line(t, 1), "address,bitcoin,BTC,poison,addr20,20,1,1,\"'=HYPERLINK(\"\"x\"\")\","
                          "otc,2,hack-a;hack-b,0.00000050;0.00000030,0.00000080");
    CHECK_STR(line(t, 2), "cluster,bitcoin,BTC,poison,,30,3,2,,,2,hack-a;hack-c,"
                          "0.00000007;0.00000009,0.00000016");
    CHECK_STR(line(t, 3), "");
    free(t);
    ft_report_release(&rep);
    /* without poison the first model run (haircut) decides: address 21 links hack-a, hack-c */
    build_input(&in);
    in.models = 1u << H | 1u << F;
    CHECK(ft_report_build(&rep, &in, &err) == FT_OK);
    CHECK_EQ_U64(rep.n_overlap, 1);
    CHECK_EQ_U64(rep.overlap[0].addr, 21);
    CHECK_EQ_U64(rep.overlap[0].total, 15);
    ft_report_release(&rep);
}

static void test_usd_format(void)
{
    char s[FT_AMOUNT_STR_MAX];
    ft_report_format_usd(s, 1234565000);
    CHECK_STR(s, "1234.57");
    ft_report_format_usd(s, 4999);
    CHECK_STR(s, "0.00");
    ft_report_format_usd(s, 5000);
    CHECK_STR(s, "0.01");
    ft_report_format_usd(s, (ft_u128)1 << 100);
    CHECK_STR(s, "1267650600228229401496703.21");
}

FT_TEST_MAIN({"by_incident", test_by_incident}, {"by_year", test_by_year},
             {"by_exchange_and_channel", test_by_exchange_and_channel},
             {"overlaps", test_overlaps}, {"usd_format", test_usd_format})
