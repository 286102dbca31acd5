/*
 * cmd_report.c — `fundtrace report [--model M] [--max-hops N] [--min-value A] [--incident ID]
 * --out DIR`: the appendix tables of a sanctions report (ARCHITECTURE.md section 6, issue 6).
 *
 * A trace job (cli/trace_job.c) runs with per-address exposure on; engine/report.c turns the
 * result into by_incident, by_year, by_exchange, by_channel and overlaps; the job's own
 * writer adds the trace files (summary.csv, flows.csv, and whatever else `trace` writes) so
 * that the appendix is complete. Every file goes through a temporary file and a rename once
 * all report tables are complete: bad input (an unknown incident, a seed not in the index)
 * stops before anything is written. Account-chain incidents (cli/trace_job_account.c) are
 * built as one report part per (chain, asset) whose rows follow the Bitcoin rows in each
 * table (header once); an index of account chains only is reported too.
 *
 * ft_cli_report_write is shared with `demo` (cli/cmd_demo.c).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/btc_index.h"
#include "cli/commands.h"
#include "cli/trace_job.h"
#include "cli/trace_snapshot.h"
#include "engine/clusterstore.h"
#include "engine/keys.h"
#include "engine/prices.h"
#include "engine/query.h"
#include "engine/report.h"

#include "engine/banned.h"

const char cmd_report_usage[] =
    "usage: fundtrace [--json] report [--model poison|haircut|fifo|all] [--max-hops N]\n"
    "                 [--min-value AMOUNT] [--incident ID] [--paths 0|1] [--no-exposure]\n"
    "                 [--snapshot FILE] --out DIR\n"
    "\n"
    "Traces the imported incidents (all of them, or --incident ID) like 'fundtrace trace'\n"
    "with every model by default, and writes the appendix tables of a report into DIR:\n"
    "  by_incident.csv  per incident: stolen, and per channel (to_exchange, to_mixer,\n"
    "                   to_bridge, to_other, unspent, fees, below_threshold, hop_limit) the\n"
    "                   low and high figure across the models run\n"
    "  by_year.csv      the same summed per year of the incident date\n"
    "  by_exchange.csv  per exchange, OTC desk or payment processor reached: incidents,\n"
    "                   amount low/high, first and last time\n"
    "  by_channel.csv   per channel (exchange, otc, payment, mixer, bridge, other terminal,\n"
    "                   unspent, fees, below threshold, hop limit): amount low/high\n"
    "  overlaps.csv     every address, then every cluster, that received taint from two or\n"
    "                   more incidents (under poison when run, else the first model run)\n"
    "and, so that the appendix is complete, the trace files of 'fundtrace trace' (summary.csv,\n"
    "flows.csv). low = the smallest figure any one model gives, high = the largest; poison\n"
    "does not conserve value, so its figures are upper bounds (docs/methodology.md). USD\n"
    "columns stay empty where no price is known.\n"
    "--snapshot FILE reads a file of 'fundtrace snapshot' instead of the index (same\n"
    "files); started by mpirun, the incidents are split over the ranks (docs/hpc.md).\n"
    "--paths N: evidence paths per flow in paths.csv, 1 (default) or 0 (no paths.csv).\n"
    "--no-exposure: do not store the per-address exposure that 'fundtrace address' shows\n"
    "(stored rows stay as they were; overlaps.csv is still computed).\n"
    "\n"
    "Exit codes: 0 ok, 1 runtime failure, 2 bad input (an unknown incident, a seed not in\n"
    "the index), 129 usage error.\n";

static const char *const table_names[] = {"by_incident.csv", "by_year.csv", "by_exchange.csv",
                                          "by_channel.csv", "overlaps.csv"};
#define N_TABLES (sizeof table_names / sizeof table_names[0])

static ft_status report_addr_text(void *ctx, uint32_t addr, char *out, size_t cap, ft_err *err)
{
    const ft_cli_trace_job *job = ctx;
    char text[FT_CLI_ADDR_TEXT_MAX];
    ft_status s = job->addr_text(job->text_ctx, addr, text, err);
    if (s == FT_OK)
        snprintf(out, cap, "%s", text);
    return s;
}

/* 00:00 UTC of "YYYY-MM-DD" in seconds since 1970 (days from the civil calendar). Returns 0
 * when date is not of that form. */
static int date_time(const char *date, int64_t *out)
{
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? date[i] != '-' : (date[i] < '0' || date[i] > '9'))
            return 0;
    if (date[10] != '\0')
        return 0;
    int64_t y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 +
                (date[3] - '0');
    int64_t m = (date[5] - '0') * 10 + (date[6] - '0');
    int64_t d = (date[8] - '0') * 10 + (date[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *out = (era * 146097 + doe - 719468) * 86400;
    return 1;
}

static ft_status write_table(const ft_report *rep, size_t t, FILE *f, const char *name,
                             ft_err *err)
{
    switch (t) {
    case 0: return ft_report_write_by_incident(rep, f, name, err);
    case 1: return ft_report_write_by_year(rep, f, name, err);
    case 2: return ft_report_write_by_exchange(rep, f, name, err);
    case 3: return ft_report_write_by_channel(rep, f, name, err);
    default: return ft_report_write_overlaps(rep, f, name, err);
    }
}

/* The tables of one report part appended to the open table files: the first part with its
 * header lines, a later part (an account chain's asset) without them. */
typedef struct report_out {
    FILE *f[N_TABLES];
    const char *tmp[N_TABLES];
    size_t n_overlaps;
    int parts;
} report_out;

static ft_status write_part(report_out *o, const ft_report *rep, ft_err *err)
{
    ft_status s = FT_OK;
    for (size_t t = 0; t < N_TABLES && s == FT_OK; t++) {
        if (o->parts == 0) {
            s = write_table(rep, t, o->f[t], o->tmp[t], err);
            continue;
        }
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (!m)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for '%s'", o->tmp[t]);
        s = write_table(rep, t, m, o->tmp[t], err);
        if (fclose(m) != 0 && s == FT_OK)
            s = ft_err_set(err, FT_ERR_NOMEM, "out of memory for '%s'", o->tmp[t]);
        const char *body = buf ? memchr(buf, '\n', len) : NULL; /* skip the header line */
        if (s == FT_OK && body) {
            body++;
            size_t nb = len - (size_t)(body - buf);
            if (nb && fwrite(body, 1, nb, o->f[t]) != nb)
                s = ft_err_set(err, FT_ERR_IO, "cannot write '%s'", o->tmp[t]);
        }
        free(buf);
    }
    o->parts++;
    o->n_overlaps += rep->n_overlap;
    return s;
}

static ft_status account_part(void *ctx, const ft_report_input *in, ft_err *err)
{
    ft_report rep;
    ft_status s = ft_report_build(&rep, in, err);
    if (s == FT_OK)
        s = write_part(ctx, &rep, err);
    ft_report_release(&rep);
    return s;
}

int ft_cli_report_write(const struct ft_cli_trace_job *job, const char *dir, size_t *n_overlaps)
{
    size_t n = job->n_inc;
    ft_err err;
    ft_err_clear(&err);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return ft_cli_error(1, "cannot create '%s': %s", dir, strerror(errno));
    ft_report_incident *inc = calloc(n ? n : 1, sizeof *inc);
    if (!inc)
        return ft_cli_error(1, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const ft_incident_row *row = &job->set.v[job->inc_first_row[i]];
        inc[i].name = job->names[i];
        inc[i].date = row->date;
        inc[i].chain = "bitcoin";
        inc[i].asset = "BTC";
        inc[i].decimals = FT_BTC_DECIMALS;
        /* stolen in USD at the price of the incident date (00:00 UTC of that day) */
        int first_model = 0;
        while (first_model < FT_TAINT_MODELS - 1 && !(job->opts.models >> first_model & 1u))
            first_model++;
        ft_u128 stolen = job->res.summary[i * FT_TAINT_MODELS + (size_t)first_model].stolen;
        int64_t day;
        inc[i].stolen_usd_known =
            job->opts.prices && date_time(row->date, &day) &&
            ft_prices_value(job->opts.prices, "BTC", FT_BTC_DECIMALS, stolen, day,
                            &inc[i].stolen_usd);
    }
    uint32_t *cl = NULL;
    ft_status s = FT_OK;
    if (job->st && n > 0) {
        s = ft_clusterstore_load(job->st, FT_CHAIN_BTC, job->g.n_addr, &cl, &err);
        if (s != FT_OK) {
            free(inc);
            return ft_cli_fail(s, &err);
        }
    }
    ft_report_input in;
    memset(&in, 0, sizeof in);
    in.res = &job->res;
    in.models = job->opts.models;
    in.usd = job->opts.prices != NULL;
    in.inc = inc;
    in.entity_name = (const char *const *)job->lab.entity_name;
    in.n_entities = job->lab.n_entities;
    in.n_addr = job->g.n_addr;
    in.addr_cluster = cl ? cl : job->addr_cluster; /* snapshot: its stored cluster ids */
    in.addr_entity = job->lab.addr_entity;
    in.addr_entity_cat = job->lab.entity_cat;
    in.addr_term_entity = job->term_ent;
    in.addr_text = report_addr_text;
    in.addr_ctx = (void *)job;
    ft_report rep;
    s = ft_report_build(&rep, &in, &err);
    char fin[N_TABLES][4200], tmp[N_TABLES][4224];
    report_out o;
    memset(&o, 0, sizeof o);
    size_t made = 0;
    for (size_t t = 0; t < N_TABLES && s == FT_OK; t++) {
        snprintf(fin[t], sizeof fin[t], "%s/%s", dir, table_names[t]);
        snprintf(tmp[t], sizeof tmp[t], "%.4190s.tmp", fin[t]);
        o.tmp[t] = tmp[t];
        o.f[t] = fopen(tmp[t], "w");
        if (!o.f[t]) {
            s = ft_err_set(&err, FT_ERR_IO, "cannot write '%s': %s", tmp[t], strerror(errno));
            break;
        }
        made++;
    }
    if (s == FT_OK) /* Bitcoin first (headers), then every account chain's assets */
        s = write_part(&o, &rep, &err);
    ft_report_release(&rep);
    int code = 0;
    if (s == FT_OK && ft_cli_trace_job_account_incidents(job) > 0)
        code = ft_cli_trace_job_account_report(job, account_part, &o);
    for (size_t t = 0; t < made; t++)
        if (fclose(o.f[t]) != 0 && s == FT_OK)
            s = ft_err_set(&err, FT_ERR_IO, "cannot write '%s'", tmp[t]);
    for (size_t t = 0; t < made && s == FT_OK && code == 0; t++)
        if (rename(tmp[t], fin[t]) != 0)
            s = ft_err_set(&err, FT_ERR_IO, "cannot rename '%s': %s", tmp[t], strerror(errno));
    if (s != FT_OK || code != 0)
        for (size_t t = 0; t < made; t++)
            unlink(tmp[t]);
    if (n_overlaps)
        *n_overlaps = o.n_overlaps;
    free(cl);
    free(inc);
    if (code)
        return code;
    return s == FT_OK ? 0 : ft_cli_fail(s, &err);
}

/* After the run: the report tables, the trace files, the line (or JSON). Also the finish of
 * `report --snapshot` (cli/trace_snapshot.c, rank 0 under MPI). */
static int report_finish(ft_cli *cli, ft_cli_trace_job *job, const char *out)
{
    size_t n_over = 0, n_inc = job->n_inc + ft_cli_trace_job_account_incidents(job);
    size_t n_acct_flows = ft_cli_trace_job_account_flow_count(job);
    int code = ft_cli_report_write(job, out, &n_over);
    if (code == 0)
        code = ft_cli_trace_job_write(job, out);
    if (code == 0 && job->st) /* the exposure `fundtrace address` shows (not from a snapshot) */
        code = ft_cli_trace_job_store_exposure(job);
    if (code == 0) {
        if (cli->json) {
            cJSON *o = cJSON_CreateObject();
            ft_cli_json_num(o, "incidents", (double)n_inc);
            ft_cli_json_num(o, "flows", (double)(job->res.n_flows + n_acct_flows));
            ft_cli_json_num(o, "overlaps", (double)n_over);
            cJSON *files = cJSON_AddArrayToObject(o, "files");
            for (size_t t = 0; t < N_TABLES; t++)
                cJSON_AddItemToArray(files, cJSON_CreateString(table_names[t]));
            cJSON_AddItemToArray(files, cJSON_CreateString("summary.csv"));
            cJSON_AddItemToArray(files, cJSON_CreateString("flows.csv"));
            ft_cli_json_str(o, "out", out, 0);
            code = ft_cli_json_print(o);
        } else if (!cli->quiet) {
            printf("report of %zu incidents (%zu flows, %zu overlap rows) written to '%s': "
                   "by_incident.csv, by_year.csv, by_exchange.csv, by_channel.csv, "
                   "overlaps.csv, summary.csv, flows.csv\n",
                   n_inc, job->res.n_flows + n_acct_flows, n_over, out);
        }
    }
    return code;
}

int cmd_report(ft_cli *cli, int argc, char **argv)
{
    const char *incident = NULL, *model = NULL, *max_hops = NULL, *min_value = NULL, *out = NULL;
    const char *snapshot = NULL, *paths = NULL;
    int no_exposure = 0;
    const ft_opt opts[] = {{"incident", 1, &incident, NULL}, {"model", 1, &model, NULL},
                           {"paths", 1, &paths, NULL}, {"no-exposure", 0, NULL, &no_exposure},
                           {"max-hops", 1, &max_hops, NULL}, {"min-value", 1, &min_value, NULL},
                           {"out", 1, &out, NULL},           {"snapshot", 1, &snapshot, NULL},
                           {NULL, 0, NULL, NULL}};
    int n_pos = 0;
    int rc = ft_cli_parse("report", argc, argv, opts, NULL, 0, &n_pos);
    if (rc)
        return rc;
    if (!out || !*out)
        return ft_cli_usage_error("report", "--out DIR is required");
    ft_trace_opts to;
    if ((rc = ft_cli_trace_parse_opts("report", model, max_hops, min_value, &to)) != 0 ||
        (rc = ft_cli_trace_parse_paths("report", paths, &to)) != 0)
        return rc;
    to.exposure = 1;
    if (snapshot) /* the snapshot only; MPI when started by mpirun (cli/trace_snapshot.c) */
        return ft_cli_snapshot_job_cmd(cli, snapshot, incident, &to, out, report_finish);

    ft_store *st = NULL;
    const ft_btc_params *net = NULL; /* NULL: an index of account chains only */
    if ((rc = ft_cli_trace_open(cli, &st, &net)) != 0)
        return rc;
    ft_cli_trace_job job;
    int code = ft_cli_trace_job_prepare(&job, st, net, cli->db_path, incident);
    if (code == 0) {
        /* keep whatever prepare set up for valuation; the options are ours */
        const struct ft_prices *prices = job.opts.prices;
        const char *asset = job.opts.asset;
        unsigned decimals = job.opts.decimals;
        job.opts = to;
        if (prices && !to.prices) {
            job.opts.prices = prices;
            job.opts.asset = asset;
            job.opts.decimals = decimals;
        }
        job.no_store_exposure = no_exposure;
        code = ft_cli_trace_job_run(&job);
    }
    if (code == 0)
        code = report_finish(cli, &job, out);
    ft_cli_trace_job_release(&job);
    ft_store_close(st);
    return code;
}
