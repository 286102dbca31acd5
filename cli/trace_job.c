/*
 * trace_job.c — the tracing run shared by `trace`, `report` and `demo` (trace_job.h): the
 * inputs from the Bitcoin index, the run, and the files of `trace --out DIR`.
 *
 * Steps of prepare: incidents from the store → seeds resolved to out ids (txid:vout, txid, or
 * an address: the outputs it receives from 00:00 UTC of the incident's date on, in chain
 * order, capped at the row's amount; a txid:vout or txid row's amount caps the first units of
 * the output or of the outputs in output order, and an amount above what they hold is bad
 * input; a seed not in the index is bad input, exit 2) → the
 * graph → terminal category per address (its own label, else the label of its cluster: the
 * lowest-id labelled member of the cluster with a terminal category). Run: ft_trace_run, then
 * the text of each flow's address and the output order. Write: summary.csv, flows.csv (USD
 * from datasets/prices, found as load_prices says), paths.csv, flow.dot — the Bitcoin rows,
 * then the account chains' (cli/trace_job_account.c) — to temporary files in DIR, flow.svg
 * rendered from flow.dot.tmp by Graphviz, and all renamed only when every one succeeded, so a
 * failed trace leaves DIR's previous files as they were. A conservation failure
 * is a bug, reported as a runtime failure (exit 1) naming the incident and model.
 *
 * Output order: incidents by id (store order), models poison, haircut, fifo; flows within an
 * (incident, model) by amount descending, then address text. The bytes do not depend on the
 * number of threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chains/bitcoin/address.h"
#include "cli/btc_index.h"
#include "cli/cluster_cli.h"
#include "cli/commands.h"
#include "cli/trace_job.h"
#include "engine/clusterstore.h"
#include "engine/csv.h"
#include "engine/exposure.h"
#include "engine/graph.h"
#include "engine/hex.h"
#include "engine/incidents.h"
#include "engine/keys.h"
#include "engine/labels.h"
#include "engine/log.h"
#include "engine/prices.h"
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

ft_status ft_cli_trace_terminals(ft_store *st, const ft_graph *g, const ft_cli_labels *lab,
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
        s = ft_clusterstore_load(st, g->chain, n, &cl, err);
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

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The prices directory (datasets/prices/README.md, "Lookup by the CLI"): $FUNDTRACE_PRICES,
 * $FUNDTRACE_DATASETS/prices, beside the binary (<exe dir>/../datasets/prices: build/fundtrace
 * in the source tree; <exe dir>/../share/fundtrace/datasets/prices: an installed tree),
 * $FT_SOURCE_DIR/datasets/prices, ./datasets/prices. Returns 1 with the path in out. */
static int find_prices_dir(char *out, size_t cap)
{
    const char *env = getenv("FUNDTRACE_PRICES");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return is_dir(out);
    }
    env = getenv("FUNDTRACE_DATASETS");
    if (env && *env) {
        snprintf(out, cap, "%s/prices", env);
        if (is_dir(out))
            return 1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, cap, "%s/../datasets/prices", exe);
            if (is_dir(out))
                return 1;
            snprintf(out, cap, "%s/../share/fundtrace/datasets/prices", exe);
            if (is_dir(out))
                return 1;
        }
    }
    env = getenv("FT_SOURCE_DIR");
    if (env && *env) {
        snprintf(out, cap, "%s/datasets/prices", env);
        if (is_dir(out))
            return 1;
    }
    snprintf(out, cap, "datasets/prices");
    return is_dir(out);
}

/* Loads the daily prices for amount_usd into job (absent: a warning, USD stays empty).
 * Returns 0 or an exit code (a malformed price file is bad input: 2). */
int ft_cli_trace_job_load_prices(ft_cli_trace_job *job)
{
    char dir[PATH_MAX + 64];
    if (!find_prices_dir(dir, sizeof dir)) {
        ft_log(FT_LOG_WARN, "no prices directory found (datasets/prices; set FUNDTRACE_DATASETS "
                            "or FUNDTRACE_PRICES): amount_usd left empty");
        return 0;
    }
    ft_err err;
    ft_err_clear(&err);
    ft_prices *p = NULL;
    ft_status s = ft_prices_load_dir(&p, dir, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    job->prices = p;
    job->opts.prices = p;
    job->opts.asset = "BTC";
    job->opts.decimals = FT_BTC_DECIMALS;
    return 0;
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
    to->paths = 1; /* paths.csv: every command that writes the trace files records them */
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

int ft_cli_trace_parse_paths(const char *cmd, const char *paths, ft_trace_opts *opts)
{
    if (!paths)
        return 0;
    unsigned long long v;
    if (ft_cli_parse_u64(paths, &v) != 0 || v > 1)
        return ft_cli_usage_error(cmd, "--paths needs 0 or 1 (evidence paths per flow), not '%s'",
                                  paths);
    opts->paths = (int)v;
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
    /* an amount caps the stolen units: the first units of the output's FIFO tape (txid:vout),
     * or of the outputs in output order (txid); more than the outputs hold is bad input */
    ft_u128 cap = 0, total = 0;
    int capped = x->amount[0] != '\0';
    if (capped && (ft_amount_parse(&cap, x->amount, FT_BTC_DECIMALS) != FT_OK ||
                   cap > FT_BTC_MAX_MONEY || cap == 0))
        return ft_cli_error(2, "incident '%s' seed '%s': amount '%s' is not a BTC amount",
                            x->incident, x->seed, x->amount);
    for (uint32_t k = k0; k < k1; k++)
        total += g->out_value[g->out_off[t] + k];
    if (capped && cap > total) {
        char have[FT_AMOUNT_STR_MAX];
        ft_amount_format(have, total, FT_BTC_DECIMALS);
        return ft_cli_error(2, "incident '%s' seed '%s': amount %s exceeds the %s BTC %s",
                            x->incident, x->seed, x->amount, have,
                            kind == 2 ? "of the output" : "of the transaction's outputs");
    }
    uint64_t left = (uint64_t)cap;
    for (uint32_t k = k0; k < k1 && (!capped || left > 0); k++) {
        uint64_t v = g->out_value[g->out_off[t] + k];
        uint64_t take = capped ? (v < left ? v : left) : 0;
        if (capped && take == 0)
            continue; /* a zero-value output: nothing to take */
        if (!push_seed(&job->seeds, &job->n_seeds, &job->cap_seeds, (uint32_t)(job->n_inc - 1),
                       t, g->out_off[t] + k, take))
            return ft_cli_error(1, "out of memory");
        left -= take;
    }
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
    int acode = ft_cli_trace_job_account_prepare(job, st, incident); /* EVM chains */
    if (acode)
        return acode;
    size_t n_acct = ft_cli_trace_job_account_incidents(job);
    ft_incident_set *set = &job->set;
    ft_status s = net ? ft_incidents_scan(st, FT_CHAIN_BTC, set, &err) : FT_OK;
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    if (incident) {
        size_t k = 0;
        for (size_t i = 0; i < set->n; i++)
            if (strcmp(set->v[i].incident, incident) == 0)
                set->v[k++] = set->v[i];
        set->n = k;
        if (k == 0 && n_acct == 0)
            return ft_cli_error(2, "no incident '%s' in index '%s'", incident, db_path);
    }
    if (set->n == 0 && n_acct == 0)
        return ft_cli_error(2, "index '%s' holds no incident: run 'fundtrace incidents "
                               "import FILE'",
                            db_path);
    if (set->n == 0)
        return ft_cli_trace_job_load_prices(job); /* account chains only */
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
        s = ft_cli_trace_terminals(st, &job->g, &job->lab, &job->term_cat, &job->term_ent, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    int code = ft_cli_trace_job_load_prices(job);
    if (code)
        return code;
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
    ft_status s = job->n_inc == 0 && !job->trace_fn ? FT_OK /* account chains only */
                  : job->trace_fn ? job->trace_fn(job, &err)
                                : ft_trace_run(&job->res, &job->g, job->term_cat, job->term_ent,
                                               job->seeds, job->n_seeds, job->names, job->n_inc,
                                               &job->opts, &err);
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
    return ft_cli_trace_job_account_run(job);
}

static ft_status w_summary(FILE *f, const ft_cli_trace_job *job, ft_err *err)
{
    const ft_trace_result *res = &job->res;
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
    return ft_cli_trace_job_account_summary(f, job, err); /* EVM chains' rows */
}

static ft_status w_flows(FILE *f, const ft_cli_trace_job *job, ft_err *err)
{
    const ft_trace_result *res = &job->res;
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
        fputc(',', f);
        if (x->usd_known) {
            char usd[FT_AMOUNT_STR_MAX];
            ft_prices_format_usd(usd, x->amount_usd);
            fputs(usd, f);
        }
        fprintf(f, ",%u,", x->hops);
        put_time(f, x->first_time);
        fputc(',', f);
        put_time(f, x->last_time);
        fprintf(f, ",%llu\n", (unsigned long long)x->tx_count);
    }
    return ft_cli_trace_job_account_flows(f, job, err); /* EVM chains' rows */
}

/* Text of the distinct ids the paths name, resolved once each (paths share most hops: on a
 * 1M-tx chain 4.2 M hops name 0.29 M transactions and 0.24 M addresses). ids sorted, text[i]
 * of ids[i]; width bytes per entry. */
typedef struct text_memo {
    uint32_t *ids;
    char *text;
    size_t n, width;
} text_memo;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts and dedups ids (n entries, owned by the memo), then resolves each with fn. */
static ft_status memo_build(text_memo *m, uint32_t *ids, size_t n, size_t width,
                            ft_status (*fn)(const ft_cli_trace_job *, uint32_t, char *, ft_err *),
                            const ft_cli_trace_job *job, ft_err *err)
{
    qsort(ids, n, sizeof *ids, cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || ids[i] != ids[k - 1])
            ids[k++] = ids[i];
    m->ids = ids;
    m->n = k;
    m->width = width;
    m->text = malloc(k ? k * width : 1);
    if (!m->text)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the text of %zu ids", k);
    for (size_t i = 0; i < k; i++) {
        ft_status s = fn(job, ids[i], m->text + i * width, err);
        if (s != FT_OK)
            return s;
    }
    return FT_OK;
}

static const char *memo_get(const text_memo *m, uint32_t id)
{
    const uint32_t *p = bsearch(&id, m->ids, m->n, sizeof *m->ids, cmp_u32);
    return p ? m->text + (size_t)(p - m->ids) * m->width : "";
}

static ft_status memo_txid(const ft_cli_trace_job *job, uint32_t tx, char *out, ft_err *err)
{
    return job->txid_text(job->text_ctx, tx, out, err);
}

/* Address text of address id a ("" for none: an output without an address). */
static ft_status memo_addr(const ft_cli_trace_job *job, uint32_t a, char *out, ft_err *err)
{
    out[0] = '\0';
    if (a == 0 || a >= job->g.n_addr)
        return FT_OK;
    return job->addr_text(job->text_ctx, a, out, err);
}

static ft_status w_paths_rows(FILE *f, const ft_cli_trace_job *job, const text_memo *txt,
                              const text_memo *adr, ft_err *err);

/* paths.csv: per flow (flows.csv order) its evidence path, numbered per (incident, model);
 * hop k is the k-th transaction from the seed output: from = the tainted output it spent,
 * to = the output it paid. A seed output paid straight to the terminal is one row with hop 0
 * (txid = the seed's transaction, from empty). */
static ft_status w_paths(FILE *f, const ft_cli_trace_job *job, ft_err *err)
{
    const ft_trace_result *res = &job->res;
    size_t n = res->n_path ? res->n_path : 1;
    uint32_t *tx_ids = malloc(n * sizeof *tx_ids), *addr_ids = malloc(n * sizeof *addr_ids);
    text_memo txt = {NULL, NULL, 0, 0}, adr = {NULL, NULL, 0, 0};
    ft_status s = FT_OK;
    if (!tx_ids || !addr_ids) {
        free(tx_ids);
        free(addr_ids);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for %zu path steps", n);
    }
    for (size_t k = 0; k < res->n_path; k++) {
        tx_ids[k] = res->path[k].tx;
        addr_ids[k] = job->g.out_addr[res->path[k].out];
    }
    s = memo_build(&txt, tx_ids, res->n_path, 65, memo_txid, job, err);
    if (s == FT_OK)
        s = memo_build(&adr, addr_ids, res->n_path, FT_CLI_ADDR_TEXT_MAX, memo_addr, job, err);
    else
        free(addr_ids);
    if (s == FT_OK)
        s = w_paths_rows(f, job, &txt, &adr, err);
    if (s == FT_OK)
        s = ft_cli_trace_job_account_paths(f, job, err); /* EVM chains' rows */
    free(txt.ids);
    free(txt.text);
    free(adr.ids);
    free(adr.text);
    return s;
}

static ft_status w_paths_rows(FILE *f, const ft_cli_trace_job *job, const text_memo *txt,
                              const text_memo *adr, ft_err *err)
{
    const ft_trace_result *res = &job->res;
    fputs("incident,model,path,hop,chain,txid,from,to,amount,time\n", f);
    uint32_t cur_inc = UINT32_MAX, cur_model = UINT32_MAX;
    uint64_t path_no = 0;
    for (size_t r = 0; r < res->n_flows; r++) {
        size_t i = job->flow_order[r];
        const ft_trace_flow *x = &res->flows[i];
        if (x->incident != cur_inc || x->model != cur_model) {
            cur_inc = x->incident;
            cur_model = x->model;
            path_no = 0;
        }
        path_no++;
        size_t a = res->path_off[i], b = res->path_off[i + 1];
        if (b <= a)
            return ft_err_set(err, FT_ERR_STATE, "no evidence path for a flow of incident '%s'",
                              job->names[x->incident]);
        for (size_t k = b - a == 1 ? a : a + 1; k < b; k++) {
            const ft_trace_path_step *sp = &res->path[k];
            const char *txid = memo_get(txt, sp->tx);
            const char *from = k > a ? memo_get(adr, job->g.out_addr[res->path[k - 1].out]) : "";
            const char *to = memo_get(adr, job->g.out_addr[sp->out]);
            ft_csv_cell(f, job->names[x->incident]);
            fprintf(f, ",%s,%llu,%zu,bitcoin,%s,", ft_taint_model_get((int)x->model)->name,
                    (unsigned long long)path_no, k - a, txid);
            ft_csv_cell(f, from);
            fputc(',', f);
            ft_csv_cell(f, to);
            fputc(',', f);
            put_amount(f, sp->taint);
            fputc(',', f);
            put_time(f, job->g.tx_time[sp->tx]);
            fputc('\n', f);
        }
    }
    return FT_OK;
}

/* ---- flow.dot ----------------------------------------------------------------------------
 * Left: one node per incident. Middle: one node per terminal category reached. Right: one
 * node per terminal entity (an unlabelled terminal address is grouped as "unlabelled <cat>")
 * and the non-terminal outcomes (unspent, fees, below threshold, hop limit). Figures of one
 * model: haircut when it was run, else the first model run (named in the graph label). Edge
 * width 1..12 pt proportional to the amount (the largest edge 12 pt). Node ids are
 * generated ("i3", "c0", "e5", "o1"); every label goes through dot_esc. */

/* Writes s escaped for a DOT double-quoted string: \ and " escaped, control characters as
 * spaces (no line breaks or DOT escapes can come from data). */
static void dot_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
        } else if (c < 0x20 || c == 0x7f) {
            fputc(' ', f);
        } else {
            fputc(c, f);
        }
    }
}

typedef struct dot_sum {
    ft_u128 amount, usd; /* usd: micro-USD */
    int usd_known;       /* every flow in the sum had a USD value */
    int used;
} dot_sum;

static void dot_add(dot_sum *d, const ft_trace_flow *x)
{
    if (!d->used) {
        d->used = 1;
        d->usd_known = 1;
    }
    d->amount += x->amount;
    d->usd += x->amount_usd;
    if (!x->usd_known)
        d->usd_known = 0;
}

static void dot_edge(FILE *f, const char *from, const char *to, const dot_sum *d, ft_u128 max,
                     int with_usd)
{
    /* width in tenths of a point: 10 + 110 × amount / max, integer arithmetic */
    unsigned tenths = 10 + (unsigned)(max ? (ft_u128)110 * d->amount / max : 0);
    char amt[FT_AMOUNT_STR_MAX], usd[FT_AMOUNT_STR_MAX];
    ft_amount_format(amt, d->amount, FT_BTC_DECIMALS);
    fprintf(f, "  %s -> %s [penwidth=%u.%u, label=\"%s BTC", from, to, tenths / 10, tenths % 10,
            amt);
    if (with_usd && d->usd_known) {
        ft_prices_format_usd(usd, d->usd);
        fprintf(f, "\\nUSD %s", usd);
    }
    fputs("\"];\n", f);
}

typedef struct dot_ent {
    uint8_t cat;
    uint32_t entity; /* FT_GRAPH_NONE: unlabelled terminals of cat */
    dot_sum sum;
} dot_ent;

static ft_status w_dot(FILE *f, const ft_cli_trace_job *job, ft_err *err)
{
    const ft_trace_result *res = &job->res;
    int model = -1;
    if (job->opts.models >> FT_TAINT_HAIRCUT & 1u)
        model = FT_TAINT_HAIRCUT;
    for (int m = 0; m < FT_TAINT_MODELS && model < 0; m++)
        if (job->opts.models >> m & 1u)
            model = m;
    if (model < 0)
        model = FT_TAINT_HAIRCUT;
    size_t n_inc = res->n_incidents;
    dot_sum *ic = calloc(n_inc * FT_CAT_COUNT + 1, sizeof *ic); /* incident → category */
    dot_ent *ent = calloc(res->n_flows + 1, sizeof *ent);
    size_t n_ent = 0;
    if (!ic || !ent) {
        free(ic);
        free(ent);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory writing flow.dot");
    }
    ft_u128 max = 0;
    for (size_t r = 0; r < res->n_flows; r++) {
        const ft_trace_flow *x = &res->flows[job->flow_order[r]];
        if ((int)x->model != model || x->category >= FT_CAT_COUNT)
            continue;
        dot_add(&ic[x->incident * FT_CAT_COUNT + x->category], x);
        size_t e = 0;
        while (e < n_ent && !(ent[e].cat == x->category && ent[e].entity == x->entity))
            e++;
        if (e == n_ent) {
            ent[n_ent].cat = x->category;
            ent[n_ent].entity = x->entity;
            n_ent++;
        }
        dot_add(&ent[e].sum, x);
    }
    /* outcomes that are not terminals, from the summary */
    static const char *const outcome[4] = {"unspent", "fees", "below threshold", "hop limit"};
    dot_sum cat_tot[FT_CAT_COUNT];
    memset(cat_tot, 0, sizeof cat_tot);
    int outcome_used[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n_inc; i++) {
        const ft_trace_summary *s = &res->summary[i * FT_TAINT_MODELS + (size_t)model];
        const ft_u128 o[4] = {s->unspent, s->fees, s->below_threshold, s->hop_limit};
        for (int k = 0; k < 4; k++) {
            if (o[k] > max)
                max = o[k];
            if (o[k] > 0)
                outcome_used[k] = 1;
        }
        for (int c = 0; c < FT_CAT_COUNT; c++) {
            const dot_sum *d = &ic[i * FT_CAT_COUNT + (size_t)c];
            if (!d->used)
                continue;
            if (d->amount > max)
                max = d->amount;
            if (!cat_tot[c].used) {
                cat_tot[c].used = 1;
                cat_tot[c].usd_known = 1;
            }
            cat_tot[c].amount += d->amount;
        }
    }
    for (size_t e = 0; e < n_ent; e++)
        if (ent[e].sum.amount > max)
            max = ent[e].sum.amount;

    fputs("digraph fundtrace {\n", f);
    if (ft_cli_trace_job_account_incidents(job) == 0)
        fprintf(f, "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"fundtrace: "
                   "where the stolen funds went, model %s (edge width proportional to the BTC "
                   "amount, 1 to 12 pt; USD at the daily close of each delivery)\"];\n",
                ft_taint_model_get(model)->name);
    else /* account chains too: widths compare amounts of one asset only */
        fprintf(f, "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"fundtrace: "
                   "where the stolen funds went, model %s (edge width proportional to the "
                   "amount within each asset, 1 to 12 pt; USD at the daily close of each "
                   "delivery)\"];\n",
                ft_taint_model_get(model)->name);
    fputs("  node [fontname=\"Helvetica\", shape=box, style=filled, fillcolor=\"#eeeeee\"];\n"
          "  edge [fontname=\"Helvetica\", fontsize=10, color=\"#555555\"];\n",
          f);
    fputs("  { rank=source;\n", f);
    char amt[FT_AMOUNT_STR_MAX];
    for (size_t i = 0; i < n_inc; i++) {
        const ft_trace_summary *s = &res->summary[i * FT_TAINT_MODELS + (size_t)model];
        ft_amount_format(amt, s->stolen, FT_BTC_DECIMALS);
        fprintf(f, "    i%zu [fillcolor=\"#f4cccc\", label=\"", i);
        dot_esc(f, job->names[i]);
        fprintf(f, "\\nstolen %s BTC\"];\n", amt);
    }
    fputs("  }\n", f);
    for (int c = 0; c < FT_CAT_COUNT; c++)
        if (cat_tot[c].used) {
            fprintf(f, "  c%d [shape=ellipse, fillcolor=\"#fff2cc\", label=\"", c);
            dot_esc(f, ft_label_cat_name((uint8_t)c));
            fputs("\"];\n", f);
        }
    fputs("  { rank=sink;\n", f);
    for (size_t e = 0; e < n_ent; e++) {
        fprintf(f, "    e%zu [fillcolor=\"#d9ead3\", label=\"", e);
        if (ent[e].entity != FT_GRAPH_NONE && ent[e].entity < job->lab.n_entities) {
            dot_esc(f, job->lab.entity_name[ent[e].entity]);
        } else {
            fputs("unlabelled ", f);
            dot_esc(f, ft_label_cat_name(ent[e].cat));
        }
        fputs("\"];\n", f);
    }
    for (int k = 0; k < 4; k++)
        if (outcome_used[k])
            fprintf(f, "    o%d [fillcolor=\"#ffffff\", label=\"%s\"];\n", k, outcome[k]);
    fputs("  }\n", f);
    char a[32], b[32];
    for (size_t i = 0; i < n_inc; i++) {
        snprintf(a, sizeof a, "i%zu", i);
        for (int c = 0; c < FT_CAT_COUNT; c++) {
            const dot_sum *d = &ic[i * FT_CAT_COUNT + (size_t)c];
            if (!d->used)
                continue;
            snprintf(b, sizeof b, "c%d", c);
            dot_edge(f, a, b, d, max, 1);
        }
        const ft_trace_summary *s = &res->summary[i * FT_TAINT_MODELS + (size_t)model];
        const ft_u128 o[4] = {s->unspent, s->fees, s->below_threshold, s->hop_limit};
        for (int k = 0; k < 4; k++) {
            if (o[k] == 0)
                continue;
            dot_sum d = {o[k], 0, 0, 1};
            snprintf(b, sizeof b, "o%d", k);
            dot_edge(f, a, b, &d, max, 0);
        }
    }
    for (size_t e = 0; e < n_ent; e++) {
        snprintf(a, sizeof a, "c%d", ent[e].cat);
        snprintf(b, sizeof b, "e%zu", e);
        dot_edge(f, a, b, &ent[e].sum, max, 1);
    }
    free(ic);
    free(ent);
    ft_status s = ft_cli_trace_job_account_dot(f, job, model, err); /* EVM chains */
    fputs("}\n", f);
    return s;
}

/* Renders the DOT file dot_path to svg_path with `dot -Tsvg` (posix_spawnp: PATH lookup, no
 * shell; its stderr to /dev/null, so a failure is our one error line). *made = 1 when
 * written; Graphviz missing: a one-line note naming dot_final, *made = 0, FT_OK. */
static ft_status render_svg(const char *dot_path, const char *svg_path, const char *dot_final,
                            int *made, ft_err *err)
{
    *made = 0;
    char *argv[] = {"dot", "-Tsvg", "-o", (char *)svg_path, (char *)dot_path, NULL};
    extern char **environ;
    pid_t pid;
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return ft_err_set(err, FT_ERR_NOMEM, "cannot prepare to run Graphviz 'dot'");
    int rc = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (rc == 0)
        rc = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc == ENOENT) {
        ft_log(FT_LOG_INFO, "note: Graphviz 'dot' is not installed: wrote '%s' without flow.svg",
               dot_final);
        return FT_OK;
    }
    if (rc != 0)
        return ft_err_set(err, FT_ERR_IO, "cannot run Graphviz 'dot': %s", strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return ft_err_set(err, FT_ERR_IO, "waiting for Graphviz 'dot': %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        unlink(svg_path); /* a file dot left half written (never a directory) */
        return ft_err_set(err, FT_ERR_IO, "Graphviz 'dot -Tsvg' failed writing '%s' (status %d)",
                          svg_path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    *made = 1;
    return FT_OK;
}

typedef ft_status (*trace_file_fn)(FILE *f, const ft_cli_trace_job *job, ft_err *err);

/* paths.csv is written when every part of the run recorded paths: the Bitcoin part
 * (res.path_off, or no Bitcoin flows) and the account part when it has incidents. */
static int job_has_paths(const ft_cli_trace_job *job)
{
    int acct = ft_cli_trace_job_account_incidents(job) > 0;
    if (job->res.path_off)
        return !acct || ft_cli_trace_job_account_has_paths(job);
    return job->res.n_flows == 0 && acct && ft_cli_trace_job_account_has_paths(job);
}

/* Writes every file, Bitcoin and account-chain rows, to DIR/<name>.tmp (flow.svg rendered
 * from flow.dot.tmp), and only when all of them succeeded renames them into place; a run
 * without paths removes an older DIR/paths.csv, one without Graphviz an older flow.svg, so no
 * file of an earlier run is left looking current. A failure removes the .tmp files and
 * leaves DIR's previous files as they were. */
static ft_status write_files(const char *dir, const ft_cli_trace_job *job, ft_err *err)
{
    static const struct {
        const char *name;
        trace_file_fn fn;
        int needs_paths;
    } files[] = {{"summary.csv", w_summary, 0},
                 {"flows.csv", w_flows, 0},
                 {"paths.csv", w_paths, 1},
                 {"flow.dot", w_dot, 0},
                 {"flow.svg", NULL, 0}};
    enum { N_FILES = sizeof files / sizeof files[0], DOT = 3, SVG = 4, PATHS = 2 };
    char tmp[N_FILES][4224], fin[N_FILES][4200];
    int done[N_FILES] = {0}; /* 1: .tmp written, 2: renamed */
    int with_paths = job_has_paths(job);
    ft_status s = FT_OK;
    for (size_t k = 0; k < N_FILES; k++) {
        snprintf(fin[k], sizeof fin[k], "%s/%s", dir, files[k].name);
        snprintf(tmp[k], sizeof tmp[k], "%s/%s.tmp", dir, files[k].name);
    }
    for (size_t k = 0; k < SVG && s == FT_OK; k++) {
        if (files[k].needs_paths && !with_paths)
            continue;
        FILE *f = fopen(tmp[k], "w");
        if (!f) {
            s = ft_err_set(err, FT_ERR_IO, "cannot write '%s': %s", tmp[k], strerror(errno));
            break;
        }
        done[k] = 1;
        s = files[k].fn(f, job, err);
        if (ferror(f) && s == FT_OK)
            s = ft_err_set(err, FT_ERR_IO, "cannot write '%s'", tmp[k]);
        if (fclose(f) != 0 && s == FT_OK)
            s = ft_err_set(err, FT_ERR_IO, "cannot write '%s'", tmp[k]);
    }
    if (s == FT_OK) {
        int made = 0;
        s = render_svg(tmp[DOT], tmp[SVG], fin[DOT], &made, err);
        done[SVG] = made;
    }
    if (s == FT_OK && !with_paths && remove(fin[PATHS]) != 0 && errno != ENOENT)
        s = ft_err_set(err, FT_ERR_IO, "cannot remove the older '%s': %s", fin[PATHS],
                       strerror(errno));
    if (s == FT_OK && !done[SVG] && remove(fin[SVG]) != 0 && errno != ENOENT)
        s = ft_err_set(err, FT_ERR_IO, "cannot remove the older '%s': %s", fin[SVG],
                       strerror(errno));
    for (size_t k = 0; k < N_FILES && s == FT_OK; k++)
        if (done[k] && rename(tmp[k], fin[k]) != 0)
            s = ft_err_set(err, FT_ERR_IO, "cannot rename '%s': %s", tmp[k], strerror(errno));
        else if (done[k])
            done[k] = 2;
    if (s != FT_OK)
        for (size_t k = 0; k < N_FILES; k++)
            if (done[k] == 1)
                unlink(tmp[k]);
    return s;
}

int ft_cli_trace_job_write(const ft_cli_trace_job *job, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return ft_cli_error(1, "cannot create '%s': %s", dir, strerror(errno));
    ft_err err;
    ft_err_clear(&err);
    ft_status s = write_files(dir, job, &err);
    return s == FT_OK ? 0 : ft_cli_fail(s, &err);
}

int ft_cli_trace_job_store_exposure(const ft_cli_trace_job *job)
{
    if (job->no_store_exposure) /* --no-exposure */
        return 0;
    if (!job->st || !job->opts.exposure)
        return ft_cli_error(1, "internal: exposure stored without an index or an exposure run");
    const ft_trace_result *res = &job->res;
    size_t n = res->n_exposure;
    ft_exposure_item *items = calloc(n ? n : 1, sizeof *items);
    if (!items)
        return ft_cli_error(1, "out of memory storing exposure");
    ft_err err;
    ft_err_clear(&err);
    ft_status s = FT_OK;
    size_t k = 0;
    ft_addr_key key;
    uint32_t key_of = 0; /* rows come sorted by address: one key lookup per address */
    memset(&key, 0, sizeof key);
    for (size_t i = 0; i < n && s == FT_OK; i++) {
        const ft_trace_exposure *x = &res->exposure[i];
        if (x->addr == 0 || x->amount == 0) /* no address (OP_RETURN): nothing to show */
            continue;
        if (key.len == 0 || x->addr != key_of) {
            s = ft_query_addr_key(job->st, FT_CHAIN_BTC, x->addr, &key, &err);
            key_of = x->addr;
        }
        if (s != FT_OK)
            break;
        items[k].addr = key;
        items[k].incident = x->incident;
        items[k].model = (uint8_t)x->model;
        items[k].amount = x->amount;
        k++;
    }
    /* the EVM chains' rows (cli/trace_job_account.c) go into the same batch: a run replaces
     * the exposure of all its incidents, Bitcoin and account chains, or of none */
    ft_exposure_part *acct = NULL, *parts = NULL;
    size_t n_acct = 0;
    if (s == FT_OK)
        s = ft_cli_trace_job_account_exposure(job, &acct, &n_acct, &err);
    if (s == FT_OK && !(parts = calloc(n_acct + 1, sizeof *parts)))
        s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory storing exposure");
    if (s == FT_OK) {
        ft_exposure_run run;
        memset(&run, 0, sizeof run);
        run.models = job->opts.models;
        run.max_hops = job->opts.max_hops;
        run.min_value = job->opts.min_value;
        parts[0].chain = FT_CHAIN_BTC;
        parts[0].names = job->names;
        parts[0].n_names = job->n_inc;
        parts[0].run = &run;
        parts[0].items = items;
        parts[0].n_items = k;
        if (n_acct)
            memcpy(parts + 1, acct, n_acct * sizeof *parts);
        s = ft_exposure_replace_parts(job->st, parts, n_acct + 1, &err);
    }
    free(parts);
    ft_cli_trace_job_account_exposure_free(acct, n_acct);
    free(items);
    return s == FT_OK ? 0 : ft_cli_fail(s, &err);
}

void ft_cli_trace_job_release(ft_cli_trace_job *job)
{
    ft_cli_trace_job_account_release(job);
    if (job->inputs_borrowed) { /* inside a snapshot mapping (cli/trace_snapshot.c) */
        job->term_cat = NULL;
        job->term_ent = NULL;
        job->lab.addr_entity = NULL;
    }
    free(job->flow_addr);
    free(job->flow_order);
    ft_trace_result_release(&job->res);
    free(job->term_cat);
    free(job->term_ent);
    ft_cli_labels_release(&job->lab);
    ft_prices_free(job->prices);
    free(job->seeds);
    free(job->names);
    free(job->inc_first_row);
    ft_graph_release(&job->g);
    ft_incident_set_release(&job->set);
    memset(job, 0, sizeof *job);
}
