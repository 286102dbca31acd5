/*
 * amount.c — exact decimal formatting and parsing of base-unit amounts (see amount.h).
 */
#include "engine/amount.h"

#include <string.h>

#include "engine/banned.h"

size_t ft_u128_format(char *out, ft_u128 v)
{
    char tmp[40];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t ft_amount_point(char *out, const char *digits, size_t n, unsigned decimals)
{
    if (decimals == 0) {
        memcpy(out, digits, n);
        out[n] = '\0';
        return n;
    }
    size_t pos = 0;
    if (n <= decimals) {
        out[pos++] = '0';
        out[pos++] = '.';
        for (size_t i = n; i < decimals; i++)
            out[pos++] = '0';
        memcpy(out + pos, digits, n);
        pos += n;
    } else {
        memcpy(out, digits, n - decimals);
        pos = n - decimals;
        out[pos++] = '.';
        memcpy(out + pos, digits + n - decimals, decimals);
        pos += decimals;
    }
    out[pos] = '\0';
    return pos;
}

size_t ft_amount_format(char *out, ft_u128 v, unsigned decimals)
{
    char digits[40];
    size_t n = ft_u128_format(digits, v);
    return ft_amount_point(out, digits, n, decimals > 38 ? 38 : decimals);
}

int ft_u128_add(ft_u128 *out, ft_u128 a, ft_u128 b)
{
    ft_u128 r = a + b;
    if (r < a)
        return 0;
    *out = r;
    return 1;
}

int ft_u128_mul(ft_u128 *out, ft_u128 a, ft_u128 b)
{
    if (a && b > ~(ft_u128)0 / a)
        return 0;
    *out = a * b;
    return 1;
}

ft_status ft_amount_parse(ft_u128 *out, const char *s, unsigned decimals)
{
    ft_u128 v = 0;
    unsigned frac = 0;
    int seen_point = 0, seen_digit = 0;
    *out = 0;
    if (!s || !*s)
        return FT_ERR_PARSE;
    for (const char *p = s; *p; p++) {
        if (*p == '.') {
            if (seen_point)
                return FT_ERR_PARSE;
            seen_point = 1;
            continue;
        }
        if (*p < '0' || *p > '9')
            return FT_ERR_PARSE;
        seen_digit = 1;
        if (seen_point && ++frac > decimals)
            return FT_ERR_PARSE;
        if (!ft_u128_mul(&v, v, 10) || !ft_u128_add(&v, v, (ft_u128)(*p - '0')))
            return FT_ERR_LIMIT;
    }
    if (!seen_digit)
        return FT_ERR_PARSE;
    for (; frac < decimals; frac++)
        if (!ft_u128_mul(&v, v, 10))
            return FT_ERR_LIMIT;
    *out = v;
    return FT_OK;
}
