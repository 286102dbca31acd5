/*
 * cmd_trace.c — `fundtrace trace (--incident ID | --all) [--model M] [--max-hops N]
 * [--min-value AMOUNT] --out DIR`: traces the stored incidents of the Bitcoin index through
 * the taint models and writes the files of ARCHITECTURE.md section 6. The work is a
 * trace job (cli/trace_job.c: prepare from the index, run, write); this file parses the
 * options and prints the outcome.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "cli/btc_index.h"
#include "cli/commands.h"
#include "cli/trace_job.h"
#include "engine/query.h"

#include "engine/banned.h"

const char cmd_trace_usage[] =
    "usage: fundtrace [--json] trace (--incident ID | --all) [--model poison|haircut|fifo|all]\n"
    "                 [--max-hops N] [--min-value AMOUNT] --out DIR\n"
    "\n"
    "Traces the stolen funds of the imported incidents (fundtrace incidents import) through\n"
    "the Bitcoin index with the taint models of ARCHITECTURE.md section 5 (default: all),\n"
    "stopping at terminals (an address whose own label or whose cluster's label is exchange,\n"
    "otc, payment, mixer or bridge: run 'fundtrace cluster' after importing labels), at\n"
    "--max-hops transactions from a seed, below --min-value BTC of taint, or unspent.\n"
    "Seeds: txid:vout, txid (all its outputs), or an address (every output it receives from\n"
    "the incident's date on, in chain order, capped at the row's amount when given).\n"
    "Writes DIR/summary.csv and DIR/flows.csv (amount_usd empty);\n"
    "haircut and fifo must balance to the satoshi for every incident or the trace fails.\n"
    "Not yet: Ethereum incidents, paths.csv, flow.dot/svg, USD values (later parts of\n"
    "issue 6).\n"
    "\n"
    "Exit codes: 0 ok, 1 runtime failure (conservation check included), 2 bad input (an\n"
    "unknown incident, a seed not in the index), 129 usage error.\n";

int cmd_trace(ft_cli *cli, int argc, char **argv)
{
    const char *incident = NULL, *model = NULL, *max_hops = NULL, *min_value = NULL, *out = NULL;
    int all = 0;
    const ft_opt opts[] = {{"incident", 1, &incident, NULL}, {"all", 0, NULL, &all},
                           {"model", 1, &model, NULL},       {"max-hops", 1, &max_hops, NULL},
                           {"min-value", 1, &min_value, NULL}, {"out", 1, &out, NULL},
                           {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int n_pos = 0;
    int rc = ft_cli_parse("trace", argc, argv, opts, pos, 0, &n_pos);
    if (rc)
        return rc;
    if ((incident != NULL) == (all != 0))
        return ft_cli_usage_error("trace", "give either --incident ID or --all");
    if (!out || !*out)
        return ft_cli_usage_error("trace", "--out DIR is required");
    ft_trace_opts to;
    if ((rc = ft_cli_trace_parse_opts("trace", model, max_hops, min_value, &to)) != 0)
        return rc;

    ft_store *st = NULL;
    const ft_btc_params *net = NULL;
    ft_query_chainrec crec;
    if ((rc = ft_cli_btc_open(cli, &st, &net, &crec)) != 0)
        return rc;
    ft_cli_trace_job job;
    int code = ft_cli_trace_job_prepare(&job, st, net, cli->db_path, incident);
    if (code == 0) {
        job.opts = to;
        code = ft_cli_trace_job_run(&job);
    }
    if (code == 0)
        code = ft_cli_trace_job_write(&job, out);
    if (code == 0) {
        if (cli->json) {
            cJSON *o = cJSON_CreateObject();
            ft_cli_json_num(o, "incidents", (double)job.n_inc);
            ft_cli_json_num(o, "seeds", (double)job.n_seeds);
            ft_cli_json_num(o, "flows", (double)job.res.n_flows);
            ft_cli_json_num(o, "tx_visited", (double)job.res.tx_visited);
            ft_cli_json_str(o, "out", out, 0);
            code = ft_cli_json_print(o);
        } else if (!cli->quiet) {
            printf("traced %zu incidents (%zu seed outputs): %zu flows, %llu tx visits; wrote "
                   "'%s/summary.csv' and '%s/flows.csv'\n",
                   job.n_inc, job.n_seeds, job.res.n_flows,
                   (unsigned long long)job.res.tx_visited, out, out);
        }
    }
    ft_cli_trace_job_release(&job);
    ft_store_close(st);
    return code;
}
