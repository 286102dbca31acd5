/*
 * address.c — EIP-55 checksummed Ethereum addresses (see address.h).
 *
 * EIP-55: take the lower-case hex of the 20 bytes, hash those 40 ASCII characters with
 * Keccak-256, and upper-case hex letter i when nibble i of the hash is 8 or more.
 */
#include "chains/ethereum/address.h"

#include <string.h>

#include "chains/ethereum/keccak.h"
#include "engine/hex.h"

#include "engine/banned.h"

void ft_eth_address_lower(char out[FT_ETH_ADDR_STR_MAX], const uint8_t a[FT_ETH_ADDR_LEN])
{
    out[0] = '0';
    out[1] = 'x';
    ft_hex_encode(out + 2, a, FT_ETH_ADDR_LEN);
}

void ft_eth_address_format(char out[FT_ETH_ADDR_STR_MAX], const uint8_t a[FT_ETH_ADDR_LEN])
{
    ft_eth_address_lower(out, a);
    uint8_t h[32];
    ft_eth_keccak256(h, out + 2, 40);
    for (int i = 0; i < 40; i++) {
        char c = out[2 + i];
        unsigned nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15u;
        if (c >= 'a' && c <= 'f' && nib >= 8)
            out[2 + i] = (char)(c - 'a' + 'A');
    }
}

ft_status ft_eth_address_parse(uint8_t out[FT_ETH_ADDR_LEN], const char *s, size_t len,
                               ft_err *err)
{
    memset(out, 0, FT_ETH_ADDR_LEN);
    const char *h = s;
    size_t hl = len;
    if (hl >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) {
        h += 2;
        hl -= 2;
    }
    if (hl != 40)
        return ft_err_set(err, FT_ERR_PARSE,
                          "'%.*s' is not an ethereum address (40 hex digits expected)",
                          (int)(len > 80 ? 80 : len), s);
    uint8_t a[FT_ETH_ADDR_LEN];
    if (!ft_hex_decode(a, sizeof a, h, hl))
        return ft_err_set(err, FT_ERR_PARSE, "'%.*s' is not an ethereum address (not hex)",
                          (int)len, s);
    int upper = 0, lower = 0;
    for (size_t i = 0; i < 40; i++) {
        if (h[i] >= 'a' && h[i] <= 'f')
            lower = 1;
        if (h[i] >= 'A' && h[i] <= 'F')
            upper = 1;
    }
    if (upper && lower) {
        char want[FT_ETH_ADDR_STR_MAX];
        ft_eth_address_format(want, a);
        if (memcmp(want + 2, h, 40) != 0)
            return ft_err_set(err, FT_ERR_PARSE,
                              "'%.*s' has a bad EIP-55 checksum (did you mean '%s'?)", (int)len,
                              s, want);
    }
    memcpy(out, a, FT_ETH_ADDR_LEN);
    return FT_OK;
}

void ft_eth_address_from_pubkey(uint8_t out[FT_ETH_ADDR_LEN], const uint8_t pub[64])
{
    uint8_t h[32];
    ft_eth_keccak256(h, pub, 64);
    memcpy(out, h + 12, FT_ETH_ADDR_LEN);
}
