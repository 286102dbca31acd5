/*
 * fuzz_store_records.c — libFuzzer target for the decoders of the store's own records
 * (STYLE.md: values read back from our own LevelDB are untrusted too): the UTXO chain, block
 * and tx records (engine/query.c), the account block, tx and transfer rows (engine/account.c)
 * and the label records (engine/labels.c).
 *
 * Byte 0 picks the decoder, bytes 1..8 are a tx id or index (little-endian) where the decoder
 * takes one, the rest is the value (for labels: key and value, byte 1 giving the key's length).
 * Properties (abort on violation): no read outside the value and no leak (ASan); a failure
 * has a message (the ft_status decoders); a decoded tx record has arrays for its counts (none
 * for a coinbase's inputs), all readable; a decoded transfer row has a kind, sub-kind and
 * flags in range and a trace address of its depth; a decoded label has a category among the
 * nine, a confidence 0..100 or none, and bounded strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/account.h"
#include "engine/labels.h"
#include "engine/query.h"

#include "engine/banned.h"

static volatile uint64_t sink;

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9)
        return 0;
    uint64_t id = le64(data + 1);
    const uint8_t *v = data + 9;
    size_t n = size - 9;
    ft_err err;
    ft_err_clear(&err);
    switch (data[0] % 7) {
    case 0: {
        ft_query_chainrec c;
        if (ft_query_chainrec_decode(&c, v, n, &err) != FT_OK && err.msg[0] == '\0')
            abort();
        break;
    }
    case 1: {
        ft_query_blockrec b;
        if (ft_query_blockrec_decode(&b, v, n, &err) != FT_OK && err.msg[0] == '\0')
            abort();
        break;
    }
    case 2: {
        ft_query_txrec t;
        memset(&t, 0, sizeof t);
        if (ft_query_txrec_decode(&t, id, v, n, &err) != FT_OK) {
            if (err.msg[0] == '\0')
                abort();
            break;
        }
        if (t.coinbase ? t.in != NULL : (t.n_in && !t.in))
            abort();
        if (t.n_out && !t.out)
            abort();
        for (uint32_t i = 0; t.in && i < t.n_in; i++)
            sink += t.in[i].value + t.in[i].prev_vout;
        for (uint32_t i = 0; i < t.n_out; i++)
            sink += t.out[i].value + t.out[i].script_type;
        ft_query_txrec_release(&t);
        break;
    }
    case 3: {
        ft_account_block b;
        memset(&b, 0, sizeof b);
        (void)ft_account_block_decode(&b, (uint32_t)id, v, n);
        break;
    }
    case 4: {
        ft_account_tx t;
        memset(&t, 0, sizeof t);
        (void)ft_account_tx_decode(&t, (uint32_t)id, v, n);
        break;
    }
    case 5: {
        ft_account_xfer x;
        memset(&x, 0, sizeof x);
        if (ft_account_xfer_decode(&x, v, n)) {
            if (x.kind > FT_XFER_REWARD || x.sub >= FT_XSUB_COUNT ||
                (x.flags & ~FT_XFER_FLAGS_MASK) != 0 || (x.depth > 0 && !x.trace_addr))
                abort();
            for (uint32_t k = 0; k < x.depth; k++)
                sink += x.trace_addr[k];
            free(x.trace_addr);
        }
        break;
    }
    default: {
        size_t cut = data[1] % (n + 1); /* the key's length, from byte 1 */
        ft_label l;
        if (ft_labels_decode(&l, v, cut, v + cut, n - cut, &err) == FT_OK) {
            if (l.category >= FT_CAT_COUNT || l.addr.len == 0 || l.addr.len > FT_ADDR_KEY_MAX ||
                (l.confidence > 100 && l.confidence != FT_LABEL_NO_CONFIDENCE) ||
                strnlen(l.entity, sizeof l.entity) >= sizeof l.entity ||
                strnlen(l.source, sizeof l.source) >= sizeof l.source)
                abort();
        } else if (err.msg[0] == '\0') {
            abort();
        }
        break;
    }
    }
    return 0;
}
