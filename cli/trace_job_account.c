/*
 * trace_job_account.c — the account-chain part of a trace job (trace_job.h): incidents of
 * the EVM chains (ethereum, bsc, …, dev) traced over the account graph
 * (engine/graph_account.c) with engine/trace_account.c, their rows written after the Bitcoin
 * rows into the same summary.csv, flows.csv, paths.csv and flow.dot (chain = the chain's
 * name, asset = the native symbol, or the token's symbol, or its contract address when the
 * index has no symbol), and the report parts of cli/cmd_report.c (one per chain and asset).
 * USD: the native asset by its symbol, a token only when datasets/tokens/tokens.csv names its
 * contract (WETH → ETH, WBTC → BTC), wherever datasets/prices has a file; else empty.
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
 * Exposure (what `fundtrace address 0x…` shows): the tracer's per-(address, asset) rows as one
 * engine/exposure part per chain — address key = the 20 address bytes (as for labels), a
 * token row keyed by its 20-byte contract, the native asset by none — which
 * ft_cli_trace_job_store_exposure writes in the same batch as the Bitcoin rows.
 * Snapshot (last section of the file): every indexed chain's job inputs written as sections of
 * the HPC snapshot and read back into the same acct_chain a prepare from the index makes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/address.h"
#include "chains/ethereum/params.h"
#include "cli/cli.h"
#include "cli/trace_job.h"
#include "cli/trace_snapshot.h"
#include "engine/account.h"
#include "engine/clusterstore.h"
#include "engine/csv.h"
#include "engine/exposure.h"
#include "engine/hex.h"
#include "engine/incidents.h"
#include "engine/keys.h"
#include "engine/labels.h"
#include "engine/prices.h"
#include "engine/query.h"
#include "engine/reader.h"
#include "engine/snapshot.h"
#include "engine/timefmt.h"
#include "engine/trace_account.h"
#include "engine/u256.h"

#include "engine/banned.h"

typedef struct acct_asset {
    char name[FT_TOKEN_SYMBOL_MAX + 43];
    unsigned decimals;
    char price[FT_TOKEN_SYMBOL_MAX + 1]; /* price symbol (datasets/prices/<price>.csv), "" none */
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
    const char **asset_price; /* g.n_asset: assets[i].price or NULL (trace opts) */
    unsigned *asset_dec;      /* g.n_asset: assets[i].decimals */
    ft_trace_account_result res;
    ft_u128 min_value; /* the run's --min-value in native base units (exposure run records) */
    size_t *flow_order;
    char (*flow_addr)[FT_CLI_ADDR_TEXT_MAX];
    /* from a snapshot (see "snapshot" below): the graph (g.borrowed), term_cat, term_ent and
     * cluster point into the mapping (not freed); cluster: the stored cluster ids for the
     * report (NULL from the index: read from the store) */
    int borrowed;
    const uint32_t *cluster;
} acct_chain;

struct ft_cli_trace_acct {
    acct_chain *c;
    size_t n;
};

static void chain_release(acct_chain *c)
{
    if (c->borrowed) { /* inside a snapshot mapping */
        c->term_cat = NULL;
        c->term_ent = NULL;
        c->cluster = NULL;
    }
    ft_incident_set_release(&c->set);
    free(c->names);
    ft_graph_release(&c->g);
    free(c->seeds);
    ft_cli_labels_release(&c->lab);
    free(c->term_cat);
    free(c->term_ent);
    free(c->assets);
    free(c->asset_price);
    free(c->asset_dec);
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

/* The price file of a token the tokens dataset names (datasets/tokens/tokens.csv: a known
 * contract, never a symbol a contract chose for itself): its symbol upper-cased ("USDt" →
 * USDT), wrapped ETH and BTC at the price of the coin they wrap (WETH → ETH, WBTC → BTC: an
 * assumption, docs/methodology.md). A symbol without a price file stays unpriced. */
static void price_symbol(char *out, size_t cap, const char *symbol)
{
    size_t i = 0;
    for (; symbol[i] && i + 1 < cap; i++) {
        char ch = symbol[i];
        out[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
    }
    out[i] = '\0';
    if (strcmp(out, "WETH") == 0)
        snprintf(out, cap, "ETH");
    else if (strcmp(out, "WBTC") == 0)
        snprintf(out, cap, "BTC");
}

static ft_status chain_assets(ft_store *st, acct_chain *c, ft_err *err)
{
    c->assets = calloc(c->g.n_asset ? c->g.n_asset : 1, sizeof *c->assets);
    if (!c->assets)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for assets");
    snprintf(c->assets[0].name, sizeof c->assets[0].name, "%s", c->p->symbol);
    c->assets[0].decimals = c->p->decimals;
    snprintf(c->assets[0].price, sizeof c->assets[0].price, "%s", c->p->symbol);
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
            if (t.source == FT_TOKEN_SRC_DATASET)
                price_symbol(c->assets[i].price, sizeof c->assets[i].price, t.symbol);
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
        c->min_value = o.min_value;
        o.paths = job->opts.paths;
        o.exposure = job->opts.exposure; /* report's overlaps */
        if (job->prices) {
            uint32_t na = c->g.n_asset ? c->g.n_asset : 1;
            c->asset_price = calloc(na, sizeof *c->asset_price);
            c->asset_dec = calloc(na, sizeof *c->asset_dec);
            if (!c->asset_price || !c->asset_dec)
                return ft_cli_error(1, "out of memory");
            for (uint32_t a = 0; a < c->g.n_asset; a++) {
                c->asset_price[a] = c->assets[a].price[0] ? c->assets[a].price : NULL;
                c->asset_dec[a] = c->assets[a].decimals;
            }
            o.prices = job->prices;
            o.asset_price = c->asset_price;
            o.asset_decimals = c->asset_dec;
        }
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

/* ---- the files of `trace --out DIR` ----------------------------------------------------
 * write (cli/trace_job.c) opens each file as a temporary, writes the Bitcoin rows, then calls
 * these for the account-chain rows, and renames the files only when every one succeeded. */

ft_status ft_cli_trace_job_account_summary(FILE *f, const ft_cli_trace_job *job, ft_err *err)
{
    (void)err;
    for (size_t k = 0; job->acct && k < job->acct->n; k++) {
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
    return FT_OK;
}

ft_status ft_cli_trace_job_account_flows(FILE *f, const ft_cli_trace_job *job, ft_err *err)
{
    (void)err;
    for (size_t k = 0; job->acct && k < job->acct->n; k++) {
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
            fputc(',', f);
            if (x->f.usd_known) {
                char usd[FT_AMOUNT_STR_MAX];
                ft_prices_format_usd(usd, x->f.amount_usd);
                fputs(usd, f);
            }
            fprintf(f, ",%u,", x->f.hops);
            put_time(f, x->f.first_time);
            fputc(',', f);
            put_time(f, x->f.last_time);
            fprintf(f, ",%llu\n", (unsigned long long)x->f.tx_count);
        }
    }
    return FT_OK;
}

size_t ft_cli_trace_job_account_flow_count(const ft_cli_trace_job *job)
{
    size_t n = 0;
    for (size_t k = 0; job->acct && k < job->acct->n; k++)
        n += job->acct->c[k].res.n_flows;
    return n;
}

int ft_cli_trace_job_account_has_paths(const ft_cli_trace_job *job)
{
    for (size_t k = 0; job->acct && k < job->acct->n; k++)
        if (job->acct->c[k].res.path_off)
            return 1;
    return 0;
}

/* paths.csv rows: per flow (flows.csv order) its evidence path, numbered per (incident,
 * model) across the flow's assets; hop k is the k-th transfer from the seed transfer (hop 0):
 * txid its transaction (empty for a block-level row), from/to its sender and recipient,
 * amount the taint it carried, time its block time. */
ft_status ft_cli_trace_job_account_paths(FILE *f, const ft_cli_trace_job *job, ft_err *err)
{
    for (size_t k = 0; job->acct && k < job->acct->n; k++) {
        const acct_chain *c = &job->acct->c[k];
        const ft_graph *g = &c->g;
        if (!c->res.path_off)
            continue;
        uint32_t cur_inc = UINT32_MAX, cur_model = UINT32_MAX;
        uint64_t path_no = 0;
        for (size_t r = 0; r < c->res.n_flows; r++) {
            size_t i = c->flow_order[r];
            const ft_trace_account_flow *x = &c->res.flows[i];
            const acct_asset *as = &c->assets[x->asset];
            if (x->f.incident != cur_inc || x->f.model != cur_model) {
                cur_inc = x->f.incident;
                cur_model = x->f.model;
                path_no = 0;
            }
            path_no++;
            size_t a = c->res.path_off[i], b = c->res.path_off[i + 1];
            if (b <= a)
                return ft_err_set(err, FT_ERR_STATE, "no evidence path for a flow of %s "
                                                     "incident '%s'",
                                  c->p->name, c->names[x->f.incident]);
            for (size_t s = a; s < b; s++) {
                uint32_t xf = c->res.path[s].xfer;
                char txid[67] = "", from[FT_ETH_ADDR_STR_MAX], to[FT_ETH_ADDR_STR_MAX];
                uint32_t tx = g->xfer_tx[xf];
                if (tx != FT_GRAPH_NONE && tx < g->n_atx) {
                    txid[0] = '0';
                    txid[1] = 'x';
                    ft_hex_encode(txid + 2, g->atx_hash[tx], 32);
                    txid[66] = '\0';
                }
                ft_eth_address_format(from, g->addr_bytes[g->xfer_from[xf]]);
                ft_eth_address_format(to, g->addr_bytes[g->xfer_to[xf]]);
                ft_csv_cell(f, c->names[x->f.incident]);
                fprintf(f, ",%s,%llu,%zu,%s,%s,%s,%s,",
                        ft_taint_model_get((int)x->f.model)->name, (unsigned long long)path_no,
                        s - a, c->p->name, txid, g->xfer_from[xf] ? from : "",
                        g->xfer_to[xf] ? to : "");
                put_amount(f, c->res.path[s].taint, as->decimals);
                fputc(',', f);
                put_time(f, g->xfer_time[xf]);
                fputc('\n', f);
            }
        }
    }
    return FT_OK;
}

/* ---- flow.dot -------------------------------------------------------------------------------
 * The account incidents join the Bitcoin picture (cli/trace_job.c w_dot) with the same
 * layout, node ids prefixed by their chain's slot ("x0i1", "x0c3", "x0e2", "x0o1"): incident
 * → terminal category → entity, and incident → the non-terminal outcomes. Figures are per
 * asset (an edge per asset, labelled with its amount and symbol, USD when every delivery had
 * a price); edge width 1..12 pt proportional to the amount within the asset (the largest edge
 * of each asset 12 pt): amounts of different assets are not compared. */

static void dot_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            fputc('\\', f);
            fputc(ch, f);
        } else if (ch < 0x20 || ch == 0x7f) {
            fputc(' ', f);
        } else {
            fputc(ch, f);
        }
    }
}

typedef struct dagg {
    uint8_t kind;    /* 0: incident → category, 1: category → entity, 2: incident → outcome */
    uint32_t a, b;   /* incident/category/entity slot, category/entity slot/outcome */
    uint32_t asset;
    ft_u128 amount, usd;
    uint8_t usd_known;
} dagg;

typedef struct dot_ent {
    uint8_t cat;
    uint32_t entity;
} dot_ent;

/* Adds amount (usd known or not) to the aggregate (kind, a, b, asset). 0 on out of memory. */
static int dagg_add(dagg **v, size_t *n, size_t *cap, uint8_t kind, uint32_t a, uint32_t b,
                    uint32_t asset, ft_u128 amount, ft_u128 usd, int usd_known)
{
    for (size_t i = 0; i < *n; i++) {
        dagg *d = &(*v)[i];
        if (d->kind == kind && d->a == a && d->b == b && d->asset == asset) {
            d->amount += amount;
            d->usd += usd;
            d->usd_known &= (uint8_t)(usd_known != 0);
            return 1;
        }
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        dagg *nv = realloc(*v, nc * sizeof *nv);
        if (!nv)
            return 0;
        *v = nv;
        *cap = nc;
    }
    dagg *d = &(*v)[(*n)++];
    d->kind = kind;
    d->a = a;
    d->b = b;
    d->asset = asset;
    d->amount = amount;
    d->usd = usd;
    d->usd_known = (uint8_t)(usd_known != 0);
    return 1;
}

static ft_status dot_chain(FILE *f, size_t k, const acct_chain *c, int model, ft_err *err)
{
    static const char *const outcome[4] = {"unspent", "fees", "below threshold", "hop limit"};
    dagg *ag = NULL;
    size_t n_ag = 0, cap_ag = 0, n_ent = 0;
    dot_ent *ent = calloc(c->res.n_flows + 1, sizeof *ent);
    ft_u128 *max = calloc(c->g.n_asset + 1, sizeof *max);
    int ok = ent && max;
    for (size_t r = 0; ok && r < c->res.n_flows; r++) {
        const ft_trace_account_flow *x = &c->res.flows[c->flow_order[r]];
        if ((int)x->f.model != model || x->f.category >= FT_CAT_COUNT)
            continue;
        size_t e = 0;
        while (e < n_ent && !(ent[e].cat == x->f.category && ent[e].entity == x->f.entity))
            e++;
        if (e == n_ent) {
            ent[n_ent].cat = x->f.category;
            ent[n_ent].entity = x->f.entity;
            n_ent++;
        }
        ok = dagg_add(&ag, &n_ag, &cap_ag, 0, x->f.incident, x->f.category, x->asset,
                      x->f.amount, x->f.amount_usd, x->f.usd_known) &&
             dagg_add(&ag, &n_ag, &cap_ag, 1, x->f.category, (uint32_t)e, x->asset, x->f.amount,
                      x->f.amount_usd, x->f.usd_known);
    }
    for (size_t i = 0; ok && i < c->res.n_summary; i++) {
        const ft_trace_account_summary *s = &c->res.summary[i];
        if ((int)s->model != model)
            continue;
        const ft_u128 o[4] = {s->s.unspent, s->s.fees, s->s.below_threshold, s->s.hop_limit};
        for (uint32_t j = 0; ok && j < 4; j++)
            if (o[j] > 0)
                ok = dagg_add(&ag, &n_ag, &cap_ag, 2, s->incident, j, s->asset, o[j], 0, 0);
    }
    if (!ok) {
        free(ag);
        free(ent);
        free(max);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory writing flow.dot");
    }
    for (size_t i = 0; i < n_ag; i++)
        if (ag[i].asset < c->g.n_asset && ag[i].amount > max[ag[i].asset])
            max[ag[i].asset] = ag[i].amount;
    /* incidents, with what was stolen of each asset */
    fputs("  { rank=source;\n", f);
    char amt[FT_U256_DEC_MAX];
    for (size_t i = 0; i < c->n_inc; i++) {
        fprintf(f, "    x%zui%zu [fillcolor=\"#f4cccc\", label=\"", k, i);
        dot_text(f, c->names[i]);
        fprintf(f, " (%s)", c->p->name);
        for (size_t j = 0; j < c->res.n_summary; j++) {
            const ft_trace_account_summary *s = &c->res.summary[j];
            if (s->incident != i || (int)s->model != model)
                continue;
            ft_u256 u = ft_u256_from_u128(s->s.stolen);
            ft_u256_format(amt, &u, c->assets[s->asset].decimals);
            fprintf(f, "\\nstolen %s ", amt);
            dot_text(f, c->assets[s->asset].name);
        }
        fputs("\"];\n", f);
    }
    fputs("  }\n", f);
    int cat_used[FT_CAT_COUNT] = {0};
    for (size_t i = 0; i < n_ag; i++)
        if (ag[i].kind == 0 && ag[i].b < FT_CAT_COUNT)
            cat_used[ag[i].b] = 1;
    for (int ct = 0; ct < FT_CAT_COUNT; ct++)
        if (cat_used[ct]) {
            fprintf(f, "  x%zuc%d [shape=ellipse, fillcolor=\"#fff2cc\", label=\"", k, ct);
            dot_text(f, ft_label_cat_name((uint8_t)ct));
            fprintf(f, " (%s)\"];\n", c->p->name);
        }
    int out_used[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n_ag; i++)
        if (ag[i].kind == 2)
            out_used[ag[i].b] = 1;
    fputs("  { rank=sink;\n", f);
    for (size_t e = 0; e < n_ent; e++) {
        fprintf(f, "    x%zue%zu [fillcolor=\"#d9ead3\", label=\"", k, e);
        if (ent[e].entity != FT_GRAPH_NONE && ent[e].entity < c->lab.n_entities) {
            dot_text(f, c->lab.entity_name[ent[e].entity]);
        } else {
            fputs("unlabelled ", f);
            dot_text(f, ft_label_cat_name(ent[e].cat));
        }
        fputs("\"];\n", f);
    }
    for (int j = 0; j < 4; j++)
        if (out_used[j])
            fprintf(f, "    x%zuo%d [fillcolor=\"#ffffff\", label=\"%s (%s)\"];\n", k, j,
                    outcome[j], c->p->name);
    fputs("  }\n", f);
    /* edges: incident → category, incident → outcome, category → entity */
    for (int kind = 0; kind < 3; kind++) {
        static const int order[3] = {0, 2, 1};
        int kd = order[kind];
        for (size_t i = 0; i < n_ag; i++) {
            const dagg *d = &ag[i];
            if (d->kind != kd)
                continue;
            ft_u128 mx = max[d->asset];
            unsigned tenths = 10 + (unsigned)(mx ? (ft_u128)110 * d->amount / mx : 0);
            if (kd == 0)
                fprintf(f, "  x%zui%u -> x%zuc%u", k, d->a, k, d->b);
            else if (kd == 2)
                fprintf(f, "  x%zui%u -> x%zuo%u", k, d->a, k, d->b);
            else
                fprintf(f, "  x%zuc%u -> x%zue%u", k, d->a, k, d->b);
            ft_u256 u = ft_u256_from_u128(d->amount);
            ft_u256_format(amt, &u, c->assets[d->asset].decimals);
            fprintf(f, " [penwidth=%u.%u, label=\"%s ", tenths / 10, tenths % 10, amt);
            dot_text(f, c->assets[d->asset].name);
            if (kd != 2 && d->usd_known) {
                char usd[FT_AMOUNT_STR_MAX];
                ft_prices_format_usd(usd, d->usd);
                fprintf(f, "\\nUSD %s", usd);
            }
            fputs("\"];\n", f);
        }
    }
    free(ag);
    free(ent);
    free(max);
    return FT_OK;
}

ft_status ft_cli_trace_job_account_dot(FILE *f, const ft_cli_trace_job *job, int model,
                                       ft_err *err)
{
    for (size_t k = 0; job->acct && k < job->acct->n; k++) {
        const acct_chain *c = &job->acct->c[k];
        if (c->n_inc == 0)
            continue;
        ft_status s = dot_chain(f, k, c, model, err);
        if (s != FT_OK)
            return s;
    }
    return FT_OK;
}

/* ---- report (cli/cmd_report.c) --------------------------------------------------------------
 * One report part per (chain, asset) of the account incidents: the incidents that have a
 * summary row of the asset (renumbered in order), their summary rows, flows and exposure of
 * that asset, labels, terminals and clusters of the chain, so engine/report.c aggregates them
 * as it does Bitcoin (chain and asset columns name the part). */

static ft_status acct_addr_text(void *ctx, uint32_t addr, char *out, size_t cap, ft_err *err)
{
    const acct_chain *c = ctx;
    if (addr >= c->g.n_addr)
        return ft_err_set(err, FT_ERR_ARG, "address id %u outside the %s graph", addr,
                          c->p->name);
    char text[FT_ETH_ADDR_STR_MAX];
    ft_eth_address_format(text, c->g.addr_bytes[addr]);
    snprintf(out, cap, "%s", text);
    return FT_OK;
}

/* The date of chain incident i (its first row). */
static const char *incident_date(const acct_chain *c, size_t i)
{
    for (size_t r = 0; r < c->set.n; r++)
        if (strcmp(c->set.v[r].incident, c->names[i]) == 0)
            return c->set.v[r].date;
    return "";
}

static ft_status report_part(const ft_cli_trace_job *job, const acct_chain *c,
                             const uint32_t *cl, uint32_t asset, ft_cli_acct_report_fn fn,
                             void *fctx, ft_err *err)
{
    const ft_trace_account_result *ar = &c->res;
    const size_t M = FT_TAINT_MODELS;
    uint32_t *map = malloc((c->n_inc ? c->n_inc : 1) * sizeof *map);
    if (!map)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the report");
    for (size_t i = 0; i < c->n_inc; i++)
        map[i] = FT_GRAPH_NONE;
    for (size_t i = 0; i < ar->n_summary; i++)
        if (ar->summary[i].asset == asset)
            map[ar->summary[i].incident] = 0;
    size_t n = 0;
    for (size_t i = 0; i < c->n_inc; i++)
        if (map[i] != FT_GRAPH_NONE)
            map[i] = (uint32_t)n++;
    ft_trace_result r;
    memset(&r, 0, sizeof r);
    r.n_incidents = n;
    r.summary = calloc(n * M + 1, sizeof *r.summary);
    r.flows = calloc(ar->n_flows + 1, sizeof *r.flows);
    r.exposure = calloc(ar->n_exposure + 1, sizeof *r.exposure);
    ft_report_incident *inc = calloc(n + 1, sizeof *inc);
    ft_status s = FT_OK;
    if (!r.summary || !r.flows || !r.exposure || !inc) {
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory for the report");
        goto out;
    }
    int first_model = 0;
    while (first_model < FT_TAINT_MODELS - 1 && !(job->opts.models >> first_model & 1u))
        first_model++;
    for (size_t i = 0; i < ar->n_summary; i++) {
        const ft_trace_account_summary *x = &ar->summary[i];
        if (x->asset == asset)
            r.summary[map[x->incident] * M + x->model] = x->s;
    }
    for (size_t f = 0; f < ar->n_flows; f++) /* sorted by (incident, model, asset, address) */
        if (ar->flows[f].asset == asset) {
            r.flows[r.n_flows] = ar->flows[f].f;
            r.flows[r.n_flows].incident = map[ar->flows[f].f.incident];
            r.n_flows++;
        }
    for (size_t e = 0; e < ar->n_exposure; e++) { /* sorted by (asset, addr, incident, model) */
        const ft_trace_account_exposure *x = &ar->exposure[e];
        if (x->asset != asset)
            continue;
        ft_trace_exposure *y = &r.exposure[r.n_exposure++];
        y->addr = x->addr;
        y->incident = map[x->incident];
        y->model = x->model;
        y->amount = x->amount;
    }
    const acct_asset *as = &c->assets[asset];
    for (size_t i = 0; i < c->n_inc; i++) {
        if (map[i] == FT_GRAPH_NONE)
            continue;
        ft_report_incident *ri = &inc[map[i]];
        ri->name = c->names[i];
        ri->date = incident_date(c, i);
        ri->chain = c->p->name;
        ri->asset = as->name;
        ri->decimals = as->decimals;
        /* stolen in USD at the close of the incident date, where the asset has a price */
        int64_t day = strlen(ri->date) == 10 ? day_start(ri->date) : 0;
        ri->stolen_usd_known =
            job->prices && as->price[0] && strlen(ri->date) == 10 &&
            ft_prices_value(job->prices, as->price, as->decimals,
                            r.summary[map[i] * M + (size_t)first_model].stolen, day,
                            &ri->stolen_usd);
    }
    ft_report_input in;
    memset(&in, 0, sizeof in);
    in.res = &r;
    in.models = job->opts.models;
    in.usd = job->prices != NULL;
    in.inc = inc;
    in.entity_name = (const char *const *)c->lab.entity_name;
    in.n_entities = c->lab.n_entities;
    in.n_addr = c->g.n_addr;
    in.addr_cluster = cl;
    in.addr_entity = c->lab.addr_entity;
    in.addr_entity_cat = c->lab.entity_cat;
    in.addr_term_entity = c->term_ent;
    in.addr_text = acct_addr_text;
    in.addr_ctx = (void *)c;
    s = fn(fctx, &in, err);
out:
    free(map);
    free(r.summary);
    free(r.flows);
    free(r.exposure);
    free(inc);
    return s;
}

int ft_cli_trace_job_account_report(const ft_cli_trace_job *job, ft_cli_acct_report_fn fn,
                                    void *fctx)
{
    ft_err err;
    ft_err_clear(&err);
    for (size_t k = 0; job->acct && k < job->acct->n; k++) {
        const acct_chain *c = &job->acct->c[k];
        if (c->n_inc == 0)
            continue;
        uint32_t *cl = NULL;
        ft_status s = FT_OK;
        if (job->st)
            s = ft_clusterstore_load(job->st, c->p->chain_byte, c->g.n_addr, &cl, &err);
        const uint32_t *ucl = cl ? cl : c->cluster; /* a snapshot's stored cluster ids */
        for (uint32_t a = 0; a < c->g.n_asset && s == FT_OK; a++) {
            int used = 0;
            for (size_t i = 0; i < c->res.n_summary && !used; i++)
                used = c->res.summary[i].asset == a;
            if (used)
                s = report_part(job, c, ucl, a, fn, fctx, &err);
        }
        free(cl);
        if (s != FT_OK)
            return ft_cli_fail(s, &err);
    }
    return 0;
}

/* ---- exposure (cli/trace_job.c stores it) ------------------------------------------------ */

void ft_cli_trace_job_account_exposure_free(struct ft_exposure_part *parts, size_t n_parts)
{
    for (size_t i = 0; parts && i < n_parts; i++) {
        free((void *)parts[i].items);
        free((void *)parts[i].assets);
        free((void *)parts[i].run);
    }
    free(parts);
}

/* One chain's part: items from c->res.exposure (sorted by asset, address, incident, model:
 * no two alike), graph asset k > 0 as part asset k (its contract). */
static ft_status exposure_part(const ft_cli_trace_job *job, const acct_chain *c,
                               ft_exposure_part *p, ft_err *err)
{
    const ft_trace_account_result *r = &c->res;
    ft_exposure_item *items = calloc(r->n_exposure ? r->n_exposure : 1, sizeof *items);
    uint32_t n_tok = c->g.n_asset > 1 ? c->g.n_asset - 1 : 0;
    ft_addr_key *assets = calloc(n_tok ? n_tok : 1, sizeof *assets);
    ft_exposure_run *run = calloc(1, sizeof *run);
    p->chain = c->p->chain_byte;
    p->items = items;
    p->assets = assets;
    p->run = run;
    if (!items || !assets || !run)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory storing %s exposure", c->p->name);
    for (uint32_t k = 0; k < n_tok; k++) {
        assets[k].len = 20;
        memcpy(assets[k].bytes, c->g.asset_addr[k + 1], 20);
    }
    p->n_assets = n_tok;
    p->names = c->names;
    p->n_names = c->n_inc;
    run->models = job->opts.models;
    run->max_hops = job->opts.max_hops;
    run->min_value = c->min_value;
    size_t n = 0;
    for (size_t i = 0; i < r->n_exposure; i++) {
        const ft_trace_account_exposure *x = &r->exposure[i];
        if (x->addr == 0 || x->addr >= c->g.n_addr || x->amount == 0)
            continue; /* no recipient (a burn): nothing to show */
        if (x->asset >= c->g.n_asset)
            return ft_err_set(err, FT_ERR_STATE, "%s exposure row of asset %u outside the graph",
                              c->p->name, x->asset);
        ft_exposure_item *y = &items[n++];
        y->addr.len = 20;
        memcpy(y->addr.bytes, c->g.addr_bytes[x->addr], 20);
        y->incident = x->incident;
        y->model = (uint8_t)x->model;
        y->asset = x->asset; /* 0 native; k: assets[k - 1] = the graph's asset k */
        y->amount = x->amount;
    }
    p->n_items = n;
    return FT_OK;
}

ft_status ft_cli_trace_job_account_exposure(const ft_cli_trace_job *job,
                                            struct ft_exposure_part **parts, size_t *n_parts,
                                            ft_err *err)
{
    *parts = NULL;
    *n_parts = 0;
    size_t n = 0;
    for (size_t k = 0; job->acct && k < job->acct->n; k++)
        n += job->acct->c[k].n_inc > 0;
    if (n == 0)
        return FT_OK;
    ft_exposure_part *v = calloc(n, sizeof *v);
    if (!v)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory storing exposure");
    size_t m = 0;
    ft_status s = FT_OK;
    for (size_t k = 0; k < job->acct->n && s == FT_OK; k++) {
        const acct_chain *c = &job->acct->c[k];
        if (c->n_inc == 0)
            continue;
        s = exposure_part(job, c, &v[m++], err);
    }
    if (s != FT_OK) {
        ft_cli_trace_job_account_exposure_free(v, m);
        return s;
    }
    *parts = v;
    *n_parts = m;
    return FT_OK;
}

/* ---- snapshot (cli/cmd_snapshot.c writes, cli/trace_snapshot.c reads) -----------------------
 * Every indexed EVM chain goes into the snapshot with what its part of a trace job holds
 * after prepare (cli/trace_snapshot.h lists the sections): the graph (engine/snapshot.c),
 * the assets as chain_assets made them, the incident rows and their resolved seeds, labels,
 * terminals and the stored cluster ids. Read back, the job's account part is the one
 * prepare makes from the index (same rows, seeds, assets, graph arrays), so the run and the
 * files are byte-identical. Big arrays stay in the mapping (borrowed); rows, names, assets
 * and seeds are copied. Everything read is checked before use: ids against the graph's
 * counts, seed amounts against their transfer, text fields NUL-terminated. */

#define SNAP_ACCT_FORMAT 1u
#define SNAP_ASSET_BYTES 128u
#define SNAP_ASSET_NAME 80u  /* name[80] at 0 */
#define SNAP_ASSET_DEC 80u   /* decimals u32 */
#define SNAP_ASSET_PRICE 84u /* price[44] */
#define SNAP_SEED_BYTES 24u
#define SNAP_CHAIN_EXTRA 12u /* sections beside the graph's, per chain */
_Static_assert(sizeof(((acct_asset *)0)->name) <= SNAP_ASSET_NAME, "asset name record");
_Static_assert(SNAP_ASSET_PRICE + sizeof(((acct_asset *)0)->price) <= SNAP_ASSET_BYTES,
               "asset price record");

typedef struct snap_chain {
    ft_snapshot_account_buf gbuf;
    char name[SNAP_CHAIN_EXTRA][FT_SNAPSHOT_NAME_MAX];
    uint64_t meta[8];
    uint8_t *rows, *seeds, *assets;
    uint64_t *ent_off;
    char *ent_blob;
    uint32_t *cluster;
} snap_chain;

struct ft_cli_acct_snap {
    snap_chain *c;
    size_t n;
    uint8_t *chains;
    ft_snapshot_input *in;
    size_t n_in;
    char summary[512];
};

void ft_cli_acct_snap_free(ft_cli_acct_snap *a)
{
    if (!a)
        return;
    for (size_t i = 0; a->c && i < a->n; i++) {
        free(a->c[i].rows);
        free(a->c[i].seeds);
        free(a->c[i].assets);
        free(a->c[i].ent_off);
        free(a->c[i].ent_blob);
        free(a->c[i].cluster);
    }
    free(a->c);
    free(a->chains);
    free(a->in);
    free(a);
}

const ft_snapshot_input *ft_cli_acct_snap_inputs(const ft_cli_acct_snap *a, size_t *n)
{
    *n = a ? a->n_in : 0;
    return a ? a->in : NULL;
}

size_t ft_cli_acct_snap_chains(const ft_cli_acct_snap *a)
{
    return a ? a->n : 0;
}

void ft_cli_acct_snap_describe(const ft_cli_acct_snap *a, char *out, size_t cap)
{
    snprintf(out, cap, "%s", a ? a->summary : "");
}

static void snap_name(char out[FT_SNAPSHOT_NAME_MAX], uint8_t chain, const char *what)
{
    ft_snapshot_account_name(out, chain, what);
}

/* Loads an indexed chain that has no incident (prepare skipped it). 0: loaded, 1: the chain
 * is not indexed, else an exit code (message printed). */
static int snap_load_chain(acct_chain *c, ft_store *st)
{
    ft_err err;
    ft_err_clear(&err);
    ft_account_chainrec ar;
    ft_status s = ft_account_chain_get(st, c->p->chain_byte, &ar, &err);
    if (s == FT_ERR_NOTFOUND || (s == FT_OK && !ar.has_tip))
        return 1;
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    s = ft_graph_load_account(&c->g, st, c->p->chain_byte, &err);
    if (s == FT_ERR_NOTFOUND)
        return 1;
    if (s == FT_OK)
        s = chain_assets(st, c, &err);
    if (s == FT_OK)
        s = chain_terminals(st, c, &err);
    return s == FT_OK ? 0 : ft_cli_fail(s, &err);
}

/* The sections of chain c into sc and a->in. 0 or an exit code. */
static int snap_encode_chain(ft_cli_acct_snap *a, snap_chain *sc, const acct_chain *c,
                             ft_store *st)
{
    ft_err err;
    ft_err_clear(&err);
    uint8_t b = c->p->chain_byte;
    const ft_graph *g = &c->g;
    ft_clusterstore_run run;
    ft_status s = ft_clusterstore_run_get(st, b, &run, &err);
    int clustered = s == FT_OK;
    if (s == FT_ERR_NOTFOUND)
        s = FT_OK;
    if (s == FT_OK)
        s = ft_clusterstore_load(st, b, g->n_addr, &sc->cluster, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    const ft_cli_labels *lab = &c->lab;
    int has_lab = lab->addr_entity && lab->n_entities;
    sc->rows = malloc(c->set.n * FT_CLI_SNAP_ROW_BYTES + 1);
    sc->seeds = calloc(c->n_seeds + 1, SNAP_SEED_BYTES);
    sc->assets = calloc((size_t)g->n_asset + 1, SNAP_ASSET_BYTES);
    if (!sc->rows || !sc->seeds || !sc->assets)
        return ft_cli_error(1, "out of memory");
    for (size_t i = 0; i < c->set.n; i++)
        ft_cli_snap_row_encode(sc->rows + i * FT_CLI_SNAP_ROW_BYTES, &c->set.v[i]);
    for (size_t i = 0; i < c->n_seeds; i++) {
        uint8_t *r = sc->seeds + i * SNAP_SEED_BYTES;
        ft_put_u32le(r, c->seeds[i].incident);
        ft_put_u32le(r + 4, c->seeds[i].xfer);
        ft_put_u64le(r + 8, (uint64_t)c->seeds[i].amount);
        ft_put_u64le(r + 16, (uint64_t)(c->seeds[i].amount >> 64));
    }
    for (uint32_t i = 0; i < g->n_asset; i++) {
        uint8_t *r = sc->assets + (size_t)i * SNAP_ASSET_BYTES;
        memcpy(r, c->assets[i].name, strnlen(c->assets[i].name, sizeof c->assets[i].name - 1));
        ft_put_u32le(r + SNAP_ASSET_DEC, c->assets[i].decimals);
        memcpy(r + SNAP_ASSET_PRICE, c->assets[i].price,
               strnlen(c->assets[i].price, sizeof c->assets[i].price - 1));
    }
    if (has_lab) {
        size_t total = 0;
        for (uint32_t e = 0; e < lab->n_entities; e++)
            total += strlen(lab->entity_name[e]);
        sc->ent_off = malloc(((size_t)lab->n_entities + 1) * sizeof *sc->ent_off);
        sc->ent_blob = malloc(total + 1);
        if (!sc->ent_off || !sc->ent_blob)
            return ft_cli_error(1, "out of memory");
        uint64_t at = 0;
        for (uint32_t e = 0; e < lab->n_entities; e++) {
            sc->ent_off[e] = at;
            size_t n = strlen(lab->entity_name[e]);
            memcpy(sc->ent_blob + at, lab->entity_name[e], n);
            at += n;
        }
        sc->ent_off[lab->n_entities] = at;
    }
    sc->meta[0] = SNAP_ACCT_FORMAT;
    sc->meta[1] = c->set.n;
    sc->meta[2] = c->n_seeds;
    sc->meta[3] = has_lab ? lab->n_entities : 0;
    sc->meta[4] = (uint64_t)has_lab;
    sc->meta[5] = (uint64_t)clustered;
    ft_snapshot_account_sections(g, &sc->gbuf, a->in, &a->n_in);
    static const char *const what[SNAP_CHAIN_EXTRA] = {
        "job",        "inc_rows",       "seeds",    "assets",   "term_cat",
        "term_ent",   "cluster",        "lab_addr_entity", "lab_entity_cat",
        "lab_entity_name_off", "lab_entity_name", ""};
    for (size_t i = 0; i + 1 < SNAP_CHAIN_EXTRA; i++)
        snap_name(sc->name[i], b, what[i]);
    uint32_t na = g->n_addr;
    a->in[a->n_in++] = (ft_snapshot_input){sc->name[0], 8, 8, sc->meta};
    a->in[a->n_in++] = (ft_snapshot_input){sc->name[1], FT_CLI_SNAP_ROW_BYTES, c->set.n, sc->rows};
    a->in[a->n_in++] = (ft_snapshot_input){sc->name[2], SNAP_SEED_BYTES, c->n_seeds, sc->seeds};
    a->in[a->n_in++] = (ft_snapshot_input){sc->name[3], SNAP_ASSET_BYTES, g->n_asset, sc->assets};
    a->in[a->n_in++] = (ft_snapshot_input){sc->name[4], 1, na, c->term_cat};
    a->in[a->n_in++] = (ft_snapshot_input){sc->name[5], 4, na, c->term_ent};
    a->in[a->n_in++] = (ft_snapshot_input){sc->name[6], 4, na, sc->cluster};
    if (has_lab) {
        a->in[a->n_in++] = (ft_snapshot_input){sc->name[7], 4, na, lab->addr_entity};
        a->in[a->n_in++] = (ft_snapshot_input){sc->name[8], 1, lab->n_entities, lab->entity_cat};
        a->in[a->n_in++] = (ft_snapshot_input){sc->name[9], 8, (uint64_t)lab->n_entities + 1,
                                               sc->ent_off};
        a->in[a->n_in++] = (ft_snapshot_input){sc->name[10], 1, sc->ent_off[lab->n_entities],
                                               sc->ent_blob};
    }
    return 0;
}

int ft_cli_acct_snap_build(ft_cli_trace_job *job, ft_store *st, ft_cli_acct_snap **out)
{
    *out = NULL;
    if (!job->acct) {
        int code = ft_cli_trace_job_account_prepare(job, st, NULL);
        if (code)
            return code;
    }
    size_t n = job->acct->n;
    ft_cli_acct_snap *a = calloc(1, sizeof *a);
    if (!a)
        return ft_cli_error(1, "out of memory");
    a->c = calloc(n ? n : 1, sizeof *a->c);
    a->chains = malloc(n ? n : 1);
    a->in = malloc((n * (FT_SNAPSHOT_ACCOUNT_SECTIONS + SNAP_CHAIN_EXTRA) + 1) * sizeof *a->in);
    if (!a->c || !a->chains || !a->in) {
        ft_cli_acct_snap_free(a);
        return ft_cli_error(1, "out of memory");
    }
    /* the chain list first: acct_chains, then each chain's sections */
    a->in[a->n_in++] = (ft_snapshot_input){"acct_chains", 1, 0, a->chains};
    size_t used = 0;
    for (size_t k = 0; k < n; k++) {
        acct_chain *c = &job->acct->c[k];
        if (c->g.n_addr == 0) { /* no incident: not loaded by prepare */
            int code = snap_load_chain(c, st);
            if (code == 1)
                continue;
            if (code) {
                ft_cli_acct_snap_free(a);
                return code;
            }
        }
        int code = snap_encode_chain(a, &a->c[a->n], c, st);
        a->n++; /* its buffers are freed with a, whatever happened */
        if (code) {
            ft_cli_acct_snap_free(a);
            return code;
        }
        a->chains[a->n - 1] = c->p->chain_byte;
        used += (size_t)snprintf(a->summary + used, used < sizeof a->summary
                                                        ? sizeof a->summary - used : 0,
                                 "%s%s: %u transfers, %zu incidents (%zu seeds)",
                                 a->n > 1 ? ", " : "", c->p->name, c->g.n_xfer, c->n_inc,
                                 c->n_seeds);
        if (used >= sizeof a->summary)
            used = sizeof a->summary - 1;
    }
    a->in[0].count = a->n;
    *out = a;
    return 0;
}

/* Reading one chain back. */

static int snap_chain_bad(const ft_snapshot *s, uint8_t b, const char *what)
{
    return ft_cli_error(2, "snapshot '%s': account chain %u: %s", s->path, (unsigned)b, what);
}

static int snap_find(const ft_snapshot *s, uint8_t b, const char *what, uint32_t size,
                     uint64_t count, const void **p, uint64_t *n)
{
    char name[FT_SNAPSHOT_NAME_MAX];
    snap_name(name, b, what);
    ft_err err;
    ft_err_clear(&err);
    ft_status st = ft_snapshot_find(s, name, size, count, p, n, &err);
    if (st == FT_OK)
        return 0;
    return ft_cli_error(st == FT_ERR_NOMEM ? 1 : 2, "%s", err.msg);
}

static int chain_from_snapshot(acct_chain *c, const ft_snapshot *s, const char *incident)
{
    uint8_t b = c->p->chain_byte;
    const void *p;
    int rc;
    if ((rc = snap_find(s, b, "job", 8, 8, &p, NULL)) != 0)
        return rc;
    uint64_t m[8];
    for (int i = 0; i < 8; i++)
        m[i] = ft_get_u64le((const uint8_t *)p + 8 * i);
    if (m[0] != SNAP_ACCT_FORMAT || m[1] > UINT32_MAX || m[2] > UINT32_MAX ||
        m[3] > UINT32_MAX - 1 || m[4] > 1)
        return snap_chain_bad(s, b, "bad job meta");
    size_t n_rows = (size_t)m[1], n_seeds = (size_t)m[2];
    const void *rows_p, *seeds_p;
    if ((rc = snap_find(s, b, "inc_rows", FT_CLI_SNAP_ROW_BYTES, n_rows, &rows_p, NULL)) != 0 ||
        (rc = snap_find(s, b, "seeds", SNAP_SEED_BYTES, n_seeds, &seeds_p, NULL)) != 0)
        return rc;
    /* rows: grouped by incident (adjacent in store order), the selected ones kept */
    c->set.v = malloc((n_rows ? n_rows : 1) * sizeof *c->set.v);
    c->names = malloc((n_rows ? n_rows : 1) * sizeof *c->names);
    uint32_t *local = malloc((n_rows ? n_rows : 1) * sizeof *local);
    if (!c->set.v || !c->names || !local) {
        free(local);
        return ft_cli_error(1, "out of memory");
    }
    c->set.cap = n_rows;
    size_t n_groups = 0;
    char prev[FT_INCIDENT_NAME_MAX] = "";
    for (size_t i = 0; i < n_rows; i++) {
        ft_incident_row x;
        if (!ft_cli_snap_row_decode(&x, (const uint8_t *)rows_p + i * FT_CLI_SNAP_ROW_BYTES) ||
            x.chain != b) {
            free(local);
            return snap_chain_bad(s, b, "incident row malformed");
        }
        int new_group = i == 0 || strcmp(prev, x.incident) != 0;
        snprintf(prev, sizeof prev, "%s", x.incident);
        if (new_group)
            local[n_groups++] = FT_GRAPH_NONE;
        if (incident && strcmp(x.incident, incident) != 0)
            continue;
        c->set.v[c->set.n] = x;
        if (new_group)
            local[n_groups - 1] = (uint32_t)c->n_inc++;
        c->set.n++;
    }
    /* names point into the kept rows: the first row of each selected group */
    for (size_t i = 0, k = 0; i < c->set.n; i++)
        if (k == 0 || strcmp(c->names[k - 1], c->set.v[i].incident) != 0)
            c->names[k++] = c->set.v[i].incident;
    if (c->n_inc == 0) { /* nothing selected: the graph is never read (nor verified) */
        free(local);
        return 0;
    }
    ft_err err;
    ft_err_clear(&err);
    ft_status st = ft_snapshot_account_graph(s, b, &c->g, &err);
    if (st != FT_OK) {
        free(local);
        return st == FT_ERR_NOMEM ? ft_cli_error(1, "%s", err.msg)
                                  : ft_cli_error(2, "%s", err.msg);
    }
    const ft_graph *g = &c->g;
    uint32_t na = g->n_addr;
    c->borrowed = 1;
    /* seeds of the selected incidents, renumbered */
    c->seeds = malloc((n_seeds ? n_seeds : 1) * sizeof *c->seeds);
    if (!c->seeds) {
        free(local);
        return ft_cli_error(1, "out of memory");
    }
    c->cap_seeds = n_seeds ? n_seeds : 1;
    for (size_t i = 0; i < n_seeds; i++) {
        const uint8_t *r = (const uint8_t *)seeds_p + i * SNAP_SEED_BYTES;
        uint32_t inc = ft_get_u32le(r), x = ft_get_u32le(r + 4);
        ft_u128 amount = (ft_u128)ft_get_u64le(r + 8) | (ft_u128)ft_get_u64le(r + 16) << 64;
        if (inc >= n_groups || x >= g->n_xfer || amount > g->xfer_amount[x]) {
            free(local);
            return snap_chain_bad(s, b, "seed out of range");
        }
        if (local[inc] == FT_GRAPH_NONE)
            continue;
        c->seeds[c->n_seeds].incident = local[inc];
        c->seeds[c->n_seeds].xfer = x;
        c->seeds[c->n_seeds].amount = amount;
        c->n_seeds++;
    }
    free(local);
    /* assets */
    const void *as_p;
    if ((rc = snap_find(s, b, "assets", SNAP_ASSET_BYTES, g->n_asset, &as_p, NULL)) != 0)
        return rc;
    c->assets = calloc(g->n_asset, sizeof *c->assets);
    if (!c->assets)
        return ft_cli_error(1, "out of memory");
    for (uint32_t i = 0; i < g->n_asset; i++) {
        const uint8_t *r = (const uint8_t *)as_p + (size_t)i * SNAP_ASSET_BYTES;
        acct_asset *x = &c->assets[i];
        const uint8_t *zn = memchr(r, 0, sizeof x->name);
        const uint8_t *zp = memchr(r + SNAP_ASSET_PRICE, 0, sizeof x->price);
        x->decimals = ft_get_u32le(r + SNAP_ASSET_DEC);
        if (!zn || zn == r || !zp || x->decimals > 77)
            return snap_chain_bad(s, b, "asset record malformed");
        memcpy(x->name, r, (size_t)(zn - r) + 1);
        memcpy(x->price, r + SNAP_ASSET_PRICE, (size_t)(zp - (r + SNAP_ASSET_PRICE)) + 1);
    }
    /* labels (copied), terminals and cluster ids (borrowed) */
    char prefix[FT_SNAPSHOT_NAME_MAX];
    snprintf(prefix, sizeof prefix, "acct%u_", (unsigned)b);
    if (m[4] && (rc = ft_cli_snap_labels_prefix(s, prefix, na, &c->lab)) != 0)
        return rc;
    if (c->lab.n_entities != m[3])
        return snap_chain_bad(s, b, "label entities do not match its job meta");
    const void *cat_p, *ent_p, *cl_p;
    if ((rc = snap_find(s, b, "term_cat", 1, na, &cat_p, NULL)) != 0 ||
        (rc = snap_find(s, b, "term_ent", 4, na, &ent_p, NULL)) != 0 ||
        (rc = snap_find(s, b, "cluster", 4, na, &cl_p, NULL)) != 0)
        return rc;
    c->term_cat = (uint8_t *)cat_p; /* read-only mapping; borrowed is set: never freed */
    c->term_ent = (uint32_t *)ent_p;
    c->cluster = cl_p;
    int64_t bad = 0;
    uint32_t n_ent = c->lab.n_entities;
#pragma omp parallel for schedule(static) reduction(+ : bad)
    for (int64_t x = 0; x < (int64_t)na; x++)
        bad += (c->term_cat[x] != FT_CAT_NONE && c->term_cat[x] >= FT_CAT_COUNT) ||
               (c->term_ent[x] != FT_GRAPH_NONE && c->term_ent[x] >= n_ent) ||
               c->cluster[x] >= na;
    if (bad)
        return snap_chain_bad(s, b, "terminals or cluster ids out of range");
    return 0;
}

int ft_cli_trace_job_account_from_snapshot(ft_cli_trace_job *job, const ft_snapshot *s,
                                           uint64_t n_chains, const char *incident)
{
    ft_cli_trace_job_account_release(job);
    job->acct = calloc(1, sizeof *job->acct);
    if (!job->acct)
        return ft_cli_error(1, "out of memory");
    const void *p = NULL;
    uint64_t n = 0;
    ft_err err;
    ft_err_clear(&err);
    ft_status st = ft_snapshot_find(s, "acct_chains", 1, FT_SNAPSHOT_ANY, &p, &n, &err);
    if (st != FT_OK)
        return ft_cli_error(st == FT_ERR_NOMEM ? 1 : 2, "%s", err.msg);
    if (n != n_chains || n > 256)
        return ft_cli_error(2, "snapshot '%s': %llu account chains listed, the job meta says %llu",
                            s->path, (unsigned long long)n, (unsigned long long)n_chains);
    const uint8_t *list = p;
    for (uint64_t i = 0; i < n; i++)
        if ((i > 0 && list[i] <= list[i - 1]) || !ft_eth_params_by_chain_byte(list[i]))
            return ft_cli_error(2, "snapshot '%s': unknown or repeated account chain %u",
                                s->path, (unsigned)list[i]);
    /* one slot per known chain in chain-byte order, as prepare makes them (flow.dot names
     * its nodes by slot); the chains of the file filled, the others left without incidents */
    unsigned n_params = 0;
    while (ft_eth_params_at(n_params))
        n_params++;
    job->acct->c = calloc(n_params ? n_params : 1, sizeof *job->acct->c);
    if (!job->acct->c)
        return ft_cli_error(1, "out of memory");
    uint64_t next = 0;
    for (unsigned b = 0; b < 256; b++)
        for (unsigned i = 0; i < n_params; i++) {
            const ft_eth_params *ep = ft_eth_params_at(i);
            if (ep->chain_byte != b)
                continue;
            acct_chain *c = &job->acct->c[job->acct->n++];
            c->p = ep;
            if (next < n && list[next] == b) {
                next++;
                int code = chain_from_snapshot(c, s, incident);
                if (code)
                    return code;
            }
        }
    return 0;
}
