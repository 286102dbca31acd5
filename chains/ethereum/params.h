/*
 * params.h — EVM chain parameters, one table entry per chain (picocoin style): the name given
 * to --chain, the EIP-155 chain id that eth_chainId must report, the store's chain byte
 * (engine/keys.h) and the native asset. Adding a chain is one entry in params.c.
 */
#ifndef FT_ETH_PARAMS_H
#define FT_ETH_PARAMS_H

#include <stdint.h>

typedef struct ft_eth_params {
    const char *name;      /* "ethereum", "bsc", "polygon", "arbitrum", "avalanche", "dev" */
    uint64_t chain_id;     /* EIP-155 */
    uint8_t chain_byte;    /* FT_CHAIN_* of engine/keys.h */
    const char *symbol;    /* native asset: "ETH", "BNB", "POL", "AVAX" */
    unsigned decimals;     /* 18 on every chain listed */
    int london;            /* 1: EIP-1559 base fee exists (burnt part of the fee) */
} ft_eth_params;

/* By --chain name (also "eth", "mainnet", "bnb", "matic", "arb", "avax", "anvil"), or NULL. */
const ft_eth_params *ft_eth_params_by_name(const char *name);
/* By chain id, or NULL. */
const ft_eth_params *ft_eth_params_by_id(uint64_t chain_id);
/* By the store's chain byte, or NULL. */
const ft_eth_params *ft_eth_params_by_chain_byte(uint8_t chain_byte);
/* Entry i (0 ..) or NULL past the end: for listing. */
const ft_eth_params *ft_eth_params_at(unsigned i);

#endif
