/*
 * deposit.c — the exchange deposit-address heuristic for account chains (`deposit`).
 *
 * What (Victor 2020, "Address clustering heuristics for Ethereum"): exchanges give each
 * customer a deposit address and forward what it receives to their hot wallet. An address D
 * that is not labeled itself and whose every outgoing transfer goes to addresses labeled with
 * one and the same exchange entity is that exchange's deposit address; the senders that pay
 * into D are one customer, so every sender is linked with D (D is NOT linked with the
 * exchange: that would fold every customer into one supercluster).
 * How: prepare makes one pass over the transfers in execution order and keeps per address
 * the exchange entity its outgoing transfers reach (NONE, one entity, or "mixed");
 * links(x) emits (sender, D) for a transfer x into a deposit address D from an address that
 * is not itself labeled exchange. Works on the account model of engine/graph only.
 * Fee rows (gas to the miner, burnt base fee) and burns are not destinations: a deposit
 * address pays gas on every forward (engine/graph.h xfer_kind, when the loader filled it).
 * Assumptions and false positives (docs/methodology.md): a user who always forwards to one
 * exchange from a personal wallet looks like a deposit address (then his payers are merged
 * with him); exchange labels must exist (no labels: the heuristic links nothing).
 */
#include <stdlib.h>

#include "engine/account.h"
#include "heuristics/registry.h"

#include "engine/banned.h"

#define MIXED (FT_GRAPH_NONE - 1u)

static int exchange_entity(const ft_cluster_ctx *ctx, uint32_t a, uint32_t *ent)
{
    if (!ctx->addr_entity)
        return 0;
    uint32_t e = ctx->addr_entity[a];
    if (e == FT_GRAPH_NONE || e >= ctx->n_entities)
        return 0;
    if (ctx->entity_cat[e] != FT_CAT_EXCHANGE)
        return 0;
    *ent = e;
    return 1;
}

ft_status ft_deposit_prepare(ft_cluster_ctx *ctx, ft_err *err)
{
    const ft_graph *g = ctx->g;
    if (g->model != FT_GRAPH_ACCOUNT)
        return FT_OK;
    uint32_t *dep = malloc(((size_t)g->n_addr + 1) * sizeof *dep);
    if (!dep)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for deposit flags of %u addresses",
                          g->n_addr);
    for (uint32_t a = 0; a < g->n_addr; a++)
        dep[a] = FT_GRAPH_NONE;
    for (uint32_t x = 0; x < g->n_xfer; x++) {
        uint32_t d = g->xfer_from[x], to = g->xfer_to[x], e;
        if (d == 0 || d == to || to == 0)
            continue;
        if (g->xfer_kind && g->xfer_kind[x] == FT_XFER_FEE)
            continue; /* gas goes to the miner (or is burnt): not a choice of destination */
        if (ctx->addr_entity && ctx->addr_entity[d] != FT_GRAPH_NONE)
            continue; /* a labeled address is not a customer's deposit address */
        if (!exchange_entity(ctx, to, &e))
            dep[d] = MIXED;
        else if (dep[d] == FT_GRAPH_NONE)
            dep[d] = e;
        else if (dep[d] != e)
            dep[d] = MIXED;
    }
    for (uint32_t a = 0; a < g->n_addr; a++)
        if (dep[a] == MIXED)
            dep[a] = FT_GRAPH_NONE;
    ctx->deposit_entity = dep;
    return FT_OK;
}

void ft_deposit_links(const ft_cluster_ctx *ctx, uint32_t x, ft_link_fn emit, void *arg)
{
    const ft_graph *g = ctx->g;
    if (g->model != FT_GRAPH_ACCOUNT || !ctx->deposit_entity)
        return;
    uint32_t from = g->xfer_from[x], d = g->xfer_to[x], e;
    if (from == 0 || d == 0 || from == d || ctx->deposit_entity[d] == FT_GRAPH_NONE)
        return;
    if (exchange_entity(ctx, from, &e))
        return; /* a withdrawal or refund from the exchange itself */
    if (ctx->deposit_entity[from] != FT_GRAPH_NONE)
        return; /* one deposit address paying another: both forward, neither is a customer */
    emit(arg, from, d, g->xfer_tx[x]);
}
