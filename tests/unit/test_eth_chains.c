/*
 * test_eth_chains.c — the incidents CSV accepts every EVM chain fundtrace indexes (chain
 * names and aliases of chains/ethereum/params.c), with 0x transaction hashes, txid:N and
 * 0x addresses as seeds, and stores each row under that chain's own store byte; an unknown
 * chain names its line. The names must agree with chains/ethereum/params.c entry by entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chains/ethereum/params.h"
#include "engine/incidents.h"
#include "engine/keys.h"
#include "engine/store.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

static void test_names(void)
{
    /* every EVM chain of the params table, by name, is an incidents chain with the same byte */
    for (unsigned i = 0; ft_eth_params_at(i); i++) {
        const ft_eth_params *p = ft_eth_params_at(i);
        CHECK(ft_incidents_chain_parse(p->name) == p->chain_byte);
        CHECK_STR(ft_incidents_chain_name(p->chain_byte), p->name);
    }
    static const char *const aliases[] = {"eth", "bnb", "matic", "arb", "avax", "anvil", "hardhat"};
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        CHECK(ft_incidents_chain_parse(aliases[i]) == ft_eth_params_by_name(aliases[i])->chain_byte);
    CHECK(ft_incidents_chain_parse("bitcoin") == FT_CHAIN_BTC);
    CHECK(ft_incidents_chain_parse("solana") == 0);
    CHECK(ft_incidents_chain_parse("") == 0);
}

static void test_csv(void)
{
    const char *csv =
        "incident,date,chain,seed,asset,amount,attribution,source\n"
        "devhack,2026-01-01,dev,0x6f1e4ab6a1f5d4d1a1a7b1f0f4cbbf0e4e5b3c2a1908f7e6d5c4b3a291807f6e,ETH,50,"
        "test,test\n"
        "devhack,2026-01-01,dev,0x70997970C51812dc3A010C7d01b50e0d17dc79C8,ETH,,test,test\n"
        "devhack,2026-01-01,anvil,0x6f1e4ab6a1f5d4d1a1a7b1f0f4cbbf0e4e5b3c2a1908f7e6d5c4b3a291807f6e:2,"
        "LOOT,1,test,test\n"
        "bsc1,2025-02-21,bsc,0x0fa09C3A328792253f8dee7116848723b72a6d2e,BNB,1,Lazarus,FBI\n"
        "poly1,2025-02-21,polygon,0x0fa09C3A328792253f8dee7116848723b72a6d2e,POL,1,Lazarus,FBI\n"
        "arb1,2025-02-21,arbitrum,0x0fa09C3A328792253f8dee7116848723b72a6d2e,ETH,1,Lazarus,FBI\n"
        "avax1,2025-02-21,avalanche,0x0fa09C3A328792253f8dee7116848723b72a6d2e,AVAX,1,Lazarus,FBI\n";
    ft_incident_set set;
    memset(&set, 0, sizeof set);
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_incidents_parse_csv(csv, strlen(csv), "i.csv", &set, &err) == FT_OK);
    CHECK_EQ_U64(set.n, 7);
    static const uint8_t want[7] = {FT_CHAIN_EVMDEV, FT_CHAIN_EVMDEV,    FT_CHAIN_EVMDEV,
                                    FT_CHAIN_BSC,    FT_CHAIN_POLYGON,   FT_CHAIN_ARBITRUM,
                                    FT_CHAIN_AVALANCHE};
    for (size_t i = 0; i < set.n && i < 7; i++)
        CHECK(set.v[i].chain == want[i]);
    uint32_t n = 0;
    CHECK(ft_incidents_seed_kind(set.v[0].seed, NULL) == 1);
    CHECK(ft_incidents_seed_kind(set.v[1].seed, NULL) == 0);
    CHECK(ft_incidents_seed_kind(set.v[2].seed, &n) == 2 && n == 2);

    char dir[64];
    ft_test_tmpl(dir, sizeof dir, "ft_test_eth_chains");
    CHECK(mkdtemp(dir) != NULL);
    ft_store *st = NULL;
    CHECK(ft_store_open(&st, dir, FT_STORE_WRITE, &err) == FT_OK);
    size_t n_new = 0;
    CHECK(ft_incidents_store(st, &set, &n_new, &err) == FT_OK && n_new == 7);
    ft_incident_set dev, eth;
    memset(&dev, 0, sizeof dev);
    memset(&eth, 0, sizeof eth);
    CHECK(ft_incidents_scan(st, FT_CHAIN_EVMDEV, &dev, &err) == FT_OK);
    CHECK_EQ_U64(dev.n, 3);
    CHECK(ft_incidents_scan(st, FT_CHAIN_ETH, &eth, &err) == FT_OK);
    CHECK_EQ_U64(eth.n, 0); /* dev rows are not Ethereum mainnet rows */
    ft_incident_set_release(&dev);
    ft_incident_set_release(&eth);
    ft_store_close(st);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    ft_incident_set_release(&set);

    const char *bad = "incident,date,chain,seed,asset,amount,attribution,source\n"
                      "x,2026-01-01,solana,0x70997970C51812dc3A010C7d01b50e0d17dc79C8,SOL,1,a,b\n";
    CHECK(ft_incidents_parse_csv(bad, strlen(bad), "b.csv", &set, &err) == FT_ERR_PARSE);
    CHECK(strstr(err.msg, "'b.csv' line 2: unknown chain") != NULL);
    CHECK(strstr(err.msg, "'solana'") != NULL);
    ft_incident_set_release(&set);
}

FT_TEST_MAIN({"names", test_names}, {"csv", test_csv})
