/*
 * block.h — Bitcoin blocks: the 80-byte header, the transactions, the merkle root check.
 *
 *     header = version:i32le prev:32 merkle:32 time:u32le bits:u32le nonce:u32le   (80 bytes)
 *     block  = header n_tx:compact tx*n_tx
 *
 * ft_btc_block_parse checks the merkle root of the txids against the header (a mismatch, or a
 * CVE-2012-2459 duplicated subtree, is FT_ERR_PARSE "merkle root mismatch"), that the first
 * tx and only the first is a coinbase, and that no bytes follow the last tx.
 */
#ifndef FT_BTC_BLOCK_H
#define FT_BTC_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "chains/bitcoin/tx.h"
#include "engine/arena.h"
#include "engine/status.h"

#define FT_BTC_HEADER_SIZE 80
/* Largest block we accept (4 MB weight limit means at most 4,000,000 bytes serialised). */
#define FT_BTC_MAX_BLOCK_SIZE 4000000u

typedef struct ft_btc_header {
    int32_t version;
    uint8_t prev[32];
    uint8_t merkle[32];
    uint32_t time;
    uint32_t bits;
    uint32_t nonce;
    uint8_t hash[32]; /* double SHA-256 of the 80 bytes, internal order */
} ft_btc_header;

typedef struct ft_btc_block {
    ft_btc_header header;
    uint32_t n_tx;
    ft_btc_tx *txs; /* from the arena */
    size_t size;    /* serialised size */
    ft_arena arena; /* owns txs and their input/output arrays */
} ft_btc_block;

/* Parses and hashes an 80-byte header. Returns FT_ERR_PARSE if len < 80. */
ft_status ft_btc_header_parse(ft_btc_header *h, const uint8_t *data, size_t len) FT_WARN_UNUSED;

/* Parses a whole block of exactly len bytes. data must outlive the block (zero-copy).
 * On failure *b holds nothing to release and err names the tx and offset. */
ft_status ft_btc_block_parse(ft_btc_block *b, const uint8_t *data, size_t len,
                             ft_err *err) FT_WARN_UNUSED;

/* Frees what the block owns. */
void ft_btc_block_release(ft_btc_block *b);

/* Proof-of-work of a header's compact target as a 256-bit big-endian number
 * (2^256 / (target+1)), for summing chain work. out is 32 bytes big-endian. */
void ft_btc_header_work(uint8_t out[32], uint32_t bits);

#endif
