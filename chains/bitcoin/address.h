/*
 * address.h — address keys to text and back: base58check (P2PKH, P2SH), bech32 (BIP 173,
 * witness v0) and bech32m (BIP 350, witness v1+), for a network's prefixes and HRP.
 * Keys without a standard text form print as "multisig:<hex>" and "nonstandard:<hex>" (the
 * hex of the script's SHA-256) and are accepted back in that form.
 */
#ifndef FT_BTC_ADDRESS_H
#define FT_BTC_ADDRESS_H

#include <stddef.h>

#include "chains/bitcoin/params.h"
#include "engine/status.h"
#include "engine/utxo.h"

/* Longest text: "nonstandard:" + 64 hex digits, or a 90-character bech32 string. */
#define FT_BTC_ADDR_STR_MAX 100

/* Writes key's text form for net into out (FT_BTC_ADDR_STR_MAX bytes). Returns FT_ERR_ARG for
 * a key with no text form (len 0). */
ft_status ft_btc_address_encode(char *out, const ft_addr_key *key,
                                const ft_btc_params *net) FT_WARN_UNUSED;

/* Parses an address for net. Checksums are verified; bech32 vs bech32m must match the witness
 * version; a mixed-case bech32 string is rejected. Returns FT_ERR_PARSE with err set. */
ft_status ft_btc_address_decode(ft_addr_key *key, const char *text, const ft_btc_params *net,
                                ft_err *err) FT_WARN_UNUSED;

/* Generic codecs, exposed for tests and the generator. */
/* base58check of payload (version byte included by the caller). out: at least 2*len+8 bytes.
 */
void ft_base58check_encode(char *out, const uint8_t *payload, size_t len);
/* Returns the decoded length (without the 4-byte checksum), or -1 on a bad character or
 * checksum, or if more than cap bytes would be needed. */
int ft_base58check_decode(uint8_t *out, size_t cap, const char *text) FT_WARN_UNUSED;
/* Segwit address of (hrp, version, program); bech32 for v0, bech32m for v1+. Returns 0 on
 * a program length invalid for the version. */
int ft_segwit_encode(char *out, const char *hrp, int version, const uint8_t *prog,
                     size_t prog_len) FT_WARN_UNUSED;
/* Returns the program length, or -1. *version gets the witness version. */
int ft_segwit_decode(int *version, uint8_t *prog, size_t cap, const char *hrp,
                     const char *text) FT_WARN_UNUSED;

/* Generic bech32 strings (BIP 173) and bech32m (BIP 350), below the segwit layer. */
#define FT_BECH32 1
#define FT_BECH32M 2
/* Writes hrp '1' data(5-bit values) checksum into out (out_cap bytes, at most 90 characters
 * plus NUL); hrp must be lowercase. Returns 1, or 0 if it does not fit or a value is > 31. */
int ft_bech32_encode(char *out, size_t out_cap, const char *hrp, const uint8_t *data,
                     size_t data_len, int variant) FT_WARN_UNUSED;
/* Decodes a bech32 or bech32m string: returns FT_BECH32 or FT_BECH32M, the lowercase hrp in
 * hrp (hrp_cap bytes) and the 5-bit data values without the checksum in data (*data_len);
 * 0 if the string is neither (length, characters, mixed case, checksum). */
int ft_bech32_decode(char *hrp, size_t hrp_cap, uint8_t *data, size_t data_cap,
                     size_t *data_len, const char *text) FT_WARN_UNUSED;

#endif
