/*
 * test_btc_script.c — output script classification and address keys (script.h): every
 * template, its boundary cases (lengths, witness versions, OP_RETURN push-only rule, P2PK keys
 * that libsecp256k1 rejects, multisig counts), key payloads checked against known hashes, and
 * a sweep over the real blocks checking type counts of block 702861 and the normaliser.
 */
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/block.h"
#include "chains/bitcoin/normalize.h"
#include "chains/bitcoin/script.h"
#include "engine/hash.h"
#include "engine/hex.h"
#include "tests/unit/btc_test_data.h"
#include "tests/unit/ft_test.h"

static ft_btc_script_type classify_hex(const char *hex, ft_addr_key *key)
{
    uint8_t buf[4096];
    size_t n = strlen(hex) / 2;
    if (!ft_hex_decode(buf, n, hex, strlen(hex))) {
        fprintf(stderr, "bad test hex %s\n", hex);
        exit(1);
    }
    return ft_btc_script_classify(buf, n, key);
}

/* key as hex: kind character then payload hex, e.g. "k:62e9..." */
static const char *key_str(const ft_addr_key *key)
{
    static char s[2 + 2 * FT_ADDR_KEY_MAX + 1];
    if (key->len == 0)
        return "";
    s[0] = (char)key->bytes[0];
    s[1] = ':';
    ft_hex_encode(s + 2, key->bytes + 1, key->len - 1u);
    return s;
}

static const char genesis_pk[] = "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb6"
                                 "49f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f";
static const char g_compressed[] =
    "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

static void test_templates(void)
{
    ft_addr_key k;
    char hex[1024];
    /* P2PKH */
    CHECK(classify_hex("76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac", &k) == FT_BTC_P2PKH);
    CHECK_STR(key_str(&k), "k:62e907b15cbf27d5425399ebf6f0fb50ebb88f18");
    /* P2PK (genesis output): the same key as its P2PKH address */
    snprintf(hex, sizeof hex, "41%sac", genesis_pk);
    CHECK(classify_hex(hex, &k) == FT_BTC_P2PK);
    CHECK_STR(key_str(&k), "k:62e907b15cbf27d5425399ebf6f0fb50ebb88f18");
    /* compressed P2PK: hash160 of G = the BIP 173 example program */
    snprintf(hex, sizeof hex, "21%sac", g_compressed);
    CHECK(classify_hex(hex, &k) == FT_BTC_P2PK);
    CHECK_STR(key_str(&k), "k:751e76e8199196d454941c45d1b3a323f1433bd6");
    /* P2PK shape but x beyond the field: libsecp256k1 refuses, so non-standard */
    CHECK(classify_hex("2102ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffac", &k) ==
          FT_BTC_NONSTANDARD);
    CHECK(k.bytes[0] == 'n' && k.len == 33);
    /* 65-byte key not on the curve (y changed) */
    snprintf(hex, sizeof hex, "41%sac", genesis_pk);
    hex[129] = hex[129] == '0' ? '1' : '0';
    CHECK(classify_hex(hex, &k) == FT_BTC_NONSTANDARD);
    /* P2PK with a wrong prefix byte for its size */
    snprintf(hex, sizeof hex, "21%sac", g_compressed);
    hex[3] = '4';
    CHECK(classify_hex(hex, &k) == FT_BTC_NONSTANDARD);
    /* P2SH */
    CHECK(classify_hex("a914e9c3dd0c07aac76179ebc76a6c78d4d67c6c160a87", &k) == FT_BTC_P2SH);
    CHECK_STR(key_str(&k), "s:e9c3dd0c07aac76179ebc76a6c78d4d67c6c160a");
    /* P2WPKH, P2WSH, P2TR */
    CHECK(classify_hex("0014751e76e8199196d454941c45d1b3a323f1433bd6", &k) == FT_BTC_P2WPKH);
    CHECK_STR(key_str(&k), "w:751e76e8199196d454941c45d1b3a323f1433bd6");
    CHECK(classify_hex("00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262", &k) ==
          FT_BTC_P2WSH);
    CHECK_STR(key_str(&k), "W:1863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262");
    CHECK(classify_hex("512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", &k) ==
          FT_BTC_P2TR);
    CHECK_STR(key_str(&k), "t:79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    /* other witness versions and lengths */
    CHECK(classify_hex("6002751e", &k) == FT_BTC_WITNESS_UNKNOWN); /* v16, 2 bytes */
    CHECK(k.len == 4 && k.bytes[0] == 'v' && k.bytes[1] == 16 && k.bytes[2] == 0x75);
    CHECK(classify_hex("5114751e76e8199196d454941c45d1b3a323f1433bd6", &k) ==
          FT_BTC_WITNESS_UNKNOWN); /* v1 with 20 bytes is not taproot */
    CHECK(k.len == 22 && k.bytes[1] == 1);
    CHECK(classify_hex("5228751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
                       &k) == FT_BTC_WITNESS_UNKNOWN); /* v2, 40 bytes: the longest */
    CHECK(k.len == 42);
    CHECK(classify_hex("5229751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6aa",
                       &k) == FT_BTC_NONSTANDARD); /* 41 bytes: no witness program */
    CHECK(classify_hex("0015751e76e8199196d454941c45d1b3a323f1433bd6aa", &k) ==
          FT_BTC_NONSTANDARD); /* v0 needs 20 or 32 */
    CHECK(classify_hex("5001ab", &k) == FT_BTC_NONSTANDARD); /* OP_RESERVED is no version */
    CHECK(classify_hex("0001ab", &k) == FT_BTC_NONSTANDARD); /* program of 1 byte */
    /* OP_RETURN: pushes only, then no address */
    CHECK(classify_hex("6a", &k) == FT_BTC_NULLDATA && k.len == 0);
    CHECK(classify_hex("6a04deadbeef", &k) == FT_BTC_NULLDATA && k.len == 0);
    CHECK(classify_hex("6a24aa21a9ed00000000000000000000000000000000000000000000000000000000000000"
                       "00",
                       &k) == FT_BTC_NULLDATA);
    CHECK(classify_hex("6a4c0401020304", &k) == FT_BTC_NULLDATA); /* PUSHDATA1 */
    CHECK(classify_hex("6a0051", &k) == FT_BTC_NULLDATA);         /* OP_0, OP_1 */
    CHECK(classify_hex("6aac", &k) == FT_BTC_NONSTANDARD);       /* a non-push */
    CHECK(classify_hex("6a05dead", &k) == FT_BTC_NONSTANDARD);   /* push past the end */
    /* empty script */
    CHECK(ft_btc_script_classify(NULL, 0, &k) == FT_BTC_NONSTANDARD);
    uint8_t empty_sha[32];
    ft_sha256(empty_sha, "", 0);
    CHECK(k.len == 33 && k.bytes[0] == 'n' && memcmp(k.bytes + 1, empty_sha, 32) == 0);
    /* almost P2PKH */
    CHECK(classify_hex("76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ad", &k) ==
          FT_BTC_NONSTANDARD);
}

static void test_multisig(void)
{
    ft_addr_key k;
    char hex[2048];
    /* 1-of-2 with a compressed and an uncompressed key */
    snprintf(hex, sizeof hex, "5121%s41%s52ae", g_compressed, genesis_pk);
    CHECK(classify_hex(hex, &k) == FT_BTC_MULTISIG);
    uint8_t raw[512], sha[32];
    size_t n = strlen(hex) / 2;
    CHECK(ft_hex_decode(raw, n, hex, strlen(hex)));
    ft_sha256(sha, raw, n);
    CHECK(k.len == 33 && k.bytes[0] == 'm' && memcmp(k.bytes + 1, sha, 32) == 0);
    /* 1-of-1 */
    snprintf(hex, sizeof hex, "5121%s51ae", g_compressed);
    CHECK(classify_hex(hex, &k) == FT_BTC_MULTISIG);
    /* m > n */
    snprintf(hex, sizeof hex, "5221%s51ae", g_compressed);
    CHECK(classify_hex(hex, &k) == FT_BTC_NONSTANDARD);
    /* n does not match the key count */
    snprintf(hex, sizeof hex, "5121%s52ae", g_compressed);
    CHECK(classify_hex(hex, &k) == FT_BTC_NONSTANDARD);
    /* m = 0 */
    snprintf(hex, sizeof hex, "0021%s51ae", g_compressed);
    CHECK(classify_hex(hex, &k) == FT_BTC_NONSTANDARD);
    /* non-minimal m (a push of 1 instead of OP_1) */
    snprintf(hex, sizeof hex, "010121%s51ae", g_compressed);
    CHECK(classify_hex(hex, &k) == FT_BTC_NONSTANDARD);
    /* a key of a wrong size (32 bytes) */
    snprintf(hex, sizeof hex, "5120%s51ae", g_compressed + 2);
    CHECK(classify_hex(hex, &k) == FT_BTC_NONSTANDARD);
    /* an extra byte before OP_CHECKMULTISIG */
    snprintf(hex, sizeof hex, "5121%s5175ae", g_compressed);
    CHECK(classify_hex(hex, &k) == FT_BTC_NONSTANDARD);
    /* 17-of-17 and 20-of-20 (counts as one-byte pushes): multisig; 21 keys: not */
    for (int keys = 16; keys <= 21; keys++) {
        size_t o = 0;
        if (keys <= 16)
            o += (size_t)snprintf(hex + o, sizeof hex - o, "%02x", 0x50 + keys);
        else
            o += (size_t)snprintf(hex + o, sizeof hex - o, "01%02x", keys);
        for (int i = 0; i < keys; i++)
            o += (size_t)snprintf(hex + o, sizeof hex - o, "21%s", g_compressed);
        if (keys <= 16)
            o += (size_t)snprintf(hex + o, sizeof hex - o, "%02x", 0x50 + keys);
        else
            o += (size_t)snprintf(hex + o, sizeof hex - o, "01%02x", keys);
        snprintf(hex + o, sizeof hex - o, "ae");
        CHECK(classify_hex(hex, &k) == (keys <= 20 ? FT_BTC_MULTISIG : FT_BTC_NONSTANDARD));
    }
}

static void test_names(void)
{
    CHECK_STR(ft_btc_script_type_name(FT_BTC_P2PK), "p2pk");
    CHECK_STR(ft_btc_script_type_name(FT_BTC_P2PKH), "p2pkh");
    CHECK_STR(ft_btc_script_type_name(FT_BTC_P2SH), "p2sh");
    CHECK_STR(ft_btc_script_type_name(FT_BTC_P2WPKH), "p2wpkh");
    CHECK_STR(ft_btc_script_type_name(FT_BTC_P2WSH), "p2wsh");
    CHECK_STR(ft_btc_script_type_name(FT_BTC_P2TR), "p2tr");
    CHECK_STR(ft_btc_script_type_name(FT_BTC_WITNESS_UNKNOWN), "witness_unknown");
    CHECK_STR(ft_btc_script_type_name(FT_BTC_MULTISIG), "multisig");
    CHECK_STR(ft_btc_script_type_name(FT_BTC_NULLDATA), "nulldata");
    CHECK_STR(ft_btc_script_type_name(FT_BTC_NONSTANDARD), "nonstandard");
    CHECK_STR(ft_btc_script_type_name(FT_BTC_SCRIPT_TYPE_COUNT), "nonstandard");
}

/* Block 702861 output types, counted independently (a separate Python parser over the raw
 * block with Core's Solver rules) — a check of the classifier over 6,015 real outputs. */
#define EXPECT_702861_P2PKH 1660
#define EXPECT_702861_P2SH 1816
#define EXPECT_702861_P2WPKH 2383
#define EXPECT_702861_P2WSH 133
#define EXPECT_702861_NULLDATA 23
#define EXPECT_702861_MULTISIG 0
static void test_real_block_types(void)
{
    btc_raw_block *blocks;
    size_t n = btc_test_load(BTC_FILE_702861, &blocks);
    ft_btc_block b;
    ft_err err = {0};
    CHECK(ft_btc_block_parse(&b, blocks[0].data, blocks[0].len, &err) == FT_OK);
    uint64_t counts[FT_BTC_SCRIPT_TYPE_COUNT] = {0};
    for (uint32_t i = 0; i < b.n_tx; i++)
        for (uint32_t o = 0; o < b.txs[i].n_out; o++) {
            ft_addr_key k;
            counts[ft_btc_script_classify(b.txs[i].out[o].script, b.txs[i].out[o].script_len,
                                          &k)]++;
        }
    uint64_t total = 0;
    for (int t = 0; t < FT_BTC_SCRIPT_TYPE_COUNT; t++)
        total += counts[t];
    CHECK_EQ_U64(total, 6015);
    CHECK_EQ_U64(counts[FT_BTC_P2PKH], EXPECT_702861_P2PKH);
    CHECK_EQ_U64(counts[FT_BTC_P2SH], EXPECT_702861_P2SH);
    CHECK_EQ_U64(counts[FT_BTC_P2WPKH], EXPECT_702861_P2WPKH);
    CHECK_EQ_U64(counts[FT_BTC_P2WSH], EXPECT_702861_P2WSH);
    CHECK_EQ_U64(counts[FT_BTC_NULLDATA], EXPECT_702861_NULLDATA);
    CHECK_EQ_U64(counts[FT_BTC_MULTISIG], EXPECT_702861_MULTISIG);

    /* the normaliser: same counts, same values, coinbase flag on tx 0 only, header time */
    ft_arena a;
    ft_arena_init(&a);
    ft_utxo_block u;
    CHECK(ft_btc_block_normalize(&u, &b, 702861, &a, &err) == FT_OK);
    CHECK(u.n_tx == b.n_tx && u.height == 702861 && u.time == 1633002641);
    CHECK(memcmp(u.hash, b.header.hash, 32) == 0 && memcmp(u.prev, b.header.prev, 32) == 0);
    int ok = 1;
    for (uint32_t i = 0; i < u.n_tx; i++) {
        const ft_utxo_tx *t = &u.txs[i];
        if (t->coinbase != (i == 0) || t->n_in != b.txs[i].n_in || t->n_out != b.txs[i].n_out ||
            memcmp(t->txid, b.txs[i].txid, 32) != 0)
            ok = 0;
        for (uint32_t k = 0; k < t->n_in; k++)
            if (t->in[k].prev_vout != b.txs[i].in[k].prev_vout ||
                memcmp(t->in[k].prev_txid, b.txs[i].in[k].prev_txid, 32) != 0)
                ok = 0;
        for (uint32_t k = 0; k < t->n_out; k++) {
            ft_addr_key key;
            ft_btc_script_type ty = ft_btc_script_classify(b.txs[i].out[k].script,
                                                           b.txs[i].out[k].script_len, &key);
            if (t->out[k].value != b.txs[i].out[k].value || t->out[k].script_type != ty ||
                t->out[k].addr.len != key.len || memcmp(t->out[k].addr.bytes, key.bytes, key.len))
                ok = 0;
        }
    }
    CHECK(ok);
    ft_arena_release(&a);
    ft_btc_block_release(&b);
    btc_test_free(blocks, n);
}

FT_TEST_MAIN({"templates", test_templates}, {"multisig", test_multisig}, {"names", test_names},
             {"real_block_types", test_real_block_types})
