/*
 * txbuild.h — transactions as the generator builds them: inputs that remember what they
 * spend (value, script, key), outputs, serialisation (BIP144 witness), txid/wtxid, weight,
 * and signing (P2PKH, P2WPKH with ECDSA; P2TR key path with BIP340 Schnorr).
 */
#ifndef FT_GEN_TXBUILD_H
#define FT_GEN_TXBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "datasets/gen/keys.h"
#include "engine/buf.h"
#include "engine/status.h"

/* Script types the generator writes. */
enum {
    FT_GEN_P2PKH = 1,
    FT_GEN_P2WPKH = 2,
    FT_GEN_P2TR = 3,
    FT_GEN_NULLDATA = 4,
};

#define FT_GEN_SCRIPT_MAX 83 /* OP_RETURN with an 80-byte push: the standard maximum */
#define FT_GEN_SPK_MAX 40    /* P2TR (34) is the longest we write; room for P2PK in tests */

typedef struct ft_gen_txin {
    uint8_t prev_txid[32]; /* internal byte order */
    uint32_t prev_vout;
    uint32_t sequence;
    /* What the input spends, for the signature hash and the witness. */
    uint64_t value;
    uint8_t spk[FT_GEN_SPK_MAX];
    uint8_t spk_len;
    uint8_t type;       /* FT_GEN_P2PKH, FT_GEN_P2WPKH or FT_GEN_P2TR */
    uint64_t key_index; /* the key that signs (keys.h) */
    uint8_t pub[33];    /* compressed public key (P2PKH, P2WPKH) */
    /* Filled by signing: DER + hash type for ECDSA, 64 bytes for Schnorr (SIGHASH_DEFAULT). */
    uint8_t sig[73];
    uint8_t sig_len;
} ft_gen_txin;

typedef struct ft_gen_txout {
    uint64_t value;
    uint8_t script[FT_GEN_SCRIPT_MAX];
    uint8_t script_len;
} ft_gen_txout;

typedef struct ft_gen_tx {
    int32_t version;
    uint32_t locktime;
    size_t n_in, n_out;
    size_t cap_in, cap_out;
    ft_gen_txin *in;
    ft_gen_txout *out;
    /* Set by ft_gen_tx_finalize. */
    uint8_t txid[32];
    uint8_t wtxid[32];
    size_t size;      /* with witness */
    size_t base_size; /* without witness */
} ft_gen_tx;

void ft_gen_tx_init(ft_gen_tx *tx);
/* Empties the tx (keeps its arrays). */
void ft_gen_tx_reset(ft_gen_tx *tx);
void ft_gen_tx_release(ft_gen_tx *tx);

/* Appends a zeroed input/output and returns it, or NULL when memory runs out. */
ft_gen_txin *ft_gen_tx_add_in(ft_gen_tx *tx);
ft_gen_txout *ft_gen_tx_add_out(ft_gen_tx *tx);

/* 1 if any input is a segwit spend (P2WPKH, P2TR): the tx then carries a witness. */
int ft_gen_tx_has_witness(const ft_gen_tx *tx);

/* Appends the serialisation; the witness only when with_witness and the tx has one. */
void ft_gen_tx_serialize(ft_buf *out, const ft_gen_tx *tx, int with_witness);

/* Appends the serialisation of one output (value, script) — BIP143/341 hash it. */
void ft_gen_txout_serialize(ft_buf *out, const ft_gen_txout *o);

/* Computes txid, wtxid, size and base size (scratch is a reusable buffer). Returns
 * FT_ERR_NOMEM when the buffer cannot grow. */
ft_status ft_gen_tx_finalize(ft_gen_tx *tx, ft_buf *scratch, ft_err *err) FT_WARN_UNUSED;

/* Weight units: base_size * 3 + size (BIP141). Valid after finalize. */
size_t ft_gen_tx_weight(const ft_gen_tx *tx);

/* Output scripts. `key` is a 33-byte compressed public key for P2PKH/P2WPKH (hashed here)
 * or the 32-byte x-only output key for P2TR. Returns the script length. */
size_t ft_gen_script_build(uint8_t out[FT_GEN_SPK_MAX], int type, const uint8_t *key);
/* OP_RETURN <data> (len <= 80). */
size_t ft_gen_script_nulldata(uint8_t out[FT_GEN_SCRIPT_MAX], const uint8_t *data, size_t len);

/* Estimated weight contribution of an input or output of a type, with the largest
 * signature (for fee estimation before signing). */
size_t ft_gen_weight_in(int type);
size_t ft_gen_weight_out(int type);
/* Fixed part: version, counts, locktime, and the segwit marker when witness. */
size_t ft_gen_weight_overhead(int witness);

/* Signs every input: legacy SIGHASH_ALL for P2PKH, BIP143 SIGHASH_ALL for P2WPKH, BIP341
 * key-path SIGHASH_DEFAULT for P2TR; ECDSA signatures are low-S DER (libsecp256k1 with its
 * default RFC6979 nonce), Schnorr with no auxiliary randomness — deterministic.
 * With placeholder != 0 no key is used: each input gets a fixed well-formed dummy signature
 * of the usual size (72 bytes ECDSA, 64 Schnorr) that no node would accept: for benchmark
 * chains that nothing validates. scratch is a reusable buffer. */
ft_status ft_gen_tx_sign(ft_gen_tx *tx, const ft_gen_keys *keys, int placeholder, ft_buf *scratch,
                         ft_err *err) FT_WARN_UNUSED;

#endif
