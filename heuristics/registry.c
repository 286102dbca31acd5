/*
 * registry.c — the table of clustering heuristics (see registry.h).
 *
 * One row per heuristic, in the order they run; `--heuristics` is a lookup by name, and the
 * bit mask of the selection is over the row index. `fundtrace help cluster` prints the rows.
 * The default set is the rows flagged FT_HEUR_DEFAULT (ARCHITECTURE.md section 6: multi-input
 * with CoinJoins excluded, deposit). Change heuristics are off by default: their precision is
 * lower (docs/methodology.md has the measurements).
 */
#include "heuristics/registry.h"

#include <stdio.h>
#include <string.h>

#include "engine/banned.h"

static const ft_heuristic table[] = {
    {"coinjoin", "detect CoinJoins (Whirlpool, Tx0, Wasabi 1/2, JoinMarket, equal outputs); "
                 "linkers skip them",
     FT_GRAPH_UTXO, FT_HEUR_DEFAULT | FT_HEUR_FILTER, ft_coinjoin_prepare, NULL},
    {"multi-input", "common-input ownership: all input addresses of a tx are one entity",
     FT_GRAPH_UTXO, FT_HEUR_DEFAULT, NULL, ft_multi_input_links},
    {"change-fresh", "one-time change: the only output to a never-seen address is change",
     FT_GRAPH_UTXO, 0, NULL, ft_change_fresh_links},
    {"change-type", "the only output of the inputs' script type is change", FT_GRAPH_UTXO, 0,
     NULL, ft_change_type_links},
    {"change-round", "of two outputs, the one that is not a round number is change",
     FT_GRAPH_UTXO, 0, NULL, ft_change_round_links},
    {"change-optimal", "the only output smaller than every input is change", FT_GRAPH_UTXO, 0,
     NULL, ft_change_optimal_links},
    {"change-peel", "peel chain: the larger output that feeds the next 1-in/2-out tx is change",
     FT_GRAPH_UTXO, 0, NULL, ft_change_peel_links},
    {"deposit", "account chains: senders reusing one exchange deposit address are one entity",
     FT_GRAPH_ACCOUNT, FT_HEUR_DEFAULT, ft_deposit_prepare, ft_deposit_links},
};

#define N_ROWS (sizeof table / sizeof table[0])

const ft_heuristic *ft_registry_table(size_t *n)
{
    *n = N_ROWS;
    return table;
}

const ft_heuristic *ft_registry_find(const char *name)
{
    for (size_t i = 0; i < N_ROWS; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

const char *ft_registry_default_list(void)
{
    static char buf[256];
    if (!buf[0]) {
        uint32_t m = 0;
        for (size_t i = 0; i < N_ROWS; i++)
            if (table[i].flags & FT_HEUR_DEFAULT)
                m |= 1u << i;
        ft_registry_format(m, buf, sizeof buf);
    }
    return buf;
}

ft_status ft_registry_parse(const char *list, uint32_t *mask, ft_err *err)
{
    *mask = 0;
    if (!list || strcmp(list, "default") == 0) {
        for (size_t i = 0; i < N_ROWS; i++)
            if (table[i].flags & FT_HEUR_DEFAULT)
                *mask |= 1u << i;
        return FT_OK;
    }
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        size_t i = 0;
        for (; i < N_ROWS; i++)
            if (strlen(table[i].name) == len && strncmp(table[i].name, p, len) == 0)
                break;
        if (i == N_ROWS)
            return ft_err_set(err, FT_ERR_ARG, "unknown heuristic '%.*s' (see 'fundtrace help "
                                               "cluster')", (int)(len > 64 ? 64 : len), p);
        if (*mask & (1u << i))
            return ft_err_set(err, FT_ERR_ARG, "heuristic '%s' listed twice", table[i].name);
        *mask |= 1u << i;
        if (!e)
            break;
        p = e + 1;
    }
    return FT_OK;
}

void ft_registry_format(uint32_t mask, char *out, size_t cap)
{
    size_t n = 0;
    if (cap)
        out[0] = '\0';
    for (size_t i = 0; i < N_ROWS; i++) {
        if (!(mask & (1u << i)))
            continue;
        int w = snprintf(out + n, cap > n ? cap - n : 0, "%s%s", n ? "," : "", table[i].name);
        if (w > 0)
            n += (size_t)w;
        if (n >= cap)
            break;
    }
}
