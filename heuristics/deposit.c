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
 * Two refinements (measured on fundtrace-gen --account chains, docs/methodology.md):
 *   shared     a deposit address paid by more than FT_DEPOSIT_MAX_SENDERS distinct senders is
 *              a service that collects from the public (a payment processor, a forwarding
 *              contract), not one customer's address: it links nothing;
 *   dust       a sender that pays into two or more deposit addresses of ONE exchange is not a
 *              customer (a customer has one deposit address per exchange): an airdrop or dust
 *              sender. It links nothing (marked NOT_CUSTOMER in deposit_entity).
 * Both are counted over distinct (deposit address, sender) pairs after sorting, so the result
 * does not depend on the order or the number of transfers.
 * Assumptions and false positives (docs/methodology.md): a user who always forwards to one
 * exchange from a personal wallet looks like a deposit address (then his payers are merged
 * with him); exchange labels must exist (no labels: the heuristic links nothing).
 */
#include <stdlib.h>

#include "engine/account.h"
#include "heuristics/registry.h"

#include "engine/banned.h"

#define MIXED (FT_GRAPH_NONE - 1u)
#define NOT_CUSTOMER (FT_GRAPH_NONE - 2u) /* in deposit_entity: a dust sender, links nothing */

/* More distinct senders than this: a shared collecting address, not one customer's. */
#define FT_DEPOSIT_MAX_SENDERS 16u

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int is_deposit(const uint32_t *dep, uint32_t a)
{
    return dep[a] != FT_GRAPH_NONE && dep[a] != NOT_CUSTOMER;
}

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
    /* the distinct (deposit address, sender) pairs that would link */
    uint64_t *pr = malloc(((size_t)g->n_xfer + 1) * sizeof *pr);
    if (!pr) {
        free(dep);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for deposit pairs of %u transfers",
                          g->n_xfer);
    }
    size_t np = 0;
    for (uint32_t x = 0; x < g->n_xfer; x++) {
        uint32_t from = g->xfer_from[x], d = g->xfer_to[x], e;
        if (from == 0 || d == 0 || from == d || !is_deposit(dep, d) ||
            dep[from] != FT_GRAPH_NONE || exchange_entity(ctx, from, &e))
            continue;
        pr[np++] = ((uint64_t)d << 32) | from;
    }
    qsort(pr, np, sizeof *pr, cmp_u64);
    size_t nu = 0;
    for (size_t i = 0; i < np; i++)
        if (nu == 0 || pr[i] != pr[nu - 1])
            pr[nu++] = pr[i];
    /* shared: too many distinct senders */
    for (size_t i = 0; i < nu;) {
        size_t j = i;
        while (j < nu && pr[j] >> 32 == pr[i] >> 32)
            j++;
        if (j - i > FT_DEPOSIT_MAX_SENDERS)
            dep[pr[i] >> 32] = FT_GRAPH_NONE;
        i = j;
    }
    /* dust: (sender, exchange of the deposit address) twice means two deposit addresses of one
     * exchange (the pairs are distinct) */
    size_t nq = 0;
    for (size_t i = 0; i < nu; i++) {
        uint32_t d = (uint32_t)(pr[i] >> 32), from = (uint32_t)pr[i];
        if (is_deposit(dep, d))
            pr[nq++] = ((uint64_t)from << 32) | dep[d];
    }
    qsort(pr, nq, sizeof *pr, cmp_u64);
    for (size_t i = 1; i < nq; i++)
        if (pr[i] == pr[i - 1])
            dep[pr[i] >> 32] = NOT_CUSTOMER;
    free(pr);
    ctx->deposit_entity = dep;
    return FT_OK;
}

void ft_deposit_links(const ft_cluster_ctx *ctx, uint32_t x, ft_link_fn emit, void *arg)
{
    const ft_graph *g = ctx->g;
    if (g->model != FT_GRAPH_ACCOUNT || !ctx->deposit_entity)
        return;
    uint32_t from = g->xfer_from[x], d = g->xfer_to[x], e;
    if (from == 0 || d == 0 || from == d || !is_deposit(ctx->deposit_entity, d))
        return;
    if (exchange_entity(ctx, from, &e))
        return; /* a withdrawal or refund from the exchange itself */
    if (ctx->deposit_entity[from] != FT_GRAPH_NONE)
        return; /* one deposit address paying another (both forward, neither is a customer),
                 * or a dust sender */
    emit(arg, from, d, g->xfer_tx[x]);
}
