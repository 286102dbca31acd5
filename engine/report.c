/*
 * report.c — aggregation of a trace result into the appendix tables (report.h).
 *
 * How: every group (an incident, a year, an exchange entity, a channel) first gets one
 * accumulator with a value per taint model (the group's sum under that model); only at the
 * end is each reduced to low = min and high = max over the models that were run. So a year's
 * low is the lowest total any one model gives for the year, not a sum of per-incident lows
 * (each model is a coherent reading of the chain; mixing them per incident would not be).
 *
 *     summary[incident × model]  ─┐
 *     flows (category, usd)       ├─► acc per incident ─┬─► by_incident
 *                                 │                     └─► acc per (year, chain, asset)
 *                                 ├─► acc per (entity, asset)       (exchange/otc/payment)
 *                                 └─► acc per (channel, asset)
 *     exposure (addr, inc, model) ──► overlaps under one model (poison if run, else the first)
 *
 * Invariants: sums are checked 128-bit additions (an overflow is FT_ERR_LIMIT, never a wrap);
 * a USD figure is known only when every value summed into it, under every model, is known;
 * every output order is fixed by ids and names, never by hash or thread order.
 */
#include "engine/report.h"

#include <stdlib.h>
#include <string.h>

#include "engine/csv.h"
#include "engine/graph.h"
#include "engine/labels.h"
#include "engine/timefmt.h"
#include "heuristics/taint.h"

#include "engine/banned.h"

#define M FT_TAINT_MODELS

static const char *const channel_names[FT_REPORT_CHANNELS] = {
    "to_exchange", "to_mixer", "to_bridge", "to_other",
    "unspent",     "fees",     "below_threshold", "hop_limit"};
static const char *const ch_names[FT_REPORT_CH_COUNT] = {
    "exchange", "otc",  "payment", "mixer",           "bridge",
    "other_terminal", "unspent", "fees", "below_threshold", "hop_limit"};

const char *ft_report_channel_name(int channel)
{
    return channel >= 0 && channel < FT_REPORT_CHANNELS ? channel_names[channel] : "?";
}

const char *ft_report_ch_name(int ch)
{
    return ch >= 0 && ch < FT_REPORT_CH_COUNT ? ch_names[ch] : "?";
}

/* One group's values under every model. */
typedef struct fig_acc {
    size_t n_incidents;
    ft_u128 stolen, stolen_usd;
    int stolen_usd_unknown;
    ft_u128 ch[FT_REPORT_CHANNELS][M];
    ft_u128 usd[FT_REPORT_USD_CHANNELS][M];
    uint8_t usd_unknown[FT_REPORT_USD_CHANNELS][M];
} fig_acc;

typedef struct one_acc { /* a single figure under every model */
    ft_u128 v[M], usd[M];
    uint8_t usd_unknown[M];
    uint8_t hit[M]; /* this incident reached it under model m (per-incident scratch) */
} one_acc;

static void add(ft_u128 *a, ft_u128 b, int *ovf)
{
    if (!ft_u128_add(a, *a, b))
        *ovf = 1;
}

static int usd_slot(uint8_t cat)
{
    switch (cat) {
    case FT_CAT_EXCHANGE: return FT_REPORT_TO_EXCHANGE;
    case FT_CAT_MIXER: return FT_REPORT_TO_MIXER;
    case FT_CAT_BRIDGE: return FT_REPORT_TO_BRIDGE;
    default: return FT_REPORT_TO_OTHER;
    }
}

static int ch_of_cat(uint8_t cat)
{
    switch (cat) {
    case FT_CAT_EXCHANGE: return FT_REPORT_CH_EXCHANGE;
    case FT_CAT_OTC: return FT_REPORT_CH_OTC;
    case FT_CAT_PAYMENT: return FT_REPORT_CH_PAYMENT;
    case FT_CAT_MIXER: return FT_REPORT_CH_MIXER;
    case FT_CAT_BRIDGE: return FT_REPORT_CH_BRIDGE;
    default: return FT_REPORT_CH_OTHER_TERMINAL;
    }
}

static ft_report_range reduce(const ft_u128 v[M], unsigned models)
{
    ft_report_range r = {0, 0};
    int first = 1;
    for (int m = 0; m < M; m++) {
        if (!(models >> m & 1u))
            continue;
        if (first || v[m] < r.low)
            r.low = v[m];
        if (first || v[m] > r.high)
            r.high = v[m];
        first = 0;
    }
    return r;
}

static ft_report_usd reduce_usd(const ft_u128 v[M], const uint8_t unknown[M], unsigned models,
                                int usd)
{
    ft_report_usd u;
    memset(&u, 0, sizeof u);
    if (!usd)
        return u;
    u.known = 1;
    for (int m = 0; m < M; m++)
        if ((models >> m & 1u) && unknown[m])
            u.known = 0;
    if (u.known) {
        ft_report_range r = reduce(v, models);
        u.low = r.low;
        u.high = r.high;
    }
    return u;
}

static void reduce_fig(ft_report_figures *f, const fig_acc *a, unsigned models, int usd)
{
    memset(f, 0, sizeof *f);
    f->n_incidents = a->n_incidents;
    f->stolen = a->stolen;
    f->stolen_usd = a->stolen_usd;
    f->stolen_usd_known = usd && !a->stolen_usd_unknown;
    for (int c = 0; c < FT_REPORT_CHANNELS; c++)
        f->ch[c] = reduce(a->ch[c], models);
    for (int c = 0; c < FT_REPORT_USD_CHANNELS; c++)
        f->usd[c] = reduce_usd(a->usd[c], a->usd_unknown[c], models, usd);
}

static void merge_fig(fig_acc *into, const fig_acc *a, int *ovf)
{
    into->n_incidents += a->n_incidents;
    add(&into->stolen, a->stolen, ovf);
    add(&into->stolen_usd, a->stolen_usd, ovf);
    into->stolen_usd_unknown |= a->stolen_usd_unknown;
    for (int c = 0; c < FT_REPORT_CHANNELS; c++)
        for (int m = 0; m < M; m++)
            add(&into->ch[c][m], a->ch[c][m], ovf);
    for (int c = 0; c < FT_REPORT_USD_CHANNELS; c++)
        for (int m = 0; m < M; m++) {
            add(&into->usd[c][m], a->usd[c][m], ovf);
            into->usd_unknown[c][m] |= a->usd_unknown[c][m];
        }
}

static int year_of(const char *date)
{
    int y = 0;
    for (int i = 0; i < 4; i++) {
        if (date[i] < '0' || date[i] > '9')
            return 0;
        y = y * 10 + (date[i] - '0');
    }
    return y;
}

static int same_asset(const ft_report_incident *a, const char *chain, const char *asset)
{
    return strcmp(a->chain, chain) == 0 && strcmp(a->asset, asset) == 0;
}

/* qsort context (qsort has none). */
static const ft_report *sort_rep;

static int cmp_year(const void *pa, const void *pb)
{
    const ft_report_year *a = pa, *b = pb;
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    int c = strcmp(a->chain, b->chain);
    return c ? c : strcmp(a->asset, b->asset);
}

static int cat_rank(uint8_t cat)
{
    return cat == FT_CAT_EXCHANGE ? 0 : cat == FT_CAT_OTC ? 1 : 2;
}

static int cmp_entity(const void *pa, const void *pb)
{
    const ft_report_entity *a = pa, *b = pb;
    if (a->category != b->category)
        return cat_rank(a->category) < cat_rank(b->category) ? -1 : 1;
    int c = strcmp(sort_rep->in.entity_name[a->entity], sort_rep->in.entity_name[b->entity]);
    if (c)
        return c;
    c = strcmp(a->chain, b->chain);
    return c ? c : strcmp(a->asset, b->asset);
}

typedef struct cl_row { /* one (cluster, incident, address) of the overlap model */
    uint32_t cluster, inc, addr;
    ft_u128 amount;
} cl_row;

static int cmp_cl_row(const void *pa, const void *pb)
{
    const cl_row *a = pa, *b = pb;
    if (a->cluster != b->cluster)
        return a->cluster < b->cluster ? -1 : 1;
    if (a->inc != b->inc)
        return a->inc < b->inc ? -1 : 1;
    return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static uint32_t entity_of(const ft_report_input *in, uint32_t a)
{
    if (a >= in->n_addr)
        return FT_GRAPH_NONE;
    if (in->addr_entity && in->addr_entity[a] != FT_GRAPH_NONE &&
        in->addr_entity[a] < in->n_entities)
        return in->addr_entity[a];
    if (in->addr_term_entity && in->addr_term_entity[a] != FT_GRAPH_NONE &&
        in->addr_term_entity[a] < in->n_entities)
        return in->addr_term_entity[a];
    return FT_GRAPH_NONE;
}

static uint32_t cluster_of(const ft_report_input *in, uint32_t a)
{
    return in->addr_cluster && a < in->n_addr && in->addr_cluster[a] < in->n_addr
               ? in->addr_cluster[a]
               : a;
}

/* Appends one overlap row from (inc, amount) pairs; takes ownership of nothing. */
static ft_status push_overlap(ft_report *rep, size_t *cap, const ft_report_overlap *row,
                              const uint32_t *inc, const ft_u128 *amount, ft_err *err)
{
    if (rep->n_overlap == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        ft_report_overlap *nv = realloc(rep->overlap, nc * sizeof *nv);
        if (!nv)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for overlaps");
        rep->overlap = nv;
        *cap = nc;
    }
    ft_report_overlap *o = &rep->overlap[rep->n_overlap];
    *o = *row;
    o->inc = malloc(row->n_inc * sizeof *o->inc);
    o->amount = malloc(row->n_inc * sizeof *o->amount);
    if (!o->inc || !o->amount) {
        free(o->inc);
        free(o->amount);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for overlaps");
    }
    memcpy(o->inc, inc, row->n_inc * sizeof *inc);
    memcpy(o->amount, amount, row->n_inc * sizeof *amount);
    rep->n_overlap++;
    return FT_OK;
}

static ft_status build_overlaps(ft_report *rep, ft_err *err)
{
    const ft_report_input *in = &rep->in;
    const ft_trace_result *res = in->res;
    int om = rep->overlap_model;
    size_t n_inc = res->n_incidents, cap = 0;
    uint32_t *incs = malloc((n_inc ? n_inc : 1) * sizeof *incs);
    ft_u128 *amts = malloc((n_inc ? n_inc : 1) * sizeof *amts);
    cl_row *cr = malloc((res->n_exposure ? res->n_exposure : 1) * sizeof *cr);
    uint32_t *csize = NULL;
    ft_status s = FT_OK;
    int ovf = 0;
    if (!incs || !amts || !cr) {
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory for overlaps");
        goto done;
    }
    if (in->n_addr) {
        csize = calloc(in->n_addr, sizeof *csize);
        if (!csize) {
            s = ft_err_set(err, FT_ERR_NOMEM, "out of memory for overlaps");
            goto done;
        }
        for (uint32_t a = 0; a < in->n_addr; a++)
            csize[cluster_of(in, a)]++;
    }
    /* address rows: exposure is sorted by (addr, incident, model) */
    size_t n_cr = 0;
    for (size_t i = 0; i < res->n_exposure;) {
        uint32_t a = res->exposure[i].addr;
        size_t k = 0;
        ft_u128 total = 0;
        for (; i < res->n_exposure && res->exposure[i].addr == a; i++) {
            const ft_trace_exposure *x = &res->exposure[i];
            if ((int)x->model != om || x->amount == 0 || x->incident >= n_inc)
                continue;
            if (k > 0 && incs[k - 1] == x->incident) { /* repeated row: add */
                add(&amts[k - 1], x->amount, &ovf);
            } else {
                incs[k] = x->incident;
                amts[k++] = x->amount;
            }
            add(&total, x->amount, &ovf);
            cr[n_cr].cluster = cluster_of(in, a);
            cr[n_cr].inc = x->incident;
            cr[n_cr].addr = a;
            cr[n_cr++].amount = x->amount;
        }
        if (k < 2)
            continue;
        ft_report_overlap row;
        memset(&row, 0, sizeof row);
        row.addr = a;
        row.cluster = cluster_of(in, a);
        row.cluster_size = csize && row.cluster < in->n_addr ? csize[row.cluster] : 1;
        row.n_addrs = 1;
        row.entity = entity_of(in, a);
        row.n_inc = k;
        row.total = total;
        if ((s = push_overlap(rep, &cap, &row, incs, amts, err)) != FT_OK)
            goto done;
    }
    /* cluster rows: clusters of two or more addresses reached by two or more incidents */
    qsort(cr, n_cr, sizeof *cr, cmp_cl_row);
    for (size_t i = 0; i < n_cr;) {
        uint32_t c = cr[i].cluster;
        size_t j = i;
        while (j < n_cr && cr[j].cluster == c)
            j++;
        uint32_t size = csize && c < in->n_addr ? csize[c] : 1;
        if (size < 2) {
            i = j;
            continue;
        }
        size_t k = 0;
        ft_u128 total = 0;
        uint32_t entity = FT_GRAPH_NONE, n_addrs = 0;
        for (size_t r = i; r < j; r++) {
            if (k == 0 || incs[k - 1] != cr[r].inc) {
                incs[k] = cr[r].inc;
                amts[k++] = 0;
            }
            add(&amts[k - 1], cr[r].amount, &ovf);
            add(&total, cr[r].amount, &ovf);
            uint32_t e = entity_of(in, cr[r].addr);
            if (entity == FT_GRAPH_NONE)
                entity = e;
            /* distinct members: count each address once (rows of one address are adjacent
             * only within an incident, so check the earlier rows of the cluster) */
            int seen = 0;
            for (size_t q = i; q < r && !seen; q++)
                seen = cr[q].addr == cr[r].addr;
            n_addrs += !seen;
        }
        if (k >= 2) {
            ft_report_overlap row;
            memset(&row, 0, sizeof row);
            row.is_cluster = 1;
            row.addr = c;
            row.cluster = c;
            row.cluster_size = size;
            row.n_addrs = n_addrs;
            row.entity = entity;
            row.n_inc = k;
            row.total = total;
            if ((s = push_overlap(rep, &cap, &row, incs, amts, err)) != FT_OK)
                goto done;
        }
        i = j;
    }
    if (ovf)
        s = ft_err_set(err, FT_ERR_LIMIT, "overlap amounts beyond 128 bits");
done:
    free(incs);
    free(amts);
    free(cr);
    free(csize);
    return s;
}

ft_status ft_report_build(ft_report *rep, const ft_report_input *in, ft_err *err)
{
    memset(rep, 0, sizeof *rep);
    unsigned models = in ? in->models & ((1u << M) - 1) : 0;
    if (!in || !in->res || !models || (in->res->n_incidents && !in->inc) ||
        (in->res->n_flows && !in->entity_name && in->n_entities))
        return ft_err_set(err, FT_ERR_ARG, "report: no trace result or no model");
    rep->in = *in;
    rep->in.models = models;
    const ft_trace_result *res = in->res;
    size_t n = res->n_incidents;
    int ovf = 0;
    ft_status s = FT_OK;
    fig_acc *acc = calloc(n ? n : 1, sizeof *acc);
    fig_acc *yacc = NULL;
    one_acc *eacc = NULL, *cacc = NULL;
    rep->incident = calloc(n ? n : 1, sizeof *rep->incident);
    if (!acc || !rep->incident)
        goto nomem;

    /* per incident: the summary rows and the flows' USD */
    rep->overlap_model = (models >> FT_TAINT_POISON & 1u) ? FT_TAINT_POISON : -1;
    for (int m = 0; m < M && rep->overlap_model < 0; m++)
        if (models >> m & 1u)
            rep->overlap_model = m;
    for (size_t i = 0; i < n; i++) {
        fig_acc *a = &acc[i];
        a->n_incidents = 1;
        a->stolen_usd = in->inc[i].stolen_usd;
        a->stolen_usd_unknown = !in->inc[i].stolen_usd_known;
        for (int m = 0; m < M; m++) {
            if (!(models >> m & 1u))
                continue;
            const ft_trace_summary *x = &res->summary[i * M + (size_t)m];
            a->stolen = x->stolen;
            const ft_u128 v[FT_REPORT_CHANNELS] = {x->to_exchange, x->to_mixer, x->to_bridge,
                                                   x->to_other,    x->unspent,  x->fees,
                                                   x->below_threshold, x->hop_limit};
            for (int c = 0; c < FT_REPORT_CHANNELS; c++)
                a->ch[c][m] = v[c];
        }
    }
    for (size_t f = 0; f < res->n_flows; f++) {
        const ft_trace_flow *x = &res->flows[f];
        if (x->incident >= n || x->model >= M || !(models >> x->model & 1u))
            continue;
        int c = usd_slot(x->category);
        add(&acc[x->incident].usd[c][x->model], x->amount_usd, &ovf);
        if (!x->usd_known)
            acc[x->incident].usd_unknown[c][x->model] = 1;
    }
    for (size_t i = 0; i < n; i++)
        reduce_fig(&rep->incident[i], &acc[i], models, in->usd);

    /* per (year, chain, asset) */
    yacc = calloc(n ? n : 1, sizeof *yacc);
    rep->year = calloc(n ? n : 1, sizeof *rep->year);
    if (!yacc || !rep->year)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        const ft_report_incident *x = &in->inc[i];
        int y = year_of(x->date);
        size_t k = 0;
        while (k < rep->n_year && !(rep->year[k].year == y &&
                                    strcmp(rep->year[k].chain, x->chain) == 0 &&
                                    strcmp(rep->year[k].asset, x->asset) == 0))
            k++;
        if (k == rep->n_year) {
            rep->year[k].year = y;
            rep->year[k].chain = x->chain;
            rep->year[k].asset = x->asset;
            rep->year[k].decimals = x->decimals;
            rep->n_year++;
        }
        merge_fig(&yacc[k], &acc[i], &ovf);
    }
    for (size_t k = 0; k < rep->n_year; k++)
        reduce_fig(&rep->year[k].fig, &yacc[k], models, in->usd);
    qsort(rep->year, rep->n_year, sizeof *rep->year, cmp_year);

    /* per exchange / otc / payment entity and asset; per channel and asset */
    eacc = calloc(res->n_flows ? res->n_flows : 1, sizeof *eacc);
    rep->entity = calloc(res->n_flows ? res->n_flows : 1, sizeof *rep->entity);
    if (!eacc || !rep->entity)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < rep->n_entity; k++)
            memset(eacc[k].hit, 0, sizeof eacc[k].hit);
        for (size_t f = 0; f < res->n_flows; f++) {
            const ft_trace_flow *x = &res->flows[f];
            if (x->incident != i || x->model >= M || !(models >> x->model & 1u))
                continue;
            if (x->category != FT_CAT_EXCHANGE && x->category != FT_CAT_OTC &&
                x->category != FT_CAT_PAYMENT)
                continue;
            if (x->entity == FT_GRAPH_NONE || x->entity >= in->n_entities)
                continue;
            size_t k = 0;
            while (k < rep->n_entity &&
                   !(rep->entity[k].entity == x->entity &&
                     rep->entity[k].category == x->category &&
                     same_asset(&in->inc[i], rep->entity[k].chain, rep->entity[k].asset)))
                k++;
            ft_report_entity *e = &rep->entity[k];
            if (k == rep->n_entity) {
                e->entity = x->entity;
                e->category = x->category;
                e->chain = in->inc[i].chain;
                e->asset = in->inc[i].asset;
                e->decimals = in->inc[i].decimals;
                e->first_time = x->first_time;
                e->last_time = x->last_time;
                memset(eacc[k].hit, 0, sizeof eacc[k].hit);
                rep->n_entity++;
            }
            if (!eacc[k].hit[0])
                e->n_incidents++;
            eacc[k].hit[0] = 1;
            add(&eacc[k].v[x->model], x->amount, &ovf);
            add(&eacc[k].usd[x->model], x->amount_usd, &ovf);
            if (!x->usd_known)
                eacc[k].usd_unknown[x->model] = 1;
            if (x->first_time < e->first_time)
                e->first_time = x->first_time;
            if (x->last_time > e->last_time)
                e->last_time = x->last_time;
        }
    }
    for (size_t k = 0; k < rep->n_entity; k++) {
        rep->entity[k].amount = reduce(eacc[k].v, models);
        rep->entity[k].usd = reduce_usd(eacc[k].usd, eacc[k].usd_unknown, models, in->usd);
    }
    sort_rep = rep;
    qsort(rep->entity, rep->n_entity, sizeof *rep->entity, cmp_entity);
    sort_rep = NULL;

    /* channels: one block of FT_REPORT_CH_COUNT rows per distinct (chain, asset), in order of
     * the first incident of that asset */
    cacc = calloc((n ? n : 1) * FT_REPORT_CH_COUNT, sizeof *cacc);
    rep->channel = calloc((n ? n : 1) * FT_REPORT_CH_COUNT, sizeof *rep->channel);
    if (!cacc || !rep->channel)
        goto nomem;
    size_t n_assets = 0;
    for (size_t i = 0; i < n; i++) {
        const ft_report_incident *x = &in->inc[i];
        size_t b = 0;
        while (b < n_assets &&
               !same_asset(x, rep->channel[b * FT_REPORT_CH_COUNT].chain,
                           rep->channel[b * FT_REPORT_CH_COUNT].asset))
            b++;
        if (b == n_assets) {
            for (int c = 0; c < FT_REPORT_CH_COUNT; c++) {
                ft_report_channel *r = &rep->channel[b * FT_REPORT_CH_COUNT + (size_t)c];
                r->ch = c;
                r->chain = x->chain;
                r->asset = x->asset;
                r->decimals = x->decimals;
                r->has_usd = c <= FT_REPORT_CH_OTHER_TERMINAL;
            }
            n_assets++;
        }
        one_acc *blk = &cacc[b * FT_REPORT_CH_COUNT];
        for (int c = 0; c < FT_REPORT_CH_COUNT; c++)
            memset(blk[c].hit, 0, sizeof blk[c].hit);
        for (size_t f = 0; f < res->n_flows; f++) {
            const ft_trace_flow *y = &res->flows[f];
            if (y->incident != i || y->model >= M || !(models >> y->model & 1u))
                continue;
            one_acc *o = &blk[ch_of_cat(y->category)];
            add(&o->v[y->model], y->amount, &ovf);
            add(&o->usd[y->model], y->amount_usd, &ovf);
            if (!y->usd_known)
                o->usd_unknown[y->model] = 1;
            if (y->amount > 0)
                o->hit[0] = 1;
        }
        for (int m = 0; m < M; m++) {
            if (!(models >> m & 1u))
                continue;
            const ft_trace_summary *x2 = &res->summary[i * M + (size_t)m];
            const ft_u128 v[4] = {x2->unspent, x2->fees, x2->below_threshold, x2->hop_limit};
            for (int c = 0; c < 4; c++) {
                add(&blk[FT_REPORT_CH_UNSPENT + c].v[m], v[c], &ovf);
                if (v[c] > 0)
                    blk[FT_REPORT_CH_UNSPENT + c].hit[0] = 1;
            }
        }
        for (int c = 0; c < FT_REPORT_CH_COUNT; c++)
            rep->channel[b * FT_REPORT_CH_COUNT + (size_t)c].n_incidents += blk[c].hit[0];
    }
    rep->n_channel = n_assets * FT_REPORT_CH_COUNT;
    for (size_t k = 0; k < rep->n_channel; k++) {
        ft_report_channel *r = &rep->channel[k];
        r->amount = reduce(cacc[k].v, models);
        r->usd = r->has_usd ? reduce_usd(cacc[k].usd, cacc[k].usd_unknown, models, in->usd)
                            : (ft_report_usd){0, 0, 0};
    }

    if (ovf) {
        s = ft_err_set(err, FT_ERR_LIMIT, "report sums beyond 128 bits");
        goto out;
    }
    s = build_overlaps(rep, err);
    goto out;
nomem:
    s = ft_err_set(err, FT_ERR_NOMEM, "out of memory for the report");
out:
    free(acc);
    free(yacc);
    free(eacc);
    free(cacc);
    return s;
}

/* ---- writing ---- */

void ft_report_format_usd(char *out, ft_u128 micro_usd)
{
    ft_u128 cents = micro_usd / 10000 + (micro_usd % 10000 >= 5000);
    char whole[FT_AMOUNT_STR_MAX];
    size_t n = ft_u128_format(whole, cents / 100); /* at most 37 digits: room for ".cc" */
    unsigned c = (unsigned)(cents % 100);
    memcpy(out, whole, n);
    out[n] = '.';
    out[n + 1] = (char)('0' + c / 10);
    out[n + 2] = (char)('0' + c % 10);
    out[n + 3] = '\0';
}

static void put_amount(FILE *f, ft_u128 v, unsigned decimals)
{
    char s[FT_AMOUNT_STR_MAX];
    ft_amount_format(s, v, decimals);
    fputs(s, f);
}

static void put_usd(FILE *f, ft_u128 v, int known)
{
    if (!known)
        return;
    char s[FT_AMOUNT_STR_MAX];
    ft_report_format_usd(s, v);
    fputs(s, f);
}

static void put_time(FILE *f, int64_t t)
{
    char s[FT_TIME_ISO8601_MAX];
    fputs(ft_time_iso8601(s, t), f);
}

static ft_status finish(FILE *f, const char *name, ft_err *err)
{
    if (fflush(f) != 0 || ferror(f))
        return ft_err_set(err, FT_ERR_IO, "cannot write '%s'", name);
    return FT_OK;
}

static void fig_header(FILE *f)
{
    fputs("stolen,stolen_usd", f);
    for (int c = 0; c < FT_REPORT_CHANNELS; c++)
        fprintf(f, ",%s_low,%s_high", channel_names[c], channel_names[c]);
    for (int c = 0; c < FT_REPORT_USD_CHANNELS; c++)
        fprintf(f, ",%s_usd_low,%s_usd_high", channel_names[c], channel_names[c]);
    fputc('\n', f);
}

/* "low,high" of an amount range, and of a USD range (empty cells when unknown) */
static void put_range(FILE *f, const ft_report_range *r, unsigned decimals)
{
    put_amount(f, r->low, decimals);
    fputc(',', f);
    put_amount(f, r->high, decimals);
}

static void put_usd_range(FILE *f, const ft_report_usd *u)
{
    put_usd(f, u->low, u->known);
    fputc(',', f);
    put_usd(f, u->high, u->known);
}

static void fig_cells(FILE *f, const ft_report_figures *x, unsigned decimals)
{
    put_amount(f, x->stolen, decimals);
    fputc(',', f);
    put_usd(f, x->stolen_usd, x->stolen_usd_known);
    for (int c = 0; c < FT_REPORT_CHANNELS; c++) {
        fputc(',', f);
        put_range(f, &x->ch[c], decimals);
    }
    for (int c = 0; c < FT_REPORT_USD_CHANNELS; c++) {
        fputc(',', f);
        put_usd_range(f, &x->usd[c]);
    }
    fputc('\n', f);
}

static void models_cell(FILE *f, unsigned models)
{
    int first = 1;
    for (int m = 0; m < M; m++)
        if (models >> m & 1u) {
            fprintf(f, "%s%s", first ? "" : ";", ft_taint_model_get(m)->name);
            first = 0;
        }
}

ft_status ft_report_write_by_incident(const ft_report *rep, FILE *f, const char *name,
                                      ft_err *err)
{
    fputs("incident,date,chain,asset,models,", f);
    fig_header(f);
    for (size_t i = 0; i < rep->in.res->n_incidents; i++) {
        const ft_report_incident *x = &rep->in.inc[i];
        ft_csv_cell(f, x->name);
        fputc(',', f);
        ft_csv_cell(f, x->date);
        fputc(',', f);
        ft_csv_cell(f, x->chain);
        fputc(',', f);
        ft_csv_cell(f, x->asset);
        fputc(',', f);
        models_cell(f, rep->in.models);
        fputc(',', f);
        fig_cells(f, &rep->incident[i], x->decimals);
    }
    return finish(f, name, err);
}

ft_status ft_report_write_by_year(const ft_report *rep, FILE *f, const char *name, ft_err *err)
{
    fputs("year,chain,asset,models,incidents,", f);
    fig_header(f);
    for (size_t k = 0; k < rep->n_year; k++) {
        const ft_report_year *y = &rep->year[k];
        fprintf(f, "%04d,", y->year);
        ft_csv_cell(f, y->chain);
        fputc(',', f);
        ft_csv_cell(f, y->asset);
        fputc(',', f);
        models_cell(f, rep->in.models);
        fprintf(f, ",%zu,", y->fig.n_incidents);
        fig_cells(f, &y->fig, y->decimals);
    }
    return finish(f, name, err);
}

ft_status ft_report_write_by_exchange(const ft_report *rep, FILE *f, const char *name,
                                      ft_err *err)
{
    fputs("entity,category,chain,asset,models,incidents,amount_low,amount_high,amount_usd_low,"
          "amount_usd_high,first_time,last_time\n",
          f);
    for (size_t k = 0; k < rep->n_entity; k++) {
        const ft_report_entity *e = &rep->entity[k];
        ft_csv_cell(f, rep->in.entity_name[e->entity]);
        fprintf(f, ",%s,", ft_label_cat_name(e->category));
        ft_csv_cell(f, e->chain);
        fputc(',', f);
        ft_csv_cell(f, e->asset);
        fputc(',', f);
        models_cell(f, rep->in.models);
        fprintf(f, ",%zu,", e->n_incidents);
        put_range(f, &e->amount, e->decimals);
        fputc(',', f);
        put_usd_range(f, &e->usd);
        fputc(',', f);
        put_time(f, e->first_time);
        fputc(',', f);
        put_time(f, e->last_time);
        fputc('\n', f);
    }
    return finish(f, name, err);
}

ft_status ft_report_write_by_channel(const ft_report *rep, FILE *f, const char *name,
                                     ft_err *err)
{
    fputs("channel,chain,asset,models,incidents,amount_low,amount_high,amount_usd_low,"
          "amount_usd_high\n",
          f);
    for (size_t k = 0; k < rep->n_channel; k++) {
        const ft_report_channel *c = &rep->channel[k];
        fprintf(f, "%s,", ch_names[c->ch]);
        ft_csv_cell(f, c->chain);
        fputc(',', f);
        ft_csv_cell(f, c->asset);
        fputc(',', f);
        models_cell(f, rep->in.models);
        fprintf(f, ",%zu,", c->n_incidents);
        put_range(f, &c->amount, c->decimals);
        fputc(',', f);
        put_usd_range(f, &c->usd);
        fputc('\n', f);
    }
    return finish(f, name, err);
}

ft_status ft_report_write_overlaps(const ft_report *rep, FILE *f, const char *name, ft_err *err)
{
    const ft_report_input *in = &rep->in;
    fputs("kind,chain,asset,model,address,cluster,cluster_size,addresses,entity,category,"
          "n_incidents,incidents,amounts,total\n",
          f);
    for (size_t k = 0; k < rep->n_overlap; k++) {
        const ft_report_overlap *o = &rep->overlap[k];
        const ft_report_incident *i0 = &in->inc[o->inc[0]];
        fprintf(f, "%s,", o->is_cluster ? "cluster" : "address");
        ft_csv_cell(f, i0->chain);
        fputc(',', f);
        ft_csv_cell(f, i0->asset);
        fprintf(f, ",%s,", ft_taint_model_get(rep->overlap_model)->name);
        if (!o->is_cluster) {
            char text[160];
            if (!in->addr_text) {
                snprintf(text, sizeof text, "%u", o->addr);
            } else {
                ft_status s = in->addr_text(in->addr_ctx, o->addr, text, sizeof text, err);
                if (s != FT_OK)
                    return s;
            }
            ft_csv_cell(f, text);
        }
        fprintf(f, ",%u,%u,%u,", o->cluster, o->cluster_size, o->n_addrs);
        if (o->entity != FT_GRAPH_NONE) {
            ft_csv_cell(f, in->entity_name[o->entity]);
            fputc(',', f);
            if (in->addr_entity_cat)
                fputs(ft_label_cat_name(in->addr_entity_cat[o->entity]), f);
        } else {
            fputc(',', f);
        }
        fprintf(f, ",%zu,", o->n_inc);
        /* incident ids joined with ';' make one cell: build it, then quote it once */
        size_t len = 1;
        for (size_t j = 0; j < o->n_inc; j++)
            len += strlen(in->inc[o->inc[j]].name) + 1;
        char *cell = malloc(len > o->n_inc * FT_AMOUNT_STR_MAX ? len
                                                               : o->n_inc * FT_AMOUNT_STR_MAX + 1);
        if (!cell)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for overlaps");
        size_t p = 0;
        cell[0] = '\0';
        for (size_t j = 0; j < o->n_inc; j++) {
            const char *nm = in->inc[o->inc[j]].name;
            size_t l = strlen(nm);
            if (j)
                cell[p++] = ';';
            memcpy(cell + p, nm, l);
            p += l;
            cell[p] = '\0';
        }
        ft_csv_cell(f, cell);
        fputc(',', f);
        p = 0;
        for (size_t j = 0; j < o->n_inc; j++) {
            char a[FT_AMOUNT_STR_MAX];
            size_t l = ft_amount_format(a, o->amount[j], in->inc[o->inc[j]].decimals);
            if (j)
                cell[p++] = ';';
            memcpy(cell + p, a, l);
            p += l;
            cell[p] = '\0';
        }
        fputs(cell, f);
        free(cell);
        fputc(',', f);
        put_amount(f, o->total, i0->decimals);
        fputc('\n', f);
    }
    return finish(f, name, err);
}

void ft_report_release(ft_report *rep)
{
    free(rep->incident);
    free(rep->year);
    free(rep->entity);
    free(rep->channel);
    for (size_t k = 0; k < rep->n_overlap; k++) {
        free(rep->overlap[k].inc);
        free(rep->overlap[k].amount);
    }
    free(rep->overlap);
    memset(rep, 0, sizeof *rep);
}
