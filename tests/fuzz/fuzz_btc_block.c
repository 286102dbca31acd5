/*
 * fuzz_btc_block.c — libFuzzer target for the block parser (block.c), the normaliser
 * (normalize.c) and the proof-of-work arithmetic.
 *
 * Properties: no read outside the input, no leak (a failed parse leaves nothing to release),
 * a failure comes with a message and an empty block; a parsed block has exactly one coinbase,
 * first, txs that tile the input after the header and count, and normalises into records with
 * the same counts. Random blocks almost never pass the merkle check, so the corpus holds real
 * blocks: mutations of their scripts and counts still exercise every tx path before the check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/block.h"
#include "chains/bitcoin/normalize.h"

#include "engine/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 4) {
        uint8_t work[32];
        uint32_t bits = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                        (uint32_t)data[3] << 24;
        ft_btc_header_work(work, bits);
    }
    ft_btc_block b;
    ft_err err = {0};
    if (ft_btc_block_parse(&b, data, size, &err) != FT_OK) {
        if (b.txs != NULL || b.n_tx != 0 || b.arena.head != NULL || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (b.size != size || b.n_tx == 0 || !ft_btc_tx_is_coinbase(&b.txs[0]))
        abort();
    const uint8_t *expect = b.txs[0].raw;
    for (uint32_t i = 0; i < b.n_tx; i++) {
        if (i > 0 && ft_btc_tx_is_coinbase(&b.txs[i]))
            abort();
        if (b.txs[i].raw != expect)
            abort();
        expect += b.txs[i].size;
    }
    if (expect != data + size)
        abort();
    ft_arena arena;
    ft_arena_init(&arena);
    ft_utxo_block u;
    if (ft_btc_block_normalize(&u, &b, 0, &arena, &err) != FT_OK || u.n_tx != b.n_tx ||
        !u.txs[0].coinbase)
        abort();
    for (uint32_t i = 0; i < u.n_tx; i++)
        if (u.txs[i].n_in != b.txs[i].n_in || u.txs[i].n_out != b.txs[i].n_out)
            abort();
    ft_arena_release(&arena);
    ft_btc_block_release(&b);
    return 0;
}
