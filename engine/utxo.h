/*
 * utxo.h — the chain-neutral records a UTXO chain adapter hands to the engine.
 *
 * chains/bitcoin parses its wire format and fills these; engine/ stores and queries them and
 * never sees a script or a network magic. An address is an opaque key chosen by the adapter:
 *
 *     ft_addr_key = kind (1 byte, adapter-defined) ‖ payload (hash or program, ≤ 47 bytes)
 *
 * Two outputs with the same key are the same address (one dense address id). The adapter
 * decides identity: Bitcoin maps a P2PK output to the key of its P2PKH address so that one
 * key is one address. An output with no address (OP_RETURN) has len == 0 and address id 0.
 * `script_type` is an adapter-defined small code kept per output for display only.
 */
#ifndef FT_UTXO_H
#define FT_UTXO_H

#include <stdint.h>

#define FT_ADDR_KEY_MAX 48

typedef struct ft_addr_key {
    uint8_t len; /* 0: no address */
    uint8_t bytes[FT_ADDR_KEY_MAX];
} ft_addr_key;

typedef struct ft_utxo_out {
    uint64_t value;      /* satoshi (or the chain's base unit) */
    uint8_t script_type; /* adapter-defined, for display */
    ft_addr_key addr;
} ft_utxo_out;

typedef struct ft_utxo_in {
    uint8_t prev_txid[32]; /* internal byte order */
    uint32_t prev_vout;
} ft_utxo_in;

typedef struct ft_utxo_tx {
    uint8_t txid[32]; /* internal byte order (double SHA-256 of the non-witness serialisation) */
    int coinbase;     /* 1: inputs are not spends (n_in is still the serialised count) */
    uint32_t n_in;
    uint32_t n_out;
    const ft_utxo_in *in;
    const ft_utxo_out *out;
} ft_utxo_tx;

typedef struct ft_utxo_block {
    uint8_t hash[32];
    uint8_t prev[32];
    uint32_t height;
    int64_t time; /* UTC seconds from the block header */
    uint32_t n_tx;
    const ft_utxo_tx *txs;
} ft_utxo_block;

#endif
