/*
 * u256.h — 256-bit unsigned integers for account-chain amounts (wei, token units).
 *
 * Ethereum values are 256-bit words: a token may mint 2^255 units, a node reports any value
 * as a hex word. We store them exactly (32 bytes at most, big-endian without leading zeros)
 * and print them as exact decimal text. Arithmetic never wraps: every operation that can
 * overflow returns 0 and leaves its output untouched. Balances are computed with these
 * checked operations (a 128-bit fast path would lose the rare honest 2^200 token supply).
 *
 * Representation: four 64-bit limbs, least significant first. No allocation, no floats.
 */
#ifndef FT_U256_H
#define FT_U256_H

#include <stddef.h>
#include <stdint.h>

#include "engine/amount.h"
#include "engine/status.h"

typedef struct ft_u256 {
    uint64_t w[4]; /* w[0] least significant */
} ft_u256;

/* 78 decimal digits, a point, the NUL and room to spare. */
#define FT_U256_DEC_MAX 82

static inline ft_u256 ft_u256_from_u64(uint64_t v)
{
    ft_u256 r = {{v, 0, 0, 0}};
    return r;
}

int ft_u256_is_zero(const ft_u256 *a);
/* -1, 0, 1 as a <, ==, > b. */
int ft_u256_cmp(const ft_u256 *a, const ft_u256 *b);

/* Checked arithmetic: 1 on success, 0 on overflow/underflow (*out unchanged). */
int ft_u256_add(ft_u256 *out, const ft_u256 *a, const ft_u256 *b) FT_WARN_UNUSED;
int ft_u256_sub(ft_u256 *out, const ft_u256 *a, const ft_u256 *b) FT_WARN_UNUSED;
int ft_u256_mul(ft_u256 *out, const ft_u256 *a, const ft_u256 *b) FT_WARN_UNUSED;

/* 1 and *out set when a fits in 128 (or 64) bits, else 0. */
int ft_u256_to_u128(ft_u128 *out, const ft_u256 *a) FT_WARN_UNUSED;
int ft_u256_to_u64(uint64_t *out, const ft_u256 *a) FT_WARN_UNUSED;
ft_u256 ft_u256_from_u128(ft_u128 v);

/* Parses "0x1a2b" (the 0x is required; "0x" alone is 0; at most 64 digits after leading
 * zeros are dropped; either case). Returns 1 on success, 0 on malformed text or overflow. */
int ft_u256_parse_hex(ft_u256 *out, const char *s, size_t len) FT_WARN_UNUSED;
/* Parses decimal digits only (no sign, no point, no exponent); 1 on success. */
int ft_u256_parse_dec(ft_u256 *out, const char *s, size_t len) FT_WARN_UNUSED;

/* Exact decimal text; returns the length. out holds at least FT_U256_DEC_MAX bytes. */
size_t ft_u256_to_dec(char *out, const ft_u256 *a);
/* a / 10^decimals as "I.FFFF" with exactly `decimals` fraction digits (no point at 0).
 * decimals <= 77. Returns the length. */
size_t ft_u256_format(char *out, const ft_u256 *a, unsigned decimals);
/* "0x…" minimal lowercase hex ("0x0" for zero); out holds at least 67 bytes. */
size_t ft_u256_to_hex(char *out, const ft_u256 *a);

/* Big-endian bytes: from up to 32 bytes (leading zeros allowed); 0 if len > 32 and the excess
 * is not zero. To: the minimal big-endian form (no leading zero byte; zero is 0 bytes) into
 * out[32]; returns its length. */
int ft_u256_from_be(ft_u256 *out, const uint8_t *p, size_t len) FT_WARN_UNUSED;
size_t ft_u256_to_be_min(uint8_t out[32], const ft_u256 *a);

#endif
