/*
 * rng.c — xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64.
 *
 * Why these: xoshiro256** passes BigCrush, has a 2^256 period, costs a few cycles per word and
 * is defined entirely by 64-bit integer operations, so the same seed gives the same stream on
 * any C11 platform. splitmix64 turns one 64-bit seed (plus a stream number mixed in) into the
 * four state words; its output is never all zero for the four words together.
 *
 * Invariant: nothing here uses floating point. Distributions (log-uniform, heavy-tailed) are
 * built from integer operations so that generated chains do not depend on libm.
 */
#include "datasets/gen/rng.h"

#include <string.h>

#include "engine/banned.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void ft_gen_rng_seed(ft_gen_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t ft_gen_rng_next(ft_gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t ft_gen_rng_below(ft_gen_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    unsigned __int128 m = (unsigned __int128)ft_gen_rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = (unsigned __int128)ft_gen_rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

uint64_t ft_gen_rng_range(ft_gen_rng *r, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    if (hi - lo == UINT64_MAX)
        return ft_gen_rng_next(r);
    return lo + ft_gen_rng_below(r, hi - lo + 1);
}

int ft_gen_rng_chance(ft_gen_rng *r, uint32_t per_mille)
{
    return ft_gen_rng_below(r, 1000) < per_mille;
}

static int floor_log2(uint64_t v)
{
    return 63 - __builtin_clzll(v);
}

uint64_t ft_gen_rng_logu(ft_gen_rng *r, uint64_t lo, uint64_t hi)
{
    if (lo < 1)
        lo = 1;
    if (hi <= lo)
        return lo;
    int a = floor_log2(lo), b = floor_log2(hi);
    int e = a + (int)ft_gen_rng_below(r, (uint64_t)(b - a + 1));
    uint64_t band_lo = (uint64_t)1 << e;
    uint64_t band_hi = e == 63 ? UINT64_MAX : ((uint64_t)1 << (e + 1)) - 1;
    if (band_lo < lo)
        band_lo = lo;
    if (band_hi > hi)
        band_hi = hi;
    return ft_gen_rng_range(r, band_lo, band_hi);
}

uint64_t ft_gen_rng_heavy(ft_gen_rng *r, unsigned cap)
{
    uint64_t w = ft_gen_rng_next(r);
    unsigned k = w ? (unsigned)__builtin_ctzll(w) : 63;
    if (k > cap)
        k = cap;
    /* ceil(1.5^k) in integers: multiply by 3, divide by 2, rounding up. */
    uint64_t v = 1;
    for (unsigned i = 0; i < k && v < (UINT64_MAX / 4); i++)
        v = (v * 3 + 1) / 2;
    return v;
}

size_t ft_gen_rng_pick(ft_gen_rng *r, const uint32_t *weights, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += weights[i];
    if (total == 0)
        return n;
    uint64_t x = ft_gen_rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return n - 1;
}

void ft_gen_rng_shuffle(ft_gen_rng *r, void *base, size_t n, size_t size)
{
    unsigned char tmp[256];
    unsigned char *p = base;
    if (size > sizeof tmp || n < 2)
        return;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)ft_gen_rng_below(r, i + 1);
        if (j == i)
            continue;
        memcpy(tmp, p + i * size, size);
        memcpy(p + i * size, p + j * size, size);
        memcpy(p + j * size, tmp, size);
    }
}
