/*
 * txdecode.h — raw signed Ethereum transactions: decode, hash, signing hash, sender.
 *
 * Types (EIP-2718 envelope: a first byte >= 0xc0 is a legacy RLP list, else the type):
 *     legacy  rlp([nonce, gasPrice, gas, to, value, data, v, r, s])
 *             signing hash keccak(rlp([nonce, gasPrice, gas, to, value, data]))          v 27/28
 *             EIP-155:     keccak(rlp([…6 fields, chainId, 0, 0]))              v = 35 + 2 id + y
 *     0x01    0x01 ‖ rlp([chainId, nonce, gasPrice, gas, to, value, data, accessList, y, r, s])
 *     0x02    0x02 ‖ rlp([chainId, nonce, maxPriorityFee, maxFee, gas, to, value, data,
 *                         accessList, y, r, s])
 *     0x03    0x03 ‖ rlp([chainId, nonce, maxPriorityFee, maxFee, gas, to, value, data,
 *                         accessList, maxFeePerBlobGas, blobVersionedHashes, y, r, s])
 * A typed tx's signing hash is keccak(type ‖ rlp(fields before y)); its hash is
 * keccak(the whole envelope). The sender is recovered with libsecp256k1's recovery module.
 * This is what `index ethereum --verify` checks against what the node claimed.
 */
#ifndef FT_ETH_TXDECODE_H
#define FT_ETH_TXDECODE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"
#include "engine/u256.h"

typedef struct ft_eth_txdec {
    uint8_t type;        /* 0 legacy, 1, 2, 3 */
    int has_chain_id;    /* 0: a pre-EIP-155 legacy tx */
    uint64_t chain_id;
    uint64_t nonce;
    ft_u256 gas_price;   /* legacy and type 1; for 2/3 the max fee */
    ft_u256 max_priority_fee; /* types 2 and 3 */
    uint64_t gas;
    int has_to;          /* 0: contract creation */
    uint8_t to[20];
    ft_u256 value;
    size_t data_len;
    uint8_t hash[32];    /* keccak of the raw bytes: the transaction hash */
    uint8_t sighash[32]; /* what the sender signed */
    uint8_t sig[64];     /* r ‖ s, each 32 bytes big-endian */
    int recid;           /* 0 or 1 */
} ft_eth_txdec;

/* Decodes raw (the whole signed transaction). FT_ERR_PARSE with a message naming the field on
 * anything malformed (trailing bytes, a non-canonical scalar, a wrong field count). */
ft_status ft_eth_tx_decode(ft_eth_txdec *out, const uint8_t *raw, size_t len,
                           ft_err *err) FT_WARN_UNUSED;

/* Recovers the sender's address from the signature. FT_ERR_PARSE when the signature does not
 * parse or recovers no key. */
ft_status ft_eth_tx_sender(uint8_t from[20], const ft_eth_txdec *tx, ft_err *err) FT_WARN_UNUSED;

#endif
