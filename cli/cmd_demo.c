/*
 * cmd_demo.c — `fundtrace demo [--out DIR] [--sample DIR]`: the pipeline on the bundled
 * sample chain (datasets/sample, README there).
 *
 * Today it runs what exists: it indexes the sample's block files into DIR/index, prints the
 * index's counts, the sample's incidents with their stolen amounts (incidents.csv), and the
 * expected figures per incident and model that the generator's reference tracer computed
 * (truth/expected_summary.csv), and copies those to DIR/summary.csv with DIR/README.txt
 * saying whose figures they are. The engine's own trace and report join when tracing lands
 * (issue 6); until then nothing here pretends to be the engine's result.
 *
 * When the sample has an Ethereum part (DIR/ethereum/blocks.csv: ethereum-etl CSV of an anvil
 * scenario, datasets/sample/ethereum/README.md) it is indexed into the same DIR/index as chain
 * `dev` and one line gives its blocks, transactions and transfers; a sample without it is
 * still a sample (the Bitcoin part is what --sample requires).
 *
 * The sample is found at --sample DIR, else beside the binary (<exe dir>/../datasets/sample:
 * build/fundtrace in the source tree), else ./datasets/sample.
 * Exit codes: 0 ok, 1 sample or output unreadable/unwritable, 2 malformed sample files.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chains/bitcoin/indexer.h"
#include "chains/bitcoin/params.h"
#include "chains/ethereum/etl.h"
#include "chains/ethereum/params.h"
#include "cli/btc_index.h"
#include "cli/commands.h"
#include "cli/csv_read.h"
#include "engine/account.h"
#include "engine/amount.h"
#include "engine/keys.h"
#include "engine/query.h"
#include "engine/store.h"

#include "engine/banned.h"

const char cmd_demo_usage[] =
    "usage: fundtrace [--json] demo [--out DIR] [--sample DIR]\n"
    "\n"
    "Runs fundtrace on the bundled sample chain (datasets/sample: 3,000 regtest transactions\n"
    "with 4 planted thefts laundered through peel chains, CoinJoins, a mixer and OTC desks).\n"
    "Today it indexes the sample into DIR/index and prints the index's counts, the incidents\n"
    "and the expected figures per incident and taint model computed by the generator's\n"
    "reference tracer, which it also writes to DIR/summary.csv. The sample's Ethereum part\n"
    "(datasets/sample/ethereum: ethereum-etl CSV of an anvil scenario) goes into the same index\n"
    "as chain `dev`. The engine's own trace and report steps join when `fundtrace trace` lands\n"
    "(issue 6).\n"
    "  --out DIR      output directory (default ./fundtrace-demo)\n"
    "  --sample DIR   the sample (default: datasets/sample of the source tree)\n"
    "\n"
    "Exit codes: 0 ok, 1 runtime failure (files), 2 malformed sample files, 129 usage error.\n";

static int is_sample(const char *dir)
{
    char p[PATH_MAX + 256];
    struct stat sb;
    snprintf(p, sizeof p, "%s/blocks/blk00000.dat", dir);
    return stat(p, &sb) == 0;
}

static int find_sample(char *out, size_t cap)
{
    char exe[PATH_MAX - 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, cap, "%s/../datasets/sample", exe);
            if (is_sample(out))
                return 1;
        }
    }
    snprintf(out, cap, "datasets/sample");
    return is_sample(out);
}

static ft_status copy_file(const char *from, const char *to, ft_err *err)
{
    char *data = NULL;
    size_t len = 0;
    ft_status s = ft_cli_read_file(from, &data, &len, err);
    if (s != FT_OK)
        return s;
    FILE *f = fopen(to, "wb");
    if (!f) {
        free(data);
        return ft_err_set(err, FT_ERR_IO, "cannot create '%s': %s", to, strerror(errno));
    }
    size_t w = fwrite(data, 1, len, f);
    free(data);
    if (fclose(f) != 0 || w != len)
        return ft_err_set(err, FT_ERR_IO, "cannot write '%s'", to);
    return FT_OK;
}

/* Incidents of the sample: name, first date, attribution, number of seeds, amount summed. */
typedef struct demo_incident {
    char name[64], date[16], attribution[64];
    unsigned seeds;
    ft_u128 stolen;
} demo_incident;

static ft_status read_incidents(const char *path, demo_incident **out, size_t *n_out, ft_err *err)
{
    ft_cli_csv c;
    *out = NULL;
    *n_out = 0;
    ft_status s = ft_cli_csv_open(&c, path, err);
    if (s != FT_OK)
        return s;
    int rc = ft_cli_csv_next(&c, err);
    int ci = -1, cd = -1, ca = -1, cm = -1;
    if (rc == 1) {
        ci = ft_cli_csv_find(&c, "incident");
        cd = ft_cli_csv_find(&c, "date");
        ca = ft_cli_csv_find(&c, "attribution");
        cm = ft_cli_csv_find(&c, "amount");
    }
    if (rc != 1 || ci < 0 || cd < 0 || ca < 0 || cm < 0) {
        ft_cli_csv_close(&c);
        return rc < 0 ? err->code
                      : ft_err_set(err, FT_ERR_PARSE, "'%s' is not an incidents CSV", path);
    }
    demo_incident *v = NULL;
    size_t n = 0;
    while ((rc = ft_cli_csv_next(&c, err)) == 1) {
        if (c.n_field <= (size_t)ci || c.n_field <= (size_t)cd || c.n_field <= (size_t)ca ||
            c.n_field <= (size_t)cm) {
            s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: too few fields", path,
                           (unsigned long long)c.line);
            break;
        }
        size_t i = 0;
        while (i < n && strcmp(v[i].name, c.field[ci]) != 0)
            i++;
        if (i == n) {
            demo_incident *nv = realloc(v, (n + 1) * sizeof *v);
            if (!nv) {
                s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
                break;
            }
            v = nv;
            memset(&v[n], 0, sizeof v[n]);
            snprintf(v[n].name, sizeof v[n].name, "%s", c.field[ci]);
            snprintf(v[n].date, sizeof v[n].date, "%s", c.field[cd]);
            snprintf(v[n].attribution, sizeof v[n].attribution, "%s", c.field[ca]);
            n++;
        }
        ft_u128 a = 0;
        if (*c.field[cm] && ft_amount_parse(&a, c.field[cm], FT_BTC_DECIMALS) != FT_OK) {
            s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: bad amount '%s'", path,
                           (unsigned long long)c.line, c.field[cm]);
            break;
        }
        v[i].stolen += a;
        v[i].seeds++;
    }
    if (rc < 0)
        s = err->code;
    ft_cli_csv_close(&c);
    if (s != FT_OK) {
        free(v);
        return s;
    }
    *out = v;
    *n_out = n;
    return FT_OK;
}

static const char *const summary_cols[] = {"incident", "model",   "stolen", "to_exchange",
                                           "to_mixer", "to_bridge", "to_other", "unspent",
                                           "fees", "below_threshold", "hop_limit"};
#define N_SUMMARY_COLS (sizeof summary_cols / sizeof summary_cols[0])

int cmd_demo(ft_cli *cli, int argc, char **argv)
{
    const char *out = NULL, *sample_opt = NULL;
    const ft_opt opts[] = {{"out", 1, &out, NULL}, {"sample", 1, &sample_opt, NULL}, {NULL, 0, NULL, NULL}};
    int n_pos = 0;
    int rc = ft_cli_parse("demo", argc, argv, opts, NULL, 0, &n_pos);
    if (rc)
        return rc;
    if (!out)
        out = "fundtrace-demo";
    char sample[PATH_MAX];
    if (sample_opt) {
        snprintf(sample, sizeof sample, "%s", sample_opt);
        if (!is_sample(sample))
            return ft_cli_error(1, "no sample chain in '%s' (blocks/blk00000.dat missing)", sample);
    } else if (!find_sample(sample, sizeof sample)) {
        return ft_cli_error(1, "cannot find the bundled sample (datasets/sample); use --sample DIR");
    }
    if (mkdir(out, 0777) != 0 && errno != EEXIST)
        return ft_cli_error(1, "cannot create directory '%s': %s", out, strerror(errno));

    /* 1. index the sample */
    char path[PATH_MAX + 128], blocks[PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/index", out);
    snprintf(blocks, sizeof blocks, "%s/blocks", sample);
    const ft_btc_params *net = ft_btc_params_get(FT_BTC_REGTEST);
    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    ft_status s = ft_store_open(&st, path, FT_STORE_WRITE, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_btc_index_stats stats;
    memset(&stats, 0, sizeof stats);
    s = ft_btc_index_blocks(st, blocks, net, FT_BTC_HEIGHT_NONE, NULL, &stats, &err);
    ft_query_chainrec chain;
    memset(&chain, 0, sizeof chain);
    if (s == FT_OK)
        s = ft_query_chain_get(st, FT_CHAIN_BTC, &chain, &err);
    /* 1b. the Ethereum part, when the sample has one */
    const ft_eth_params *ethp = ft_eth_params_by_name("dev");
    char ethdir[PATH_MAX + 128];
    snprintf(ethdir, sizeof ethdir, "%s/ethereum", sample);
    char eblocks[PATH_MAX + 256];
    snprintf(eblocks, sizeof eblocks, "%s/blocks.csv", ethdir);
    struct stat esb;
    int has_eth = ethp && stat(eblocks, &esb) == 0;
    ft_account_chainrec echain;
    memset(&echain, 0, sizeof echain);
    if (s == FT_OK && has_eth) {
        ft_eth_index_stats estats;
        memset(&estats, 0, sizeof estats);
        s = ft_eth_index_etl(st, ethp, ethdir, &estats, &err);
        if (s == FT_OK)
            s = ft_account_chain_get(st, ethp->chain_byte, &echain, &err);
    }
    ft_store_close(st);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    uint64_t n_blocks = chain.has_tip ? (uint64_t)chain.tip_height + 1 : 0;
    uint64_t n_addrs = chain.next_addr > 0 ? chain.next_addr - 1 : 0;
    uint64_t n_eth_blocks =
        echain.has_tip ? (uint64_t)echain.tip_height - echain.first_height + 1 : 0;

    /* 2. the incidents */
    demo_incident *inc = NULL;
    size_t n_inc = 0;
    snprintf(path, sizeof path, "%s/incidents.csv", sample);
    if ((s = read_incidents(path, &inc, &n_inc, &err)) != FT_OK)
        return ft_cli_fail(s, &err);

    /* 3. the reference's expected figures */
    char expected[PATH_MAX + 128];
    snprintf(expected, sizeof expected, "%s/truth/expected_summary.csv", sample);
    ft_cli_csv c;
    if ((s = ft_cli_csv_open(&c, expected, &err)) != FT_OK) {
        free(inc);
        return ft_cli_fail(s, &err);
    }
    int col[N_SUMMARY_COLS];
    rc = ft_cli_csv_next(&c, &err);
    for (size_t k = 0; k < N_SUMMARY_COLS; k++)
        col[k] = rc == 1 ? ft_cli_csv_find(&c, summary_cols[k]) : -1;
    for (size_t k = 0; k < N_SUMMARY_COLS && rc == 1; k++)
        if (col[k] < 0)
            rc = 2;
    if (rc != 1) {
        ft_cli_csv_close(&c);
        free(inc);
        if (rc < 0)
            return ft_cli_fail(err.code, &err);
        return ft_cli_error(2, "'%s' is not a summary CSV", expected);
    }

    cJSON *root = NULL, *jexp = NULL;
    if (cli->json) {
        root = cJSON_CreateObject();
        cJSON *idx = cJSON_AddObjectToObject(root, "index");
        char ipath[PATH_MAX + 128];
        snprintf(ipath, sizeof ipath, "%s/index", out);
        ft_cli_json_str(idx, "path", ipath, 0);
        ft_cli_json_num(idx, "blocks", (double)n_blocks);
        ft_cli_json_num(idx, "txs", (double)chain.next_tx);
        ft_cli_json_num(idx, "addresses", (double)n_addrs);
        if (has_eth) {
            cJSON *ei = cJSON_AddObjectToObject(root, "ethereum");
            ft_cli_json_str(ei, "path", ipath, 0);
            ft_cli_json_str(ei, "sample", ethdir, 0);
            ft_cli_json_str(ei, "chain", ethp->name, 0);
            ft_cli_json_num(ei, "blocks", (double)n_eth_blocks);
            ft_cli_json_num(ei, "txs", (double)echain.n_tx);
            ft_cli_json_num(ei, "transfers", (double)echain.n_xfer);
        }
        cJSON *ji = cJSON_AddArrayToObject(root, "incidents");
        for (size_t i = 0; i < n_inc; i++) {
            char a[FT_AMOUNT_STR_MAX];
            ft_amount_format(a, inc[i].stolen, FT_BTC_DECIMALS);
            cJSON *o = cJSON_CreateObject();
            ft_cli_json_str(o, "incident", inc[i].name, 0);
            ft_cli_json_str(o, "date", inc[i].date, 0);
            ft_cli_json_str(o, "attribution", inc[i].attribution, 0);
            ft_cli_json_num(o, "seeds", inc[i].seeds);
            ft_cli_json_str(o, "stolen", a, 0);
            cJSON_AddItemToArray(ji, o);
        }
        ft_cli_json_str(root, "expected_source", "reference tracer (datasets/gen/reference_taint.c), not the engine", 0);
        jexp = cJSON_AddArrayToObject(root, "expected");
    } else {
        printf("fundtrace demo: the bundled sample chain '%s'\n\n", sample);
        printf("indexed %s/index: %llu blocks, %llu transactions, %llu addresses (regtest)\n\n",
               out, (unsigned long long)n_blocks, (unsigned long long)chain.next_tx,
               (unsigned long long)n_addrs);
        if (has_eth)
            printf("indexed %s/index: %llu blocks, %llu transactions, %llu transfers (%s, "
                   "Ethereum sample '%s')\n\n",
                   out, (unsigned long long)n_eth_blocks, (unsigned long long)echain.n_tx,
                   (unsigned long long)echain.n_xfer, ethp->name, ethdir);
        printf("incidents (%s/incidents.csv):\n", sample);
        printf("  %-10s %-10s %-16s %5s %20s\n", "incident", "date", "attribution", "seeds",
               "stolen BTC");
        for (size_t i = 0; i < n_inc; i++) {
            char a[FT_AMOUNT_STR_MAX];
            ft_amount_format(a, inc[i].stolen, FT_BTC_DECIMALS);
            printf("  %-10s %-10s %-16s %5u %20s\n", inc[i].name, inc[i].date, inc[i].attribution,
                   inc[i].seeds, a);
        }
        printf("\nexpected figures (BTC) per incident and taint model, computed by the reference\n"
               "tracer (datasets/gen/reference_taint.c) - NOT by the engine, whose trace lands\n"
               "with issue 6:\n");
        printf("  %-8s %-8s %16s %16s %16s %16s %16s %12s\n", "incident", "model", "stolen",
               "to_exchange", "to_mixer", "to_other", "unspent", "fees");
    }
    while ((rc = ft_cli_csv_next(&c, &err)) == 1) {
        for (size_t k = 0; k < N_SUMMARY_COLS; k++)
            if ((size_t)col[k] >= c.n_field) {
                rc = -2;
                break;
            }
        if (rc == -2)
            break;
        if (jexp) {
            cJSON *o = cJSON_CreateObject();
            for (size_t k = 0; k < N_SUMMARY_COLS; k++)
                ft_cli_json_str(o, summary_cols[k], c.field[col[k]], 0);
            cJSON_AddItemToArray(jexp, o);
        } else {
            printf("  %-8s %-8s %16s %16s %16s %16s %16s %12s\n", c.field[col[0]],
                   c.field[col[1]], c.field[col[2]], c.field[col[3]], c.field[col[4]],
                   c.field[col[6]], c.field[col[7]], c.field[col[8]]);
        }
    }
    unsigned long long bad_line = (unsigned long long)c.line;
    ft_cli_csv_close(&c);
    free(inc);
    if (rc != 0) {
        cJSON_Delete(root);
        if (rc == -2)
            return ft_cli_error(2, "'%s' line %llu: too few fields", expected, bad_line);
        return ft_cli_fail(err.code, &err);
    }

    /* 4. DIR/summary.csv and what it is */
    snprintf(path, sizeof path, "%s/summary.csv", out);
    if ((s = copy_file(expected, path, &err)) != FT_OK) {
        cJSON_Delete(root);
        return ft_cli_fail(s, &err);
    }
    snprintf(path, sizeof path, "%s/README.txt", out);
    FILE *f = fopen(path, "w");
    if (!f) {
        cJSON_Delete(root);
        return ft_cli_error(1, "cannot create '%s': %s", path, strerror(errno));
    }
    fprintf(f,
            "fundtrace demo output\n\n"
            "index/        the sample chain '%s' indexed by fundtrace (with its Ethereum\n"
            "              part, ethereum/, as chain dev when present)\n"
            "summary.csv   EXPECTED figures per incident and taint model, computed by the chain\n"
            "              generator's reference tracer (datasets/gen/reference_taint.c) and copied\n"
            "              from the sample's truth/expected_summary.csv. They are not the engine's\n"
            "              trace: `fundtrace trace` (issue 6) will write its own summary.csv, which\n"
            "              `fundtrace eval trace` compares with these.\n",
            sample);
    if (fclose(f) != 0) {
        cJSON_Delete(root);
        return ft_cli_error(1, "cannot write '%s'", path);
    }
    if (root) {
        snprintf(path, sizeof path, "%s/summary.csv", out);
        ft_cli_json_str(root, "summary_csv", path, 0);
        return ft_cli_json_print(root);
    }
    printf("\nwrote %s/summary.csv (the reference tracer's expected figures; see %s/README.txt)\n",
           out, out);
    return 0;
}
