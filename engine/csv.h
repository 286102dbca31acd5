/*
 * csv.h — writing CSV cells the way every fundtrace output file needs them (ARCHITECTURE.md
 * section 6): RFC 4180 quoting (a cell with a comma, quote, CR or LF is quoted, quotes
 * doubled) and formula-injection protection: a cell that starts with '=', '+', '-', '@', tab
 * or CR gets a leading "'" inside quotes, so a label such as =HYPERLINK("x") opens inert in a
 * spreadsheet.
 */
#ifndef FT_CSV_H
#define FT_CSV_H

#include <stdio.h>

/* Writes s as one CSV cell to f (no separator, no line end). */
void ft_csv_cell(FILE *f, const char *s);

#endif
