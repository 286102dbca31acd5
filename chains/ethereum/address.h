/*
 * address.h — Ethereum addresses: 20 bytes, shown with the EIP-55 mixed-case checksum.
 *
 * Input in any case is accepted: all lower or all upper case as is; mixed case must carry a
 * correct EIP-55 checksum (a mistyped address is caught rather than silently looked up).
 */
#ifndef FT_ETH_ADDRESS_H
#define FT_ETH_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

#define FT_ETH_ADDR_LEN 20
#define FT_ETH_ADDR_STR_MAX 43 /* "0x" + 40 + NUL */

/* Parses "0x" + 40 hex digits (the 0x may be omitted). FT_ERR_PARSE with err set on a wrong
 * length, a non-hex digit or a bad EIP-55 checksum in mixed case. */
ft_status ft_eth_address_parse(uint8_t out[FT_ETH_ADDR_LEN], const char *s, size_t len,
                               ft_err *err) FT_WARN_UNUSED;

/* EIP-55 checksummed text. */
void ft_eth_address_format(char out[FT_ETH_ADDR_STR_MAX], const uint8_t a[FT_ETH_ADDR_LEN]);
/* All lower case (ethereum-etl's form). */
void ft_eth_address_lower(char out[FT_ETH_ADDR_STR_MAX], const uint8_t a[FT_ETH_ADDR_LEN]);

/* The address of an uncompressed secp256k1 public key (64 bytes X ‖ Y, no 0x04 prefix):
 * the last 20 bytes of its Keccak-256. */
void ft_eth_address_from_pubkey(uint8_t out[FT_ETH_ADDR_LEN], const uint8_t pub[64]);

#endif
