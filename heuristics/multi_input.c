/*
 * multi_input.c — the common-input-ownership heuristic (`multi-input`).
 *
 * What: every address that signs an input of one transaction is held by one entity
 * (Nakamoto 2008, section 10; Meiklejohn et al. 2013; Androulaki et al. 2013), so all input
 * addresses of a tx are linked — except in multi-party CoinJoins (ctx->cj_kind, filled by the
 * `coinjoin` filter when selected), where that assumption is false by design.
 * How: for tx t, emit (first input address, each other distinct input address). Coinbases
 * and inputs without an address (id 0) are skipped. Pure per tx; thread-safe.
 */
#include "heuristics/coinjoin.h"
#include "heuristics/registry.h"

#include "engine/banned.h"

void ft_multi_input_links(const ft_cluster_ctx *ctx, uint32_t tx, ft_link_fn emit, void *arg)
{
    const ft_graph *g = ctx->g;
    if (g->tx_flags[tx] & FT_GRAPH_TX_COINBASE)
        return;
    if (ctx->cj_kind && ft_coinjoin_multi_party((ft_coinjoin_kind)ctx->cj_kind[tx]))
        return;
    uint32_t n = ft_graph_n_in(g, tx), base = g->in_off[tx];
    if (n < 2)
        return;
    uint32_t first = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = ft_graph_in_addr(g, base + i);
        if (a == 0)
            continue;
        if (first == 0)
            first = a;
        else if (a != first)
            emit(arg, first, a, tx);
    }
}
