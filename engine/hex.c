/*
 * hex.c — hex encoding and decoding (see hex.h).
 */
#include "engine/hex.h"

#include <ctype.h>
#include <stdlib.h>

#include "engine/banned.h"

static const char hex_digits[] = "0123456789abcdef";

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void ft_hex_encode(char *out, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex_digits[data[i] >> 4];
        out[2 * i + 1] = hex_digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

void ft_hex_encode_rev(char *out, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[len - 1 - i];
        out[2 * i] = hex_digits[b >> 4];
        out[2 * i + 1] = hex_digits[b & 15];
    }
    out[2 * len] = '\0';
}

int ft_hex_decode(uint8_t *out, size_t len, const char *hex, size_t hexlen)
{
    if (hexlen != 2 * len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

int ft_hex_decode_rev(uint8_t *out, size_t len, const char *hex, size_t hexlen)
{
    if (!ft_hex_decode(out, len, hex, hexlen))
        return 0;
    for (size_t i = 0; i < len / 2; i++) {
        uint8_t t = out[i];
        out[i] = out[len - 1 - i];
        out[len - 1 - i] = t;
    }
    return 1;
}

ft_status ft_hex_decode_alloc(uint8_t **out, size_t *outlen, const char *hex, size_t hexlen)
{
    *out = NULL;
    *outlen = 0;
    while (hexlen && isspace((unsigned char)hex[0])) {
        hex++;
        hexlen--;
    }
    while (hexlen && isspace((unsigned char)hex[hexlen - 1]))
        hexlen--;
    if (hexlen % 2)
        return FT_ERR_PARSE;
    uint8_t *buf = malloc(hexlen / 2 + 1);
    if (!buf)
        return FT_ERR_NOMEM;
    if (!ft_hex_decode(buf, hexlen / 2, hex, hexlen)) {
        free(buf);
        return FT_ERR_PARSE;
    }
    *out = buf;
    *outlen = hexlen / 2;
    return FT_OK;
}
