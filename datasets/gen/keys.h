/*
 * keys.h — deterministic keys of the generator: secret key i = H(seed, i), its compressed
 * public key (P2PKH, P2WPKH) and its BIP341 key-path taproot output key (P2TR, no script
 * tree). Same seed → same keys, so same chain.
 */
#ifndef FT_GEN_KEYS_H
#define FT_GEN_KEYS_H

#include <stdint.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>

#include "engine/status.h"

typedef struct ft_gen_keys {
    secp256k1_context *ctx;
    uint8_t seed[32]; /* SHA-256 of the domain tag and the --seed value */
} ft_gen_keys;

/* Creates the libsecp256k1 context and the key seed. Returns FT_ERR_NOMEM on failure. */
ft_status ft_gen_keys_init(ft_gen_keys *k, uint64_t seed, ft_err *err) FT_WARN_UNUSED;
void ft_gen_keys_release(ft_gen_keys *k);

/* Secret key number index: SHA-256("fundtrace-gen/key" ‖ seed ‖ index_le ‖ counter), with the
 * counter raised until the value is a valid scalar (never happens in practice). */
void ft_gen_keys_seckey(const ft_gen_keys *k, uint64_t index, uint8_t out[32]);

/* Compressed public key (33 bytes) of secret key index. */
ft_status ft_gen_keys_pubkey(const ft_gen_keys *k, uint64_t index, uint8_t out[33],
                             ft_err *err) FT_WARN_UNUSED;

/* BIP341 key path with no script tree, from a secret key:
 *   P = seckey·G, internal = x(P) (even-y lift), t = tagged_hash("TapTweak", internal),
 *   Q = lift(internal) + t·G, output = x(Q).
 * Writes the internal key, the tweak and the output key (any may be NULL) and, when keypair
 * is not NULL, the tweaked keypair that signs for Q (secp256k1_schnorrsig_sign32). */
ft_status ft_gen_keys_taproot_from_seckey(secp256k1_context *ctx, const uint8_t seckey[32],
                                          uint8_t internal[32], uint8_t tweak[32],
                                          uint8_t output[32], secp256k1_keypair *keypair,
                                          ft_err *err) FT_WARN_UNUSED;

/* The same for key number index. */
ft_status ft_gen_keys_taproot(const ft_gen_keys *k, uint64_t index, uint8_t output[32],
                              secp256k1_keypair *keypair, ft_err *err) FT_WARN_UNUSED;

#endif
