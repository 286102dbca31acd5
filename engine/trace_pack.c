/*
 * trace_pack.c — packing, unpacking and merging trace results (see trace_pack.h).
 *
 * Packing sizes the buffer first (fixed record sizes), then writes with the ft_put_* stores.
 * Unpacking bounds every count by the bytes left before allocating. Merging copies each
 * part's rows with the incident ids mapped to global ones, then sorts flows and exposure
 * into the order ft_trace_run documents, so the merged result cannot be told apart from a
 * single run's (the tests compare the written files byte for byte).
 */
#include "engine/trace_pack.h"

#include <stdlib.h>
#include <string.h>

#include "engine/reader.h"

#include "engine/banned.h"

#define PACK_VERSION 2u
#define SUMMARY_FIELDS 9u
#define FLOW_BYTES (4 + 4 + 4 + 1 + 4 + 16 + 4 + 8 + 8 + 8 + 16 + 1)
#define EXPO_BYTES (4 + 4 + 4 + 16)
#define STEP_BYTES (4 + 4 + 8)

static void result_release(ft_trace_result *res);

static uint8_t *put128(uint8_t *p, ft_u128 v)
{
    ft_put_u64le(p, (uint64_t)v);
    ft_put_u64le(p + 8, (uint64_t)(v >> 64));
    return p + 16;
}

static int get128(ft_reader *r, ft_u128 *v)
{
    uint64_t lo = 0, hi = 0;
    int ok = ft_reader_u64le(r, &lo) && ft_reader_u64le(r, &hi);
    *v = (ft_u128)hi << 64 | lo;
    return ok;
}

static ft_u128 *summary_field(ft_trace_summary *s, unsigned k)
{
    ft_u128 *f[SUMMARY_FIELDS] = {&s->stolen,    &s->to_exchange, &s->to_mixer,
                                  &s->to_bridge, &s->to_other,    &s->unspent,
                                  &s->fees,      &s->below_threshold, &s->hop_limit};
    return f[k];
}

ft_status ft_trace_pack(const ft_trace_result *res, uint8_t **buf, size_t *len, ft_err *err)
{
    *buf = NULL;
    *len = 0;
    size_t n_sum = res->n_incidents * FT_TAINT_MODELS;
    int has_paths = res->path_off != NULL;
    size_t n = 1 + 8 + 8 + n_sum * SUMMARY_FIELDS * 16 + 8 + res->n_flows * FLOW_BYTES + 8 +
               res->n_exposure * EXPO_BYTES + 1 +
               (has_paths ? 8 + (res->n_flows + 1) * 8 + res->n_path * STEP_BYTES : 0);
    uint8_t *b = malloc(n), *p = b;
    if (!b)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory packing a trace result of %zu bytes",
                          n);
    *p++ = PACK_VERSION;
    ft_put_u64le(p, res->n_incidents);
    ft_put_u64le(p + 8, res->tx_visited);
    p += 16;
    for (size_t i = 0; i < n_sum; i++) {
        ft_trace_summary s = res->summary[i];
        for (unsigned k = 0; k < SUMMARY_FIELDS; k++)
            p = put128(p, *summary_field(&s, k));
    }
    ft_put_u64le(p, res->n_flows);
    p += 8;
    for (size_t i = 0; i < res->n_flows; i++) {
        const ft_trace_flow *f = &res->flows[i];
        ft_put_u32le(p, f->incident);
        ft_put_u32le(p + 4, f->model);
        ft_put_u32le(p + 8, f->addr);
        p[12] = f->category;
        ft_put_u32le(p + 13, f->entity);
        p = put128(p + 17, f->amount);
        ft_put_u32le(p, f->hops);
        ft_put_u64le(p + 4, (uint64_t)f->first_time);
        ft_put_u64le(p + 12, (uint64_t)f->last_time);
        ft_put_u64le(p + 20, f->tx_count);
        p = put128(p + 28, f->amount_usd);
        *p++ = f->usd_known;
    }
    ft_put_u64le(p, res->n_exposure);
    p += 8;
    for (size_t i = 0; i < res->n_exposure; i++) {
        const ft_trace_exposure *x = &res->exposure[i];
        ft_put_u32le(p, x->addr);
        ft_put_u32le(p + 4, x->incident);
        ft_put_u32le(p + 8, x->model);
        p = put128(p + 12, x->amount);
    }
    *p++ = (uint8_t)has_paths;
    if (has_paths) {
        ft_put_u64le(p, res->n_path);
        p += 8;
        for (size_t i = 0; i <= res->n_flows; i++, p += 8)
            ft_put_u64le(p, res->path_off[i]);
        for (size_t i = 0; i < res->n_path; i++, p += STEP_BYTES) {
            ft_put_u32le(p, res->path[i].out);
            ft_put_u32le(p + 4, res->path[i].tx);
            ft_put_u64le(p + 8, res->path[i].taint);
        }
    }
    FT_VERIFY_CHECK((size_t)(p - b) == n);
    *buf = b;
    *len = n;
    return FT_OK;
}

ft_status ft_trace_unpack(ft_trace_result *res, const uint8_t *buf, size_t len, ft_err *err)
{
    memset(res, 0, sizeof *res);
    ft_reader r;
    ft_reader_init(&r, buf, len);
    uint8_t ver = 0;
    uint64_t n_inc = 0, visited = 0, n_flows = 0, n_expo = 0;
    if (!ft_reader_u8(&r, &ver) || ver != PACK_VERSION || !ft_reader_u64le(&r, &n_inc) ||
        !ft_reader_u64le(&r, &visited))
        goto bad;
    if (n_inc > r.left / (FT_TAINT_MODELS * SUMMARY_FIELDS * 16))
        goto bad;
    res->n_incidents = (size_t)n_inc;
    res->tx_visited = visited;
    size_t n_sum = (size_t)n_inc * FT_TAINT_MODELS;
    res->summary = calloc(n_sum ? n_sum : 1, sizeof *res->summary);
    if (!res->summary)
        goto nomem;
    for (size_t i = 0; i < n_sum; i++)
        for (unsigned k = 0; k < SUMMARY_FIELDS; k++)
            if (!get128(&r, summary_field(&res->summary[i], k)))
                goto bad;
    if (!ft_reader_u64le(&r, &n_flows) || n_flows > r.left / FLOW_BYTES)
        goto bad;
    res->flows = calloc(n_flows ? (size_t)n_flows : 1, sizeof *res->flows);
    if (!res->flows)
        goto nomem;
    res->n_flows = (size_t)n_flows;
    for (size_t i = 0; i < res->n_flows; i++) {
        ft_trace_flow *f = &res->flows[i];
        uint64_t t0 = 0, t1 = 0;
        if (!ft_reader_u32le(&r, &f->incident) || !ft_reader_u32le(&r, &f->model) ||
            !ft_reader_u32le(&r, &f->addr) || !ft_reader_u8(&r, &f->category) ||
            !ft_reader_u32le(&r, &f->entity) || !get128(&r, &f->amount) ||
            !ft_reader_u32le(&r, &f->hops) || !ft_reader_u64le(&r, &t0) ||
            !ft_reader_u64le(&r, &t1) || !ft_reader_u64le(&r, &f->tx_count) ||
            !get128(&r, &f->amount_usd) || !ft_reader_u8(&r, &f->usd_known))
            goto bad;
        f->first_time = (int64_t)t0;
        f->last_time = (int64_t)t1;
        if (f->incident >= n_inc || f->model >= FT_TAINT_MODELS)
            goto bad;
    }
    if (!ft_reader_u64le(&r, &n_expo) || n_expo > r.left / EXPO_BYTES)
        goto bad;
    if (n_expo > 0 && !(res->exposure = calloc((size_t)n_expo, sizeof *res->exposure)))
        goto nomem;
    res->n_exposure = (size_t)n_expo;
    for (size_t i = 0; i < res->n_exposure; i++) {
        ft_trace_exposure *x = &res->exposure[i];
        if (!ft_reader_u32le(&r, &x->addr) || !ft_reader_u32le(&r, &x->incident) ||
            !ft_reader_u32le(&r, &x->model) || !get128(&r, &x->amount))
            goto bad;
        if (x->incident >= n_inc || x->model >= FT_TAINT_MODELS)
            goto bad;
    }
    uint8_t has_paths = 0;
    if (!ft_reader_u8(&r, &has_paths) || has_paths > 1)
        goto bad;
    if (has_paths) {
        uint64_t n_path = 0;
        if (!ft_reader_u64le(&r, &n_path) || res->n_flows + 1 > r.left / 8 ||
            n_path > (r.left - (res->n_flows + 1) * 8) / STEP_BYTES)
            goto bad;
        res->path_off = malloc((res->n_flows + 1) * sizeof *res->path_off);
        if (!res->path_off || (n_path && !(res->path = malloc((size_t)n_path * sizeof *res->path))))
            goto nomem;
        res->n_path = (size_t)n_path;
        for (size_t i = 0; i <= res->n_flows; i++) {
            uint64_t v = 0;
            if (!ft_reader_u64le(&r, &v) || v > n_path || (i == 0 && v != 0) ||
                (i > 0 && v < res->path_off[i - 1]) || (i == res->n_flows && v != n_path))
                goto bad;
            res->path_off[i] = (size_t)v;
        }
        for (size_t i = 0; i < res->n_path; i++) {
            ft_trace_path_step *st = &res->path[i];
            if (!ft_reader_u32le(&r, &st->out) || !ft_reader_u32le(&r, &st->tx) ||
                !ft_reader_u64le(&r, &st->taint))
                goto bad;
        }
    }
    if (r.left != 0)
        goto bad;
    return FT_OK;
bad:
    result_release(res);
    return ft_err_set(err, FT_ERR_PARSE, "packed trace result malformed at offset %zu of %zu",
                      ft_reader_offset(&r), len);
nomem:
    result_release(res);
    return ft_err_set(err, FT_ERR_NOMEM, "out of memory unpacking a trace result");
}

/* ft_trace_result_release, also freeing exposure rows whatever version of trace.c it is */
static void result_release(ft_trace_result *res)
{
    free(res->exposure);
    res->exposure = NULL;
    ft_trace_result_release(res);
}

/* A flow of the merge: which part, which flow of it, and its global incident. */
typedef struct mflow {
    uint32_t part, idx, incident, model, addr;
} mflow;

static int cmp_mflow(const void *a, const void *b)
{
    const mflow *x = a, *y = b;
    if (x->incident != y->incident)
        return x->incident < y->incident ? -1 : 1;
    if (x->model != y->model)
        return x->model < y->model ? -1 : 1;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return 0;
}

static int cmp_expo(const void *a, const void *b)
{
    const ft_trace_exposure *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->incident != y->incident)
        return x->incident < y->incident ? -1 : 1;
    if (x->model != y->model)
        return x->model < y->model ? -1 : 1;
    return 0;
}

ft_status ft_trace_merge(ft_trace_result *out, size_t n_incidents, const ft_trace_result *parts,
                         const uint32_t *const *inc_map, size_t n_parts, ft_err *err)
{
    memset(out, 0, sizeof *out);
    size_t n_flows = 0, n_expo = 0, n_path = 0;
    int has_paths = 0;
    for (size_t p = 0; p < n_parts; p++) {
        n_flows += parts[p].n_flows;
        n_expo += parts[p].n_exposure;
        n_path += parts[p].path_off ? parts[p].n_path : 0;
        has_paths |= parts[p].path_off != NULL;
    }
    out->n_incidents = n_incidents;
    out->summary = calloc(n_incidents ? n_incidents * FT_TAINT_MODELS : 1, sizeof *out->summary);
    out->flows = calloc(n_flows ? n_flows : 1, sizeof *out->flows);
    out->exposure = n_expo ? calloc(n_expo, sizeof *out->exposure) : NULL;
    mflow *mf = calloc(n_flows ? n_flows : 1, sizeof *mf);
    uint8_t *seen = calloc(n_incidents ? n_incidents : 1, 1);
    if (has_paths) {
        out->path_off = calloc(n_flows + 1, sizeof *out->path_off);
        out->path = calloc(n_path ? n_path : 1, sizeof *out->path);
    }
    if (!out->summary || !out->flows || (n_expo && !out->exposure) || !seen || !mf ||
        (has_paths && (!out->path_off || !out->path))) {
        free(seen);
        free(mf);
        result_release(out);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory merging trace results");
    }
    ft_status rc = FT_OK;
    size_t k_flow = 0;
    for (size_t p = 0; p < n_parts && rc == FT_OK; p++) {
        const ft_trace_result *r = &parts[p];
        if (has_paths && !r->path_off && r->n_flows > 0) {
            rc = ft_err_set(err, FT_ERR_ARG, "merging trace results: part %zu has no paths", p);
            break;
        }
        for (size_t k = 0; k < r->n_incidents && rc == FT_OK; k++) {
            uint32_t gi = inc_map[p][k];
            if (gi >= n_incidents || seen[gi]) {
                rc = ft_err_set(err, FT_ERR_ARG, "merging trace results: incident %u given %s",
                                gi, gi >= n_incidents ? "out of range" : "twice");
                break;
            }
            seen[gi] = 1;
            memcpy(&out->summary[(size_t)gi * FT_TAINT_MODELS],
                   &r->summary[k * FT_TAINT_MODELS], FT_TAINT_MODELS * sizeof *out->summary);
        }
        for (size_t i = 0; i < r->n_flows && rc == FT_OK; i++) {
            const ft_trace_flow *f = &r->flows[i];
            if (f->incident >= r->n_incidents) {
                rc = ft_err_set(err, FT_ERR_ARG, "merging trace results: flow of incident %u",
                                f->incident);
                break;
            }
            mf[k_flow++] = (mflow){(uint32_t)p, (uint32_t)i, inc_map[p][f->incident], f->model,
                                   f->addr};
        }
        for (size_t i = 0; i < r->n_exposure && rc == FT_OK; i++) {
            ft_trace_exposure x = r->exposure[i];
            if (x.incident >= r->n_incidents) {
                rc = ft_err_set(err, FT_ERR_ARG,
                                "merging trace results: exposure of incident %u", x.incident);
                break;
            }
            x.incident = inc_map[p][x.incident];
            out->exposure[out->n_exposure++] = x;
        }
        out->tx_visited += r->tx_visited;
    }
    for (size_t i = 0; i < n_incidents && rc == FT_OK; i++)
        if (!seen[i])
            rc = ft_err_set(err, FT_ERR_ARG, "merging trace results: incident %zu missing", i);
    free(seen);
    if (rc != FT_OK) {
        free(mf);
        result_release(out);
        return rc;
    }
    qsort(mf, k_flow, sizeof *mf, cmp_mflow);
    for (size_t j = 0; j < k_flow; j++) {
        const ft_trace_result *r = &parts[mf[j].part];
        out->flows[j] = r->flows[mf[j].idx];
        out->flows[j].incident = mf[j].incident;
        if (has_paths) {
            size_t a = r->path_off[mf[j].idx], b = r->path_off[mf[j].idx + 1];
            memcpy(out->path + out->n_path, r->path + a, (b - a) * sizeof *out->path);
            out->n_path += b - a;
            out->path_off[j + 1] = out->n_path;
        }
    }
    out->n_flows = k_flow;
    free(mf);
    if (out->n_exposure)
        qsort(out->exposure, out->n_exposure, sizeof *out->exposure, cmp_expo);
    return FT_OK;
}
