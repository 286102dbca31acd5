/*
 * graph_builder.h — hand-built UTXO graphs for the heuristic tests: append transactions with
 * explicit inputs (spent out ids) and outputs (value, address id, script type); the builder
 * keeps every invariant engine/graph.c establishes when loading from a store (prefix sums,
 * spenders, tx_addr_new from first sight).
 */
#ifndef FT_TEST_GRAPH_BUILDER_H
#define FT_TEST_GRAPH_BUILDER_H

#include <stdlib.h>
#include <string.h>

#include "engine/graph.h"

#define GB_MAX 8192

typedef struct gb_out {
    uint64_t value;
    uint32_t addr;
    uint8_t type;
} gb_out;

static inline void gb_init(ft_graph *g, uint32_t n_addr)
{
    memset(g, 0, sizeof *g);
    g->model = FT_GRAPH_UTXO;
    g->n_addr = n_addr;
    g->tx_time = calloc(GB_MAX, sizeof *g->tx_time);
    g->tx_flags = calloc(GB_MAX, 1);
    g->tx_addr_new = calloc(GB_MAX, sizeof *g->tx_addr_new);
    g->in_off = calloc(GB_MAX + 1, sizeof *g->in_off);
    g->out_off = calloc(GB_MAX + 1, sizeof *g->out_off);
    g->in_out = calloc(GB_MAX, sizeof *g->in_out);
    g->out_value = calloc(GB_MAX, sizeof *g->out_value);
    g->out_addr = calloc(GB_MAX, sizeof *g->out_addr);
    g->out_type = calloc(GB_MAX, 1);
    g->out_spent_by = malloc(GB_MAX * sizeof *g->out_spent_by);
    for (int i = 0; i < GB_MAX; i++)
        g->out_spent_by[i] = FT_GRAPH_NONE;
}

/* Appends a tx spending out ids ins[0..n_in) (n_in 0: a coinbase); returns its tx id. */
static inline uint32_t gb_tx(ft_graph *g, const uint32_t *ins, uint32_t n_in, const gb_out *outs,
                             uint32_t n_out)
{
    uint32_t t = g->n_tx;
    static uint32_t addr_hi_seen;
    if (t == 0)
        addr_hi_seen = 0;
    g->tx_flags[t] = n_in == 0 ? FT_GRAPH_TX_COINBASE : 0;
    g->tx_addr_new[t] = addr_hi_seen + 1;
    g->in_off[t] = g->n_in;
    g->out_off[t] = g->n_out;
    for (uint32_t i = 0; i < n_in; i++) {
        g->in_out[g->n_in++] = ins[i];
        g->out_spent_by[ins[i]] = t;
    }
    for (uint32_t j = 0; j < n_out; j++) {
        g->out_value[g->n_out] = outs[j].value;
        g->out_addr[g->n_out] = outs[j].addr;
        g->out_type[g->n_out] = outs[j].type;
        g->n_out++;
        if (outs[j].addr > addr_hi_seen)
            addr_hi_seen = outs[j].addr;
    }
    g->n_tx++;
    g->in_off[g->n_tx] = g->n_in;
    g->out_off[g->n_tx] = g->n_out;
    return t;
}

/* A coinbase paying one output to addr: returns the out id. */
static inline uint32_t gb_coin(ft_graph *g, uint64_t value, uint32_t addr, uint8_t type)
{
    gb_out o = {value, addr, type};
    uint32_t t = gb_tx(g, NULL, 0, &o, 1);
    return g->out_off[t];
}

#endif
