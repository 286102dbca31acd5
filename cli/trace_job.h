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

#include "chains/bitcoin/address.h"
#include "chains/bitcoin/params.h"
#include "cli/cli.h"
#include "cli/cluster_cli.h"
#include "engine/graph.h"
#include "engine/incidents.h"
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

    /* results */
    ft_trace_result res;
    char (*flow_addr)[FT_CLI_ADDR_TEXT_MAX]; /* res.n_flows: address text of each flow */
    size_t *flow_order;    /* res.n_flows: flows in output order (incident, model, amount
                              descending, address text) */
    double load_seconds, trace_seconds;
} ft_cli_trace_job;

/* Parses --model/--max-hops/--min-value (any may be NULL: all models, no limits) into
 * *opts. Returns 0 or 129 (message printed, naming cmd). */
int ft_cli_trace_parse_opts(const char *cmd, const char *model, const char *max_hops,
                            const char *min_value, ft_trace_opts *opts);

/* Prepares the job from the Bitcoin index st (not owned, kept open by the caller until
 * release): the incidents (incident NULL = all), their seeds, the graph, the labels and the
 * terminals. job is zeroed first; release it in every case. Returns 0 or an exit code. */
int ft_cli_trace_job_prepare(ft_cli_trace_job *job, ft_store *st, const ft_btc_params *net,
                             const char *db_path, const char *incident);

/* Runs the trace with job->opts, then the text of every flow's address and the output
 * order. Returns 0 or an exit code (a conservation failure is 1, naming incident and model). */
int ft_cli_trace_job_run(ft_cli_trace_job *job);

/* Writes DIR/summary.csv and DIR/flows.csv (created if missing) through temporary files and
 * renames. Returns 0 or an exit code. */
int ft_cli_trace_job_write(const ft_cli_trace_job *job, const char *dir);

void ft_cli_trace_job_release(ft_cli_trace_job *job);

#endif
