/*
 * fuzz_eth_rpc_block.c — libFuzzer target for what an Ethereum node's JSON-RPC replies become
 * (chains/ethereum/block.c and jsonrpc.c's reply lookup): the input is parsed as JSON (cJSON)
 * and walked the way the RPC ingest (ingest.c) walks one batch reply:
 *
 *     id 0  eth_getBlockByNumber(h, true)  → ft_eth_block_from_rpc
 *     id 1  eth_getBlockReceipts(h)        → ft_eth_block_add_rpc_receipt for each element
 *     id 2  trace_block / debug_traceBlockByNumber → parity or geth traces (by the shape of
 *           the first element: "action" is parity), then ft_eth_block_finish_traces
 *     then ft_eth_block_assemble for main net.
 * Separately, the reply's "result" (or the input itself when it is an array) is read as
 * parity traces and as geth traces into empty blocks, so the trace readers see every input
 * even when no block parses.
 *
 * Properties (abort on violation): no read outside any buffer and no leak (ASan); every
 * failure carries a message; after finish_traces a trace with an error is reverted, and a
 * trace's address has exactly depth entries; an assembled block has one tx per block tx, rows
 * whose kind, sub-kind and flags are in range and whose tx index is a tx of the block or "no
 * tx", and trace addresses of the stated depth.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/block.h"
#include "chains/ethereum/jsonrpc.h"
#include "chains/ethereum/params.h"

#include "engine/banned.h"

static volatile uint32_t sink;

static void check_traces(const ft_eth_block *b)
{
    for (size_t i = 0; i < b->n_traces; i++) {
        const ft_eth_trace *t = &b->traces[i];
        if (t->error && !t->reverted)
            abort();
        if (t->depth > 0 && !t->trace_addr)
            abort();
        for (uint32_t k = 0; k < t->depth; k++)
            sink += t->trace_addr[k]; /* ASan: depth entries are there */
        if (t->sub >= FT_XSUB_COUNT)
            abort();
    }
}

static void check_assembled(const ft_eth_block *b, const ft_account_block *ab)
{
    if (ab->n_tx != b->n_tx)
        abort();
    for (uint32_t i = 0; i < ab->n_xfer; i++) {
        const ft_account_xfer *x = &ab->xfers[i];
        if (x->tx_index != FT_ACCOUNT_NO_TX && x->tx_index >= ab->n_tx)
            abort();
        if (x->sub >= FT_XSUB_COUNT || (x->flags & ~FT_XFER_FLAGS_MASK) != 0)
            abort();
        if (x->depth > 0 && !x->trace_addr)
            abort();
        for (uint32_t k = 0; k < x->depth; k++)
            sink += x->trace_addr[k];
    }
}

static int is_parity(const cJSON *traces)
{
    const cJSON *first = cJSON_IsArray(traces) ? traces->child : NULL;
    return first && cJSON_GetObjectItemCaseSensitive(first, "action") != NULL;
}

static void traces_alone(const cJSON *traces, int geth)
{
    ft_eth_block b;
    ft_eth_block_init(&b);
    ft_err err;
    ft_err_clear(&err);
    ft_status st = geth ? ft_eth_block_add_geth_traces(&b, traces, &err)
                        : ft_eth_block_add_parity_traces(&b, traces, &err);
    if (st == FT_OK) {
        ft_eth_block_finish_traces(&b);
        check_traces(&b);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    ft_eth_block_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *reply = cJSON_ParseWithLength((const char *)data, size);
    if (!reply)
        return 0;
    const ft_eth_params *main_net = ft_eth_params_by_name("ethereum");
    if (!main_net)
        abort();

    const cJSON *blk = NULL, *res = NULL;
    ft_err err;
    ft_err_clear(&err);
    long code = 0;
    if (ft_eth_rpc_result(reply, 0, "eth_getBlockByNumber", &blk, &code, &err) == FT_OK) {
        ft_eth_block b;
        ft_eth_block_init(&b);
        ft_status st = ft_eth_block_from_rpc(&b, blk, &err);
        if (st == FT_OK &&
            ft_eth_rpc_result(reply, 1, "eth_getBlockReceipts", &res, &code, &err) == FT_OK &&
            cJSON_IsArray(res)) {
            const cJSON *rc;
            cJSON_ArrayForEach(rc, res)
            {
                st = ft_eth_block_add_rpc_receipt(&b, rc, &err);
                if (st != FT_OK)
                    break;
            }
        }
        if (st == FT_OK && ft_eth_rpc_result(reply, 2, "trace_block", &res, &code, &err) == FT_OK) {
            st = is_parity(res) ? ft_eth_block_add_parity_traces(&b, res, &err)
                                : ft_eth_block_add_geth_traces(&b, res, &err);
            if (st == FT_OK) {
                b.has_traces = 1;
                ft_eth_block_finish_traces(&b);
                check_traces(&b);
            }
        }
        if (st == FT_OK) {
            ft_account_block ab;
            memset(&ab, 0, sizeof ab);
            st = ft_eth_block_assemble(&b, main_net, &ab, &err);
            if (st == FT_OK)
                check_assembled(&b, &ab);
            ft_eth_block_free_assembled(&ab);
        }
        if (st != FT_OK && err.msg[0] == '\0')
            abort();
        ft_eth_block_release(&b);
    } else if (err.msg[0] == '\0') {
        abort();
    }

    const cJSON *traces =
        cJSON_IsArray(reply) ? reply : cJSON_GetObjectItemCaseSensitive(reply, "result");
    if (traces) {
        traces_alone(traces, 0);
        traces_alone(traces, 1);
    }
    cJSON_Delete(reply);
    return 0;
}
