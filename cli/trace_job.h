/*
 * trace_job.h — one tracing run as the commands share it (`trace`, `report`, `demo`, and the
 * HPC paths): the inputs prepared from the index (incidents, seeds resolved to out ids, the
 * analysis graph, labels and the terminal category of every address), the run
 * (engine/trace.c), and the output files of `trace --out DIR`.
 *
 *     prepare (store → job inputs)  →  run (ft_trace_run, flow address text, output order)
 *                                   →  write (summary.csv, flows.csv, … in DIR)
 *
 * Functions that can fail print their one-line error and return the exit code (0 ok, 1
 * runtime failure, 2 bad input data), like the command functions. Text for ids (addresses,
 * txids) comes through the callbacks in the job, so a job whose inputs come from somewhere
 * other than LevelDB (a snapshot file) sets its own.
 */
#ifndef FT_TRACE_JOB_H
#define FT_TRACE_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chains/bitcoin/address.h"
#include "chains/bitcoin/params.h"
#include "cli/cli.h"
#include "cli/cluster_cli.h"
#include "engine/graph.h"
#include "engine/incidents.h"
#include "engine/report.h"
#include "engine/store.h"
#include "engine/trace.h"

#define FT_CLI_ADDR_TEXT_MAX 128/* Bitcoin address text or 0x + 40 hex digits, with NUL */

/* Text of a dense address id / a tx id of the job's graph. */
typedef ft_status (*ft_cli_addr_text_fn)(void *ctx, uint32_t addr, char out[FT_CLI_ADDR_TEXT_MAX],
                                         ft_err *err);
typedef ft_status (*ft_cli_txid_text_fn)(void *ctx, uint32_t tx, char out[65], ft_err *err);

typedef struct ft_cli_trace_job {
    /* source */
    ft_store *st;               /* not owned; NULL when the inputs came from elsewhere */
    const ft_btc_params *net;
    ft_cli_addr_text_fn addr_text;
    ft_cli_txid_text_fn txid_text;
    void *text_ctx;

    /* inputs */
    ft_incident_set set;   /* the incident rows traced (sorted by incident id) */
    const char **names;    /* n_inc incident ids (pointing into set) */
    size_t *inc_first_row; /* n_inc: index in set.v of the incident's first row (its date) */
    size_t n_inc;
    ft_trace_seed *seeds;
    size_t n_seeds, cap_seeds;
    ft_graph g;
    ft_cli_labels lab;     /* entity names (lab.entity_name) and categories */
    uint8_t *term_cat;     /* g.n_addr: terminal category or FT_CAT_NONE */
    uint32_t *term_ent;    /* g.n_addr: entity of the terminal or FT_GRAPH_NONE */
    ft_trace_opts opts;
    struct ft_prices *prices; /* owned: datasets/prices found by prepare (NULL: not found,
                                 amount_usd stays empty); opts.prices points to it */

    /* results */
    ft_trace_result res;
    char (*flow_addr)[FT_CLI_ADDR_TEXT_MAX]; /* res.n_flows: address text of each flow */
    size_t *flow_order;    /* res.n_flows: flows in output order (incident, model, amount
                              descending, address text) */
    double load_seconds, trace_seconds;

    /* Snapshot and MPI hooks (cli/trace_snapshot.c). trace_fn, when set, replaces
     * ft_trace_run in ft_cli_trace_job_run (same contract: fills job->res). inputs_borrowed:
     * term_cat, term_ent and lab.addr_entity point into a snapshot mapping and are not freed
     * by ft_cli_trace_job_release (the graph has its own flag, g.borrowed). */
    ft_status (*trace_fn)(struct ft_cli_trace_job *job, ft_err *err);
    int inputs_borrowed;
    const uint32_t *addr_cluster; /* g.n_addr cluster ids when st is NULL (snapshot), else NULL */

    /* account chains (cli/trace_job_account.c): their incidents, graphs and results */
    struct ft_cli_trace_acct *acct;

    /* --no-exposure: ft_cli_trace_job_store_exposure stores nothing (returns 0) */
    int no_store_exposure;
} ft_cli_trace_job;

/* Parses --model/--max-hops/--min-value (any may be NULL: all models, no limits) into
 * *opts. Returns 0 or 129 (message printed, naming cmd). */
int ft_cli_trace_parse_opts(const char *cmd, const char *model, const char *max_hops,
                            const char *min_value, ft_trace_opts *opts);

/* Parses --paths N of trace and report (NULL: the default, 1) into opts->paths: evidence
 * paths per flow in paths.csv, 1 (the path of the flow's largest delivery) or 0 (no paths
 * recorded, no paths.csv). Returns 0 or 129 (message printed, naming cmd). */
int ft_cli_trace_parse_paths(const char *cmd, const char *paths, ft_trace_opts *opts);

/* Prepares the job from the Bitcoin index st (not owned, kept open by the caller until
 * release): the incidents (incident NULL = all), their seeds, the graph, the labels and the
 * terminals. job is zeroed first; release it in every case. Returns 0 or an exit code. */
int ft_cli_trace_job_prepare(ft_cli_trace_job *job, ft_store *st, const ft_btc_params *net,
                             const char *db_path, const char *incident);

/* Loads the daily prices (datasets/prices, found as prepare finds them) into job->prices and
 * job->opts (prices, asset, decimals); a missing directory is a warning. For jobs not made
 * by prepare (cli/trace_snapshot.c). Returns 0 or an exit code. */
int ft_cli_trace_job_load_prices(ft_cli_trace_job *job);

/* Runs the trace with job->opts, then the text of every flow's address and the output
 * order. Returns 0 or an exit code (a conservation failure is 1, naming incident and model). */
int ft_cli_trace_job_run(ft_cli_trace_job *job);

/* Writes DIR/summary.csv, DIR/flows.csv, DIR/paths.csv (when the run recorded paths:
 * opts.paths) and DIR/flow.dot (DIR created if missing), Bitcoin rows then the account
 * chains', and DIR/flow.svg with Graphviz `dot -Tsvg` when dot is installed (else a one-line
 * note), all through temporary files renamed only when every file succeeded: a failure
 * leaves DIR's previous files unchanged. A run without paths (without Graphviz) removes an
 * older paths.csv (flow.svg). Returns 0 or an exit code. */
int ft_cli_trace_job_write(const ft_cli_trace_job *job, const char *dir);

/* Stores the run's per-address exposure (job->res.exposure: run with job->opts.exposure = 1)
 * in the index job->st, which must be open: for every incident of the job its old exposure
 * rows are replaced by the new ones in one atomic batch (engine/exposure.h), so a re-run
 * replaces and never duplicates. The account chains' incidents (job->acct) are in that same
 * batch. Returns 0 or an exit code (message printed). */
int ft_cli_trace_job_store_exposure(const ft_cli_trace_job *job);

void ft_cli_trace_job_release(ft_cli_trace_job *job);

/* Terminal category and entity of every address of g (g->n_addr entries each, malloc()ed):
 * its own label when that label's category is terminal (exchange, otc, payment, mixer,
 * bridge), else the label of its cluster (the lowest-id member with a terminal label, from
 * the clusters stored for g->chain), else FT_CAT_NONE / FT_GRAPH_NONE. */
ft_status ft_cli_trace_terminals(ft_store *st, const ft_graph *g, const ft_cli_labels *lab,
                                 uint8_t **cat, uint32_t **ent, ft_err *err) FT_WARN_UNUSED;

/* ---- account chains (cli/trace_job_account.c) ------------------------------------------- */

/* Opens the index for `trace`: the Bitcoin chain's network in *net when indexed, else *net
 * NULL when an account chain is indexed. Returns 0 or an exit code (message printed). */
int ft_cli_trace_open(ft_cli *cli, ft_store **st, const ft_btc_params **net);
/* The account-chain incidents of st (incident NULL = all) into job->acct: graph, seeds,
 * labels, terminals per EVM chain. Returns 0 or an exit code. */
int ft_cli_trace_job_account_prepare(ft_cli_trace_job *job, ft_store *st, const char *incident);
/* Incidents of account chains in the job. */
size_t ft_cli_trace_job_account_incidents(const ft_cli_trace_job *job);
/* Traces them with job->opts (--min-value scaled to the native asset's decimals). */
int ft_cli_trace_job_account_run(ft_cli_trace_job *job);
/* Their rows in the files of `trace --out DIR`, written by ft_cli_trace_job_write into the
 * same temporary file after the Bitcoin rows (headers are the Bitcoin part's): summary.csv,
 * flows.csv (amount_usd where a price file covers the asset), paths.csv (when has_paths),
 * and flow.dot's account nodes and edges under model. FT_OK or an error. */
ft_status ft_cli_trace_job_account_summary(FILE *f, const ft_cli_trace_job *job, ft_err *err);
ft_status ft_cli_trace_job_account_flows(FILE *f, const ft_cli_trace_job *job, ft_err *err);
ft_status ft_cli_trace_job_account_paths(FILE *f, const ft_cli_trace_job *job, ft_err *err);
ft_status ft_cli_trace_job_account_dot(FILE *f, const ft_cli_trace_job *job, int model,
                                       ft_err *err);
/* Flow rows of the account incidents. */
size_t ft_cli_trace_job_account_flow_count(const ft_cli_trace_job *job);
/* 1 when the account run recorded evidence paths (opts.paths). */
int ft_cli_trace_job_account_has_paths(const ft_cli_trace_job *job);
/* Report parts of the account incidents (run with opts.exposure for overlaps): fn is called
 * once per (chain, asset) with the report input of that part (engine/report.h; valid for
 * the call only). Returns 0 or an exit code (message printed). */
typedef ft_status (*ft_cli_acct_report_fn)(void *ctx, const ft_report_input *in, ft_err *err);
int ft_cli_trace_job_account_report(const ft_cli_trace_job *job, ft_cli_acct_report_fn fn,
                                    void *ctx);
void ft_cli_trace_job_account_release(ft_cli_trace_job *job);
/* The per-address exposure of the account incidents (run with opts.exposure): one
 * engine/exposure.h part per EVM chain with incidents (address key = the 20 address bytes,
 * token rows keyed by their contract), for ft_cli_trace_job_store_exposure to write in the
 * batch of the Bitcoin rows. *parts is malloc()ed (NULL, 0 when there are none); free it with
 * ft_cli_trace_job_account_exposure_free. FT_OK or an error (nothing allocated). */
struct ft_exposure_part;
ft_status ft_cli_trace_job_account_exposure(const ft_cli_trace_job *job,
                                            struct ft_exposure_part **parts, size_t *n_parts,
                                            ft_err *err) FT_WARN_UNUSED;
void ft_cli_trace_job_account_exposure_free(struct ft_exposure_part *parts, size_t n_parts);

#endif
