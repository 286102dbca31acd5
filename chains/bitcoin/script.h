/*
 * script.h — output scripts to address keys.
 *
 * Recognised templates (Bitcoin Core's Solver): P2PK (33- or 65-byte key that libsecp256k1
 * parses), P2PKH, P2SH, P2WPKH, P2WSH, P2TR, other witness versions, bare multisig
 * (m <keys> n CHECKMULTISIG), OP_RETURN (null data) and anything else (non-standard).
 *
 * The address key (engine/utxo.h) is kind ‖ payload:
 *     P2PKH  'k' ‖ hash160          P2PK links here: 'k' ‖ hash160(pubkey)
 *     P2SH   's' ‖ hash160          P2WPKH 'w' ‖ 20-byte program
 *     P2WSH  'W' ‖ 32-byte program  P2TR  't' ‖ 32-byte program
 *     other witness v1..16: 'v' ‖ version ‖ program (2..40 bytes)
 *     bare multisig: 'm' ‖ sha256(script)   non-standard: 'n' ‖ sha256(script)
 *     OP_RETURN: no address (len 0)
 */
#ifndef FT_BTC_SCRIPT_H
#define FT_BTC_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/utxo.h"

typedef enum ft_btc_script_type {
    FT_BTC_NONSTANDARD = 0,
    FT_BTC_P2PK,
    FT_BTC_P2PKH,
    FT_BTC_P2SH,
    FT_BTC_P2WPKH,
    FT_BTC_P2WSH,
    FT_BTC_P2TR,
    FT_BTC_WITNESS_UNKNOWN,
    FT_BTC_MULTISIG,
    FT_BTC_NULLDATA,
    FT_BTC_SCRIPT_TYPE_COUNT
} ft_btc_script_type;

/* Classifies script and writes its address key (len 0 for OP_RETURN). Never fails. */
ft_btc_script_type ft_btc_script_classify(const uint8_t *script, size_t len, ft_addr_key *key);

/* Short name of a type: "p2pk", "p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr",
 * "witness_unknown", "multisig", "nulldata", "nonstandard". */
const char *ft_btc_script_type_name(ft_btc_script_type t);

#endif
