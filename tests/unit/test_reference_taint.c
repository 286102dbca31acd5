/*
 * test_reference_taint.c — the reference taint tracer (datasets/gen/reference_taint.c).
 *
 * Hand-checked transactions per model (the amounts are worked out in each test's comment),
 * then whole generated chains: a 1,000-transaction chain made by $FUNDTRACE_GEN must
 * conserve to the satoshi under haircut and fifo, the seeds must add up to incidents.csv,
 * poison must bound haircut and fifo on every terminal address, the flows must add up to the
 * summary figures, and a hop limit must move value into hop_limit without breaking the
 * identity.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/gen/reference_taint.h"
#include "engine/amount.h"
#include "ft_test.h"

#include "engine/banned.h"

/* ---- poison ----------------------------------------------------------------------------- */

/* 2 inputs (100,000 sat with 1 sat tainted; 50,000 clean) → outputs 90,000 and 55,000,
 * fee 150,000 − 145,000 = 5,000. Poison: any taint taints everything in full, so the outputs
 * carry 90,000 and 55,000 and the fee 5,000 (145,000 + 5,000 = 150,000 ≫ 1 tainted sat: not
 * conserving, an exposure bound). Without a tainted input everything is 0. */
static void test_poison(void)
{
    const uint64_t w[2] = {90000, 55000};
    uint64_t t[2] = {7, 7}, fee_t = 7;
    ft_reftaint_poison(1, w, 2, 5000, t, &fee_t);
    CHECK_EQ_U64(t[0], 90000);
    CHECK_EQ_U64(t[1], 55000);
    CHECK_EQ_U64(fee_t, 5000);
    ft_reftaint_poison(0, w, 2, 5000, t, &fee_t);
    CHECK_EQ_U64(t[0], 0);
    CHECK_EQ_U64(t[1], 0);
    CHECK_EQ_U64(fee_t, 0);
}

/* ---- haircut ---------------------------------------------------------------------------- */

/* 2-in/3-out with a 1/3-tainted input:
 *   in1 = 300,000 of which 100,000 tainted (1/3), in2 = 150,000 clean: T = 100,000, V = 450,000
 *   outputs 200,000, 100,001, 149,000; fee = 450,000 − 449,001 = 999. Share T/V = 2/9.
 *   exact shares: 44,444.44…  22,222.44…  33,111.11…  fee 222
 *   cumulative floor: C = 200,000 → floor(100,000·200,000/450,000) = 44,444
 *                     C = 300,001 → floor(600,002/9 = 66,666.88…)  = 66,666 → part 22,222
 *                     C = 449,001 → floor(449,001·2/9 = 99,778)      = 99,778 → part 33,112
 *                     fee = 100,000 − 99,778 = 222
 *   44,444 + 22,222 + 33,112 + 222 = 100,000: the third output carries the rounding. */
static void test_haircut_third(void)
{
    const uint64_t w[3] = {200000, 100001, 149000};
    uint64_t t[3], fee_t;
    CHECK(ft_reftaint_haircut(100000, 450000, w, 3, t, &fee_t) == FT_OK);
    CHECK_EQ_U64(t[0], 44444);
    CHECK_EQ_U64(t[1], 22222);
    CHECK_EQ_U64(t[2], 33112);
    CHECK_EQ_U64(fee_t, 222);
}

/* The remainder rule on tiny amounts:
 *   T = 1 of V = 3, outputs 1, 1, fee 1: floor(1·1/3) = 0, floor(1·2/3) = 0 → parts 0, 0, and
 *   the fee (the last part) gets 1 − 0 = 1.
 *   T = 2 of V = 3, same shape: floor(2/3) = 0, floor(4/3) = 1 → parts 0, 1, fee 2 − 1 = 1.
 *   Fully tainted (T = V = 10, outputs 3, 6, fee 1): every part equals its value.
 *   Errors: T > V, outputs above V. */
static void test_haircut_remainder(void)
{
    const uint64_t w[2] = {1, 1};
    uint64_t t[2], fee_t;
    CHECK(ft_reftaint_haircut(1, 3, w, 2, t, &fee_t) == FT_OK);
    CHECK_EQ_U64(t[0], 0);
    CHECK_EQ_U64(t[1], 0);
    CHECK_EQ_U64(fee_t, 1);
    CHECK(ft_reftaint_haircut(2, 3, w, 2, t, &fee_t) == FT_OK);
    CHECK_EQ_U64(t[0], 0);
    CHECK_EQ_U64(t[1], 1);
    CHECK_EQ_U64(fee_t, 1);
    const uint64_t w2[2] = {3, 6};
    CHECK(ft_reftaint_haircut(10, 10, w2, 2, t, &fee_t) == FT_OK);
    CHECK_EQ_U64(t[0], 3);
    CHECK_EQ_U64(t[1], 6);
    CHECK_EQ_U64(fee_t, 1);
    CHECK(ft_reftaint_haircut(11, 10, w2, 2, t, &fee_t) == FT_ERR_ARG);
    const uint64_t w3[2] = {5, 6};
    CHECK(ft_reftaint_haircut(1, 10, w3, 2, t, &fee_t) == FT_ERR_ARG);
}

/* Large values need the 128-bit product: T = V = 2,000,000 BTC in sat (2e14), outputs 1e14 and
 * 1e14 − 1000, fee 1000: T·C = 4e28 overflows 64 bits; every part equals its value. Then
 * T = V/2 = 1e14: 5e13, 5e13 − 500, fee 500. */
static void test_haircut_big(void)
{
    const uint64_t w[2] = {100000000000000ull, 99999999999000ull};
    uint64_t t[2], fee_t;
    CHECK(ft_reftaint_haircut(200000000000000ull, 200000000000000ull, w, 2, t, &fee_t) == FT_OK);
    CHECK_EQ_U64(t[0], 100000000000000ull);
    CHECK_EQ_U64(t[1], 99999999999000ull);
    CHECK_EQ_U64(fee_t, 1000);
    CHECK(ft_reftaint_haircut(100000000000000ull, 200000000000000ull, w, 2, t, &fee_t) == FT_OK);
    CHECK_EQ_U64(t[0], 50000000000000ull);
    CHECK_EQ_U64(t[1], 49999999999500ull);
    CHECK_EQ_U64(fee_t, 500);
}

/* ---- fifo ------------------------------------------------------------------------------- */

static void tape_set(ft_reftaint_tape *t, const uint64_t *lens, const int *tainted, size_t n)
{
    t->n = 0;
    for (size_t i = 0; i < n; i++)
        CHECK(ft_reftaint_tape_push(t, lens[i], tainted[i]) == FT_OK);
}

/* The tape across segments:
 *   in1 = 5,000 = [clean 3,000][taint 2,000]  (a coin whose own history put the taint last)
 *   in2 = 5,000 = [clean 5,000]
 *   tape: C3000 T2000 C5000; outputs 4,000 and 5,000, fee 1,000:
 *   o1 takes C3000 T1000 → 1,000 tainted (two segments)
 *   o2 takes T1000 C4000 → 1,000 tainted (two segments, tainted first)
 *   fee takes C1000      → 0
 *   1,000 + 1,000 + 0 = 2,000 = the tainted input: conserving.
 * Then spend o2 (T1000 C4000) after a clean 500 sat coin into one output of 5,200, fee 300:
 *   tape C500 T1000 C4000 → output C500 T1000 C3700 (1,000 tainted), fee C300 (0). */
static void test_fifo_tape(void)
{
    ft_reftaint_tape in[2], out[2], fee;
    for (int i = 0; i < 2; i++) {
        ft_reftaint_tape_init(&in[i]);
        ft_reftaint_tape_init(&out[i]);
    }
    ft_reftaint_tape_init(&fee);
    const uint64_t l1[2] = {3000, 2000}, l2[1] = {5000};
    const int k1[2] = {0, 1}, k2[1] = {0};
    tape_set(&in[0], l1, k1, 2);
    tape_set(&in[1], l2, k2, 1);
    const uint64_t w[2] = {4000, 5000};
    CHECK(ft_reftaint_fifo(in, 2, w, 2, out, &fee) == FT_OK);
    CHECK_EQ_U64(ft_reftaint_tape_tainted(&out[0]), 1000);
    CHECK_EQ_U64(ft_reftaint_tape_tainted(&out[1]), 1000);
    CHECK_EQ_U64(ft_reftaint_tape_tainted(&fee), 0);
    CHECK_EQ_U64(ft_reftaint_tape_total(&fee), 1000);
    CHECK_EQ_U64(out[0].n, 2);
    CHECK(out[0].n == 2 && out[0].seg[0].len == 3000 && !out[0].seg[0].tainted &&
          out[0].seg[1].len == 1000 && out[0].seg[1].tainted);
    CHECK(out[1].n == 2 && out[1].seg[0].len == 1000 && out[1].seg[0].tainted &&
          out[1].seg[1].len == 4000 && !out[1].seg[1].tainted);

    /* second hop: in = [clean 500], o2's tape */
    ft_reftaint_tape hop_in[2], hop_out[1];
    ft_reftaint_tape_init(&hop_in[0]);
    ft_reftaint_tape_init(&hop_out[0]);
    const uint64_t l3[1] = {500};
    tape_set(&hop_in[0], l3, k2, 1);
    hop_in[1] = out[1];
    const uint64_t w2[1] = {5200};
    CHECK(ft_reftaint_fifo(hop_in, 2, w2, 1, hop_out, &fee) == FT_OK);
    CHECK(hop_out[0].n == 3 && hop_out[0].seg[0].len == 500 && hop_out[0].seg[1].len == 1000 &&
          hop_out[0].seg[1].tainted && hop_out[0].seg[2].len == 3700);
    CHECK_EQ_U64(ft_reftaint_tape_tainted(&hop_out[0]), 1000);
    CHECK_EQ_U64(ft_reftaint_tape_total(&fee), 300);
    CHECK_EQ_U64(ft_reftaint_tape_tainted(&fee), 0);

    /* outputs beyond the inputs */
    const uint64_t w3[1] = {10001};
    CHECK(ft_reftaint_fifo(in, 2, w3, 1, out, &fee) == FT_ERR_ARG);
    for (int i = 0; i < 2; i++) {
        ft_reftaint_tape_release(&in[i]);
        ft_reftaint_tape_release(&out[i]);
    }
    ft_reftaint_tape_release(&hop_in[0]);
    ft_reftaint_tape_release(&hop_out[0]);
    ft_reftaint_tape_release(&fee);
}

/* The fee takes the tail of the tape: in1 = 1,000 clean, in2 = 2,000 tainted, one output of
 * 2,500, fee 500: tape C1000 T2000 → output C1000 T1500 (1,500 tainted), fee T500 (500).
 * Haircut on the same tx for contrast: T/V = 2/3 → output floor(2,000·2,500/3,000) = 1,666,
 * fee 2,000 − 1,666 = 334. */
static void test_fifo_fee_tail(void)
{
    ft_reftaint_tape in[2], out[1], fee;
    ft_reftaint_tape_init(&in[0]);
    ft_reftaint_tape_init(&in[1]);
    ft_reftaint_tape_init(&out[0]);
    ft_reftaint_tape_init(&fee);
    CHECK(ft_reftaint_tape_push(&in[0], 1000, 0) == FT_OK);
    CHECK(ft_reftaint_tape_push(&in[1], 2000, 1) == FT_OK);
    const uint64_t w[1] = {2500};
    CHECK(ft_reftaint_fifo(in, 2, w, 1, out, &fee) == FT_OK);
    CHECK_EQ_U64(ft_reftaint_tape_tainted(&out[0]), 1500);
    CHECK_EQ_U64(ft_reftaint_tape_tainted(&fee), 500);
    uint64_t t[1], fee_t;
    CHECK(ft_reftaint_haircut(2000, 3000, w, 1, t, &fee_t) == FT_OK);
    CHECK_EQ_U64(t[0], 1666);
    CHECK_EQ_U64(fee_t, 334);
    /* pushes merge neighbours of one kind and ignore empty ones */
    CHECK(ft_reftaint_tape_push(&out[0], 0, 0) == FT_OK);
    CHECK(ft_reftaint_tape_push(&out[0], 7, 1) == FT_OK);
    CHECK_EQ_U64(out[0].n, 2);
    CHECK_EQ_U64(ft_reftaint_tape_tainted(&out[0]), 1507);
    ft_reftaint_tape_release(&in[0]);
    ft_reftaint_tape_release(&in[1]);
    ft_reftaint_tape_release(&out[0]);
    ft_reftaint_tape_release(&fee);
}

/* ---- a generated chain ------------------------------------------------------------------ */

static char chain_dir[4096];

/* Generates (once) a 1,000-tx chain with $FUNDTRACE_GEN into a temporary directory. */
static const char *chain(void)
{
    if (chain_dir[0])
        return chain_dir;
    const char *gen = getenv("FUNDTRACE_GEN");
    if (!gen) {
        fprintf(stderr, "FUNDTRACE_GEN is not set (run under ctest)\n");
        return NULL;
    }
    char tmpl[64];
    ft_test_tmpl(tmpl, sizeof tmpl, "ft_reftaint");
    if (!mkdtemp(tmpl))
        return NULL;
    snprintf(chain_dir, sizeof chain_dir, "%s/chain", tmpl);
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "'%s' --out '%s' --txs 1000 --seed 11 --quiet --no-reference >/dev/null",
             gen, chain_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "'%s' failed\n", cmd);
        chain_dir[0] = '\0';
        return NULL;
    }
    return chain_dir;
}

static ft_u128 accounted(const ft_reftaint_summary *s)
{
    return s->to_exchange + s->to_mixer + s->to_bridge + s->to_other + s->unspent + s->fees +
           s->below_threshold + s->hop_limit;
}

/* Sum of incidents.csv amounts per incident name, compared with the summary's stolen. */
static void check_stolen(const ft_reftaint_result *res, const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/truth/incidents.csv", dir);
    size_t len;
    char *text = (char *)ft_test_read(path, &len);
    for (size_t i = 0; i < res->n_incidents; i++) {
        ft_u128 sum = 0;
        char *save = NULL;
        char *copy = strdup(text);
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char name[64], amount[64];
            if (sscanf(line, "%63[^,],%*[^,],%*[^,],%*[^,],%*[^,],%63[^,]", name, amount) == 2 &&
                strcmp(name, res->incidents[i]) == 0) {
                ft_u128 a;
                CHECK(ft_amount_parse(&a, amount, 8) == FT_OK);
                sum += a;
            }
        }
        free(copy);
        for (int m = 0; m < FT_REFTAINT_MODELS; m++)
            CHECK(res->summary[i * FT_REFTAINT_MODELS + (size_t)m].stolen == sum);
        CHECK(sum > 0);
    }
    free(text);
}

static void test_chain_conservation(void)
{
    const char *dir = chain();
    CHECK(dir != NULL);
    if (!dir)
        return;
    ft_reftaint_result res;
    ft_err err;
    ft_err_clear(&err);
    ft_status st = ft_reftaint_run(&res, dir, NULL, &err);
    if (st != FT_OK)
        fprintf(stderr, "reference: %s\n", err.msg);
    CHECK(st == FT_OK);
    CHECK_EQ_U64(res.n_txs, 1000);
    CHECK(res.n_incidents >= 2);
    check_stolen(&res, dir);
    ft_u128 reached = 0;
    for (size_t i = 0; i < res.n_incidents; i++) {
        const ft_reftaint_summary *p = &res.summary[i * 3], *h = p + 1, *f = p + 2;
        CHECK(accounted(h) == h->stolen); /* conservation to the satoshi */
        CHECK(accounted(f) == f->stolen);
        CHECK(h->hop_limit == 0 && f->hop_limit == 0 && h->below_threshold == 0);
        /* poison taints whatever haircut or fifo taints, in full */
        CHECK(p->to_exchange >= h->to_exchange && p->to_exchange >= f->to_exchange);
        CHECK(p->to_mixer >= h->to_mixer && p->to_other >= h->to_other);
        CHECK(p->unspent >= h->unspent && p->unspent >= f->unspent);
        CHECK(p->fees >= h->fees && p->fees >= f->fees);
        reached += h->to_exchange + h->to_mixer + h->to_other;
    }
    CHECK(reached > 0); /* the laundering reaches terminals in this chain */
    CHECK(res.tainted_txs[1] > 10);
    /* flows add up to the summary figures, and poison bounds every address */
    for (size_t i = 0; i < res.n_incidents; i++)
        for (uint32_t m = 0; m < 3; m++) {
            ft_u128 ex = 0, mx = 0, ot = 0;
            for (size_t k = 0; k < res.n_flows; k++) {
                const ft_reftaint_flow *fl = &res.flows[k];
                if (fl->incident != i || fl->model != m)
                    continue;
                CHECK(fl->amount > 0 && fl->tx_count > 0 && fl->hops > 0);
                CHECK(fl->first_time <= fl->last_time);
                if (strcmp(fl->category, "exchange") == 0)
                    ex += fl->amount;
                else if (strcmp(fl->category, "mixer") == 0)
                    mx += fl->amount;
                else
                    ot += fl->amount;
                if (m == 0)
                    continue;
                int found = 0;
                for (size_t q = 0; q < res.n_flows; q++)
                    if (res.flows[q].incident == i && res.flows[q].model == 0 &&
                        strcmp(res.flows[q].address, fl->address) == 0) {
                        found = 1;
                        CHECK(res.flows[q].amount >= fl->amount);
                    }
                CHECK(found);
            }
            const ft_reftaint_summary *s = &res.summary[i * 3 + m];
            CHECK(ex == s->to_exchange);
            CHECK(mx == s->to_mixer);
            CHECK(ot == s->to_other);
        }
    ft_reftaint_result_release(&res);
}

/* A hop limit of 2: whatever was not at a terminal within two transactions of a seed ends as
 * hop_limit; the identity still holds, and nothing reaches a terminal beyond hop 2. */
static void test_chain_hop_limit(void)
{
    const char *dir = chain();
    if (!dir) {
        CHECK(dir != NULL);
        return;
    }
    ft_reftaint_result full, cut;
    ft_err err;
    ft_reftaint_opts o = {2};
    CHECK(ft_reftaint_run(&full, dir, NULL, &err) == FT_OK);
    ft_status st = ft_reftaint_run(&cut, dir, &o, &err);
    if (st != FT_OK)
        fprintf(stderr, "reference: %s\n", err.msg);
    CHECK(st == FT_OK);
    ft_u128 limited = 0;
    for (size_t i = 0; i < cut.n_incidents && i < full.n_incidents; i++)
        for (int m = 1; m < 3; m++) {
            const ft_reftaint_summary *c = &cut.summary[i * 3 + (size_t)m];
            const ft_reftaint_summary *f = &full.summary[i * 3 + (size_t)m];
            CHECK(accounted(c) == c->stolen);
            CHECK(c->to_exchange <= f->to_exchange);
            CHECK(c->unspent <= f->unspent);
            limited += c->hop_limit;
        }
    CHECK(limited > 0);
    for (size_t k = 0; k < cut.n_flows; k++)
        CHECK(cut.flows[k].hops <= 2);
    ft_reftaint_result_release(&full);
    ft_reftaint_result_release(&cut);
}

/* The written files: headers, one summary row per incident and model, decimals. */
static void test_chain_write(void)
{
    const char *dir = chain();
    if (!dir) {
        CHECK(dir != NULL);
        return;
    }
    ft_reftaint_result res;
    ft_err err;
    CHECK(ft_reftaint_run(&res, dir, NULL, &err) == FT_OK);
    char truth[4200], path[4300];
    snprintf(truth, sizeof truth, "%s/truth", dir);
    CHECK(ft_reftaint_write(&res, truth, &err) == FT_OK);
    snprintf(path, sizeof path, "%s/expected_summary.csv", truth);
    size_t len;
    char *text = (char *)ft_test_read(path, &len);
    static const char header[] = "incident,model,chain,asset,stolen,to_exchange,to_mixer,"
                                 "to_bridge,to_other,unspent,fees,below_threshold,hop_limit\n";
    CHECK(strncmp(text, header, strlen(header)) == 0);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    CHECK_EQ_U64(lines, 1 + 3 * res.n_incidents);
    char expect[256];
    char a[FT_AMOUNT_STR_MAX];
    ft_amount_format(a, res.summary[1].stolen, 8);
    snprintf(expect, sizeof expect, "\n%s,haircut,bitcoin,BTC,%s,", res.incidents[0], a);
    CHECK(strstr(text, expect) != NULL);
    free(text);
    snprintf(path, sizeof path, "%s/expected_flows.csv", truth);
    text = (char *)ft_test_read(path, &len);
    lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    CHECK_EQ_U64(lines, 1 + res.n_flows);
    free(text);
    ft_reftaint_result_release(&res);
}

/* A seed that is not in the chain is an error naming it. */
static void test_chain_bad_seed(void)
{
    const char *dir = chain();
    if (!dir) {
        CHECK(dir != NULL);
        return;
    }
    char copy[4200], cmd[16384];
    snprintf(copy, sizeof copy, "%s-badseed", dir);
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s' && cp -r '%s' '%s' && printf 'gen-x,2024-01-01,bitcoin,%%064d:0,BTC,,x,y\\n' 0 "
             ">> '%s/truth/incidents.csv'",
             copy, dir, copy, copy);
    CHECK(system(cmd) == 0);
    ft_reftaint_result res;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_reftaint_run(&res, copy, NULL, &err) == FT_ERR_PARSE);
    CHECK(strstr(err.msg, "is not in the chain") != NULL);
    CHECK(strstr(err.msg, "gen-x") != NULL);
    ft_reftaint_result_release(&res);
}

static void test_cleanup(void)
{
    if (chain_dir[0]) {
        char cmd[8400];
        char *slash = strrchr(chain_dir, '/');
        *slash = '\0';
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", chain_dir);
        CHECK(system(cmd) == 0);
        chain_dir[0] = '\0';
    }
}

FT_TEST_MAIN({"poison", test_poison}, {"haircut_third", test_haircut_third},
             {"haircut_remainder", test_haircut_remainder}, {"haircut_big", test_haircut_big},
             {"fifo_tape", test_fifo_tape}, {"fifo_fee_tail", test_fifo_fee_tail},
             {"chain_conservation", test_chain_conservation},
             {"chain_hop_limit", test_chain_hop_limit}, {"chain_write", test_chain_write},
             {"chain_bad_seed", test_chain_bad_seed}, {"cleanup", test_cleanup})
