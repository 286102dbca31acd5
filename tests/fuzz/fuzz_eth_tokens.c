/*
 * fuzz_eth_tokens.c — libFuzzer target for the token metadata readers
 * (chains/ethereum/tokens.c): the tokens dataset CSV (ft_eth_tokens_parse), the ABI return
 * data of symbol() and decimals() (ft_eth_token_decode_symbol/_decimals: a contract returns
 * whatever it likes) and a node's batch reply to those calls (ft_eth_tokens_from_reply, with
 * ft_eth_rpc_result underneath).
 *
 * The same bytes go to all of them. Properties (abort on violation): no read outside the
 * input (ASan); the CSV either fails with a message naming the file or yields at most one
 * token per line, sorted by contract without duplicates, each found again by
 * ft_eth_tokens_find, with a symbol ft_account_token_symbol_ok accepts and decimals <= 77;
 * a decoded symbol is such a symbol too, decoded decimals are <= 77; tokens filled from a
 * reply hold only such symbols and decimals and a source that says whether any was found.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/params.h"
#include "chains/ethereum/tokens.h"

#include "engine/banned.h"

static void check_token(const ft_account_token *t)
{
    if (t->has_symbol &&
        !ft_account_token_symbol_ok(t->symbol, strnlen(t->symbol, sizeof t->symbol)))
        abort();
    if (t->has_decimals && t->decimals > 77)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const chains[] = {"ethereum", "bsc", "dev"};
    for (int c = 0; c < 3; c++) {
        const ft_eth_params *p = ft_eth_params_by_name(chains[c]);
        if (!p)
            abort();
        ft_eth_token_table t;
        memset(&t, 0, sizeof t);
        ft_err err;
        ft_err_clear(&err);
        if (ft_eth_tokens_parse(&t, (const char *)data, size, "tok.csv", p, &err) != FT_OK) {
            if (strncmp(err.msg, "'tok.csv'", 9) != 0)
                abort();
        } else {
            size_t lines = 1;
            for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
            if (t.n > lines)
                abort();
            for (size_t i = 0; i < t.n; i++) {
                check_token(&t.v[i]);
                if (!t.v[i].has_symbol || !t.v[i].has_decimals ||
                    t.v[i].source != FT_TOKEN_SRC_DATASET)
                    abort();
                if (i > 0 && memcmp(t.v[i - 1].contract, t.v[i].contract, 20) >= 0)
                    abort();
                if (ft_eth_tokens_find(&t, t.v[i].contract) != &t.v[i])
                    abort();
            }
        }
        ft_eth_tokens_release(&t);
    }

    char sym[FT_TOKEN_SYMBOL_MAX + 1];
    if (ft_eth_token_decode_symbol(data, size, sym) &&
        !ft_account_token_symbol_ok(sym, strnlen(sym, sizeof sym)))
        abort();
    uint8_t dec = 0;
    if (ft_eth_token_decode_decimals(data, size, &dec) && dec > 77)
        abort();

    cJSON *reply = cJSON_ParseWithLength((const char *)data, size);
    if (reply) {
        ft_account_token toks[3];
        memset(toks, 0, sizeof toks);
        for (int i = 0; i < 3; i++)
            toks[i].contract[19] = (uint8_t)i;
        ft_err err;
        ft_err_clear(&err);
        if (ft_eth_tokens_from_reply(reply, toks, 3, &err) == FT_OK) {
            for (int i = 0; i < 3; i++) {
                check_token(&toks[i]);
                int any = toks[i].has_symbol || toks[i].has_decimals;
                if (toks[i].source != (any ? FT_TOKEN_SRC_CALL : FT_TOKEN_SRC_UNKNOWN))
                    abort();
            }
        } else if (err.msg[0] == '\0') {
            abort();
        }
        cJSON_Delete(reply);
    }
    return 0;
}
