/*
 * cmd_trace.c — `fundtrace trace (--incident ID | --all) [--model M] [--max-hops N]
 * [--min-value AMOUNT] --out DIR`: traces the stored incidents of the Bitcoin index through
 * the taint models (engine/trace.c) and writes summary.csv and flows.csv (ARCHITECTURE.md
 * section 6 columns; amount_usd empty until prices exist).
 *
 * Steps: incidents from the store → seeds resolved to out ids (txid:vout, txid, or an address:
 * the outputs it receives from 00:00 UTC of the incident's date on, in chain order, capped at
 * the row's amount; a seed not in the index is bad input, exit 2) → the graph → terminal category per address (its own label, else the label
 * of its cluster: the lowest-id labelled member of the cluster with a terminal category) →
 * ft_trace_run → CSV written to temporary files in DIR and renamed, so a failed trace never
 * leaves half a file. A conservation failure is a bug, reported as a runtime failure (exit 1)
 * naming the incident and model.
 *
 * Output order: incidents by id (store order), models poison, haircut, fifo; flows within an
 * (incident, model) by amount descending, then address text. The bytes do not depend on the
 * number of threads.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "chains/bitcoin/address.h"
#include "cli/btc_index.h"
#include "cli/cluster_cli.h"
#include "cli/commands.h"
#include "engine/clusterstore.h"
#include "engine/graph.h"
#include "engine/hex.h"
#include "engine/incidents.h"
#include "engine/keys.h"
#include "engine/labels.h"
#include "engine/log.h"
#include "engine/query.h"
#include "engine/timefmt.h"
#include "engine/trace.h"
#include "engine/csv.h"

#include "engine/banned.h"

const char cmd_trace_usage[] =
    "usage: fundtrace [--json] trace (--incident ID | --all) [--model poison|haircut|fifo|all]\n"
    "                 [--max-hops N] [--min-value AMOUNT] --out DIR\n"
    "\n"
    "Traces the stolen funds of the imported incidents (fundtrace incidents import) through\n"
    "the Bitcoin index with the taint models of ARCHITECTURE.md section 5 (default: all),\n"
    "stopping at terminals (an address whose own label or whose cluster's label is exchange,\n"
    "otc, payment, mixer or bridge: run 'fundtrace cluster' after importing labels), at\n"
    "--max-hops transactions from a seed, below --min-value BTC of taint, or unspent.\n"
    "Seeds: txid:vout, txid (all its outputs), or an address (every output it receives from\n"
    "the incident's date on, in chain order, capped at the row's amount when given).\n"
    "Writes DIR/summary.csv and DIR/flows.csv (amount_usd empty);\n"
    "haircut and fifo must balance to the satoshi for every incident or the trace fails.\n"
    "Not yet: Ethereum incidents, paths.csv, flow.dot/svg, USD values (later parts of\n"
    "issue 6).\n"
    "\n"
    "Exit codes: 0 ok, 1 runtime failure (conservation check included), 2 bad input (an\n"
    "unknown incident, a seed not in the index), 129 usage error.\n";

typedef struct flow_row {
    const ft_trace_flow *f;
    char addr[FT_BTC_ADDR_STR_MAX];
} flow_row;

static int cmp_flow_row(const void *a, const void *b)
{
    const flow_row *x = a, *y = b;
    if (x->f->incident != y->f->incident)
        return x->f->incident < y->f->incident ? -1 : 1;
    if (x->f->model != y->f->model)
        return x->f->model < y->f->model ? -1 : 1;
    if (x->f->amount != y->f->amount)
        return x->f->amount > y->f->amount ? -1 : 1;
    return strcmp(x->addr, y->addr);
}

static void put_amount(FILE *f, ft_u128 v)
{
    char s[FT_AMOUNT_STR_MAX];
    ft_amount_format(s, v, FT_BTC_DECIMALS);
    fputs(s, f);
}

static void put_time(FILE *f, int64_t t)
{
    char s[FT_TIME_ISO8601_MAX];
    fputs(ft_time_iso8601(s, t), f);
}

/* Writes path via path.tmp and a rename. */
static ft_status write_csvs(const char *dir, const ft_trace_result *res, const char *const *names,
                            unsigned models, const flow_row *rows, size_t n_rows,
                            char *const *entity_name, ft_err *err)
{
    char tmp[2][4224], fin[2][4200];
    snprintf(fin[0], sizeof fin[0], "%s/summary.csv", dir);
    snprintf(fin[1], sizeof fin[1], "%s/flows.csv", dir);
    for (int k = 0; k < 2; k++)
        snprintf(tmp[k], sizeof tmp[k], "%s.tmp", fin[k]);
    FILE *f = fopen(tmp[0], "w");
    if (!f)
        return ft_err_set(err, FT_ERR_IO, "cannot write '%s': %s", tmp[0], strerror(errno));
    fputs("incident,model,chain,asset,stolen,to_exchange,to_mixer,to_bridge,to_other,unspent,"
          "fees,below_threshold,hop_limit\n",
          f);
    for (size_t i = 0; i < res->n_incidents; i++)
        for (int m = 0; m < FT_TAINT_MODELS; m++) {
            if (!(models >> m & 1u))
                continue;
            const ft_trace_summary *s = &res->summary[i * FT_TAINT_MODELS + (size_t)m];
            ft_csv_cell(f, names[i]);
            fprintf(f, ",%s,bitcoin,BTC", ft_taint_model_get(m)->name);
            const ft_u128 v[9] = {s->stolen,  s->to_exchange, s->to_mixer,
                                  s->to_bridge, s->to_other, s->unspent,
                                  s->fees,    s->below_threshold, s->hop_limit};
            for (int k = 0; k < 9; k++) {
                fputc(',', f);
                put_amount(f, v[k]);
            }
            fputc('\n', f);
        }
    if (fclose(f) != 0) {
        remove(tmp[0]);
        return ft_err_set(err, FT_ERR_IO, "cannot write '%s'", tmp[0]);
    }
    f = fopen(tmp[1], "w");
    if (!f) {
        remove(tmp[0]);
        return ft_err_set(err, FT_ERR_IO, "cannot write '%s': %s", tmp[1], strerror(errno));
    }
    fputs("incident,model,chain,asset,category,entity,address,amount,amount_usd,hops,first_time,"
          "last_time,tx_count\n",
          f);
    for (size_t r = 0; r < n_rows; r++) {
        const ft_trace_flow *x = rows[r].f;
        ft_csv_cell(f, names[x->incident]);
        fprintf(f, ",%s,bitcoin,BTC,%s,", ft_taint_model_get((int)x->model)->name,
                ft_label_cat_name(x->category));
        ft_csv_cell(f, x->entity != FT_GRAPH_NONE ? entity_name[x->entity] : "");
        fputc(',', f);
        ft_csv_cell(f, rows[r].addr);
        fputc(',', f);
        put_amount(f, x->amount);
        fprintf(f, ",,%u,", x->hops);
        put_time(f, x->first_time);
        fputc(',', f);
        put_time(f, x->last_time);
        fprintf(f, ",%llu\n", (unsigned long long)x->tx_count);
    }
    if (fclose(f) != 0) {
        remove(tmp[0]);
        remove(tmp[1]);
        return ft_err_set(err, FT_ERR_IO, "cannot write '%s'", tmp[1]);
    }
    for (int k = 0; k < 2; k++)
        if (rename(tmp[k], fin[k]) != 0) {
            remove(tmp[0]);
            remove(tmp[1]);
            return ft_err_set(err, FT_ERR_IO, "cannot rename '%s': %s", tmp[k], strerror(errno));
        }
    return FT_OK;
}

/* Terminal category and entity per address: own label, else the cluster's. */
static ft_status build_terminals(ft_store *st, const ft_graph *g, const ft_cli_labels *lab,
                                 uint8_t **cat_out, uint32_t **ent_out, ft_err *err)
{
    uint32_t n = g->n_addr;
    uint8_t *cat = malloc(n ? n : 1);
    uint32_t *ent = malloc((n ? n : 1) * sizeof *ent);
    uint32_t *croot_ent = malloc((n ? n : 1) * sizeof *croot_ent);
    uint32_t *cl = NULL;
    if (!cat || !ent || !croot_ent) {
        free(cat);
        free(ent);
        free(croot_ent);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for terminals");
    }
    memset(cat, FT_CAT_NONE, n ? n : 1);
    for (uint32_t a = 0; a < n; a++)
        ent[a] = croot_ent[a] = FT_GRAPH_NONE;
    ft_status s = FT_OK;
    if (lab->addr_entity) {
        s = ft_clusterstore_load(st, FT_CHAIN_BTC, n, &cl, err);
        if (s == FT_OK) {
            /* the lowest-id terminal-labelled member names its cluster */
            for (uint32_t a = 1; a < n; a++) {
                uint32_t e = lab->addr_entity[a];
                if (e == FT_GRAPH_NONE)
                    continue;
                uint8_t c = lab->entity_cat[e];
                int terminal = c == FT_CAT_EXCHANGE || c == FT_CAT_OTC || c == FT_CAT_PAYMENT ||
                               c == FT_CAT_MIXER || c == FT_CAT_BRIDGE;
                if (!terminal)
                    continue;
                cat[a] = c;
                ent[a] = e;
                uint32_t r = cl[a] < n ? cl[a] : a;
                if (croot_ent[r] == FT_GRAPH_NONE)
                    croot_ent[r] = e;
            }
            for (uint32_t a = 1; a < n; a++) {
                uint32_t r = cl[a] < n ? cl[a] : a;
                if (cat[a] == FT_CAT_NONE && croot_ent[r] != FT_GRAPH_NONE) {
                    ent[a] = croot_ent[r];
                    cat[a] = lab->entity_cat[croot_ent[r]];
                }
            }
        }
    }
    free(cl);
    free(croot_ent);
    if (s != FT_OK) {
        free(cat);
        free(ent);
        return s;
    }
    *cat_out = cat;
    *ent_out = ent;
    return FT_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int push_seed(ft_trace_seed **v, size_t *n, size_t *cap, uint32_t inc, uint32_t tx,
                     uint32_t out, uint64_t amount)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        ft_trace_seed *nv = realloc(*v, nc * sizeof *nv);
        if (!nv)
            return 0;
        *v = nv;
        *cap = nc;
    }
    (*v)[*n].incident = inc;
    (*v)[*n].tx = tx;
    (*v)[*n].out = out;
    (*v)[*n].amount = amount;
    (*n)++;
    return 1;
}

/* 00:00 UTC of "YYYY-MM-DD" in seconds since 1970 (days from the civil calendar). */
static int64_t day_start(const char *date)
{
    int64_t y = 0, m = 0, d = 0;
    for (int i = 0; i < 4; i++)
        y = y * 10 + (date[i] - '0');
    m = (date[5] - '0') * 10 + (date[6] - '0');
    d = (date[8] - '0') * 10 + (date[9] - '0');
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + doe - 719468) * 86400;
}

/* An address seed: every output paying the address in a block of the incident's date or
 * later, in chain order, capped at the row's amount when given (the last output then tainted
 * in part). Returns 0 or the exit code (message printed). */
static int address_seeds(ft_store *st, const ft_btc_params *net, const ft_graph *g,
                         const ft_incident_row *x, uint32_t inc, ft_trace_seed **seeds,
                         size_t *n_seeds, size_t *cap_seeds)
{
    ft_addr_key key;
    ft_err sub;
    ft_err_clear(&sub);
    if (ft_btc_address_decode(&key, x->seed, net, &sub) != FT_OK)
        return ft_cli_error(2, "incident '%s' seed '%s': %s", x->incident, x->seed, sub.msg);
    uint64_t aid = 0;
    ft_status s = ft_query_addr_id(st, FT_CHAIN_BTC, &key, &aid, &sub);
    if (s == FT_ERR_NOTFOUND || (s == FT_OK && aid >= g->n_addr))
        return ft_cli_error(2, "incident '%s' seed '%s': address not in the index", x->incident,
                            x->seed);
    if (s != FT_OK)
        return ft_cli_fail(s, &sub);
    ft_u128 cap = 0;
    int capped = x->amount[0] != '\0';
    if (capped && (ft_amount_parse(&cap, x->amount, FT_BTC_DECIMALS) != FT_OK ||
                   cap > FT_BTC_MAX_MONEY || cap == 0))
        return ft_cli_error(2, "incident '%s' seed '%s': amount '%s' is not a BTC amount",
                            x->incident, x->seed, x->amount);
    if (strlen(x->date) != 10)
        return ft_cli_error(2, "incident '%s': bad date '%s'", x->incident, x->date);
    int64_t from = day_start(x->date);
    uint64_t left = (uint64_t)cap;
    size_t n0 = *n_seeds;
    for (uint32_t t = 0; t < g->n_tx && (!capped || left > 0); t++) {
        if (g->tx_time[t] < from)
            continue;
        for (uint32_t o = g->out_off[t]; o < g->out_off[t + 1] && (!capped || left > 0); o++) {
            uint64_t v = g->out_value[o];
            if (g->out_addr[o] != (uint32_t)aid || v == 0)
                continue;
            uint64_t take = capped ? (v < left ? v : left) : 0;
            if (!push_seed(seeds, n_seeds, cap_seeds, inc, t, o, take))
                return ft_cli_error(1, "out of memory");
            left -= take;
        }
    }
    if (*n_seeds == n0)
        return ft_cli_error(2, "incident '%s' seed '%s': the address received nothing from %s on",
                            x->incident, x->seed, x->date);
    return 0;
}

int cmd_trace(ft_cli *cli, int argc, char **argv)
{
    const char *incident = NULL, *model = NULL, *max_hops = NULL, *min_value = NULL, *out = NULL;
    int all = 0;
    const ft_opt opts[] = {{"incident", 1, &incident, NULL}, {"all", 0, NULL, &all},
                           {"model", 1, &model, NULL},       {"max-hops", 1, &max_hops, NULL},
                           {"min-value", 1, &min_value, NULL}, {"out", 1, &out, NULL},
                           {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int n_pos = 0;
    int rc = ft_cli_parse("trace", argc, argv, opts, pos, 0, &n_pos);
    if (rc)
        return rc;
    if ((incident != NULL) == (all != 0))
        return ft_cli_usage_error("trace", "give either --incident ID or --all");
    if (!out || !*out)
        return ft_cli_usage_error("trace", "--out DIR is required");
    ft_trace_opts to = {0, FT_TRACE_NO_HOP_LIMIT, 0};
    if (!model || strcmp(model, "all") == 0) {
        to.models = 1u << FT_TAINT_POISON | 1u << FT_TAINT_HAIRCUT | 1u << FT_TAINT_FIFO;
    } else {
        int m = ft_taint_model_parse(model);
        if (m < 0)
            return ft_cli_usage_error("trace", "unknown model '%s' (poison, haircut, fifo, all)",
                                      model);
        if (!ft_taint_model_get(m)->implemented)
            return ft_cli_usage_error("trace", "model '%s' is not implemented yet", model);
        to.models = 1u << m;
    }
    if (max_hops) {
        unsigned long long v;
        if (ft_cli_parse_u64(max_hops, &v) != 0 || v >= FT_TRACE_NO_HOP_LIMIT)
            return ft_cli_usage_error("trace", "--max-hops needs a number, not '%s'", max_hops);
        to.max_hops = (uint32_t)v;
    }
    if (min_value) {
        ft_u128 v;
        if (ft_amount_parse(&v, min_value, FT_BTC_DECIMALS) != FT_OK || v > FT_BTC_MAX_MONEY)
            return ft_cli_usage_error("trace", "--min-value needs an amount in BTC, not '%s'",
                                      min_value);
        to.min_value = (uint64_t)v;
    }

    ft_store *st = NULL;
    const ft_btc_params *net = NULL;
    ft_query_chainrec crec;
    if ((rc = ft_cli_btc_open(cli, &st, &net, &crec)) != 0)
        return rc;
    ft_err err;
    ft_err_clear(&err);
    ft_incident_set set;
    memset(&set, 0, sizeof set);
    ft_graph g;
    memset(&g, 0, sizeof g);
    ft_cli_labels lab;
    memset(&lab, 0, sizeof lab);
    ft_trace_result res;
    memset(&res, 0, sizeof res);
    const char **names = NULL;
    ft_trace_seed *seeds = NULL;
    size_t n_seeds = 0, cap_seeds = 0, n_inc = 0;
    uint8_t *term_cat = NULL;
    uint32_t *term_ent = NULL;
    flow_row *rows = NULL;
    int code = 0;

    ft_status s = ft_incidents_scan(st, FT_CHAIN_BTC, &set, &err);
    if (s != FT_OK) {
        code = ft_cli_fail(s, &err);
        goto done;
    }
    if (incident) {
        size_t k = 0;
        for (size_t i = 0; i < set.n; i++)
            if (strcmp(set.v[i].incident, incident) == 0)
                set.v[k++] = set.v[i];
        set.n = k;
        if (k == 0) {
            code = ft_cli_error(2, "no bitcoin incident '%s' in index '%s'", incident,
                                cli->db_path);
            goto done;
        }
    } else if (set.n > 0) {
        ft_incident_set eth;
        memset(&eth, 0, sizeof eth);
        if (ft_incidents_scan(st, FT_CHAIN_ETH, &eth, &err) == FT_OK && eth.n > 0)
            ft_log(FT_LOG_WARN, "%zu ethereum incident rows are not traced: account chains "
                                "are not supported by trace yet",
                   eth.n);
        ft_err_clear(&err);
        ft_incident_set_release(&eth);
    }
    if (set.n == 0) {
        code = ft_cli_error(2, "index '%s' holds no bitcoin incident: run 'fundtrace incidents "
                               "import FILE'",
                            cli->db_path);
        goto done;
    }
    names = malloc(set.n * sizeof *names);
    if (!names) {
        code = ft_cli_error(1, "out of memory");
        goto done;
    }
    double t0 = now_s();
    s = ft_graph_load_utxo(&g, st, FT_CHAIN_BTC, &err);
    if (s != FT_OK) {
        code = ft_cli_fail(s, &err);
        goto done;
    }
    for (size_t i = 0; i < set.n; i++) {
        const ft_incident_row *x = &set.v[i];
        if (n_inc == 0 || strcmp(names[n_inc - 1], x->incident) != 0)
            names[n_inc++] = x->incident; /* rows come sorted by incident */
        uint32_t vout = 0;
        int kind = ft_incidents_seed_kind(x->seed, &vout);
        if (kind == 0) {
            code = address_seeds(st, net, &g, x, (uint32_t)(n_inc - 1), &seeds, &n_seeds,
                                 &cap_seeds);
            if (code)
                goto done;
            continue;
        }
        uint8_t txid[32];
        uint64_t tx_id = 0;
        if (!ft_hex_decode_rev(txid, 32, x->seed, 64)) {
            code = ft_cli_error(2, "incident '%s' seed '%s': not a txid", x->incident, x->seed);
            goto done;
        }
        ft_err sub;
        ft_err_clear(&sub);
        s = ft_query_tx_id(st, FT_CHAIN_BTC, txid, &tx_id, &sub);
        if (s == FT_ERR_NOTFOUND || (s == FT_OK && tx_id >= g.n_tx)) {
            code = ft_cli_error(2, "incident '%s' seed '%s': transaction not in the index",
                                x->incident, x->seed);
            goto done;
        }
        if (s != FT_OK) {
            code = ft_cli_fail(s, &sub);
            goto done;
        }
        uint32_t t = (uint32_t)tx_id, n_out = ft_graph_n_out(&g, t);
        if (kind == 2 && vout >= n_out) {
            code = ft_cli_error(2, "incident '%s' seed '%s': the transaction has %u outputs",
                                x->incident, x->seed, n_out);
            goto done;
        }
        uint32_t k0 = kind == 2 ? vout : 0, k1 = kind == 2 ? vout + 1 : n_out;
        for (uint32_t k = k0; k < k1; k++)
            if (!push_seed(&seeds, &n_seeds, &cap_seeds, (uint32_t)(n_inc - 1), t,
                           g.out_off[t] + k, 0)) {
                code = ft_cli_error(1, "out of memory");
                goto done;
            }
    }
    s = ft_cli_labels_load(st, g.n_addr, &lab, &err);
    if (s == FT_OK)
        s = build_terminals(st, &g, &lab, &term_cat, &term_ent, &err);
    if (s != FT_OK) {
        code = ft_cli_fail(s, &err);
        goto done;
    }
    double t1 = now_s();
    s = ft_trace_run(&res, &g, term_cat, term_ent, seeds, n_seeds, names, n_inc, &to, &err);
    double t2 = now_s();
    ft_log(FT_LOG_DEBUG, "graph of %u txs and labels loaded in %.3f s; traced %llu (track, tx) "
                         "visits in %.3f s (%.0f visits/s)",
           g.n_tx, t1 - t0, (unsigned long long)res.tx_visited, t2 - t1,
           t2 > t1 ? (double)res.tx_visited / (t2 - t1) : 0.0);
    if (s != FT_OK) {
        code = s == FT_ERR_STATE ? ft_cli_error(1, "%s", err.msg) : ft_cli_fail(s, &err);
        goto done;
    }
    rows = calloc(res.n_flows ? res.n_flows : 1, sizeof *rows);
    if (!rows) {
        code = ft_cli_error(1, "out of memory");
        goto done;
    }
    for (size_t f = 0; f < res.n_flows; f++) {
        ft_addr_key key;
        rows[f].f = &res.flows[f];
        s = ft_query_addr_key(st, FT_CHAIN_BTC, res.flows[f].addr, &key, &err);
        if (s != FT_OK) {
            code = ft_cli_fail(s, &err);
            goto done;
        }
        ft_cli_btc_address(rows[f].addr, &key, net);
    }
    qsort(rows, res.n_flows, sizeof *rows, cmp_flow_row);
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        code = ft_cli_error(1, "cannot create '%s': %s", out, strerror(errno));
        goto done;
    }
    s = write_csvs(out, &res, names, to.models, rows, res.n_flows, lab.entity_name, &err);
    if (s != FT_OK) {
        code = ft_cli_fail(s, &err);
        goto done;
    }
    if (cli->json) {
        cJSON *o = cJSON_CreateObject();
        ft_cli_json_num(o, "incidents", (double)n_inc);
        ft_cli_json_num(o, "seeds", (double)n_seeds);
        ft_cli_json_num(o, "flows", (double)res.n_flows);
        ft_cli_json_num(o, "tx_visited", (double)res.tx_visited);
        ft_cli_json_str(o, "out", out, 0);
        code = ft_cli_json_print(o);
    } else if (!cli->quiet) {
        printf("traced %zu incidents (%zu seed outputs): %zu flows, %llu tx visits; wrote "
               "'%s/summary.csv' and '%s/flows.csv'\n",
               n_inc, n_seeds, res.n_flows, (unsigned long long)res.tx_visited, out, out);
    }
done:
    free(rows);
    ft_trace_result_release(&res);
    free(term_cat);
    free(term_ent);
    ft_cli_labels_release(&lab);
    free(seeds);
    free(names);
    ft_graph_release(&g);
    ft_incident_set_release(&set);
    ft_store_close(st);
    return code;
}
