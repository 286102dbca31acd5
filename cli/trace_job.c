/*
 * trace_job.c — the tracing run shared by `trace`, `report` and `demo` (trace_job.h): the
 * inputs from the Bitcoin index, the run, and the files of `trace --out DIR`.
 *
 * Steps of prepare: incidents from the store → seeds resolved to out ids (txid:vout, txid, or
 * an address: the outputs it receives from 00:00 UTC of the incident's date on, in chain
 * order, capped at the row's amount; a seed not in the index is bad input, exit 2) → the
 * graph → terminal category per address (its own label, else the label of its cluster: the
 * lowest-id labelled member of the cluster with a terminal category). Run: ft_trace_run, then
 * the text of each flow's address and the output order. Write: CSV to temporary files in DIR,
 * renamed when complete, so a failed trace never leaves half a file. A conservation failure
 * is a bug, reported as a runtime failure (exit 1) naming the incident and model.
 *
 * Output order: incidents by id (store order), models poison, haircut, fifo; flows within an
 * (incident, model) by amount descending, then address text. The bytes do not depend on the
 * number of threads.
 */
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
#include "cli/trace_job.h"
#include "engine/clusterstore.h"
#include "engine/csv.h"
#include "engine/graph.h"
#include "engine/hex.h"
#include "engine/incidents.h"
#include "engine/keys.h"
#include "engine/labels.h"
#include "engine/log.h"
#include "engine/query.h"
#include "engine/timefmt.h"
#include "engine/trace.h"

#include "engine/banned.h"

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

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ft_cli_trace_parse_opts(const char *cmd, const char *model, const char *max_hops,
                            const char *min_value, ft_trace_opts *to)
{
    memset(to, 0, sizeof *to);
    to->max_hops = FT_TRACE_NO_HOP_LIMIT;
    if (!model || strcmp(model, "all") == 0) {
        to->models = 1u << FT_TAINT_POISON | 1u << FT_TAINT_HAIRCUT | 1u << FT_TAINT_FIFO;
    } else {
        int m = ft_taint_model_parse(model);
        if (m < 0)
            return ft_cli_usage_error(cmd, "unknown model '%s' (poison, haircut, fifo, all)",
                                      model);
        if (!ft_taint_model_get(m)->implemented)
            return ft_cli_usage_error(cmd, "model '%s' is not implemented yet", model);
        to->models = 1u << m;
    }
    if (max_hops) {
        unsigned long long v;
        if (ft_cli_parse_u64(max_hops, &v) != 0 || v >= FT_TRACE_NO_HOP_LIMIT)
            return ft_cli_usage_error(cmd, "--max-hops needs a number, not '%s'", max_hops);
        to->max_hops = (uint32_t)v;
    }
    if (min_value) {
        ft_u128 v;
        if (ft_amount_parse(&v, min_value, FT_BTC_DECIMALS) != FT_OK || v > FT_BTC_MAX_MONEY)
            return ft_cli_usage_error(cmd, "--min-value needs an amount in BTC, not '%s'",
                                      min_value);
        to->min_value = (uint64_t)v;
    }
    return 0;
}

/* Text callbacks over the store. */
static ft_status store_addr_text(void *ctx, uint32_t addr, char out[FT_CLI_ADDR_TEXT_MAX],
                                 ft_err *err)
{
    const ft_cli_trace_job *job = ctx;
    ft_addr_key key;
    ft_status s = ft_query_addr_key(job->st, FT_CHAIN_BTC, addr, &key, err);
    if (s != FT_OK)
        return s;
    char text[FT_BTC_ADDR_STR_MAX];
    ft_cli_btc_address(text, &key, job->net);
    snprintf(out, FT_CLI_ADDR_TEXT_MAX, "%s", text);
    return FT_OK;
}

static ft_status store_txid_text(void *ctx, uint32_t tx, char out[65], ft_err *err)
{
    const ft_cli_trace_job *job = ctx;
    ft_query_txrec rec;
    ft_status s = ft_query_txrec_get(job->st, FT_CHAIN_BTC, tx, &rec, err);
    if (s != FT_OK)
        return s;
    ft_hex_encode_rev(out, rec.txid, 32);
    out[64] = '\0';
    ft_query_txrec_release(&rec);
    return FT_OK;
}

/* The seeds of one txid or txid:vout row. Returns 0 or the exit code (message printed). */
static int txid_seeds(ft_cli_trace_job *job, const ft_incident_row *x, int kind, uint32_t vout)
{
    uint8_t txid[32];
    uint64_t tx_id = 0;
    if (!ft_hex_decode_rev(txid, 32, x->seed, 64))
        return ft_cli_error(2, "incident '%s' seed '%s': not a txid", x->incident, x->seed);
    ft_err sub;
    ft_err_clear(&sub);
    ft_status s = ft_query_tx_id(job->st, FT_CHAIN_BTC, txid, &tx_id, &sub);
    if (s == FT_ERR_NOTFOUND || (s == FT_OK && tx_id >= job->g.n_tx))
        return ft_cli_error(2, "incident '%s' seed '%s': transaction not in the index",
                            x->incident, x->seed);
    if (s != FT_OK)
        return ft_cli_fail(s, &sub);
    const ft_graph *g = &job->g;
    uint32_t t = (uint32_t)tx_id, n_out = ft_graph_n_out(g, t);
    if (kind == 2 && vout >= n_out)
        return ft_cli_error(2, "incident '%s' seed '%s': the transaction has %u outputs",
                            x->incident, x->seed, n_out);
    uint32_t k0 = kind == 2 ? vout : 0, k1 = kind == 2 ? vout + 1 : n_out;
    for (uint32_t k = k0; k < k1; k++)
        if (!push_seed(&job->seeds, &job->n_seeds, &job->cap_seeds, (uint32_t)(job->n_inc - 1),
                       t, g->out_off[t] + k, 0))
            return ft_cli_error(1, "out of memory");
    return 0;
}

int ft_cli_trace_job_prepare(ft_cli_trace_job *job, ft_store *st, const ft_btc_params *net,
                             const char *db_path, const char *incident)
{
    memset(job, 0, sizeof *job);
    job->st = st;
    job->net = net;
    job->addr_text = store_addr_text;
    job->txid_text = store_txid_text;
    job->text_ctx = job;
    job->opts.max_hops = FT_TRACE_NO_HOP_LIMIT;
    ft_err err;
    ft_err_clear(&err);
    ft_incident_set *set = &job->set;
    ft_status s = ft_incidents_scan(st, FT_CHAIN_BTC, set, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    if (incident) {
        size_t k = 0;
        for (size_t i = 0; i < set->n; i++)
            if (strcmp(set->v[i].incident, incident) == 0)
                set->v[k++] = set->v[i];
        set->n = k;
        if (k == 0)
            return ft_cli_error(2, "no bitcoin incident '%s' in index '%s'", incident, db_path);
    } else if (set->n > 0) {
        ft_incident_set eth;
        memset(&eth, 0, sizeof eth);
        if (ft_incidents_scan(st, FT_CHAIN_ETH, &eth, &err) == FT_OK && eth.n > 0)
            ft_log(FT_LOG_WARN, "%zu ethereum incident rows are not traced: account chains "
                                "are not supported by trace yet",
                   eth.n);
        ft_err_clear(&err);
        ft_incident_set_release(&eth);
    }
    if (set->n == 0)
        return ft_cli_error(2, "index '%s' holds no bitcoin incident: run 'fundtrace incidents "
                               "import FILE'",
                            db_path);
    job->names = malloc(set->n * sizeof *job->names);
    job->inc_first_row = malloc(set->n * sizeof *job->inc_first_row);
    if (!job->names || !job->inc_first_row)
        return ft_cli_error(1, "out of memory");
    double t0 = now_s();
    s = ft_graph_load_utxo(&job->g, st, FT_CHAIN_BTC, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    for (size_t i = 0; i < set->n; i++) {
        const ft_incident_row *x = &set->v[i];
        if (job->n_inc == 0 || strcmp(job->names[job->n_inc - 1], x->incident) != 0) {
            job->inc_first_row[job->n_inc] = i;
            job->names[job->n_inc++] = x->incident; /* rows come sorted by incident */
        }
        uint32_t vout = 0;
        int kind = ft_incidents_seed_kind(x->seed, &vout);
        int code = kind == 0 ? address_seeds(st, net, &job->g, x, (uint32_t)(job->n_inc - 1),
                                             &job->seeds, &job->n_seeds, &job->cap_seeds)
                             : txid_seeds(job, x, kind, vout);
        if (code)
            return code;
    }
    s = ft_cli_labels_load(st, job->g.n_addr, &job->lab, &err);
    if (s == FT_OK)
        s = build_terminals(st, &job->g, &job->lab, &job->term_cat, &job->term_ent, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    job->load_seconds = now_s() - t0;
    return 0;
}

static const ft_cli_trace_job *sort_job; /* qsort has no context argument */

static int cmp_flow_order(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const ft_trace_flow *x = &sort_job->res.flows[i], *y = &sort_job->res.flows[j];
    if (x->incident != y->incident)
        return x->incident < y->incident ? -1 : 1;
    if (x->model != y->model)
        return x->model < y->model ? -1 : 1;
    if (x->amount != y->amount)
        return x->amount > y->amount ? -1 : 1;
    return strcmp(sort_job->flow_addr[i], sort_job->flow_addr[j]);
}

int ft_cli_trace_job_run(ft_cli_trace_job *job)
{
    ft_err err;
    ft_err_clear(&err);
    double t1 = now_s();
    ft_status s = ft_trace_run(&job->res, &job->g, job->term_cat, job->term_ent, job->seeds,
                               job->n_seeds, job->names, job->n_inc, &job->opts, &err);
    job->trace_seconds = now_s() - t1;
    ft_log(FT_LOG_DEBUG, "graph of %u txs and labels loaded in %.3f s; traced %llu (track, tx) "
                         "visits in %.3f s (%.0f visits/s)",
           job->g.n_tx, job->load_seconds, (unsigned long long)job->res.tx_visited,
           job->trace_seconds,
           job->trace_seconds > 0 ? (double)job->res.tx_visited / job->trace_seconds : 0.0);
    if (s != FT_OK)
        return s == FT_ERR_STATE ? ft_cli_error(1, "%s", err.msg) : ft_cli_fail(s, &err);
    size_t n = job->res.n_flows;
    job->flow_addr = calloc(n ? n : 1, sizeof *job->flow_addr);
    job->flow_order = malloc((n ? n : 1) * sizeof *job->flow_order);
    if (!job->flow_addr || !job->flow_order)
        return ft_cli_error(1, "out of memory");
    for (size_t f = 0; f < n; f++) {
        job->flow_order[f] = f;
        s = job->addr_text(job->text_ctx, job->res.flows[f].addr, job->flow_addr[f], &err);
        if (s != FT_OK)
            return ft_cli_fail(s, &err);
    }
    sort_job = job;
    qsort(job->flow_order, n, sizeof *job->flow_order, cmp_flow_order);
    sort_job = NULL;
    return 0;
}

/* Writes DIR/summary.csv and DIR/flows.csv via .tmp files and renames. */
static ft_status write_csvs(const char *dir, const ft_cli_trace_job *job, ft_err *err)
{
    const ft_trace_result *res = &job->res;
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
            if (!(job->opts.models >> m & 1u))
                continue;
            const ft_trace_summary *s = &res->summary[i * FT_TAINT_MODELS + (size_t)m];
            ft_csv_cell(f, job->names[i]);
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
    for (size_t r = 0; r < res->n_flows; r++) {
        size_t i = job->flow_order[r];
        const ft_trace_flow *x = &res->flows[i];
        ft_csv_cell(f, job->names[x->incident]);
        fprintf(f, ",%s,bitcoin,BTC,%s,", ft_taint_model_get((int)x->model)->name,
                ft_label_cat_name(x->category));
        ft_csv_cell(f, x->entity != FT_GRAPH_NONE ? job->lab.entity_name[x->entity] : "");
        fputc(',', f);
        ft_csv_cell(f, job->flow_addr[i]);
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

int ft_cli_trace_job_write(const ft_cli_trace_job *job, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return ft_cli_error(1, "cannot create '%s': %s", dir, strerror(errno));
    ft_err err;
    ft_err_clear(&err);
    ft_status s = write_csvs(dir, job, &err);
    return s == FT_OK ? 0 : ft_cli_fail(s, &err);
}

void ft_cli_trace_job_release(ft_cli_trace_job *job)
{
    free(job->flow_addr);
    free(job->flow_order);
    ft_trace_result_release(&job->res);
    free(job->term_cat);
    free(job->term_ent);
    ft_cli_labels_release(&job->lab);
    free(job->seeds);
    free(job->names);
    free(job->inc_first_row);
    ft_graph_release(&job->g);
    ft_incident_set_release(&job->set);
    memset(job, 0, sizeof *job);
}
