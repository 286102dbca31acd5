/*
 * blockwriter.h — assembles blocks around the generator's transactions and appends them to
 * Bitcoin Core block files (blocks/blk00000.dat, … with the network magic and a 4-byte size
 * before each block, a new file when 128 MiB would be passed).
 *
 *     open → (begin → add_tx* → finish)* → close
 *
 * finish builds the coinbase (BIP34 height, subsidy + fees to one script, BIP141 witness
 * commitment and reserved value when a tx of the block has a witness), the merkle root, and
 * grinds the nonce until the header hash meets the regtest target of bits 0x207fffff.
 */
#ifndef FT_GEN_BLOCKWRITER_H
#define FT_GEN_BLOCKWRITER_H

#include <stdint.h>
#include <stdio.h>

#include "chains/bitcoin/params.h"
#include "datasets/gen/txbuild.h"
#include "engine/buf.h"
#include "engine/hash.h"
#include "engine/status.h"

#define FT_GEN_BLOCKFILE_MAX (128u * 1024u * 1024u) /* Bitcoin Core's MAX_BLOCKFILE_SIZE */
#define FT_GEN_MAX_WEIGHT 4000000u
#define FT_GEN_MAX_SIGOPS_COST 80000u
#define FT_GEN_REGTEST_BITS 0x207fffffu
#define FT_GEN_COINBASE_RESERVE 4000u /* weight kept free for the header and the coinbase */

typedef struct ft_gen_blockwriter {
    char dir[4096]; /* the blocks/ directory */
    FILE *f;
    int file_no;
    uint64_t file_pos;
    uint8_t magic[4];
    uint32_t halving; /* subsidy halving interval (150 on regtest) */
    ft_sha256_ctx digest; /* over every byte written, for the manifest */

    uint8_t tip[32]; /* hash of the last block written */
    uint32_t tip_height;

    /* The open block. */
    uint32_t height;
    uint32_t time;
    int32_t version;
    ft_buf body; /* serialised non-coinbase transactions */
    uint8_t (*ids)[32]; /* txids; slot 0 is the coinbase's */
    uint8_t (*wids)[32]; /* wtxids; slot 0 zero */
    size_t n_tx, cap_tx; /* including the coinbase slot */
    uint64_t fees;
    size_t weight;
    uint32_t sigops;
    int witness;

    ft_buf scratch, cb;

    /* Totals. */
    uint64_t blocks;
    uint64_t txs;
    uint64_t bytes;
} ft_gen_blockwriter;

/* Creates dir (must not hold block files yet) and writes the network's genesis block as the
 * first block of blk00000.dat, as Bitcoin Core does. */
ft_status ft_gen_blockwriter_open(ft_gen_blockwriter *bw, const char *dir, const ft_btc_params *net,
                                  uint32_t halving, ft_err *err) FT_WARN_UNUSED;

/* Starts block `height` (tip_height + 1) with header time and version. */
void ft_gen_blockwriter_begin(ft_gen_blockwriter *bw, uint32_t time, int32_t version);

/* 1 if a tx of this weight and sigop cost still fits in the open block. */
int ft_gen_blockwriter_fits(const ft_gen_blockwriter *bw, size_t weight, uint32_t sigops);

/* Legacy sigop cost of a tx as Bitcoin Core counts it (P2PKH outputs 4 each, P2WPKH
 * inputs 1 each). */
uint32_t ft_gen_tx_sigops(const ft_gen_tx *tx);

/* Appends a finalized (signed, ft_gen_tx_finalize) tx paying fee. */
ft_status ft_gen_blockwriter_add(ft_gen_blockwriter *bw, const ft_gen_tx *tx, uint64_t fee,
                                 ft_err *err) FT_WARN_UNUSED;

/* The block subsidy at a height (50 BTC halved every `halving` blocks). */
uint64_t ft_gen_subsidy(uint32_t height, uint32_t halving);

/* Closes the open block: coinbase paying subsidy + fees to script, merkle root, nonce, write.
 * Writes the coinbase txid and its output value (may be NULL). */
ft_status ft_gen_blockwriter_finish(ft_gen_blockwriter *bw, const uint8_t *script, size_t script_len,
                                    uint8_t cb_txid[32], uint64_t *cb_value,
                                    ft_err *err) FT_WARN_UNUSED;

/* Flushes and closes the current file; the digest of all bytes goes to digest (may be NULL). */
ft_status ft_gen_blockwriter_close(ft_gen_blockwriter *bw, uint8_t digest[32],
                                   ft_err *err) FT_WARN_UNUSED;

/* Frees memory (also after a failure). */
void ft_gen_blockwriter_release(ft_gen_blockwriter *bw);

#endif
