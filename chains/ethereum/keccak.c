/*
 * keccak.c — the Keccak-f[1600] permutation and a 256-bit sponge (rate 136 bytes).
 *
 * Written from the Keccak reference description (Bertoni, Daemen, Peeters, Van Assche) and
 * FIPS 202 section 3: state of 5x5 lanes of 64 bits, lane (x, y) at st[x + 5y], bytes loaded
 * little-endian; 24 rounds of theta, rho, pi, chi, iota. Padding: Keccak's multi-rate pad
 * with domain byte 0x01 (what Ethereum calls keccak256) or 0x06 (SHA3-256), then 0x80 in the
 * last byte of the block. Invariant: ctx->pos < 136 between calls.
 */
#include "chains/ethereum/keccak.h"

#include <string.h>

#include "engine/banned.h"

#define FT_KECCAK_RATE 136

static const uint64_t round_consts[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
    0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
    0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
    0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
    0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
    0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
    0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* rho offsets for lane x + 5y */
static const unsigned rho[25] = {
    0,  1,  62, 28, 27, /* y = 0 */
    36, 44, 6,  55, 20, /* y = 1 */
    3,  10, 43, 25, 39, /* y = 2 */
    41, 45, 15, 21, 8,  /* y = 3 */
    18, 2,  61, 56, 14, /* y = 4 */
};

static inline uint64_t rotl(uint64_t v, unsigned n)
{
    return n ? (v << n) | (v >> (64 - n)) : v;
}

static void keccak_f1600(uint64_t a[25])
{
    uint64_t b[25], c[5], d[5];
    for (int round = 0; round < 24; round++) {
        for (int x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
        for (int i = 0; i < 25; i++)
            a[i] ^= d[i % 5];
        /* rho and pi: B[y, 2x + 3y] = rot(A[x, y], rho[x, y]) */
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++)
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], rho[x + 5 * y]);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        a[0] ^= round_consts[round];
    }
}

static void xor_byte(uint64_t st[25], size_t pos, uint8_t v)
{
    st[pos / 8] ^= (uint64_t)v << (8 * (pos % 8));
}

void ft_eth_keccak_init(ft_eth_keccak_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->pad = 0x01;
}

void ft_eth_keccak_update(ft_eth_keccak_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        if (ctx->pos == 0 && len >= FT_KECCAK_RATE) {
            for (size_t i = 0; i < FT_KECCAK_RATE / 8; i++) {
                uint64_t lane = 0;
                for (int k = 7; k >= 0; k--)
                    lane = (lane << 8) | p[8 * i + (size_t)k];
                ctx->st[i] ^= lane;
            }
            keccak_f1600(ctx->st);
            p += FT_KECCAK_RATE;
            len -= FT_KECCAK_RATE;
            continue;
        }
        xor_byte(ctx->st, ctx->pos++, *p++);
        len--;
        if (ctx->pos == FT_KECCAK_RATE) {
            keccak_f1600(ctx->st);
            ctx->pos = 0;
        }
    }
}

void ft_eth_keccak_final(ft_eth_keccak_ctx *ctx, uint8_t out[32])
{
    xor_byte(ctx->st, ctx->pos, ctx->pad);
    xor_byte(ctx->st, FT_KECCAK_RATE - 1, 0x80);
    keccak_f1600(ctx->st);
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(ctx->st[i / 8] >> (8 * (i % 8)));
    memset(ctx, 0, sizeof *ctx);
}

void ft_eth_keccak256(uint8_t out[32], const void *data, size_t len)
{
    ft_eth_keccak_ctx ctx;
    ft_eth_keccak_init(&ctx);
    ft_eth_keccak_update(&ctx, data, len);
    ft_eth_keccak_final(&ctx, out);
}

void ft_eth_sha3_256(uint8_t out[32], const void *data, size_t len)
{
    ft_eth_keccak_ctx ctx;
    ft_eth_keccak_init(&ctx);
    ctx.pad = 0x06;
    ft_eth_keccak_update(&ctx, data, len);
    ft_eth_keccak_final(&ctx, out);
}
