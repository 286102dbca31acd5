/*
 * csv.c — one CSV cell, quoted per RFC 4180 and made inert against formula injection
 * (see csv.h).
 */
#include "engine/csv.h"

#include <string.h>

#include "engine/banned.h"

void ft_csv_cell(FILE *f, const char *s)
{
    int lead = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
               s[0] == '\r';
    int quote = lead || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    if (lead)
        fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}
