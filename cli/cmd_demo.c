/*
 * cmd_demo.c — `fundtrace demo [--out DIR] [--sample DIR]`: the engine's whole pipeline on
 * the bundled sample chain (datasets/sample, README there), in this process.
 *
 *     index the blocks (DIR/index) → labels import → incidents import → cluster
 *       → trace, all models (trace job, cli/trace_job.c) → report (cli/cmd_report.c)
 *       → the engine's figures per incident and model, each compared with the reference
 *         tracer's truth/expected_summary.csv ("equal" or "differs by N sat")
 *
 * The steps call the command functions (cmd_labels, cmd_incidents, cmd_cluster) with built
 * argv arrays on DIR/index, their stdout silenced (their errors still reach stderr), and the
 * trace job and report writer directly; nothing forks the binary. The comparison is honest:
 * the reference reads each address's owner from the generator's ground truth, the engine only
 * knows labels and its own clustering, and where they differ the table says so (on the
 * bundled sample: two deposit addresses of the custodial mixer are not clustered, so gen-3 and
 * gen-4 differ by 2,508 and 1,140 sat between to_mixer and fees in every model).
 *
 * When the sample has an Ethereum part (DIR/ethereum/blocks.csv: ethereum-etl CSV of an anvil
 * scenario, datasets/sample/ethereum/README.md) it is indexed into the same DIR/index as chain
 * `dev` and one line gives its blocks, transactions and transfers (it is not traced: trace is
 * UTXO only today); a sample without it is still a sample. labels.csv is optional (without it
 * nothing is terminal and everything ends unspent).
 *
 * DIR receives the trace files (summary.csv, flows.csv, and flow.dot/flow.svg/paths.csv when
 * the trace writer produces them), the report tables, reference_summary.csv (a copy of the
 * reference's figures) and README.txt describing each file.
 * The sample is found at --sample DIR, else beside the binary (<exe dir>/../datasets/sample:
 * build/fundtrace in the source tree), else ./datasets/sample.
 * Exit codes: 0 ok, 1 sample or output unreadable/unwritable, 2 malformed sample files.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
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
#include "cli/trace_job.h"
#include "engine/account.h"
#include "engine/amount.h"
#include "engine/keys.h"
#include "engine/query.h"
#include "engine/store.h"

#include "engine/banned.h"

const char cmd_demo_usage[] =
    "usage: fundtrace [--json] demo [--out DIR] [--sample DIR]\n"
    "\n"
    "Runs the engine's whole pipeline on the bundled sample chain (datasets/sample: 3,000\n"
    "regtest transactions with 4 planted thefts laundered through peel chains, CoinJoins, a\n"
    "mixer and OTC desks): index into DIR/index, import its labels and incidents, cluster,\n"
    "trace with all taint models, write the report. Prints the engine's figures per incident\n"
    "and model, each compared with the figures of the generator's independent reference\n"
    "tracer (truth/expected_summary.csv): \"equal\" or which figure differs by how many sat.\n"
    "The sample's Ethereum part (datasets/sample/ethereum: ethereum-etl CSV of an anvil\n"
    "scenario) goes into the same index as chain `dev` (indexed, not traced).\n"
    "DIR gets summary.csv and flows.csv (the trace), by_incident.csv, by_year.csv,\n"
    "by_exchange.csv, by_channel.csv, overlaps.csv (the report), reference_summary.csv and\n"
    "README.txt describing every file.\n"
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


/* The nine figures of a summary row, in summary.csv order. */
static const char *const fig_cols[] = {"stolen", "to_exchange", "to_mixer",
                                       "to_bridge", "to_other", "unspent",
                                       "fees", "below_threshold", "hop_limit"};
#define N_FIG 9

typedef struct ref_row {
    char incident[128], model[16];
    ft_u128 v[N_FIG];
} ref_row;

/* The reference tracer's figures (truth/expected_summary.csv). */
static ft_status read_reference(const char *path, ref_row **out, size_t *n_out, ft_err *err)
{
    ft_cli_csv c;
    *out = NULL;
    *n_out = 0;
    ft_status s = ft_cli_csv_open(&c, path, err);
    if (s != FT_OK)
        return s;
    int col[2 + N_FIG];
    int rc = ft_cli_csv_next(&c, err);
    col[0] = rc == 1 ? ft_cli_csv_find(&c, "incident") : -1;
    col[1] = rc == 1 ? ft_cli_csv_find(&c, "model") : -1;
    for (int k = 0; k < N_FIG; k++)
        col[2 + k] = rc == 1 ? ft_cli_csv_find(&c, fig_cols[k]) : -1;
    int bad = rc != 1;
    for (int k = 0; k < 2 + N_FIG; k++)
        bad |= col[k] < 0;
    if (bad) {
        ft_cli_csv_close(&c);
        return rc < 0 ? err->code
                      : ft_err_set(err, FT_ERR_PARSE, "'%s' is not a summary CSV", path);
    }
    ref_row *v = NULL;
    size_t n = 0;
    while ((rc = ft_cli_csv_next(&c, err)) == 1) {
        for (int k = 0; k < 2 + N_FIG && s == FT_OK; k++)
            if ((size_t)col[k] >= c.n_field)
                s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: too few fields", path,
                               (unsigned long long)c.line);
        if (s != FT_OK)
            break;
        ref_row *nv = realloc(v, (n + 1) * sizeof *v);
        if (!nv) {
            s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
            break;
        }
        v = nv;
        snprintf(v[n].incident, sizeof v[n].incident, "%s", c.field[col[0]]);
        snprintf(v[n].model, sizeof v[n].model, "%s", c.field[col[1]]);
        for (int k = 0; k < N_FIG && s == FT_OK; k++)
            if (ft_amount_parse(&v[n].v[k], c.field[col[2 + k]], FT_BTC_DECIMALS) != FT_OK)
                s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: bad amount '%s'", path,
                               (unsigned long long)c.line, c.field[col[2 + k]]);
        if (s != FT_OK)
            break;
        n++;
    }
    if (rc < 0 && s == FT_OK)
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

/* Runs a command function with stdout silenced (its errors still go to stderr). */
static int run_quiet(ft_cli *sub, ft_cmd_fn fn, int argc, char **argv)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int null = open("/dev/null", O_WRONLY);
    if (saved < 0 || null < 0) {
        if (saved >= 0)
            close(saved);
        if (null >= 0)
            close(null);
        return ft_cli_error(1, "cannot redirect standard output: %s", strerror(errno));
    }
    dup2(null, STDOUT_FILENO);
    close(null);
    int rc = fn(sub, argc, argv);
    fflush(stdout);
    clearerr(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return rc;
}

static void summary_values(const ft_trace_summary *s, ft_u128 v[N_FIG])
{
    v[0] = s->stolen;
    v[1] = s->to_exchange;
    v[2] = s->to_mixer;
    v[3] = s->to_bridge;
    v[4] = s->to_other;
    v[5] = s->unspent;
    v[6] = s->fees;
    v[7] = s->below_threshold;
    v[8] = s->hop_limit;
}

/* engine − reference in sat as text with a sign ("+2508", "-2508"). */
static void diff_text(char *out, size_t cap, ft_u128 engine, ft_u128 ref)
{
    char d[FT_AMOUNT_STR_MAX];
    ft_u128_format(d, engine > ref ? engine - ref : ref - engine);
    snprintf(out, cap, "%c%s", engine > ref ? '+' : '-', d);
}

/* Writes DIR/README.txt describing every file of the demo's output. */
static int write_readme(const char *out, const char *sample, int has_eth)
{
    char path[PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/README.txt", out);
    FILE *f = fopen(path, "w");
    if (!f)
        return ft_cli_error(1, "cannot create '%s': %s", path, strerror(errno));
    fprintf(f,
            "fundtrace demo output: the engine's pipeline on the sample chain\n"
            "'%s'\n"
            "(index, labels import, incidents import, cluster, trace with the poison, haircut and\n"
            "fifo models, report). Amounts are exact BTC; USD columns use the daily close of\n"
            "datasets/prices and stay empty where no price is known. Column meanings:\n"
            "docs/methodology.md, \"Report figures\".\n\n"
            "index/                 the LevelDB index of the sample (fundtrace --db %s/index ...)%s\n"
            "summary.csv            the engine's trace: per incident and model, stolen and where it\n"
            "                       went (to_exchange, to_mixer, to_bridge, to_other, unspent, fees,\n"
            "                       below_threshold, hop_limit); haircut and fifo balance exactly\n"
            "flows.csv              the engine's trace: per incident, model and terminal address\n"
            "                       (exchange, OTC desk, mixer...) the amount received, hops, times\n"
            "by_incident.csv        report: per incident, each channel's low and high figure across\n"
            "                       the models (low = smallest, high = largest; poison is an upper\n"
            "                       bound)\n"
            "by_year.csv            report: the same per year of the incident date\n"
            "by_exchange.csv        report: per exchange / OTC desk / payment entity reached:\n"
            "                       incidents, amount low/high, first and last time\n"
            "by_channel.csv         report: per channel (exchange, otc, payment, mixer, bridge,\n"
            "                       other terminal, unspent, fees, below threshold, hop limit)\n"
            "overlaps.csv           report: addresses and clusters reached by two or more\n"
            "                       incidents (cross-case links)\n"
            "reference_summary.csv  NOT the engine's: the figures of the chain generator's\n"
            "                       independent reference tracer (datasets/gen/reference_taint.c,\n"
            "                       the sample's truth/expected_summary.csv), which the demo\n"
            "                       compares with summary.csv; `fundtrace eval trace` does the same\n"
            "                       for flows\n",
            sample, out,
            has_eth ? "\n                       with the Ethereum sample as chain dev" : "");
    const char *const extra[][2] = {
        {"paths.csv", "the trace's evidence: the transaction paths behind each flow"},
        {"flow.dot", "the trace's flow picture (Graphviz source)"},
        {"flow.svg", "the flow picture rendered by Graphviz"}};
    for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++) {
        char p[PATH_MAX + 160];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", out, extra[k][0]);
        if (stat(p, &sb) == 0)
            fprintf(f, "%-22s %s\n", extra[k][0], extra[k][1]);
    }
    if (fclose(f) != 0)
        return ft_cli_error(1, "cannot write '%s'", path);
    return 0;
}

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

    /* the sample's own files first: a malformed one stops before any work */
    char path[PATH_MAX + 128], blocks[PATH_MAX + 128], ipath[PATH_MAX + 128];
    char inc_csv[PATH_MAX + 128], lab_csv[PATH_MAX + 128], expected[PATH_MAX + 128];
    snprintf(ipath, sizeof ipath, "%s/index", out);
    snprintf(blocks, sizeof blocks, "%s/blocks", sample);
    snprintf(inc_csv, sizeof inc_csv, "%s/incidents.csv", sample);
    snprintf(lab_csv, sizeof lab_csv, "%s/labels.csv", sample);
    snprintf(expected, sizeof expected, "%s/truth/expected_summary.csv", sample);
    ft_err err;
    ft_err_clear(&err);
    demo_incident *inc = NULL;
    size_t n_inc = 0;
    ref_row *ref = NULL;
    size_t n_ref = 0;
    ft_status s = read_incidents(inc_csv, &inc, &n_inc, &err);
    if (s == FT_OK)
        s = read_reference(expected, &ref, &n_ref, &err);
    if (s != FT_OK) {
        free(inc);
        return ft_cli_fail(s, &err);
    }

    /* 1. index the sample */
    const ft_btc_params *net = ft_btc_params_get(FT_BTC_REGTEST);
    ft_store *st = NULL;
    s = ft_store_open(&st, ipath, FT_STORE_WRITE, &err);
    ft_btc_index_stats stats;
    memset(&stats, 0, sizeof stats);
    if (s == FT_OK)
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
    st = NULL;
    if (s != FT_OK) {
        free(inc);
        free(ref);
        return ft_cli_fail(s, &err);
    }
    uint64_t n_blocks = chain.has_tip ? (uint64_t)chain.tip_height + 1 : 0;
    uint64_t n_addrs = chain.next_addr > 0 ? chain.next_addr - 1 : 0;
    uint64_t n_eth_blocks =
        echain.has_tip ? (uint64_t)echain.tip_height - echain.first_height + 1 : 0;

    /* 2. labels, incidents, cluster: the commands themselves, on DIR/index */
    ft_cli sub = *cli;
    sub.db_path = ipath;
    sub.json = 0;
    sub.quiet = 1;
    sub.progress = 0;
    struct stat lsb;
    int has_labels = stat(lab_csv, &lsb) == 0;
    char *labels_argv[] = {"labels", "import", lab_csv, NULL};
    char *incidents_argv[] = {"incidents", "import", inc_csv, NULL};
    char *cluster_argv[] = {"cluster", NULL};
    int code = has_labels ? run_quiet(&sub, cmd_labels, 3, labels_argv) : 0;
    if (code == 0)
        code = run_quiet(&sub, cmd_incidents, 3, incidents_argv);
    if (code == 0)
        code = run_quiet(&sub, cmd_cluster, 1, cluster_argv);

    /* 3. trace (all models, with exposure for the report's overlaps), report */
    ft_cli_trace_job job;
    memset(&job, 0, sizeof job);
    size_t n_over = 0;
    if (code == 0) {
        const ft_btc_params *inet = NULL;
        ft_query_chainrec crec;
        code = ft_cli_btc_open(&sub, &st, &inet, &crec);
    }
    if (code == 0)
        code = ft_cli_trace_job_prepare(&job, st, net, ipath, NULL);
    if (code == 0) {
        ft_trace_opts to;
        code = ft_cli_trace_parse_opts("demo", NULL, NULL, NULL, &to);
        if (to.prices == NULL && job.opts.prices != NULL) {
            to.prices = job.opts.prices;
            to.asset = job.opts.asset;
            to.decimals = job.opts.decimals;
        }
        to.exposure = 1;
        job.opts = to;
    }
    if (code == 0)
        code = ft_cli_trace_job_run(&job);
    if (code == 0)
        code = ft_cli_trace_job_write(&job, out);
    if (code == 0)
        code = ft_cli_trace_job_store_exposure(&job);
    if (code == 0)
        code = ft_cli_report_write(&job, out, &n_over);
    snprintf(path, sizeof path, "%s/reference_summary.csv", out);
    if (code == 0 && (s = copy_file(expected, path, &err)) != FT_OK)
        code = ft_cli_fail(s, &err);
    if (code == 0)
        code = write_readme(out, sample, has_eth);
    if (code != 0) {
        ft_cli_trace_job_release(&job);
        ft_store_close(st);
        free(inc);
        free(ref);
        return code;
    }

    /* 4. what to show */
    cJSON *root = NULL, *jfig = NULL;
    if (cli->json) {
        root = cJSON_CreateObject();
        cJSON *idx = cJSON_AddObjectToObject(root, "index");
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
        ft_cli_json_str(root, "figures_source", "the engine (trace of this index)", 0);
        ft_cli_json_str(root, "reference_source",
                        "reference tracer (datasets/gen/reference_taint.c), not the engine", 0);
        jfig = cJSON_AddArrayToObject(root, "figures");
    } else {
        printf("fundtrace demo: the bundled sample chain '%s'\n\n", sample);
        printf("indexed %s/index: %llu blocks, %llu transactions, %llu addresses (regtest)\n",
               out, (unsigned long long)n_blocks, (unsigned long long)chain.next_tx,
               (unsigned long long)n_addrs);
        if (has_eth)
            printf("indexed %s/index: %llu blocks, %llu transactions, %llu transfers (%s, "
                   "Ethereum sample '%s')\n",
                   out, (unsigned long long)n_eth_blocks, (unsigned long long)echain.n_tx,
                   (unsigned long long)echain.n_xfer, ethp->name, ethdir);
        printf("then: %scluster, trace (poison, haircut, fifo), report\n\n",
               has_labels ? "labels import, incidents import, " : "incidents import (no "
                                                                  "labels.csv), ");
        printf("incidents (%s/incidents.csv):\n", sample);
        printf("  %-10s %-10s %-16s %5s %20s\n", "incident", "date", "attribution", "seeds",
               "stolen BTC");
        for (size_t i = 0; i < n_inc; i++) {
            char a[FT_AMOUNT_STR_MAX];
            ft_amount_format(a, inc[i].stolen, FT_BTC_DECIMALS);
            printf("  %-10s %-10s %-16s %5u %20s\n", inc[i].name, inc[i].date, inc[i].attribution,
                   inc[i].seeds, a);
        }
        printf("\nthe engine's figures (BTC) per incident and taint model, and how they compare\n"
               "with the generator's independent reference tracer (truth/expected_summary.csv):\n");
        printf("  %-8s %-8s %16s %16s %16s %16s %16s %12s  %s\n", "incident", "model", "stolen",
               "to_exchange", "to_mixer", "to_other", "unspent", "fees", "vs reference");
    }
    size_t n_equal = 0, n_differ = 0;
    for (size_t i = 0; i < job.n_inc; i++)
        for (int m = 0; m < FT_TAINT_MODELS; m++) {
            if (!(job.opts.models >> m & 1u))
                continue;
            const char *mname = ft_taint_model_get(m)->name;
            ft_u128 v[N_FIG];
            summary_values(&job.res.summary[i * FT_TAINT_MODELS + (size_t)m], v);
            const ref_row *r = NULL;
            for (size_t k = 0; k < n_ref && !r; k++)
                if (strcmp(ref[k].incident, job.names[i]) == 0 && strcmp(ref[k].model, mname) == 0)
                    r = &ref[k];
            char cmp[512];
            size_t p = 0;
            cmp[0] = '\0';
            cJSON *jd = jfig ? cJSON_CreateObject() : NULL;
            int differs = 0;
            for (int k = 0; r && k < N_FIG; k++) {
                if (v[k] == r->v[k])
                    continue;
                char d[FT_AMOUNT_STR_MAX + 2];
                diff_text(d, sizeof d, v[k], r->v[k]);
                if (p < sizeof cmp)
                    p += (size_t)snprintf(cmp + p, sizeof cmp - p, "%s%s differs by %s sat",
                                          differs ? ", " : "", fig_cols[k], d);
                if (jd)
                    ft_cli_json_str(jd, fig_cols[k], d, 0);
                differs = 1;
            }
            if (!r)
                snprintf(cmp, sizeof cmp, "no reference row");
            else if (!differs)
                snprintf(cmp, sizeof cmp, "equal");
            n_equal += r && !differs;
            n_differ += r && differs;
            char a[N_FIG][FT_AMOUNT_STR_MAX];
            for (int k = 0; k < N_FIG; k++)
                ft_amount_format(a[k], v[k], FT_BTC_DECIMALS);
            if (jfig) {
                cJSON *o = cJSON_CreateObject();
                ft_cli_json_str(o, "incident", job.names[i], 0);
                ft_cli_json_str(o, "model", mname, 0);
                for (int k = 0; k < N_FIG; k++)
                    ft_cli_json_str(o, fig_cols[k], a[k], 0);
                ft_cli_json_str(o, "vs_reference", r ? (differs ? "differs" : "equal") : "none", 0);
                cJSON_AddItemToObject(o, "differences_sat", jd);
                cJSON_AddItemToArray(jfig, o);
            } else {
                printf("  %-8s %-8s %16s %16s %16s %16s %16s %12s  %s\n", job.names[i], mname,
                       a[0], a[1], a[2], a[4], a[5], a[6], cmp);
            }
        }
    if (root) {
        ft_cli_json_num(root, "equal", (double)n_equal);
        ft_cli_json_num(root, "differ", (double)n_differ);
        ft_cli_json_num(root, "overlaps", (double)n_over);
        ft_cli_json_str(root, "out", out, 0);
        snprintf(path, sizeof path, "%s/summary.csv", out);
        ft_cli_json_str(root, "summary_csv", path, 0);
        snprintf(path, sizeof path, "%s/reference_summary.csv", out);
        ft_cli_json_str(root, "reference_csv", path, 0);
    } else {
        printf("\n%zu of %zu rows equal the reference to the satoshi.", n_equal,
               n_equal + n_differ);
        if (n_differ)
            printf("\nWhere they differ: the reference reads every address's owner from the\n"
                   "generator's ground truth, the engine only knows the labels and its own\n"
                   "clustering; a service's deposit address that clustering does not attach to\n"
                   "its labelled entity is followed one transaction further, whose fee then\n"
                   "counts as fees (on this sample: two deposit addresses of mixer-1).");
        printf("\n\nwrote to %s/: summary.csv, flows.csv (trace); by_incident.csv, by_year.csv,\n"
               "by_exchange.csv, by_channel.csv, overlaps.csv (report, %zu overlap rows);\n"
               "reference_summary.csv (the reference's figures); README.txt (what each file is)\n",
               out, n_over);
        const char *const pics[] = {"paths.csv", "flow.dot", "flow.svg"};
        int any = 0;
        for (size_t k = 0; k < sizeof pics / sizeof pics[0]; k++) {
            struct stat psb;
            snprintf(path, sizeof path, "%s/%s", out, pics[k]);
            if (stat(path, &psb) == 0) {
                printf("%s%s", any ? ", " : "and from the trace writer: ", pics[k]);
                any = 1;
            }
        }
        if (any)
            printf(" (evidence paths and the flow picture)\n");
    }
    ft_cli_trace_job_release(&job);
    ft_store_close(st);
    free(inc);
    free(ref);
    return root ? ft_cli_json_print(root) : 0;
}
