/*
 * rlp.h — Recursive Length Prefix (Ethereum yellow paper, appendix B): a bounded decoder on
 * ft_reader and the few encoders the signing hashes need.
 *
 *     0x00..0x7f          the byte itself (a 1-byte string)
 *     0x80+n   (n<=55)    string of n bytes
 *     0xb7+k ‖ len:k      string of len bytes (len > 55, k <= 8, no leading zero byte)
 *     0xc0+n   (n<=55)    list whose items take n bytes
 *     0xf7+k ‖ len:k      list of len bytes (len > 55)
 *
 * Only canonical encodings are accepted (what every client enforces for transactions): a
 * single byte below 0x80 must stand alone, a short length must use the short form, a long
 * length has no leading zero. Lengths are checked against the bytes left before any use.
 */
#ifndef FT_ETH_RLP_H
#define FT_ETH_RLP_H

#include <stddef.h>
#include <stdint.h>

#include "engine/buf.h"
#include "engine/reader.h"
#include "engine/status.h"
#include "engine/u256.h"

typedef struct ft_eth_rlp_item {
    int list;            /* 1: a list (data = its items' encodings), 0: a byte string */
    const uint8_t *data; /* payload */
    size_t len;
    const uint8_t *raw;  /* the whole encoding, header included */
    size_t raw_len;
} ft_eth_rlp_item;

/* Reads one item at the reader's position. 1 on success; 0 (reader failed) when the header
 * is not canonical or the payload does not fit. */
int ft_eth_rlp_next(ft_reader *r, ft_eth_rlp_item *it) FT_WARN_UNUSED;

/* A string item as an unsigned integer: at most 32 bytes, no leading zero byte (canonical
 * scalar). 1 on success. */
int ft_eth_rlp_u256(const ft_eth_rlp_item *it, ft_u256 *out) FT_WARN_UNUSED;
int ft_eth_rlp_u64(const ft_eth_rlp_item *it, uint64_t *out) FT_WARN_UNUSED;

/* Encoders (append to b; failures show in b->failed). */
void ft_eth_rlp_put_header(ft_buf *b, int list, size_t payload_len);
void ft_eth_rlp_put_bytes(ft_buf *b, const uint8_t *data, size_t len);
void ft_eth_rlp_put_u256(ft_buf *b, const ft_u256 *v);
void ft_eth_rlp_put_u64(ft_buf *b, uint64_t v);

#endif
