/*
 * test_unionfind.c — the lock-free union-find: random unions applied by 1 and by 2 OpenMP
 * threads give identical parent arrays after flattening, equal to a plain sequential
 * union-find's components, and every cluster id is the smallest member of its set; the
 * root hint of ft_uf_union_root and the two-step size count (ft_uf_count_sizes) agree with
 * plain sequential counts. The driver (heuristics/cluster.c: fused flatten and size count
 * over chunks of 32768 ids, per-thread largest cluster) against a sequential reference on a
 * graph whose clusters span many chunks, with 1 and 2 threads, with and without a collapse
 * guard that re-clusters (and so re-counts) some components.
 */
#include <omp.h>

#include "ft_test.h"
#include "graph_builder.h"
#include "heuristics/cluster.h"
#include "heuristics/unionfind.h"

#define N 200000u
#define M 150000u

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* plain sequential reference */
static uint32_t ref_find(uint32_t *p, uint32_t x)
{
    while (p[x] != x)
        x = p[x] = p[p[x]];
    return x;
}

static void run(uint32_t *out, const uint32_t *a, const uint32_t *b, int threads)
{
    ft_uf uf;
    ft_err err;
    omp_set_num_threads(threads);
    CHECK(ft_uf_init(&uf, N, &err) == FT_OK);
    int merges = 0;
#pragma omp parallel for schedule(dynamic, 64) reduction(+ : merges)
    for (int64_t i = 0; i < (int64_t)M; i++)
        merges += ft_uf_union(&uf, a[i], b[i]);
    ft_uf_flatten(&uf);
    memcpy(out, uf.parent, N * sizeof *out);
    ft_uf_release(&uf);
}

static void test_random(void)
{
    uint32_t *a = malloc(M * 4), *b = malloc(M * 4), *r1 = malloc(N * 4), *r2 = malloc(N * 4);
    uint32_t *ref = malloc(N * 4), *minof = malloc(N * 4);
    for (uint32_t i = 0; i < M; i++) {
        a[i] = rnd() % N;
        b[i] = rnd() % N;
    }
    run(r1, a, b, 1);
    run(r2, a, b, 2);
    CHECK(memcmp(r1, r2, N * 4) == 0);
    for (uint32_t i = 0; i < N; i++)
        ref[i] = i;
    for (uint32_t i = 0; i < M; i++) {
        uint32_t x = ref_find(ref, a[i]), y = ref_find(ref, b[i]);
        if (x != y)
            ref[x] = y;
    }
    for (uint32_t i = 0; i < N; i++)
        minof[i] = UINT32_MAX;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t r = ref_find(ref, i);
        if (i < minof[r])
            minof[r] = i;
    }
    uint32_t bad = 0, sets = 0;
    for (uint32_t i = 0; i < N; i++) {
        bad += r1[i] != minof[ref_find(ref, i)];
        sets += r1[i] == i;
    }
    CHECK_EQ_U64(bad, 0);
    CHECK(sets > 1 && sets < N); /* the random graph neither stays apart nor collapses */
    free(a);
    free(b);
    free(r1);
    free(r2);
    free(ref);
    free(minof);
}

static void test_small(void)
{
    ft_uf uf;
    ft_err err;
    CHECK(ft_uf_init(&uf, 10, &err) == FT_OK);
    CHECK_EQ_U64(ft_uf_union(&uf, 7, 3), 1);
    CHECK_EQ_U64(ft_uf_union(&uf, 9, 7), 1);
    CHECK_EQ_U64(ft_uf_union(&uf, 3, 9), 0);
    CHECK_EQ_U64(ft_uf_find(&uf, 9), 3);
    CHECK_EQ_U64(ft_uf_union(&uf, 9, 1), 1);
    CHECK_EQ_U64(ft_uf_find(&uf, 7), 1);
    CHECK_EQ_U64(ft_uf_find(&uf, 5), 5);
    ft_uf_release(&uf);
}

/* ft_uf_union_root's root is the smallest member at that moment; passing it back instead of
 * the first id changes nothing; ft_uf_count_sizes equals a plain count with 1 and 2 threads
 * (ids beyond the first thread's slice have roots inside it: the atomic step is used). */
static void test_union_root_and_sizes(void)
{
    ft_uf uf;
    ft_err err;
    CHECK(ft_uf_init(&uf, N, &err) == FT_OK);
    uint32_t root = 0;
    CHECK_EQ_U64(ft_uf_union_root(&uf, 150000, 190000, &root), 1);
    CHECK_EQ_U64(root, 150000);
    CHECK_EQ_U64(ft_uf_union_root(&uf, root, 7, &root), 1);
    CHECK_EQ_U64(root, 7);
    CHECK_EQ_U64(ft_uf_union_root(&uf, root, 190000, &root), 0);
    CHECK_EQ_U64(root, 7);
    CHECK_EQ_U64(ft_uf_find_ro(&uf, 190000), 7);
    for (uint32_t x = 100001; x < N; x += 3) /* a big cluster rooted in the lower half */
        (void)ft_uf_union(&uf, 100000, x);
    ft_uf_flatten(&uf);
    CHECK_EQ_U64(uf.parent[190000], 7);
    CHECK_EQ_U64(uf.parent[199997], 100000);
    CHECK_EQ_U64(uf.parent[100004], 100000);
    CHECK_EQ_U64(uf.parent[100003], 100003);
    uint32_t *ref = calloc(N, 4), *s1 = calloc(N, 4), *s2 = calloc(N, 4);
    for (uint32_t x = 1; x < N; x++)
        ref[uf.parent[x]]++;
    omp_set_num_threads(1);
    ft_uf_count_sizes(uf.parent, N, s1);
    omp_set_num_threads(2);
    ft_uf_count_sizes(uf.parent, N, s2);
    CHECK(memcmp(ref, s1, N * 4) == 0);
    CHECK(memcmp(ref, s2, N * 4) == 0);
    CHECK_EQ_U64(s2[100000], 33334);
    CHECK_EQ_U64(s2[7], 3);
    free(ref);
    free(s1);
    free(s2);
    ft_uf_release(&uf);
}

#define NA 150000u /* address ids: several chunks of the driver's flatten */

#define POOL 3000

/* txs of 2 or 3 inputs whose addresses come from a pool of 3000 ids spread over 1..NA-1:
 * components chain across chunks; every tenth tx also spends a coin without address. */
static void build_random(ft_graph *g, uint32_t *pool)
{
    gb_init(g, NA);
    for (int i = 0; i < POOL; i++)
        pool[i] = 1 + rnd() % (NA - 1);
    for (int t = 0; t < 700; t++) {
        uint32_t k = 2 + rnd() % 2, ins[4];
        for (uint32_t i = 0; i < k; i++)
            ins[i] = gb_coin(g, 1000, pool[rnd() % POOL], 4);
        if (t % 10 == 0)
            ins[k++] = gb_coin(g, 1000, 0, 4);
        gb_out o = {1500, pool[rnd() % POOL], 4};
        gb_tx(g, ins, k, &o, 1);
    }
}

/* What the driver must produce for multi-input without a guard, computed sequentially. */
static void reference(const ft_graph *g, uint32_t *cl, uint32_t *sz, uint32_t *multi,
                      uint32_t *largest, uint32_t *largest_id)
{
    for (uint32_t x = 0; x < NA; x++) {
        cl[x] = x;
        sz[x] = 0;
    }
    for (uint32_t t = 0; t < g->n_tx; t++) {
        uint32_t first = 0;
        for (uint32_t i = g->in_off[t]; i < g->in_off[t + 1]; i++) {
            uint32_t a = ft_graph_in_addr(g, i);
            if (a == 0)
                continue;
            if (!first) {
                first = a;
                continue;
            }
            uint32_t x = ref_find(cl, first), y = ref_find(cl, a);
            if (x != y)
                cl[x > y ? x : y] = x < y ? x : y; /* smaller root wins: root = min */
        }
    }
    *multi = *largest = *largest_id = 0;
    for (uint32_t x = 1; x < NA; x++)
        sz[cl[x] = ref_find(cl, x)]++;
    for (uint32_t c = 1; c < NA; c++)
        if (cl[c] == c) {
            *multi += sz[c] >= 2;
            if (sz[c] > *largest) {
                *largest = sz[c];
                *largest_id = c;
            }
        }
}

static void test_driver_vs_reference(void)
{
    ft_graph g;
    uint32_t pool[POOL];
    build_random(&g, pool);
    uint32_t *cl = malloc(NA * 4), *sz = malloc(NA * 4), multi, largest, largest_id;
    reference(&g, cl, sz, &multi, &largest, &largest_id);
    CHECK(multi > 10 && largest > 20); /* the graph neither stays apart ... */
    CHECK(largest < 500);              /* ... nor collapses */
    ft_cluster_opts o = {0};
    ft_err err;
    CHECK(ft_registry_parse("multi-input", &o.mask, &err) == FT_OK);
    for (int th = 1; th <= 2; th++) {
        omp_set_num_threads(th);
        ft_cluster_result r;
        CHECK(ft_cluster_run(&g, NULL, &o, &r, &err) == FT_OK);
        CHECK_EQ_U64(r.n_addr, NA);
        CHECK(memcmp(r.cluster, cl, NA * 4) == 0);
        CHECK(memcmp(r.size, sz, NA * 4) == 0); /* zero at every non-root too */
        CHECK_EQ_U64(r.n_multi, multi);
        CHECK_EQ_U64(r.largest, largest);
        CHECK_EQ_U64(r.largest_id, largest_id);
        ft_cluster_result_release(&r);
    }
    /* guard: labels on two addresses of the largest cluster and a size threshold, so pass B
     * splits it (and others): 1 and 2 threads identical, sizes consistent with the ids */
    uint32_t *ent = malloc(NA * 4);
    for (uint32_t x = 0; x < NA; x++)
        ent[x] = FT_GRAPH_NONE;
    uint32_t labeled = 0;
    for (uint32_t x = NA - 1; x > 0 && labeled < 2; x--)
        if (cl[x] == largest_id && x != largest_id)
            ent[x] = labeled++;
    CHECK_EQ_U64(labeled, 2);
    uint8_t cat[2] = {FT_CAT_EXCHANGE, FT_CAT_EXCHANGE};
    ft_cluster_labels lab = {ent, cat, 2};
    o.guard = 1;
    o.guard_size = 5;
    ft_cluster_result r[2];
    for (int k = 0; k < 2; k++) {
        omp_set_num_threads(k + 1);
        CHECK(ft_cluster_run(&g, &lab, &o, &r[k], &err) == FT_OK);
    }
    CHECK(r[0].n_refused > 0);
    CHECK_EQ_U64(r[0].n_refused, r[1].n_refused);
    CHECK(memcmp(r[0].cluster, r[1].cluster, NA * 4) == 0);
    CHECK(memcmp(r[0].size, r[1].size, NA * 4) == 0);
    CHECK(memcmp(r[0].refused, r[1].refused, r[0].n_refused * sizeof *r[0].refused) == 0);
    CHECK_EQ_U64(r[0].largest_id, r[1].largest_id);
    CHECK_EQ_U64(r[0].n_multi, r[1].n_multi);
    CHECK(r[0].largest < largest);
    uint32_t *sz2 = calloc(NA, 4), multi2 = 0, big2 = 0, big2_id = 0;
    for (uint32_t x = 1; x < NA; x++)
        sz2[r[0].cluster[x]]++;
    for (uint32_t c = 1; c < NA; c++)
        if (r[0].cluster[c] == c) {
            multi2 += sz2[c] >= 2;
            if (sz2[c] > big2) {
                big2 = sz2[c];
                big2_id = c;
            }
        }
    CHECK(memcmp(r[0].size, sz2, NA * 4) == 0);
    CHECK_EQ_U64(r[0].n_multi, multi2);
    CHECK_EQ_U64(r[0].largest, big2);
    CHECK_EQ_U64(r[0].largest_id, big2_id);
    ft_cluster_result_release(&r[0]);
    ft_cluster_result_release(&r[1]);
    free(sz2);
    free(ent);
    free(cl);
    free(sz);
    ft_graph_release(&g);
}

FT_TEST_MAIN({"small", test_small}, {"random_1_vs_2_threads", test_random},
             {"union_root_and_sizes", test_union_root_and_sizes},
             {"driver_vs_reference", test_driver_vs_reference})
