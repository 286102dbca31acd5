/*
 * buf.h — a growable byte buffer for writers (serialised transactions, store keys and values).
 *
 * Appends never fail silently: an allocation failure sets the sticky `failed` flag, later
 * appends do nothing, and the owner checks the flag once before using the bytes.
 * Lifecycle (git's verbs): ft_buf_init (no allocation), ft_buf_reset (length 0, keeps the
 * memory), ft_buf_release (frees the memory and re-inits).
 */
#ifndef FT_BUF_H
#define FT_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct ft_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    int failed;
} ft_buf;

void ft_buf_init(ft_buf *b);
void ft_buf_reset(ft_buf *b);
void ft_buf_release(ft_buf *b);

/* Makes room for n more bytes; returns a pointer to them (len is NOT advanced) or NULL. */
uint8_t *ft_buf_reserve(ft_buf *b, size_t n);

void ft_buf_append(ft_buf *b, const void *data, size_t n);
void ft_buf_u8(ft_buf *b, uint8_t v);
void ft_buf_u32le(ft_buf *b, uint32_t v);
void ft_buf_u64le(ft_buf *b, uint64_t v);
void ft_buf_u32be(ft_buf *b, uint32_t v);
void ft_buf_u64be(ft_buf *b, uint64_t v);
void ft_buf_compact(ft_buf *b, uint64_t v);
/* Appends a NUL-terminated string without its NUL. */
void ft_buf_str(ft_buf *b, const char *s);

#endif
