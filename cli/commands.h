/*
 * commands.h — every command's entry point and usage text, as listed in main.c's table.
 * Each pair is defined in its own cli/cmd_<name>.c.
 */
#ifndef FT_COMMANDS_H
#define FT_COMMANDS_H

#include "cli/cli.h"

int cmd_index(ft_cli *cli, int argc, char **argv);
extern const char cmd_index_usage[];
int cmd_decode(ft_cli *cli, int argc, char **argv);
extern const char cmd_decode_usage[];
int cmd_tx(ft_cli *cli, int argc, char **argv);
extern const char cmd_tx_usage[];
int cmd_address(ft_cli *cli, int argc, char **argv);
extern const char cmd_address_usage[];
int cmd_digest(ft_cli *cli, int argc, char **argv);
extern const char cmd_digest_usage[];
int cmd_block(ft_cli *cli, int argc, char **argv);
extern const char cmd_block_usage[];
int cmd_export(ft_cli *cli, int argc, char **argv);
extern const char cmd_export_usage[];

int cmd_cluster(ft_cli *cli, int argc, char **argv);
extern const char cmd_cluster_usage[];
void cmd_cluster_help_extra(FILE *out); /* the heuristic table, after the usage */
int cmd_labels(ft_cli *cli, int argc, char **argv);
extern const char cmd_labels_usage[];
int cmd_eval(ft_cli *cli, int argc, char **argv);
extern const char cmd_eval_usage[];
/* `eval trace` (cli/eval_trace.c), dispatched from cmd_eval; argv[0] is "trace". */
int cmd_eval_trace(ft_cli *cli, int argc, char **argv);
extern const char cmd_eval_trace_usage[];
int cmd_demo(ft_cli *cli, int argc, char **argv);
extern const char cmd_demo_usage[];
int cmd_incidents(ft_cli *cli, int argc, char **argv);
extern const char cmd_incidents_usage[];
int cmd_trace(ft_cli *cli, int argc, char **argv);
extern const char cmd_trace_usage[];
int cmd_snapshot(ft_cli *cli, int argc, char **argv);
extern const char cmd_snapshot_usage[];
int cmd_report(ft_cli *cli, int argc, char **argv);
extern const char cmd_report_usage[];
int cmd_path(ft_cli *cli, int argc, char **argv);
extern const char cmd_path_usage[];

#include <stddef.h>
struct ft_cli_trace_job; /* cli/trace_job.h */
/* Writes the report tables of a job that has run (cli/cmd_report.c; `report` and `demo`)
 * into dir: by_incident.csv, by_year.csv, by_exchange.csv, by_channel.csv, overlaps.csv,
 * each through a temporary file, renamed when all are complete. *n_overlaps (may be NULL)
 * gets the number of overlap rows. Returns 0 or an exit code (message printed). */
int ft_cli_report_write(const struct ft_cli_trace_job *job, const char *dir, size_t *n_overlaps);

#endif
