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
#include "cli/trace_snapshot.h"
#include "engine/query.h"

#include "engine/banned.h"

const char cmd_trace_usage[] =
    "usage: fundtrace [--json] trace (--incident ID | --all) [--model poison|haircut|fifo|all]\n"
    "                 [--max-hops N] [--min-value AMOUNT] [--paths 0|1] [--no-exposure]\n"
    "                 [--snapshot FILE] --out DIR\n"
    "\n"
    "Traces the stolen funds of the imported incidents (fundtrace incidents import) through\n"
    "the Bitcoin index with the taint models of ARCHITECTURE.md section 5 (default: all),\n"
    "stopping at terminals (an address whose own label or whose cluster's label is exchange,\n"
    "otc, payment, mixer or bridge: run 'fundtrace cluster' after importing labels), at\n"
    "--max-hops transactions from a seed, below --min-value BTC of taint, or unspent.\n"
    "Seeds: txid:vout, txid (all its outputs), or an address (every output it receives from\n"
    "the incident's date on, in chain order). A row's amount caps the stolen units: the\n"
    "first units of the output (txid:vout), of the outputs in output order (txid) or of the\n"
    "address's receipts; an amount above what a txid or txid:vout seed holds is bad input.\n"
    "Writes DIR/summary.csv, DIR/flows.csv (amount_usd: the BTC daily close of each\n"
    "delivery's UTC day from datasets/prices, see datasets/prices/README.md; empty when a\n"
    "day has no price or no prices directory is found), DIR/paths.csv (one path of\n"
    "transactions from a seed to each flow's address: the evidence), DIR/flow.dot and, when\n"
    "Graphviz is installed, DIR/flow.svg (incidents to categories to terminal entities, the\n"
    "haircut figures when haircut was run). haircut and fifo must balance to the satoshi for\n"
    "every incident or the trace fails. Incidents of Ethereum and the other indexed EVM\n"
    "chains are traced on balances (ARCHITECTURE.md section 5) into the same files (their\n"
    "paths follow transfers; amount_usd where datasets/prices has the asset: ETH, USDT,\n"
    "USDC, DAI, WETH as ETH, WBTC as BTC; empty for BNB, POL, AVAX).\n"
    "\n"
    "--snapshot FILE reads a file of 'fundtrace snapshot' instead of the index (same\n"
    "output); started by mpirun, the incidents are split over the ranks (docs/hpc.md).\n"
    "--paths N: evidence paths per flow in paths.csv, 1 (default) or 0 (no paths.csv; on a\n"
    "large chain it is the biggest file). --no-exposure: neither compute nor store the\n"
    "per-address exposure that 'fundtrace address' shows (stored rows stay as they were).\n"
    "\n"
    "Exit codes: 0 ok, 1 runtime failure (conservation check included), 2 bad input (an\n"
    "unknown incident, a seed not in the index, a seed amount above its outputs, a malformed\n"
    "price file), 129 usage error.\n";

/* After the run: the files, the exposure rows (index only: a job from a snapshot has no
 * store), the line (or JSON). Also the finish of `trace --snapshot` (cli/trace_snapshot.c,
 * rank 0 under MPI). */
static int trace_finish(ft_cli *cli, ft_cli_trace_job *job, const char *out)
{
    int code = ft_cli_trace_job_write(job, out);
    if (code == 0 && job->st)
        code = ft_cli_trace_job_store_exposure(job);
    if (code == 0) {
        if (cli->json) {
            cJSON *o = cJSON_CreateObject();
            ft_cli_json_num(o, "incidents",
                            (double)(job->n_inc + ft_cli_trace_job_account_incidents(job)));
            ft_cli_json_num(o, "seeds", (double)job->n_seeds);
            ft_cli_json_num(o, "flows", (double)(job->res.n_flows +
                                                 ft_cli_trace_job_account_flow_count(job)));
            ft_cli_json_num(o, "tx_visited", (double)job->res.tx_visited);
            ft_cli_json_str(o, "out", out, 0);
            code = ft_cli_json_print(o);
        } else if (!cli->quiet) {
            printf("traced %zu incidents (%zu seed outputs): %zu flows, %llu tx visits; wrote "
                   "summary.csv, flows.csv, %sflow.dot in '%s'\n",
                   job->n_inc + ft_cli_trace_job_account_incidents(job), job->n_seeds,
                   job->res.n_flows + ft_cli_trace_job_account_flow_count(job),
                   (unsigned long long)job->res.tx_visited,
                   job->opts.paths ? "paths.csv and " : "", out);
        }
    }
    return code;
}

int cmd_trace(ft_cli *cli, int argc, char **argv)
{
    const char *incident = NULL, *model = NULL, *max_hops = NULL, *min_value = NULL, *out = NULL;
    const char *snapshot = NULL, *paths = NULL;
    int all = 0, no_exposure = 0;
    const ft_opt opts[] = {{"incident", 1, &incident, NULL}, {"all", 0, NULL, &all},
                           {"paths", 1, &paths, NULL}, {"no-exposure", 0, NULL, &no_exposure},
                           {"model", 1, &model, NULL},       {"max-hops", 1, &max_hops, NULL},
                           {"min-value", 1, &min_value, NULL}, {"out", 1, &out, NULL},
                           {"snapshot", 1, &snapshot, NULL},   {NULL, 0, NULL, NULL}};
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
    if ((rc = ft_cli_trace_parse_opts("trace", model, max_hops, min_value, &to)) != 0 ||
        (rc = ft_cli_trace_parse_paths("trace", paths, &to)) != 0)
        return rc;
    if (snapshot) /* never opens the index; MPI when started by mpirun (trace_snapshot.c) */
        return ft_cli_snapshot_job_cmd(cli, snapshot, incident, &to, out, trace_finish);

    ft_store *st = NULL;
    const ft_btc_params *net = NULL;
    if ((rc = ft_cli_trace_open(cli, &st, &net)) != 0) /* bitcoin and/or account chains */
        return rc;
    ft_cli_trace_job job;
    int code = ft_cli_trace_job_prepare(&job, st, net, cli->db_path, incident);
    if (code == 0) {
        to.prices = job.opts.prices; /* datasets/prices, loaded by prepare (or NULL) */
        to.asset = job.opts.asset;
        to.decimals = job.opts.decimals;
        job.opts = to;
        job.opts.exposure = !no_exposure; /* stored for `fundtrace address` below */
        job.no_store_exposure = no_exposure;
        code = ft_cli_trace_job_run(&job);
    }
    if (code == 0)
        code = trace_finish(cli, &job, out);
    ft_cli_trace_job_release(&job);
    ft_store_close(st);
    return code;
}
