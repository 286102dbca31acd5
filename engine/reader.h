/*
 * reader.h — the bounded byte reader under every parser.
 *
 *     base                 p               base+len
 *     |---- consumed ------|---- left -----|
 *
 * Every read checks the bytes left before touching memory. The first failed read sets a
 * sticky `failed` flag and every later read fails too, so a parser may chain reads and check
 * once, picocoin style, though most check each call on its own line. CompactSize reads reject
 * non-minimal encodings and values above a caller-given bound; callers bound element counts
 * by the bytes left (ft_reader_count) before allocating. Data read back from our own LevelDB
 * goes through the same reader: it is untrusted too.
 */
#ifndef FT_READER_H
#define FT_READER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

typedef struct ft_reader {
    const uint8_t *base; /* start of the buffer */
    const uint8_t *p;    /* next byte to read */
    size_t left;         /* bytes from p to the end */
    int failed;          /* sticky: set by the first read that did not fit */
} ft_reader;

/* Starts reading len bytes at data (no copy: data must outlive the reader). */
void ft_reader_init(ft_reader *r, const void *data, size_t len);

/* Offset of the next byte from the start of the buffer. */
size_t ft_reader_offset(const ft_reader *r);

/* Each returns 1 on success, 0 (and sets failed; *out zeroed) when the bytes are not there. */
int ft_reader_u8(ft_reader *r, uint8_t *out) FT_WARN_UNUSED;
int ft_reader_u16le(ft_reader *r, uint16_t *out) FT_WARN_UNUSED;
int ft_reader_u32le(ft_reader *r, uint32_t *out) FT_WARN_UNUSED;
int ft_reader_u64le(ft_reader *r, uint64_t *out) FT_WARN_UNUSED;
int ft_reader_u32be(ft_reader *r, uint32_t *out) FT_WARN_UNUSED;
int ft_reader_u64be(ft_reader *r, uint64_t *out) FT_WARN_UNUSED;
int ft_reader_copy(ft_reader *r, void *out, size_t n) FT_WARN_UNUSED;
int ft_reader_skip(ft_reader *r, size_t n) FT_WARN_UNUSED;

/* Returns a pointer to the next n bytes and advances, or NULL (failed set) if fewer are left.
 * The pointer is into the reader's buffer, valid as long as that buffer. */
const uint8_t *ft_reader_ptr(ft_reader *r, size_t n) FT_WARN_UNUSED;

/* Bitcoin CompactSize: 1, 3, 5 or 9 bytes. Fails on a non-minimal encoding or a value above
 * max. */
int ft_reader_compact(ft_reader *r, uint64_t max, uint64_t *out) FT_WARN_UNUSED;

/* A count of elements each at least min_size bytes: a CompactSize that must also satisfy
 * count * min_size <= bytes left, so that no allocation is sized by a lie. */
int ft_reader_count(ft_reader *r, size_t min_size, uint64_t *out) FT_WARN_UNUSED;

/* Marks the reader failed (for a semantic error found by the caller). */
void ft_reader_fail(ft_reader *r);

/* Little/big-endian stores for writers, kept beside their readers. */
void ft_put_u16le(uint8_t *p, uint16_t v);
void ft_put_u32le(uint8_t *p, uint32_t v);
void ft_put_u64le(uint8_t *p, uint64_t v);
void ft_put_u32be(uint8_t *p, uint32_t v);
void ft_put_u64be(uint8_t *p, uint64_t v);
uint32_t ft_get_u32le(const uint8_t *p);
uint64_t ft_get_u64le(const uint8_t *p);
uint32_t ft_get_u32be(const uint8_t *p);
uint64_t ft_get_u64be(const uint8_t *p);

/* Writes v as a CompactSize into p (at least 9 bytes); returns the bytes written. */
size_t ft_put_compact(uint8_t *p, uint64_t v);
/* The encoded size of v as a CompactSize. */
size_t ft_compact_size(uint64_t v);

#endif
