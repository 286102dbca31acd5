/*
 * change.c — change-address heuristics, each selectable on its own.
 *
 * What: find the output of a transaction that returns the payer's change; its address then
 * belongs to the owner of the inputs (linked with the first input address). Rules:
 *   change-fresh    one-time change (Meiklejohn et al. 2013): exactly one output address that
 *                   was never seen before this tx, and no output pays back an input address
 *   change-type     same script type (Kappos et al. 2022; BlockSci): all inputs of one script
 *                   type and exactly one output of that type
 *   change-round    round-number payment (Androulaki et al. 2013; BlockSci): two outputs,
 *                   exactly one a multiple of 10^k sat (k = ctx->round_exp): the other is change
 *   change-optimal  optimal change (Nick 2015; BlockSci): exactly one output smaller than
 *                   every input (a wallet would not have added an input it did not need)
 *   change-peel     peel-chain continuation (Meiklejohn et al. 2013): one input, two outputs,
 *                   exactly one of them spent by another one-input two-output tx and larger
 *                   than the other output (the peel goes on with what is left)
 * Common preconditions: not a coinbase, not a CoinJoin of any kind, at least two outputs, an
 * input with an address, and no output paying an input address (self-change tells nothing
 * new and makes the rules ambiguous).
 * How: each rule is a pure function of the graph around one tx; thread-safe.
 * Invariant: a rule returns a vout or -1, never guesses between several candidates.
 */
#include "heuristics/coinjoin.h"
#include "heuristics/registry.h"

#include "engine/banned.h"

/* The first input address, or 0 when the preconditions fail. */
static uint32_t eligible(const ft_cluster_ctx *ctx, uint32_t t)
{
    const ft_graph *g = ctx->g;
    if (g->tx_flags[t] & FT_GRAPH_TX_COINBASE)
        return 0;
    if (ctx->cj_kind && ctx->cj_kind[t] != FT_CJ_NONE)
        return 0;
    uint32_t n_in = ft_graph_n_in(g, t), n_out = ft_graph_n_out(g, t);
    if (n_in == 0 || n_out < 2)
        return 0;
    uint32_t first = ft_graph_in_addr(g, g->in_off[t]);
    if (first == 0)
        return 0;
    uint32_t o0 = g->out_off[t], i0 = g->in_off[t];
    for (uint32_t j = 0; j < n_out; j++) {
        uint32_t a = g->out_addr[o0 + j];
        if (a == 0)
            return 0;
        if (a >= g->tx_addr_new[t])
            continue; /* fresh: cannot be an input address */
        for (uint32_t i = 0; i < n_in; i++)
            if (ft_graph_in_addr(g, i0 + i) == a)
                return 0;
    }
    return first;
}

int ft_change_fresh(const ft_cluster_ctx *ctx, uint32_t t)
{
    if (!eligible(ctx, t))
        return -1;
    const ft_graph *g = ctx->g;
    uint32_t o0 = g->out_off[t], n = ft_graph_n_out(g, t);
    int found = -1;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t a = g->out_addr[o0 + j];
        if (a >= g->tx_addr_new[t]) {
            if (found >= 0)
                return -1;
            /* the same fresh address twice in one tx is not "one" fresh output */
            found = (int)j;
        }
    }
    if (found >= 0)
        for (uint32_t j = (uint32_t)found + 1; j < n; j++)
            if (g->out_addr[o0 + j] == g->out_addr[o0 + (uint32_t)found])
                return -1;
    return found;
}

int ft_change_type(const ft_cluster_ctx *ctx, uint32_t t)
{
    if (!eligible(ctx, t))
        return -1;
    const ft_graph *g = ctx->g;
    uint32_t i0 = g->in_off[t], n_in = ft_graph_n_in(g, t);
    uint8_t ty = g->out_type[g->in_out[i0]];
    for (uint32_t i = 1; i < n_in; i++)
        if (g->out_type[g->in_out[i0 + i]] != ty)
            return -1;
    uint32_t o0 = g->out_off[t], n = ft_graph_n_out(g, t);
    int found = -1;
    for (uint32_t j = 0; j < n; j++)
        if (g->out_type[o0 + j] == ty) {
            if (found >= 0)
                return -1;
            found = (int)j;
        }
    return found;
}

static int is_round(uint64_t v, unsigned exp)
{
    uint64_t m = 1;
    for (unsigned k = 0; k < exp; k++)
        m *= 10;
    return v > 0 && v % m == 0;
}

int ft_change_round(const ft_cluster_ctx *ctx, uint32_t t)
{
    if (!eligible(ctx, t))
        return -1;
    const ft_graph *g = ctx->g;
    if (ft_graph_n_out(g, t) != 2)
        return -1;
    uint32_t o0 = g->out_off[t];
    unsigned e = ctx->round_exp ? ctx->round_exp : 5;
    int r0 = is_round(g->out_value[o0], e), r1 = is_round(g->out_value[o0 + 1], e);
    if (r0 == r1)
        return -1;
    return r0 ? 1 : 0;
}

int ft_change_optimal(const ft_cluster_ctx *ctx, uint32_t t)
{
    if (!eligible(ctx, t))
        return -1;
    const ft_graph *g = ctx->g;
    uint32_t i0 = g->in_off[t], n_in = ft_graph_n_in(g, t);
    uint64_t min_in = UINT64_MAX;
    for (uint32_t i = 0; i < n_in; i++) {
        uint64_t v = ft_graph_in_value(g, i0 + i);
        if (v < min_in)
            min_in = v;
    }
    uint32_t o0 = g->out_off[t], n = ft_graph_n_out(g, t);
    int found = -1;
    for (uint32_t j = 0; j < n; j++)
        if (g->out_value[o0 + j] < min_in) {
            if (found >= 0)
                return -1;
            found = (int)j;
        }
    return found;
}

static int peel_shape(const ft_graph *g, uint32_t t)
{
    return !(g->tx_flags[t] & FT_GRAPH_TX_COINBASE) && ft_graph_n_in(g, t) == 1 &&
           ft_graph_n_out(g, t) == 2;
}

int ft_change_peel(const ft_cluster_ctx *ctx, uint32_t t)
{
    if (!eligible(ctx, t))
        return -1;
    const ft_graph *g = ctx->g;
    if (!peel_shape(g, t))
        return -1;
    uint32_t o0 = g->out_off[t];
    int cont[2];
    for (int j = 0; j < 2; j++) {
        uint32_t s = g->out_spent_by[o0 + (uint32_t)j];
        cont[j] = s != FT_GRAPH_NONE && peel_shape(g, s);
    }
    if (cont[0] == cont[1])
        return -1;
    int j = cont[0] ? 0 : 1;
    if (g->out_value[o0 + (uint32_t)j] <= g->out_value[o0 + (uint32_t)(1 - j)])
        return -1;
    return j;
}

static void link_change(const ft_cluster_ctx *ctx, uint32_t t, int j, ft_link_fn emit, void *arg)
{
    if (j < 0)
        return;
    const ft_graph *g = ctx->g;
    uint32_t a = ft_graph_in_addr(g, g->in_off[t]);
    uint32_t c = g->out_addr[g->out_off[t] + (uint32_t)j];
    if (a && c && a != c)
        emit(arg, a, c, t);
}

void ft_change_fresh_links(const ft_cluster_ctx *ctx, uint32_t t, ft_link_fn emit, void *arg)
{
    link_change(ctx, t, ft_change_fresh(ctx, t), emit, arg);
}

void ft_change_type_links(const ft_cluster_ctx *ctx, uint32_t t, ft_link_fn emit, void *arg)
{
    link_change(ctx, t, ft_change_type(ctx, t), emit, arg);
}

void ft_change_round_links(const ft_cluster_ctx *ctx, uint32_t t, ft_link_fn emit, void *arg)
{
    link_change(ctx, t, ft_change_round(ctx, t), emit, arg);
}

void ft_change_optimal_links(const ft_cluster_ctx *ctx, uint32_t t, ft_link_fn emit, void *arg)
{
    link_change(ctx, t, ft_change_optimal(ctx, t), emit, arg);
}

void ft_change_peel_links(const ft_cluster_ctx *ctx, uint32_t t, ft_link_fn emit, void *arg)
{
    link_change(ctx, t, ft_change_peel(ctx, t), emit, arg);
}
