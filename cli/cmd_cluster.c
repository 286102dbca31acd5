/*
 * cmd_cluster.c — `fundtrace cluster`: cluster the Bitcoin addresses of the index and store
 * the result; `--explain` lists the merges the collapse guard refused. Also the helpers the
 * other clustering commands share (cluster_cli.h): label resolution and loading, option
 * parsing, `export clusters|labels`, CSV cells.
 *
 * Flow: open the index writable, load the graph (engine/graph: one scan), load the labels as
 * dense arrays, run heuristics/cluster (OpenMP, --threads), write the cluster records
 * (engine/clusterstore, one atomic batch), print a summary (text, or --json one object).
 * Exit codes: 0 ok, 1 index unreadable/unwritable, 2 index damaged or no bitcoin blocks,
 * 129 usage (an unknown heuristic name included).
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/address.h"
#include "chains/ethereum/address.h"
#include "chains/ethereum/params.h"
#include "cli/btc_index.h"
#include "cli/cluster_cli.h"
#include "cli/commands.h"
#include "cli/trace_snapshot.h"
#include "engine/account.h"
#include "engine/clusteraddr.h"
#include "engine/clusterstore.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/log.h"
#include "engine/reader.h"
#include "engine/query.h"
#include "engine/csv.h"
#include "heuristics/registry.h"

#include "engine/banned.h"

const char cmd_cluster_usage[] =
    "usage: fundtrace [--threads N] [--json] cluster [--heuristics LIST] [--guard-size N]\n"
    "                 [--no-guard]\n"
    "   or: fundtrace [--json] cluster --explain\n"
    "   or: fundtrace [--threads N] [--json] cluster --snapshot FILE [--heuristics LIST]\n"
    "                 [--guard-size N] [--no-guard] [--out CSV]\n"
    "\n"
    "Clusters the addresses of the index into entities and stores the result (cluster id =\n"
    "the smallest address id of the cluster; `fundtrace address` shows it, `fundtrace export\n"
    "clusters` writes it). The result is the same for any --threads.\n"
    "\n"
    "  --heuristics LIST  comma-separated names from the table below, or 'default'\n"
    "  --guard-size N     collapse guard: refuse a merge of two clusters that both hold more\n"
    "                     than N addresses (default 100000; 0 turns the size rule off)\n"
    "  --no-guard         no collapse guard at all (also no label rule)\n"
    "  --explain          list the merges the collapse guard refused in the last run\n"
    "  --snapshot FILE    cluster the graph of a 'fundtrace snapshot' file instead of the\n"
    "                     index, which is neither opened nor written; --out CSV writes the\n"
    "                     result as 'export clusters' does (chain,address,cluster,\n"
    "                     cluster_size). Started by mpirun: distributed clustering over the\n"
    "                     ranks, the same clusters (docs/hpc.md)\n"
    "\n"
    "The collapse guard also refuses a merge of two clusters with different entity labels\n"
    "(import labels first: 'fundtrace labels import FILE'). docs/methodology.md describes\n"
    "every heuristic with its measured precision and recall.\n"
    "\n"
    "Exit codes: 0 ok, 1 index unreadable or unwritable, 2 index damaged or without bitcoin\n"
    "blocks, 129 usage error.\n";

void cmd_cluster_help_extra(FILE *out)
{
    size_t n;
    const ft_heuristic *t = ft_registry_table(&n);
    fprintf(out, "\nHeuristics (default: %s):\n", ft_registry_default_list());
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-15s %s%s\n", t[i].name, t[i].summary,
                t[i].model == FT_GRAPH_ACCOUNT ? " [account chains]" : "");
}

/* ---- shared helpers ------------------------------------------------------------------------ */

ft_status ft_cli_label_resolve(void *net, const char *chain, const char *address,
                               uint8_t *chain_byte, ft_addr_key *key, ft_err *err)
{
    memset(key, 0, sizeof *key);
    char c[16];
    size_t i = 0;
    for (; chain[i] && i + 1 < sizeof c; i++)
        c[i] = (char)tolower((unsigned char)chain[i]);
    c[i] = '\0';
    if (strcmp(c, "bitcoin") == 0 || strcmp(c, "btc") == 0) {
        const ft_btc_params *p = net ? net : ft_btc_params_by_name("main");
        *chain_byte = FT_CHAIN_BTC;
        ft_err sub;
        ft_err_clear(&sub);
        if (ft_btc_address_decode(key, address, p, &sub) != FT_OK)
            return ft_err_set(err, FT_ERR_PARSE, "invalid %s address '%.100s'%s%s", p->name,
                              address, sub.msg[0] ? ": " : "", sub.msg);
        return FT_OK;
    }
    const ft_eth_params *evm = ft_eth_params_by_name(c); /* ethereum, bsc, …, dev */
    if (evm) {
        *chain_byte = evm->chain_byte;
        size_t n = strlen(address);
        int ok = n == 42 && address[0] == '0' && (address[1] == 'x' || address[1] == 'X');
        for (size_t j = 2; ok && j < n; j++)
            ok = isxdigit((unsigned char)address[j]) != 0;
        if (!ok)
            return ft_err_set(err, FT_ERR_PARSE,
                              "invalid %s address '%.100s' (0x and 40 hex digits)", evm->name, address);
        for (size_t j = 0; j < 20; j++) {
            char h[3] = {address[2 + 2 * j], address[3 + 2 * j], 0};
            key->bytes[j] = (uint8_t)strtoul(h, NULL, 16);
        }
        key->len = 20;
        return FT_OK;
    }
    return FT_ERR_NOTFOUND;
}

void ft_cli_labels_release(ft_cli_labels *lab)
{
    if (!lab)
        return;
    free(lab->addr_entity);
    for (uint32_t i = 0; i < lab->n_entities; i++)
        free(lab->entity_name[i]);
    free(lab->entity_name);
    free(lab->entity_cat);
    memset(lab, 0, sizeof *lab);
}

static int cmp_label_entity(const void *a, const void *b)
{
    const ft_label *x = *(ft_label *const *)a, *y = *(ft_label *const *)b;
    return strcmp(x->entity, y->entity);
}

/* The dense id of a label's address in the chain being loaded: FT_OK with *id (0 or >= n_addr
 * when the address was never seen), or an error. */
typedef ft_status (*label_id_fn)(void *ctx, const ft_addr_key *key, uint64_t *id, ft_err *err);

/* Loads the labels of `chain` for n_addr dense ids: entities sorted by name, and an address's
 * first label in key order gives its entity (conflicts were reported at import). */
static ft_status labels_load(ft_store *st, uint8_t chain, uint32_t n_addr, label_id_fn id_of,
                             void *ctx, ft_cli_labels *lab, ft_err *err)
{
    memset(lab, 0, sizeof *lab);
    ft_label_set set;
    memset(&set, 0, sizeof set);
    ft_status rc = ft_labels_scan(st, chain, &set, err);
    if (rc != FT_OK || set.n == 0) {
        ft_label_set_release(&set);
        return rc;
    }
    ft_label **byent = malloc(set.n * sizeof *byent);
    lab->addr_entity = malloc(((size_t)n_addr + 1) * sizeof *lab->addr_entity);
    lab->entity_name = calloc(set.n, sizeof *lab->entity_name);
    lab->entity_cat = malloc(set.n);
    uint32_t *ent_of = malloc(set.n * sizeof *ent_of);
    if (!byent || !lab->addr_entity || !lab->entity_name || !lab->entity_cat || !ent_of) {
        rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory loading labels");
        goto out;
    }
    for (size_t i = 0; i < set.n; i++)
        byent[i] = &set.v[i];
    qsort(byent, set.n, sizeof *byent, cmp_label_entity);
    for (size_t i = 0; i < set.n; i++) {
        if (i == 0 || strcmp(byent[i]->entity, byent[i - 1]->entity) != 0) {
            size_t len = strlen(byent[i]->entity);
            char *s = malloc(len + 1);
            if (!s) {
                rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory loading labels");
                goto out;
            }
            memcpy(s, byent[i]->entity, len + 1);
            lab->entity_name[lab->n_entities] = s;
            lab->entity_cat[lab->n_entities] = byent[i]->category;
            lab->n_entities++;
        }
        ent_of[byent[i] - set.v] = lab->n_entities - 1;
    }
    for (uint32_t x = 0; x < n_addr; x++)
        lab->addr_entity[x] = FT_GRAPH_NONE;
    for (size_t i = 0; i < set.n; i++) {
        uint64_t id = 0;
        ft_err sub;
        ft_err_clear(&sub);
        ft_status s = id_of(ctx, &set.v[i].addr, &id, &sub);
        if (s != FT_OK) {
            rc = s;
            *err = sub;
            goto out;
        }
        if (id == 0 || id >= n_addr || lab->addr_entity[id] != FT_GRAPH_NONE)
            continue; /* never seen on chain, or an earlier label (key order) wins */
        lab->addr_entity[id] = ent_of[i];
        lab->n_labeled++;
    }
out:
    free(byent);
    free(ent_of);
    ft_label_set_release(&set);
    if (rc != FT_OK)
        ft_cli_labels_release(lab);
    return rc;
}

static ft_status btc_label_id(void *ctx, const ft_addr_key *key, uint64_t *id, ft_err *err)
{
    ft_status s = ft_query_addr_id(ctx, FT_CHAIN_BTC, key, id, err);
    if (s == FT_ERR_NOTFOUND) { /* labeled but never seen on chain */
        ft_err_clear(err);
        *id = 0;
        return FT_OK;
    }
    return s;
}

ft_status ft_cli_labels_load(ft_store *st, uint32_t n_addr, ft_cli_labels *lab, ft_err *err)
{
    return labels_load(st, FT_CHAIN_BTC, n_addr, btc_label_id, st, lab, err);
}

int ft_cli_cluster_opts(const char *cmd, const char *heuristics, const char *guard_size,
                        int no_guard, ft_cluster_opts *o)
{
    memset(o, 0, sizeof *o);
    ft_err err;
    ft_err_clear(&err);
    if (ft_registry_parse(heuristics, &o->mask, &err) != FT_OK)
        return ft_cli_usage_error(cmd, "%s", err.msg);
    o->guard = !no_guard;
    o->guard_size = FT_GUARD_DEFAULT_SIZE;
    if (guard_size) {
        unsigned long long n;
        if (ft_cli_parse_u64(guard_size, &n) != 0 || n > UINT32_MAX)
            return ft_cli_usage_error(cmd, "option '--guard-size' needs a number");
        o->guard_size = (uint32_t)n;
    }
    return 0;
}

/* ---- cluster -------------------------------------------------------------------------------- */

static void print_addr(char *out, ft_store *st, const ft_btc_params *net, uint64_t id)
{
    ft_addr_key k;
    ft_err e;
    ft_err_clear(&e);
    if (ft_query_addr_key(st, FT_CHAIN_BTC, id, &k, &e) != FT_OK) {
        snprintf(out, FT_BTC_ADDR_STR_MAX, "#%llu", (unsigned long long)id);
        return;
    }
    ft_cli_btc_address(out, &k, net);
}

static int explain(ft_cli *cli)
{
    ft_store *st;
    const ft_btc_params *net;
    ft_query_chainrec rec;
    int rc = ft_cli_btc_open(cli, &st, &net, &rec);
    if (rc)
        return rc;
    ft_err err;
    ft_err_clear(&err);
    ft_clusterstore_run run;
    ft_status s = ft_clusterstore_run_get(st, FT_CHAIN_BTC, &run, &err);
    if (s == FT_ERR_NOTFOUND) {
        ft_store_close(st);
        return ft_cli_error(2, "index '%s' is not clustered: run 'fundtrace cluster'",
                            cli->db_path);
    }
    ft_clusterstore_refusal *v = NULL;
    size_t n = 0;
    if (s == FT_OK)
        s = ft_clusterstore_refusals(st, FT_CHAIN_BTC, &v, &n, &err);
    if (s != FT_OK) {
        ft_store_close(st);
        return ft_cli_fail(s, &err);
    }
    cJSON *arr = cli->json ? cJSON_CreateArray() : NULL;
    if (!cli->json)
        printf("%llu merges refused (%zu listed; heuristics %s, guard size %llu)\n",
               (unsigned long long)run.refused_total, n, run.heuristics,
               (unsigned long long)run.guard_size);
    for (size_t i = 0; i < n; i++) {
        const ft_clusterstore_refusal *r = &v[i];
        ft_query_txrec tr;
        char txid[65] = "?";
        if (ft_query_txrec_get(st, FT_CHAIN_BTC, r->tx, &tr, &err) == FT_OK) {
            ft_hex_encode_rev(txid, tr.txid, 32);
            ft_query_txrec_release(&tr);
        }
        char a[FT_BTC_ADDR_STR_MAX], b[FT_BTC_ADDR_STR_MAX];
        print_addr(a, st, net, r->a);
        print_addr(b, st, net, r->b);
        const char *why = r->reason == 1 ? "labels" : "size";
        if (cli->json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToArray(arr, o);
            ft_cli_json_str(o, "reason", why, 0);
            ft_cli_json_str(o, "txid", txid, 0);
            ft_cli_json_str(o, "address_a", a, 0);
            ft_cli_json_str(o, "address_b", b, 0);
            ft_cli_json_num(o, "cluster_a", (double)r->root_a);
            ft_cli_json_num(o, "cluster_b", (double)r->root_b);
            ft_cli_json_num(o, "size_a", (double)r->size_a);
            ft_cli_json_num(o, "size_b", (double)r->size_b);
            ft_cli_json_str(o, "entity_a", r->ent_a, 1);
            ft_cli_json_str(o, "entity_b", r->ent_b, 1);
        } else {
            printf("refused  %-6s tx %s  %s (cluster %llu, %llu addresses%s%s) + %s (cluster "
                   "%llu, %llu addresses%s%s)\n",
                   why, txid, a, (unsigned long long)r->root_a, (unsigned long long)r->size_a,
                   r->ent_a[0] ? ", " : "", r->ent_a, b, (unsigned long long)r->root_b,
                   (unsigned long long)r->size_b, r->ent_b[0] ? ", " : "", r->ent_b);
        }
    }
    free(v);
    ft_store_close(st);
    if (cli->json) {
        cJSON *o = cJSON_CreateObject();
        ft_cli_json_num(o, "refused_total", (double)run.refused_total);
        cJSON_AddItemToObject(o, "refused", arr);
        return ft_cli_json_print(o);
    }
    return 0;
}

/* ---- account chains: `deposit` over each indexed EVM chain -------------------------------- */

/* The run record (*run) and the refused merges of one clustering result, stored for chain
 * (engine/clusterstore.h): the same for Bitcoin and every account chain. */
static ft_status store_result(ft_store *st, uint8_t chain, const ft_cluster_opts *o,
                              const ft_cluster_result *res, const ft_cli_labels *lab,
                              ft_clusterstore_run *run, ft_err *err)
{
    ft_registry_format(o->mask, run->heuristics, sizeof run->heuristics);
    run->guard = (uint8_t)o->guard;
    run->guard_size = o->guard_size;
    run->n_addr = res->n_addr ? res->n_addr - 1 : 0;
    run->n_multi = res->n_multi;
    run->largest = res->largest;
    run->largest_id = res->largest_id;
    run->links = res->links;
    run->merges = res->merges;
    run->suspects = res->suspects;
    run->refused_total = res->n_refused_total;
    ft_clusterstore_refusal *ref = calloc(res->n_refused + 1, sizeof *ref);
    if (!ref)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < res->n_refused; i++) {
        const ft_guard_refusal *r = &res->refused[i];
        ref[i].reason = r->reason;
        ref[i].tx = r->item; /* the tx (transfer) that carried the refused link */
        ref[i].a = r->a;
        ref[i].b = r->b;
        ref[i].root_a = r->root_a;
        ref[i].root_b = r->root_b;
        ref[i].size_a = r->size_a;
        ref[i].size_b = r->size_b;
        if (r->ent_a != FT_GRAPH_NONE)
            snprintf(ref[i].ent_a, sizeof ref[i].ent_a, "%s", lab->entity_name[r->ent_a]);
        if (r->ent_b != FT_GRAPH_NONE)
            snprintf(ref[i].ent_b, sizeof ref[i].ent_b, "%s", lab->entity_name[r->ent_b]);
    }
    ft_status s = ft_clusterstore_write(st, chain, run, res->cluster, res->size, res->n_addr,
                                        lab->addr_entity, (const char *const *)lab->entity_name,
                                        lab->entity_cat, ref, res->n_refused, err);
    free(ref);
    return s;
}

static ft_status account_label_id(void *ctx, const ft_addr_key *key, uint64_t *id, ft_err *err)
{
    (void)err;
    *id = key->len == 20 ? ft_graph_account_addr_id(ctx, key->bytes) : 0;
    return FT_OK;
}

ft_status ft_cli_labels_load_account(ft_store *st, const ft_graph *g, ft_cli_labels *lab,
                                     ft_err *err)
{
    return labels_load(st, g->chain, g->n_addr, account_label_id, (void *)g, lab, err);
}

/* Clusters one account chain and stores the result under its chain byte; a JSON summary of
 * the run goes to arr. FT_ERR_NOTFOUND (no message) when the chain holds no blocks. */
static ft_status cluster_account_chain(ft_store *st, const ft_eth_params *p,
                                       const ft_cluster_opts *o, cJSON *arr, ft_err *err)
{
    ft_account_chainrec ar;
    ft_status s = ft_account_chain_get(st, p->chain_byte, &ar, err);
    if (s == FT_ERR_NOTFOUND || (s == FT_OK && !ar.has_tip)) {
        ft_err_clear(err);
        return FT_ERR_NOTFOUND;
    }
    if (s != FT_OK)
        return s;
    ft_graph g;
    ft_cli_labels lab;
    ft_cluster_result res;
    memset(&lab, 0, sizeof lab);
    memset(&res, 0, sizeof res);
    s = ft_graph_load_account(&g, st, p->chain_byte, err);
    if (s != FT_OK)
        return s;
    s = ft_cli_labels_load_account(st, &g, &lab, err);
    if (s == FT_OK) {
        ft_cluster_labels cl = {lab.addr_entity, lab.entity_cat, lab.n_entities};
        s = ft_cluster_run(&g, &cl, o, &res, err);
    }
    ft_clusterstore_run run;
    memset(&run, 0, sizeof run);
    if (s == FT_OK)
        s = store_result(st, p->chain_byte, o, &res, &lab, &run, err);
    if (s == FT_OK) /* address → graph id, for `address 0x…` (engine/clusteraddr.h) */
        s = ft_clusteraddr_write(st, p->chain_byte, (const uint8_t(*)[20])g.addr_bytes, g.n_addr,
                                 err);
    if (s == FT_OK) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, j);
        ft_cli_json_str(j, "chain", p->name, 0);
        ft_cli_json_str(j, "heuristics", run.heuristics, 0);
        ft_cli_json_num(j, "addresses", (double)run.n_addr);
        ft_cli_json_num(j, "links", (double)run.links);
        ft_cli_json_num(j, "merges", (double)run.merges);
        ft_cli_json_num(j, "clusters", (double)run.n_multi);
        ft_cli_json_num(j, "largest", (double)run.largest);
        char a[FT_ETH_ADDR_STR_MAX] = "";
        if (run.largest > 1 && run.largest_id && run.largest_id < g.n_addr)
            ft_eth_address_format(a, g.addr_bytes[run.largest_id]);
        ft_cli_json_str(j, "largest_address", a, 1);
        ft_cli_json_num(j, "refused", (double)run.refused_total);
    }
    ft_cluster_result_release(&res);
    ft_cli_labels_release(&lab);
    ft_graph_release(&g);
    return s;
}

/* Every indexed EVM chain (chain-byte order of chains/ethereum/params.c). */
static ft_status cluster_accounts(ft_store *st, const ft_cluster_opts *o, cJSON *arr, ft_err *err)
{
    for (unsigned i = 0; ft_eth_params_at(i); i++) {
        ft_status s = cluster_account_chain(st, ft_eth_params_at(i), o, arr, err);
        if (s != FT_OK && s != FT_ERR_NOTFOUND)
            return s;
    }
    return FT_OK;
}

static void print_accounts(const cJSON *arr)
{
    const cJSON *j;
    cJSON_ArrayForEach(j, arr)
    {
        const char *lg = cJSON_GetStringValue(cJSON_GetObjectItem(j, "largest_address"));
        printf("%s: addresses %.0f, links %.0f, merges %.0f, clusters %.0f of 2 or more "
               "addresses, largest %.0f (%s), refused %.0f (%s)\n",
               cJSON_GetStringValue(cJSON_GetObjectItem(j, "chain")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(j, "addresses")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(j, "links")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(j, "merges")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(j, "clusters")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(j, "largest")), lg ? lg : "-",
               cJSON_GetNumberValue(cJSON_GetObjectItem(j, "refused")),
               cJSON_GetStringValue(cJSON_GetObjectItem(j, "heuristics")));
    }
}

int cmd_cluster(ft_cli *cli, int argc, char **argv)
{
    const char *heur = NULL, *gsize = NULL, *snapshot = NULL, *out = NULL;
    int no_guard = 0, do_explain = 0;
    const ft_opt opts[] = {{"heuristics", 1, &heur, NULL},  {"guard-size", 1, &gsize, NULL},
                           {"no-guard", 0, NULL, &no_guard}, {"explain", 0, NULL, &do_explain},
                           {"snapshot", 1, &snapshot, NULL}, {"out", 1, &out, NULL},
                           {NULL, 0, NULL, NULL}};
    int rc = ft_cli_parse("cluster", argc, argv, opts, NULL, 0, NULL);
    if (rc)
        return rc;
    if (out && !snapshot)
        return ft_cli_usage_error("cluster", "--out FILE goes with --snapshot FILE");
    if (do_explain) {
        if (heur || gsize || no_guard || snapshot)
            return ft_cli_usage_error("cluster", "--explain takes no other option");
        return explain(cli);
    }
    ft_cluster_opts o;
    if ((rc = ft_cli_cluster_opts("cluster", heur, gsize, no_guard, &o)) != 0)
        return rc;
    if (snapshot) /* the snapshot only, never the index (cli/trace_snapshot.c) */
        return ft_cli_cluster_snapshot_cmd(cli, snapshot, &o, out);

    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    ft_status s = ft_store_open(&st, cli->db_path, FT_STORE_WRITE, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_query_chainrec cr;
    s = ft_query_chain_get(st, FT_CHAIN_BTC, &cr, &err);
    cJSON *acct = cJSON_CreateArray(); /* account chains (ethereum, …, dev): deposit */
    if (s == FT_OK || s == FT_ERR_NOTFOUND) {
        ft_err aerr;
        ft_err_clear(&aerr);
        ft_status as = cluster_accounts(st, &o, acct, &aerr);
        if (as != FT_OK) {
            ft_store_close(st);
            cJSON_Delete(acct);
            return ft_cli_fail(as, &aerr);
        }
    }
    if (s == FT_ERR_NOTFOUND) {
        ft_cli_store_close_settled(st, "cluster"); /* flushed for the next reader */
        if (cJSON_GetArraySize(acct) > 0) { /* account chains only */
            if (cli->json) {
                cJSON *j = cJSON_CreateObject();
                cJSON_AddItemToObject(j, "account_chains", acct);
                return ft_cli_json_print(j);
            }
            print_accounts(acct);
            cJSON_Delete(acct);
            return 0;
        }
        cJSON_Delete(acct);
        return ft_cli_error(2, "index '%s' holds no bitcoin blocks: run 'fundtrace index bitcoin' "
                               "(or 'fundtrace index ethereum')",
                            cli->db_path);
    }
    ft_graph g;
    memset(&g, 0, sizeof g);
    ft_cli_labels lab;
    memset(&lab, 0, sizeof lab);
    ft_cluster_result res;
    memset(&res, 0, sizeof res);
    if (s == FT_OK)
        s = ft_graph_load_utxo(&g, st, FT_CHAIN_BTC, &err);
    if (s == FT_OK)
        s = ft_cli_labels_load(st, g.n_addr, &lab, &err);
    if (s == FT_OK) {
        ft_cluster_labels cl = {lab.addr_entity, lab.entity_cat, lab.n_entities};
        s = ft_cluster_run(&g, &cl, &o, &res, &err);
    }
    ft_clusterstore_run run;
    memset(&run, 0, sizeof run);
    if (s == FT_OK)
        s = store_result(st, FT_CHAIN_BTC, &o, &res, &lab, &run, &err);
    if (s == FT_OK) /* flushed for the next reader (cli/store_settle.c) */
        ft_cli_store_close_settled(st, "cluster");
    else
        ft_store_close(st);
    ft_graph_release(&g);
    ft_cli_labels_release(&lab);
    if (s != FT_OK) {
        ft_cluster_result_release(&res);
        cJSON_Delete(acct);
        return ft_cli_fail(s, &err);
    }
    if (cli->json) {
        cJSON *j = cJSON_CreateObject();
        ft_cli_json_str(j, "heuristics", run.heuristics, 0);
        ft_cli_json_num(j, "addresses", (double)run.n_addr);
        ft_cli_json_num(j, "links", (double)run.links);
        ft_cli_json_num(j, "merges", (double)run.merges);
        ft_cli_json_num(j, "clusters", (double)run.n_multi);
        ft_cli_json_num(j, "largest", (double)run.largest);
        ft_cli_json_num(j, "largest_id", (double)run.largest_id);
        ft_cli_json_num(j, "refused", (double)run.refused_total);
        cJSON *cj = cJSON_CreateObject();
        for (int k = 1; k < FT_CJ_KIND_COUNT; k++)
            ft_cli_json_num(cj, ft_coinjoin_kind_name((ft_coinjoin_kind)k),
                            (double)res.cj_count[k]);
        cJSON_AddItemToObject(j, "coinjoins", cj);
        cJSON_AddItemToObject(j, "account_chains", acct);
        ft_cluster_result_release(&res);
        return ft_cli_json_print(j);
    }
    printf("heuristics  %s\n", run.heuristics);
    printf("addresses   %llu\n", (unsigned long long)run.n_addr);
    printf("links       %llu\n", (unsigned long long)run.links);
    printf("merges      %llu\n", (unsigned long long)run.merges);
    printf("clusters    %llu of 2 or more addresses\n", (unsigned long long)run.n_multi);
    printf("largest     %llu addresses (cluster %llu)\n", (unsigned long long)run.largest,
           (unsigned long long)run.largest_id);
    printf("coinjoins  ");
    for (int k = 1; k < FT_CJ_KIND_COUNT; k++)
        printf(" %s %llu", ft_coinjoin_kind_name((ft_coinjoin_kind)k),
               (unsigned long long)res.cj_count[k]);
    printf("\nrefused     %llu merges%s\n", (unsigned long long)run.refused_total,
           run.refused_total ? " (see 'fundtrace cluster --explain')" : "");
    print_accounts(acct);
    cJSON_Delete(acct);
    ft_cluster_result_release(&res);
    return 0;
}

/* ---- export clusters | labels ----------------------------------------------------------------- */

static int export_btc_clusters(ft_cli *cli, FILE *out)
{
    ft_store *st;
    const ft_btc_params *net;
    ft_query_chainrec rec;
    int rc = ft_cli_btc_open(cli, &st, &net, &rec);
    if (rc)
        return rc;
    ft_err err;
    ft_err_clear(&err);
    uint32_t n_addr = rec.next_addr > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)rec.next_addr;
    if (n_addr == 0)
        n_addr = 1;
    ft_clusterstore_run run;
    ft_status s = ft_clusterstore_run_get(st, FT_CHAIN_BTC, &run, &err);
    if (s == FT_ERR_NOTFOUND) {
        ft_store_close(st);
        return ft_cli_error(2, "index '%s' is not clustered: run 'fundtrace cluster'",
                            cli->db_path);
    }
    uint32_t *cl = NULL, *size = NULL;
    if (s == FT_OK)
        s = ft_clusterstore_load(st, FT_CHAIN_BTC, n_addr, &cl, &err);
    if (s == FT_OK && !(size = calloc((size_t)n_addr + 1, sizeof *size)))
        s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
    if (s == FT_OK) {
        for (uint32_t x = 1; x < n_addr; x++)
            size[cl[x] < n_addr ? cl[x] : x]++;
        fputs("chain,address,cluster,cluster_size\n", out);
        uint8_t p[2] = {FT_KEY_ADDR_ID, FT_CHAIN_BTC};
        ft_store_iter *it = ft_store_iter_new(st, p, 2);
        const uint8_t *k, *v;
        size_t kl, vl;
        char text[FT_BTC_ADDR_STR_MAX];
        while (it && ft_store_iter_next(it, &k, &kl, &v, &vl)) {
            uint64_t id = kl == 10 ? ft_get_u64be(k + 2) : 0;
            if (id == 0 || id >= n_addr || vl < 2 || vl - 1 > FT_ADDR_KEY_MAX || v[0] != 1) {
                s = ft_err_set(&err, FT_ERR_CORRUPT, "index '%s': corrupt address record",
                               cli->db_path);
                break;
            }
            ft_addr_key key;
            key.len = (uint8_t)(vl - 1);
            memcpy(key.bytes, v + 1, vl - 1);
            ft_cli_btc_address(text, &key, net);
            fprintf(out, "bitcoin,%s,%u,%u\n", text, cl[id], size[cl[id]]);
        }
        if (!it)
            s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
        else if (s == FT_OK)
            s = ft_store_iter_status(it, &err);
        ft_store_iter_free(it);
    }
    free(cl);
    free(size);
    ft_store_close(st);
    return s == FT_OK ? 0 : ft_cli_fail(s, &err);
}

/* Which chains `export clusters` lists: bitcoin when indexed, account chains when clustered. */
static int clustered_chains(ft_cli *cli, int *btc, int *acct)
{
    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    ft_status s = ft_store_open(&st, cli->db_path, FT_STORE_READ, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_query_chainrec rec;
    *btc = ft_query_chain_get(st, FT_CHAIN_BTC, &rec, &err) == FT_OK;
    *acct = 0;
    for (unsigned i = 0; ft_eth_params_at(i); i++) {
        ft_clusterstore_run run;
        ft_err_clear(&err);
        if (ft_clusterstore_run_get(st, ft_eth_params_at(i)->chain_byte, &run, &err) == FT_OK)
            (*acct)++;
    }
    ft_store_close(st);
    return 0;
}

/* Rows of every clustered account chain: each address of its graph in id order (ids are
 * first-seen order, the cluster id is the smallest member's). */
static int export_account_clusters(ft_cli *cli, FILE *out)
{
    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    ft_status s = ft_store_open(&st, cli->db_path, FT_STORE_READ, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    for (unsigned i = 0; s == FT_OK && ft_eth_params_at(i); i++) {
        const ft_eth_params *p = ft_eth_params_at(i);
        ft_clusterstore_run run;
        ft_err_clear(&err);
        s = ft_clusterstore_run_get(st, p->chain_byte, &run, &err);
        if (s == FT_ERR_NOTFOUND) {
            s = FT_OK;
            continue;
        }
        ft_graph g;
        uint32_t *cl = NULL, *size = NULL;
        if (s == FT_OK)
            s = ft_graph_load_account(&g, st, p->chain_byte, &err);
        else
            memset(&g, 0, sizeof g);
        if (s == FT_OK)
            s = ft_clusterstore_load(st, p->chain_byte, g.n_addr, &cl, &err);
        if (s == FT_OK && !(size = calloc((size_t)g.n_addr + 1, sizeof *size)))
            s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
        if (s == FT_OK) {
            for (uint32_t x = 1; x < g.n_addr; x++)
                size[cl[x] < g.n_addr ? cl[x] : x]++;
            for (uint32_t x = 1; x < g.n_addr; x++) {
                char text[FT_ETH_ADDR_STR_MAX];
                uint32_t c = cl[x] < g.n_addr ? cl[x] : x;
                ft_eth_address_format(text, g.addr_bytes[x]);
                fprintf(out, "%s,%s,%u,%u\n", p->name, text, c, size[c]);
            }
        }
        free(cl);
        free(size);
        ft_graph_release(&g);
    }
    ft_store_close(st);
    return s == FT_OK ? 0 : ft_cli_fail(s, &err);
}

static int export_clusters(ft_cli *cli, FILE *out)
{
    int btc = 0, acct = 0;
    int rc = clustered_chains(cli, &btc, &acct);
    if (rc)
        return rc;
    if (btc || !acct)
        rc = export_btc_clusters(cli, out); /* header included */
    else
        fputs("chain,address,cluster,cluster_size\n", out);
    if (rc == 0 && acct)
        rc = export_account_clusters(cli, out);
    return rc;
}

static int export_labels(ft_cli *cli, FILE *out)
{
    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    ft_status s = ft_store_open(&st, cli->db_path, FT_STORE_READ, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    fputs("chain,address,entity,category,source,confidence\n", out);
    /* bitcoin, then every EVM chain of chains/ethereum/params.c (ethereum, bsc, …, dev) */
    for (int c = 0; s == FT_OK && (c == 0 || ft_eth_params_at((unsigned)c - 1)); c++) {
        const ft_eth_params *evm = c ? ft_eth_params_at((unsigned)c - 1) : NULL;
        ft_label_set set;
        memset(&set, 0, sizeof set);
        s = ft_labels_scan(st, evm ? evm->chain_byte : FT_CHAIN_BTC, &set, &err);
        for (size_t i = 0; s == FT_OK && i < set.n; i++) {
            const ft_label *l = &set.v[i];
            fprintf(out, "%s,", evm ? evm->name : "bitcoin");
            ft_csv_cell(out, l->addr_text);
            fputc(',', out);
            ft_csv_cell(out, l->entity);
            fprintf(out, ",%s,", ft_label_cat_name(l->category));
            ft_csv_cell(out, l->source);
            fputc(',', out);
            if (l->confidence != FT_LABEL_NO_CONFIDENCE)
                fprintf(out, "%u", l->confidence);
            fputc('\n', out);
        }
        ft_label_set_release(&set);
    }
    ft_store_close(st);
    return s == FT_OK ? 0 : ft_cli_fail(s, &err);
}

int ft_cli_export_cluster_table(ft_cli *cli, const char *what, const char *chain,
                                const char *out_path)
{
    int rc;
    if ((rc = ft_cli_btc_chain_arg("export", chain)) != 0)
        return rc;
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "w")))
        return ft_cli_error(1, "cannot create '%s': %s", out_path, strerror(errno));
    rc = strcmp(what, "clusters") == 0 ? export_clusters(cli, out) : export_labels(cli, out);
    if (out != stdout && fclose(out) != 0 && rc == 0)
        rc = ft_cli_error(1, "cannot write '%s'", out_path);
    return rc;
}
