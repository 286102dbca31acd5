/*
 * txbuild.c — the generator's transactions: build, serialise, hash, sign.
 *
 * Wire format (BIP144 when any input spends a witness program):
 *     version:i32le [0x00 0x01] n_in txin* n_out txout* [witness per input] locktime:u32le
 * An input that spends P2PKH carries scriptSig = <sig> <pubkey> and an empty witness (one
 * 0x00 byte) inside a witness tx; P2WPKH has an empty scriptSig and witness [sig, pubkey];
 * P2TR key path has witness [64-byte Schnorr signature] (SIGHASH_DEFAULT, no suffix byte).
 *
 * The serialisation goes through ft_buf (engine/buf.h); the txid hashes the serialisation
 * without witness, the wtxid the full one. Signing computes the per-tx digests once
 * (sighash.c) and one signature per input. Placeholder mode writes fixed dummy signatures of
 * the real sizes so that big benchmark chains keep realistic byte counts without the cost of
 * signing (about 40 µs per input).
 */
#include "datasets/gen/txbuild.h"

#include <stdlib.h>
#include <string.h>

#include <secp256k1_schnorrsig.h>

#include "datasets/gen/sighash.h"
#include "engine/hash.h"
#include "engine/reader.h"
#include "engine/banned.h"

void ft_gen_tx_init(ft_gen_tx *tx)
{
    memset(tx, 0, sizeof *tx);
    tx->version = 2;
}

void ft_gen_tx_reset(ft_gen_tx *tx)
{
    tx->n_in = 0;
    tx->n_out = 0;
    tx->version = 2;
    tx->locktime = 0;
}

void ft_gen_tx_release(ft_gen_tx *tx)
{
    free(tx->in);
    free(tx->out);
    ft_gen_tx_init(tx);
}

ft_gen_txin *ft_gen_tx_add_in(ft_gen_tx *tx)
{
    if (tx->n_in == tx->cap_in) {
        size_t cap = tx->cap_in ? tx->cap_in * 2 : 16;
        ft_gen_txin *p = realloc(tx->in, cap * sizeof *p);
        if (!p)
            return NULL;
        tx->in = p;
        tx->cap_in = cap;
    }
    ft_gen_txin *in = &tx->in[tx->n_in++];
    memset(in, 0, sizeof *in);
    in->sequence = 0xffffffffu;
    return in;
}

ft_gen_txout *ft_gen_tx_add_out(ft_gen_tx *tx)
{
    if (tx->n_out == tx->cap_out) {
        size_t cap = tx->cap_out ? tx->cap_out * 2 : 16;
        ft_gen_txout *p = realloc(tx->out, cap * sizeof *p);
        if (!p)
            return NULL;
        tx->out = p;
        tx->cap_out = cap;
    }
    ft_gen_txout *o = &tx->out[tx->n_out++];
    memset(o, 0, sizeof *o);
    return o;
}

int ft_gen_tx_has_witness(const ft_gen_tx *tx)
{
    for (size_t i = 0; i < tx->n_in; i++)
        if (tx->in[i].type == FT_GEN_P2WPKH || tx->in[i].type == FT_GEN_P2TR)
            return 1;
    return 0;
}

void ft_gen_txout_serialize(ft_buf *out, const ft_gen_txout *o)
{
    ft_buf_u64le(out, o->value);
    ft_buf_compact(out, o->script_len);
    ft_buf_append(out, o->script, o->script_len);
}

static void serialize_script_sig(ft_buf *out, const ft_gen_txin *in)
{
    if (in->type != FT_GEN_P2PKH) {
        ft_buf_compact(out, 0);
        return;
    }
    ft_buf_compact(out, 1u + in->sig_len + 1u + 33u);
    ft_buf_u8(out, in->sig_len);
    ft_buf_append(out, in->sig, in->sig_len);
    ft_buf_u8(out, 33);
    ft_buf_append(out, in->pub, 33);
}

static void serialize_witness(ft_buf *out, const ft_gen_txin *in)
{
    switch (in->type) {
    case FT_GEN_P2WPKH:
        ft_buf_compact(out, 2);
        ft_buf_compact(out, in->sig_len);
        ft_buf_append(out, in->sig, in->sig_len);
        ft_buf_compact(out, 33);
        ft_buf_append(out, in->pub, 33);
        break;
    case FT_GEN_P2TR:
        ft_buf_compact(out, 1);
        ft_buf_compact(out, in->sig_len);
        ft_buf_append(out, in->sig, in->sig_len);
        break;
    default:
        ft_buf_compact(out, 0);
        break;
    }
}

void ft_gen_tx_serialize(ft_buf *out, const ft_gen_tx *tx, int with_witness)
{
    int wit = with_witness && ft_gen_tx_has_witness(tx);
    ft_buf_u32le(out, (uint32_t)tx->version);
    if (wit) {
        ft_buf_u8(out, 0x00);
        ft_buf_u8(out, 0x01);
    }
    ft_buf_compact(out, tx->n_in);
    for (size_t i = 0; i < tx->n_in; i++) {
        const ft_gen_txin *in = &tx->in[i];
        ft_buf_append(out, in->prev_txid, 32);
        ft_buf_u32le(out, in->prev_vout);
        serialize_script_sig(out, in);
        ft_buf_u32le(out, in->sequence);
    }
    ft_buf_compact(out, tx->n_out);
    for (size_t i = 0; i < tx->n_out; i++)
        ft_gen_txout_serialize(out, &tx->out[i]);
    if (wit)
        for (size_t i = 0; i < tx->n_in; i++)
            serialize_witness(out, &tx->in[i]);
    ft_buf_u32le(out, tx->locktime);
}

ft_status ft_gen_tx_finalize(ft_gen_tx *tx, ft_buf *scratch, ft_err *err)
{
    ft_buf_reset(scratch);
    ft_gen_tx_serialize(scratch, tx, 0);
    if (scratch->failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory serialising a tx");
    ft_sha256d(tx->txid, scratch->data, scratch->len);
    tx->base_size = scratch->len;
    if (ft_gen_tx_has_witness(tx)) {
        ft_buf_reset(scratch);
        ft_gen_tx_serialize(scratch, tx, 1);
        if (scratch->failed)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory serialising a tx");
        ft_sha256d(tx->wtxid, scratch->data, scratch->len);
        tx->size = scratch->len;
    } else {
        memcpy(tx->wtxid, tx->txid, 32);
        tx->size = tx->base_size;
    }
    return FT_OK;
}

size_t ft_gen_tx_weight(const ft_gen_tx *tx)
{
    return tx->base_size * 3 + tx->size;
}

size_t ft_gen_script_build(uint8_t out[FT_GEN_SPK_MAX], int type, const uint8_t *key)
{
    uint8_t h[20];
    switch (type) {
    case FT_GEN_P2PKH:
        ft_hash160(h, key, 33);
        out[0] = 0x76; /* OP_DUP */
        out[1] = 0xa9; /* OP_HASH160 */
        out[2] = 20;
        memcpy(out + 3, h, 20);
        out[23] = 0x88; /* OP_EQUALVERIFY */
        out[24] = 0xac; /* OP_CHECKSIG */
        return 25;
    case FT_GEN_P2WPKH:
        ft_hash160(h, key, 33);
        out[0] = 0x00;
        out[1] = 20;
        memcpy(out + 2, h, 20);
        return 22;
    case FT_GEN_P2TR:
        out[0] = 0x51; /* OP_1 */
        out[1] = 32;
        memcpy(out + 2, key, 32);
        return 34;
    default:
        return 0;
    }
}

size_t ft_gen_script_nulldata(uint8_t out[FT_GEN_SCRIPT_MAX], const uint8_t *data, size_t len)
{
    if (len > 80)
        len = 80;
    out[0] = 0x6a; /* OP_RETURN */
    if (len <= 75) {
        out[1] = (uint8_t)len;
        memcpy(out + 2, data, len);
        return 2 + len;
    }
    out[1] = 0x4c; /* OP_PUSHDATA1 */
    out[2] = (uint8_t)len;
    memcpy(out + 3, data, len);
    return 3 + len;
}

size_t ft_gen_weight_in(int type)
{
    switch (type) {
    case FT_GEN_P2PKH:
        return 4 * (36 + 1 + 1 + 72 + 1 + 33 + 4);
    case FT_GEN_P2WPKH:
        return 4 * 41 + (1 + 1 + 72 + 1 + 33);
    case FT_GEN_P2TR:
        return 4 * 41 + (1 + 1 + 64);
    default:
        return 4 * 41;
    }
}

size_t ft_gen_weight_out(int type)
{
    switch (type) {
    case FT_GEN_P2PKH:
        return 4 * 34;
    case FT_GEN_P2WPKH:
        return 4 * 31;
    case FT_GEN_P2TR:
        return 4 * 43;
    default:
        return 4 * (8 + 1 + FT_GEN_SCRIPT_MAX);
    }
}

size_t ft_gen_weight_overhead(int witness)
{
    /* version, locktime, the two counts (3 bytes each for large ones), marker and flag */
    return 4 * (4 + 4 + 3 + 3) + (witness ? 2 : 0);
}

/* A DER signature shaped like a real one (71 bytes + hash type), for placeholder mode. */
static void placeholder_ecdsa(ft_gen_txin *in)
{
    uint8_t *s = in->sig;
    s[0] = 0x30;
    s[1] = 0x45;
    s[2] = 0x02;
    s[3] = 0x21;
    s[4] = 0x00;
    memset(s + 5, 0x81, 32);
    s[37] = 0x02;
    s[38] = 0x20;
    memset(s + 39, 0x11, 32);
    s[71] = FT_GEN_SIGHASH_ALL;
    in->sig_len = 72;
}

static ft_status sign_ecdsa(ft_gen_txin *in, const ft_gen_keys *keys, const uint8_t msg[32],
                            ft_err *err)
{
    uint8_t sk[32];
    secp256k1_ecdsa_signature sig;
    size_t len = 72;
    ft_gen_keys_seckey(keys, in->key_index, sk);
    int ok = secp256k1_ecdsa_sign(keys->ctx, &sig, msg, sk, NULL, NULL);
    memset(sk, 0, sizeof sk);
    if (!ok || !secp256k1_ecdsa_signature_serialize_der(keys->ctx, in->sig, &len, &sig))
        return ft_err_set(err, FT_ERR_STATE, "ecdsa signing failed for key %llu",
                          (unsigned long long)in->key_index);
    in->sig[len] = FT_GEN_SIGHASH_ALL;
    in->sig_len = (uint8_t)(len + 1);
    return FT_OK;
}

ft_status ft_gen_tx_sign(ft_gen_tx *tx, const ft_gen_keys *keys, int placeholder, ft_buf *scratch,
                         ft_err *err)
{
    ft_gen_sighash_cache cache;
    uint8_t msg[32], code[25];
    ft_status st;
    int need_cache = 0;

    if (placeholder) {
        for (size_t i = 0; i < tx->n_in; i++) {
            ft_gen_txin *in = &tx->in[i];
            if (in->type == FT_GEN_P2TR) {
                memset(in->sig, 0x01, 64);
                in->sig_len = 64;
            } else {
                placeholder_ecdsa(in);
            }
        }
        return FT_OK;
    }
    for (size_t i = 0; i < tx->n_in; i++)
        if (tx->in[i].type != FT_GEN_P2PKH)
            need_cache = 1;
    if (need_cache && (st = ft_gen_sighash_precompute(&cache, tx, scratch, err)) != FT_OK)
        return st;

    for (size_t i = 0; i < tx->n_in; i++) {
        ft_gen_txin *in = &tx->in[i];
        switch (in->type) {
        case FT_GEN_P2PKH:
            st = ft_gen_sighash_legacy(msg, tx, i, in->spk, in->spk_len, scratch, err);
            if (st != FT_OK)
                return st;
            if ((st = sign_ecdsa(in, keys, msg, err)) != FT_OK)
                return st;
            break;
        case FT_GEN_P2WPKH:
            code[0] = 0x76;
            code[1] = 0xa9;
            code[2] = 20;
            memcpy(code + 3, in->spk + 2, 20);
            code[23] = 0x88;
            code[24] = 0xac;
            ft_gen_sighash_bip143(msg, tx, &cache, i, code, sizeof code, in->value);
            if ((st = sign_ecdsa(in, keys, msg, err)) != FT_OK)
                return st;
            break;
        case FT_GEN_P2TR: {
            secp256k1_keypair kp;
            ft_gen_sighash_bip341(msg, tx, &cache, i);
            if ((st = ft_gen_keys_taproot(keys, in->key_index, NULL, &kp, err)) != FT_OK)
                return st;
            int ok = secp256k1_schnorrsig_sign32(keys->ctx, in->sig, msg, &kp, NULL);
            memset(&kp, 0, sizeof kp);
            if (!ok)
                return ft_err_set(err, FT_ERR_STATE, "schnorr signing failed for key %llu",
                                  (unsigned long long)in->key_index);
            in->sig_len = 64;
            break;
        }
        default:
            return ft_err_set(err, FT_ERR_ARG, "cannot sign input %zu: unknown script type %d", i,
                              in->type);
        }
    }
    return FT_OK;
}
