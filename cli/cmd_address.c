/*
 * cmd_address.c — `fundtrace address ADDRESS [--chain bitcoin] [--limit N]`: what the index
 * knows about one address, from one prefix scan over its history rows plus a few point reads
 * for its labels and cluster.
 *
 * --json (ARCHITECTURE.md section 6), one object:
 *     {"chain","network","address","labels":[{"entity","category","source"}],
 *      "cluster":{"id","size","labels":[{"entity","category"}]}|null,"received","sent",
 *      "balance","tx_count","first_seen","last_seen",
 *      "exposure":[{"incident","model","amount"}],
 *      "history_rows","history":[{"txid","height","time","direction":"in"|"out","n",
 *      "value"}]}
 * labels: every stored label of the address (one prefix scan, engine/labels), present
 * whether or not the address was ever seen on chain. cluster: null when the chain was never
 * clustered (no run record) or the address was never seen; otherwise the stored cluster of
 * its address id (engine/clusterstore: two point reads). An address without a cluster
 * record is its own cluster: id = its address id, size 1, and as labels its first label in
 * key order (the entity `cluster` gives an address when it builds cluster labels).
 * exposure: [{"incident","model","amount"}], what the address received from each incident
 * under each taint model as the last `fundtrace trace` of that incident stored it
 * (engine/exposure: one prefix scan by address key; sorted by incident id, then model
 * poison, haircut, fifo); [] for an address no stored trace reached. The history lists the
 * oldest --limit rows (default 100): "in" = an output paid to the address (n = vout), "out"
 * = an input spending one of its outputs (n = vin).
 * An invalid address is exit 2 saying what is wrong; a valid address never seen gives zeros,
 * null times and exit 0.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/btc_index.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/eth_index.h"
#include "engine/clusterstore.h"
#include "engine/exposure.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/labels.h"
#include "engine/query.h"
#include "engine/timefmt.h"
#include "heuristics/taint.h"

#include "engine/banned.h"

#define DEFAULT_LIMIT 100

const char cmd_address_usage[] =
    "usage: fundtrace [--json] address ADDRESS [--chain CHAIN] [--limit N]\n"
    "\n"
    "Investigates one address: received, sent, balance, number of transactions, first and\n"
    "last seen, its labels, its cluster (after 'fundtrace cluster'), its exposure to the\n"
    "traced incidents (after 'fundtrace trace' or 'report': what it received from each\n"
    "incident under each taint model, per asset on an EVM chain) and its oldest history rows.\n"
    "\n"
    "  ADDRESS         base58 (1…, 3…), bech32 (bc1q…) or bech32m (bc1p…) for the index's\n"
    "                  network; also multisig:<hex> and nonstandard:<hex> keys; on an EVM\n"
    "                  chain 0x and 40 hex digits (any case, printed EIP-55)\n"
    "  --chain CHAIN   bitcoin (the default for a Bitcoin address), ethereum, bsc, polygon,\n"
    "                  arbitrum, avalanche or dev (a 0x… address: the index's EVM chain)\n"
    "  --limit N       history rows to list (default 100; 0 for none; Bitcoin only)\n"
    "\n"
    "With --json one object: chain, address, labels ({entity, category, source}), cluster\n"
    "({id, size, labels}; null before clustering or for an address never seen), received,\n"
    "sent, balance (BTC as exact decimal strings), tx_count, first_seen, last_seen (ISO 8601\n"
    "UTC), exposure ({incident, model, amount}; on an EVM chain also asset: ETH or the token\n"
    "contract, symbol and decimals, the amount in the asset's units), history (Bitcoin) or\n"
    "tokens (EVM).\n"
    "\n"
    "Exit codes: 0 ok (an address never seen has zeros), 1 index unreadable, 2 invalid\n"
    "address, 129 usage error.\n";

/* Labels and cluster of the address (the parts that come from `labels import` and
 * `cluster`). */
typedef struct addr_extra {
    ft_label_set labels;
    int clustered; /* 1: the chain was clustered and the address was seen */
    uint64_t cluster_id, cluster_size;
    ft_clusterstore_label *cl; /* malloc()ed by ft_clusterstore_lookup, or own (singleton) */
    size_t n_cl;
    ft_exposure_set exposure; /* stored exposure rows of the address */
    int any_trace;            /* text output only: some trace stored exposure in the index */
} addr_extra;

static void addr_extra_release(addr_extra *x)
{
    ft_label_set_release(&x->labels);
    ft_exposure_set_release(&x->exposure);
    free(x->cl);
    memset(x, 0, sizeof *x);
}

/* Reads the labels of key, its exposure and, when the chain was clustered and the address
 * has an id, its cluster: two prefix scans and at most three point reads (one more seek for
 * the text output of an address without exposure). */
static ft_status addr_extra_get(ft_store *st, const ft_addr_key *key, const ft_query_addrview *v,
                                int text, addr_extra *x, ft_err *err)
{
    memset(x, 0, sizeof *x);
    ft_status s = ft_labels_get(st, FT_CHAIN_BTC, key, &x->labels, err);
    if (s != FT_OK)
        return s;
    if (!v->found)
        return FT_OK;
    s = ft_exposure_get(st, FT_CHAIN_BTC, key, &x->exposure, err);
    if (s == FT_OK && text && x->exposure.n == 0)
        s = ft_exposure_any(st, FT_CHAIN_BTC, &x->any_trace, err);
    if (s != FT_OK)
        return s;
    ft_clusterstore_run run;
    s = ft_clusterstore_run_get(st, FT_CHAIN_BTC, &run, err);
    if (s == FT_ERR_NOTFOUND) {
        ft_err_clear(err);
        return FT_OK;
    }
    if (s != FT_OK)
        return s;
    s = ft_clusterstore_lookup(st, FT_CHAIN_BTC, v->addr_id, &x->cluster_id, &x->cluster_size,
                               &x->cl, &x->n_cl, err);
    if (s != FT_OK)
        return s;
    x->clustered = 1;
    if (x->cluster_size == 1 && x->n_cl == 0 && x->labels.n > 0) {
        /* its own cluster: the address's entity, as `cluster` would have recorded it */
        x->cl = calloc(1, sizeof *x->cl);
        if (!x->cl)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for cluster labels");
        x->cl[0].category = x->labels.v[0].category;
        snprintf(x->cl[0].entity, sizeof x->cl[0].entity, "%s", x->labels.v[0].entity);
        x->n_cl = 1;
    }
    return FT_OK;
}

static void print_text(const char *text, const ft_query_addrview *v, const addr_extra *x)
{
    char amt[FT_AMOUNT_STR_MAX], iso[FT_TIME_ISO8601_MAX], hex[65];
    printf("address     %s\n", text);
    printf("labels      ");
    if (!x->labels.n)
        printf("none");
    for (size_t i = 0; i < x->labels.n; i++) {
        const ft_label *l = &x->labels.v[i];
        printf("%s%s (%s, source %s)", i ? "; " : "", l->entity, ft_label_cat_name(l->category),
               l->source);
    }
    printf("\n");
    if (!v->found)
        printf("cluster     none (address never seen)\n");
    else if (!x->clustered)
        printf("cluster     none (index not clustered: run 'fundtrace cluster')\n");
    else {
        printf("cluster     %llu, size %llu, labels ", (unsigned long long)x->cluster_id,
               (unsigned long long)x->cluster_size);
        if (!x->n_cl)
            printf("none");
        for (size_t i = 0; i < x->n_cl; i++)
            printf("%s%s (%s)", i ? "; " : "", x->cl[i].entity,
                   ft_label_cat_name(x->cl[i].category));
        printf("\n");
    }
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
    if (!x->exposure.n)
        printf("exposure    none%s\n",
               x->any_trace ? "" : " (no trace stored: run 'fundtrace trace')");
    for (size_t i = 0; i < x->exposure.n; i++) {
        const ft_exposure_row *e = &x->exposure.v[i];
        ft_cli_btc_amount(amt, e->amount);
        printf("%s%s, %s: %s BTC\n", i ? "            " : "exposure    ", e->incident,
               ft_taint_model_get(e->model)->name, amt);
    }
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

static void json_extra(cJSON *o, const addr_extra *x)
{
    cJSON *labels = cJSON_AddArrayToObject(o, "labels");
    for (size_t i = 0; labels && i < x->labels.n; i++) {
        const ft_label *l = &x->labels.v[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(labels, j);
        ft_cli_json_str(j, "entity", l->entity, 0);
        ft_cli_json_str(j, "category", ft_label_cat_name(l->category), 0);
        ft_cli_json_str(j, "source", l->source, 0);
    }
    if (!x->clustered) {
        cJSON_AddItemToObject(o, "cluster", cJSON_CreateNull());
        return;
    }
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "cluster", c);
    ft_cli_json_num(c, "id", (double)x->cluster_id);
    ft_cli_json_num(c, "size", (double)x->cluster_size);
    cJSON *cl = cJSON_AddArrayToObject(c, "labels");
    for (size_t i = 0; cl && i < x->n_cl; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(cl, j);
        ft_cli_json_str(j, "entity", x->cl[i].entity, 0);
        ft_cli_json_str(j, "category", ft_label_cat_name(x->cl[i].category), 0);
    }
}

static int print_json(const char *text, const ft_query_addrview *v, const addr_extra *x,
                      const ft_btc_params *net)
{
    char amt[FT_AMOUNT_STR_MAX];
    cJSON *o = cJSON_CreateObject();
    ft_cli_json_str(o, "chain", "bitcoin", 0);
    ft_cli_json_str(o, "network", net->name, 0);
    ft_cli_json_str(o, "address", text, 0);
    json_extra(o, x);
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
    cJSON *exp = cJSON_CreateArray();
    cJSON_AddItemToObject(o, "exposure", exp);
    for (size_t i = 0; i < x->exposure.n; i++) {
        const ft_exposure_row *e = &x->exposure.v[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(exp, j);
        ft_cli_json_str(j, "incident", e->incident, 0);
        ft_cli_json_str(j, "model", ft_taint_model_get(e->model)->name, 0);
        ft_cli_btc_amount(amt, e->amount);
        ft_cli_json_str(j, "amount", amt, 0);
    }
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
    addr_extra x;
    memset(&x, 0, sizeof x);
    if (s == FT_OK)
        s = addr_extra_get(st, &key, &v, !cli->json, &x, &err);
    ft_store_close(st);
    if (s != FT_OK) {
        addr_extra_release(&x);
        ft_query_addrview_release(&v);
        return ft_cli_fail(s, &err);
    }
    /* echo the canonical form (bech32 lowercase), as the index prints addresses */
    char canon[FT_BTC_ADDR_STR_MAX];
    ft_cli_btc_address(canon, &key, net);
    if (cli->json)
        rc = print_json(canon, &v, &x, net);
    else
        print_text(canon, &v, &x);
    addr_extra_release(&x);
    ft_query_addrview_release(&v);
    return rc;
}
