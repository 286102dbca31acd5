/*
 * blkfiles.h — Bitcoin Core's block files (blocks/blk?????.dat) as a best chain of blocks.
 *
 *     file   = record* zero*                 (Core pre-allocates: zero bytes end the data)
 *     record = magic:4 size:u32le block:size (blocks in arrival order, not height order)
 *
 * Since Bitcoin Core 28 every byte of the folder's blk and rev files may be XORed with the
 * 8-byte key in blocks/xor.dat (byte at file offset o ^ key[o % 8]); an absent or all-zero key
 * means no obfuscation.
 *
 * ft_btc_blkfiles_open reads the framing of EVERY file and every block header before anyone
 * writes anything (so damage at the file level leaves an index untouched), checks each
 * header's proof of work against its own bits, builds the header tree (parents may come after
 * children), and picks the chain with the most cumulative work that starts at the network's
 * genesis (built in when the files do not hold it). Blocks off that chain (stale forks,
 * orphans whose parent is missing) are counted and ignored.
 *
 * Errors name the file and the record offset: an unknown magic, another network's magic
 * ("... holds regtest blocks; use --network regtest"), a size beyond the file or above
 * 4,000,000, a truncated record header, data after zero padding, a header failing its
 * proof of work. All are FT_ERR_PARSE (FT_ERR_LIMIT for the size limit); I/O is FT_ERR_IO.
 *
 * ft_btc_blkfiles_read may be called from several threads at once.
 */
#ifndef FT_BTC_BLKFILES_H
#define FT_BTC_BLKFILES_H

#include <stddef.h>
#include <stdint.h>

#include "chains/bitcoin/params.h"
#include "engine/status.h"

typedef struct ft_btc_blkfiles ft_btc_blkfiles;

typedef struct ft_btc_blkfiles_info {
    uint32_t n_files;      /* blk files found */
    uint64_t n_records;    /* block records read (duplicates included) */
    uint64_t n_duplicates; /* records of a block already seen */
    uint64_t n_off_chain;  /* distinct blocks not on the best chain (stale or orphan) */
    uint64_t bytes;        /* bytes of block data framed */
    int xor_obfuscated;    /* 1: a non-zero xor.dat key was applied */
    int genesis_built_in;  /* 1: the files do not hold the genesis block */
    uint32_t tip_height;   /* best chain */
} ft_btc_blkfiles_info;

/* Scans dir (blk files directly in it, else in dir/blocks) for network net. */
ft_status ft_btc_blkfiles_open(ft_btc_blkfiles **out, const char *dir, const ft_btc_params *net,
                               ft_err *err) FT_WARN_UNUSED;
void ft_btc_blkfiles_close(ft_btc_blkfiles *bf);

void ft_btc_blkfiles_get_info(const ft_btc_blkfiles *bf, ft_btc_blkfiles_info *info);

/* Height of the best chain's tip (0 when only the genesis is known). */
uint32_t ft_btc_blkfiles_tip(const ft_btc_blkfiles *bf);

/* Hash (internal order) of the best chain's block at height <= tip. */
const uint8_t *ft_btc_blkfiles_hash(const ft_btc_blkfiles *bf, uint32_t height);

/* Serialised size of the block at height (0 for height > tip). */
uint32_t ft_btc_blkfiles_size(const ft_btc_blkfiles *bf, uint32_t height);

/* Writes "'<path>' offset <n>" (the record's magic) or "the built-in genesis block" for the
 * block at height into out; returns out. */
const char *ft_btc_blkfiles_where(const ft_btc_blkfiles *bf, uint32_t height, char *out,
                                  size_t cap);

/* Reads the block at height <= tip into a malloc()ed buffer (de-obfuscated). Thread-safe. */
ft_status ft_btc_blkfiles_read(const ft_btc_blkfiles *bf, uint32_t height, uint8_t **data,
                               size_t *len, ft_err *err) FT_WARN_UNUSED;

#endif
