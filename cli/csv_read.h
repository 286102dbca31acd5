/*
 * csv_read.h — reading the CSV files fundtrace writes and is given (RFC 4180: quoted cells
 * with "" for a quote, CRLF or LF line ends), one row at a time, for the commands that compare
 * or summarise CSV outputs (eval trace, demo).
 *
 * The whole file is read into memory (these files are summaries, not chains); every row is
 * unescaped into a row buffer owned by the reader, valid until the next call.
 */
#ifndef FT_CLI_CSV_READ_H
#define FT_CLI_CSV_READ_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

typedef struct ft_cli_csv {
    char path[4200];
    char *text;
    size_t len, pos;
    char *row;   /* unescaped cells, each NUL-terminated */
    size_t row_cap;
    char **field;
    size_t n_field, cap_field;
    uint64_t line; /* line number of the row just read (1 = first line) */
} ft_cli_csv;

/* Reads path. FT_ERR_IO if it cannot be read. */
ft_status ft_cli_csv_open(ft_cli_csv *c, const char *path, ft_err *err) FT_WARN_UNUSED;
/* The next row into c->field[0..n_field). Returns 1 on a row, 0 at the end, or -1 with err
 * set (FT_ERR_PARSE: an unterminated quote, text after a closing quote; FT_ERR_NOMEM). */
int ft_cli_csv_next(ft_cli_csv *c, ft_err *err);
/* Index of the column named name in the row just read (the header), or -1. */
int ft_cli_csv_find(const ft_cli_csv *c, const char *name);
void ft_cli_csv_close(ft_cli_csv *c);

#endif
