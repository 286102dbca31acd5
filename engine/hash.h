/*
 * hash.h — the digests fundtrace needs, all from OpenSSL's libcrypto (a maintained, optimised
 * implementation: see docs/dependencies.md): SHA-256, double SHA-256 (txids, block hashes,
 * merkle trees, base58check) and HASH160 = RIPEMD-160(SHA-256(x)) (P2PKH, P2WPKH).
 * Incremental SHA-256 for digests over many pieces (the store's content digest).
 */
#ifndef FT_HASH_H
#define FT_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

void ft_sha256(uint8_t out[32], const void *data, size_t len);
void ft_sha256d(uint8_t out[32], const void *data, size_t len);
void ft_hash160(uint8_t out[20], const void *data, size_t len);

/* Incremental SHA-256; ctx is opaque, sized for OpenSSL's SHA256_CTX. */
typedef struct ft_sha256_ctx {
    uint64_t opaque[16];
} ft_sha256_ctx;
void ft_sha256_init(ft_sha256_ctx *ctx);
void ft_sha256_update(ft_sha256_ctx *ctx, const void *data, size_t len);
void ft_sha256_final(ft_sha256_ctx *ctx, uint8_t out[32]);

/* Merkle root of n 32-byte leaves (Bitcoin's rule: an odd last node pairs with itself).
 * Writes the root to out. Sets *mutated when two identical siblings were hashed at any
 * level (CVE-2012-2459), which a caller validating a block must treat as invalid.
 * Returns FT_ERR_ARG for n == 0, FT_ERR_NOMEM if scratch space cannot be had. */
ft_status ft_merkle_root(uint8_t out[32], int *mutated, const uint8_t (*leaves)[32],
                         size_t n) FT_WARN_UNUSED;

#endif
