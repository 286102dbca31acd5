/*
 * hex.h — hex text to bytes and back, including Bitcoin's reversed display order for hashes
 * (a txid is shown as its double SHA-256 read backwards).
 */
#ifndef FT_HEX_H
#define FT_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

/* Writes 2*len lowercase hex digits and a NUL to out (at least 2*len+1 bytes). */
void ft_hex_encode(char *out, const uint8_t *data, size_t len);
/* The same with the bytes in reverse order (hash display order). */
void ft_hex_encode_rev(char *out, const uint8_t *data, size_t len);

/* Decodes exactly 2*len hex digits (either case) from a string of length hexlen into out.
 * Returns 1 on success, 0 if hexlen != 2*len or a character is not hex. */
int ft_hex_decode(uint8_t *out, size_t len, const char *hex, size_t hexlen) FT_WARN_UNUSED;
/* The same, storing the bytes reversed (a displayed txid into internal order). */
int ft_hex_decode_rev(uint8_t *out, size_t len, const char *hex, size_t hexlen) FT_WARN_UNUSED;

/* Decodes a hex string of any even length into a malloc()ed buffer (*out, *outlen); the
 * caller frees it. Leading/trailing ASCII white space is ignored. Returns FT_ERR_PARSE on an
 * odd length or a non-hex character, FT_ERR_NOMEM on allocation failure. */
ft_status ft_hex_decode_alloc(uint8_t **out, size_t *outlen, const char *hex,
                              size_t hexlen) FT_WARN_UNUSED;

#endif
