/*
 * sighash.c — signature hashes for legacy, BIP143 (segwit v0) and BIP341 (taproot key path).
 *
 * Legacy: the whole tx is re-serialised per input (every scriptSig emptied, the signed one
 * replaced by the spent script), hash type appended as 4 bytes, double SHA-256 — quadratic in
 * the number of inputs, which is why BIP143 exists.
 * BIP143: version ‖ hashPrevouts ‖ hashSequence ‖ outpoint ‖ scriptCode ‖ amount ‖ nSequence
 * ‖ hashOutputs ‖ locktime ‖ hash type, double SHA-256, the three hash* computed once per tx.
 * BIP341: the sha_* digests (single SHA-256, also once per tx) in the "TapSighash" tagged hash.
 *
 * Only the hash types the generator signs with are implemented: SIGHASH_ALL (legacy, BIP143)
 * and SIGHASH_DEFAULT (BIP341); test_gen_sighash.c checks them against the BIPs' vectors.
 */
#include "datasets/gen/sighash.h"

#include <string.h>

#include "engine/hash.h"
#include "engine/reader.h"
#include "engine/banned.h"

void ft_gen_tagged_hash(uint8_t out[32], const char *tag, const uint8_t *msg, size_t len)
{
    uint8_t th[32];
    ft_sha256_ctx c;
    ft_sha256(th, tag, strlen(tag));
    ft_sha256_init(&c);
    ft_sha256_update(&c, th, 32);
    ft_sha256_update(&c, th, 32);
    ft_sha256_update(&c, msg, len);
    ft_sha256_final(&c, out);
}

ft_status ft_gen_sighash_precompute(ft_gen_sighash_cache *c, const ft_gen_tx *tx, ft_buf *scratch,
                                    ft_err *err)
{
    ft_sha256_ctx prevouts, amounts, spks, seqs;
    uint8_t tmp[9];
    memset(c, 0, sizeof *c);
    ft_sha256_init(&prevouts);
    ft_sha256_init(&amounts);
    ft_sha256_init(&spks);
    ft_sha256_init(&seqs);
    for (size_t i = 0; i < tx->n_in; i++) {
        const ft_gen_txin *in = &tx->in[i];
        ft_sha256_update(&prevouts, in->prev_txid, 32);
        ft_put_u32le(tmp, in->prev_vout);
        ft_sha256_update(&prevouts, tmp, 4);
        ft_put_u64le(tmp, in->value);
        ft_sha256_update(&amounts, tmp, 8);
        size_t n = ft_put_compact(tmp, in->spk_len);
        ft_sha256_update(&spks, tmp, n);
        ft_sha256_update(&spks, in->spk, in->spk_len);
        ft_put_u32le(tmp, in->sequence);
        ft_sha256_update(&seqs, tmp, 4);
    }
    ft_sha256_final(&prevouts, c->sha_prevouts);
    ft_sha256_final(&amounts, c->sha_amounts);
    ft_sha256_final(&spks, c->sha_scriptpubkeys);
    ft_sha256_final(&seqs, c->sha_sequences);

    ft_buf_reset(scratch);
    for (size_t i = 0; i < tx->n_out; i++)
        ft_gen_txout_serialize(scratch, &tx->out[i]);
    if (scratch->failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory hashing the outputs of a tx");
    ft_sha256(c->sha_outputs, scratch->data, scratch->len);

    ft_sha256(c->hash_prevouts, c->sha_prevouts, 32);
    ft_sha256(c->hash_sequence, c->sha_sequences, 32);
    ft_sha256(c->hash_outputs, c->sha_outputs, 32);
    return FT_OK;
}

ft_status ft_gen_sighash_legacy(uint8_t out[32], const ft_gen_tx *tx, size_t n_in,
                                const uint8_t *script_code, size_t code_len, ft_buf *scratch,
                                ft_err *err)
{
    memset(out, 0, 32);
    if (n_in >= tx->n_in)
        return ft_err_set(err, FT_ERR_ARG, "legacy sighash: input %zu of %zu", n_in, tx->n_in);
    ft_buf_reset(scratch);
    ft_buf_u32le(scratch, (uint32_t)tx->version);
    ft_buf_compact(scratch, tx->n_in);
    for (size_t i = 0; i < tx->n_in; i++) {
        const ft_gen_txin *in = &tx->in[i];
        ft_buf_append(scratch, in->prev_txid, 32);
        ft_buf_u32le(scratch, in->prev_vout);
        if (i == n_in) {
            ft_buf_compact(scratch, code_len);
            ft_buf_append(scratch, script_code, code_len);
        } else {
            ft_buf_compact(scratch, 0);
        }
        ft_buf_u32le(scratch, in->sequence);
    }
    ft_buf_compact(scratch, tx->n_out);
    for (size_t i = 0; i < tx->n_out; i++)
        ft_gen_txout_serialize(scratch, &tx->out[i]);
    ft_buf_u32le(scratch, tx->locktime);
    ft_buf_u32le(scratch, FT_GEN_SIGHASH_ALL);
    if (scratch->failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory in the legacy sighash");
    ft_sha256d(out, scratch->data, scratch->len);
    return FT_OK;
}

void ft_gen_sighash_bip143(uint8_t out[32], const ft_gen_tx *tx, const ft_gen_sighash_cache *c,
                           size_t n_in, const uint8_t *script_code, size_t code_len,
                           uint64_t amount)
{
    /* Fixed-size preimage apart from the script code, which is at most a P2PKH script here
     * but may be longer in the test vectors; hash incrementally. */
    ft_sha256_ctx h;
    uint8_t tmp[9], first[32];
    const ft_gen_txin *in = &tx->in[n_in];
    ft_sha256_init(&h);
    ft_put_u32le(tmp, (uint32_t)tx->version);
    ft_sha256_update(&h, tmp, 4);
    ft_sha256_update(&h, c->hash_prevouts, 32);
    ft_sha256_update(&h, c->hash_sequence, 32);
    ft_sha256_update(&h, in->prev_txid, 32);
    ft_put_u32le(tmp, in->prev_vout);
    ft_sha256_update(&h, tmp, 4);
    size_t n = ft_put_compact(tmp, code_len);
    ft_sha256_update(&h, tmp, n);
    ft_sha256_update(&h, script_code, code_len);
    ft_put_u64le(tmp, amount);
    ft_sha256_update(&h, tmp, 8);
    ft_put_u32le(tmp, in->sequence);
    ft_sha256_update(&h, tmp, 4);
    ft_sha256_update(&h, c->hash_outputs, 32);
    ft_put_u32le(tmp, tx->locktime);
    ft_sha256_update(&h, tmp, 4);
    ft_put_u32le(tmp, FT_GEN_SIGHASH_ALL);
    ft_sha256_update(&h, tmp, 4);
    ft_sha256_final(&h, first);
    ft_sha256(out, first, 32);
}

void ft_gen_sighash_bip341(uint8_t out[32], const ft_gen_tx *tx, const ft_gen_sighash_cache *c,
                           size_t n_in)
{
    uint8_t msg[1 + 1 + 4 + 4 + 32 * 5 + 1 + 4];
    size_t off = 0;
    msg[off++] = 0x00;                   /* epoch */
    msg[off++] = FT_GEN_SIGHASH_DEFAULT; /* hash type */
    ft_put_u32le(msg + off, (uint32_t)tx->version);
    off += 4;
    ft_put_u32le(msg + off, tx->locktime);
    off += 4;
    memcpy(msg + off, c->sha_prevouts, 32);
    off += 32;
    memcpy(msg + off, c->sha_amounts, 32);
    off += 32;
    memcpy(msg + off, c->sha_scriptpubkeys, 32);
    off += 32;
    memcpy(msg + off, c->sha_sequences, 32);
    off += 32;
    memcpy(msg + off, c->sha_outputs, 32);
    off += 32;
    msg[off++] = 0x00; /* spend type: key path, no annex */
    ft_put_u32le(msg + off, (uint32_t)n_in);
    off += 4;
    ft_gen_tagged_hash(out, "TapSighash", msg, off);
}
