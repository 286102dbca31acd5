/*
 * trace_job_account.c — the account-chain part of a trace job (trace_job.h): incidents of
 * the EVM chains (ethereum, bsc, …, dev) traced over the account graph
 * (engine/graph_account.c) with engine/trace_account.c, their rows appended to the same
 * summary.csv and flows.csv as the Bitcoin rows (chain = the chain's name, asset = the
 * native symbol, or the token's symbol, or its contract address when the index has no
 * symbol).
 *
 * Per EVM chain with incident rows: the graph, then the seeds —
 *     txid     every non-fee transfer of the tx whose recipient is not its sender (the
 *              gas the victim paid is not stolen)
 *     txid:N   entry N (from 0) of the tx's transfers (the `tx --json` transfers list)
 *     address  every transfer into it of the row's asset from 00:00 UTC of the incident's
 *              date on, in execution order, capped at the row's amount when given
 * — then labels and terminals (an address's own label, else its cluster's, as for Bitcoin),
 * then the run. A seed not in the index is bad input (exit 2).
 * Output order: after the Bitcoin rows, chains by chain byte, incidents by id, models
 * poison, haircut, fifo, assets by id; flows by amount descending then address text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/address.h"
#include "chains/ethereum/params.h"
#include "cli/cli.h"
#include "cli/trace_job.h"
#include "engine/account.h"
#include "engine/clusterstore.h"
#include "engine/csv.h"
#include "engine/hex.h"
#include "engine/incidents.h"
#include "engine/keys.h"
#include "engine/labels.h"
#include "engine/query.h"
#include "engine/timefmt.h"
#include "engine/trace_account.h"
#include "engine/u256.h"

#include "engine/banned.h"

typedef struct acct_asset {
    char name[FT_TOKEN_SYMBOL_MAX + 43];
    unsigned decimals;
} acct_asset;

typedef struct acct_chain {
    const ft_eth_params *p;
    ft_incident_set set;
    const char **names;
    size_t n_inc;
    ft_graph g;
    ft_trace_account_seed *seeds;
    size_t n_seeds, cap_seeds;
    ft_cli_labels lab; /* entity names and categories */
    uint8_t *term_cat;
    uint32_t *term_ent;
    acct_asset *assets; /* g.n_asset */
    ft_trace_account_result res;
    size_t *flow_order;
    char (*flow_addr)[FT_CLI_ADDR_TEXT_MAX];
} acct_chain;

struct ft_cli_trace_acct {
    acct_chain *c;
    size_t n;
};

static void chain_release(acct_chain *c)
{
    ft_incident_set_release(&c->set);
    free(c->names);
    ft_graph_release(&c->g);
    free(c->seeds);
    ft_cli_labels_release(&c->lab);
    free(c->term_cat);
    free(c->term_ent);
    free(c->assets);
    ft_trace_account_result_release(&c->res);
    free(c->flow_order);
    free(c->flow_addr);
}

void ft_cli_trace_job_account_release(ft_cli_trace_job *job)
{
    if (!job->acct)
        return;
    for (size_t i = 0; i < job->acct->n; i++)
        chain_release(&job->acct->c[i]);
    free(job->acct->c);
    free(job->acct);
    job->acct = NULL;
}

size_t ft_cli_trace_job_account_incidents(const ft_cli_trace_job *job)
{
    size_t n = 0;
    for (size_t i = 0; job->acct && i < job->acct->n; i++)
        n += job->acct->c[i].n_inc;
    return n;
}

int ft_cli_trace_open(ft_cli *cli, ft_store **st, const ft_btc_params **net)
{
    ft_err err;
    ft_err_clear(&err);
    *st = NULL;
    *net = NULL;
    ft_status s = ft_store_open(st, cli->db_path, FT_STORE_READ, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_query_chainrec rec;
    s = ft_query_chain_get(*st, FT_CHAIN_BTC, &rec, &err);
    if (s == FT_OK) {
        *net = ft_btc_params_by_name(rec.network);
        if (*net)
            return 0;
        ft_store_close(*st);
        *st = NULL;
        return ft_cli_error(2, "index '%s' holds blocks of an unknown network '%s'",
                            cli->db_path, rec.network);
    }
    if (s != FT_ERR_NOTFOUND) {
        ft_store_close(*st);
        *st = NULL;
        return ft_cli_fail(s, &err);
    }
    for (unsigned i = 0; ft_eth_params_at(i); i++) {
        ft_account_chainrec ar;
        ft_err_clear(&err);
        if (ft_account_chain_get(*st, ft_eth_params_at(i)->chain_byte, &ar, &err) == FT_OK &&
            ar.has_tip)
            return 0; /* an account chain only: net stays NULL */
    }
    ft_store_close(*st);
    *st = NULL;
    return ft_cli_error(2, "index '%s' holds no blocks: run 'fundtrace index bitcoin' or "
                           "'fundtrace index ethereum'",
                        cli->db_path);
}

/* 00:00 UTC of "YYYY-MM-DD" in seconds since 1970 (days from the civil calendar). */
static int64_t day_start(const char *date)
{
    int64_t y = 0, m, d;
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

static int push_seed(acct_chain *c, uint32_t inc, uint32_t x, ft_u128 amount)
{
    if (c->n_seeds == c->cap_seeds) {
        size_t nc = c->cap_seeds ? c->cap_seeds * 2 : 16;
        ft_trace_account_seed *nv = realloc(c->seeds, nc * sizeof *nv);
        if (!nv)
            return 0;
        c->seeds = nv;
        c->cap_seeds = nc;
    }
    c->seeds[c->n_seeds].incident = inc;
    c->seeds[c->n_seeds].xfer = x;
    c->seeds[c->n_seeds].amount = amount;
    c->n_seeds++;
    return 1;
}

static int parse_addr(uint8_t out[20], const char *s)
{
    if (strlen(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return 0;
    return ft_hex_decode(out, 20, s + 2, 40);
}

/* The asset id the row names: native symbol, a token contract, or a token symbol known to
 * the index. FT_GRAPH_NONE when none matches. */
static uint32_t row_asset(const acct_chain *c, const char *asset)
{
    if (strcmp(asset, c->p->symbol) == 0)
        return 0;
    uint8_t a[20];
    int is_addr = parse_addr(a, asset);
    for (uint32_t i = 1; i < c->g.n_asset; i++) {
        if (is_addr ? memcmp(c->g.asset_addr[i], a, 20) == 0
                    : strcmp(c->assets[i].name, asset) == 0)
            return i;
    }
    return FT_GRAPH_NONE;
}

static int chain_seeds(acct_chain *c, const ft_incident_row *x, uint32_t inc)
{
    const ft_graph *g = &c->g;
    uint32_t n = 0;
    int kind = ft_incidents_seed_kind(x->seed, &n);
    if (kind != 0) {
        const char *h = x->seed[0] == '0' && x->seed[1] == 'x' ? x->seed + 2 : x->seed;
        uint8_t hash[32];
        if (!ft_hex_decode(hash, 32, h, 64))
            return ft_cli_error(2, "incident '%s' seed '%s': not a transaction hash", x->incident,
                                x->seed);
        uint32_t t = ft_graph_account_tx_id(g, hash);
        if (t == FT_GRAPH_NONE)
            return ft_cli_error(2, "incident '%s' seed '%s': transaction not in the %s index",
                                x->incident, x->seed, c->p->name);
        uint32_t f = g->atx_first[t], cnt = g->atx_count[t];
        if (kind == 2) {
            if (n >= cnt)
                return ft_cli_error(2, "incident '%s' seed '%s': the transaction has %u transfers",
                                    x->incident, x->seed, cnt);
            return push_seed(c, inc, f + n, 0) ? 0 : ft_cli_error(1, "out of memory");
        }
        size_t n0 = c->n_seeds;
        for (uint32_t k = f; k < f + cnt; k++)
            if (g->xfer_kind[k] != FT_XFER_FEE && g->xfer_to[k] != g->xfer_from[k] &&
                !push_seed(c, inc, k, 0))
                return ft_cli_error(1, "out of memory");
        if (c->n_seeds == n0)
            return ft_cli_error(2, "incident '%s' seed '%s': the transaction moves nothing but "
                                   "its fee",
                                x->incident, x->seed);
        return 0;
    }
    uint8_t a[20];
    if (!parse_addr(a, x->seed))
        return ft_cli_error(2, "incident '%s' seed '%s': not a %s address or transaction hash",
                            x->incident, x->seed, c->p->name);
    uint32_t id = ft_graph_account_addr_id(g, a);
    if (id == 0)
        return ft_cli_error(2, "incident '%s' seed '%s': address not in the %s index",
                            x->incident, x->seed, c->p->name);
    uint32_t asset = row_asset(c, x->asset);
    if (asset == FT_GRAPH_NONE)
        return ft_cli_error(2, "incident '%s': asset '%s' is not %s or a token of the index",
                            x->incident, x->asset, c->p->symbol);
    ft_u128 cap = 0;
    int capped = x->amount[0] != '\0';
    if (capped && (ft_amount_parse(&cap, x->amount, c->assets[asset].decimals) != FT_OK ||
                   cap == 0))
        return ft_cli_error(2, "incident '%s' seed '%s': amount '%s' is not an amount of %s",
                            x->incident, x->seed, x->amount, x->asset);
    if (strlen(x->date) != 10)
        return ft_cli_error(2, "incident '%s': bad date '%s'", x->incident, x->date);
    int64_t from = day_start(x->date);
    ft_u128 left = cap;
    size_t n0 = c->n_seeds;
    for (uint32_t k = 0; k < g->n_xfer && (!capped || left > 0); k++) {
        if (g->xfer_to[k] != id || g->xfer_asset[k] != asset || g->xfer_time[k] < from ||
            g->xfer_from[k] == id || g->xfer_kind[k] == FT_XFER_FEE)
            continue;
        ft_u128 v = g->xfer_amount[k];
        ft_u128 take = capped ? (v < left ? v : left) : 0;
        if (!push_seed(c, inc, k, take))
            return ft_cli_error(1, "out of memory");
        left -= take;
    }
    if (c->n_seeds == n0)
        return ft_cli_error(2, "incident '%s' seed '%s': the address received no %s from %s on",
                            x->incident, x->seed, x->asset, x->date);
    return 0;
}

/* Labels → entities and the terminal category of every address (own, else cluster's): the
 * same rule as the Bitcoin part (cli/trace_job.c). */
static ft_status chain_terminals(ft_store *st, acct_chain *c, ft_err *err)
{
    ft_status s = ft_cli_labels_load_account(st, &c->g, &c->lab, err);
    if (s == FT_OK)
        s = ft_cli_trace_terminals(st, &c->g, &c->lab, &c->term_cat, &c->term_ent, err);
    return s;
}

static ft_status chain_assets(ft_store *st, acct_chain *c, ft_err *err)
{
    c->assets = calloc(c->g.n_asset ? c->g.n_asset : 1, sizeof *c->assets);
    if (!c->assets)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for assets");
    snprintf(c->assets[0].name, sizeof c->assets[0].name, "%s", c->p->symbol);
    c->assets[0].decimals = c->p->decimals;
    for (uint32_t i = 1; i < c->g.n_asset; i++) {
        ft_account_token t;
        ft_err sub;
        ft_err_clear(&sub);
        ft_status s = ft_account_token_get(st, c->p->chain_byte, c->g.asset_addr[i], &t, &sub);
        if (s != FT_OK && s != FT_ERR_NOTFOUND) {
            *err = sub;
            return s;
        }
        if (s == FT_OK && t.has_symbol && t.has_decimals) {
            snprintf(c->assets[i].name, sizeof c->assets[i].name, "%s", t.symbol);
            c->assets[i].decimals = t.decimals;
        } else { /* no symbol: the contract address, amounts in base units */
            ft_eth_address_format(c->assets[i].name, c->g.asset_addr[i]);
            c->assets[i].decimals = 0;
        }
    }
    return FT_OK;
}

static int chain_prepare(acct_chain *c, ft_store *st, const char *incident)
{
    ft_err err;
    ft_err_clear(&err);
    ft_status s = ft_incidents_scan(st, c->p->chain_byte, &c->set, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    if (incident) {
        size_t k = 0;
        for (size_t i = 0; i < c->set.n; i++)
            if (strcmp(c->set.v[i].incident, incident) == 0)
                c->set.v[k++] = c->set.v[i];
        c->set.n = k;
    }
    if (c->set.n == 0)
        return 0;
    c->names = malloc(c->set.n * sizeof *c->names);
    if (!c->names)
        return ft_cli_error(1, "out of memory");
    s = ft_graph_load_account(&c->g, st, c->p->chain_byte, &err);
    if (s == FT_ERR_NOTFOUND)
        return ft_cli_error(2, "%zu %s incident rows but the index holds no %s blocks: run "
                               "'fundtrace index ethereum'",
                            c->set.n, c->p->name, c->p->name);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    if ((s = chain_assets(st, c, &err)) != FT_OK)
        return ft_cli_fail(s, &err);
    for (size_t i = 0; i < c->set.n; i++) {
        const ft_incident_row *x = &c->set.v[i];
        if (c->n_inc == 0 || strcmp(c->names[c->n_inc - 1], x->incident) != 0)
            c->names[c->n_inc++] = x->incident; /* rows come sorted by incident */
        int code = chain_seeds(c, x, (uint32_t)(c->n_inc - 1));
        if (code)
            return code;
    }
    if ((s = chain_terminals(st, c, &err)) != FT_OK)
        return ft_cli_fail(s, &err);
    return 0;
}

int ft_cli_trace_job_account_prepare(ft_cli_trace_job *job, ft_store *st, const char *incident)
{
    job->acct = calloc(1, sizeof *job->acct);
    if (!job->acct)
        return ft_cli_error(1, "out of memory");
    unsigned n = 0;
    while (ft_eth_params_at(n))
        n++;
    job->acct->c = calloc(n ? n : 1, sizeof *job->acct->c);
    if (!job->acct->c)
        return ft_cli_error(1, "out of memory");
    /* chains in chain-byte order */
    for (unsigned b = 0; b < 256; b++)
        for (unsigned i = 0; i < n; i++) {
            const ft_eth_params *p = ft_eth_params_at(i);
            if (p->chain_byte != b)
                continue;
            acct_chain *c = &job->acct->c[job->acct->n++];
            c->p = p;
            int code = chain_prepare(c, st, incident);
            if (code)
                return code;
        }
    return 0;
}

static const acct_chain *sort_chain; /* qsort has no context argument */

static int cmp_flow_order(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const ft_trace_account_flow *x = &sort_chain->res.flows[i], *y = &sort_chain->res.flows[j];
    if (x->f.incident != y->f.incident)
        return x->f.incident < y->f.incident ? -1 : 1;
    if (x->f.model != y->f.model)
        return x->f.model < y->f.model ? -1 : 1;
    if (x->asset != y->asset)
        return x->asset < y->asset ? -1 : 1;
    if (x->f.amount != y->f.amount)
        return x->f.amount > y->f.amount ? -1 : 1;
    return strcmp(sort_chain->flow_addr[i], sort_chain->flow_addr[j]);
}

int ft_cli_trace_job_account_run(ft_cli_trace_job *job)
{
    for (size_t k = 0; job->acct && k < job->acct->n; k++) {
        acct_chain *c = &job->acct->c[k];
        if (c->n_inc == 0)
            continue;
        ft_trace_account_opts o;
        memset(&o, 0, sizeof o);
        o.models = job->opts.models;
        o.max_hops = job->opts.max_hops;
        /* --min-value is parsed in BTC units (8 decimals); the native asset has 18 */
        o.min_value = (ft_u128)job->opts.min_value;
        for (unsigned d = 8; d < c->p->decimals; d++)
            o.min_value *= 10;
        ft_err err;
        ft_err_clear(&err);
        ft_status s = ft_trace_account_run(&c->res, &c->g, c->term_cat, c->term_ent, c->seeds,
                                           c->n_seeds, c->names, c->n_inc, &o, &err);
        if (s != FT_OK)
            return s == FT_ERR_STATE ? ft_cli_error(1, "%s", err.msg) : ft_cli_fail(s, &err);
        size_t n = c->res.n_flows;
        c->flow_addr = calloc(n ? n : 1, sizeof *c->flow_addr);
        c->flow_order = malloc((n ? n : 1) * sizeof *c->flow_order);
        if (!c->flow_addr || !c->flow_order)
            return ft_cli_error(1, "out of memory");
        for (size_t f = 0; f < n; f++) {
            c->flow_order[f] = f;
            ft_eth_address_format(c->flow_addr[f], c->g.addr_bytes[c->res.flows[f].f.addr]);
        }
        sort_chain = c;
        qsort(c->flow_order, n, sizeof *c->flow_order, cmp_flow_order);
        sort_chain = NULL;
    }
    return 0;
}

static void put_amount(FILE *f, ft_u128 v, unsigned decimals)
{
    char s[FT_U256_DEC_MAX];
    ft_u256 u = ft_u256_from_u128(v);
    ft_u256_format(s, &u, decimals);
    fputs(s, f);
}

static void put_time(FILE *f, int64_t t)
{
    char s[FT_TIME_ISO8601_MAX];
    fputs(ft_time_iso8601(s, t), f);
}

int ft_cli_trace_job_account_write(const ft_cli_trace_job *job, const char *dir)
{
    if (ft_cli_trace_job_account_incidents(job) == 0)
        return 0;
    char path[2][4200];
    snprintf(path[0], sizeof path[0], "%s/summary.csv", dir);
    snprintf(path[1], sizeof path[1], "%s/flows.csv", dir);
    FILE *f = fopen(path[0], "a");
    if (!f)
        return ft_cli_error(1, "cannot write '%s': %s", path[0], strerror(errno));
    for (size_t k = 0; k < job->acct->n; k++) {
        const acct_chain *c = &job->acct->c[k];
        for (size_t i = 0; i < c->res.n_summary; i++) {
            const ft_trace_account_summary *r = &c->res.summary[i];
            const acct_asset *as = &c->assets[r->asset];
            ft_csv_cell(f, c->names[r->incident]);
            fprintf(f, ",%s,%s,", ft_taint_model_get((int)r->model)->name, c->p->name);
            ft_csv_cell(f, as->name);
            const ft_u128 v[9] = {r->s.stolen,  r->s.to_exchange, r->s.to_mixer,
                                  r->s.to_bridge, r->s.to_other, r->s.unspent,
                                  r->s.fees,    r->s.below_threshold, r->s.hop_limit};
            for (int j = 0; j < 9; j++) {
                fputc(',', f);
                put_amount(f, v[j], as->decimals);
            }
            fputc('\n', f);
        }
    }
    if (fclose(f) != 0)
        return ft_cli_error(1, "cannot write '%s'", path[0]);
    f = fopen(path[1], "a");
    if (!f)
        return ft_cli_error(1, "cannot write '%s': %s", path[1], strerror(errno));
    for (size_t k = 0; k < job->acct->n; k++) {
        const acct_chain *c = &job->acct->c[k];
        for (size_t r = 0; r < c->res.n_flows; r++) {
            size_t i = c->flow_order[r];
            const ft_trace_account_flow *x = &c->res.flows[i];
            const acct_asset *as = &c->assets[x->asset];
            ft_csv_cell(f, c->names[x->f.incident]);
            fprintf(f, ",%s,%s,", ft_taint_model_get((int)x->f.model)->name, c->p->name);
            ft_csv_cell(f, as->name);
            fprintf(f, ",%s,", ft_label_cat_name(x->f.category));
            ft_csv_cell(f, x->f.entity != FT_GRAPH_NONE ? c->lab.entity_name[x->f.entity] : "");
            fputc(',', f);
            ft_csv_cell(f, c->flow_addr[i]);
            fputc(',', f);
            put_amount(f, x->f.amount, as->decimals);
            fprintf(f, ",,%u,", x->f.hops);
            put_time(f, x->f.first_time);
            fputc(',', f);
            put_time(f, x->f.last_time);
            fprintf(f, ",%llu\n", (unsigned long long)x->f.tx_count);
        }
    }
    if (fclose(f) != 0)
        return ft_cli_error(1, "cannot write '%s'", path[1]);
    return 0;
}
