/*
 * deposit.c — the exchange deposit-address heuristic for account chains (`deposit`).
 *
 * What (Victor 2020, "Address clustering heuristics for Ethereum", FC 2020): exchanges give
 * each customer a deposit address and forward what it receives to their hot wallet. An address
 * D that is not labeled itself and whose every outgoing transfer goes to addresses labeled with
 * one and the same exchange entity is that exchange's deposit address; the senders that pay
 * into D are one customer, so a sender is linked with D (D is NOT linked with the exchange:
 * that would fold every customer into one supercluster) — but only for a receipt that D
 * forwards as the paper requires (the amount and delay bounds):
 *   a forward of D (of one asset) counts when it moves the sum of what D received of that
 *   asset since its previous forward of that asset, give or take a_max = 0.01 of one whole
 *   unit of that asset (ft_deposit_amount_bound: 10^16 wei for the native asset, 10^(d-2)
 *   base units for a token of d decimals), and comes at most FT_DEPOSIT_MAX_DELAY_S seconds
 *   after the first of those receipts; those receipts are "forwarded" and only their senders
 *   link. A forward that does not match (half of a balance, an unrelated amount, too late)
 *   forwards nothing, and the receipts before it are dropped (the sum restarts after every
 *   forward, matching or not). A token whose decimals the index does not know has no bound:
 *   nothing of it is forwarded, so it links nothing (precision first: 10^16 base units would
 *   be 10^10 whole units of a 6-decimal token).
 * How: prepare makes one pass over the transfers in execution order and keeps per address
 * the exchange entity its outgoing transfers reach (NONE, one entity, or "mixed"); then sorts
 * the receipts and forwards of the candidate deposit addresses by (address, asset, transfer)
 * and walks each group in execution order, marking the forwarded receipts; links(x) emits
 * (sender, D) for a forwarded receipt x into a deposit address D from an address that is not
 * itself labeled exchange. Works on the account model of engine/graph only.
 * Fee rows (gas to the miner, burnt base fee) and burns are not destinations: a deposit
 * address pays gas on every forward (engine/graph.h xfer_kind, when the loader filled it); gas
 * is paid on top of the value, so a sweep of "balance minus gas" differs from the receipts by
 * the fee, far below the amount bound.
 * A graph without amounts (ft_graph_from_transfers, hand-built tests) cannot apply the bounds:
 * then every receipt counts as forwarded (the heuristic as it was before the bounds).
 * Two refinements (measured on fundtrace-gen --account chains, docs/methodology.md):
 *   shared     a deposit address paid by more than FT_DEPOSIT_MAX_SENDERS distinct senders is
 *              a service that collects from the public (a payment processor, a forwarding
 *              contract), not one customer's address: it links nothing;
 *   dust       a sender that pays into two or more deposit addresses of ONE exchange is not a
 *              customer (a customer has one deposit address per exchange): an airdrop or dust
 *              sender. It links nothing (marked NOT_CUSTOMER in deposit_entity).
 * Both are counted over distinct (deposit address, sender) pairs of forwarded receipts after
 * sorting, so the result does not depend on the order or the number of transfers.
 * Invariant: ctx->deposit_entity is ONE malloc block of n_addr + 1 uint32 entries followed by
 * n_xfer bytes (1 = a forwarded receipt), so heuristics/cluster.c frees both with one free().
 * Assumptions and false positives (docs/methodology.md): a user who always forwards to one
 * exchange, exactly what he received, from a personal wallet looks like a deposit address
 * (then his payers are merged with him); exchange labels must exist (no labels: the heuristic
 * links nothing).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/account.h"
#include "heuristics/deposit.h"
#include "heuristics/registry.h"

#include "engine/banned.h"

#define MIXED (FT_GRAPH_NONE - 1u)
#define NOT_CUSTOMER (FT_GRAPH_NONE - 2u) /* in deposit_entity: a dust sender, links nothing */

/* More distinct senders than this: a shared collecting address, not one customer's. */
#define FT_DEPOSIT_MAX_SENDERS 16u

/* Victor 2020 (FC 2020, the deposit address heuristic, with the parameter values of its
 * evaluation): a forward matches when its amount differs from what was received by at most
 * a_max = 0.01 ether, and comes at most d_max = 3,200 blocks after the receipt. a_max is kept
 * as 0.01 of one whole unit of the forwarded asset (heuristics/deposit.h): 10^16 wei of
 * ether, 10^4 base units of USDT (6 decimals). The graph carries block times, not heights:
 * 3,200 blocks at Ethereum's 12-second slot = 38,400 s. */
#define FT_DEPOSIT_MAX_DELAY_S (3200 * 12)

int ft_deposit_amount_bound(const ft_graph *g, uint32_t asset, ft_u128 *bound)
{
    unsigned d = FT_GRAPH_NATIVE_DECIMALS; /* asset 0: the native asset */
    if (asset != 0) { /* a token: its decimals when the graph knows them */
        if (!g->asset_decimals || asset >= g->n_asset ||
            g->asset_decimals[asset] == FT_GRAPH_DECIMALS_UNKNOWN)
            return 0;
        d = g->asset_decimals[asset];
    }
    ft_u128 b = 1;
    for (unsigned i = 2; i < d; i++) {
        if (b > ~(ft_u128)0 / 10) { /* 10^39 > 2^128: beyond any 128-bit amount difference */
            b = ~(ft_u128)0;
            break;
        }
        b *= 10;
    }
    *bound = b;
    return 1;
}

/* a receipt into, or a forward out of, a candidate deposit address */
typedef struct dep_ev {
    uint32_t d, asset, x;
} dep_ev;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_ev(const void *a, const void *b)
{
    const dep_ev *p = a, *q = b;
    if (p->d != q->d)
        return p->d < q->d ? -1 : 1;
    if (p->asset != q->asset)
        return p->asset < q->asset ? -1 : 1;
    return p->x < q->x ? -1 : p->x > q->x;
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

static int is_fee(const ft_graph *g, uint32_t x)
{
    return g->xfer_kind && g->xfer_kind[x] == FT_XFER_FEE;
}

/* Marks in fwd[x] the receipts of candidate deposit addresses (dep[d] an entity) that a
 * matching forward passes on (the bounds above). Returns 0 when out of memory. */
static int mark_forwarded(const ft_graph *g, const uint32_t *dep, uint8_t *fwd)
{
    if (!g->xfer_amount) { /* no amounts: no bounds */
        memset(fwd, 1, g->n_xfer);
        return 1;
    }
    memset(fwd, 0, g->n_xfer);
    dep_ev *ev = malloc(((size_t)g->n_xfer + 1) * sizeof *ev);
    if (!ev)
        return 0;
    size_t n = 0;
    for (uint32_t x = 0; x < g->n_xfer; x++) {
        uint32_t from = g->xfer_from[x], to = g->xfer_to[x];
        uint32_t asset = g->xfer_asset ? g->xfer_asset[x] : 0;
        if (from == to || is_fee(g, x))
            continue;
        /* a candidate sends only to exchanges, which are labeled, so never to a candidate:
         * each transfer is at most one event */
        if (to != 0 && dep[to] != FT_GRAPH_NONE)
            ev[n++] = (dep_ev){to, asset, x};
        else if (from != 0 && dep[from] != FT_GRAPH_NONE)
            ev[n++] = (dep_ev){from, asset, x};
    }
    qsort(ev, n, sizeof *ev, cmp_ev);
    for (size_t i = 0; i < n;) {
        size_t j = i, first = i; /* pending receipts: ev[first .. j-1] */
        ft_u128 sum = 0, bound = 0;
        if (!ft_deposit_amount_bound(g, ev[i].asset, &bound)) { /* unknown decimals: skip */
            while (j < n && ev[j].d == ev[i].d && ev[j].asset == ev[i].asset)
                j++;
            i = j;
            continue;
        }
        while (j < n && ev[j].d == ev[i].d && ev[j].asset == ev[i].asset) {
            uint32_t x = ev[j].x;
            if (g->xfer_to[x] == ev[j].d) { /* a receipt */
                if (sum + g->xfer_amount[x] < sum)
                    sum = ~(ft_u128)0; /* saturates (beyond any real forward) */
                else
                    sum += g->xfer_amount[x];
            } else { /* a forward: does it pass on the receipts since the previous one? */
                ft_u128 a = g->xfer_amount[x];
                ft_u128 diff = a > sum ? a - sum : sum - a;
                if (first < j && diff <= bound &&
                    g->xfer_time[x] - g->xfer_time[ev[first].x] <= FT_DEPOSIT_MAX_DELAY_S)
                    for (size_t k = first; k < j; k++)
                        fwd[ev[k].x] = 1;
                sum = 0;
                first = j + 1;
            }
            j++;
        }
        i = j;
    }
    free(ev);
    return 1;
}

ft_status ft_deposit_prepare(ft_cluster_ctx *ctx, ft_err *err)
{
    const ft_graph *g = ctx->g;
    if (g->model != FT_GRAPH_ACCOUNT)
        return FT_OK;
    /* one block: n_addr + 1 entities, then n_xfer forwarded-receipt flags (header) */
    uint32_t *dep = malloc(((size_t)g->n_addr + 1) * sizeof *dep + (size_t)g->n_xfer + 1);
    if (!dep)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for deposit flags of %u addresses",
                          g->n_addr);
    for (uint32_t a = 0; a < g->n_addr; a++)
        dep[a] = FT_GRAPH_NONE;
    for (uint32_t x = 0; x < g->n_xfer; x++) {
        uint32_t d = g->xfer_from[x], to = g->xfer_to[x], e;
        if (d == 0 || d == to || to == 0)
            continue;
        if (is_fee(g, x))
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
    uint8_t *fwd = (uint8_t *)(dep + (size_t)g->n_addr + 1);
    if (!mark_forwarded(g, dep, fwd)) {
        free(dep);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for deposit forwards of %u transfers",
                          g->n_xfer);
    }
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
        if (from == 0 || d == 0 || from == d || !fwd[x] || !is_deposit(dep, d) ||
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
    const uint8_t *fwd = (const uint8_t *)(ctx->deposit_entity + (size_t)g->n_addr + 1);
    if (!fwd[x])
        return; /* not passed on by a forward within the amount and delay bounds */
    if (exchange_entity(ctx, from, &e))
        return; /* a withdrawal or refund from the exchange itself */
    if (ctx->deposit_entity[from] != FT_GRAPH_NONE)
        return; /* one deposit address paying another (both forward, neither is a customer),
                 * or a dust sender */
    emit(arg, from, d, g->xfer_tx[x]);
}
