/*
 * normalize.c — a parsed Bitcoin block to chain-neutral UTXO records (see normalize.h).
 *
 * One pass over the block: per tx, the txid, the coinbase flag (only the first tx of a block
 * can be one: block.c checks that), the outpoints of its inputs and, per output, the value,
 * the script type (ft_btc_script_type as a byte) and the address key from
 * ft_btc_script_classify. All arrays come from the caller's arena: three allocations per
 * block (txs, all inputs, all outputs), none per tx. The block time is the header's.
 */
#include "chains/bitcoin/normalize.h"

#include <string.h>

#include "chains/bitcoin/script.h"
#include "engine/hex.h"

#include "engine/banned.h"

ft_status ft_btc_block_normalize(ft_utxo_block *out, const ft_btc_block *b, uint32_t height,
                                 ft_arena *arena, ft_err *err)
{
    memset(out, 0, sizeof *out);
    uint64_t total_in = 0, total_out = 0;
    for (uint32_t i = 0; i < b->n_tx; i++) {
        total_in += b->txs[i].n_in;
        total_out += b->txs[i].n_out;
    }
    ft_utxo_tx *txs = ft_arena_calloc(arena, b->n_tx ? b->n_tx : 1, sizeof *txs);
    ft_utxo_in *ins = ft_arena_calloc(arena, total_in ? total_in : 1, sizeof *ins);
    ft_utxo_out *outs = ft_arena_calloc(arena, total_out ? total_out : 1, sizeof *outs);
    if (!txs || !ins || !outs) {
        char hash[65];
        ft_hex_encode_rev(hash, b->header.hash, 32);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory normalising block %s", hash);
    }
    ft_utxo_in *in = ins;
    ft_utxo_out *o = outs;
    for (uint32_t i = 0; i < b->n_tx; i++) {
        const ft_btc_tx *tx = &b->txs[i];
        ft_utxo_tx *t = &txs[i];
        memcpy(t->txid, tx->txid, 32);
        t->coinbase = i == 0 && ft_btc_tx_is_coinbase(tx);
        t->n_in = tx->n_in;
        t->n_out = tx->n_out;
        t->in = in;
        t->out = o;
        for (uint32_t k = 0; k < tx->n_in; k++, in++) {
            memcpy(in->prev_txid, tx->in[k].prev_txid, 32);
            in->prev_vout = tx->in[k].prev_vout;
        }
        for (uint32_t k = 0; k < tx->n_out; k++, o++) {
            o->value = tx->out[k].value;
            o->script_type = (uint8_t)ft_btc_script_classify(tx->out[k].script,
                                                             tx->out[k].script_len, &o->addr);
        }
    }
    memcpy(out->hash, b->header.hash, 32);
    memcpy(out->prev, b->header.prev, 32);
    out->height = height;
    out->time = (int64_t)b->header.time;
    out->n_tx = b->n_tx;
    out->txs = txs;
    return FT_OK;
}
