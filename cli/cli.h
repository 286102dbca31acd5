/*
 * cli.h — what every command shares: the global options, the command signature, argument
 * parsing and output helpers.
 *
 * A command is `int cmd_<name>(ft_cli *cli, int argc, char **argv)` returning the process
 * exit code (ARCHITECTURE.md section 6: 0 ok, 1 runtime failure, 2 bad input data, 129
 * usage). argv[0] is the command name. Data goes to stdout, diagnostics to stderr through
 * ft_cli_error / the log callback. Each command's usage text lives beside it in its
 * cmd_<name>.c and is listed in main.c's table, which `fundtrace help` prints.
 */
#ifndef FT_CLI_H
#define FT_CLI_H

#include <stdio.h>

#include "engine/status.h"

typedef struct ft_cli {
    const char *db_path; /* --db, $FUNDTRACE_DB, or ./fundtrace.db */
    int threads;         /* --threads, 0 = OpenMP's default */
    int json;            /* --json */
    int quiet;           /* --quiet */
    int verbose;         /* --verbose */
    int progress;        /* progress output allowed: stderr is a terminal and not --quiet */
} ft_cli;

typedef int (*ft_cmd_fn)(ft_cli *cli, int argc, char **argv);

/* One option of a command. has_arg: 0 flag (sets *flag = 1), 1 takes a value (sets *value). */
typedef struct ft_opt {
    const char *name; /* without the leading "--" */
    int has_arg;
    const char **value;
    int *flag;
} ft_opt;

/* Parses argv[1..] of a command: options (--name VALUE, --name=VALUE, or a flag) anywhere,
 * the rest positional into pos (at most max_pos). On a usage error prints
 * "error: <what>" and a hint to run `fundtrace help <cmd>` and returns 129; else 0. */
int ft_cli_parse(const char *cmd, int argc, char **argv, const ft_opt *opts, const char **pos,
                 int max_pos, int *n_pos);

/* Prints "error: <msg>" to stderr. Returns the exit code for st. */
int ft_cli_fail(ft_status st, const ft_err *err);
/* Prints "error: <formatted>" to stderr and returns code. */
int ft_cli_error(int code, const char *fmt, ...) FT_PRINTF(2, 3);
/* Prints a usage error for cmd and returns 129. */
int ft_cli_usage_error(const char *cmd, const char *fmt, ...) FT_PRINTF(2, 3);

/* Parses a non-negative decimal integer; returns 0 on success. */
int ft_cli_parse_u64(const char *s, unsigned long long *out);

/* Reads a whole file ("-" for stdin) into a malloc()ed, NUL-terminated buffer. */
ft_status ft_cli_read_file(const char *path, char **data, size_t *len, ft_err *err);

/* Closes a store a command wrote to, first leaving it quick to open for the next process
 * (engine/store.h, ft_store_settle: memtable flushed, LevelDB's background compaction given
 * time to finish). cli/store_settle.c. st may be NULL. */
struct ft_store;
void ft_cli_store_close_settled(struct ft_store *st, const char *cmd);

#endif
