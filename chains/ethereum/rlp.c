/*
 * rlp.c — RLP decoding on ft_reader and encoding into ft_buf (see rlp.h for the grammar).
 *
 * The decoder reads a header, derives the payload length, and takes the payload with
 * ft_reader_ptr, so a length that lies about the bytes left fails before any access. It
 * never recurses: callers open a list by starting a new reader over the item's payload.
 */
#include "chains/ethereum/rlp.h"

#include <string.h>

#include "engine/banned.h"

static int read_len(ft_reader *r, unsigned k, size_t *out)
{
    if (k == 0 || k > 8) {
        ft_reader_fail(r);
        return 0;
    }
    const uint8_t *p = ft_reader_ptr(r, k);
    if (!p)
        return 0;
    if (p[0] == 0) { /* leading zero: not canonical */
        ft_reader_fail(r);
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < k; i++)
        v = (v << 8) | p[i];
    if (v <= 55 || v > (uint64_t)SIZE_MAX) {
        ft_reader_fail(r);
        return 0;
    }
    *out = (size_t)v;
    return 1;
}

int ft_eth_rlp_next(ft_reader *r, ft_eth_rlp_item *it)
{
    memset(it, 0, sizeof *it);
    const uint8_t *start = r->p;
    uint8_t h;
    if (!ft_reader_u8(r, &h))
        return 0;
    size_t len;
    if (h < 0x80) {
        it->data = start;
        it->len = 1;
        it->raw = start;
        it->raw_len = 1;
        return 1;
    }
    if (h <= 0xb7) {
        len = h - 0x80u;
    } else if (h < 0xc0) {
        if (!read_len(r, h - 0xb7u, &len))
            return 0;
    } else if (h <= 0xf7) {
        it->list = 1;
        len = h - 0xc0u;
    } else {
        it->list = 1;
        if (!read_len(r, h - 0xf7u, &len))
            return 0;
    }
    const uint8_t *p = ft_reader_ptr(r, len);
    if (!p && len > 0)
        return 0;
    if (r->failed)
        return 0;
    /* a single byte below 0x80 must be encoded as itself */
    if (!it->list && h == 0x81 && p[0] < 0x80) {
        ft_reader_fail(r);
        return 0;
    }
    it->data = p;
    it->len = len;
    it->raw = start;
    it->raw_len = (size_t)(r->p - start);
    return 1;
}

int ft_eth_rlp_u256(const ft_eth_rlp_item *it, ft_u256 *out)
{
    if (it->list || it->len > 32 || (it->len > 0 && it->data[0] == 0))
        return 0;
    return ft_u256_from_be(out, it->data, it->len);
}

int ft_eth_rlp_u64(const ft_eth_rlp_item *it, uint64_t *out)
{
    ft_u256 v;
    return ft_eth_rlp_u256(it, &v) && ft_u256_to_u64(out, &v);
}

void ft_eth_rlp_put_header(ft_buf *b, int list, size_t payload_len)
{
    uint8_t base = list ? 0xc0 : 0x80;
    if (payload_len <= 55) {
        ft_buf_u8(b, (uint8_t)(base + payload_len));
        return;
    }
    uint8_t tmp[8];
    unsigned k = 0;
    for (size_t v = payload_len; v; v >>= 8)
        tmp[7 - k++] = (uint8_t)v;
    ft_buf_u8(b, (uint8_t)(base + 55 + k));
    ft_buf_append(b, tmp + 8 - k, k);
}

void ft_eth_rlp_put_bytes(ft_buf *b, const uint8_t *data, size_t len)
{
    if (len == 1 && data[0] < 0x80) {
        ft_buf_u8(b, data[0]);
        return;
    }
    ft_eth_rlp_put_header(b, 0, len);
    ft_buf_append(b, data, len);
}

void ft_eth_rlp_put_u256(ft_buf *b, const ft_u256 *v)
{
    uint8_t be[32];
    size_t n = ft_u256_to_be_min(be, v);
    ft_eth_rlp_put_bytes(b, be, n);
}

void ft_eth_rlp_put_u64(ft_buf *b, uint64_t v)
{
    ft_u256 x = ft_u256_from_u64(v);
    ft_eth_rlp_put_u256(b, &x);
}
