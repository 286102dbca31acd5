/*
 * reader.c — bounded reads (see reader.h for the invariants) and the matching stores.
 */
#include "engine/reader.h"

#include <string.h>

#include "engine/banned.h"

void ft_reader_init(ft_reader *r, const void *data, size_t len)
{
    r->base = data;
    r->p = data;
    r->left = data ? len : 0;
    r->failed = 0;
}

size_t ft_reader_offset(const ft_reader *r)
{
    return (size_t)(r->p - r->base);
}

void ft_reader_fail(ft_reader *r)
{
    r->failed = 1;
}

const uint8_t *ft_reader_ptr(ft_reader *r, size_t n)
{
    if (r->failed || n > r->left) {
        r->failed = 1;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

int ft_reader_copy(ft_reader *r, void *out, size_t n)
{
    const uint8_t *p = ft_reader_ptr(r, n);
    if (!p) {
        if (n)
            memset(out, 0, n);
        return 0;
    }
    if (n)
        memcpy(out, p, n);
    return 1;
}

int ft_reader_skip(ft_reader *r, size_t n)
{
    return ft_reader_ptr(r, n) != NULL;
}

int ft_reader_u8(ft_reader *r, uint8_t *out)
{
    const uint8_t *p = ft_reader_ptr(r, 1);
    *out = p ? p[0] : 0;
    return p != NULL;
}

int ft_reader_u16le(ft_reader *r, uint16_t *out)
{
    const uint8_t *p = ft_reader_ptr(r, 2);
    *out = p ? (uint16_t)(p[0] | (uint16_t)p[1] << 8) : 0;
    return p != NULL;
}

int ft_reader_u32le(ft_reader *r, uint32_t *out)
{
    const uint8_t *p = ft_reader_ptr(r, 4);
    *out = p ? ft_get_u32le(p) : 0;
    return p != NULL;
}

int ft_reader_u64le(ft_reader *r, uint64_t *out)
{
    const uint8_t *p = ft_reader_ptr(r, 8);
    *out = p ? ft_get_u64le(p) : 0;
    return p != NULL;
}

int ft_reader_u32be(ft_reader *r, uint32_t *out)
{
    const uint8_t *p = ft_reader_ptr(r, 4);
    *out = p ? ft_get_u32be(p) : 0;
    return p != NULL;
}

int ft_reader_u64be(ft_reader *r, uint64_t *out)
{
    const uint8_t *p = ft_reader_ptr(r, 8);
    *out = p ? ft_get_u64be(p) : 0;
    return p != NULL;
}

int ft_reader_compact(ft_reader *r, uint64_t max, uint64_t *out)
{
    uint8_t tag;
    uint64_t v = 0;
    *out = 0;
    if (!ft_reader_u8(r, &tag))
        return 0;
    if (tag < 0xfd) {
        v = tag;
    } else if (tag == 0xfd) {
        uint16_t x;
        if (!ft_reader_u16le(r, &x))
            return 0;
        if (x < 0xfd)
            goto fail;
        v = x;
    } else if (tag == 0xfe) {
        uint32_t x;
        if (!ft_reader_u32le(r, &x))
            return 0;
        if (x <= 0xffff)
            goto fail;
        v = x;
    } else {
        if (!ft_reader_u64le(r, &v))
            return 0;
        if (v <= 0xffffffffu)
            goto fail;
    }
    if (v > max)
        goto fail;
    *out = v;
    return 1;
fail:
    r->failed = 1;
    return 0;
}

int ft_reader_count(ft_reader *r, size_t min_size, uint64_t *out)
{
    uint64_t n;
    if (!ft_reader_compact(r, UINT64_MAX, &n))
        return 0;
    if (min_size && n > r->left / min_size) {
        r->failed = 1;
        *out = 0;
        return 0;
    }
    *out = n;
    return 1;
}

void ft_put_u16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void ft_put_u32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void ft_put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void ft_put_u32be(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * (3 - i)));
}

void ft_put_u64be(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * (7 - i)));
}

uint32_t ft_get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t ft_get_u64le(const uint8_t *p)
{
    return (uint64_t)ft_get_u32le(p) | (uint64_t)ft_get_u32le(p + 4) << 32;
}

uint32_t ft_get_u32be(const uint8_t *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

uint64_t ft_get_u64be(const uint8_t *p)
{
    return (uint64_t)ft_get_u32be(p) << 32 | (uint64_t)ft_get_u32be(p + 4);
}

size_t ft_compact_size(uint64_t v)
{
    return v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

size_t ft_put_compact(uint8_t *p, uint64_t v)
{
    if (v < 0xfd) {
        p[0] = (uint8_t)v;
        return 1;
    }
    if (v <= 0xffff) {
        p[0] = 0xfd;
        ft_put_u16le(p + 1, (uint16_t)v);
        return 3;
    }
    if (v <= 0xffffffffu) {
        p[0] = 0xfe;
        ft_put_u32le(p + 1, (uint32_t)v);
        return 5;
    }
    p[0] = 0xff;
    ft_put_u64le(p + 1, v);
    return 9;
}
