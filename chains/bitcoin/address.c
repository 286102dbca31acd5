/*
 * address.c — address keys to text and back (see address.h), with base58check and
 * bech32/bech32m written from their specifications (the Bitcoin wiki's Base58Check encoding,
 * BIP 173, BIP 350).
 *
 * base58check: payload ‖ first 4 bytes of sha256d(payload), read as one big-endian number and
 * written in base 58 (alphabet without 0, O, I, l); each leading zero byte becomes a '1'.
 * Conversion is the schoolbook O(n²) repeated division, fine for 25-byte payloads; inputs are
 * capped (FT_BTC_ADDR_STR_MAX characters) so every buffer lives on the stack.
 *
 * bech32: hrp '1' data checksum, 5-bit groups over the 32-character alphabet; the checksum is
 * a BCH code over GF(32) computed by the polymod below over hrp-expand(hrp) ‖ data; the result
 * xor-ed with the constant 1 (bech32) or 0x2bc830a3 (bech32m) must be 0. Rules enforced:
 * length <= 90, hrp 1..83 characters in 33..126, no mixed case, at least 6 checksum characters.
 * Segwit: data[0] is the version (0..16), the rest the program converted 5→8 bits with at most
 * 4 zero padding bits; program 2..40 bytes, v0 only 20 or 32; v0 must use bech32, v1+ bech32m.
 *
 * Keys (script.h) map to text as: 'k' P2PKH base58, 's' P2SH base58, 'w'/'W' segwit v0,
 * 't' segwit v1 (P2TR), 'v' other versions, 'm' "multisig:<hex>", 'n' "nonstandard:<hex>".
 */
#include "chains/bitcoin/address.h"

#include <string.h>
#include <strings.h>

#include "engine/hash.h"
#include "engine/hex.h"

#include "engine/banned.h"

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* The payload limit for our buffers: far above the 21 bytes of an address. */
#define B58_MAX_BYTES 128

void ft_base58check_encode(char *out, const uint8_t *payload, size_t len)
{
    uint8_t buf[B58_MAX_BYTES + 4];
    out[0] = '\0';
    if (len > B58_MAX_BYTES)
        return;
    memcpy(buf, payload, len);
    uint8_t check[32];
    ft_sha256d(check, payload, len);
    memcpy(buf + len, check, 4);
    size_t n = len + 4;

    size_t zeros = 0;
    while (zeros < n && buf[zeros] == 0)
        zeros++;
    /* base-58 digits, least significant first: at most n * log(256)/log(58) + 1 */
    uint8_t digits[(B58_MAX_BYTES + 4) * 138 / 100 + 2];
    size_t nd = 0;
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = buf[i];
        for (size_t k = 0; k < nd; k++) {
            carry += (unsigned)digits[k] << 8;
            digits[k] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    size_t o = 0;
    for (size_t i = 0; i < zeros; i++)
        out[o++] = '1';
    while (nd > 0)
        out[o++] = b58_alphabet[digits[--nd]];
    out[o] = '\0';
}

static int b58_value(char c)
{
    const char *p = c ? strchr(b58_alphabet, c) : NULL;
    return p ? (int)(p - b58_alphabet) : -1;
}

int ft_base58check_decode(uint8_t *out, size_t cap, const char *text)
{
    size_t tl = strlen(text);
    if (tl == 0 || tl > FT_BTC_ADDR_STR_MAX * 2)
        return -1;
    size_t zeros = 0;
    while (zeros < tl && text[zeros] == '1')
        zeros++;
    /* bytes, least significant first: at most tl * log(58)/log(256) + 1 */
    uint8_t bytes[FT_BTC_ADDR_STR_MAX * 2 * 733 / 1000 + 2];
    size_t nb = 0;
    for (size_t i = zeros; i < tl; i++) {
        int v = b58_value(text[i]);
        if (v < 0)
            return -1;
        unsigned carry = (unsigned)v;
        for (size_t k = 0; k < nb; k++) {
            carry += (unsigned)bytes[k] * 58;
            bytes[k] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        while (carry) {
            bytes[nb++] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
    }
    size_t total = zeros + nb;
    if (total < 4 || total - 4 > cap)
        return -1;
    uint8_t full[FT_BTC_ADDR_STR_MAX * 2 + 8];
    memset(full, 0, zeros);
    for (size_t i = 0; i < nb; i++)
        full[zeros + i] = bytes[nb - 1 - i];
    uint8_t check[32];
    ft_sha256d(check, full, total - 4);
    if (memcmp(check, full + total - 4, 4) != 0)
        return -1;
    memcpy(out, full, total - 4);
    return (int)(total - 4);
}

/* ---- bech32 / bech32m ---- */

static const char b32_alphabet[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

#define BECH32_CONST 1u
#define BECH32M_CONST 0x2bc830a3u
#define BECH32_MAX_LEN 90

static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
    static const uint32_t gen[5] = {0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu,
                                    0x2a1462b3u};
    uint8_t top = (uint8_t)(chk >> 25);
    chk = (chk & 0x1ffffffu) << 5 ^ v;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1)
            chk ^= gen[i];
    return chk;
}

/* The polymod over hrp-expand(hrp) (high bits, 0, low bits), then the data values. */
static uint32_t polymod_hrp(const char *hrp, size_t hl)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < hl; i++)
        chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
    chk = polymod_step(chk, 0);
    for (size_t i = 0; i < hl; i++)
        chk = polymod_step(chk, (uint8_t)(hrp[i] & 31));
    return chk;
}

int ft_bech32_encode(char *out, size_t out_cap, const char *hrp, const uint8_t *data,
                     size_t data_len, int variant)
{
    size_t hl = strlen(hrp);
    if (out_cap > 0)
        out[0] = '\0';
    if (hl == 0 || hl + 1 + data_len + 6 > BECH32_MAX_LEN || hl + 1 + data_len + 6 + 1 > out_cap)
        return 0;
    uint32_t chk = polymod_hrp(hrp, hl);
    size_t o = 0;
    for (size_t i = 0; i < hl; i++) {
        char c = hrp[i];
        if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z'))
            return (out[0] = '\0'), 0;
        out[o++] = c;
    }
    out[o++] = '1';
    for (size_t i = 0; i < data_len; i++) {
        if (data[i] > 31)
            return (out[0] = '\0'), 0;
        chk = polymod_step(chk, data[i]);
        out[o++] = b32_alphabet[data[i]];
    }
    for (int i = 0; i < 6; i++)
        chk = polymod_step(chk, 0);
    chk ^= variant == FT_BECH32M ? BECH32M_CONST : BECH32_CONST;
    for (int i = 0; i < 6; i++)
        out[o++] = b32_alphabet[(chk >> (5 * (5 - i))) & 31];
    out[o] = '\0';
    return 1;
}

int ft_bech32_decode(char *hrp, size_t hrp_cap, uint8_t *data, size_t data_cap, size_t *data_len,
                     const char *text)
{
    *data_len = 0;
    if (hrp_cap)
        hrp[0] = '\0';
    size_t tl = strnlen(text, BECH32_MAX_LEN + 1);
    if (tl > BECH32_MAX_LEN)
        return 0;
    int lower = 0, upper = 0;
    size_t sep = tl;
    for (size_t i = 0; i < tl; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 33 || c > 126)
            return 0;
        if (c >= 'a' && c <= 'z')
            lower = 1;
        if (c >= 'A' && c <= 'Z')
            upper = 1;
        if (c == '1')
            sep = i;
    }
    if (lower && upper)
        return 0;
    if (sep == tl || sep == 0 || tl - sep - 1 < 6 || sep + 1 > hrp_cap)
        return 0;
    size_t dl = tl - sep - 1 - 6;
    if (dl > data_cap)
        return 0;
    for (size_t i = 0; i < sep; i++) {
        char c = text[i];
        hrp[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    hrp[sep] = '\0';
    uint32_t chk = polymod_hrp(hrp, sep);
    for (size_t i = sep + 1; i < tl; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        const char *p = strchr(b32_alphabet, c);
        if (!p || c == '\0')
            return (hrp[0] = '\0'), 0;
        uint8_t v = (uint8_t)(p - b32_alphabet);
        chk = polymod_step(chk, v);
        if (i - sep - 1 < dl)
            data[i - sep - 1] = v;
    }
    int variant = chk == BECH32_CONST ? FT_BECH32 : chk == BECH32M_CONST ? FT_BECH32M : 0;
    if (!variant) {
        hrp[0] = '\0';
        return 0;
    }
    *data_len = dl;
    return variant;
}

/* Regroups bits: from-bit groups to to-bit groups. With pad, a last partial group is padded
 * with zeros; without, leftover bits must be fewer than `from` and all zero. Returns the number
 * of groups written, or -1. */
static int convert_bits(uint8_t *out, size_t cap, const uint8_t *in, size_t n, int from, int to,
                        int pad)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    const uint32_t maxv = (1u << to) - 1;
    for (size_t i = 0; i < n; i++) {
        if (in[i] >> from)
            return -1;
        acc = (acc << from | in[i]) & ((1u << (from + to - 1)) - 1);
        bits += from;
        while (bits >= to) {
            bits -= to;
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)((acc >> bits) & maxv);
        }
    }
    if (pad) {
        if (bits) {
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)((acc << (to - bits)) & maxv);
        }
    } else if (bits >= from || ((acc << (to - bits)) & maxv)) {
        return -1;
    }
    return (int)o;
}

static int program_len_ok(int version, size_t len)
{
    if (version < 0 || version > 16 || len < 2 || len > 40)
        return 0;
    return version != 0 || len == 20 || len == 32;
}

int ft_segwit_encode(char *out, const char *hrp, int version, const uint8_t *prog,
                     size_t prog_len)
{
    out[0] = '\0';
    if (!program_len_ok(version, prog_len))
        return 0;
    uint8_t data[1 + 64];
    data[0] = (uint8_t)version;
    int n = convert_bits(data + 1, sizeof data - 1, prog, prog_len, 8, 5, 1);
    if (n < 0)
        return 0;
    return ft_bech32_encode(out, FT_BTC_ADDR_STR_MAX, hrp, data, 1 + (size_t)n,
                            version == 0 ? FT_BECH32 : FT_BECH32M);
}

int ft_segwit_decode(int *version, uint8_t *prog, size_t cap, const char *hrp, const char *text)
{
    char got_hrp[BECH32_MAX_LEN + 1];
    uint8_t data[BECH32_MAX_LEN];
    size_t dl;
    *version = -1;
    int variant = ft_bech32_decode(got_hrp, sizeof got_hrp, data, sizeof data, &dl, text);
    if (!variant || strcmp(got_hrp, hrp) != 0 || dl < 1 || data[0] > 16)
        return -1;
    int v = data[0];
    if ((v == 0) != (variant == FT_BECH32))
        return -1;
    uint8_t tmp[64];
    int n = convert_bits(tmp, sizeof tmp, data + 1, dl - 1, 5, 8, 0);
    if (n < 0 || !program_len_ok(v, (size_t)n) || (size_t)n > cap)
        return -1;
    memcpy(prog, tmp, (size_t)n);
    *version = v;
    return n;
}

/* ---- keys ---- */

static const char multisig_prefix[] = "multisig:";
static const char nonstandard_prefix[] = "nonstandard:";

ft_status ft_btc_address_encode(char *out, const ft_addr_key *key, const ft_btc_params *net)
{
    out[0] = '\0';
    if (!key || key->len < 2)
        return FT_ERR_ARG;
    const uint8_t *p = key->bytes + 1;
    size_t n = key->len - 1u;
    uint8_t payload[21];
    switch (key->bytes[0]) {
    case 'k':
    case 's':
        if (n != 20)
            return FT_ERR_ARG;
        payload[0] = key->bytes[0] == 'k' ? net->p2pkh_prefix : net->p2sh_prefix;
        memcpy(payload + 1, p, 20);
        ft_base58check_encode(out, payload, 21);
        return FT_OK;
    case 'w':
        return n == 20 && ft_segwit_encode(out, net->bech32_hrp, 0, p, n) ? FT_OK : FT_ERR_ARG;
    case 'W':
        return n == 32 && ft_segwit_encode(out, net->bech32_hrp, 0, p, n) ? FT_OK : FT_ERR_ARG;
    case 't':
        return n == 32 && ft_segwit_encode(out, net->bech32_hrp, 1, p, n) ? FT_OK : FT_ERR_ARG;
    case 'v':
        if (n < 3 || p[0] < 1 || p[0] > 16)
            return FT_ERR_ARG;
        return ft_segwit_encode(out, net->bech32_hrp, p[0], p + 1, n - 1) ? FT_OK : FT_ERR_ARG;
    case 'm':
    case 'n': {
        if (n != 32)
            return FT_ERR_ARG;
        const char *prefix = key->bytes[0] == 'm' ? multisig_prefix : nonstandard_prefix;
        size_t pl = strlen(prefix);
        memcpy(out, prefix, pl);
        ft_hex_encode(out + pl, p, 32);
        return FT_OK;
    }
    default:
        return FT_ERR_ARG;
    }
}

/* Decodes text for net only; returns 1 with *key filled, or 0. */
static int decode_for(ft_addr_key *key, const char *text, const ft_btc_params *net)
{
    memset(key, 0, sizeof *key);
    size_t hl = strlen(net->bech32_hrp);
    size_t tl = strlen(text);
    /* bech32 when the text starts with hrp '1' in either case */
    if (tl > hl && text[hl] == '1' && strncasecmp(text, net->bech32_hrp, hl) == 0) {
        int version;
        uint8_t prog[40];
        int n = ft_segwit_decode(&version, prog, sizeof prog, net->bech32_hrp, text);
        if (n < 0)
            return 0;
        if (version == 0) {
            key->bytes[0] = n == 20 ? 'w' : 'W';
            memcpy(key->bytes + 1, prog, (size_t)n);
            key->len = (uint8_t)(1 + n);
        } else if (version == 1 && n == 32) {
            key->bytes[0] = 't';
            memcpy(key->bytes + 1, prog, 32);
            key->len = 33;
        } else {
            key->bytes[0] = 'v';
            key->bytes[1] = (uint8_t)version;
            memcpy(key->bytes + 2, prog, (size_t)n);
            key->len = (uint8_t)(2 + n);
        }
        return 1;
    }
    uint8_t payload[21];
    int n = ft_base58check_decode(payload, sizeof payload, text);
    if (n != 21)
        return 0;
    if (payload[0] == net->p2pkh_prefix)
        key->bytes[0] = 'k';
    else if (payload[0] == net->p2sh_prefix)
        key->bytes[0] = 's';
    else
        return 0;
    memcpy(key->bytes + 1, payload + 1, 20);
    key->len = 21;
    return 1;
}

ft_status ft_btc_address_decode(ft_addr_key *key, const char *text, const ft_btc_params *net,
                                ft_err *err)
{
    memset(key, 0, sizeof *key);
    if (!text || !*text)
        return ft_err_set(err, FT_ERR_PARSE, "empty address");
    size_t tl = strlen(text);
    if (tl > FT_BTC_ADDR_STR_MAX)
        return ft_err_set(err, FT_ERR_PARSE, "invalid address '%.40s...': too long", text);
    const char *prefixes[2] = {multisig_prefix, nonstandard_prefix};
    for (int i = 0; i < 2; i++) {
        size_t pl = strlen(prefixes[i]);
        if (strncmp(text, prefixes[i], pl) == 0) {
            if (!ft_hex_decode(key->bytes + 1, 32, text + pl, tl - pl)) {
                memset(key, 0, sizeof *key);
                return ft_err_set(err, FT_ERR_PARSE,
                                  "invalid address '%s': expected %s and 64 hex digits", text,
                                  prefixes[i]);
            }
            key->bytes[0] = i == 0 ? 'm' : 'n';
            key->len = 33;
            return FT_OK;
        }
    }
    if (decode_for(key, text, net))
        return FT_OK;
    /* A helpful message when it is an address of another network (networks sharing this one's
     * prefixes and HRP would have decoded above). */
    for (int i = 0; i < FT_BTC_NETWORK_COUNT; i++) {
        const ft_btc_params *other = ft_btc_params_get((ft_btc_network)i);
        ft_addr_key tmp;
        if (other && decode_for(&tmp, text, other)) {
            memset(key, 0, sizeof *key);
            return ft_err_set(err, FT_ERR_PARSE, "address '%s' is for network '%s', not '%s'",
                              text, other->name, net->name);
        }
    }
    memset(key, 0, sizeof *key);
    return ft_err_set(err, FT_ERR_PARSE,
                      "invalid address '%s': bad characters, checksum, version or length", text);
}
