/*
 * main.c — fundtrace-gen: writes a valid regtest chain with a planted laundering economy.
 *
 *     fundtrace-gen --out DIR --txs N [--seed S] [--unsigned] [--incidents K] [--quiet]
 *                   [--max-hops N] [--no-reference]
 *     fundtrace-gen --reference-only --out DIR [--max-hops N]
 *
 * After the chain, the reference taint tracer (reference_taint.h) reads it back and writes
 * truth/expected_summary.csv and truth/expected_flows.csv; --reference-only redoes just that
 * for a chain already in DIR.
 *
 * DIR/blocks/blk*.dat holds the chain (Bitcoin Core framing, regtest magic, the real regtest
 * genesis first) and DIR/truth/ the ground truth (truth.h). N counts every transaction in the
 * block files, coinbases and the genesis coinbase included; the generator stops exactly at N.
 *
 * The block plan: heights 1..100 hold only coinbases (nothing is mature before); 101..431 are
 * the legacy era (bcoin's regtest activates segwit through BIP9 only at 432, so no witness may
 * appear before it: only P2PKH coins are spent there, a small share of N); from 432 on, blocks
 * carry T = clamp(N/400, 8, 2500) transactions on average, varied per block (×0.5 … ×1.5).
 * Block time = 2024-01-01 00:00 UTC + 600 s × height: strictly increasing (median-time-past).
 *
 * Exit codes (ARCHITECTURE.md): 0 ok, 1 I/O or other runtime failure, 129 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chains/bitcoin/params.h"
#include "datasets/gen/account.h"
#include "datasets/gen/economy.h"
#include "datasets/gen/incidents.h"
#include "datasets/gen/reference_taint.h"
#include "datasets/gen/truth.h"
#include "datasets/gen/world.h"
#include "engine/hex.h"
#include "engine/banned.h"

static const char usage_text[] =
    "usage: fundtrace-gen --out DIR --txs N [--seed S] [--unsigned] [--incidents K] [--quiet]\n"
    "\n"
    "Writes a regtest chain of exactly N transactions (coinbases included) to DIR/blocks and\n"
    "its ground truth to DIR/truth. Same seed, same bytes.\n"
    "  --out DIR       output directory (created; must not hold a chain already)\n"
    "  --txs N         number of transactions, at least 200\n"
    "  --seed S        64-bit seed (default 1)\n"
    "  --incidents K   planted thefts (default 4, at most 64)\n"
    "  --unsigned      placeholder signatures (fast; for benchmark chains nothing validates)\n"
    "  --quiet         no progress on stderr\n"
    "  --max-hops N    hop limit of the reference tracer's expected figures (default: none)\n"
    "  --no-reference  skip the reference tracer (truth/expected_*.csv are not written)\n"
    "  --reference-only  only (re)write truth/expected_*.csv for the chain already in DIR\n"
    "fundtrace-gen --account --help: an account (EVM) chain in ethereum-etl CSV files instead\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n", stderr);
    fputs(usage_text, stderr);
    return 129;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return 0;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return 0;
    *out = v;
    return 1;
}

typedef struct plan {
    uint64_t n;
    uint64_t t;      /* mean non-coinbase txs per block in the segwit era */
    uint64_t legacy; /* non-coinbase txs planned for the legacy era (heights 101..431) */
    int small;       /* the chain ends before segwit */
    uint32_t expected_blocks;
} plan;

static void make_plan(plan *p, uint64_t n)
{
    memset(p, 0, sizeof *p);
    p->n = n;
    p->t = n / 400;
    if (p->t < 8)
        p->t = 8;
    if (p->t > 2500)
        p->t = 2500;
    uint64_t seg_start = FT_GEN_SEGWIT_HEIGHT + 1; /* txs up to height 432: its coinbases */
    if (n >= seg_start + 4 * (p->t + 1)) {
        uint64_t a = (n - seg_start) / 4, b = (FT_GEN_SEGWIT_HEIGHT - 101) * p->t / 8;
        p->legacy = a < b ? a : b;
        uint64_t rest = n - seg_start - p->legacy;
        p->expected_blocks = FT_GEN_SEGWIT_HEIGHT + (uint32_t)(rest / (p->t + 1));
    } else {
        p->small = 1;
        p->expected_blocks = 101 + (uint32_t)((n > 101 ? n - 101 : 0) / 3);
    }
}

static uint64_t block_budget(const plan *p, ft_gen_world *w, uint32_t h)
{
    static const uint32_t factors[6] = {50, 75, 100, 100, 125, 150};
    if (h <= FT_GEN_MATURITY)
        return 0;
    if (p->small)
        return 2;
    if (h < FT_GEN_SEGWIT_HEIGHT) {
        uint64_t span = FT_GEN_SEGWIT_HEIGHT - 101;
        uint64_t i = h - 101;
        return p->legacy * (i + 1) / span - p->legacy * i / span;
    }
    uint64_t b = p->t * factors[ft_gen_rng_below(&w->rng, 6)] / 100;
    return b ? b : 1;
}

static uint32_t base_feerate(ft_gen_world *w)
{
    static const uint32_t rates[8] = {1, 2, 3, 5, 8, 13, 21, 34};
    uint32_t weights[8] = {20, 25, 20, 14, 9, 6, 4, 2};
    return rates[ft_gen_rng_pick(&w->rng, weights, 8)];
}

static void world_release(ft_gen_world *w)
{
    ft_gen_incidents_release(w);
    ft_gen_economy_release(w);
    if (w->truth) {
        ft_gen_truth_release(w->truth);
        free(w->truth);
        w->truth = NULL;
    }
    ft_gen_blockwriter_release(&w->bw);
    for (uint32_t i = 0; i < w->n_wallets; i++)
        free(w->wallets[i].coins);
    free(w->wallets);
    free(w->addrs);
    free(w->ents);
    free(w->tmp_coins);
    ft_gen_tx_release(&w->tx);
    ft_buf_release(&w->scratch);
    ft_gen_keys_release(&w->keys);
}

static ft_status run(ft_gen_world *w, const char *out, int quiet, ft_err *err)
{
    char blocks[4200];
    ft_status st;
    plan p;
    uint8_t digest[32], script[FT_GEN_SPK_MAX], cb_txid[32];
    size_t script_len;
    uint64_t cb_value;
    int progress = !quiet && isatty(2);
    time_t t0 = time(NULL);

    make_plan(&p, w->target_txs);
    if (mkdir(out, 0777) != 0 && errno != EEXIST)
        return ft_err_set(err, FT_ERR_IO, "cannot create directory '%s': %s", out, strerror(errno));
    snprintf(blocks, sizeof blocks, "%s/blocks", out);
    if ((st = ft_gen_keys_init(&w->keys, w->seed, err)))
        return st;
    ft_gen_rng_seed(&w->rng, w->seed, 1);
    ft_gen_tx_init(&w->tx);
    ft_buf_init(&w->scratch);
    if ((st = ft_gen_blockwriter_open(&w->bw, blocks, w->net, FT_GEN_HALVING, err)))
        return st;
    w->truth = calloc(1, sizeof *w->truth);
    if (!w->truth)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    if ((st = ft_gen_truth_open(w->truth, out, err)) || (st = ft_gen_economy_init(w, err)) ||
        (st = ft_gen_incidents_init(w, p.expected_blocks, err)))
        return st;

    while (w->bw.txs < w->target_txs) {
        uint32_t h = w->bw.tip_height + 1;
        uint64_t remaining = w->target_txs - w->bw.txs; /* >= 1: room for this coinbase */
        w->height = h;
        w->segwit = h >= FT_GEN_SEGWIT_HEIGHT;
        w->feerate = base_feerate(w);
        w->block_full = 0;
        w->budget = block_budget(&p, w, h);
        if (w->budget > remaining - 1)
            w->budget = remaining - 1;
        uint64_t planned = w->budget;
        ft_gen_blockwriter_begin(&w->bw, FT_GEN_TIME0 + 600u * h,
                                 h < FT_GEN_SEGWIT_HEIGHT ? 0x20000002 : 0x20000000);
        if ((st = ft_gen_incidents_block(w, err)) || (st = ft_gen_economy_services(w, err)) ||
            (st = ft_gen_economy_users(w, planned, err)))
            return st;
        if ((st = ft_gen_economy_coinbase(w, script, &script_len, err)) ||
            (st = ft_gen_blockwriter_finish(&w->bw, script, script_len, cb_txid, &cb_value, err)) ||
            (st = ft_gen_economy_coinbase_done(w, cb_txid, cb_value, err)))
            return st;
        if (progress && h % 50 == 0)
            fprintf(stderr, "\rheight %u, %" PRIu64 " of %" PRIu64 " txs, %u addresses", h,
                    w->bw.txs, w->target_txs, w->n_addrs);
    }
    if (progress)
        fputs("\n", stderr);
    if ((st = ft_gen_blockwriter_close(&w->bw, digest, err)) ||
        (st = ft_gen_truth_finish(w, digest, err)))
        return st;
    char tip[65];
    ft_hex_encode_rev(tip, w->bw.tip, 32);
    printf("wrote %" PRIu64 " txs in %" PRIu64 " blocks (tip %u %s), %u addresses, %u of %u "
           "incidents, %" PRIu64 " bytes in %d block files to '%s' in %lld s\n",
           w->bw.txs, w->bw.blocks, w->bw.tip_height, tip, w->n_addrs, ft_gen_incidents_done(w),
           w->n_incidents, w->bw.bytes, w->bw.file_no + 1, out, (long long)(time(NULL) - t0));
    return FT_OK;
}

/* The reference tracer over the chain in out: truth/expected_summary.csv and expected_flows.csv. */
static ft_status reference(const char *out, uint32_t max_hops, ft_err *err)
{
    ft_reftaint_opts o = {max_hops};
    ft_reftaint_result res;
    char truth[4200];
    snprintf(truth, sizeof truth, "%s/truth", out);
    ft_status st = ft_reftaint_run(&res, out, &o, err);
    if (st == FT_OK)
        st = ft_reftaint_write(&res, truth, err);
    if (st != FT_OK)
        ft_err_prefix(err, "reference tracer");
    ft_reftaint_result_release(&res);
    return st;
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    uint64_t max_hops = FT_REFTAINT_NO_HOP_LIMIT;
    int no_reference = 0, reference_only = 0;
    const char *txs_text = NULL;
    uint64_t txs = 0, seed = 1, incidents = 4;
    int have_txs = 0, placeholder = 0, quiet = 0;

    if (argc >= 2 && strcmp(argv[1], "--account") == 0) /* account.c: an EVM chain */
        return ft_gen_account_main(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(a, "--unsigned") == 0) {
            placeholder = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--no-reference") == 0) {
            no_reference = 1;
        } else if (strcmp(a, "--reference-only") == 0) {
            reference_only = 1;
        } else if (strcmp(a, "--max-hops") == 0) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a value", a);
            if (!parse_u64(argv[++i], &max_hops) || max_hops == 0 ||
                max_hops > FT_REFTAINT_NO_HOP_LIMIT)
                return usage_error("bad --max-hops value '%s'", argv[i]);
        } else if (strcmp(a, "--out") == 0 || strcmp(a, "--txs") == 0 || strcmp(a, "--seed") == 0 ||
                   strcmp(a, "--incidents") == 0) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a value", a);
            const char *v = argv[++i];
            if (strcmp(a, "--out") == 0) {
                out = v;
            } else if (strcmp(a, "--txs") == 0) {
                if (!parse_u64(v, &txs))
                    return usage_error("bad --txs value '%s'", v);
                have_txs = 1;
                txs_text = v;
            } else if (strcmp(a, "--seed") == 0) {
                if (!parse_u64(v, &seed))
                    return usage_error("bad --seed value '%s'", v);
            } else if (!parse_u64(v, &incidents) || incidents > 64) {
                return usage_error("bad --incidents value '%s' (0..64)", v);
            }
        } else {
            return usage_error("unknown argument '%s'", a);
        }
    }
    if (!out)
        return usage_error("%s", "--out DIR is required");
    if (reference_only) {
        ft_err rerr;
        ft_err_clear(&rerr);
        if (reference(out, (uint32_t)max_hops, &rerr) != FT_OK) {
            fprintf(stderr, "error: %s\n", rerr.msg);
            return 1;
        }
        return 0;
    }
    if (!have_txs)
        return usage_error("%s", "--txs N is required");
    if (txs < 200 || txs > 1000000000ull)
        return usage_error("--txs must be between 200 and 1000000000, not '%s'", txs_text);

    ft_gen_world w;
    ft_err err;
    memset(&w, 0, sizeof w);
    ft_err_clear(&err);
    w.seed = seed;
    w.target_txs = txs;
    w.placeholder = placeholder;
    w.n_incidents = (unsigned)incidents;
    w.net = ft_btc_params_get(FT_BTC_REGTEST);
    ft_status st = run(&w, out, quiet, &err);
    world_release(&w);
    if (st == FT_OK && !no_reference)
        st = reference(out, (uint32_t)max_hops, &err);
    if (st != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg[0] ? err.msg : ft_status_str(st));
        return st == FT_ERR_ARG ? 129 : 1;
    }
    return 0;
}
