/*
 * hash.c — SHA-256, double SHA-256, HASH160 and the merkle root, on OpenSSL's libcrypto.
 *
 * SHA256_* and RIPEMD160 are deprecated in OpenSSL 3 in favour of EVP, but remain the fastest
 * path for many small messages (no EVP_MD_CTX allocation per call); the deprecation warning is
 * silenced for this file only.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "engine/hash.h"

#include <openssl/ripemd.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "engine/banned.h"

_Static_assert(sizeof(ft_sha256_ctx) >= sizeof(SHA256_CTX), "ft_sha256_ctx too small");

/* The one-shot SHA256() of OpenSSL 3 goes through EVP_Q_digest, which fetches the algorithm
 * (a lock and a lookup) on every call: ~300 ns per call, more than hashing a typical tx. The
 * low-level Init/Update/Final calls skip that. */
void ft_sha256(uint8_t out[32], const void *data, size_t len)
{
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, data, len);
    SHA256_Final(out, &c);
}

void ft_sha256d(uint8_t out[32], const void *data, size_t len)
{
    uint8_t tmp[32];
    ft_sha256(tmp, data, len);
    ft_sha256(out, tmp, 32);
}

void ft_hash160(uint8_t out[20], const void *data, size_t len)
{
    uint8_t tmp[32];
    ft_sha256(tmp, data, len);
    RIPEMD160(tmp, 32, out);
}

void ft_sha256_init(ft_sha256_ctx *ctx)
{
    SHA256_Init((SHA256_CTX *)ctx);
}

void ft_sha256_update(ft_sha256_ctx *ctx, const void *data, size_t len)
{
    SHA256_Update((SHA256_CTX *)ctx, data, len);
}

void ft_sha256_final(ft_sha256_ctx *ctx, uint8_t out[32])
{
    SHA256_Final(out, (SHA256_CTX *)ctx);
}

ft_status ft_merkle_root(uint8_t out[32], int *mutated, const uint8_t (*leaves)[32], size_t n)
{
    *mutated = 0;
    memset(out, 0, 32);
    if (n == 0)
        return FT_ERR_ARG;
    uint8_t(*level)[32] = malloc(n * 32);
    if (!level)
        return FT_ERR_NOMEM;
    memcpy(level, leaves, n * 32);
    while (n > 1) {
        size_t next = 0;
        for (size_t i = 0; i < n; i += 2) {
            uint8_t pair[64];
            size_t j = i + 1 < n ? i + 1 : i;
            if (j != i && memcmp(level[i], level[j], 32) == 0)
                *mutated = 1;
            memcpy(pair, level[i], 32);
            memcpy(pair + 32, level[j], 32);
            ft_sha256d(level[next++], pair, 64);
        }
        n = next;
    }
    memcpy(out, level[0], 32);
    free(level);
    return FT_OK;
}
