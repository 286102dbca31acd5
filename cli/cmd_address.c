/*
 * cmd_address.c — `fundtrace address ADDRESS [--chain bitcoin] [--limit N]`: what the index
 * knows about one address, from one prefix scan over its history rows.
 *
 * --json (ARCHITECTURE.md section 6), one object:
 *     {"chain","network","address","labels":[],"cluster":null,"received","sent","balance",
 *      "tx_count","first_seen","last_seen","exposure":[],
 *      "history_rows","history":[{"txid","height","time","direction":"in"|"out","n",
 *      "value"}]}
 * labels, cluster and exposure stay empty until labels, clustering and tracing exist. The
 * history lists the oldest --limit rows (default 100): "in" = an output paid to the address
 * (n = vout), "out" = an input spending one of its outputs (n = vin).
 * An invalid address is exit 2 saying what is wrong; a valid address never seen gives zeros,
 * null times and exit 0.
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

#define DEFAULT_LIMIT 100

const char cmd_address_usage[] =
    "usage: fundtrace [--json] address ADDRESS [--chain bitcoin] [--limit N]\n"
    "\n"
    "Investigates one address: received, sent, balance, number of transactions, first and\n"
    "last seen, and its oldest history rows.\n"
    "\n"
    "  ADDRESS         base58 (1…, 3…), bech32 (bc1q…) or bech32m (bc1p…) for the index's\n"
    "                  network; also multisig:<hex> and nonstandard:<hex> keys\n"
    "  --chain CHAIN   bitcoin (the default)\n"
    "  --limit N       history rows to list (default 100; 0 for none)\n"
    "\n"
    "With --json one object: chain, address, labels, cluster, received, sent, balance (BTC\n"
    "as exact decimal strings), tx_count, first_seen, last_seen (ISO 8601 UTC), exposure,\n"
    "history.\n"
    "\n"
    "Exit codes: 0 ok (an address never seen has zeros), 1 index unreadable, 2 invalid\n"
    "address, 129 usage error.\n";

static void print_text(const char *text, const ft_query_addrview *v)
{
    char amt[FT_AMOUNT_STR_MAX], iso[FT_TIME_ISO8601_MAX], hex[65];
    printf("address     %s\n", text);
    if (!v->found) {
        printf("never seen in the index\n");
        return;
    }
    ft_cli_btc_amount(amt, v->received);
    printf("received    %s BTC\n", amt);
    ft_cli_btc_amount(amt, v->sent);
    printf("sent        %s BTC\n", amt);
    ft_cli_btc_amount(amt, v->balance);
    printf("balance     %s BTC\n", amt);
    printf("txs         %llu\n", (unsigned long long)v->tx_count);
    printf("first seen  %s\n", ft_time_iso8601(iso, v->first_seen));
    printf("last seen   %s\n", ft_time_iso8601(iso, v->last_seen));
    if (v->n_listed)
        printf("history (%zu of %llu rows)\n", v->n_listed, (unsigned long long)v->n_rows);
    for (size_t i = 0; i < v->n_listed; i++) {
        const ft_query_hist_row *r = &v->rows[i];
        ft_hex_encode_rev(hex, r->txid, 32);
        ft_cli_btc_amount(amt, r->value);
        printf("  %s  %7u  %s %s:%u  %17s\n", ft_time_iso8601(iso, r->time), r->height,
               r->dir == FT_HIST_RECV ? "in " : "out", hex, r->index, amt);
    }
}

static int print_json(const char *text, const ft_query_addrview *v, const ft_btc_params *net)
{
    char amt[FT_AMOUNT_STR_MAX];
    cJSON *o = cJSON_CreateObject();
    ft_cli_json_str(o, "chain", "bitcoin", 0);
    ft_cli_json_str(o, "network", net->name, 0);
    ft_cli_json_str(o, "address", text, 0);
    cJSON_AddItemToObject(o, "labels", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "cluster", cJSON_CreateNull());
    ft_cli_btc_amount(amt, v->received);
    ft_cli_json_str(o, "received", amt, 0);
    ft_cli_btc_amount(amt, v->sent);
    ft_cli_json_str(o, "sent", amt, 0);
    ft_cli_btc_amount(amt, v->balance);
    ft_cli_json_str(o, "balance", amt, 0);
    ft_cli_json_num(o, "tx_count", (double)v->tx_count);
    if (v->found && v->n_rows) {
        ft_cli_json_time(o, "first_seen", v->first_seen);
        ft_cli_json_time(o, "last_seen", v->last_seen);
    } else {
        ft_cli_json_str(o, "first_seen", NULL, 1);
        ft_cli_json_str(o, "last_seen", NULL, 1);
    }
    cJSON_AddItemToObject(o, "exposure", cJSON_CreateArray());
    ft_cli_json_num(o, "history_rows", (double)v->n_rows);
    cJSON *hist = cJSON_CreateArray();
    cJSON_AddItemToObject(o, "history", hist);
    for (size_t i = 0; i < v->n_listed; i++) {
        const ft_query_hist_row *r = &v->rows[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(hist, j);
        ft_cli_json_hash(j, "txid", r->txid);
        ft_cli_json_num(j, "height", r->height);
        ft_cli_json_time(j, "time", r->time);
        ft_cli_json_str(j, "direction", r->dir == FT_HIST_RECV ? "in" : "out", 0);
        ft_cli_json_num(j, "n", r->index);
        ft_cli_btc_amount(amt, r->value);
        ft_cli_json_str(j, "value", amt, 0);
    }
    return ft_cli_json_print(o);
}

int cmd_address(ft_cli *cli, int argc, char **argv)
{
    /* an EVM chain (--chain ethereum|dev|…, or a 0x… address): the account-model side */
    if (ft_cli_eth_route(argc, argv, 1))
        return ft_cli_eth_address_cmd(cli, argc, argv);
    const char *chain = NULL, *limit_s = NULL;
    const ft_opt opts[] = {
        {"chain", 1, &chain, NULL}, {"limit", 1, &limit_s, NULL}, {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int n_pos = 0;
    int rc = ft_cli_parse("address", argc, argv, opts, pos, 1, &n_pos);
    if (rc)
        return rc;
    if (n_pos != 1)
        return ft_cli_usage_error("address", "which address?");
    if ((rc = ft_cli_btc_chain_arg("address", chain)) != 0)
        return rc;
    unsigned long long limit = DEFAULT_LIMIT;
    if (limit_s && (ft_cli_parse_u64(limit_s, &limit) != 0 || limit > 1000000))
        return ft_cli_usage_error("address", "option '--limit' needs a number up to 1000000");

    ft_store *st;
    const ft_btc_params *net;
    ft_query_chainrec rec;
    if ((rc = ft_cli_btc_open(cli, &st, &net, &rec)) != 0)
        return rc;
    ft_err err;
    ft_err_clear(&err);
    ft_addr_key key;
    ft_status s = ft_btc_address_decode(&key, pos[0], net, &err);
    if (s != FT_OK) {
        ft_store_close(st);
        if (!err.msg[0])
            return ft_cli_error(2, "invalid %s address '%.100s'", net->name, pos[0]);
        return ft_cli_error(2, "invalid %s address '%.100s': %s", net->name, pos[0], err.msg);
    }
    ft_query_addrview v;
    s = ft_query_address_view(st, FT_CHAIN_BTC, &key, (size_t)limit, &v, &err);
    ft_store_close(st);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    /* echo the canonical form (bech32 lowercase), as the index prints addresses */
    char canon[FT_BTC_ADDR_STR_MAX];
    ft_cli_btc_address(canon, &key, net);
    if (cli->json)
        rc = print_json(canon, &v, net);
    else
        print_text(canon, &v);
    ft_query_addrview_release(&v);
    return rc;
}
