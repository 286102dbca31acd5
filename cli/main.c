/*
 * main.c — the `fundtrace` binary: global options, the command table, help.
 *
 * Dispatch is a table (git's commands[]): name, entry point, one-line summary, usage text.
 * Global options come before the command (ARCHITECTURE.md section 6):
 *     fundtrace [--db DIR] [--threads N] [--json] [--quiet] [--verbose] COMMAND [ARGS]
 * `fundtrace help` lists the commands; `fundtrace help COMMAND` prints one usage text.
 * Exit codes: 0 ok, 1 runtime failure, 2 bad input data, 129 usage error.
 *
 * MPI: the plain `fundtrace` does not link Open MPI (its libraries would cost every process
 * start-up time). Started by mpirun/srun (ft_cli_mpi_active: the launcher's environment), it
 * re-executes itself, same argv and environment, as `fundtrace-mpi` from its own directory
 * ($FUNDTRACE_MPI_BIN overrides the path), the same CLI built with MPI (CMakeLists.txt). When
 * that binary is missing or cannot be executed it carries on as one process per rank
 * (trace_snapshot.c warns that every rank then runs the whole job).
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/trace_snapshot.h"
#include "engine/log.h"

#include "engine/banned.h"

#define FUNDTRACE_VERSION "0.1.0"

typedef struct ft_command {
    const char *name;
    ft_cmd_fn fn;
    const char *summary;
    const char *usage;
} ft_command;

static int cmd_help(ft_cli *cli, int argc, char **argv);
static int cmd_version(ft_cli *cli, int argc, char **argv);

static const char cmd_help_usage[] = "usage: fundtrace help [COMMAND]\n"
                                     "\n"
                                     "Lists the commands, or prints the usage of one.\n";
static const char cmd_version_usage[] = "usage: fundtrace version\n";

static const ft_command commands[] = {
    {"index", cmd_index, "index a chain (block files or node RPC) into the store",
     cmd_index_usage},
    {"decode", cmd_decode, "decode a raw transaction or block (no index needed)",
     cmd_decode_usage},
    {"tx", cmd_tx, "show an indexed transaction", cmd_tx_usage},
    {"address", cmd_address, "investigate one address", cmd_address_usage},
    {"path", cmd_path, "shortest money path from one address to another", cmd_path_usage},
    {"block", cmd_block, "show indexed blocks (CSV, or JSON with --json)", cmd_block_usage},
    {"digest", cmd_digest, "print a SHA-256 over the whole index (for comparisons)",
     cmd_digest_usage},
    {"export", cmd_export, "write indexed rows as CSV (EVM chains: ethereum-etl's columns)",
     cmd_export_usage},
    {"labels", cmd_labels, "import address labels (CSV or GraphSense TagPack)",
     cmd_labels_usage},
    {"incidents", cmd_incidents, "import theft incidents and their seeds (CSV)",
     cmd_incidents_usage},
    {"cluster", cmd_cluster, "cluster addresses into entities (heuristics, collapse guard)",
     cmd_cluster_usage},
    {"trace", cmd_trace, "trace stolen funds with taint models (summary.csv, flows.csv)",
     cmd_trace_usage},
    {"report", cmd_report, "appendix tables: by incident, year, exchange, channel; overlaps",
     cmd_report_usage},
    {"snapshot", cmd_snapshot, "write the graph and job inputs as one mmap-able file (HPC)",
     cmd_snapshot_usage},
    {"eval", cmd_eval, "score clusters against a generator's ground truth", cmd_eval_usage},
    {"demo", cmd_demo, "the whole pipeline on the bundled sample chain, vs the reference",
     cmd_demo_usage},
    {"help", cmd_help, "list commands or show one command's usage", cmd_help_usage},
    {"version", cmd_version, "print the version", cmd_version_usage},
};

static const char global_usage[] =
    "usage: fundtrace [--db DIR] [--threads N] [--json] [--quiet] [--verbose] COMMAND [ARGS]\n"
    "\n"
    "Global options:\n"
    "  --db DIR      the index directory (default $FUNDTRACE_DB, then ./fundtrace.db)\n"
    "  --threads N   OpenMP threads (default: OpenMP's, i.e. OMP_NUM_THREADS or all cores)\n"
    "  --json        machine-readable output on stdout\n"
    "  --quiet       only errors on stderr\n"
    "  --verbose     debug messages on stderr\n"
    "\n"
    "Exit codes: 0 success, 1 runtime failure, 2 bad input data, 129 usage error.\n";

static const ft_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_command_list(FILE *out)
{
    fputs(global_usage, out);
    fputs("\nCommands:\n", out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\nSee 'fundtrace help COMMAND' for one command's options.\n", out);
}

static int cmd_help(ft_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc < 2) {
        print_command_list(stdout);
        return 0;
    }
    const ft_command *c = find_command(argv[1]);
    if (!c)
        return ft_cli_usage_error("help", "unknown command '%s'", argv[1]);
    fputs(c->usage, stdout);
    if (c->fn == cmd_cluster)
        cmd_cluster_help_extra(stdout);
    if (c->fn == cmd_eval) { /* eval trace lives in cli/eval_trace.c */
        fputs("\n", stdout);
        fputs(cmd_eval_trace_usage, stdout);
    }
    return 0;
}

static int cmd_version(ft_cli *cli, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (cli->json)
        printf("{\"version\":\"%s\"}\n", FUNDTRACE_VERSION);
    else
        printf("fundtrace %s\n", FUNDTRACE_VERSION);
    return 0;
}

static void log_to_stderr(void *ctx, ft_log_level level, const char *msg)
{
    const ft_cli *cli = ctx;
    if (cli->quiet && level > FT_LOG_ERROR)
        return;
    if (!cli->verbose && level >= FT_LOG_DEBUG)
        return;
    static const char *const prefix[] = {"error: ", "warning: ", "", "debug: "};
    fprintf(stderr, "%s%s\n", prefix[level], msg);
}

/* Keep freed memory in the process: parsing allocates and frees a block's arena (hundreds of
 * KB) per block, and glibc's defaults would return it to the kernel and fault it in again
 * every time (measured: 2x the parse time of a large block). */
static void tune_malloc(void)
{
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

/* Under an MPI launcher, replaces this process by fundtrace-mpi (see the top comment); returns
 * only when there is nothing to do or the exec failed. */
static void exec_mpi_twin(char **argv)
{
#ifdef FT_MPI_TWIN
    if (ft_cli_mpi_built() || !ft_cli_mpi_active())
        return;
    char path[PATH_MAX];
    const char *env = getenv("FUNDTRACE_MPI_BIN");
    if (env && *env) {
        if (snprintf(path, sizeof path, "%s", env) >= (int)sizeof path)
            return;
    } else {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        if (n <= 0)
            return;
        path[n] = '\0';
        char *slash = strrchr(path, '/');
        const char twin[] = "fundtrace-mpi";
        if (!slash || (size_t)(slash + 1 - path) + sizeof twin > sizeof path)
            return;
        memcpy(slash + 1, twin, sizeof twin);
    }
    execv(path, argv);
    /* not there or not executable: run without MPI (ft_cli_mpi_begin warns again per job) */
    fprintf(stderr, "warning: cannot run '%s' (%s): running without MPI\n", path,
            strerror(errno));
#else
    (void)argv;
#endif
}

int main(int argc, char **argv)
{
    ft_cli cli = {0};
    exec_mpi_twin(argv);
    tune_malloc();
    const char *env_db = getenv("FUNDTRACE_DB");
    cli.db_path = env_db && *env_db ? env_db : "./fundtrace.db";

    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (strcmp(a, "--json") == 0) {
            cli.json = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            cli.quiet = 1;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            cli.verbose = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_command_list(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            return cmd_version(&cli, 0, NULL);
        } else if (strncmp(a, "--db", 4) == 0 && (a[4] == '\0' || a[4] == '=')) {
            val = a[4] == '=' ? a + 5 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val || !*val)
                return ft_cli_usage_error("", "option '--db' needs a directory");
            cli.db_path = val;
        } else if (strncmp(a, "--threads", 9) == 0 && (a[9] == '\0' || a[9] == '=')) {
            unsigned long long n;
            val = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val || ft_cli_parse_u64(val, &n) != 0 || n == 0 || n > 4096)
                return ft_cli_usage_error("", "option '--threads' needs a number from 1 to 4096");
            cli.threads = (int)n;
        } else {
            return ft_cli_usage_error("", "unknown global option '%s'", a);
        }
    }
    if (i >= argc) {
        print_command_list(stderr);
        return 129;
    }
    const ft_command *c = find_command(argv[i]);
    if (!c)
        return ft_cli_usage_error("", "unknown command '%s'", argv[i]);

    if (cli.threads > 0)
        omp_set_num_threads(cli.threads);
    cli.progress = !cli.quiet && isatty(STDERR_FILENO);
    ft_log_set(log_to_stderr, &cli);
    int rc = c->fn(&cli, argc - i, argv + i);
    fflush(stdout);
    if (ferror(stdout))
        return ft_cli_error(1, "cannot write to standard output");
    return rc;
}
