/*
 * tx.h — Bitcoin transactions: parse (legacy and segwit), serialise, txid and wtxid.
 *
 * Parsing is zero-copy: scripts and witness stacks point into the caller's buffer, which must
 * outlive the parsed tx; the input and output arrays come from the caller's arena. Wire format
 * (BIP 144 for witness):
 *
 *     version:i32le [marker 0x00 flag 0x01] n_in:compact txin*n_in n_out:compact txout*n_out
 *     [witness stack per input] locktime:u32le
 *     txin  = prev_txid:32 prev_vout:u32le script_len:compact script sequence:u32le
 *     txout = value:i64le script_len:compact script
 *
 * The parser rejects: truncation, non-minimal CompactSize, counts larger than the bytes left
 * could hold (a txin is at least 41 bytes, a txout 9), an output value above 21e6 BTC, a
 * witness flag other than 1, a witness marker with no witness data, zero inputs.
 */
#ifndef FT_BTC_TX_H
#define FT_BTC_TX_H

#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/buf.h"
#include "engine/reader.h"
#include "engine/status.h"

typedef struct ft_btc_txin {
    uint8_t prev_txid[32]; /* internal byte order */
    uint32_t prev_vout;
    const uint8_t *script;
    size_t script_len;
    uint32_t sequence;
    uint64_t witness_items;  /* number of witness stack items (0 without witness) */
    const uint8_t *witness;  /* the serialised stack items (each compact length + bytes) */
    size_t witness_len;
} ft_btc_txin;

typedef struct ft_btc_txout {
    uint64_t value; /* satoshi */
    const uint8_t *script;
    size_t script_len;
} ft_btc_txout;

typedef struct ft_btc_tx {
    int32_t version;
    uint32_t locktime;
    uint32_t n_in;
    uint32_t n_out;
    ft_btc_txin *in;
    ft_btc_txout *out;
    int has_witness;
    uint8_t txid[32];  /* internal byte order */
    uint8_t wtxid[32]; /* equals txid without witness */
    size_t size;       /* serialised size with witness */
    size_t base_size;  /* serialised size without witness */
    const uint8_t *raw; /* the serialised bytes inside the caller's buffer */
} ft_btc_tx;

/* Parses one transaction at the reader's position and computes txid and wtxid.
 * Returns FT_OK, or FT_ERR_PARSE (err says what and at which offset) with *tx zeroed. */
ft_status ft_btc_tx_parse(ft_btc_tx *tx, ft_reader *r, ft_arena *arena, ft_err *err) FT_WARN_UNUSED;

/* Appends the serialisation of tx (with its witness when with_witness and tx has one). */
void ft_btc_tx_serialize(ft_buf *out, const ft_btc_tx *tx, int with_witness);

/* 1 if tx is a coinbase: one input spending the null outpoint (zero txid, vout 0xffffffff). */
int ft_btc_tx_is_coinbase(const ft_btc_tx *tx);

#endif
