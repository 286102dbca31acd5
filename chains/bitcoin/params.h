/*
 * params.h — Bitcoin network parameters, one table entry per network (picocoin style).
 *
 * Adding a network is one entry in params.c. The genesis block of each network is built in
 * (raw bytes) so that an index can start from height 0 even when the block files or the node
 * do not hand it over (btcd's test file starts at height 1).
 */
#ifndef FT_BTC_PARAMS_H
#define FT_BTC_PARAMS_H

#include <stddef.h>
#include <stdint.h>

typedef enum ft_btc_network {
    FT_BTC_MAIN = 0,
    FT_BTC_TESTNET3,
    FT_BTC_TESTNET4,
    FT_BTC_SIGNET,
    FT_BTC_REGTEST,
    FT_BTC_NETWORK_COUNT
} ft_btc_network;

typedef struct ft_btc_params {
    ft_btc_network id;
    const char *name;       /* "main", "testnet", "testnet4", "signet", "regtest" */
    uint8_t magic[4];       /* blk file and P2P message start */
    uint8_t p2pkh_prefix;   /* base58check version byte */
    uint8_t p2sh_prefix;
    const char *bech32_hrp; /* "bc", "tb", "bcrt" */
    const char *genesis_hex; /* the raw genesis block */
    const char *genesis_hash; /* display order, for the self-check */
} ft_btc_params;

/* The entry for a network id. */
const ft_btc_params *ft_btc_params_get(ft_btc_network net);
/* The entry for a name as given to --network ("main"/"mainnet", "testnet"/"testnet3",
 * "testnet4", "signet", "regtest"), or NULL. */
const ft_btc_params *ft_btc_params_by_name(const char *name);
/* The entry whose magic equals the 4 bytes at p, or NULL. */
const ft_btc_params *ft_btc_params_by_magic(const uint8_t p[4]);

#endif
