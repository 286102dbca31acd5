/*
 * args.c — command-line parsing shared by every command, and the error printers.
 *
 * Deliberately small: long options only (--name VALUE or --name=VALUE), flags, positional
 * arguments, and "--" to end options. Unknown options and missing values are usage errors
 * (exit 129) that name the option and point at `fundtrace help <cmd>`.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/banned.h"

int ft_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nhint: see 'fundtrace help %s'\n", cmd);
    return 129;
}

int ft_cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int ft_cli_fail(ft_status st, const ft_err *err)
{
    const char *msg = err && err->msg[0] ? err->msg : ft_status_str(st);
    fprintf(stderr, "error: %s\n", msg);
    return ft_status_exit_code(st);
}

int ft_cli_parse(const char *cmd, int argc, char **argv, const ft_opt *opts, const char **pos,
                 int max_pos, int *n_pos)
{
    int np = 0, only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-' && a[2]) {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
            const ft_opt *o = NULL;
            for (const ft_opt *p = opts; p && p->name; p++)
                if (strlen(p->name) == nlen && strncmp(p->name, name, nlen) == 0)
                    o = p;
            if (!o)
                return ft_cli_usage_error(cmd, "unknown option '--%.*s' for '%s'", (int)nlen,
                                          name, cmd);
            if (o->has_arg) {
                const char *v = eq ? eq + 1 : NULL;
                if (!v) {
                    if (i + 1 >= argc)
                        return ft_cli_usage_error(cmd, "option '--%s' needs a value", o->name);
                    v = argv[++i];
                }
                *o->value = v;
            } else {
                if (eq)
                    return ft_cli_usage_error(cmd, "option '--%s' takes no value", o->name);
                *o->flag = 1;
            }
            continue;
        }
        if (np >= max_pos)
            return ft_cli_usage_error(cmd, "unexpected argument '%s'", a);
        pos[np++] = a;
    }
    if (n_pos)
        *n_pos = np;
    return 0;
}

int ft_cli_parse_u64(const char *s, unsigned long long *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

ft_status ft_cli_read_file(const char *path, char **data, size_t *len, ft_err *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return ft_err_set(err, FT_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        if (f != stdin)
            fclose(f);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    for (;;) {
        if (n == cap) {
            char *nb = cap > ((size_t)1 << 40) ? NULL : realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                if (f != stdin)
                    fclose(f);
                return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    if (f != stdin)
        fclose(f);
    if (bad) {
        free(buf);
        return ft_err_set(err, FT_ERR_IO, "cannot read '%s'", path);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return FT_OK;
}
