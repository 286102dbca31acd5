/*
 * cmd_block.c — `fundtrace block HEIGHT|HASH|FROM-TO|tip [--chain bitcoin]`: indexed blocks
 * and their figures, read back from the store ("tip": the index's last block).
 *
 * Text output is CSV (RFC 4180, no quoting needed: every cell is a number or hex), one row per
 * block, with the columns of datasets' block summaries so the two can be compared directly:
 *     height,hash,prev,time,ntx,n_inputs,n_outputs,total_output_sat,coinbase_output_sat
 * n_inputs counts serialised inputs (a coinbase's one included). With --json one object for
 * one block, an array for a range:
 *     {"chain","network","height","hash","prev","time" (ISO 8601 UTC),"timestamp","tx_count",
 *      "n_inputs","n_outputs","total_output","coinbase_output" (BTC decimal strings),"txids"}
 * Exit codes: 0 ok, 1 index unreadable, 2 no such block, 129 usage.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/btc_index.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/query.h"

#include "engine/banned.h"

#define MAX_RANGE 1000000u

const char cmd_block_usage[] =
    "usage: fundtrace [--json] block HEIGHT|HASH|FROM-TO|tip [--chain bitcoin]\n"
    "\n"
    "Shows indexed blocks: hash, parent, time, transaction, input and output counts, total\n"
    "output and coinbase output. Text output is CSV with a header row:\n"
    "  height,hash,prev,time,ntx,n_inputs,n_outputs,total_output_sat,coinbase_output_sat\n"
    "With --json an object per block (an array for a range) with the txids.\n"
    "\n"
    "Exit codes: 0 ok, 1 index unreadable, 2 no such block, 129 usage error.\n";

static cJSON *block_json(const ft_query_blockview *v, const ft_btc_params *net)
{
    char amt[FT_AMOUNT_STR_MAX], hex[65];
    cJSON *o = cJSON_CreateObject();
    ft_cli_json_str(o, "chain", "bitcoin", 0);
    ft_cli_json_str(o, "network", net->name, 0);
    ft_cli_json_num(o, "height", v->height);
    ft_cli_json_hash(o, "hash", v->rec.hash);
    ft_cli_json_hash(o, "prev", v->rec.prev);
    ft_cli_json_time(o, "time", v->rec.time);
    ft_cli_json_num(o, "timestamp", (double)v->rec.time);
    ft_cli_json_num(o, "tx_count", v->rec.n_tx);
    ft_cli_json_num(o, "n_inputs", (double)v->n_inputs);
    ft_cli_json_num(o, "n_outputs", (double)v->n_outputs);
    ft_cli_btc_amount(amt, v->total_output);
    ft_cli_json_str(o, "total_output", amt, 0);
    ft_cli_btc_amount(amt, v->coinbase_output);
    ft_cli_json_str(o, "coinbase_output", amt, 0);
    cJSON *txids = cJSON_CreateArray();
    cJSON_AddItemToObject(o, "txids", txids);
    for (uint32_t i = 0; i < v->rec.n_tx; i++) {
        ft_hex_encode_rev(hex, v->txids[i], 32);
        cJSON_AddItemToArray(txids, cJSON_CreateString(hex));
    }
    return o;
}

static void block_csv(const ft_query_blockview *v)
{
    char hash[65], prev[65], total[48];
    ft_hex_encode_rev(hash, v->rec.hash, 32);
    ft_hex_encode_rev(prev, v->rec.prev, 32);
    ft_u128_format(total, v->total_output);
    printf("%u,%s,%s,%lld,%u,%llu,%llu,%s,%llu\n", v->height, hash, prev, (long long)v->rec.time,
           v->rec.n_tx, (unsigned long long)v->n_inputs, (unsigned long long)v->n_outputs, total,
           (unsigned long long)v->coinbase_output);
}

/* Parses HEIGHT, FROM-TO or a 64-digit hash (looked up in st). */
static int parse_which(ft_store *st, const char *arg, uint32_t *from, uint32_t *to)
{
    unsigned long long a, b;
    const char *dash = strchr(arg, '-');
    if (strlen(arg) == 64) {
        uint8_t hash[32];
        if (!ft_hex_decode_rev(hash, 32, arg, 64))
            return ft_cli_error(2, "malformed block hash '%s'", arg);
        ft_err err;
        ft_err_clear(&err);
        ft_status s = ft_query_block_height(st, FT_CHAIN_BTC, hash, from, &err);
        if (s == FT_ERR_NOTFOUND)
            return ft_cli_error(2, "block '%s' not in the index", arg);
        if (s != FT_OK)
            return ft_cli_fail(s, &err);
        *to = *from;
        return 0;
    }
    if (dash) {
        char left[24];
        size_t n = (size_t)(dash - arg);
        if (n == 0 || n >= sizeof left)
            return ft_cli_usage_error("block", "bad block range '%s'", arg);
        memcpy(left, arg, n);
        left[n] = '\0';
        if (ft_cli_parse_u64(left, &a) != 0 || ft_cli_parse_u64(dash + 1, &b) != 0 || a > b ||
            b >= UINT32_MAX || b - a >= MAX_RANGE)
            return ft_cli_usage_error("block", "bad block range '%s'", arg);
    } else {
        if (ft_cli_parse_u64(arg, &a) != 0 || a >= UINT32_MAX)
            return ft_cli_usage_error("block", "'%s' is neither a height nor a block hash", arg);
        b = a;
    }
    *from = (uint32_t)a;
    *to = (uint32_t)b;
    return 0;
}

int cmd_block(ft_cli *cli, int argc, char **argv)
{
    const char *chain = NULL;
    const ft_opt opts[] = {{"chain", 1, &chain, NULL}, {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int n_pos = 0;
    int rc = ft_cli_parse("block", argc, argv, opts, pos, 1, &n_pos);
    if (rc)
        return rc;
    if (n_pos != 1)
        return ft_cli_usage_error("block", "which block? give a height, a range or a hash");
    if ((rc = ft_cli_btc_chain_arg("block", chain)) != 0)
        return rc;
    ft_store *st;
    const ft_btc_params *net;
    ft_query_chainrec rec;
    if ((rc = ft_cli_btc_open(cli, &st, &net, &rec)) != 0)
        return rc;
    uint32_t from = 0, to = 0;
    if (strcmp(pos[0], "tip") == 0 && rec.has_tip)
        from = to = rec.tip_height;
    else if ((rc = parse_which(st, pos[0], &from, &to)) != 0) {
        ft_store_close(st);
        return rc;
    }
    if (!rec.has_tip || to > rec.tip_height) {
        ft_store_close(st);
        return ft_cli_error(2, "no block at height %u in the index (tip %u)",
                            rec.has_tip && from > rec.tip_height ? from : to, rec.tip_height);
    }
    cJSON *arr = cli->json && from != to ? cJSON_CreateArray() : NULL;
    if (!cli->json)
        printf("height,hash,prev,time,ntx,n_inputs,n_outputs,total_output_sat,"
               "coinbase_output_sat\n");
    for (uint32_t h = from;; h++) {
        ft_err err;
        ft_err_clear(&err);
        ft_query_blockview v;
        ft_status s = ft_query_block_view(st, FT_CHAIN_BTC, h, &v, &err);
        if (s != FT_OK) {
            cJSON_Delete(arr);
            ft_store_close(st);
            return ft_cli_fail(s, &err);
        }
        if (!cli->json) {
            block_csv(&v);
        } else if (arr) {
            cJSON_AddItemToArray(arr, block_json(&v, net));
        } else {
            rc = ft_cli_json_print(block_json(&v, net));
        }
        ft_query_blockview_release(&v);
        if (h == to)
            break;
    }
    ft_store_close(st);
    if (arr)
        rc = ft_cli_json_print(arr);
    return rc;
}
