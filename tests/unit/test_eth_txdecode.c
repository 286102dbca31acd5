/*
 * test_eth_txdecode.c — raw signed transactions: every tx of the ethereum-etl fixture blocks
 * (Parity recorded each one's raw bytes) decodes, hashes to its hash and recovers its sender;
 * EIP-155's published example; typed transactions (EIP-2930, EIP-1559, EIP-4844) signed by
 * ethers, an independent implementation (tests/data/eth_typed_txs.json); tampering and
 * truncation are caught.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/address.h"
#include "chains/ethereum/block.h"
#include "chains/ethereum/txdecode.h"
#include "engine/hex.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

static uint8_t *unhex(const char *s, size_t *n)
{
    uint8_t *out = NULL;
    if (strncmp(s, "0x", 2) == 0)
        s += 2;
    if (ft_hex_decode_alloc(&out, n, s, strlen(s)) != FT_OK)
        return NULL;
    return out;
}

static void check_one(const char *raw_hex, const char *hash_hex, const char *from_text, int *n)
{
    size_t len;
    uint8_t *raw = unhex(raw_hex, &len);
    CHECK(raw != NULL);
    if (!raw)
        return;
    ft_eth_txdec d;
    ft_err err;
    CHECK(ft_eth_tx_decode(&d, raw, len, &err) == FT_OK);
    uint8_t want[32], from[20], want_from[20];
    CHECK(ft_eth_hex_hash(want, hash_hex));
    CHECK(memcmp(d.hash, want, 32) == 0);
    CHECK(ft_eth_tx_sender(from, &d, &err) == FT_OK);
    CHECK(ft_eth_address_parse(want_from, from_text, strlen(from_text), NULL) == FT_OK);
    CHECK(memcmp(from, want_from, 20) == 0);
    /* tamper with the last byte of s: a different (or no) sender */
    raw[len - 1] ^= 1;
    if (ft_eth_tx_decode(&d, raw, len, NULL) == FT_OK && ft_eth_tx_sender(from, &d, NULL) == FT_OK)
        CHECK(memcmp(from, want_from, 20) != 0);
    raw[len - 1] ^= 1;
    /* every proper prefix fails */
    int bad = 0;
    for (size_t k = 0; k < len; k++)
        if (ft_eth_tx_decode(&d, raw, k, NULL) == FT_OK)
            bad++;
    CHECK_EQ_U64(bad, 0);
    free(raw);
    (*n)++;
}

static void test_fixture_blocks(void)
{
    static const char *const files[] = {
        "data/peer_tests/ethereum-etl/test_export_blocks_job/blocks_with_transactions/"
        "web3_response.eth_getBlockByNumber_0xb872_true.json",
        "data/peer_tests/ethereum-etl/test_export_blocks_job/blocks_with_transactions/"
        "web3_response.eth_getBlockByNumber_0xb873_true.json",
        "data/peer_tests/ethereum-etl/test_export_blocks_job/block_with_logs/"
        "web3_response.eth_getBlockByNumber_0x76250_true.json",
        "data/peer_tests/ethereum-etl/test_stream/blocks_1755634_1755635/"
        "web3_response.eth_getBlockByNumber_0x1ac9f3_true.json",
    };
    int n = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        unsigned char *text = ft_test_read(ft_test_path("shared", files[f]), &len);
        cJSON *j = cJSON_ParseWithLength((const char *)text, len);
        free(text);
        CHECK(j != NULL);
        const cJSON *txs = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "result"), "transactions");
        const cJSON *tx;
        cJSON_ArrayForEach(tx, txs)
        {
            const cJSON *raw = cJSON_GetObjectItem(tx, "raw"); /* geth's replies have none */
            if (cJSON_IsString(raw))
                check_one(raw->valuestring, cJSON_GetObjectItem(tx, "hash")->valuestring,
                          cJSON_GetObjectItem(tx, "from")->valuestring, &n);
        }
        cJSON_Delete(j);
    }
    CHECK_EQ_U64(n, 8); /* 2 + 2 + 4 (block 1755635 came from geth: no raw) */
}

static void test_eip155_example(void)
{
    /* EIP-155's example: nonce 9, 20 gwei, 21000 gas, to 0x3535…, 1 ether, chain id 1 */
    const char *raw = "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6"
                      "b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620"
                      "aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83";
    size_t len;
    uint8_t *b = unhex(raw, &len);
    ft_eth_txdec d;
    CHECK(b && ft_eth_tx_decode(&d, b, len, NULL) == FT_OK);
    char hex[65];
    ft_hex_encode(hex, d.sighash, 32);
    CHECK_STR(hex, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    CHECK(d.has_chain_id && d.chain_id == 1 && d.nonce == 9 && d.gas == 21000 && d.type == 0);
    uint8_t from[20];
    char text[FT_ETH_ADDR_STR_MAX];
    CHECK(ft_eth_tx_sender(from, &d, NULL) == FT_OK);
    ft_eth_address_format(text, from);
    CHECK_STR(text, "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");
    free(b);
}

static void test_typed(void)
{
    size_t len;
    unsigned char *text = ft_test_read(ft_test_path("source", "tests/data/eth_typed_txs.json"), &len);
    cJSON *j = cJSON_ParseWithLength((const char *)text, len);
    free(text);
    const cJSON *tx;
    int n = 0, types = 0;
    cJSON_ArrayForEach(tx, cJSON_GetObjectItem(j, "txs"))
    {
        check_one(cJSON_GetObjectItem(tx, "raw")->valuestring,
                  cJSON_GetObjectItem(tx, "hash")->valuestring,
                  cJSON_GetObjectItem(tx, "from")->valuestring, &n);
        size_t rl;
        uint8_t *raw = unhex(cJSON_GetObjectItem(tx, "raw")->valuestring, &rl);
        ft_eth_txdec d;
        if (raw && ft_eth_tx_decode(&d, raw, rl, NULL) == FT_OK) {
            CHECK_EQ_U64(d.type, cJSON_GetObjectItem(tx, "type")->valueint);
            CHECK_EQ_U64(d.chain_id, cJSON_GetObjectItem(tx, "chain_id")->valueint);
            CHECK_EQ_U64(d.nonce, cJSON_GetObjectItem(tx, "nonce")->valueint);
            CHECK(d.has_to == !cJSON_IsNull(cJSON_GetObjectItem(tx, "to")));
            char v[FT_U256_DEC_MAX];
            ft_u256_to_dec(v, &d.value);
            CHECK_STR(v, cJSON_GetObjectItem(tx, "value")->valuestring);
            types |= 1 << d.type;
        }
        free(raw);
    }
    cJSON_Delete(j);
    CHECK_EQ_U64(n, 5);
    CHECK_EQ_U64(types, 0xf); /* legacy EIP-155, 2930, 1559, 4844 */
}

static void test_garbage(void)
{
    ft_eth_txdec d;
    ft_err err;
    static const uint8_t t4[] = {0x04, 0xc0};
    CHECK(ft_eth_tx_decode(&d, t4, sizeof t4, &err) == FT_ERR_PARSE);
    CHECK(strstr(err.msg, "unsupported transaction type 0x04") != NULL);
    static const uint8_t short_list[] = {0xc3, 0x01, 0x02, 0x03};
    CHECK(ft_eth_tx_decode(&d, short_list, sizeof short_list, &err) == FT_ERR_PARSE);
    CHECK(ft_eth_tx_decode(&d, NULL, 0, &err) == FT_ERR_PARSE);
}

FT_TEST_MAIN({"fixture_blocks", test_fixture_blocks}, {"eip155_example", test_eip155_example},
             {"typed", test_typed}, {"garbage", test_garbage})
