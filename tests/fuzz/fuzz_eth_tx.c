/*
 * fuzz_eth_tx.c — libFuzzer target for the RLP decoder (rlp.c) and the signed-transaction
 * decoder (txdecode.c).
 *
 * Properties checked (abort on violation):
 *  - decoding never reads outside the input (ASan) and a failure leaves a message;
 *  - a decoded tx's hash is the Keccak-256 of the input, and decoding the same bytes again
 *    gives the same hash and signing hash (no hidden state);
 *  - every RLP item the reader returns lies inside the input, and walking the input item by
 *    item never loops: each item consumes at least one byte.
 * Sender recovery runs on every decoded tx (it may fail, never crash).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/keccak.h"
#include "chains/ethereum/rlp.h"
#include "chains/ethereum/txdecode.h"

#include "engine/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ft_reader r;
    ft_reader_init(&r, data, size);
    while (r.left > 0) {
        size_t before = r.left;
        ft_eth_rlp_item it;
        if (!ft_eth_rlp_next(&r, &it))
            break;
        if (r.left >= before || it.raw < data || it.raw + it.raw_len > data + size ||
            (it.len && (it.data < data || it.data + it.len > data + size)))
            abort();
    }
    ft_eth_txdec a, b;
    ft_err err;
    err.msg[0] = '\0';
    if (ft_eth_tx_decode(&a, data, size, &err) != FT_OK) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    uint8_t h[32], from[20];
    ft_eth_keccak256(h, data, size);
    if (memcmp(h, a.hash, 32) != 0)
        abort();
    if (ft_eth_tx_decode(&b, data, size, NULL) != FT_OK || memcmp(a.hash, b.hash, 32) != 0 ||
        memcmp(a.sighash, b.sighash, 32) != 0)
        abort();
    if (ft_eth_tx_sender(from, &a, NULL) == FT_OK && size == 0)
        abort(); /* unreachable: an empty input never decodes */
    return 0;
}
