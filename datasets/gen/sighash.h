/*
 * sighash.h — the message a Bitcoin signature commits to, for the three spends the generator
 * signs: legacy SIGHASH_ALL (P2PKH), BIP143 SIGHASH_ALL (P2WPKH) and BIP341 key path with
 * SIGHASH_DEFAULT (P2TR). Inputs carry the value and script they spend (txbuild.h).
 */
#ifndef FT_GEN_SIGHASH_H
#define FT_GEN_SIGHASH_H

#include <stddef.h>
#include <stdint.h>

#include "datasets/gen/txbuild.h"
#include "engine/buf.h"
#include "engine/status.h"

#define FT_GEN_SIGHASH_ALL 1
#define FT_GEN_SIGHASH_DEFAULT 0

/* Per-transaction digests shared by every input (BIP341 "sha_*", single SHA-256; BIP143's
 * hashPrevouts etc. are their SHA-256 again). */
typedef struct ft_gen_sighash_cache {
    uint8_t sha_prevouts[32];
    uint8_t sha_amounts[32];
    uint8_t sha_scriptpubkeys[32];
    uint8_t sha_sequences[32];
    uint8_t sha_outputs[32];
    uint8_t hash_prevouts[32];  /* BIP143: SHA-256d of the outpoints */
    uint8_t hash_sequence[32];  /* BIP143: SHA-256d of the sequences */
    uint8_t hash_outputs[32];   /* BIP143: SHA-256d of the outputs */
} ft_gen_sighash_cache;

/* Fills the cache from tx (scratch is a reusable buffer). FT_ERR_NOMEM if it cannot grow. */
ft_status ft_gen_sighash_precompute(ft_gen_sighash_cache *c, const ft_gen_tx *tx, ft_buf *scratch,
                                    ft_err *err) FT_WARN_UNUSED;

/* Legacy SIGHASH_ALL of input n_in with script_code in place of its scriptSig (every other
 * scriptSig empty), hash type appended, double SHA-256. */
ft_status ft_gen_sighash_legacy(uint8_t out[32], const ft_gen_tx *tx, size_t n_in,
                                const uint8_t *script_code, size_t code_len, ft_buf *scratch,
                                ft_err *err) FT_WARN_UNUSED;

/* BIP143 SIGHASH_ALL of input n_in: script_code is the P2PKH script of the key hash (without
 * its length prefix), amount the value spent. */
void ft_gen_sighash_bip143(uint8_t out[32], const ft_gen_tx *tx, const ft_gen_sighash_cache *c,
                           size_t n_in, const uint8_t *script_code, size_t code_len,
                           uint64_t amount);

/* BIP341 key-path signature hash with SIGHASH_DEFAULT (0x00) and no annex:
 * tagged_hash("TapSighash", 0x00 ‖ hash_type ‖ version ‖ locktime ‖ sha_prevouts ‖ sha_amounts
 * ‖ sha_scriptpubkeys ‖ sha_sequences ‖ sha_outputs ‖ spend_type 0 ‖ input index). */
void ft_gen_sighash_bip341(uint8_t out[32], const ft_gen_tx *tx, const ft_gen_sighash_cache *c,
                           size_t n_in);

/* BIP340 tagged hash: SHA-256(SHA-256(tag) ‖ SHA-256(tag) ‖ msg). */
void ft_gen_tagged_hash(uint8_t out[32], const char *tag, const uint8_t *msg, size_t len);

#endif
