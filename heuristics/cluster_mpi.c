/*
 * cluster_mpi.c — distributed clustering (see cluster_mpi.h for the algorithm).
 *
 * Invariants: address 0 is never linked (like heuristics/cluster.c); labels only decrease and
 * start at the local root (the smallest local member), so when no rank lowers a label in a
 * round every label is the smallest id of its component: the rounds end after at most as
 * many rounds as the longest chain of ranks a component spans. Pairs travel as u32 pairs in
 * MPI_Alltoallv (counts are ints: at most 2^31-1 words per rank and round; a larger
 * exchange is refused with FT_ERR_LIMIT rather than truncated). Every rank takes part in
 * every collective call even after a local failure; the status is agreed with an allreduce.
 */
#include "heuristics/cluster_mpi.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#ifdef FT_HAVE_MPI
#include <mpi.h>
#endif

#include "engine/log.h"
#include "heuristics/collapse_guard.h"
#include "heuristics/unionfind.h"

#include "engine/banned.h"

#ifdef FT_HAVE_MPI

typedef struct pairs {
    uint32_t *v; /* 2 words per pair */
    size_t n, cap;
    int failed;
} pairs;

static void pairs_push(pairs *p, uint32_t a, uint32_t b)
{
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 1024;
        uint32_t *nv = realloc(p->v, nc * 2 * sizeof *nv);
        if (!nv) {
            p->failed = 1;
            return;
        }
        p->v = nv;
        p->cap = nc;
    }
    p->v[2 * p->n] = a;
    p->v[2 * p->n + 1] = b;
    p->n++;
}

typedef struct emit_ctx {
    pairs *out;
    uint64_t links;
} emit_ctx;

static void collect(void *arg, uint32_t a, uint32_t b, uint32_t item)
{
    (void)item;
    emit_ctx *e = arg;
    if (a == 0 || b == 0 || a == b)
        return;
    e->links++;
    pairs_push(e->out, a, b);
}

/* Sends pairs to the rank given by dest_of(first word): one alltoallv. *in receives a
 * malloc()ed array of pairs. Returns FT_OK or an error (taking part in the collectives
 * anyway). */
static ft_status exchange(const uint32_t *v, size_t n, uint32_t chunk, int size, uint32_t **in,
                          size_t *n_in, ft_err *err)
{
    ft_status rc = FT_OK;
    int *sc = calloc((size_t)size, sizeof *sc), *rcnt = calloc((size_t)size, sizeof *rcnt);
    int *sd = calloc((size_t)size, sizeof *sd), *rd = calloc((size_t)size, sizeof *rd);
    uint32_t *buf = malloc((n ? n : 1) * 2 * sizeof *buf);
    if (!sc || !rcnt || !sd || !rd || !buf) {
        /* no way to take part without the count arrays: end the job */
        ft_log(FT_LOG_ERROR, "out of memory in a distributed clustering exchange");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    size_t *cnt = calloc((size_t)size, sizeof *cnt);
    if (!cnt)
        MPI_Abort(MPI_COMM_WORLD, 1);
    for (size_t i = 0; i < n; i++)
        cnt[v[2 * i] / chunk]++;
    size_t pos = 0;
    for (int r = 0; r < size; r++) {
        if (cnt[r] * 2 > (size_t)INT32_MAX || pos * 2 > (size_t)INT32_MAX)
            rc = ft_err_set(err, FT_ERR_LIMIT, "distributed clustering: exchange too large");
        sd[r] = (int)(pos * 2);
        sc[r] = rc == FT_OK ? (int)(cnt[r] * 2) : 0;
        pos += cnt[r];
        cnt[r] = (size_t)sd[r] / 2;
    }
    for (size_t i = 0; i < n; i++) {
        size_t at = cnt[v[2 * i] / chunk]++;
        buf[2 * at] = v[2 * i];
        buf[2 * at + 1] = v[2 * i + 1];
    }
    free(cnt);
    MPI_Alltoall(sc, 1, MPI_INT, rcnt, 1, MPI_INT, MPI_COMM_WORLD);
    size_t total = 0;
    for (int r = 0; r < size; r++) {
        rd[r] = (int)total;
        total += (size_t)rcnt[r];
        if (total > (size_t)INT32_MAX)
            MPI_Abort(MPI_COMM_WORLD, 1); /* cannot be described to MPI: no way to go on */
    }
    uint32_t *recv = malloc((total ? total : 2) * sizeof *recv);
    if (!recv)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Alltoallv(buf, sc, sd, MPI_UINT32_T, recv, rcnt, rd, MPI_UINT32_T, MPI_COMM_WORLD);
    free(buf);
    free(sc);
    free(rcnt);
    free(sd);
    free(rd);
    *in = recv;
    *n_in = total / 2;
    return rc;
}

/* Local union-find over [lo, hi): parent holds global ids, roots are smallest members. */
static uint32_t lfind(uint32_t *par, uint32_t lo, uint32_t x)
{
    while (par[x - lo] != x) {
        uint32_t p = par[x - lo];
        par[x - lo] = par[p - lo]; /* halving */
        x = p;
    }
    return x;
}

static void lunion(uint32_t *par, uint32_t lo, uint32_t a, uint32_t b)
{
    uint32_t ra = lfind(par, lo, a), rb = lfind(par, lo, b);
    if (ra == rb)
        return;
    if (ra < rb)
        par[rb - lo] = ra;
    else
        par[ra - lo] = rb;
}

static int cmp_pair(const void *x, const void *y)
{
    const uint32_t *a = x, *b = y;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* Everything after pass A, on rank 0: the guard and the sizes, as heuristics/cluster.c. */
static ft_status finish_root(const ft_cluster_ctx *ctx, const ft_heuristic *const *linkers,
                             size_t n_linkers, uint32_t n_items, uint32_t *cluster, uint32_t n,
                             const ft_cluster_opts *opts, ft_cluster_result *res, ft_err *err)
{
    ft_uf uf = {n, cluster};
    ft_status rc = FT_OK;
    if (opts->guard) {
        uint8_t *sus = NULL;
        size_t n_sus = 0;
        rc = ft_guard_find_suspects(uf.parent, uf.n, ctx->addr_entity, opts->guard_size, &sus,
                                    &n_sus, err);
        if (rc == FT_OK && sus) {
            ft_guard gd;
            rc = ft_guard_begin(&gd, &uf, sus, ctx->addr_entity, opts->guard_size, err);
            if (rc == FT_OK) {
                for (uint32_t it = 0; it < n_items; it++)
                    for (size_t h = 0; h < n_linkers; h++)
                        linkers[h]->links(ctx, it, ft_guard_link, &gd);
                res->suspects = n_sus;
                res->refused = gd.refused;
                res->n_refused = gd.n_refused;
                res->n_refused_total = gd.n_refused_total;
                rc = gd.failed;
                gd.refused = NULL;
                ft_guard_release(&gd);
                if (rc != FT_OK)
                    ft_err_set(err, rc, "out of memory recording refused merges");
                else
                    ft_uf_flatten(&uf);
            }
        }
        free(sus);
    }
    res->n_addr = n;
    res->cluster = cluster;
    if (rc != FT_OK)
        return rc;
    res->size = calloc((size_t)n + 1, sizeof *res->size);
    if (!res->size)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for cluster sizes");
    for (uint32_t x = 1; x < n; x++)
        res->size[cluster[x]]++;
    for (uint32_t c = 1; c < n; c++)
        if (cluster[c] == c) {
            res->n_multi += res->size[c] >= 2;
            if (res->size[c] > res->largest) { /* first largest: smallest id on ties */
                res->largest = res->size[c];
                res->largest_id = c;
            }
        }
    if (ctx->cj_kind)
        for (uint32_t t = 0; t < ctx->g->n_tx; t++)
            res->cj_count[ctx->cj_kind[t] < FT_CJ_KIND_COUNT ? ctx->cj_kind[t] : 0]++;
    return FT_OK;
}

static ft_status run_mpi(const ft_graph *g, const ft_cluster_labels *labels,
                         const ft_cluster_opts *opts, ft_cluster_result *res, int rank, int size,
                         ft_err *err)
{
    ft_cluster_ctx ctx;
    const ft_heuristic *linkers[FT_REGISTRY_MAX];
    size_t n_linkers = 0;
    ft_status rc = ft_cluster_prepare(&ctx, g, labels, opts, linkers, &n_linkers, err);
    uint32_t n = g->n_addr, n_items = g->model == FT_GRAPH_UTXO ? g->n_tx : g->n_xfer;
    uint32_t chunk = (uint32_t)(((uint64_t)n + (uint64_t)size - 1) / (uint64_t)size);
    if (chunk == 0)
        chunk = 1;
    uint32_t lo = (uint32_t)((uint64_t)chunk * (uint64_t)rank), hi = lo + chunk;
    if (lo > n)
        lo = n;
    if (hi > n)
        hi = n;
    uint32_t it0 = (uint32_t)((uint64_t)n_items * (uint64_t)rank / (uint64_t)size);
    uint32_t it1 = (uint32_t)((uint64_t)n_items * (uint64_t)(rank + 1) / (uint64_t)size);

    /* 1. links of this rank's items, both directions, to the owners */
    pairs out = {NULL, 0, 0, 0};
    uint64_t links = 0;
    if (rc == FT_OK) {
        int nt = omp_get_max_threads();
        pairs *tp = calloc((size_t)nt, sizeof *tp);
        if (!tp)
            out.failed = 1;
        else
#pragma omp parallel reduction(+ : links)
        {
            int t = omp_get_thread_num();
            emit_ctx e = {&tp[t], 0};
#pragma omp for schedule(dynamic, 1024)
            for (int64_t it = it0; it < (int64_t)it1; it++)
                for (size_t h = 0; h < n_linkers; h++)
                    linkers[h]->links(&ctx, (uint32_t)it, collect, &e);
            links += e.links;
        }
        for (int t = 0; tp && t < nt; t++) {
            for (size_t i = 0; i < tp[t].n; i++) {
                uint32_t a = tp[t].v[2 * i], b = tp[t].v[2 * i + 1];
                pairs_push(&out, a, b);
                if (a / chunk != b / chunk)
                    pairs_push(&out, b, a);
            }
            out.failed |= tp[t].failed;
            free(tp[t].v);
        }
        free(tp);
        if (out.failed)
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory collecting links");
    }
    if (rc != FT_OK)
        out.n = 0;
    uint32_t *in = NULL;
    size_t n_in = 0;
    ft_status xs = exchange(out.v, out.n, chunk, size, &in, &n_in, err);
    if (rc == FT_OK)
        rc = xs;
    free(out.v);

    /* 2. local union-find; cross pairs become (local root, remote address) */
    uint32_t nl = hi - lo;
    uint32_t *par = malloc(((size_t)nl + 1) * sizeof *par);
    uint32_t *lab = malloc(((size_t)nl + 1) * sizeof *lab);
    uint8_t *dirty = malloc((size_t)nl + 1);
    if (!par || !lab || !dirty)
        rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory for the local union-find");
    size_t n_cross = 0;
    if (rc == FT_OK) {
        for (uint32_t x = 0; x < nl; x++)
            par[x] = lo + x;
        for (size_t i = 0; i < n_in; i++) {
            uint32_t a = in[2 * i], b = in[2 * i + 1];
            if (a < lo || a >= hi || b >= n) {
                rc = ft_err_set(err, FT_ERR_STATE, "distributed clustering: misrouted link");
                break;
            }
            if (b >= lo && b < hi)
                lunion(par, lo, a, b);
            else {
                in[2 * n_cross] = a;
                in[2 * n_cross + 1] = b;
                n_cross++;
            }
        }
    }
    if (rc == FT_OK) {
        for (uint32_t x = 0; x < nl; x++) {
            par[x] = lfind(par, lo, lo + x);
            lab[x] = par[x];
            dirty[x] = 1;
        }
        for (size_t i = 0; i < n_cross; i++)
            in[2 * i] = par[in[2 * i] - lo];
        qsort(in, n_cross, 2 * sizeof *in, cmp_pair);
        size_t k = 0;
        for (size_t i = 0; i < n_cross; i++)
            if (k == 0 || in[2 * i] != in[2 * (k - 1)] || in[2 * i + 1] != in[2 * (k - 1) + 1]) {
                in[2 * k] = in[2 * i];
                in[2 * k + 1] = in[2 * i + 1];
                k++;
            }
        n_cross = k;
    }
    int failed = rc != FT_OK;
    MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);

    /* 3. rounds of label exchange until no label changes anywhere */
    unsigned rounds = 0;
    while (!failed) {
        pairs msg = {NULL, 0, 0, 0};
        for (size_t i = 0; i < n_cross; i++) {
            uint32_t r = in[2 * i];
            if (dirty[r - lo])
                pairs_push(&msg, in[2 * i + 1], lab[r - lo]);
        }
        memset(dirty, 0, nl);
        if (msg.failed) {
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory for label messages");
            msg.n = 0;
        }
        uint32_t *got = NULL;
        size_t n_got = 0;
        xs = exchange(msg.v, msg.n, chunk, size, &got, &n_got, err);
        if (rc == FT_OK)
            rc = xs;
        free(msg.v);
        long changed = 0;
        for (size_t i = 0; rc == FT_OK && i < n_got; i++) {
            uint32_t y = got[2 * i], l = got[2 * i + 1];
            uint32_t ry = par[y - lo];
            if (l < lab[ry - lo]) {
                lab[ry - lo] = l;
                dirty[ry - lo] = 1;
                changed++;
            }
        }
        free(got);
        rounds++;
        long st[2] = {changed, rc != FT_OK};
        MPI_Allreduce(MPI_IN_PLACE, st, 2, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
        failed = st[1] != 0;
        if (st[0] == 0)
            break;
    }
    free(in);
    free(dirty);

    /* 4. the pass-A partition to rank 0, then the guard and the sizes there */
    uint64_t all_links = 0;
    MPI_Reduce(&links, &all_links, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    uint32_t *mine = NULL;
    if (!failed) {
        mine = malloc(((size_t)nl + 1) * sizeof *mine);
        if (!mine)
            MPI_Abort(MPI_COMM_WORLD, 1);
        for (uint32_t x = 0; x < nl; x++)
            mine[x] = lab[par[x] - lo];
    }
    free(par);
    free(lab);
    uint32_t *cluster = NULL;
    int *cnt = NULL, *disp = NULL;
    if (!failed && rank == 0) {
        cluster = malloc(((size_t)n + 1) * sizeof *cluster);
        cnt = calloc((size_t)size, sizeof *cnt);
        disp = calloc((size_t)size, sizeof *disp);
        if (!cluster || !cnt || !disp || n > (uint32_t)INT32_MAX)
            MPI_Abort(MPI_COMM_WORLD, 1);
        for (int r = 0; r < size; r++) {
            uint64_t a = (uint64_t)chunk * (uint64_t)r, b = a + chunk;
            a = a > n ? n : a;
            b = b > n ? n : b;
            disp[r] = (int)a;
            cnt[r] = (int)(b - a);
        }
    }
    if (!failed)
        MPI_Gatherv(mine, (int)nl, MPI_UINT32_T, cluster, cnt, disp, MPI_UINT32_T, 0,
                    MPI_COMM_WORLD);
    free(mine);
    free(cnt);
    free(disp);
    if (!failed && rank == 0) {
        ft_log(FT_LOG_DEBUG, "distributed clustering: %d ranks, %u label rounds", size, rounds);
        res->links = all_links;
        uint64_t roots = 0;
        for (uint32_t x = 0; x < n; x++)
            roots += cluster[x] == x;
        res->merges = (uint64_t)n - roots;
        rc = finish_root(&ctx, linkers, n_linkers, n_items, cluster, n, opts, res, err);
    }
    /* agree on the outcome; a failure elsewhere is reported by its rank's message on rank 0 */
    int bad = failed || rc != FT_OK;
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (bad && rc == FT_OK)
        rc = ft_err_set(err, FT_ERR_STATE, "distributed clustering failed on another rank");
    ft_cluster_ctx_release(&ctx);
    if (rc != FT_OK)
        ft_cluster_result_release(res);
    return rc;
}
#endif

ft_status ft_cluster_mpi_run(const ft_graph *g, const ft_cluster_labels *labels,
                             const ft_cluster_opts *opts, ft_cluster_result *res, int *is_root,
                             ft_err *err)
{
    memset(res, 0, sizeof *res);
    *is_root = 1;
#ifdef FT_HAVE_MPI
    int init = 0, fin = 0, size = 1, rank = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) {
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    }
    if (size > 1) {
        *is_root = rank == 0;
        return run_mpi(g, labels, opts, res, rank, size, err);
    }
#endif
    return ft_cluster_run(g, labels, opts, res, err);
}
