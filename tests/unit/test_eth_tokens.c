/*
 * test_eth_tokens.c — ERC-20 symbol and decimals (chains/ethereum/tokens.c) and the token
 * record of the store (engine/account.c).
 *
 * ABI returns: USDT's symbol() (a dynamic string), MKR's symbol() (bytes32, zero-padded),
 * decimals() words; malformed returns (offsets and lengths past the data, control bytes, a
 * 78-decimal word) are refused. Replies in the shape nodes send (a batch with a success, a
 * geth-style revert `{"code":3,"message":"execution reverted"}`, a malformed string, an empty
 * "0x" from an address without code) give known / unknown fields, never an error; a reply
 * missing an entry is an error. The bundled dataset datasets/tokens/tokens.csv loads per chain
 * with the values the explorers show; broken rows name their line. Records round-trip
 * through the store and a corrupt one is FT_ERR_CORRUPT. Staging without a node (etl) gives
 * the dataset's record or an unknown one, once per contract.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chains/ethereum/address.h"
#include "chains/ethereum/params.h"
#include "chains/ethereum/tokens.h"
#include "engine/account.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/store.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

static size_t unhex(uint8_t *out, size_t cap, const char *h)
{
    size_t n = strlen(h) / 2;
    if (n > cap || !ft_hex_decode(out, n, h, 2 * n))
        return (size_t)-1;
    return n;
}

/* symbol() "USDT" as an ABI string: offset 0x20, length 4, "USDT" padded */
static const char USDT_RET[] =
    "0000000000000000000000000000000000000000000000000000000000000020"
    "0000000000000000000000000000000000000000000000000000000000000004"
    "5553445400000000000000000000000000000000000000000000000000000000";
/* MKR's symbol(): bytes32 "MKR" */
static const char MKR_RET[] = "4d4b520000000000000000000000000000000000000000000000000000000000";

static void test_abi(void)
{
    uint8_t b[256];
    char sym[FT_TOKEN_SYMBOL_MAX + 1];
    uint8_t dec = 0;
    size_t n = unhex(b, sizeof b, USDT_RET);
    CHECK(ft_eth_token_decode_symbol(b, n, sym));
    CHECK_STR(sym, "USDT");
    n = unhex(b, sizeof b, MKR_RET);
    CHECK(ft_eth_token_decode_symbol(b, n, sym));
    CHECK_STR(sym, "MKR");
    /* length word past the data */
    n = unhex(b, sizeof b,
              "0000000000000000000000000000000000000000000000000000000000000020"
              "0000000000000000000000000000000000000000000000000000000000000041"
              "5553445400000000000000000000000000000000000000000000000000000000");
    CHECK(!ft_eth_token_decode_symbol(b, n, sym));
    /* offset past the data; offset with high bytes set (would wrap) */
    n = unhex(b, sizeof b,
              "0000000000000000000000000000000000000000000000000000000000000060"
              "0000000000000000000000000000000000000000000000000000000000000004");
    CHECK(!ft_eth_token_decode_symbol(b, n, sym));
    n = unhex(b, sizeof b,
              "ff00000000000000000000000000000000000000000000000000000000000020"
              "0000000000000000000000000000000000000000000000000000000000000004"
              "5553445400000000000000000000000000000000000000000000000000000000");
    CHECK(!ft_eth_token_decode_symbol(b, n, sym));
    /* control bytes (a poisoning token's "symbol" with a newline), and an empty string */
    n = unhex(b, sizeof b,
              "0000000000000000000000000000000000000000000000000000000000000020"
              "0000000000000000000000000000000000000000000000000000000000000003"
              "55530a0000000000000000000000000000000000000000000000000000000000");
    CHECK(!ft_eth_token_decode_symbol(b, n, sym));
    n = unhex(b, sizeof b,
              "0000000000000000000000000000000000000000000000000000000000000020"
              "0000000000000000000000000000000000000000000000000000000000000000");
    CHECK(!ft_eth_token_decode_symbol(b, n, sym));
    /* bytes32 with text after a zero byte */
    n = unhex(b, sizeof b, "4d004b0000000000000000000000000000000000000000000000000000000000");
    CHECK(!ft_eth_token_decode_symbol(b, n, sym));
    CHECK(!ft_eth_token_decode_symbol(b, 0, sym));
    /* decimals */
    n = unhex(b, sizeof b, "0000000000000000000000000000000000000000000000000000000000000006");
    CHECK(ft_eth_token_decode_decimals(b, n, &dec) && dec == 6);
    n = unhex(b, sizeof b, "000000000000000000000000000000000000000000000000000000000000004d");
    CHECK(ft_eth_token_decode_decimals(b, n, &dec) && dec == 77);
    n = unhex(b, sizeof b, "000000000000000000000000000000000000000000000000000000000000004e");
    CHECK(!ft_eth_token_decode_decimals(b, n, &dec));
    n = unhex(b, sizeof b, "0100000000000000000000000000000000000000000000000000000000000006");
    CHECK(!ft_eth_token_decode_decimals(b, n, &dec));
    CHECK(!ft_eth_token_decode_decimals(b, 31, &dec));
}

static void test_reply(void)
{
    /* three contracts: USDT-like (both calls answer), a reverting one, a malformed one */
    char text[4096];
    snprintf(text, sizeof text,
             "[{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":\"0x%s\"},"
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x%064x\"},"
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":3,\"message\":\"execution reverted\",\"data\":\"0x\"}},"
             "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32000,\"message\":\"execution reverted\"}},"
             "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":\"0x0000000000000000000000000000000000000000000000000000000000000020ffff\"},"
             "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":\"0x\"}]",
             USDT_RET, 6);
    cJSON *reply = cJSON_Parse(text);
    CHECK(reply != NULL);
    ft_account_token t[3];
    memset(t, 0, sizeof t);
    for (int i = 0; i < 3; i++)
        memset(t[i].contract, 0x11 * (i + 1), 20);
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_eth_tokens_from_reply(reply, t, 3, &err) == FT_OK);
    CHECK(t[0].has_symbol && t[0].has_decimals && t[0].decimals == 6);
    CHECK_STR(t[0].symbol, "USDT");
    CHECK(t[0].source == FT_TOKEN_SRC_CALL);
    CHECK(!t[1].has_symbol && !t[1].has_decimals && t[1].source == FT_TOKEN_SRC_UNKNOWN);
    CHECK(!t[2].has_symbol && !t[2].has_decimals && t[2].source == FT_TOKEN_SRC_UNKNOWN);
    /* a fourth contract whose entries the reply lacks: an error naming it */
    ft_account_token t4[4];
    memset(t4, 0, sizeof t4);
    memset(t4[3].contract, 0x44, 20);
    CHECK(ft_eth_tokens_from_reply(reply, t4, 4, &err) == FT_ERR_PARSE);
    CHECK(strstr(err.msg, "token 0x4444444444444444444444444444444444444444") != NULL);
    cJSON_Delete(reply);
}

static void test_dataset(void)
{
    ft_eth_token_table t;
    memset(&t, 0, sizeof t);
    ft_err err;
    ft_err_clear(&err);
    const char *path = ft_test_path("source", "datasets/tokens/tokens.csv");
    CHECK(ft_eth_tokens_load(&t, path, ft_eth_params_by_name("ethereum"), &err) == FT_OK);
    CHECK_EQ_U64(t.n, 5);
    uint8_t a[20];
    CHECK(ft_eth_address_parse(a, "0xdAC17F958D2ee523a2206206994597C13D831ec7", 42, &err) == FT_OK);
    const ft_account_token *k = ft_eth_tokens_find(&t, a);
    CHECK(k && k->decimals == 6 && strcmp(k->symbol, "USDT") == 0 &&
          k->source == FT_TOKEN_SRC_DATASET);
    CHECK(ft_eth_address_parse(a, "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", 42, &err) == FT_OK);
    k = ft_eth_tokens_find(&t, a);
    CHECK(k && k->decimals == 8 && strcmp(k->symbol, "WBTC") == 0);
    ft_eth_tokens_release(&t);
    /* BSC's USDT has 18 decimals, not Ethereum's 6 */
    CHECK(ft_eth_tokens_load(&t, path, ft_eth_params_by_name("bsc"), &err) == FT_OK);
    CHECK(ft_eth_address_parse(a, "0x55d398326f99059fF775485246999027B3197955", 42, &err) == FT_OK);
    k = ft_eth_tokens_find(&t, a);
    CHECK(k && k->decimals == 18 && strcmp(k->symbol, "USDT") == 0);
    ft_eth_tokens_release(&t);
    for (const char *c = "polygon"; c; c = strcmp(c, "polygon") == 0 ? "arbitrum"
                                         : strcmp(c, "arbitrum") == 0 ? "avalanche" : NULL) {
        CHECK(ft_eth_tokens_load(&t, path, ft_eth_params_by_name(c), &err) == FT_OK);
        CHECK(t.n >= 3);
        ft_eth_tokens_release(&t);
    }
    CHECK(ft_eth_tokens_load(&t, path, ft_eth_params_by_name("dev"), &err) == FT_OK && t.n == 0);
    ft_eth_tokens_release(&t);
    /* broken rows */
    const ft_eth_params *eth = ft_eth_params_by_name("ethereum");
    static const char *const bad[] = {
        "chain,contract,symbol,decimals,source\nethereum,0xdAC17F958D2ee523a2206206994597C13D831ec8,USDT,6,x\n",
        "chain,contract,symbol,decimals,source\n\nethereum,0xdac17f958d2ee523a2206206994597c13d831ec7,USDT,78,x\n",
        "chain,contract,symbol,decimals,source\nethereum,0xdac17f958d2ee523a2206206994597c13d831ec7,\"USDT\",6,x\n",
        "chain,contract,symbol,decimals,source\nsolana,0xdac17f958d2ee523a2206206994597c13d831ec7,USDT,6,x\n",
        "chain,contract,symbol,decimals,source\nethereum,0xdac17f958d2ee523a2206206994597c13d831ec7,USDT,6,x\n"
        "ethereum,0xDAC17F958D2EE523A2206206994597C13D831EC7,USDT,6,y\n",
        "chain,address,symbol,decimals,source\n",
    };
    static const char *const want[] = {"line 2: bad contract", "line 3: decimals",
                                       "line 2: expected 5 cells", "line 2: unknown chain",
                                       "listed twice", "line 1: header"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ft_err_clear(&err);
        CHECK(ft_eth_tokens_parse(&t, bad[i], strlen(bad[i]), "t.csv", eth, &err) == FT_ERR_PARSE);
        if (!strstr(err.msg, want[i]))
            fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, err.msg, want[i]);
        CHECK(strstr(err.msg, want[i]) != NULL);
        ft_eth_tokens_release(&t);
    }
}

static char dir[64];

static void test_store(void)
{
    ft_test_tmpl(dir, sizeof dir, "ft_test_eth_tokens");
    CHECK(mkdtemp(dir) != NULL);
    ft_store *st = NULL;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_store_open(&st, dir, FT_STORE_WRITE, &err) == FT_OK);
    ft_account *ac = NULL;
    CHECK(ft_account_open(&ac, st, FT_CHAIN_EVMDEV, 31337, &err) == FT_OK);
    ft_account_token t, got;
    memset(&t, 0, sizeof t);
    memset(t.contract, 0xab, 20);
    t.source = FT_TOKEN_SRC_CALL;
    t.has_symbol = t.has_decimals = 1;
    snprintf(t.symbol, sizeof t.symbol, "LOOT");
    t.decimals = 6;
    CHECK(ft_account_token_put(ac, &t, &err) == FT_OK);
    /* staged, not yet visible; visible after the commit */
    CHECK(ft_account_token_get(st, FT_CHAIN_EVMDEV, t.contract, &got, &err) == FT_ERR_NOTFOUND);
    CHECK(ft_account_commit(ac, &err) == FT_OK);
    CHECK(ft_account_token_get(st, FT_CHAIN_EVMDEV, t.contract, &got, &err) == FT_OK);
    CHECK(got.has_symbol && got.has_decimals && got.decimals == 6 && got.source == FT_TOKEN_SRC_CALL);
    CHECK_STR(got.symbol, "LOOT");
    CHECK(ft_account_token_get(st, FT_CHAIN_ETH, t.contract, &got, &err) == FT_ERR_NOTFOUND);
    /* refused symbols and decimals */
    snprintf(t.symbol, sizeof t.symbol, "A,B");
    CHECK(ft_account_token_put(ac, &t, &err) == FT_ERR_ARG);
    snprintf(t.symbol, sizeof t.symbol, "OK");
    t.decimals = 78;
    CHECK(ft_account_token_put(ac, &t, &err) == FT_ERR_ARG);

    /* staging without a node: the dataset's record, or unknown; once per contract */
    ft_eth_token_ctx c;
    ft_eth_token_ctx_init(&c, NULL);
    const char *csv = "chain,contract,symbol,decimals,source\n"
                      "dev,0x1111111111111111111111111111111111111111,DSET,8,test\n";
    CHECK(ft_eth_tokens_parse(&c.table, csv, strlen(csv), "t.csv", ft_eth_params_by_name("dev"),
                              &err) == FT_OK);
    ft_account_xfer x[4];
    memset(x, 0, sizeof x);
    for (int i = 0; i < 4; i++) {
        x[i].tx_index = 0;
        x[i].kind = FT_XFER_TOKEN;
        x[i].has_asset = 1;
        memset(x[i].asset, i < 2 ? 0x11 : 0x22, 20);
    }
    x[3].kind = FT_XFER_EXTERNAL; /* not a token row */
    memset(x[3].asset, 0x33, 20);
    ft_account_block b;
    memset(&b, 0, sizeof b);
    b.xfers = x;
    b.n_xfer = 4;
    CHECK(ft_eth_tokens_stage(&c, ac, st, FT_CHAIN_EVMDEV, &b, &err) == FT_OK);
    CHECK(c.n_dataset == 1 && c.n_unknown == 1 && c.n_called == 0);
    CHECK(ft_eth_tokens_stage(&c, ac, st, FT_CHAIN_EVMDEV, &b, &err) == FT_OK);
    CHECK(c.n_dataset == 1 && c.n_unknown == 1);
    CHECK(ft_account_commit(ac, &err) == FT_OK);
    uint8_t a[20];
    memset(a, 0x11, 20);
    CHECK(ft_account_token_get(st, FT_CHAIN_EVMDEV, a, &got, &err) == FT_OK);
    CHECK(got.source == FT_TOKEN_SRC_DATASET && got.decimals == 8);
    CHECK_STR(got.symbol, "DSET");
    memset(a, 0x22, 20);
    CHECK(ft_account_token_get(st, FT_CHAIN_EVMDEV, a, &got, &err) == FT_OK);
    CHECK(got.source == FT_TOKEN_SRC_UNKNOWN && !got.has_symbol && !got.has_decimals);
    memset(a, 0x33, 20);
    CHECK(ft_account_token_get(st, FT_CHAIN_EVMDEV, a, &got, &err) == FT_ERR_NOTFOUND);
    /* a new run (fresh context) finds the records in the store and stages nothing */
    ft_eth_token_ctx_release(&c);
    ft_eth_token_ctx_init(&c, NULL);
    CHECK(ft_eth_tokens_stage(&c, ac, st, FT_CHAIN_EVMDEV, &b, &err) == FT_OK);
    CHECK(c.n_dataset == 0 && c.n_unknown == 0);
    ft_eth_token_ctx_release(&c);
    ft_account_close(ac);

    /* a corrupt record: decimals 99 */
    uint8_t key[22] = {FT_KEY_ACCT_TOKEN, FT_CHAIN_EVMDEV};
    memset(key + 2, 0x44, 20);
    const uint8_t val[] = {0x01, 0x02, 0x02, 99};
    ft_store_batch *wb = ft_store_batch_new();
    ft_store_batch_put(wb, key, sizeof key, val, sizeof val);
    CHECK(ft_store_batch_commit(st, wb, 1, &err) == FT_OK);
    ft_store_batch_free(wb);
    CHECK(ft_account_token_get(st, FT_CHAIN_EVMDEV, key + 2, &got, &err) == FT_ERR_CORRUPT);
    ft_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

FT_TEST_MAIN({"abi", test_abi}, {"reply", test_reply}, {"dataset", test_dataset},
             {"store", test_store})
