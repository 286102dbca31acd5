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

#endif
