/*
 * cmd_eval.c — `fundtrace eval clusters --truth FILE`: scores a clustering against a chain
 * generator's ground truth (truth/addresses.csv: address,entity,entity_kind).
 *
 * Pairwise measures over the truth addresses found in the index: a pair of addresses is
 * predicted when both are in one cluster, true when both belong to one entity;
 *     precision = correct / predicted, recall = correct / true, F1 their harmonic mean,
 * counted with sums of n(n-1)/2 over clusters, entities and (cluster, entity) cells after
 * sorting, never by enumerating pairs. The clustering is the stored one, or — with
 * --heuristics — one computed in memory (nothing is written), so that every heuristic can be
 * scored on its own.
 * With the truth's coinjoins.csv (beside FILE, or --coinjoins) it also reports the CoinJoin
 * detector against the planted CoinJoins (per kind) and how many CoinJoins have two inputs of
 * different true entities in one cluster ("participants merged": must be 0).
 * With --chain NAME (an EVM chain: ethereum, …, dev) the same is done for an account chain
 * (the `deposit` heuristic): truth addresses are 0x-hex, looked up in the account graph
 * (engine/graph.h), clusters are the stored ones of that chain or computed in memory; there
 * are no CoinJoins. fundtrace-gen --account writes such truth (docs/generator.md).
 * Exit codes: 0 ok, 1 file or index unreadable, 2 broken truth file or index not clustered,
 * 129 usage.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/btc_index.h"
#include "cli/cluster_cli.h"
#include "cli/commands.h"
#include "chains/ethereum/address.h"
#include "chains/ethereum/params.h"
#include "engine/account.h"
#include "engine/clusterstore.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/query.h"
#include "heuristics/coinjoin.h"

#include "engine/banned.h"

const char cmd_eval_usage[] =
    "usage: fundtrace [--json] [--threads N] eval clusters --truth FILE [--coinjoins FILE]\n"
    "                 [--heuristics LIST] [--guard-size N] [--no-guard] [--chain NAME]\n"
    "\n"
    "Scores clusters against ground truth (a generator's truth/addresses.csv): pairwise\n"
    "precision, recall and F1 over the truth addresses found in the index. Without\n"
    "--heuristics the stored clustering ('fundtrace cluster') is scored; with it, a clustering\n"
    "computed in memory (the index is not changed).\n"
    "  --coinjoins FILE   the truth's coinjoins.csv (default: beside --truth, if present):\n"
    "                     CoinJoin detection per kind, and CoinJoins whose participants\n"
    "                     ended up in one cluster\n"
    "  --chain NAME       bitcoin (default) or an indexed EVM chain (ethereum, ..., dev):\n"
    "                     account-chain clusters (deposit), truth addresses in 0x-hex\n"
    "\n"
    "Exit codes: 0 ok, 1 file or index unreadable, 2 broken truth file or index not\n"
    "clustered, 129 usage error.\n";

/* ---- a small string interner (open addressing) --------------------------------------------- */

typedef struct interner {
    char **keys;
    uint32_t *ids;
    size_t cap, n;
} interner;

static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

/* Returns the id of s[0..n), adding it; UINT32_MAX on out of memory. */
static uint32_t intern(interner *t, const char *s, size_t n)
{
    if (2 * (t->n + 1) > t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 1024;
        char **nk = calloc(nc, sizeof *nk);
        uint32_t *ni = calloc(nc, sizeof *ni);
        if (!nk || !ni) {
            free(nk);
            free(ni);
            return UINT32_MAX;
        }
        for (size_t i = 0; i < t->cap; i++)
            if (t->keys[i]) {
                size_t j = str_hash(t->keys[i], strlen(t->keys[i])) & (nc - 1);
                while (nk[j])
                    j = (j + 1) & (nc - 1);
                nk[j] = t->keys[i];
                ni[j] = t->ids[i];
            }
        free(t->keys);
        free(t->ids);
        t->keys = nk;
        t->ids = ni;
        t->cap = nc;
    }
    size_t j = str_hash(s, n) & (t->cap - 1);
    while (t->keys[j]) {
        if (strlen(t->keys[j]) == n && memcmp(t->keys[j], s, n) == 0)
            return t->ids[j];
        j = (j + 1) & (t->cap - 1);
    }
    char *k = malloc(n + 1);
    if (!k)
        return UINT32_MAX;
    memcpy(k, s, n);
    k[n] = '\0';
    t->keys[j] = k;
    t->ids[j] = (uint32_t)t->n;
    return (uint32_t)t->n++;
}

static void interner_free(interner *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->ids);
    memset(t, 0, sizeof *t);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Σ n(n-1)/2 over runs of equal values (v sorted in place). */
static double pair_sum(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    double s = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j] == v[i])
            j++;
        double c = (double)(j - i);
        s += c * (c - 1) / 2;
        i = j;
    }
    return s;
}

/* ---- the truth rows found in the index ------------------------------------------------------ */

/* The truth rows of the addresses found in the index, for the pairwise scores: ent maps an
 * address id to its truth entity (UINT32_MAX: not in the truth); per evaluated address, kc
 * holds its cluster, ke its entity and kce its (cluster, entity) cell, the three lists that
 * pair_sum counts. Bitcoin and account chains differ in how a row's address becomes an id,
 * not in what is booked. */
typedef struct truth_rows {
    uint32_t *ent;
    uint64_t *kc, *ke, *kce;
    size_t n_eval, n_missing; /* addresses booked; truth addresses not in the index */
    interner ents;
} truth_rows;

/* Allocates t (zeroed before) for address ids 0..n_ids and the rows of a truth file of LEN
 * bytes (at most one per line). Returns 0, or -1 when out of memory (t is released either
 * way by truth_rows_release). */
static int truth_rows_alloc(truth_rows *t, size_t n_ids, const char *text, size_t len)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    t->ent = malloc((n_ids + 1) * sizeof *t->ent);
    t->kc = malloc(cap * sizeof *t->kc);
    t->ke = malloc(cap * sizeof *t->ke);
    t->kce = malloc(cap * sizeof *t->kce);
    if (!t->ent || !t->kc || !t->ke || !t->kce)
        return -1;
    for (size_t x = 0; x <= n_ids; x++)
        t->ent[x] = UINT32_MAX;
    return 0;
}

/* Books address ID (< n_ids, in cluster cl[id]) as a member of the truth entity E (N bytes);
 * an address listed twice keeps its first entity. Returns 0, or -1 when out of memory. */
static int truth_rows_add(truth_rows *t, const uint32_t *cl, uint32_t id, const char *e, size_t n)
{
    uint32_t x = intern(&t->ents, e, n);
    if (x == UINT32_MAX)
        return -1;
    if (t->ent[id] != UINT32_MAX)
        return 0; /* listed twice */
    t->ent[id] = x;
    t->kc[t->n_eval] = cl[id];
    t->ke[t->n_eval] = x;
    t->kce[t->n_eval] = ((uint64_t)cl[id] << 32) | x;
    t->n_eval++;
    return 0;
}

/* The pairs predicted (one cluster), true (one entity) and correct (both); sorts the lists. */
static void truth_rows_pairs(truth_rows *t, double *pred, double *tru, double *ok)
{
    *pred = pair_sum(t->kc, t->n_eval);
    *tru = pair_sum(t->ke, t->n_eval);
    *ok = pair_sum(t->kce, t->n_eval);
}

/* Frees the arrays and the interner; the counts n_eval and n_missing stay readable. */
static void truth_rows_release(truth_rows *t)
{
    free(t->ent);
    free(t->kc);
    free(t->ke);
    free(t->kce);
    t->ent = NULL;
    t->kc = t->ke = t->kce = NULL;
    interner_free(&t->ents);
}

/* Splits the next line of a CSV without quoting into up to 3 fields. Returns 0 at the end. */
static int next_line(char **pp, char *end, char **f, size_t *fl, int *nf)
{
    char *p = *pp;
    if (p >= end)
        return 0;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *e = nl ? nl : end;
    *pp = nl ? nl + 1 : end;
    if (e > p && e[-1] == '\r')
        e--;
    *nf = 0;
    char *s = p;
    for (char *q = p; q <= e; q++) {
        if (q == e || *q == ',') {
            if (*nf < 3) {
                f[*nf] = s;
                fl[*nf] = (size_t)(q - s);
            }
            (*nf)++;
            s = q + 1;
        }
    }
    return 1;
}

typedef struct cj_stats {
    uint64_t truth_total, truth_found, detected_multi, false_pos, merged;
    uint64_t truth_kind[FT_CJ_KIND_COUNT], hit_kind[FT_CJ_KIND_COUNT];
} cj_stats;

static int kind_from_name(const char *s, size_t n)
{
    for (int k = 1; k < FT_CJ_KIND_COUNT; k++) {
        const char *nm = ft_coinjoin_kind_name((ft_coinjoin_kind)k);
        if (strlen(nm) == n && memcmp(nm, s, n) == 0)
            return k;
    }
    return 0;
}

static ft_status eval_coinjoins(const char *path, ft_store *st, const ft_graph *g,
                                const uint32_t *cl, const uint32_t *truth_ent, cj_stats *cs,
                                ft_err *err)
{
    char *text;
    size_t len;
    ft_status s = ft_cli_read_file(path, &text, &len, err);
    if (s != FT_OK)
        return s;
    uint8_t *in_truth = calloc((size_t)g->n_tx + 1, 1);
    if (!in_truth) {
        free(text);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    char *p = text, *f[3];
    size_t fl[3];
    int nf;
    uint32_t line = 0;
    while (s == FT_OK && next_line(&p, text + len, f, fl, &nf)) {
        line++;
        if (line == 1 || (nf == 1 && fl[0] == 0))
            continue;
        uint8_t txid[32];
        uint64_t tx;
        if (nf != 2 || !ft_hex_decode_rev(txid, 32, f[0], fl[0])) {
            s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %u: expected txid,kind", path, line);
            break;
        }
        int k = kind_from_name(f[1], fl[1]);
        cs->truth_total++;
        cs->truth_kind[k]++;
        ft_err sub;
        ft_err_clear(&sub);
        if (ft_query_tx_id(st, FT_CHAIN_BTC, txid, &tx, &sub) != FT_OK || tx >= g->n_tx)
            continue;
        cs->truth_found++;
        ft_coinjoin_kind got = ft_coinjoin_classify(g, (uint32_t)tx);
        if (got != FT_CJ_NONE)
            cs->hit_kind[k]++;
        in_truth[tx] = 1;
        /* participants merged: two inputs of different true entities in one cluster */
        if (k == FT_CJ_WHIRLPOOL_TX0)
            continue;
        uint32_t n_in = ft_graph_n_in(g, (uint32_t)tx), i0 = g->in_off[tx];
        int merged = 0;
        for (uint32_t a = 0; a < n_in && !merged; a++)
            for (uint32_t b = a + 1; b < n_in && !merged; b++) {
                uint32_t x = ft_graph_in_addr(g, i0 + a), y = ft_graph_in_addr(g, i0 + b);
                if (!x || !y || truth_ent[x] == UINT32_MAX || truth_ent[y] == UINT32_MAX)
                    continue;
                merged = truth_ent[x] != truth_ent[y] && cl[x] == cl[y];
            }
        cs->merged += (uint64_t)merged;
    }
    for (uint32_t t = 0; s == FT_OK && t < g->n_tx; t++) {
        ft_coinjoin_kind k = ft_coinjoin_classify(g, t);
        if (k == FT_CJ_NONE)
            continue;
        cs->detected_multi++;
        if (!in_truth[t])
            cs->false_pos++;
    }
    free(in_truth);
    free(text);
    return s;
}

/* ---- the scores, printed the same way for both models ---------------------------------------- */

static void scores(double pred, double tru, double ok, double *prec, double *recall, double *f1)
{
    *prec = pred > 0 ? ok / pred : 1.0;
    *recall = tru > 0 ? ok / tru : 1.0;
    *f1 = *prec + *recall > 0 ? 2 * *prec * *recall / (*prec + *recall) : 0;
}

static void scores_json(cJSON *j, const char *hname, size_t n_eval, size_t n_missing, double pred,
                        double tru, double ok)
{
    double prec, recall, f1;
    scores(pred, tru, ok, &prec, &recall, &f1);
    ft_cli_json_str(j, "heuristics", hname, 0);
    ft_cli_json_num(j, "addresses", (double)n_eval);
    ft_cli_json_num(j, "missing", (double)n_missing);
    ft_cli_json_num(j, "pairs_predicted", pred);
    ft_cli_json_num(j, "pairs_true", tru);
    ft_cli_json_num(j, "pairs_correct", ok);
    ft_cli_json_num(j, "precision", prec);
    ft_cli_json_num(j, "recall", recall);
    ft_cli_json_num(j, "f1", f1);
}

static void scores_text(const char *hname, size_t n_eval, size_t n_missing, double pred,
                        double tru, double ok)
{
    double prec, recall, f1;
    scores(pred, tru, ok, &prec, &recall, &f1);
    printf("heuristics  %s\n", hname);
    printf("addresses   %zu evaluated (%zu of the truth not in the index)\n", n_eval, n_missing);
    printf("pairs       %.0f predicted, %.0f true, %.0f correct\n", pred, tru, ok);
    printf("precision   %.6f\n", prec);
    printf("recall      %.6f\n", recall);
    printf("f1          %.6f\n", f1);
}

/* ---- account chains ------------------------------------------------------------------------- */

/* `eval clusters --chain NAME` for an EVM chain: the same pairwise scores over the account
 * graph's dense ids. */
static int eval_account(ft_cli *cli, const ft_eth_params *p, const char *truth, const char *heur,
                        const ft_cluster_opts *o)
{
    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    ft_status s = ft_store_open(&st, cli->db_path, FT_STORE_READ, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_graph g;
    memset(&g, 0, sizeof g);
    ft_cli_labels lab;
    memset(&lab, 0, sizeof lab);
    ft_cluster_result res;
    memset(&res, 0, sizeof res);
    uint32_t *cl = NULL;
    truth_rows tr;
    memset(&tr, 0, sizeof tr);
    char *text = NULL;
    size_t len = 0;
    int rc = 0;
    s = ft_graph_load_account(&g, st, p->chain_byte, &err);
    if (s == FT_ERR_NOTFOUND) {
        ft_store_close(st);
        return ft_cli_error(2, "chain '%s' is not indexed in '%s'", p->name, cli->db_path);
    }
    if (s == FT_OK && heur) {
        s = ft_cli_labels_load_account(st, &g, &lab, &err);
        ft_cluster_labels cll = {lab.addr_entity, lab.entity_cat, lab.n_entities};
        if (s == FT_OK)
            s = ft_cluster_run(&g, &cll, o, &res, &err);
        cl = res.cluster;
    } else if (s == FT_OK) {
        ft_clusterstore_run run;
        s = ft_clusterstore_run_get(st, p->chain_byte, &run, &err);
        if (s == FT_ERR_NOTFOUND)
            rc = ft_cli_error(2, "chain '%s' of '%s' is not clustered: run 'fundtrace cluster' "
                                 "or give --heuristics", p->name, cli->db_path);
        else if (s == FT_OK)
            s = ft_clusterstore_load(st, p->chain_byte, g.n_addr, &cl, &err);
    }
    if (s == FT_OK && rc == 0)
        s = ft_cli_read_file(truth, &text, &len, &err);
    if (s == FT_OK && rc == 0 && truth_rows_alloc(&tr, g.n_addr, text, len) != 0)
        s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
    char *q = text, *f[3];
    size_t fl[3];
    int nf;
    uint32_t line = 0;
    while (s == FT_OK && rc == 0 && next_line(&q, text + len, f, fl, &nf)) {
        line++;
        if (line == 1) {
            if (nf < 2 || fl[0] != 7 || memcmp(f[0], "address", 7) != 0)
                s = ft_err_set(&err, FT_ERR_PARSE,
                               "'%s' line 1: header must start with address,entity", truth);
            continue;
        }
        if (nf == 1 && fl[0] == 0)
            continue;
        uint8_t a20[FT_ETH_ADDR_LEN];
        ft_err sub;
        ft_err_clear(&sub);
        if (nf < 2 || fl[1] == 0 || ft_eth_address_parse(a20, f[0], fl[0], &sub) != FT_OK) {
            s = ft_err_set(&err, FT_ERR_PARSE, "'%s' line %u: expected 0x-address,entity[,kind]",
                           truth, line);
            break;
        }
        uint32_t id = ft_graph_account_addr_id(&g, a20);
        if (id == 0 || id >= g.n_addr) {
            tr.n_missing++;
            continue;
        }
        if (truth_rows_add(&tr, cl, (uint32_t)id, f[1], fl[1]) != 0) {
            s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
            break;
        }
    }
    double pred = 0, tru = 0, ok = 0;
    if (s == FT_OK && rc == 0) {
        truth_rows_pairs(&tr, &pred, &tru, &ok);
    }
    ft_store_close(st);
    free(text);
    truth_rows_release(&tr);
    ft_graph_release(&g);
    ft_cli_labels_release(&lab);
    if (heur)
        ft_cluster_result_release(&res);
    else
        free(cl);
    if (rc)
        return rc;
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    char hname[256] = "stored";
    if (heur)
        ft_registry_format(o->mask, hname, sizeof hname);
    if (cli->json) {
        cJSON *j = cJSON_CreateObject();
        ft_cli_json_str(j, "chain", p->name, 0);
        scores_json(j, hname, tr.n_eval, tr.n_missing, pred, tru, ok);
        return ft_cli_json_print(j);
    }
    printf("chain       %s\n", p->name);
    scores_text(hname, tr.n_eval, tr.n_missing, pred, tru, ok);
    return 0;
}

int cmd_eval(ft_cli *cli, int argc, char **argv)
{
    const char *truth = NULL, *cjfile = NULL, *heur = NULL, *gsize = NULL, *chain = NULL;
    int no_guard = 0;
    const ft_opt opts[] = {{"truth", 1, &truth, NULL},      {"coinjoins", 1, &cjfile, NULL},
                           {"heuristics", 1, &heur, NULL},  {"guard-size", 1, &gsize, NULL},
                           {"no-guard", 0, NULL, &no_guard}, {"chain", 1, &chain, NULL},
                           {NULL, 0, NULL, NULL}};
    if (argc >= 2 && strcmp(argv[1], "trace") == 0) /* cli/eval_trace.c */
        return cmd_eval_trace(cli, argc - 1, argv + 1);
    const char *pos[1];
    int n_pos = 0;
    int rc = ft_cli_parse("eval", argc, argv, opts, pos, 1, &n_pos);
    if (rc)
        return rc;
    if (n_pos != 1 || strcmp(pos[0], "clusters") != 0)
        return ft_cli_usage_error("eval", "what to evaluate? 'fundtrace eval clusters --truth FILE'");
    if (!truth)
        return ft_cli_usage_error("eval", "option '--truth FILE' is required");
    ft_cluster_opts o;
    if ((rc = ft_cli_cluster_opts("eval", heur, gsize, no_guard, &o)) != 0)
        return rc;
    if (chain && strcmp(chain, "bitcoin") != 0 && strcmp(chain, "btc") != 0) {
        const ft_eth_params *ep = ft_eth_params_by_name(chain);
        if (!ep)
            return ft_cli_usage_error("eval", "unknown chain '%s' (bitcoin, or an EVM chain "
                                              "such as ethereum or dev)", chain);
        if (cjfile)
            return ft_cli_usage_error("eval", "--coinjoins goes with the bitcoin chain only");
        return eval_account(cli, ep, truth, heur, &o);
    }
    char cjdefault[4096];
    if (!cjfile) {
        const char *slash = strrchr(truth, '/');
        int dl = slash ? (int)(slash - truth) : 1;
        snprintf(cjdefault, sizeof cjdefault, "%.*s/coinjoins.csv", dl, slash ? truth : ".");
        if (access(cjdefault, R_OK) == 0)
            cjfile = cjdefault;
    }

    ft_store *st;
    const ft_btc_params *net;
    ft_query_chainrec rec;
    if ((rc = ft_cli_btc_open(cli, &st, &net, &rec)) != 0)
        return rc;
    ft_err err;
    ft_err_clear(&err);
    ft_status s = FT_OK;
    ft_graph g;
    memset(&g, 0, sizeof g);
    ft_cli_labels lab;
    memset(&lab, 0, sizeof lab);
    ft_cluster_result res;
    memset(&res, 0, sizeof res);
    uint32_t *cl = NULL;
    truth_rows tr;
    memset(&tr, 0, sizeof tr);
    char *text = NULL;
    size_t len = 0;
    uint32_t n_addr = rec.next_addr > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)rec.next_addr;
    if (n_addr == 0)
        n_addr = 1;
    if (heur || cjfile)
        s = ft_graph_load_utxo(&g, st, FT_CHAIN_BTC, &err);
    if (s == FT_OK && heur) {
        s = ft_cli_labels_load(st, g.n_addr, &lab, &err);
        ft_cluster_labels cll = {lab.addr_entity, lab.entity_cat, lab.n_entities};
        if (s == FT_OK)
            s = ft_cluster_run(&g, &cll, &o, &res, &err);
        cl = res.cluster;
    } else if (s == FT_OK) {
        ft_clusterstore_run run;
        s = ft_clusterstore_run_get(st, FT_CHAIN_BTC, &run, &err);
        if (s == FT_ERR_NOTFOUND) {
            ft_store_close(st);
            ft_graph_release(&g);
            return ft_cli_error(2, "index '%s' is not clustered: run 'fundtrace cluster' or "
                                   "give --heuristics", cli->db_path);
        }
        if (s == FT_OK)
            s = ft_clusterstore_load(st, FT_CHAIN_BTC, n_addr, &cl, &err);
    }
    if (s == FT_OK)
        s = ft_cli_read_file(truth, &text, &len, &err);
    if (s == FT_OK && truth_rows_alloc(&tr, n_addr, text, len) != 0)
        s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
    char *p = text, *f[3];
    size_t fl[3];
    int nf;
    uint32_t line = 0;
    while (s == FT_OK && next_line(&p, text + len, f, fl, &nf)) {
        line++;
        if (line == 1) {
            if (nf < 2 || fl[0] != 7 || memcmp(f[0], "address", 7) != 0)
                s = ft_err_set(&err, FT_ERR_PARSE,
                               "'%s' line 1: header must start with address,entity", truth);
            continue;
        }
        if (nf == 1 && fl[0] == 0)
            continue;
        if (nf < 2 || fl[0] == 0 || fl[0] >= FT_BTC_ADDR_STR_MAX || fl[1] == 0) {
            s = ft_err_set(&err, FT_ERR_PARSE, "'%s' line %u: expected address,entity[,kind]",
                           truth, line);
            break;
        }
        char a[FT_BTC_ADDR_STR_MAX];
        memcpy(a, f[0], fl[0]);
        a[fl[0]] = '\0';
        ft_addr_key key;
        ft_err sub;
        ft_err_clear(&sub);
        if (ft_btc_address_decode(&key, a, net, &sub) != FT_OK) {
            s = ft_err_set(&err, FT_ERR_PARSE, "'%s' line %u: invalid %s address '%s'", truth,
                           line, net->name, a);
            break;
        }
        uint64_t id;
        ft_status q = ft_query_addr_id(st, FT_CHAIN_BTC, &key, &id, &sub);
        if (q == FT_ERR_NOTFOUND || (q == FT_OK && id >= n_addr)) {
            tr.n_missing++;
            continue;
        }
        if (q != FT_OK) {
            s = q;
            err = sub;
            break;
        }
        if (truth_rows_add(&tr, cl, (uint32_t)id, f[1], fl[1]) != 0) {
            s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
            break;
        }
    }
    cj_stats cs;
    memset(&cs, 0, sizeof cs);
    double pred = 0, tru = 0, ok = 0;
    if (s == FT_OK) {
        truth_rows_pairs(&tr, &pred, &tru, &ok);
        if (cjfile)
            s = eval_coinjoins(cjfile, st, &g, cl, tr.ent, &cs, &err);
    }
    ft_store_close(st);
    free(text);
    truth_rows_release(&tr);
    ft_graph_release(&g);
    ft_cli_labels_release(&lab);
    if (heur)
        ft_cluster_result_release(&res);
    else
        free(cl);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    char hname[256] = "stored";
    if (heur)
        ft_registry_format(o.mask, hname, sizeof hname);
    if (cli->json) {
        cJSON *j = cJSON_CreateObject();
        scores_json(j, hname, tr.n_eval, tr.n_missing, pred, tru, ok);
        if (cjfile) {
            cJSON *c = cJSON_CreateObject();
            ft_cli_json_num(c, "truth", (double)cs.truth_total);
            ft_cli_json_num(c, "found", (double)cs.truth_found);
            cJSON *byk = cJSON_CreateObject();
            for (int k = 1; k < FT_CJ_KIND_COUNT; k++)
                if (cs.truth_kind[k]) {
                    cJSON *x = cJSON_CreateObject();
                    ft_cli_json_num(x, "truth", (double)cs.truth_kind[k]);
                    ft_cli_json_num(x, "detected", (double)cs.hit_kind[k]);
                    cJSON_AddItemToObject(byk, ft_coinjoin_kind_name((ft_coinjoin_kind)k), x);
                }
            cJSON_AddItemToObject(c, "by_kind", byk);
            ft_cli_json_num(c, "detected", (double)cs.detected_multi);
            ft_cli_json_num(c, "false_positives", (double)cs.false_pos);
            ft_cli_json_num(c, "participants_merged", (double)cs.merged);
            cJSON_AddItemToObject(j, "coinjoins", c);
        }
        return ft_cli_json_print(j);
    }
    scores_text(hname, tr.n_eval, tr.n_missing, pred, tru, ok);
    if (cjfile) {
        printf("coinjoins   %llu in truth (%llu in the index), %llu detected in the index, %llu "
               "detected that are not in truth\n",
               (unsigned long long)cs.truth_total, (unsigned long long)cs.truth_found,
               (unsigned long long)cs.detected_multi, (unsigned long long)cs.false_pos);
        for (int k = 1; k < FT_CJ_KIND_COUNT; k++)
            if (cs.truth_kind[k])
                printf("  %-14s %llu of %llu detected\n",
                       ft_coinjoin_kind_name((ft_coinjoin_kind)k),
                       (unsigned long long)cs.hit_kind[k], (unsigned long long)cs.truth_kind[k]);
        printf("participants merged  %llu CoinJoins\n", (unsigned long long)cs.merged);
    }
    return 0;
}
