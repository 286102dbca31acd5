/*
 * amount.h — exact amounts in base units (satoshi, wei, token units) and their decimal text.
 *
 * Amounts are never floating point. Bitcoin values fit in 64 bits (at most 21e14 satoshi);
 * account chains need more, so arithmetic is done in 128 bits (ft_u128) with overflow
 * reported, never wrapped. Text is an exact decimal string in asset units with exactly
 * `decimals` digits after the point ("0.50000000" for 50,000,000 sat at 8 decimals).
 */
#ifndef FT_AMOUNT_H
#define FT_AMOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

typedef unsigned __int128 ft_u128;

#define FT_BTC_DECIMALS 8
#define FT_BTC_MAX_MONEY ((uint64_t)21000000 * 100000000)

/* Longest text: 39 digits of a u128, a point, a sign and the NUL. */
#define FT_AMOUNT_STR_MAX 48

/* Writes v / 10^decimals as "I.FFFF" (no point when decimals == 0) into out. decimals <= 38.
 * Returns the length written. */
size_t ft_amount_format(char *out, ft_u128 v, unsigned decimals);

/* Parses "123", "1.5", "0.00000001" (at most `decimals` fraction digits, no sign, no
 * exponent) into base units. Returns FT_ERR_PARSE on malformed text or too many fraction
 * digits, FT_ERR_LIMIT on overflow. */
ft_status ft_amount_parse(ft_u128 *out, const char *s, unsigned decimals) FT_WARN_UNUSED;

/* Checked addition and multiplication: return 0 on overflow (and leave *out unchanged). */
int ft_u128_add(ft_u128 *out, ft_u128 a, ft_u128 b) FT_WARN_UNUSED;
int ft_u128_mul(ft_u128 *out, ft_u128 a, ft_u128 b) FT_WARN_UNUSED;

/* Writes the n decimal digits of a base-unit amount (digits, no sign, no leading zeros except
 * a lone "0") as units text with exactly `decimals` fraction digits: ("5", 1, 8) gives
 * "0.00000005". out needs n + decimals + 3 bytes. Returns the length written. Shared by the
 * u128 and u256 formatters. */
size_t ft_amount_point(char *out, const char *digits, size_t n, unsigned decimals);

/* Decimal text of a u128 (no point). Returns the length written. */
size_t ft_u128_format(char *out, ft_u128 v);

#endif
