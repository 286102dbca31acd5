/*
 * keccak.h — Keccak-256 as Ethereum uses it (the original Keccak submission's padding 0x01,
 * not FIPS-202 SHA3-256's 0x06): transaction and block hashes, addresses from public keys,
 * event topics, EIP-55 checksums.
 *
 * Debian 12's OpenSSL 3.0 offers SHA3-256 but not legacy Keccak-256 through EVP (KECCAK-256
 * arrived in OpenSSL 3.2), so the permutation is written here once from the Keccak reference
 * description (docs/dependencies.md). ft_eth_sha3_256 runs the same sponge with FIPS-202
 * padding: the tests compare it byte for byte with OpenSSL's SHA3-256, which checks the
 * permutation independently of the published Keccak vectors.
 */
#ifndef FT_ETH_KECCAK_H
#define FT_ETH_KECCAK_H

#include <stddef.h>
#include <stdint.h>

typedef struct ft_eth_keccak_ctx {
    uint64_t st[25];
    size_t pos; /* bytes absorbed into the current block */
    uint8_t pad; /* 0x01 Keccak, 0x06 SHA-3 */
} ft_eth_keccak_ctx;

void ft_eth_keccak256(uint8_t out[32], const void *data, size_t len);
void ft_eth_sha3_256(uint8_t out[32], const void *data, size_t len);

/* Incremental Keccak-256. */
void ft_eth_keccak_init(ft_eth_keccak_ctx *ctx);
void ft_eth_keccak_update(ft_eth_keccak_ctx *ctx, const void *data, size_t len);
void ft_eth_keccak_final(ft_eth_keccak_ctx *ctx, uint8_t out[32]);

#endif
