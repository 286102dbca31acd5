/*
 * fuzz_eval_truth.c — libFuzzer target for the files `fundtrace eval trace` reads: the
 * generator's truth/expected_summary.csv and expected_flows.csv, and a trace's summary.csv and
 * flows.csv in the same layouts (cli/eval_trace.c: read_summary, read_flows, on the RFC 4180
 * row reader of cli/csv_read.c and ft_amount_parse).
 *
 * Those readers are static functions of the CLI, which is not part of ftcore: this file
 * includes cli/csv_read.c and cli/eval_trace.c themselves. The CLI helpers they call that live
 * elsewhere are defined below: ft_cli_read_file for real (as cli/args.c: the whole file,
 * NUL-terminated), the rest (argument parsing, JSON and error printing, used only by the
 * command's entry point, which is never called here) as stops that abort if ever reached.
 *
 * The input is a set of files in the "@@ NAME" format of fuzz_util.h (bytes before the first
 * "@@ " line are expected_summary.csv; the other is expected_flows.csv), written to a fresh
 * directory and read. Properties (abort on violation): no read outside any buffer and no leak
 * (ASan); a failure has a message naming the file; a summary has at most one row per line and
 * no (incident, model) twice; flows come back sorted by (incident, model, address) with each
 * key once, no more rows than lines.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/btc_index.h"
#include "cli/cli.h"
#include "tests/fuzz/fuzz_util.h"

#include "cli/csv_read.c"
#include "cli/eval_trace.c"

#include "engine/banned.h"

/* ---- the CLI helpers the two files need ------------------------------------------------- */

ft_status ft_cli_read_file(const char *path, char **data, size_t *len, ft_err *err)
{
    *data = NULL;
    *len = 0;
    size_t n = 0;
    uint8_t *b = ft_fuzz_read(path, &n);
    if (!b)
        return ft_err_set(err, FT_ERR_IO, "cannot open '%s'", path);
    char *t = realloc(b, n + 1);
    if (!t)
        abort();
    t[n] = '\0';
    *data = t;
    *len = n;
    return FT_OK;
}

int ft_cli_parse(const char *cmd, int argc, char **argv, const ft_opt *opts, const char **pos,
                 int max_pos, int *n_pos)
{
    abort();
}

int ft_cli_fail(ft_status st, const ft_err *err)
{
    abort();
}

int ft_cli_error(int code, const char *fmt, ...)
{
    abort();
}

int ft_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    abort();
}

void ft_cli_json_str(cJSON *obj, const char *name, const char *s, int null_if_empty)
{
    abort();
}

void ft_cli_json_num(cJSON *obj, const char *name, double v)
{
    abort();
}

int ft_cli_json_print(cJSON *root)
{
    abort();
}

/* ---- the target ---------------------------------------------------------------------------- */

static const char *const file_names[] = {"expected_summary.csv", "expected_flows.csv"};

static size_t count_lines(const char *path)
{
    size_t len = 0, n = 1;
    uint8_t *b = ft_fuzz_read(path, &len);
    if (!b)
        return 0;
    for (size_t i = 0; i < len; i++)
        n += b[i] == '\n';
    free(b);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[3000], sum[4096], flows[4096];
    ft_fuzz_subdir(dir, sizeof dir, "truth");
    ft_fuzz_write_files(dir, data, size, file_names, 2);
    snprintf(sum, sizeof sum, "%s/%s", dir, file_names[0]);
    snprintf(flows, sizeof flows, "%s/%s", dir, file_names[1]);
    ft_err err;
    ft_err_clear(&err);

    srow *s = NULL;
    size_t ns = 0;
    if (read_summary(sum, &s, &ns, &err) != FT_OK) {
        if (s != NULL || err.msg[0] == '\0' || !strstr(err.msg, "expected_summary.csv"))
            abort();
    } else {
        if (ns > count_lines(sum))
            abort();
        for (size_t i = 0; i < ns; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(s[i].incident, s[j].incident) == 0 &&
                    strcmp(s[i].model, s[j].model) == 0)
                    abort();
        free(s);
    }

    frow *f = NULL;
    size_t nf = 0;
    ft_err_clear(&err);
    if (read_flows(flows, &f, &nf, &err) != FT_OK) {
        if (f != NULL || err.msg[0] == '\0')
            abort();
    } else {
        if (nf > count_lines(flows))
            abort();
        for (size_t i = 1; i < nf; i++)
            if (cmp_frow(&f[i - 1], &f[i]) >= 0)
                abort();
        free(f);
    }
    ft_fuzz_rmtree(dir);
    return 0;
}
