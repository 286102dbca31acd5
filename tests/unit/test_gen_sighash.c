/*
 * test_gen_sighash.c — the generator's signature hashes and keys against the BIPs' own
 * published vectors:
 *  - BIP143 "Native P2WPKH" example: hashPrevouts, hashSequence, hashOutputs and the sighash
 *    of input 1; our signature with the example's key equals the BIP's (RFC6979, low-S);
 *  - the same example's input 0 (a P2PK spend): the legacy SIGHASH_ALL hash verifies the
 *    signature published in the signed transaction;
 *  - BIP341 wallet vectors (bip341_wallet_vectors.json): the key-path tweak with no script
 *    tree (internal key, tweak, output key), the five sha_* digests of the keyPathSpending
 *    transaction, the SIGHASH_DEFAULT hash of input 4 and the published Schnorr signature
 *    verifying against it; a signature made by our tweaked keypair verifies for the
 *    published output key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "datasets/gen/keys.h"
#include "datasets/gen/sighash.h"
#include "datasets/gen/txbuild.h"
#include "engine/buf.h"
#include "engine/hex.h"
#include "engine/reader.h"
#include "ft_test.h"
#include "engine/banned.h"

/* Decodes a hex literal into a fresh static-size buffer; aborts the test on bad hex. */
static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = strlen(hex) / 2;
    if (n > cap || !ft_hex_decode(out, n, hex, strlen(hex))) {
        fprintf(stderr, "bad test hex '%s'\n", hex);
        exit(1);
    }
    return n;
}

static int eq_hex(const uint8_t *got, size_t len, const char *hex)
{
    uint8_t want[80];
    size_t n = unhex(want, sizeof want, hex);
    if (n != len || memcmp(got, want, len) != 0) {
        char buf[161];
        ft_hex_encode(buf, got, len);
        fprintf(stderr, "  got  %s\n  want %s\n", buf, hex);
        return 0;
    }
    return 1;
}

/* Parses a non-witness unsigned transaction into tx (inputs' spent data left zero). */
static int parse_unsigned(ft_gen_tx *tx, const uint8_t *raw, size_t len)
{
    ft_reader r;
    uint32_t v32;
    uint64_t n, slen;
    ft_reader_init(&r, raw, len);
    ft_gen_tx_reset(tx);
    if (!ft_reader_u32le(&r, &v32))
        return 0;
    tx->version = (int32_t)v32;
    if (!ft_reader_count(&r, 41, &n))
        return 0;
    for (uint64_t i = 0; i < n; i++) {
        ft_gen_txin *in = ft_gen_tx_add_in(tx);
        if (!in || !ft_reader_copy(&r, in->prev_txid, 32) || !ft_reader_u32le(&r, &in->prev_vout) ||
            !ft_reader_compact(&r, 10000, &slen) || slen != 0 || !ft_reader_u32le(&r, &in->sequence))
            return 0;
    }
    if (!ft_reader_count(&r, 9, &n))
        return 0;
    for (uint64_t i = 0; i < n; i++) {
        ft_gen_txout *o = ft_gen_tx_add_out(tx);
        if (!o || !ft_reader_u64le(&r, &o->value) ||
            !ft_reader_compact(&r, FT_GEN_SCRIPT_MAX, &slen) ||
            !ft_reader_copy(&r, o->script, (size_t)slen))
            return 0;
        o->script_len = (uint8_t)slen;
    }
    if (!ft_reader_u32le(&r, &tx->locktime))
        return 0;
    return r.left == 0;
}

static const char bip143_unsigned[] =
    "0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffff"
    "ef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206"
    "000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42db"
    "ee7e4dbe6a21b2d50ce2f0167faa815988ac11000000";

static void load_bip143(ft_gen_tx *tx)
{
    uint8_t raw[512];
    size_t n = unhex(raw, sizeof raw, bip143_unsigned);
    if (!parse_unsigned(tx, raw, n)) {
        fprintf(stderr, "cannot parse the BIP143 example\n");
        exit(1);
    }
    /* input 0: P2PK, 6.25 BTC; input 1: P2WPKH, 6 BTC */
    tx->in[0].value = 625000000;
    tx->in[0].spk_len = (uint8_t)unhex(
        tx->in[0].spk, sizeof tx->in[0].spk,
        "2103c9f4836b9a4f77fc0d81f7bcb01b7f1b35916864b9476c241ce9fc198bd25432ac");
    tx->in[1].value = 600000000;
    tx->in[1].type = FT_GEN_P2WPKH;
    tx->in[1].spk_len = (uint8_t)unhex(tx->in[1].spk, sizeof tx->in[1].spk,
                                       "00141d0f172a0ecb48aee1be1f2687d2963ae33f71a1");
}

static void test_bip143_p2wpkh(void)
{
    ft_gen_tx tx;
    ft_buf scratch;
    ft_gen_sighash_cache c;
    uint8_t code[25], sighash[32], sk[32], der[72];
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_ecdsa_signature sig;
    size_t der_len = sizeof der;

    ft_gen_tx_init(&tx);
    ft_buf_init(&scratch);
    load_bip143(&tx);
    CHECK_EQ_U64(tx.n_in, 2);
    CHECK_EQ_U64(tx.in[0].sequence, 0xffffffee);
    CHECK(ft_gen_sighash_precompute(&c, &tx, &scratch, NULL) == FT_OK);
    CHECK(eq_hex(c.hash_prevouts, 32,
                 "96b827c8483d4e9b96712b6713a7b68d6e8003a781feba36c31143470b4efd37"));
    CHECK(eq_hex(c.hash_sequence, 32,
                 "52b0a642eea2fb7ae638c36f6252b6750293dbe574a806984b8e4d8548339a3b"));
    CHECK(eq_hex(c.hash_outputs, 32,
                 "863ef3e1a92afbfdb97f31ad0fc7683ee943e9abcf2501590ff8f6551f47e5e5"));
    unhex(code, sizeof code, "76a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac");
    ft_gen_sighash_bip143(sighash, &tx, &c, 1, code, sizeof code, tx.in[1].value);
    CHECK(eq_hex(sighash, 32, "c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670"));

    /* libsecp256k1's default nonce is RFC6979, as Bitcoin Core's: the BIP's signature. */
    unhex(sk, sizeof sk, "619c335025c7f4012e556c2a58b2506e30b8511b53ade95ea316fd8c3286feb9");
    CHECK(secp256k1_ecdsa_sign(ctx, &sig, sighash, sk, NULL, NULL) == 1);
    CHECK(secp256k1_ecdsa_signature_serialize_der(ctx, der, &der_len, &sig) == 1);
    CHECK(eq_hex(der, der_len,
                 "304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220"
                 "573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee"));

    /* A changed amount must change the hash (the amount is committed to). */
    uint8_t first[32];
    memcpy(first, sighash, 32);
    ft_gen_sighash_bip143(sighash, &tx, &c, 1, code, sizeof code, tx.in[1].value + 1);
    CHECK(memcmp(first, sighash, 32) != 0);

    ft_buf_release(&scratch);
    ft_gen_tx_release(&tx);
    secp256k1_context_destroy(ctx);
}

static void test_legacy_p2pk(void)
{
    ft_gen_tx tx;
    ft_buf scratch;
    uint8_t sighash[32], der[80], pubraw[33];
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_ecdsa_signature sig;
    secp256k1_pubkey pub;

    ft_gen_tx_init(&tx);
    ft_buf_init(&scratch);
    load_bip143(&tx);
    CHECK(ft_gen_sighash_legacy(sighash, &tx, 0, tx.in[0].spk, tx.in[0].spk_len, &scratch, NULL) ==
          FT_OK);
    /* The signature of input 0 in the BIP's signed transaction (without its 01 hash type). */
    size_t n = unhex(der, sizeof der,
                     "30450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be"
                     "022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed");
    unhex(pubraw, sizeof pubraw,
          "03c9f4836b9a4f77fc0d81f7bcb01b7f1b35916864b9476c241ce9fc198bd25432");
    CHECK(secp256k1_ec_pubkey_parse(ctx, &pub, pubraw, 33) == 1);
    CHECK(secp256k1_ecdsa_signature_parse_der(ctx, &sig, der, n) == 1);
    CHECK(secp256k1_ecdsa_verify(ctx, &sig, sighash, &pub) == 1);
    /* Signing a different input index gives a hash the signature does not verify. */
    CHECK(ft_gen_sighash_legacy(sighash, &tx, 1, tx.in[0].spk, tx.in[0].spk_len, &scratch, NULL) ==
          FT_OK);
    CHECK(secp256k1_ecdsa_verify(ctx, &sig, sighash, &pub) == 0);
    CHECK(ft_gen_sighash_legacy(sighash, &tx, 2, tx.in[0].spk, tx.in[0].spk_len, &scratch, NULL) ==
          FT_ERR_ARG);

    ft_buf_release(&scratch);
    ft_gen_tx_release(&tx);
    secp256k1_context_destroy(ctx);
}

static void test_bip341_tweak(void)
{
    uint8_t sk[32], internal[32], tweak[32], output[32];
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    unhex(sk, sizeof sk, "6b973d88838f27366ed61c9ad6367663045cb456e28335c109e30717ae0c6baa");
    CHECK(ft_gen_keys_taproot_from_seckey(ctx, sk, internal, tweak, output, NULL, NULL) == FT_OK);
    CHECK(eq_hex(internal, 32, "d6889cb081036e0faefa3a35157ad71086b123b2b144b649798b494c300a961d"));
    CHECK(eq_hex(tweak, 32, "b86e7be8f39bab32a6f2c0443abbc210f0edac0e2c53d501b36b64437d9c6c70"));
    CHECK(eq_hex(output, 32, "53a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343"));
    secp256k1_context_destroy(ctx);
}

static const char bip341_unsigned[] =
    "02000000097de20cbff686da83a54981d2b9bab3586f4ca7e48f57f5b55963115f3b334e9c010000000000000000"
    "d7b7cab57b1393ace2d064f4d4a2cb8af6def61273e127517d44759b6dafdd990000000000ffffffff"
    "f8e1f583384333689228c5d28eac13366be082dc57441760d957275419a418420000000000ffffffff"
    "f0689180aa63b30cb162a73c6d2a38b7eeda2a83ece74310fda0843ad604853b0100000000feffffff"
    "aa5202bdf6d8ccd2ee0f0202afbbb7461d9264a25e5bfd3c5a52ee1239e0ba6c0000000000feffffff"
    "956149bdc66faa968eb2be2d2faa29718acbfe3941215893a2a3446d32acd050000000000000000000"
    "e664b9773b88c09c32cb70a2a3e4da0ced63b7ba3b22f848531bbb1d5d5f4c94010000000000000000"
    "e9aa6b8e6c9de67619e6a3924ae25696bb7b694bb677a632a74ef7eadfd4eabf0000000000ffffffff"
    "a778eb6a263dc090464cd125c466b5a99667720b1c110468831d058aa1b82af10100000000ffffffff"
    "0200ca9a3b000000001976a91406afd46bcdfd22ef94ac122aa11f241244a37ecc88ac807840cb00000000"
    "20ac9a87f5594be208f8532db38cff670c450ed2fea8fcdefcc9a663f78bab962b0065cd1d";

static const struct {
    const char *spk;
    uint64_t amount;
} bip341_utxos[9] = {
    {"512053a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343", 420000000},
    {"5120147c9c57132f6e7ecddba9800bb0c4449251c92a1e60371ee77557b6620f3ea3", 462000000},
    {"76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", 294000000},
    {"5120e4d810fd50586274face62b8a807eb9719cef49c04177cc6b76a9a4251d5450e", 504000000},
    {"512091b64d5324723a985170e4dc5a0f84c041804f2cd12660fa5dec09fc21783605", 630000000},
    {"00147dd65592d0ab2fe0d0257d571abf032cd9db93dc", 378000000},
    {"512075169f4001aa68f15bbed28b218df1d0a62cbbcf1188c6665110c293c907b831", 672000000},
    {"5120712447206d7a5238acc7ff53fbe94a3b64539ad291c7cdbc490b7577e4b17df5", 546000000},
    {"512077e30a5522dd9f894c3f8b8bd4c4b2cf82ca7da8a3ea6a239655c39c050ab220", 588000000},
};

static void test_bip341_keypath(void)
{
    ft_gen_tx tx;
    ft_buf scratch;
    ft_gen_sighash_cache c;
    uint8_t raw[1024], sighash[32], sig[64], xonly[32], sk[32], mysig[64];
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_xonly_pubkey xpub;
    secp256k1_keypair kp;

    ft_gen_tx_init(&tx);
    ft_buf_init(&scratch);
    size_t n = unhex(raw, sizeof raw, bip341_unsigned);
    CHECK(parse_unsigned(&tx, raw, n));
    CHECK_EQ_U64(tx.n_in, 9);
    CHECK_EQ_U64(tx.n_out, 2);
    for (size_t i = 0; i < 9 && i < tx.n_in; i++) {
        tx.in[i].value = bip341_utxos[i].amount;
        tx.in[i].spk_len = (uint8_t)unhex(tx.in[i].spk, sizeof tx.in[i].spk, bip341_utxos[i].spk);
    }
    CHECK(ft_gen_sighash_precompute(&c, &tx, &scratch, NULL) == FT_OK);
    CHECK(eq_hex(c.sha_amounts, 32, "58a6964a4f5f8f0b642ded0a8a553be7622a719da71d1f5befcefcdee8e0fde6"));
    CHECK(eq_hex(c.sha_outputs, 32, "a2e6dab7c1f0dcd297c8d61647fd17d821541ea69c3cc37dcbad7f90d4eb4bc5"));
    CHECK(eq_hex(c.sha_prevouts, 32, "e3b33bb4ef3a52ad1fffb555c0d82828eb22737036eaeb02a235d82b909c4c3f"));
    CHECK(eq_hex(c.sha_scriptpubkeys, 32,
                 "23ad0f61ad2bca5ba6a7693f50fce988e17c3780bf2b1e720cfbb38fbdd52e21"));
    CHECK(eq_hex(c.sha_sequences, 32, "18959c7221ab5ce9e26c3cd67b22c24f8baa54bac281d8e6b05e400e6c3a957e"));

    /* Input 4 is signed with hash type 0 (SIGHASH_DEFAULT). */
    ft_gen_sighash_bip341(sighash, &tx, &c, 4);
    CHECK(eq_hex(sighash, 32, "4f900a0bae3f1446fd48490c2958b5a023228f01661cda3496a11da502a7f7ef"));
    unhex(sig, sizeof sig,
          "b4010dd48a617db09926f729e79c33ae0b4e94b79f04a1ae93ede6315eb3669de185a17d2b0ac9ee09fd4c"
          "64b678a0b61a0a86fa888a273c8511be83bfd6810f");
    unhex(xonly, sizeof xonly, "91b64d5324723a985170e4dc5a0f84c041804f2cd12660fa5dec09fc21783605");
    CHECK(secp256k1_xonly_pubkey_parse(ctx, &xpub, xonly) == 1);
    CHECK(secp256k1_schnorrsig_verify(ctx, sig, sighash, 32, &xpub) == 1);

    /* Our tweaked keypair for input 0's internal key signs for the published output key. */
    ft_gen_sighash_bip341(sighash, &tx, &c, 0);
    unhex(sk, sizeof sk, "6b973d88838f27366ed61c9ad6367663045cb456e28335c109e30717ae0c6baa");
    CHECK(ft_gen_keys_taproot_from_seckey(ctx, sk, NULL, NULL, NULL, &kp, NULL) == FT_OK);
    CHECK(secp256k1_schnorrsig_sign32(ctx, mysig, sighash, &kp, NULL) == 1);
    unhex(xonly, sizeof xonly, "53a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343");
    CHECK(secp256k1_xonly_pubkey_parse(ctx, &xpub, xonly) == 1);
    CHECK(secp256k1_schnorrsig_verify(ctx, mysig, sighash, 32, &xpub) == 1);
    /* ... and not for another input's message. */
    ft_gen_sighash_bip341(sighash, &tx, &c, 1);
    CHECK(secp256k1_schnorrsig_verify(ctx, mysig, sighash, 32, &xpub) == 0);

    ft_buf_release(&scratch);
    ft_gen_tx_release(&tx);
    secp256k1_context_destroy(ctx);
}

/* End to end through ft_gen_tx_sign: a P2WPKH and a P2TR input of generator keys are signed
 * and the signatures verify against the keys the outputs commit to. */
static void test_sign_roundtrip(void)
{
    ft_gen_keys keys;
    ft_gen_tx tx;
    ft_buf scratch;
    ft_gen_sighash_cache c;
    uint8_t msg[32], xonly[32], code[25];
    secp256k1_pubkey pub;
    secp256k1_ecdsa_signature sig;
    secp256k1_xonly_pubkey xpub;

    CHECK(ft_gen_keys_init(&keys, 42, NULL) == FT_OK);
    ft_gen_tx_init(&tx);
    ft_buf_init(&scratch);
    ft_gen_txin *a = ft_gen_tx_add_in(&tx);
    ft_gen_txin *b = ft_gen_tx_add_in(&tx);
    ft_gen_txout *o = ft_gen_tx_add_out(&tx);
    memset(a->prev_txid, 0x11, 32);
    memset(b->prev_txid, 0x22, 32);
    a->type = FT_GEN_P2WPKH;
    a->key_index = 7;
    a->value = 100000;
    CHECK(ft_gen_keys_pubkey(&keys, 7, a->pub, NULL) == FT_OK);
    a->spk_len = (uint8_t)ft_gen_script_build(a->spk, FT_GEN_P2WPKH, a->pub);
    b->type = FT_GEN_P2TR;
    b->key_index = 8;
    b->value = 200000;
    CHECK(ft_gen_keys_taproot(&keys, 8, xonly, NULL, NULL) == FT_OK);
    b->spk_len = (uint8_t)ft_gen_script_build(b->spk, FT_GEN_P2TR, xonly);
    o->value = 290000;
    o->script_len = (uint8_t)ft_gen_script_build(o->script, FT_GEN_P2WPKH, a->pub);
    CHECK(ft_gen_tx_sign(&tx, &keys, 0, &scratch, NULL) == FT_OK);
    CHECK(ft_gen_tx_finalize(&tx, &scratch, NULL) == FT_OK);
    CHECK(tx.size > tx.base_size);
    CHECK(memcmp(tx.txid, tx.wtxid, 32) != 0);

    CHECK(ft_gen_sighash_precompute(&c, &tx, &scratch, NULL) == FT_OK);
    memcpy(code, "\x76\xa9\x14", 3);
    memcpy(code + 3, a->spk + 2, 20);
    code[23] = 0x88;
    code[24] = 0xac;
    ft_gen_sighash_bip143(msg, &tx, &c, 0, code, 25, a->value);
    CHECK(a->sig[a->sig_len - 1] == 1);
    CHECK(secp256k1_ec_pubkey_parse(keys.ctx, &pub, a->pub, 33) == 1);
    CHECK(secp256k1_ecdsa_signature_parse_der(keys.ctx, &sig, a->sig, a->sig_len - 1u) == 1);
    CHECK(secp256k1_ecdsa_verify(keys.ctx, &sig, msg, &pub) == 1);
    ft_gen_sighash_bip341(msg, &tx, &c, 1);
    CHECK(b->sig_len == 64);
    CHECK(secp256k1_xonly_pubkey_parse(keys.ctx, &xpub, xonly) == 1);
    CHECK(secp256k1_schnorrsig_verify(keys.ctx, b->sig, msg, 32, &xpub) == 1);

    /* Same seed, same key; another seed, another key. */
    ft_gen_keys keys2;
    uint8_t p1[33], p2[33];
    CHECK(ft_gen_keys_init(&keys2, 43, NULL) == FT_OK);
    CHECK(ft_gen_keys_pubkey(&keys, 7, p1, NULL) == FT_OK);
    CHECK(ft_gen_keys_pubkey(&keys2, 7, p2, NULL) == FT_OK);
    CHECK(memcmp(p1, a->pub, 33) == 0);
    CHECK(memcmp(p1, p2, 33) != 0);
    ft_gen_keys_release(&keys2);

    ft_buf_release(&scratch);
    ft_gen_tx_release(&tx);
    ft_gen_keys_release(&keys);
}

FT_TEST_MAIN({"bip143_p2wpkh", test_bip143_p2wpkh}, {"legacy_p2pk", test_legacy_p2pk},
             {"bip341_tweak", test_bip341_tweak}, {"bip341_keypath", test_bip341_keypath},
             {"sign_roundtrip", test_sign_roundtrip})
