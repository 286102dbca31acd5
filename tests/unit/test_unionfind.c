/*
 * test_unionfind.c — the lock-free union-find: random unions applied by 1 and by 2 OpenMP
 * threads give identical parent arrays after flattening, equal to a plain sequential
 * union-find's components, and every cluster id is the smallest member of its set.
 */
#include <omp.h>

#include "ft_test.h"
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

FT_TEST_MAIN({"small", test_small}, {"random_1_vs_2_threads", test_random})
