/*
 * btc_test_data.h — loading the real mainnet blocks of /work/shared/data/btc_blocks for the
 * Bitcoin unit tests: raw files, hex text files and blk-file framing (magic, LE size, block).
 * Header-only (static functions) so that each test executable stays one file.
 */
#ifndef FT_BTC_TEST_DATA_H
#define FT_BTC_TEST_DATA_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/hex.h"
#include "engine/reader.h"
#include "tests/unit/ft_test.h"

#define BTC_DATA_DIR "data/btc_blocks/"

typedef struct btc_raw_block {
    uint8_t *data; /* malloc()ed; one buffer per block */
    size_t len;
} btc_raw_block;

/* Splits a blk file into its framed blocks; returns the count, *out malloc()ed (each block
 * copied into its own buffer so ASan catches any read past its end). */
static inline size_t btc_test_split_blk(const uint8_t *file, size_t len, btc_raw_block **out)
{
    size_t n = 0, cap = 0, off = 0;
    btc_raw_block *v = NULL;
    while (off + 8 <= len) {
        if (file[off] == 0 && file[off + 1] == 0 && file[off + 2] == 0 && file[off + 3] == 0)
            break; /* Core pre-allocates blk files with zeros */
        uint32_t size = ft_get_u32le(file + off + 4);
        if (size > len - off - 8) {
            fprintf(stderr, "blk record at %zu runs past the file\n", off);
            exit(1);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = realloc(v, cap * sizeof *v);
        }
        v[n].data = malloc(size ? size : 1);
        memcpy(v[n].data, file + off + 8, size);
        v[n].len = size;
        n++;
        off += 8 + (size_t)size;
    }
    *out = v;
    return n;
}

/* Loads every block of a file of the data set ("x.raw", "x.hex", "x.blk.dat"). */
static inline size_t btc_test_load(const char *name, btc_raw_block **out)
{
    char rel[512];
    snprintf(rel, sizeof rel, BTC_DATA_DIR "%s", name);
    size_t len;
    uint8_t *file = ft_test_read(ft_test_path("shared", rel), &len);
    size_t n;
    size_t nl = strlen(name);
    if (nl > 8 && strcmp(name + nl - 8, ".blk.dat") == 0) {
        n = btc_test_split_blk(file, len, out);
        free(file);
    } else if (nl > 4 && strcmp(name + nl - 4, ".hex") == 0) {
        *out = malloc(sizeof **out);
        if (ft_hex_decode_alloc(&(*out)->data, &(*out)->len, (const char *)file, len) != FT_OK) {
            fprintf(stderr, "bad hex in '%s'\n", name);
            exit(1);
        }
        free(file);
        n = 1;
    } else {
        *out = malloc(sizeof **out);
        (*out)->data = file;
        (*out)->len = len;
        n = 1;
    }
    return n;
}

static inline void btc_test_free(btc_raw_block *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].data);
    free(v);
}

#define BTC_FILE_413567 "block413567.raw"
#define BTC_FILE_702861                                                                            \
    "mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw"
#define BTC_FILE_277647 "btcd_block277647.blk.dat"
#define BTC_FILE_1_255 "btcd_blocks1-256.blk.dat"
#define BTC_FILE_100K "rustbitcoin_block_0000000000013b8a.hex"

#endif
