/*
 * trace_snapshot.h — the commands' side of the graph snapshot (engine/snapshot.h): what
 * `fundtrace snapshot` writes beside the graph, opening it for `trace`, `cluster` and
 * `report --snapshot FILE` (which then never open LevelDB), a trace job filled from the
 * mapping, and the MPI run of a job (incidents balanced over ranks, gathered on rank 0).
 *
 * Sections beyond the graph's (docs/hpc.md lists them with their element sizes):
 *     job_meta        8 x u64: format (2), clustered (0/1), labelled addresses, entities,
 *                     incident rows, seeds, account chains, 1 when the index had no
 *                     Bitcoin chain (then the graph is empty: n_addr 1, no tx; net "")
 *     net             the Bitcoin network name ("main", "regtest", …)
 *     addr_text_off   u64 x (n_addr + 1), addr_text: address text of every id (id 0: "")
 *     txid            32 bytes x n_tx (internal byte order)
 *     cluster         u32 x n_addr: cluster id (the stored clustering; x itself if none)
 *     lab_addr_entity u32 x n_addr (only when labelled), lab_entity_cat u8 x n_entities,
 *     lab_entity_name_off u64 x (n_entities + 1), lab_entity_name
 *     inc_rows        904-byte records: every Bitcoin incident row (store order)
 *     seeds           24-byte records: incident (row group), tx, out, amount
 *     term_cat        u8 x n_addr, term_ent u32 x n_addr: the terminals of the trace job
 *
 * Account chains (cli/trace_job_account.c; job_meta[6] = their number): acct_chains, the
 * chain bytes (u8, ascending), and per chain b the graph sections of engine/snapshot.h
 * ("acct<b>_xfer_from" …) plus
 *     acct<b>_job       8 x u64: format (1), incident rows, seeds, entities, 1 when
 *                       acct<b>_lab_addr_entity is present, clustered (0/1), 0, 0
 *     acct<b>_inc_rows  904-byte records: the chain's incident rows (store order)
 *     acct<b>_seeds     24-byte records: incident (row group) u32, transfer u32, amount
 *                       u128 (0: the whole transfer)
 *     acct<b>_assets    128-byte records per asset id: name (symbol or contract text,
 *                       NUL-terminated, 80 bytes), decimals u32 at 80, price symbol
 *                       (datasets/prices; "" none) at 84, 44 bytes
 *     acct<b>_lab_addr_entity, _lab_entity_cat, _lab_entity_name_off, _lab_entity_name:
 *                       the chain's labels, as the Bitcoin ones (when labelled)
 *     acct<b>_term_cat, acct<b>_term_ent, acct<b>_cluster: u8 / u32 / u32 x n_addr
 * Every indexed account chain is written (with no incident rows when it has none).
 */
#ifndef FT_TRACE_SNAPSHOT_H
#define FT_TRACE_SNAPSHOT_H

#include <stdint.h>

#include "chains/bitcoin/params.h"
#include "cli/cli.h"
#include "cli/cluster_cli.h"
#include "cli/trace_job.h"
#include "engine/graph.h"
#include "engine/incidents.h"
#include "engine/snapshot.h"

#define FT_CLI_SNAP_FORMAT 2u /* 2: job_meta[6] counts account chains */
#define FT_CLI_SNAP_ROW_BYTES 904u
#define FT_CLI_SNAP_SEED_BYTES 24u

/* An open snapshot with its checked text and cluster arrays (all inside the mapping). */
typedef struct ft_cli_snap {
    ft_snapshot s;
    ft_graph g;                  /* borrowed */
    const ft_btc_params *net;
    const uint64_t *addr_off;    /* n_addr + 1 (NULL until ft_cli_snap_text) */
    const char *addr_text;       /* NULL until ft_cli_snap_text */
    const uint8_t *txid;         /* 32 * n_tx (NULL until ft_cli_snap_text) */
    const uint32_t *cluster;     /* n_addr */
    int clustered;               /* 1: cluster[] is a stored clustering */
    uint64_t n_rows, n_seeds;    /* incident rows and seeds (0: no trace inputs) */
    uint64_t n_acct_chains;      /* account chains in the file (job_meta[6]) */
} ft_cli_snap;

/* Encodes/decodes one incident row as its 904-byte record (decode checks NUL endings;
 * returns 0 on a malformed record). */
void ft_cli_snap_row_encode(uint8_t rec[FT_CLI_SNAP_ROW_BYTES], const ft_incident_row *x);
int ft_cli_snap_row_decode(ft_incident_row *x, const uint8_t rec[FT_CLI_SNAP_ROW_BYTES]);

/* Opens and checks path (engine/snapshot.c checks; then the graph sections' checksums and
 * invariants, cluster ids below n_addr). The text sections are not read: addr_off, addr_text
 * and txid stay NULL until ft_cli_snap_text. Returns 0, or prints one error line and returns
 * the exit code (2 for a corrupt or truncated file, 1 when it cannot be read). */
int ft_cli_snap_open(ft_cli_snap *cs, const char *path);

/* Verifies the checksums of the text sections (addr_text_off, addr_text, txid) and checks
 * the text offsets, then sets addr_off, addr_text and txid (once; later calls return 0).
 * Call before anything needs address or txid text (the job's text callbacks fail before).
 * Returns 0, or prints one error line and returns 2 (the snapshot stays open). */
int ft_cli_snap_text(ft_cli_snap *cs);
void ft_cli_snap_close(ft_cli_snap *cs);

/* Fills job (zeroed first) from cs: the incidents (incident NULL = all), their seeds, the
 * graph, labels and terminals, and text callbacks reading the snapshot. cs must stay open
 * until the job is released. Returns 0 or an exit code (message printed). */
int ft_cli_trace_job_from_snapshot(ft_cli_trace_job *job, const ft_cli_snap *cs,
                                   const char *incident);

/* Copies the snapshot's labels into lab (as ft_cli_labels_load would give them). */
int ft_cli_snap_labels(const ft_cli_snap *cs, ft_cli_labels *lab);
/* The same for the label sections named prefix + "lab_…" (prefix "acct3_": an account
 * chain's) of a graph of n_addr ids; no sections: lab stays empty. Returns 0 or an exit
 * code (message printed). */
int ft_cli_snap_labels_prefix(const ft_snapshot *s, const char *prefix, uint32_t n_addr,
                              ft_cli_labels *lab);

/* ---- account chains in the snapshot (cli/trace_job_account.c) ---- */

/* The encoded account-chain sections of one write. */
typedef struct ft_cli_acct_snap ft_cli_acct_snap;

/* Builds the account-chain sections from job and st: job's account part prepared with every
 * incident (ft_cli_trace_job_account_prepare; called here when job->acct is NULL); every
 * other EVM chain indexed in st is loaded here (graph, assets, labels, terminals). *out is
 * malloc()ed and points into job: keep both until the write. Returns 0 or an exit code
 * (message printed; *out NULL). */
int ft_cli_acct_snap_build(ft_cli_trace_job *job, ft_store *st, ft_cli_acct_snap **out);
/* Its sections (*n of them; valid until ft_cli_acct_snap_free), its chain count, and a
 * one-line summary ("dev: 41 transfers, 2 incidents (3 seeds)", "" when none). */
const ft_snapshot_input *ft_cli_acct_snap_inputs(const ft_cli_acct_snap *a, size_t *n);
size_t ft_cli_acct_snap_chains(const ft_cli_acct_snap *a);
void ft_cli_acct_snap_describe(const ft_cli_acct_snap *a, char *out, size_t cap);
void ft_cli_acct_snap_free(ft_cli_acct_snap *a);

/* Fills job->acct (allocated here) from the account sections of s (n_chains from
 * job_meta): the chains' incidents (incident NULL = all), seeds, graphs (borrowed from the
 * mapping, verified and checked by ft_snapshot_account_graph), assets, labels, terminals and
 * cluster ids. A chain without a selected incident is skipped without reading its graph.
 * Returns 0 or an exit code (2 for a damaged file; message printed). */
int ft_cli_trace_job_account_from_snapshot(ft_cli_trace_job *job, const ft_snapshot *s,
                                           uint64_t n_chains, const char *incident);

/* MPI: 1 when the process was started by mpirun/srun and the binary has MPI. begin
 * initialises MPI (once; *rank and *size set; 0 and 1 without MPI); end finalises it. */
int ft_cli_mpi_active(void);
/* 1 when this binary was built with MPI (fundtrace-mpi), 0 for the plain fundtrace. */
int ft_cli_mpi_built(void);
int ft_cli_mpi_begin(int *rank, int *size);
void ft_cli_mpi_end(void);

/* Runs job: with MPI active and more than one rank, incidents are split over the ranks by
 * the size of their forward-reachable subgraph, traced on each (OpenMP inside), and
 * gathered on rank 0, whose job->res then equals a single process's; other ranks end with
 * an empty result and must not write. Without MPI: ft_cli_trace_job_run. Returns 0 or an
 * exit code (the same on every rank; only rank 0 prints the error). */
int ft_cli_trace_job_run_mpi(ft_cli_trace_job *job);

/* `trace --snapshot FILE` and `report --snapshot FILE` (called by cmd_trace.c and
 * cmd_report.c after their option checks): MPI begin (when started by mpirun), open, the
 * job with the prices and opts, the run (distributed over the ranks), then finish on rank 0
 * (the command's own files and output) and returns the exit code, agreed by every rank. */
typedef int (*ft_cli_snap_finish_fn)(ft_cli *cli, ft_cli_trace_job *job, const char *out);
int ft_cli_snapshot_job_cmd(ft_cli *cli, const char *path, const char *incident,
                            const ft_trace_opts *opts, const char *out,
                            ft_cli_snap_finish_fn finish);

/* `cluster --snapshot FILE [--out CSV]` (called by cmd_cluster.c): clusters the snapshot's
 * graph with its labels (distributed over the ranks when started by mpirun:
 * heuristics/cluster_mpi.c), prints the summary `cluster` prints and writes the clusters in
 * the CSV of `export clusters`. The index is neither opened nor written. */
int ft_cli_cluster_snapshot_cmd(ft_cli *cli, const char *path, const ft_cluster_opts *o,
                                const char *out);

#endif
