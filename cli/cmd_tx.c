/*
 * cmd_tx.c — `fundtrace tx TXID [--chain bitcoin]`: one indexed transaction, its inputs
 * resolved to the outputs they spend and its outputs with their spenders.
 *
 * --json (ARCHITECTURE.md section 6), one object:
 *     {"chain","network","txid","height","block_hash","time" (ISO 8601 UTC),"timestamp",
 *      "coinbase","fee","input_value","output_value",
 *      "inputs":[{"address","value","type","txid","vout"}],
 *      "outputs":[{"address","value","type","n","spent_by" ("txid:vin" or null)}]}
 * Amounts are exact BTC decimal strings; "fee" is "0.00000000" for a coinbase, whose inputs
 * list is empty. An output without an address (OP_RETURN) has "address": null. In a partial
 * index (started above genesis) an input spending an output older than the index is
 * unresolved: "address", "value" null, "type" "unknown", "unresolved": true; the tx's "fee"
 * and "input_value" are then null (text output says why). Resolved inputs have
 * "unresolved": false.
 * Exit codes: 0 ok; 1 index unreadable; 2 malformed TXID, or the tx is not in the index
 * ("error: transaction '…' not in the index"); 129 usage.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "cli/btc_index.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/eth_index.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/query.h"
#include "engine/timefmt.h"

#include "engine/banned.h"

const char cmd_tx_usage[] =
    "usage: fundtrace [--json] tx TXID [--chain bitcoin]\n"
    "\n"
    "Shows an indexed transaction: block, time, fee, every input with the address and value\n"
    "of the output it spends, every output with the transaction that spent it.\n"
    "\n"
    "  TXID            64 hex digits, as block explorers show it\n"
    "  --chain CHAIN   bitcoin (the default)\n"
    "\n"
    "With --json one object: chain, txid, height, time, fee, inputs [{address, value, type,\n"
    "txid, vout, unresolved}], outputs [{address, value, type, n, spent_by}]; amounts in BTC\n"
    "as exact decimal strings.\n"
    "\n"
    "In an index started above genesis (index bitcoin --from N), an input spending an output\n"
    "created before block N is unresolved: its address and value are unknown (null in JSON),\n"
    "and so are the fee and the input total.\n"
    "\n"
    "Exit codes: 0 ok, 1 index unreadable, 2 malformed or unknown TXID, 129 usage error.\n";

static void print_text(const ft_query_txview *v, const ft_btc_params *net)
{
    char hex[65], amt[FT_AMOUNT_STR_MAX], addr[FT_BTC_ADDR_STR_MAX], iso[FT_TIME_ISO8601_MAX];
    ft_hex_encode_rev(hex, v->txid, 32);
    printf("tx       %s%s\n", hex, v->coinbase ? " (coinbase)" : "");
    ft_hex_encode_rev(hex, v->block_hash, 32);
    printf("block    %u %s\n", v->height, hex);
    printf("time     %s\n", ft_time_iso8601(iso, v->time));
    if (v->n_unresolved) {
        printf("fee      unknown (%u input%s spend%s outputs created before the index's first "
               "block)\n",
               v->n_unresolved, v->n_unresolved == 1 ? "" : "s", v->n_unresolved == 1 ? "s" : "");
        printf("inputs   %u, unknown BTC\n", v->n_inputs);
    } else {
        ft_cli_btc_amount(amt, v->fee);
        printf("fee      %s BTC\n", amt);
        ft_cli_btc_amount(amt, v->input_total);
        printf("inputs   %u, %s BTC\n", v->coinbase ? v->n_in : v->n_inputs,
               v->coinbase ? "new coins" : amt);
    }
    for (uint32_t i = 0; i < v->n_inputs; i++) {
        const ft_query_input *in = &v->inputs[i];
        ft_hex_encode_rev(hex, in->prev_txid, 32);
        if (in->unresolved) {
            printf("  %-4u %-42s %17s  %-11s from %s:%u\n", i, "(unknown: before the index)",
                   "unknown", "unknown", hex, in->prev_vout);
            continue;
        }
        ft_cli_btc_address(addr, &in->addr, net);
        ft_cli_btc_amount(amt, in->value);
        printf("  %-4u %-42s %17s  %-11s from %s:%u\n", i, addr[0] ? addr : "(no address)", amt,
               ft_cli_btc_type(in->script_type), hex, in->prev_vout);
    }
    ft_cli_btc_amount(amt, v->output_total);
    printf("outputs  %u, %s BTC\n", v->n_out, amt);
    for (uint32_t i = 0; i < v->n_out; i++) {
        const ft_query_output *o = &v->outputs[i];
        ft_cli_btc_address(addr, &o->addr, net);
        ft_cli_btc_amount(amt, o->value);
        if (o->spent) {
            ft_hex_encode_rev(hex, o->spent_by_txid, 32);
            printf("  %-4u %-42s %17s  %-11s spent by %s:%u\n", i, addr[0] ? addr : "(no address)",
                   amt, ft_cli_btc_type(o->script_type), hex, o->spent_by_vin);
        } else {
            printf("  %-4u %-42s %17s  %-11s unspent\n", i, addr[0] ? addr : "(no address)", amt,
                   ft_cli_btc_type(o->script_type));
        }
    }
}

static int print_json(const ft_query_txview *v, const ft_btc_params *net)
{
    char hex[65], amt[FT_AMOUNT_STR_MAX], addr[FT_BTC_ADDR_STR_MAX], ref[80];
    cJSON *o = cJSON_CreateObject();
    ft_cli_json_str(o, "chain", "bitcoin", 0);
    ft_cli_json_str(o, "network", net->name, 0);
    ft_cli_json_hash(o, "txid", v->txid);
    ft_cli_json_num(o, "height", v->height);
    ft_cli_json_hash(o, "block_hash", v->block_hash);
    ft_cli_json_time(o, "time", v->time);
    ft_cli_json_num(o, "timestamp", (double)v->time);
    cJSON_AddItemToObject(o, "coinbase", cJSON_CreateBool(v->coinbase));
    ft_cli_btc_amount(amt, v->fee);
    ft_cli_json_str(o, "fee", v->n_unresolved ? NULL : amt, 0);
    ft_cli_btc_amount(amt, v->input_total);
    ft_cli_json_str(o, "input_value", v->n_unresolved ? NULL : amt, 0);
    ft_cli_btc_amount(amt, v->output_total);
    ft_cli_json_str(o, "output_value", amt, 0);
    cJSON *ins = cJSON_CreateArray();
    cJSON_AddItemToObject(o, "inputs", ins);
    for (uint32_t i = 0; i < v->n_inputs; i++) {
        const ft_query_input *in = &v->inputs[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(ins, j);
        ft_cli_btc_address(addr, &in->addr, net);
        ft_cli_json_str(j, "address", addr, 1);
        ft_cli_btc_amount(amt, in->value);
        ft_cli_json_str(j, "value", in->unresolved ? NULL : amt, 0);
        ft_cli_json_str(j, "type", ft_cli_btc_type(in->script_type), 0);
        ft_cli_json_hash(j, "txid", in->prev_txid);
        ft_cli_json_num(j, "vout", in->prev_vout);
        cJSON_AddItemToObject(j, "unresolved", cJSON_CreateBool(in->unresolved));
    }
    cJSON *outs = cJSON_CreateArray();
    cJSON_AddItemToObject(o, "outputs", outs);
    for (uint32_t i = 0; i < v->n_out; i++) {
        const ft_query_output *out = &v->outputs[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(outs, j);
        ft_cli_btc_address(addr, &out->addr, net);
        ft_cli_json_str(j, "address", addr, 1);
        ft_cli_btc_amount(amt, out->value);
        ft_cli_json_str(j, "value", amt, 0);
        ft_cli_json_str(j, "type", ft_cli_btc_type(out->script_type), 0);
        ft_cli_json_num(j, "n", i);
        if (out->spent) {
            ft_hex_encode_rev(hex, out->spent_by_txid, 32);
            snprintf(ref, sizeof ref, "%s:%u", hex, out->spent_by_vin);
            ft_cli_json_str(j, "spent_by", ref, 0);
        } else {
            ft_cli_json_str(j, "spent_by", NULL, 1);
        }
    }
    return ft_cli_json_print(o);
}

int cmd_tx(ft_cli *cli, int argc, char **argv)
{
    /* an EVM chain (--chain ethereum|dev|…, or a 0x… hash): the account-model side */
    if (ft_cli_eth_route(argc, argv, 0))
        return ft_cli_eth_tx_cmd(cli, argc, argv);
    const char *chain = NULL;
    const ft_opt opts[] = {{"chain", 1, &chain, NULL}, {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int n_pos = 0;
    int rc = ft_cli_parse("tx", argc, argv, opts, pos, 1, &n_pos);
    if (rc)
        return rc;
    if (n_pos != 1)
        return ft_cli_usage_error("tx", "which transaction? give its TXID");
    if ((rc = ft_cli_btc_chain_arg("tx", chain)) != 0)
        return rc;
    uint8_t txid[32];
    if (!ft_hex_decode_rev(txid, 32, pos[0], strlen(pos[0])))
        return ft_cli_error(2, "malformed txid '%.100s': expected 64 hex digits", pos[0]);

    ft_store *st;
    const ft_btc_params *net;
    ft_query_chainrec rec;
    if ((rc = ft_cli_btc_open(cli, &st, &net, &rec)) != 0)
        return rc;
    ft_err err;
    ft_err_clear(&err);
    ft_query_txview v;
    ft_status s = ft_query_tx_view(st, FT_CHAIN_BTC, txid, &v, &err);
    ft_store_close(st);
    if (s == FT_ERR_NOTFOUND) {
        char hex[65];
        ft_hex_encode_rev(hex, txid, 32);
        return ft_cli_error(2, "transaction '%s' not in the index", hex);
    }
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    if (cli->json)
        rc = print_json(&v, net);
    else
        print_text(&v, net);
    ft_query_txview_release(&v);
    return rc;
}
