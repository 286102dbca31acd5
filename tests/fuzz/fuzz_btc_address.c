/*
 * fuzz_btc_address.c — libFuzzer target for address text parsing (address.c): base58check,
 * bech32/bech32m, segwit and the "multisig:"/"nonstandard:" forms, on every network.
 *
 * The input is taken as text (cut at the first NUL, at most 256 bytes). Properties: no read
 * outside the text; whatever decodes re-encodes to the same text (exactly for base58, up to
 * case for bech32 and hex) and decodes back to the same key; generic bech32 strings re-encode
 * to themselves up to case; base58check payloads re-encode exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chains/bitcoin/address.h"

#include "engine/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[257];
    size_t n = size < 256 ? size : 256;
    memcpy(text, data, n);
    text[n] = '\0';

    for (int i = 0; i < FT_BTC_NETWORK_COUNT; i++) {
        const ft_btc_params *net = ft_btc_params_get((ft_btc_network)i);
        ft_addr_key key, back;
        ft_err err = {0};
        if (ft_btc_address_decode(&key, text, net, &err) != FT_OK) {
            if (key.len != 0 || err.msg[0] == '\0')
                abort();
            continue;
        }
        char out[FT_BTC_ADDR_STR_MAX];
        if (ft_btc_address_encode(out, &key, net) != FT_OK)
            abort();
        int base58 = key.bytes[0] == 'k' || key.bytes[0] == 's';
        if (base58 ? strcmp(out, text) != 0 : strcasecmp(out, text) != 0)
            abort();
        if (ft_btc_address_decode(&back, out, net, &err) != FT_OK || back.len != key.len ||
            memcmp(back.bytes, key.bytes, key.len) != 0)
            abort();
    }

    char hrp[91], re[91];
    uint8_t values[90];
    size_t dl;
    int variant = ft_bech32_decode(hrp, sizeof hrp, values, sizeof values, &dl, text);
    if (variant) {
        if (!ft_bech32_encode(re, sizeof re, hrp, values, dl, variant) || strcasecmp(re, text) != 0)
            abort();
    }

    uint8_t payload[128];
    int pl = ft_base58check_decode(payload, sizeof payload, text);
    if (pl >= 0) {
        char b58[2 * 128 + 8];
        ft_base58check_encode(b58, payload, (size_t)pl);
        if (strcmp(b58, text) != 0)
            abort();
    }
    return 0;
}
