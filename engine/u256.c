/*
 * u256.c — checked 256-bit unsigned arithmetic and exact text conversions (see u256.h).
 *
 * Limbs are little-endian (w[0] lowest). Addition and subtraction propagate carries through
 * 128-bit intermediates; multiplication is schoolbook on 64-bit limbs with 128-bit partial
 * products and fails as soon as any partial product lands at or above 2^256. Decimal output
 * divides by 10^19 repeatedly (one 64-bit chunk of 19 digits per round).
 * Invariant: no function writes its output before it knows the result fits.
 */
#include "engine/u256.h"

#include <string.h>

#include "engine/amount.h"

#include "engine/banned.h"

int ft_u256_is_zero(const ft_u256 *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

int ft_u256_cmp(const ft_u256 *a, const ft_u256 *b)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

int ft_u256_add(ft_u256 *out, const ft_u256 *a, const ft_u256 *b)
{
    ft_u256 r;
    ft_u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        ft_u128 s = (ft_u128)a->w[i] + b->w[i] + carry;
        r.w[i] = (uint64_t)s;
        carry = s >> 64;
    }
    if (carry)
        return 0;
    *out = r;
    return 1;
}

int ft_u256_sub(ft_u256 *out, const ft_u256 *a, const ft_u256 *b)
{
    if (ft_u256_cmp(a, b) < 0)
        return 0;
    ft_u256 r;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t x = a->w[i], y = b->w[i];
        uint64_t d = x - y - borrow;
        borrow = (x < y || (x == y && borrow)) ? 1 : 0;
        r.w[i] = d;
    }
    *out = r;
    return 1;
}

int ft_u256_mul(ft_u256 *out, const ft_u256 *a, const ft_u256 *b)
{
    uint64_t r[8] = {0};
    for (int i = 0; i < 4; i++) {
        if (!a->w[i])
            continue;
        ft_u128 carry = 0;
        for (int j = 0; j < 4; j++) {
            ft_u128 p = (ft_u128)a->w[i] * b->w[j] + r[i + j] + carry;
            r[i + j] = (uint64_t)p;
            carry = p >> 64;
        }
        for (int k = i + 4; carry && k < 8; k++) {
            ft_u128 s = (ft_u128)r[k] + carry;
            r[k] = (uint64_t)s;
            carry = s >> 64;
        }
    }
    if (r[4] | r[5] | r[6] | r[7])
        return 0;
    memcpy(out->w, r, sizeof out->w);
    return 1;
}

int ft_u256_to_u128(ft_u128 *out, const ft_u256 *a)
{
    if (a->w[2] | a->w[3])
        return 0;
    *out = ((ft_u128)a->w[1] << 64) | a->w[0];
    return 1;
}

int ft_u256_to_u64(uint64_t *out, const ft_u256 *a)
{
    if (a->w[1] | a->w[2] | a->w[3])
        return 0;
    *out = a->w[0];
    return 1;
}

ft_u256 ft_u256_from_u128(ft_u128 v)
{
    ft_u256 r = {{(uint64_t)v, (uint64_t)(v >> 64), 0, 0}};
    return r;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int ft_u256_parse_hex(ft_u256 *out, const char *s, size_t len)
{
    if (len < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return 0;
    s += 2;
    len -= 2;
    while (len > 0 && *s == '0') {
        s++;
        len--;
    }
    if (len > 64)
        return 0;
    ft_u256 r = {{0, 0, 0, 0}};
    for (size_t i = 0; i < len; i++) {
        int v = hexval(s[len - 1 - i]);
        if (v < 0)
            return 0;
        r.w[i / 16] |= (uint64_t)v << (4 * (i % 16));
    }
    *out = r;
    return 1;
}

int ft_u256_parse_dec(ft_u256 *out, const char *s, size_t len)
{
    if (len == 0)
        return 0;
    ft_u256 r = {{0, 0, 0, 0}}, ten = ft_u256_from_u64(10);
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        ft_u256 d = ft_u256_from_u64((uint64_t)(s[i] - '0'));
        if (!ft_u256_mul(&r, &r, &ten) || !ft_u256_add(&r, &r, &d))
            return 0;
    }
    *out = r;
    return 1;
}

/* Divides a by d in place; returns the remainder. */
static uint64_t divmod_u64(ft_u256 *a, uint64_t d)
{
    ft_u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
        ft_u128 cur = (rem << 64) | a->w[i];
        a->w[i] = (uint64_t)(cur / d);
        rem = cur % d;
    }
    return (uint64_t)rem;
}

size_t ft_u256_to_dec(char *out, const ft_u256 *a)
{
    char tmp[FT_U256_DEC_MAX];
    size_t n = 0;
    ft_u256 v = *a;
    if (ft_u256_is_zero(&v)) {
        out[0] = '0';
        out[1] = '\0';
        return 1;
    }
    while (!ft_u256_is_zero(&v)) {
        uint64_t chunk = divmod_u64(&v, 10000000000000000000ULL);
        int last = ft_u256_is_zero(&v);
        for (int k = 0; k < 19 && (!last || chunk); k++) {
            tmp[n++] = (char)('0' + chunk % 10);
            chunk /= 10;
        }
    }
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t ft_u256_format(char *out, const ft_u256 *a, unsigned decimals)
{
    char dec[FT_U256_DEC_MAX];
    size_t n = ft_u256_to_dec(dec, a);
    return ft_amount_point(out, dec, n, decimals > 77 ? 77 : decimals);
}

size_t ft_u256_to_hex(char *out, const ft_u256 *a)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    out[o++] = '0';
    out[o++] = 'x';
    int started = 0;
    for (int i = 63; i >= 0; i--) {
        unsigned v = (unsigned)(a->w[i / 16] >> (4 * (i % 16))) & 15u;
        if (!v && !started && i > 0)
            continue;
        started = 1;
        out[o++] = digits[v];
    }
    out[o] = '\0';
    return o;
}

int ft_u256_from_be(ft_u256 *out, const uint8_t *p, size_t len)
{
    while (len > 32) {
        if (*p)
            return 0;
        p++;
        len--;
    }
    ft_u256 r = {{0, 0, 0, 0}};
    for (size_t i = 0; i < len; i++)
        r.w[i / 8] |= (uint64_t)p[len - 1 - i] << (8 * (i % 8));
    *out = r;
    return 1;
}

size_t ft_u256_to_be_min(uint8_t out[32], const ft_u256 *a)
{
    uint8_t full[32];
    for (int i = 0; i < 32; i++)
        full[31 - i] = (uint8_t)(a->w[i / 8] >> (8 * (i % 8)));
    size_t z = 0;
    while (z < 32 && full[z] == 0)
        z++;
    memcpy(out, full + z, 32 - z);
    return 32 - z;
}
