/*
 * csv_read.c — an RFC 4180 row reader (csv_read.h).
 *
 * A row is parsed from c->text at c->pos into c->row: plain cells are copied up to the next
 * comma or line end; a cell starting with '"' runs to the matching quote, "" standing for one
 * quote and line breaks kept. Empty lines are skipped. The row buffer never needs more than
 * the row's own length plus one NUL per cell, so it is sized from the row's extent.
 */
#include "cli/csv_read.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#include "engine/banned.h"

ft_status ft_cli_csv_open(ft_cli_csv *c, const char *path, ft_err *err)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s", path);
    return ft_cli_read_file(path, &c->text, &c->len, err);
}

static int push_field(ft_cli_csv *c, char *start)
{
    if (c->n_field == c->cap_field) {
        size_t nc = c->cap_field ? c->cap_field * 2 : 16;
        char **nf = realloc(c->field, nc * sizeof *nf);
        if (!nf)
            return 0;
        c->field = nf;
        c->cap_field = nc;
    }
    c->field[c->n_field++] = start;
    return 1;
}

int ft_cli_csv_next(ft_cli_csv *c, ft_err *err)
{
    /* skip empty lines */
    while (c->pos < c->len && (c->text[c->pos] == '\n' || c->text[c->pos] == '\r')) {
        if (c->text[c->pos] == '\n')
            c->line++;
        c->pos++;
    }
    if (c->pos >= c->len)
        return 0;
    c->line++;
    /* the row can not unescape to more than the rest of the file plus a NUL per cell */
    size_t need = (c->len - c->pos) * 2 + 2;
    if (need > c->row_cap) {
        char *nr = realloc(c->row, need);
        if (!nr) {
            ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", c->path);
            return -1;
        }
        c->row = nr;
        c->row_cap = need;
    }
    c->n_field = 0;
    char *o = c->row;
    uint64_t start_line = c->line;
    for (;;) {
        char *cell = o;
        if (!push_field(c, cell)) {
            ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", c->path);
            return -1;
        }
        if (c->pos < c->len && c->text[c->pos] == '"') {
            c->pos++;
            for (;;) {
                if (c->pos >= c->len) {
                    ft_err_set(err, FT_ERR_PARSE, "unterminated quote in '%s' line %llu",
                               c->path, (unsigned long long)start_line);
                    return -1;
                }
                char ch = c->text[c->pos++];
                if (ch == '"') {
                    if (c->pos < c->len && c->text[c->pos] == '"') {
                        *o++ = '"';
                        c->pos++;
                        continue;
                    }
                    break;
                }
                if (ch == '\n')
                    c->line++;
                *o++ = ch;
            }
            if (c->pos < c->len && c->text[c->pos] != ',' && c->text[c->pos] != '\n' &&
                c->text[c->pos] != '\r') {
                ft_err_set(err, FT_ERR_PARSE, "text after a closing quote in '%s' line %llu",
                           c->path, (unsigned long long)c->line);
                return -1;
            }
        } else {
            while (c->pos < c->len && c->text[c->pos] != ',' && c->text[c->pos] != '\n' &&
                   c->text[c->pos] != '\r')
                *o++ = c->text[c->pos++];
        }
        *o++ = '\0';
        if (c->pos < c->len && c->text[c->pos] == ',') {
            c->pos++;
            continue;
        }
        /* end of row: CR LF, LF, CR or the end of the text */
        if (c->pos < c->len && c->text[c->pos] == '\r')
            c->pos++;
        if (c->pos < c->len && c->text[c->pos] == '\n')
            c->pos++;
        return 1;
    }
}

int ft_cli_csv_find(const ft_cli_csv *c, const char *name)
{
    for (size_t i = 0; i < c->n_field; i++)
        if (strcmp(c->field[i], name) == 0)
            return (int)i;
    return -1;
}

void ft_cli_csv_close(ft_cli_csv *c)
{
    free(c->text);
    free(c->row);
    free(c->field);
    memset(c, 0, sizeof *c);
}
