/*
 * fuzz_incidents_csv.c — libFuzzer target for the incidents CSV reader (engine/incidents.c,
 * ft_incidents_parse_csv) and the seed classifier behind it (ft_incidents_seed_kind).
 *
 * Properties (abort on violation): no read outside the input (ASan); a failure names the file
 * and leaves the set exactly as it was (one row put there before the call stays, alone); a
 * success yields at least one and at most one row per line, each with a non-empty incident,
 * seed, asset and source, a YYYY-MM-DD date, a known chain, an amount that is empty or a plain
 * decimal, no control character in any cell, and a seed that is "txid:N" whenever it holds a
 * colon; parsing again gives the same rows. The input's first line is also classified as a seed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/incidents.h"

#include "engine/banned.h"

static void check_text(const char *s, size_t cap, int may_be_empty)
{
    size_t n = strnlen(s, cap);
    if (n >= cap || (!may_be_empty && n == 0))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            abort();
}

static void check_row(const ft_incident_row *x)
{
    check_text(x->incident, sizeof x->incident, 0);
    check_text(x->seed, sizeof x->seed, 0);
    check_text(x->asset, sizeof x->asset, 0);
    check_text(x->amount, sizeof x->amount, 1);
    check_text(x->attribution, sizeof x->attribution, 1);
    check_text(x->source, sizeof x->source, 0);
    if (strnlen(x->date, sizeof x->date) != 10 || x->date[4] != '-' || x->date[7] != '-')
        abort();
    if (x->chain == 0 || strcmp(ft_incidents_chain_name(x->chain), "?") == 0 || x->line < 2)
        abort();
    int dots = 0;
    for (const char *p = x->amount; *p; p++) {
        if (*p == '.')
            dots++;
        else if (*p < '0' || *p > '9')
            abort();
    }
    if (dots > 1)
        abort();
    uint32_t n = 0;
    int kind = ft_incidents_seed_kind(x->seed, &n);
    if (strchr(x->seed, ':') && kind != 2)
        abort();
    if (kind == 1 && strlen(x->seed) != 64 && strlen(x->seed) != 66)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ft_incident_set set, again;
    memset(&set, 0, sizeof set);
    memset(&again, 0, sizeof again);
    set.v = calloc(1, sizeof *set.v);
    if (!set.v)
        abort();
    set.n = set.cap = 1;
    ft_err err;
    ft_err_clear(&err);
    ft_status st = ft_incidents_parse_csv((const char *)data, size, "i.csv", &set, &err);
    if (st != FT_OK) {
        if (set.n != 1 || err.code != st || strncmp(err.msg, "'i.csv'", 7) != 0)
            abort();
    } else {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        if (set.n < 2 || set.n - 1 > lines)
            abort();
        for (size_t i = 1; i < set.n; i++)
            check_row(&set.v[i]);
        if (ft_incidents_parse_csv((const char *)data, size, "i.csv", &again, &err) != FT_OK ||
            again.n != set.n - 1)
            abort();
        for (size_t i = 0; i < again.n; i++)
            if (memcmp(&again.v[i], &set.v[i + 1], sizeof again.v[i]) != 0)
                abort();
    }
    ft_incident_set_release(&set);
    ft_incident_set_release(&again);

    char seed[200];
    size_t n = 0;
    while (n < size && n + 1 < sizeof seed && data[n] != '\n')
        n++;
    memcpy(seed, data, n);
    seed[n] = '\0';
    uint32_t vout = 0;
    int kind = ft_incidents_seed_kind(seed, &vout);
    if (kind < 0 || kind > 2 || (kind != 0 && strnlen(seed, sizeof seed) < 64))
        abort();
    return 0;
}
