/*
 * cmd_path.c — `fundtrace path FROM TO [--chain C] [--max-hops N] [--max-visits N] [--csv]`:
 * how did money get from address FROM to address TO? A shortest path (fewest hops) forward
 * in time, found by engine/pathfind. Bitcoin: straight over the index (ft_pathfind_run_store:
 * only the txs the search visits are read, ~0.1 s CPU on a 1M-tx index), or with
 * --load-graph over the loaded graph (ft_graph_load_utxo, ~1 s CPU per million txs; the same
 * result). An EVM chain: over ft_graph_load_account's graph. pathfind.h defines a hop, the
 * time rule and the order that picks one path among equally short ones.
 *
 * Output (stdout):
 *   text   "path FROM -> TO: N hops (CHAIN)", then one line per hop:
 *          "HOP  TIME  TXID  FROM -> TO  AMOUNT ASSET"
 *   --json {"chain","from","to","found","max_hops","max_visits","visits","outcome",
 *           "hops":[{"hop","txid","from","to","amount","asset","time"}]}
 *   --csv  paths.csv's hop columns: hop,chain,txid,from,to,amount,time (RFC 4180, the
 *          formula-injection rule of engine/csv.h), hops numbered from 1
 * amount = the value of the output (UTXO) / transfer (account) that carried the money to the
 * hop's `to`, an exact decimal string in asset units (a token without known decimals: base
 * units, its contract as the asset). Times ISO 8601 UTC.
 *
 * No path is still exit 0: JSON "found": false (CSV: the header only) and one line on stderr
 * that says why: none exists at all, none within --max-hops, or the --max-visits budget ran
 * out (then raising it may find one). Exit 1 index unreadable, 2 an address that is not
 * valid or not in the index (named), 129 usage.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chains/ethereum/address.h"
#include "cli/btc_index.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/eth_index.h"
#include "engine/account.h"
#include "engine/csv.h"
#include "engine/graph.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/log.h"
#include "engine/pathfind.h"
#include "engine/query.h"
#include "engine/timefmt.h"
#include "engine/u256.h"

#include "engine/banned.h"

const char cmd_path_usage[] =
    "usage: fundtrace [--json] path FROM TO [--chain C] [--max-hops N] [--max-visits N] [--csv]\n"
    "                 [--load-graph]\n"
    "\n"
    "Finds how money got from address FROM to address TO: a shortest chain of transactions\n"
    "(fewest hops), forward in time. Bitcoin: each hop spends an output the previous hop paid\n"
    "(the first spends an output of FROM, the last pays TO). EVM chains: each hop is a\n"
    "transfer (external, internal or token; fees never) out of the previous hop's recipient,\n"
    "later in execution order than the transfer that brought the money in (the same block or\n"
    "transaction allowed). Among equally short paths: the one whose last hop comes first in\n"
    "chain order, then the one whose hop before comes first, and so on.\n"
    "\n"
    "  FROM, TO          two addresses of one chain (Bitcoin in the index's network encoding;\n"
    "                    0x… EVM addresses in any case, printed EIP-55)\n"
    "  --chain C         bitcoin (default), or an EVM chain (ethereum, dev, …; the default for\n"
    "                    0x… addresses is the one EVM chain the index holds)\n"
    "  --max-hops N      longest path searched, 1 to 32 (default 6)\n"
    "  --max-visits N    work budget: transactions (transfers) examined (default 2000000)\n"
    "  --csv             paths.csv's hop columns: hop,chain,txid,from,to,amount,time\n"
    "  --load-graph      Bitcoin: load the whole graph first (about 1 s of CPU per million\n"
    "                    txs), then search in memory; by default the search reads only the\n"
    "                    txs it visits from the index (same result)\n"
    "\n"
    "Text: a header 'path FROM -> TO: N hops (CHAIN)', then per hop: hop, time, txid,\n"
    "from -> to, amount and asset. The amount is the value of the output (transfer) that\n"
    "carried the money to the hop's 'to'. With --json one object: chain, from, to, found,\n"
    "max_hops, outcome (found, no_path, hop_limit, visit_limit), visits, hops [{hop, txid,\n"
    "from, to, amount, asset, time}]; amounts are exact decimal strings, times ISO 8601 UTC.\n"
    "\n"
    "No path is not an error: exit 0, found false, and one line on stderr saying whether no\n"
    "path exists, none within --max-hops, or the visit budget ran out (raise --max-visits).\n"
    "\n"
    "Exit codes: 0 searched (found or not), 1 index unreadable, 2 an address that is invalid\n"
    "or not in the index, 129 usage error.\n";

#define ADDR_TEXT 128
#define ASSET_TEXT 64

typedef struct path_row {
    char txid[67];
    char from[ADDR_TEXT], to[ADDR_TEXT];
    char amount[FT_U256_DEC_MAX + 2];
    char asset[ASSET_TEXT];
    int64_t time;
} path_row;

typedef struct path_out {
    const char *chain;
    char from[ADDR_TEXT], to[ADDR_TEXT];
    uint32_t max_hops;
    uint64_t max_visits;
    ft_pathfind_result res;
    path_row rows[FT_PATHFIND_MAX_HOPS];
} path_out;

_Static_assert(ADDR_TEXT >= FT_BTC_ADDR_STR_MAX && ADDR_TEXT >= FT_ETH_ADDR_STR_MAX,
               "address text buffer too small");

static void print_text(const path_out *p)
{
    char iso[FT_TIME_ISO8601_MAX];
    printf("path %s -> %s: %u hop%s (%s)\n", p->from, p->to, p->res.n_hops,
           p->res.n_hops == 1 ? "" : "s", p->chain);
    for (uint32_t k = 0; k < p->res.n_hops; k++) {
        const path_row *r = &p->rows[k];
        printf("%u  %s  %s  %s -> %s  %s %s\n", k + 1, ft_time_iso8601(iso, r->time), r->txid,
               r->from, r->to, r->amount, r->asset);
    }
}

static int print_json(const path_out *p)
{
    cJSON *o = cJSON_CreateObject();
    ft_cli_json_str(o, "chain", p->chain, 0);
    ft_cli_json_str(o, "from", p->from, 0);
    ft_cli_json_str(o, "to", p->to, 0);
    cJSON_AddItemToObject(o, "found", cJSON_CreateBool(p->res.outcome == FT_PATH_FOUND));
    ft_cli_json_num(o, "max_hops", p->max_hops);
    ft_cli_json_num(o, "max_visits", (double)p->max_visits);
    ft_cli_json_str(o, "outcome", ft_pathfind_outcome_name(p->res.outcome), 0);
    ft_cli_json_num(o, "visits", (double)p->res.visits);
    cJSON *hops = cJSON_AddArrayToObject(o, "hops");
    for (uint32_t k = 0; hops && k < p->res.n_hops; k++) {
        const path_row *r = &p->rows[k];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(hops, j);
        ft_cli_json_num(j, "hop", k + 1);
        ft_cli_json_str(j, "txid", r->txid, 0);
        ft_cli_json_str(j, "from", r->from, 0);
        ft_cli_json_str(j, "to", r->to, 0);
        ft_cli_json_str(j, "amount", r->amount, 0);
        ft_cli_json_str(j, "asset", r->asset, 0);
        ft_cli_json_time(j, "time", r->time);
    }
    return ft_cli_json_print(o);
}

static void print_csv(const path_out *p)
{
    char iso[FT_TIME_ISO8601_MAX];
    fputs("hop,chain,txid,from,to,amount,time\n", stdout);
    for (uint32_t k = 0; k < p->res.n_hops; k++) {
        const path_row *r = &p->rows[k];
        printf("%u,", k + 1);
        ft_csv_cell(stdout, p->chain);
        fputc(',', stdout);
        ft_csv_cell(stdout, r->txid);
        fputc(',', stdout);
        ft_csv_cell(stdout, r->from);
        fputc(',', stdout);
        ft_csv_cell(stdout, r->to);
        fputc(',', stdout);
        ft_csv_cell(stdout, r->amount);
        fputc(',', stdout);
        ft_csv_cell(stdout, ft_time_iso8601(iso, r->time));
        fputc('\n', stdout);
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* --verbose: where the time went (graph load vs search) and the work done. */
static void log_timing(double t0, double t1, double t2, const path_out *p)
{
    ft_log(FT_LOG_DEBUG, "path: graph load %.1f ms, search %.2f ms, %llu visits, %s",
           t1 - t0, t2 - t1, (unsigned long long)p->res.visits,
           ft_pathfind_outcome_name(p->res.outcome));
}

/* Prints the result in the chosen form; when nothing was found, the one stderr line. */
static int emit(ft_cli *cli, int csv, const path_out *p)
{
    int rc = 0;
    if (cli->json)
        rc = print_json(p);
    else if (csv)
        print_csv(p);
    else if (p->res.outcome == FT_PATH_FOUND)
        print_text(p);
    if (p->res.outcome == FT_PATH_FOUND || cli->quiet)
        return rc;
    switch (p->res.outcome) {
    case FT_PATH_NONE:
        fprintf(stderr, "no path from %s to %s: no money of the first reaches the second\n",
                p->from, p->to);
        break;
    case FT_PATH_HOP_LIMIT:
        fprintf(stderr, "no path from %s to %s within %u hop%s\n", p->from, p->to, p->max_hops,
                p->max_hops == 1 ? "" : "s");
        break;
    default:
        fprintf(stderr,
                "no path from %s to %s found within %llu visits; raise --max-visits\n",
                p->from, p->to, (unsigned long long)p->max_visits);
        break;
    }
    return rc;
}

/* ---- Bitcoin -------------------------------------------------------------------------------- */

/* Address id of text (exit 2 naming it when invalid or never seen), or 0 and *id set. */
static int btc_addr(ft_store *st, const ft_btc_params *net, const char *text, uint64_t *id,
                    char canon[ADDR_TEXT])
{
    ft_err err;
    ft_err_clear(&err);
    ft_addr_key key;
    if (ft_btc_address_decode(&key, text, net, &err) != FT_OK) {
        if (!err.msg[0])
            return ft_cli_error(2, "invalid %s address '%.100s'", net->name, text);
        return ft_cli_error(2, "%s (network %s)", err.msg, net->name);
    }
    ft_status s = ft_query_addr_id(st, FT_CHAIN_BTC, &key, id, &err);
    if (s == FT_ERR_NOTFOUND)
        return ft_cli_error(2, "address '%.100s' not in the index", text);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_cli_btc_address(canon, &key, net);
    return 0;
}

/* Fills the text of every hop: one tx record and two address records per hop. */
static ft_status btc_rows(ft_store *st, const ft_btc_params *net, path_out *p, ft_err *err)
{
    for (uint32_t k = 0; k < p->res.n_hops; k++) {
        const ft_pathfind_hop *h = &p->res.hops[k];
        path_row *r = &p->rows[k];
        ft_query_txrec rec;
        ft_status s = ft_query_txrec_get(st, FT_CHAIN_BTC, h->tx, &rec, err);
        if (s != FT_OK)
            return s;
        ft_hex_encode_rev(r->txid, rec.txid, 32);
        uint64_t value = 0;
        int in_range = h->item >= rec.first_out && h->item - rec.first_out < rec.n_out;
        if (in_range)
            value = rec.out[h->item - rec.first_out].value;
        r->time = rec.time;
        ft_query_txrec_release(&rec);
        if (!in_range)
            return ft_err_set(err, FT_ERR_CORRUPT, "output %u is not an output of tx %u",
                              h->item, h->tx);
        ft_addr_key key;
        if ((s = ft_query_addr_key(st, FT_CHAIN_BTC, h->from, &key, err)) != FT_OK)
            return s;
        ft_cli_btc_address(r->from, &key, net);
        if ((s = ft_query_addr_key(st, FT_CHAIN_BTC, h->to, &key, err)) != FT_OK)
            return s;
        ft_cli_btc_address(r->to, &key, net);
        char amt[FT_AMOUNT_STR_MAX];
        ft_cli_btc_amount(amt, value);
        snprintf(r->amount, sizeof r->amount, "%s", amt);
        snprintf(r->asset, sizeof r->asset, "BTC");
    }
    return FT_OK;
}

static int path_btc(ft_cli *cli, const char *from_s, const char *to_s, int csv, int load_graph,
                    path_out *p)
{
    ft_store *st;
    const ft_btc_params *net;
    ft_query_chainrec rec;
    int rc = ft_cli_btc_open(cli, &st, &net, &rec);
    if (rc)
        return rc;
    uint64_t from = 0, to = 0;
    if ((rc = btc_addr(st, net, from_s, &from, p->from)) != 0 ||
        (rc = btc_addr(st, net, to_s, &to, p->to)) != 0) {
        ft_store_close(st);
        return rc;
    }
    if (from == to) {
        ft_store_close(st);
        return ft_cli_usage_error("path", "FROM and TO are the same address");
    }
    p->chain = "bitcoin";
    ft_err err;
    ft_err_clear(&err);
    ft_status s = FT_OK;
    double t0 = now_ms(), t1 = t0;
    if (load_graph) { /* the whole graph first: worth it for searches of millions of visits */
        ft_graph g;
        s = ft_graph_load_utxo(&g, st, FT_CHAIN_BTC, &err);
        t1 = now_ms();
        if (s == FT_OK && (from >= g.n_addr || to >= g.n_addr))
            s = ft_err_set(&err, FT_ERR_CORRUPT, "address id beyond the graph of index '%s'",
                           cli->db_path);
        if (s == FT_OK)
            s = ft_pathfind_run(&g, (uint32_t)from, (uint32_t)to, p->max_hops, p->max_visits,
                                &p->res, &err);
        ft_graph_release(&g);
    } else if (from >= UINT32_MAX || to >= UINT32_MAX) {
        s = ft_err_set(&err, FT_ERR_LIMIT, "address ids beyond 2^32 in index '%s'", cli->db_path);
    } else {
        s = ft_pathfind_run_store(st, FT_CHAIN_BTC, (uint32_t)from, (uint32_t)to, p->max_hops,
                                  p->max_visits, &p->res, &err);
    }
    if (s == FT_OK) {
        log_timing(t0, t1, now_ms(), p);
        s = btc_rows(st, net, p, &err);
    }
    ft_store_close(st);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    return emit(cli, csv, p);
}

/* ---- EVM chains ----------------------------------------------------------------------------- */

static int eth_addr(const ft_graph *g, const char *text, uint32_t *id, char canon[ADDR_TEXT])
{
    uint8_t a[20];
    ft_err err;
    ft_err_clear(&err);
    if (ft_eth_address_parse(a, text, strlen(text), &err) != FT_OK)
        return ft_cli_error(2, "invalid address '%.100s': %s", text, err.msg);
    ft_eth_address_format(canon, a);
    *id = ft_graph_account_addr_id(g, a);
    if (*id == 0)
        return ft_cli_error(2, "address '%s' not in the index", canon);
    return 0;
}

static void eth_rows(ft_store *st, const ft_graph *g, const ft_eth_params *prm, path_out *p)
{
    for (uint32_t k = 0; k < p->res.n_hops; k++) {
        const ft_pathfind_hop *h = &p->res.hops[k];
        path_row *r = &p->rows[k];
        uint32_t x = h->item;
        r->txid[0] = '0';
        r->txid[1] = 'x';
        ft_hex_encode(r->txid + 2, g->atx_hash[h->tx], 32);
        ft_eth_address_format(r->from, g->addr_bytes[h->from]);
        ft_eth_address_format(r->to, g->addr_bytes[h->to]);
        ft_u256 v = ft_u256_from_u128(g->xfer_amount[x]);
        uint32_t asset = g->xfer_asset ? g->xfer_asset[x] : 0;
        if (asset == 0) {
            ft_u256_format(r->amount, &v, prm->decimals);
            snprintf(r->asset, sizeof r->asset, "%s", prm->symbol);
        } else {
            ft_account_token t;
            memset(&t, 0, sizeof t);
            if (ft_account_token_get(st, prm->chain_byte, g->asset_addr[asset], &t, NULL) != FT_OK)
                memset(&t, 0, sizeof t);
            ft_u256_format(r->amount, &v, t.has_decimals ? t.decimals : 0);
            if (t.has_symbol && t.has_decimals) {
                snprintf(r->asset, sizeof r->asset, "%s", t.symbol);
            } else {
                char c[FT_ETH_ADDR_STR_MAX];
                ft_eth_address_format(c, g->asset_addr[asset]);
                snprintf(r->asset, sizeof r->asset, "%s", c);
            }
        }
        r->time = g->xfer_time[x];
    }
}

static int path_eth(ft_cli *cli, const char *from_s, const char *to_s, const char *chain, int csv,
                    path_out *p)
{
    uint8_t tmp[20];
    ft_err err;
    ft_err_clear(&err);
    /* check both addresses before opening anything: a typo is exit 2 whatever the index */
    if (ft_eth_address_parse(tmp, from_s, strlen(from_s), &err) != FT_OK)
        return ft_cli_error(2, "invalid address '%.100s': %s", from_s, err.msg);
    if (ft_eth_address_parse(tmp, to_s, strlen(to_s), &err) != FT_OK)
        return ft_cli_error(2, "invalid address '%.100s': %s", to_s, err.msg);
    ft_store *st;
    const ft_eth_params *prm;
    int rc = ft_cli_eth_open(cli, chain, &st, &prm);
    if (rc)
        return rc;
    p->chain = prm->name;
    ft_graph g;
    double t0 = now_ms();
    ft_status s = ft_graph_load_account(&g, st, prm->chain_byte, &err);
    double t1 = now_ms();
    if (s != FT_OK) {
        ft_store_close(st);
        return ft_cli_fail(s, &err);
    }
    uint32_t from = 0, to = 0;
    if ((rc = eth_addr(&g, from_s, &from, p->from)) == 0 &&
        (rc = eth_addr(&g, to_s, &to, p->to)) == 0 && from == to)
        rc = ft_cli_usage_error("path", "FROM and TO are the same address");
    if (rc == 0) {
        s = ft_pathfind_run(&g, from, to, p->max_hops, p->max_visits, &p->res, &err);
        log_timing(t0, t1, now_ms(), p);
        if (s == FT_OK)
            eth_rows(st, &g, prm, p);
        else
            rc = ft_cli_fail(s, &err);
    }
    ft_graph_release(&g);
    ft_store_close(st);
    if (rc)
        return rc;
    return emit(cli, csv, p);
}

int cmd_path(ft_cli *cli, int argc, char **argv)
{
    const char *chain = NULL, *hops_s = NULL, *visits_s = NULL;
    int csv = 0, load_graph = 0;
    const ft_opt opts[] = {{"chain", 1, &chain, NULL},
                           {"load-graph", 0, NULL, &load_graph},
                           {"max-hops", 1, &hops_s, NULL},
                           {"max-visits", 1, &visits_s, NULL},
                           {"csv", 0, NULL, &csv},
                           {NULL, 0, NULL, NULL}};
    const char *pos[2];
    int n_pos = 0;
    int rc = ft_cli_parse("path", argc, argv, opts, pos, 2, &n_pos);
    if (rc)
        return rc;
    if (n_pos != 2)
        return ft_cli_usage_error("path", "give two addresses: FROM and TO");
    unsigned long long hops = FT_PATHFIND_DEFAULT_HOPS, visits = FT_PATHFIND_DEFAULT_VISITS;
    if (hops_s &&
        (ft_cli_parse_u64(hops_s, &hops) != 0 || hops < 1 || hops > FT_PATHFIND_MAX_HOPS))
        return ft_cli_usage_error("path", "--max-hops needs a number from 1 to %d, not '%s'",
                                  FT_PATHFIND_MAX_HOPS, hops_s);
    if (visits_s && (ft_cli_parse_u64(visits_s, &visits) != 0 || visits < 1 ||
                     visits > 4000000000000ULL))
        return ft_cli_usage_error("path", "--max-visits needs a number from 1 to 4e12, not '%s'",
                                  visits_s);
    if (csv && cli->json)
        return ft_cli_usage_error("path", "--csv and --json exclude each other");
    path_out *p = calloc(1, sizeof *p);
    if (!p)
        return ft_cli_error(1, "out of memory");
    p->max_hops = (uint32_t)hops;
    p->max_visits = visits;
    if (ft_cli_eth_wants_address(pos[0], chain) || (!chain && ft_cli_eth_wants_address(pos[1], NULL)))
        rc = path_eth(cli, pos[0], pos[1], chain, csv, p);
    else if ((rc = ft_cli_btc_chain_arg("path", chain)) == 0)
        rc = path_btc(cli, pos[0], pos[1], csv, load_graph, p);
    free(p);
    return rc;
}
