/*
 * test_btc_address.c — base58check, bech32 and bech32m against the published vectors of
 * BIP 173 and BIP 350 (valid and invalid strings, valid and invalid segwit addresses with
 * their scriptPubKeys, P2TR included), known mainnet addresses of real outputs (genesis,
 * block 9, block 170), and the key ↔ text round trip for every key kind and network.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/address.h"
#include "chains/bitcoin/block.h"
#include "chains/bitcoin/script.h"
#include "engine/hash.h"
#include "engine/hex.h"
#include "tests/unit/btc_test_data.h"
#include "tests/unit/ft_test.h"

/* BIP 173 "valid Bech32" and BIP 350 "valid Bech32m" strings. */
static const char *const valid_bech32[] = {
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
};
static const char *const valid_bech32m[] = {
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
};
/* BIP 173 and BIP 350 invalid strings (invalid in both variants). */
static const char *const invalid_strings[] = {
    "\x20" "1nwldj5",
    "\x7f" "1axkwrx",
    "\x80" "1eym55h",
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
    "pzry9x0s0muk",
    "1pzry9x0s0muk",
    "x1b4n0q5v",
    "li1dgmt3",
    "de1lg7wt\xff",
    "A1G7SGD8",
    "10a06t8",
    "1qzzfhee",
    "\x20" "1xj0phk",
    "\x7f" "1g6xzxy",
    "\x80" "1vctc34",
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "qyrz8wqd2c9m",
    "1qyrz8wqd2c9m",
    "y1b0jsk6g",
    "lt1igcx5c0",
    "in1muywd",
    "mm1crxm3i",
    "au1s5cgom",
    "M1VUXWEZ",
    "16plkw9",
    "1p2gdwpf",
};

static void test_bech32_strings(void)
{
    char hrp[91], re[91];
    uint8_t data[90];
    size_t dl;
    for (size_t i = 0; i < sizeof valid_bech32 / sizeof valid_bech32[0]; i++) {
        CHECK(ft_bech32_decode(hrp, sizeof hrp, data, sizeof data, &dl, valid_bech32[i]) ==
              FT_BECH32);
        /* re-encoding gives the same string up to case */
        CHECK(ft_bech32_encode(re, sizeof re, hrp, data, dl, FT_BECH32));
        CHECK(strcasecmp(re, valid_bech32[i]) == 0);
    }
    for (size_t i = 0; i < sizeof valid_bech32m / sizeof valid_bech32m[0]; i++) {
        CHECK(ft_bech32_decode(hrp, sizeof hrp, data, sizeof data, &dl, valid_bech32m[i]) ==
              FT_BECH32M);
        CHECK(ft_bech32_encode(re, sizeof re, hrp, data, dl, FT_BECH32M));
        CHECK(strcasecmp(re, valid_bech32m[i]) == 0);
    }
    for (size_t i = 0; i < sizeof invalid_strings / sizeof invalid_strings[0]; i++) {
        int v = ft_bech32_decode(hrp, sizeof hrp, data, sizeof data, &dl, invalid_strings[i]);
        if (v != 0)
            fprintf(stderr, "accepted invalid #%zu '%s'\n", i, invalid_strings[i]);
        CHECK(v == 0);
    }
    /* decoded content of two vectors */
    CHECK(ft_bech32_decode(hrp, sizeof hrp, data, sizeof data, &dl,
                           "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw") == FT_BECH32);
    CHECK_STR(hrp, "abcdef");
    CHECK_EQ_U64(dl, 32);
    int seq = 1;
    for (size_t i = 0; i < dl; i++)
        seq &= data[i] == i;
    CHECK(seq);
    CHECK(ft_bech32_decode(hrp, sizeof hrp, data, sizeof data, &dl, "A12UEL5L") == FT_BECH32);
    CHECK_STR(hrp, "a");
    CHECK_EQ_U64(dl, 0);
}

/* BIP 350's valid segwit addresses (superseding BIP 173's for v1+) and BIP 173's v0 ones. */
static const struct {
    const char *addr;
    const char *script;
} valid_segwit[] = {
    {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
     "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
    {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
     "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"BC1SW50QGDZ25J", "6002751e"},
    {"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
    {"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
     "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
    {"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
     "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
     "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
};

/* BIP 350's and BIP 173's invalid segwit addresses, plus BIP 173's v1+ examples that are
 * bech32 (not bech32m) and so invalid since BIP 350. */
static const char *const invalid_segwit[] = {
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
    "bc1pw5dgrnzv",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
    "bc1gmk9yu",
    "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
    "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2",
    "bc1rw5uspcuh",
    "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7",
    "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv",
    /* BIP 173's v1, v16 and v2 examples: valid bech32, but v1+ now needs bech32m */
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
    "BC1SW50QA3JX3S",
    "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",
};

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static void test_segwit_vectors(void)
{
    const ft_btc_params *main_net = ft_btc_params_get(FT_BTC_MAIN);
    const ft_btc_params *test_net = ft_btc_params_get(FT_BTC_TESTNET3);
    for (size_t i = 0; i < sizeof valid_segwit / sizeof valid_segwit[0]; i++) {
        const char *a = valid_segwit[i].addr;
        const char *hrp = (a[0] == 'b' || a[0] == 'B') ? "bc" : "tb";
        const ft_btc_params *net = hrp[0] == 'b' ? main_net : test_net;
        int version;
        uint8_t prog[40];
        int n = ft_segwit_decode(&version, prog, sizeof prog, hrp, a);
        CHECK(n > 0);
        if (n <= 0)
            continue;
        uint8_t script[42];
        script[0] = (uint8_t)(version ? 0x50 + version : 0);
        script[1] = (uint8_t)n;
        memcpy(script + 2, prog, (size_t)n);
        char hex[85];
        ft_hex_encode(hex, script, (size_t)n + 2);
        CHECK_STR(hex, valid_segwit[i].script);
        /* script → key → text gives the address back (lowercase) */
        ft_addr_key key, back;
        ft_btc_script_classify(script, (size_t)n + 2, &key);
        char text[FT_BTC_ADDR_STR_MAX], want[FT_BTC_ADDR_STR_MAX];
        CHECK(ft_btc_address_encode(text, &key, net) == FT_OK);
        snprintf(want, sizeof want, "%s", a);
        lower(want);
        CHECK_STR(text, want);
        /* text (either case) → key */
        ft_err err = {0};
        CHECK(ft_btc_address_decode(&back, a, net, &err) == FT_OK);
        CHECK(back.len == key.len && memcmp(back.bytes, key.bytes, key.len) == 0);
    }
    for (size_t i = 0; i < sizeof invalid_segwit / sizeof invalid_segwit[0]; i++) {
        int version;
        uint8_t prog[40];
        int a = ft_segwit_decode(&version, prog, sizeof prog, "bc", invalid_segwit[i]);
        int b = ft_segwit_decode(&version, prog, sizeof prog, "tb", invalid_segwit[i]);
        if (a >= 0 || b >= 0)
            fprintf(stderr, "accepted invalid segwit '%s'\n", invalid_segwit[i]);
        CHECK(a < 0 && b < 0);
        ft_addr_key key;
        ft_err err = {0};
        CHECK(ft_btc_address_decode(&key, invalid_segwit[i], main_net, &err) == FT_ERR_PARSE);
        CHECK(key.len == 0 && err.msg[0] != '\0');
    }
    /* encoder limits */
    char out[FT_BTC_ADDR_STR_MAX];
    uint8_t p[41] = {0};
    CHECK(!ft_segwit_encode(out, "bc", 0, p, 21));
    CHECK(!ft_segwit_encode(out, "bc", 1, p, 1));
    CHECK(!ft_segwit_encode(out, "bc", 1, p, 41));
    CHECK(!ft_segwit_encode(out, "bc", 17, p, 32));
    CHECK(ft_segwit_encode(out, "bc", 16, p, 40));
}

static void check_p2pk_address(const ft_btc_tx *tx, uint32_t vout, const char *want)
{
    ft_addr_key key;
    CHECK(ft_btc_script_classify(tx->out[vout].script, tx->out[vout].script_len, &key) ==
          FT_BTC_P2PK);
    char text[FT_BTC_ADDR_STR_MAX];
    CHECK(ft_btc_address_encode(text, &key, ft_btc_params_get(FT_BTC_MAIN)) == FT_OK);
    CHECK_STR(text, want);
}

/* Real outputs: the genesis coinbase, block 9's coinbase, block 170's payment to Hal Finney
 * (all P2PK, shown as the P2PKH address of their key, as block explorers do). */
static void test_known_mainnet(void)
{
    const ft_btc_params *main_net = ft_btc_params_get(FT_BTC_MAIN);
    uint8_t *raw;
    size_t len;
    CHECK(ft_hex_decode_alloc(&raw, &len, main_net->genesis_hex, strlen(main_net->genesis_hex)) ==
          FT_OK);
    ft_btc_block b;
    ft_err err = {0};
    CHECK(ft_btc_block_parse(&b, raw, len, &err) == FT_OK);
    check_p2pk_address(&b.txs[0], 0, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    ft_btc_block_release(&b);
    free(raw);

    btc_raw_block *blocks;
    size_t n = btc_test_load(BTC_FILE_1_255, &blocks);
    CHECK(n >= 170);
    CHECK(ft_btc_block_parse(&b, blocks[8].data, blocks[8].len, &err) == FT_OK); /* height 9 */
    check_p2pk_address(&b.txs[0], 0, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S");
    ft_btc_block_release(&b);
    CHECK(ft_btc_block_parse(&b, blocks[169].data, blocks[169].len, &err) == FT_OK); /* 170 */
    CHECK(b.n_tx == 2);
    char txid[65];
    ft_hex_encode_rev(txid, b.txs[1].txid, 32);
    CHECK_STR(txid, "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16");
    check_p2pk_address(&b.txs[1], 0, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3");
    check_p2pk_address(&b.txs[1], 1, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S");
    ft_btc_block_release(&b);
    btc_test_free(blocks, n);
}

static void check_round_trip(const char *text, const ft_btc_params *net, char kind)
{
    ft_addr_key key;
    ft_err err = {0};
    ft_status st = ft_btc_address_decode(&key, text, net, &err);
    if (st != FT_OK)
        fprintf(stderr, "'%s' on %s: %s\n", text, net->name, err.msg);
    CHECK(st == FT_OK && key.bytes[0] == (uint8_t)kind);
    char back[FT_BTC_ADDR_STR_MAX];
    CHECK(ft_btc_address_encode(back, &key, net) == FT_OK);
    CHECK_STR(back, text);
}

static void test_base58(void)
{
    const ft_btc_params *main_net = ft_btc_params_get(FT_BTC_MAIN);
    const ft_btc_params *test_net = ft_btc_params_get(FT_BTC_TESTNET3);
    const ft_btc_params *regtest = ft_btc_params_get(FT_BTC_REGTEST);
    /* values checked with an independent Python base58 implementation */
    check_round_trip("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", main_net, 's');
    check_round_trip("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", main_net, 'k');
    check_round_trip("mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r", test_net, 'k');
    check_round_trip("2N3vVYSK5XRgVSGWy21PnsRmBUywSQNdCsf", test_net, 's');
    check_round_trip("mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r", regtest, 'k');
    check_round_trip("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", regtest, 'w');
    ft_addr_key key;
    ft_err err = {0};
    CHECK(ft_btc_address_decode(&key, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", main_net, &err) ==
          FT_OK);
    char hex[41];
    ft_hex_encode(hex, key.bytes + 1, 20);
    CHECK_STR(hex, "b472a266d0bd89c13706a4132ccfb16f7c3b9fcb");
    /* leading zero bytes become '1's */
    uint8_t zeros[6] = {0, 0, 0, 0, 0, 1};
    char out[64];
    ft_base58check_encode(out, zeros, sizeof zeros);
    CHECK_STR(out, "11111B8UGiS");
    uint8_t dec[16];
    CHECK(ft_base58check_decode(dec, sizeof dec, "11111B8UGiS") == 6 &&
          memcmp(dec, zeros, 6) == 0);
    CHECK(ft_base58check_decode(dec, 5, "11111B8UGiS") == -1); /* too small */
    /* a changed character breaks the checksum; 0, O, I, l are not base58 */
    CHECK(ft_btc_address_decode(&key, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", main_net, &err) ==
          FT_ERR_PARSE);
    CHECK(ft_base58check_decode(dec, sizeof dec, "0A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") == -1);
    CHECK(ft_base58check_decode(dec, sizeof dec, "") == -1);
    /* other network's addresses are named as such */
    CHECK(ft_btc_address_decode(&key, "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r", main_net, &err) ==
          FT_ERR_PARSE);
    CHECK(strstr(err.msg, "network 'testnet'") != NULL);
    CHECK(ft_btc_address_decode(&key, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", test_net,
                                &err) == FT_ERR_PARSE);
    CHECK(strstr(err.msg, "network 'main'") != NULL);
    CHECK(ft_btc_address_decode(&key, "", main_net, &err) == FT_ERR_PARSE);
}

static void test_special_forms(void)
{
    const ft_btc_params *main_net = ft_btc_params_get(FT_BTC_MAIN);
    ft_addr_key key;
    ft_btc_script_classify((const uint8_t *)"\x51\x52", 2, &key); /* OP_1 OP_2: nonstandard */
    CHECK(key.bytes[0] == 'n');
    char text[FT_BTC_ADDR_STR_MAX], want[FT_BTC_ADDR_STR_MAX], hex[65];
    CHECK(ft_btc_address_encode(text, &key, main_net) == FT_OK);
    uint8_t sha[32];
    ft_sha256(sha, "\x51\x52", 2);
    ft_hex_encode(hex, sha, 32);
    snprintf(want, sizeof want, "nonstandard:%s", hex);
    CHECK_STR(text, want);
    check_round_trip(want, main_net, 'n');
    snprintf(want, sizeof want, "multisig:%s", hex);
    check_round_trip(want, main_net, 'm');
    ft_err err = {0};
    CHECK(ft_btc_address_decode(&key, "multisig:abcd", main_net, &err) == FT_ERR_PARSE);
    /* no text form */
    ft_addr_key none = {0};
    CHECK(ft_btc_address_encode(text, &none, main_net) == FT_ERR_ARG);
    ft_btc_script_classify((const uint8_t *)"\x6a", 1, &key);
    CHECK(ft_btc_address_encode(text, &key, main_net) == FT_ERR_ARG);
    /* witness v2 and v16 keys round trip */
    CHECK(ft_btc_address_decode(&key, "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", main_net, &err) ==
          FT_OK);
    CHECK(key.bytes[0] == 'v' && key.bytes[1] == 2 && key.len == 18);
    check_round_trip("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", main_net, 'v');
    check_round_trip("bc1sw50qgdz25j", main_net, 'v');
    check_round_trip("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", main_net,
                     't');
}

FT_TEST_MAIN({"bech32_strings", test_bech32_strings}, {"segwit_vectors", test_segwit_vectors},
             {"known_mainnet", test_known_mainnet}, {"base58", test_base58},
             {"special_forms", test_special_forms})
