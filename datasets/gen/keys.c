/*
 * keys.c — deterministic secp256k1 keys for the generator.
 *
 * Key i is derived, not stored: seckey(i) = SHA-256("fundtrace-gen/key" ‖ seed32 ‖ i as
 * 8 bytes little-endian ‖ counter byte), counter starting at 0 and raised only if the digest
 * is not a valid scalar (probability ~2^-128). The generator keeps per address only its public
 * part (33 bytes) and re-derives the secret key when it signs, so memory stays small.
 *
 * Taproot (BIP341, key path only, no script tree): the tweak is the tagged hash
 * "TapTweak"(x(P)) of the internal x-only key; libsecp256k1's keypair_xonly_tweak_add applies
 * it to the keypair (negating the secret first when P has odd y, as BIP341 requires), so the
 * same keypair signs with BIP340 Schnorr for the output key Q.
 */
#include "datasets/gen/keys.h"

#include <string.h>

#include "engine/hash.h"
#include "engine/reader.h"
#include "engine/banned.h"

static const char key_tag[] = "fundtrace-gen/key";

ft_status ft_gen_keys_init(ft_gen_keys *k, uint64_t seed, ft_err *err)
{
    uint8_t msg[sizeof key_tag - 1 + 8];
    memset(k, 0, sizeof *k);
    k->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!k->ctx)
        return ft_err_set(err, FT_ERR_NOMEM, "cannot create the secp256k1 context");
    memcpy(msg, key_tag, sizeof key_tag - 1);
    ft_put_u64le(msg + sizeof key_tag - 1, seed);
    ft_sha256(k->seed, msg, sizeof msg);
    return FT_OK;
}

void ft_gen_keys_release(ft_gen_keys *k)
{
    if (k->ctx)
        secp256k1_context_destroy(k->ctx);
    memset(k, 0, sizeof *k);
}

void ft_gen_keys_seckey(const ft_gen_keys *k, uint64_t index, uint8_t out[32])
{
    uint8_t msg[sizeof key_tag - 1 + 32 + 8 + 1];
    size_t off = sizeof key_tag - 1;
    memcpy(msg, key_tag, off);
    memcpy(msg + off, k->seed, 32);
    ft_put_u64le(msg + off + 32, index);
    for (unsigned counter = 0; counter < 256; counter++) {
        msg[off + 40] = (uint8_t)counter;
        ft_sha256(out, msg, sizeof msg);
        if (secp256k1_ec_seckey_verify(k->ctx, out))
            return;
    }
    /* Unreachable in practice (2^-32768): fall back to the scalar 1 so that out is valid. */
    memset(out, 0, 32);
    out[31] = 1;
}

ft_status ft_gen_keys_pubkey(const ft_gen_keys *k, uint64_t index, uint8_t out[33], ft_err *err)
{
    uint8_t sk[32];
    secp256k1_pubkey pub;
    size_t len = 33;
    ft_gen_keys_seckey(k, index, sk);
    if (!secp256k1_ec_pubkey_create(k->ctx, &pub, sk)) {
        memset(out, 0, 33);
        return ft_err_set(err, FT_ERR_STATE, "secp256k1_ec_pubkey_create failed for key %llu",
                          (unsigned long long)index);
    }
    secp256k1_ec_pubkey_serialize(k->ctx, out, &len, &pub, SECP256K1_EC_COMPRESSED);
    memset(sk, 0, sizeof sk);
    return FT_OK;
}

ft_status ft_gen_keys_taproot_from_seckey(secp256k1_context *ctx, const uint8_t seckey[32],
                                          uint8_t internal[32], uint8_t tweak[32],
                                          uint8_t output[32], secp256k1_keypair *keypair,
                                          ft_err *err)
{
    secp256k1_keypair kp;
    secp256k1_xonly_pubkey xpub;
    uint8_t in32[32], t32[32];
    static const char tag[] = "TapTweak";
    if (!secp256k1_keypair_create(ctx, &kp, seckey))
        return ft_err_set(err, FT_ERR_ARG, "secp256k1_keypair_create failed: invalid secret key");
    if (!secp256k1_keypair_xonly_pub(ctx, &xpub, NULL, &kp) ||
        !secp256k1_xonly_pubkey_serialize(ctx, in32, &xpub))
        return ft_err_set(err, FT_ERR_STATE, "secp256k1_keypair_xonly_pub failed");
    if (!secp256k1_tagged_sha256(ctx, t32, (const unsigned char *)tag, sizeof tag - 1, in32, 32))
        return ft_err_set(err, FT_ERR_STATE, "secp256k1_tagged_sha256 failed");
    if (!secp256k1_keypair_xonly_tweak_add(ctx, &kp, t32))
        return ft_err_set(err, FT_ERR_STATE, "taproot tweak is out of range");
    if (output) {
        if (!secp256k1_keypair_xonly_pub(ctx, &xpub, NULL, &kp) ||
            !secp256k1_xonly_pubkey_serialize(ctx, output, &xpub))
            return ft_err_set(err, FT_ERR_STATE, "secp256k1_keypair_xonly_pub failed");
    }
    if (internal)
        memcpy(internal, in32, 32);
    if (tweak)
        memcpy(tweak, t32, 32);
    if (keypair)
        *keypair = kp;
    memset(&kp, 0, sizeof kp);
    return FT_OK;
}

ft_status ft_gen_keys_taproot(const ft_gen_keys *k, uint64_t index, uint8_t output[32],
                              secp256k1_keypair *keypair, ft_err *err)
{
    uint8_t sk[32];
    ft_gen_keys_seckey(k, index, sk);
    ft_status st = ft_gen_keys_taproot_from_seckey(k->ctx, sk, NULL, NULL, output, keypair, err);
    memset(sk, 0, sizeof sk);
    return st;
}
