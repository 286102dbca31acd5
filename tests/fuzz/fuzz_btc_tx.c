/*
 * fuzz_btc_tx.c — libFuzzer target for the transaction parser (tx.c) and the script
 * classifier and address encoder behind it (script.c, address.c).
 *
 * Properties checked (abort on violation, so the fuzzer reports it):
 *  - parsing never reads outside the input (ASan) and fails with *tx zeroed and a message;
 *  - a parsed tx re-serialises to exactly the bytes it was parsed from (parse→serialize
 *    identity), and those bytes parse again to the same txid, wtxid and sizes;
 *  - the stripped serialisation (no witness) has base_size bytes, parses as a tx without
 *    witness and gives the same txid;
 *  - every output script classifies, and a key with a text form encodes and decodes back to
 *    the same key on main net.
 * The whole input is also classified as one script, so script.c sees arbitrary bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/address.h"
#include "chains/bitcoin/script.h"
#include "chains/bitcoin/tx.h"
#include "engine/buf.h"

#include "engine/banned.h"

static void check_key(const ft_addr_key *key)
{
    if (key->len == 0)
        return;
    const ft_btc_params *net = ft_btc_params_get(FT_BTC_MAIN);
    char text[FT_BTC_ADDR_STR_MAX];
    if (ft_btc_address_encode(text, key, net) != FT_OK)
        abort(); /* every key the classifier makes has a text form */
    ft_addr_key back;
    ft_err err = {0};
    if (ft_btc_address_decode(&back, text, net, &err) != FT_OK || back.len != key->len ||
        memcmp(back.bytes, key->bytes, key->len) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ft_addr_key key;
    ft_btc_script_classify(data, size, &key);
    check_key(&key);

    ft_arena arena;
    ft_arena_init(&arena);
    ft_reader r;
    ft_btc_tx tx;
    ft_err err = {0};
    ft_reader_init(&r, data, size);
    if (ft_btc_tx_parse(&tx, &r, &arena, &err) != FT_OK) {
        static const ft_btc_tx zero;
        if (memcmp(&tx, &zero, sizeof tx) != 0 || err.msg[0] == '\0')
            abort();
        ft_arena_release(&arena);
        return 0;
    }
    if (tx.raw != data || tx.size != size - r.left || tx.base_size > tx.size)
        abort();

    ft_buf buf;
    ft_buf_init(&buf);
    ft_btc_tx_serialize(&buf, &tx, 1);
    if (buf.failed || buf.len != tx.size || memcmp(buf.data, data, tx.size) != 0)
        abort();
    ft_btc_tx again;
    ft_reader_init(&r, buf.data, buf.len);
    if (ft_btc_tx_parse(&again, &r, &arena, &err) != FT_OK || r.left != 0 ||
        memcmp(again.txid, tx.txid, 32) != 0 || memcmp(again.wtxid, tx.wtxid, 32) != 0 ||
        again.size != tx.size || again.base_size != tx.base_size)
        abort();

    ft_buf_reset(&buf);
    ft_btc_tx_serialize(&buf, &tx, 0);
    if (buf.len != tx.base_size)
        abort();
    ft_reader_init(&r, buf.data, buf.len);
    if (ft_btc_tx_parse(&again, &r, &arena, &err) != FT_OK || r.left != 0 || again.has_witness ||
        memcmp(again.txid, tx.txid, 32) != 0)
        abort();
    ft_buf_release(&buf);

    for (uint32_t i = 0; i < tx.n_out; i++) {
        ft_btc_script_classify(tx.out[i].script, tx.out[i].script_len, &key);
        check_key(&key);
    }
    ft_arena_release(&arena);
    return 0;
}
