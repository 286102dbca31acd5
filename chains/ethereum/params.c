/*
 * params.c — the EVM chain table (see params.h). Chain ids from each chain's own docs
 * (chainlist.org agrees): Ethereum 1, BNB Smart Chain 56, Polygon PoS 137, Arbitrum One
 * 42161, Avalanche C-chain 43114; anvil/hardhat 31337. Each chain keeps its own store chain
 * byte so that one index may hold several EVM chains side by side.
 */
#include "chains/ethereum/params.h"

#include <string.h>

#include "engine/keys.h"

#include "engine/banned.h"

static const ft_eth_params chains[] = {
    {.name = "ethereum", .chain_id = 1, .chain_byte = FT_CHAIN_ETH, .symbol = "ETH",
     .decimals = 18, .london = 1},
    {.name = "bsc", .chain_id = 56, .chain_byte = FT_CHAIN_BSC, .symbol = "BNB",
     .decimals = 18, .london = 1},
    {.name = "polygon", .chain_id = 137, .chain_byte = FT_CHAIN_POLYGON, .symbol = "POL",
     .decimals = 18, .london = 1},
    {.name = "arbitrum", .chain_id = 42161, .chain_byte = FT_CHAIN_ARBITRUM, .symbol = "ETH",
     .decimals = 18, .london = 1},
    {.name = "avalanche", .chain_id = 43114, .chain_byte = FT_CHAIN_AVALANCHE, .symbol = "AVAX",
     .decimals = 18, .london = 1},
    {.name = "dev", .chain_id = 31337, .chain_byte = FT_CHAIN_EVMDEV, .symbol = "ETH",
     .decimals = 18, .london = 1},
};

static const struct {
    const char *alias;
    const char *name;
} aliases[] = {
    {"eth", "ethereum"}, {"mainnet", "ethereum"}, {"bnb", "bsc"},  {"matic", "polygon"},
    {"arb", "arbitrum"}, {"avax", "avalanche"},   {"anvil", "dev"}, {"hardhat", "dev"},
};

#define N_CHAINS (sizeof chains / sizeof chains[0])

const ft_eth_params *ft_eth_params_by_name(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].alias, name) == 0)
            name = aliases[i].name;
    for (size_t i = 0; i < N_CHAINS; i++)
        if (strcmp(chains[i].name, name) == 0)
            return &chains[i];
    return NULL;
}

const ft_eth_params *ft_eth_params_by_id(uint64_t chain_id)
{
    for (size_t i = 0; i < N_CHAINS; i++)
        if (chains[i].chain_id == chain_id)
            return &chains[i];
    return NULL;
}

const ft_eth_params *ft_eth_params_by_chain_byte(uint8_t chain_byte)
{
    for (size_t i = 0; i < N_CHAINS; i++)
        if (chains[i].chain_byte == chain_byte)
            return &chains[i];
    return NULL;
}

const ft_eth_params *ft_eth_params_at(unsigned i)
{
    return i < N_CHAINS ? &chains[i] : NULL;
}
