/*
 * test_btc_params.c — the network table: each built-in genesis block parses (merkle root
 * checked by the parser), hashes to the well-known genesis hash (written here independently of
 * params.c), carries the expected time and bits; lookups by name, alias and magic.
 */
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/block.h"
#include "chains/bitcoin/params.h"
#include "engine/hex.h"
#include "tests/unit/ft_test.h"

static const struct {
    ft_btc_network id;
    const char *hash;
    uint32_t time, bits;
} expected[] = {
    {FT_BTC_MAIN, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", 1231006505,
     0x1d00ffff},
    {FT_BTC_TESTNET3, "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
     1296688602, 0x1d00ffff},
    {FT_BTC_TESTNET4, "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043",
     1714777860, 0x1d00ffff},
    {FT_BTC_SIGNET, "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6", 1598918400,
     0x1e0377ae},
    {FT_BTC_REGTEST, "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", 1296688602,
     0x207fffff},
};

static void test_genesis(void)
{
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const ft_btc_params *p = ft_btc_params_get(expected[i].id);
        CHECK(p != NULL && p->id == expected[i].id);
        if (!p)
            continue;
        uint8_t *raw;
        size_t len;
        CHECK(ft_hex_decode_alloc(&raw, &len, p->genesis_hex, strlen(p->genesis_hex)) == FT_OK);
        ft_btc_block b;
        ft_err err = {0};
        ft_status st = ft_btc_block_parse(&b, raw, len, &err);
        if (st != FT_OK)
            fprintf(stderr, "%s: %s\n", p->name, err.msg);
        CHECK(st == FT_OK);
        char h[65];
        ft_hex_encode_rev(h, b.header.hash, 32);
        CHECK_STR(h, expected[i].hash);
        CHECK_STR(p->genesis_hash, expected[i].hash);
        CHECK_EQ_U64(b.header.time, expected[i].time);
        CHECK_EQ_U64(b.header.bits, expected[i].bits);
        CHECK_EQ_U64(b.n_tx, 1);
        static const uint8_t zero[32];
        CHECK(memcmp(b.header.prev, zero, 32) == 0);
        CHECK(b.n_tx == 1 && b.txs[0].n_out == 1 && b.txs[0].out[0].value == 5000000000ull);
        ft_btc_block_release(&b);
        free(raw);
    }
    /* main and testnet4 have different coinbases, hence merkle roots */
    CHECK(strcmp(ft_btc_params_get(FT_BTC_MAIN)->genesis_hex + 72,
                 ft_btc_params_get(FT_BTC_TESTNET4)->genesis_hex + 72) != 0);
}

static void test_lookups(void)
{
    CHECK(ft_btc_params_by_name("main") == ft_btc_params_get(FT_BTC_MAIN));
    CHECK(ft_btc_params_by_name("mainnet") == ft_btc_params_get(FT_BTC_MAIN));
    CHECK(ft_btc_params_by_name("testnet") == ft_btc_params_get(FT_BTC_TESTNET3));
    CHECK(ft_btc_params_by_name("testnet3") == ft_btc_params_get(FT_BTC_TESTNET3));
    CHECK(ft_btc_params_by_name("testnet4") == ft_btc_params_get(FT_BTC_TESTNET4));
    CHECK(ft_btc_params_by_name("signet") == ft_btc_params_get(FT_BTC_SIGNET));
    CHECK(ft_btc_params_by_name("regtest") == ft_btc_params_get(FT_BTC_REGTEST));
    CHECK(ft_btc_params_by_name("Main") == NULL);
    CHECK(ft_btc_params_by_name("") == NULL);
    CHECK(ft_btc_params_by_name(NULL) == NULL);
    CHECK(ft_btc_params_get(FT_BTC_NETWORK_COUNT) == NULL);
    const uint8_t main_magic[4] = {0xf9, 0xbe, 0xb4, 0xd9};
    const uint8_t t3[4] = {0x0b, 0x11, 0x09, 0x07};
    const uint8_t t4[4] = {0x1c, 0x16, 0x3f, 0x28};
    const uint8_t sig[4] = {0x0a, 0x03, 0xcf, 0x40};
    const uint8_t reg[4] = {0xfa, 0xbf, 0xb5, 0xda};
    const uint8_t none[4] = {0, 0, 0, 0};
    CHECK(ft_btc_params_by_magic(main_magic)->id == FT_BTC_MAIN);
    CHECK(ft_btc_params_by_magic(t3)->id == FT_BTC_TESTNET3);
    CHECK(ft_btc_params_by_magic(t4)->id == FT_BTC_TESTNET4);
    CHECK(ft_btc_params_by_magic(sig)->id == FT_BTC_SIGNET);
    CHECK(ft_btc_params_by_magic(reg)->id == FT_BTC_REGTEST);
    CHECK(ft_btc_params_by_magic(none) == NULL);
    CHECK_STR(ft_btc_params_get(FT_BTC_REGTEST)->bech32_hrp, "bcrt");
    CHECK_STR(ft_btc_params_get(FT_BTC_SIGNET)->bech32_hrp, "tb");
    CHECK_EQ_U64(ft_btc_params_get(FT_BTC_MAIN)->p2sh_prefix, 5);
    CHECK_EQ_U64(ft_btc_params_get(FT_BTC_TESTNET4)->p2pkh_prefix, 111);
    for (int i = 0; i < FT_BTC_NETWORK_COUNT; i++)
        CHECK(ft_btc_params_get((ft_btc_network)i)->id == (ft_btc_network)i);
}

FT_TEST_MAIN({"genesis", test_genesis}, {"lookups", test_lookups})
