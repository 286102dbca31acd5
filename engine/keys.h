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

#endif
