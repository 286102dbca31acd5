/*
 * fuzz_btc_blkfiles.c — libFuzzer target for Bitcoin Core's block-file framing
 * (chains/bitcoin/blkfiles.c): magic and size records, zero padding, the xor.dat key, the
 * header tree and best-chain choice, and reading blocks back.
 *
 * The input is a set of files in the "@@ NAME" format of fuzz_util.h (bytes before the first
 * "@@ " line are blk00000.dat): blk00000.dat .. blk00002.dat and xor.dat, written to a fresh
 * directory and opened for the network whose magic starts the first file (main net when none
 * does), so that regtest's easy proof of work lets mutated headers through.
 * Properties (abort on violation): no read outside any buffer and no leak (ASan); a failure
 * has a message and no handle; on success every height up to the tip reads back as exactly
 * ft_btc_blkfiles_size bytes, the info counts are consistent (records = distinct blocks +
 * duplicates, files as written), and a block that parses (merkle root included) has the hash
 * the chain lists at its height and, above 0, the previous height's hash as its parent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/blkfiles.h"
#include "chains/bitcoin/block.h"
#include "chains/bitcoin/params.h"
#include "tests/fuzz/fuzz_util.h"

#include "engine/banned.h"

static const char *const file_names[] = {"blk00000.dat", "blk00001.dat", "blk00002.dat", "xor.dat"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[4200];
    ft_fuzz_subdir(dir, sizeof dir, "blocks");
    int n_files = 0;
    (void)ft_fuzz_write_files(dir, data, size, file_names,
                              sizeof file_names / sizeof file_names[0]);
    for (int i = 0; i < 3; i++) {
        char path[4352];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, file_names[i]);
        n_files += stat(path, &sb) == 0;
    }
    const ft_btc_params *net = size >= 4 ? ft_btc_params_by_magic(data) : NULL;
    if (!net)
        net = ft_btc_params_get(FT_BTC_MAIN);

    ft_btc_blkfiles *bf = NULL;
    ft_err err;
    ft_err_clear(&err);
    if (ft_btc_blkfiles_open(&bf, dir, net, &err) != FT_OK) {
        if (bf != NULL || err.msg[0] == '\0')
            abort();
        ft_fuzz_rmtree(dir);
        return 0;
    }
    ft_btc_blkfiles_info info;
    ft_btc_blkfiles_get_info(bf, &info);
    uint32_t tip = ft_btc_blkfiles_tip(bf);
    if (info.tip_height != tip || info.n_files != (uint32_t)n_files ||
        info.n_duplicates > info.n_records)
        abort();
    /* every block on the chain came from a record, or is the built-in genesis */
    if ((uint64_t)tip + 1 > info.n_records - info.n_duplicates + (info.genesis_built_in ? 1 : 0))
        abort();
    for (uint32_t h = 0; h <= tip; h++) {
        uint8_t *blk = NULL;
        size_t len = 0;
        char where[4400];
        ft_btc_blkfiles_where(bf, h, where, sizeof where);
        if (where[0] == '\0')
            abort();
        if (ft_btc_blkfiles_read(bf, h, &blk, &len, &err) != FT_OK) {
            if (blk != NULL || err.msg[0] == '\0')
                abort();
            continue;
        }
        if (len != ft_btc_blkfiles_size(bf, h) || len < 80)
            abort();
        ft_btc_header hd;
        if (ft_btc_header_parse(&hd, blk, len) != FT_OK ||
            memcmp(hd.hash, ft_btc_blkfiles_hash(bf, h), 32) != 0)
            abort(); /* the header was checked at open: it reads back the same */
        if (h > 0 && memcmp(hd.prev, ft_btc_blkfiles_hash(bf, h - 1), 32) != 0)
            abort();
        ft_btc_block b;
        if (ft_btc_block_parse(&b, blk, len, &err) == FT_OK)
            ft_btc_block_release(&b);
        free(blk);
    }
    ft_btc_blkfiles_close(bf);
    ft_fuzz_rmtree(dir);
    return 0;
}
