/*
 * keys.h — the record-type and chain bytes that begin every store key.
 * docs/store-format.md gives the full grammar of each key and value; this file only names
 * the bytes so that no two modules invent the same prefix.
 *
 *     key = type:u8 ‖ chain:u8 ‖ type-specific fields (integers big-endian)
 */
#ifndef FT_KEYS_H
#define FT_KEYS_H

/* Chains (the second key byte). The network (main, testnet, regtest …) is recorded in the
 * chain's meta record and checked: one index holds one network per chain. */
#define FT_CHAIN_NONE 0x00 /* store-wide records (schema version) */
#define FT_CHAIN_BTC 0x01
#define FT_CHAIN_ETH 0x02
/* Other EVM chains keep their own byte (chains/ethereum/params.c), so that one index can hold
 * several of them side by side; 0x03..0x1f stay free for UTXO chains. */
#define FT_CHAIN_BSC 0x21
#define FT_CHAIN_POLYGON 0x22
#define FT_CHAIN_ARBITRUM 0x23
#define FT_CHAIN_AVALANCHE 0x24
#define FT_CHAIN_EVMDEV 0x25 /* a local development node: anvil, hardhat (chain id 31337) */

/* Record types (the first key byte). 0x00..0x0f belong to the UTXO ledger (engine/ledger.c,
 * engine/query.c); later modules (labels, incidents, clusters, account chains) take 0x10 and
 * up. docs/store-format.md has the grammar of each. */
#define FT_KEY_SCHEMA 0x00     /* 0x00 0x00: store-wide schema record (engine/store.c) */
#define FT_KEY_CHAIN 0x01      /* chain meta and checkpoint: network, tip, next ids */
#define FT_KEY_BLOCK 0x02      /* height:u32be -> block record */
#define FT_KEY_BLOCK_HASH 0x03 /* hash:32 -> height */
#define FT_KEY_TX 0x04         /* tx id:u64be -> tx record (inputs and outputs inline) */
#define FT_KEY_TXID 0x05       /* txid:32 -> tx id */
#define FT_KEY_SPEND 0x06      /* out id:u64be -> spending tx id and input index */
#define FT_KEY_ADDR 0x07       /* address key bytes -> addr id */
#define FT_KEY_ADDR_ID 0x08    /* addr id:u64be -> address key bytes */
#define FT_KEY_HIST 0x09       /* addr id:u64be tx id:u64be dir:u8 index:u32be -> value */

/* Account-model records (engine/account.c; docs/store-format.md, "Account chains"). */
#define FT_KEY_ACCT_CHAIN 0x10    /* chain meta and checkpoint */
#define FT_KEY_ACCT_BLOCK 0x11    /* height:u32be -> block record */
#define FT_KEY_ACCT_BLOCKHASH 0x12 /* hash:32 -> height */
#define FT_KEY_ACCT_TX 0x13       /* height:u32be index:u32be -> tx record */
#define FT_KEY_ACCT_TXHASH 0x14   /* hash:32 -> height, index */
#define FT_KEY_ACCT_XFER 0x15     /* height:u32be seq:u32be -> transfer (or trace) row */
#define FT_KEY_ACCT_TOKEN 0x16    /* contract:20 -> token symbol and decimals */
#define FT_KEY_ACCT_HIST 0x18     /* address:20 height:u32be seq:u32be dir:u8 -> row summary */


/* Labels (engine/labels.c; docs/store-format.md, "Labels"): 0x20..0x2f. */
#define FT_KEY_LABEL 0x20 /* klen:u8 addr_key id:8 -> category, confidence, entity, source */

/* Clusters (engine/clusterstore.c; docs/store-format.md, "Clusters"): 0x30..0x3f. */
#define FT_KEY_CLUSTER_OF 0x30      /* addr id:u64be -> cluster id (clusters of 2 or more) */
#define FT_KEY_CLUSTER 0x31         /* cluster id:u64be -> size, labels */
#define FT_KEY_CLUSTER_REFUSED 0x32 /* seq:u32be -> a merge the collapse guard refused */
#define FT_KEY_CLUSTER_ADDR 0x33    /* account chains: addr:20 -> graph id (engine/clusteraddr.c) */
#define FT_KEY_CLUSTER_RUN 0x3f     /* the last clustering run: heuristics, counts */

/* Incidents (engine/incidents.c; docs/store-format.md, "Incidents"): 0x40..0x4f. */
#define FT_KEY_INCIDENT 0x40 /* ilen:u8 incident slen:u8 seed -> date, asset, amount, attribution, source */

/* Exposure: what each address received from each incident per taint model, as the last
 * trace run of the incident computed it (engine/exposure.c; docs/store-format.md,
 * "Exposure"): 0x50..0x5f. */
#define FT_KEY_EXPOSURE 0x50        /* klen:u8 addr_key ilen:u8 incident model:u8 [a] -> amount */
#define FT_KEY_EXPOSURE_BY_INC 0x51 /* ilen:u8 incident klen:u8 addr_key model:u8 [a] -> (none) */
/* [a] = alen:u8 asset_key: only on token rows of account chains (native rows: absent) */
#define FT_KEY_EXPOSURE_RUN 0x52    /* ilen:u8 incident -> models, max_hops, min_value, n_rows */

#endif
