/*
 * params.c — the Bitcoin network table (params.h): one designated-initializer entry per
 * network, indexed by ft_btc_network.
 *
 * Each entry carries its raw genesis block as hex (80-byte header, then n_tx = 1 and the
 * coinbase). The genesis blocks were assembled from their published components (the coinbase
 * message and output script, version 1, time, bits, nonce, and the merkle root of the single
 * coinbase); test_btc_params.c proves every one by parsing it, checking its merkle root and
 * comparing its double SHA-256 with the well-known genesis hash. Main, testnet3, regtest and
 * the default signet share the coinbase of "The Times 03/Jan/2009 ..."; testnet4 (BIP 94) has
 * its own ("03/May/2024 ...", paying to a 33-byte all-zero key).
 *
 * Invariant: table[i].id == i for every i < FT_BTC_NETWORK_COUNT.
 */
#include "chains/bitcoin/params.h"

#include <string.h>

#include "engine/banned.h"

static const ft_btc_params table[FT_BTC_NETWORK_COUNT] = {
    [FT_BTC_MAIN] = {
        .id = FT_BTC_MAIN,
        .name = "main",
        .magic = {0xf9, 0xbe, 0xb4, 0xd9},
        .p2pkh_prefix = 0,
        .p2sh_prefix = 5,
        .bech32_hrp = "bc",
        .genesis_hex =
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd"
        "7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
        "0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04"
        "ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
        "72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a010000"
        "00434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4"
        "f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000",
        .genesis_hash = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    },
    [FT_BTC_TESTNET3] = {
        .id = FT_BTC_TESTNET3,
        .name = "testnet",
        .magic = {0x0b, 0x11, 0x09, 0x07},
        .p2pkh_prefix = 111,
        .p2sh_prefix = 196,
        .bech32_hrp = "tb",
        .genesis_hex =
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd"
        "7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff001d1aa4ae18"
        "0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04"
        "ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
        "72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a010000"
        "00434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4"
        "f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000",
        .genesis_hash = "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
    },
    [FT_BTC_TESTNET4] = {
        .id = FT_BTC_TESTNET4,
        .name = "testnet4",
        .magic = {0x1c, 0x16, 0x3f, 0x28},
        .p2pkh_prefix = 111,
        .p2sh_prefix = 196,
        .bech32_hrp = "tb",
        .genesis_hex =
        "0100000000000000000000000000000000000000000000000000000000000000000000004e7b2b91"
        "28fe0291db0693af2ae418b767e657cd407e80cb1434221eaea7a07a046f3566ffff001dbb0c7817"
        "0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff5504"
        "ffff001d01044c4c30332f4d61792f3230323420303030303030303030303030303030303030303031656264"
        "35386332343439373062336161396437383362623030313031316662653865613865393865303065ffffffff"
        "0100f2052a010000002321000000000000000000000000000000000000000000000000000000000000000000"
        "ac00000000",
        .genesis_hash = "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043",
    },
    [FT_BTC_SIGNET] = {
        .id = FT_BTC_SIGNET,
        .name = "signet",
        .magic = {0x0a, 0x03, 0xcf, 0x40},
        .p2pkh_prefix = 111,
        .p2sh_prefix = 196,
        .bech32_hrp = "tb",
        .genesis_hex =
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd"
        "7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a008f4d5fae77031e8ad22203"
        "0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04"
        "ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
        "72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a010000"
        "00434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4"
        "f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000",
        .genesis_hash = "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6",
    },
    [FT_BTC_REGTEST] = {
        .id = FT_BTC_REGTEST,
        .name = "regtest",
        .magic = {0xfa, 0xbf, 0xb5, 0xda},
        .p2pkh_prefix = 111,
        .p2sh_prefix = 196,
        .bech32_hrp = "bcrt",
        .genesis_hex =
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd"
        "7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000"
        "0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04"
        "ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
        "72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a010000"
        "00434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4"
        "f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000",
        .genesis_hash = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
    },
};

const ft_btc_params *ft_btc_params_get(ft_btc_network net)
{
    if ((unsigned)net >= FT_BTC_NETWORK_COUNT)
        return NULL;
    return &table[net];
}

/* Accepted spellings besides each entry's own name. */
static const struct {
    const char *alias;
    ft_btc_network id;
} aliases[] = {
    {"mainnet", FT_BTC_MAIN},
    {"bitcoin", FT_BTC_MAIN},
    {"testnet3", FT_BTC_TESTNET3},
};

const ft_btc_params *ft_btc_params_by_name(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < FT_BTC_NETWORK_COUNT; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].alias, name) == 0)
            return &table[aliases[i].id];
    return NULL;
}

const ft_btc_params *ft_btc_params_by_magic(const uint8_t p[4])
{
    for (size_t i = 0; i < FT_BTC_NETWORK_COUNT; i++)
        if (memcmp(table[i].magic, p, 4) == 0)
            return &table[i];
    return NULL;
}
