/*
 * fuzz_labels.h — what the two label-file fuzz targets (fuzz_labels_csv.c,
 * fuzz_labels_tagpack.c) share: an address resolver like the CLI's (cli/cmd_cluster.c,
 * ft_cli_label_resolve: bitcoin main-net text through chains/bitcoin, the EVM chains as "0x"
 * and 40 hex digits, any other chain "not handled") and the checks every parsed label must
 * pass, whichever file format it came from.
 */
#ifndef FT_FUZZ_LABELS_H
#define FT_FUZZ_LABELS_H

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/address.h"
#include "chains/ethereum/address.h"
#include "chains/ethereum/params.h"
#include "engine/labels.h"

static inline ft_status fuzz_label_resolve(void *ctx, const char *chain, const char *address,
                                           uint8_t *chain_byte, ft_addr_key *key, ft_err *err)
{
    (void)ctx;
    memset(key, 0, sizeof *key);
    char c[16];
    size_t i = 0;
    for (; chain[i] && i + 1 < sizeof c; i++)
        c[i] = (char)tolower((unsigned char)chain[i]);
    c[i] = '\0';
    if (strcmp(c, "bitcoin") == 0 || strcmp(c, "btc") == 0) {
        *chain_byte = 1;
        return ft_btc_address_decode(key, address, ft_btc_params_get(FT_BTC_MAIN), err);
    }
    const ft_eth_params *evm = ft_eth_params_by_name(c);
    if (!evm)
        return FT_ERR_NOTFOUND;
    *chain_byte = evm->chain_byte;
    if (ft_eth_address_parse(key->bytes, address, strlen(address), err) != FT_OK)
        return FT_ERR_PARSE;
    key->len = 20;
    return FT_OK;
}

/* Counts the newlines of the input: no format yields more labels than it has lines. */
static inline size_t fuzz_count_lines(const uint8_t *data, size_t size)
{
    size_t n = 1;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n;
}

/* The invariants of one parsed label (abort on violation). */
static inline void fuzz_check_label(const ft_label *l)
{
    size_t el = strnlen(l->entity, FT_LABEL_TEXT_MAX), sl = strnlen(l->source, FT_LABEL_TEXT_MAX);
    size_t al = strnlen(l->addr_text, FT_LABEL_ADDR_TEXT_MAX);
    if (el == 0 || el >= FT_LABEL_TEXT_MAX || sl >= FT_LABEL_TEXT_MAX || al == 0 ||
        al >= FT_LABEL_ADDR_TEXT_MAX)
        abort();
    if (l->category >= FT_CAT_COUNT)
        abort();
    if (l->confidence > 100 && l->confidence != FT_LABEL_NO_CONFIDENCE)
        abort();
    if (l->addr.len == 0 || l->addr.len > FT_ADDR_KEY_MAX || l->line == 0)
        abort();
    uint8_t k[FT_LABEL_KEY_MAX];
    size_t kl = ft_labels_key(k, l);
    if (kl != 3u + l->addr.len + 8 || k[1] != l->chain)
        abort();
}

#endif
