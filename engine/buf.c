/*
 * buf.c — growable byte buffer (see buf.h).
 */
#include "engine/buf.h"

#include <stdlib.h>
#include <string.h>

#include "engine/reader.h"

#include "engine/banned.h"

void ft_buf_init(ft_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void ft_buf_reset(ft_buf *b)
{
    b->len = 0;
    b->failed = 0;
}

void ft_buf_release(ft_buf *b)
{
    free(b->data);
    ft_buf_init(b);
}

uint8_t *ft_buf_reserve(ft_buf *b, size_t n)
{
    if (b->failed)
        return NULL;
    if (n > SIZE_MAX - b->len) {
        b->failed = 1;
        return NULL;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return NULL;
        }
        b->data = d;
        b->cap = cap;
    }
    return b->data + b->len;
}

void ft_buf_append(ft_buf *b, const void *data, size_t n)
{
    uint8_t *p = ft_buf_reserve(b, n);
    if (!p)
        return;
    if (n)
        memcpy(p, data, n);
    b->len += n;
}

void ft_buf_u8(ft_buf *b, uint8_t v)
{
    ft_buf_append(b, &v, 1);
}

void ft_buf_u32le(ft_buf *b, uint32_t v)
{
    uint8_t t[4];
    ft_put_u32le(t, v);
    ft_buf_append(b, t, 4);
}

void ft_buf_u64le(ft_buf *b, uint64_t v)
{
    uint8_t t[8];
    ft_put_u64le(t, v);
    ft_buf_append(b, t, 8);
}

void ft_buf_u32be(ft_buf *b, uint32_t v)
{
    uint8_t t[4];
    ft_put_u32be(t, v);
    ft_buf_append(b, t, 4);
}

void ft_buf_u64be(ft_buf *b, uint64_t v)
{
    uint8_t t[8];
    ft_put_u64be(t, v);
    ft_buf_append(b, t, 8);
}

void ft_buf_compact(ft_buf *b, uint64_t v)
{
    uint8_t t[9];
    ft_buf_append(b, t, ft_put_compact(t, v));
}

void ft_buf_str(ft_buf *b, const char *s)
{
    ft_buf_append(b, s, strlen(s));
}
