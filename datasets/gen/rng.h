/*
 * rng.h — the generator's deterministic pseudo-random numbers (xoshiro256**, seeded by
 * splitmix64). Same seed and stream → same sequence on every platform: integer arithmetic
 * only, no floating point, no libm, so a chain is reproducible byte for byte anywhere.
 */
#ifndef FT_GEN_RNG_H
#define FT_GEN_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct ft_gen_rng {
    uint64_t s[4];
} ft_gen_rng;

/* Seeds the state from (seed, stream): different streams give independent sequences. */
void ft_gen_rng_seed(ft_gen_rng *r, uint64_t seed, uint64_t stream);

/* The next 64 random bits. */
uint64_t ft_gen_rng_next(ft_gen_rng *r);

/* Uniform in [0, n); n == 0 returns 0. Unbiased (Lemire's multiply-and-reject). */
uint64_t ft_gen_rng_below(ft_gen_rng *r, uint64_t n);

/* Uniform in [lo, hi] (inclusive); returns lo when hi <= lo. */
uint64_t ft_gen_rng_range(ft_gen_rng *r, uint64_t lo, uint64_t hi);

/* 1 with probability per_mille / 1000. */
int ft_gen_rng_chance(ft_gen_rng *r, uint32_t per_mille);

/* Roughly log-uniform integer in [lo, hi] (lo >= 1): a uniform power-of-two band, then a
 * uniform value inside it. Amounts of payments spread over orders of magnitude this way. */
uint64_t ft_gen_rng_logu(ft_gen_rng *r, uint64_t lo, uint64_t hi);

/* Heavy-tailed integer weight >= 1: k = number of trailing zero bits of a random word
 * (P(k) = 2^-(k+1)), capped at cap, weight = ceil(1.5^k). The tail P(w > x) falls like
 * x^-1.7, a Pareto law close to observed activity of Bitcoin users. */
uint64_t ft_gen_rng_heavy(ft_gen_rng *r, unsigned cap);

/* Picks an index from weights[0..n) with probability proportional to each (integer)
 * weight; returns n when the total is 0. */
size_t ft_gen_rng_pick(ft_gen_rng *r, const uint32_t *weights, size_t n);

/* Fisher-Yates shuffle of n elements of size bytes (size <= 256). */
void ft_gen_rng_shuffle(ft_gen_rng *r, void *base, size_t n, size_t size);

#endif
