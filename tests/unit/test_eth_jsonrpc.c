/*
 * test_eth_jsonrpc.c — ft_eth_rpc_result: picking the answer to one request out of a JSON-RPC
 * reply, on a real node reply recorded by ethereum-etl (peer_tests/ethereum-etl/test_stream,
 * eth_getTransactionReceipt of tx 0x2e3dcd…, "id": 0) and on that reply rewritten.
 *
 * What must hold: a single-object reply is accepted only when its id is the one asked for (a
 * wrong, missing or string id is FT_ERR_PARSE naming the method and both ids); a batch answer
 * is found by its id; a JSON-RPC error object is FT_ERR_STATE with its code, also when the
 * node could not read the id (id null).
 */
#include <cjson/cJSON.h>

#include "chains/ethereum/jsonrpc.h"
#include "ft_test.h"

#include "engine/banned.h"

#define RECEIPT                                                                                    \
    "data/peer_tests/ethereum-etl/test_stream/blocks_1755634_1755635/"                            \
    "web3_response.eth_getTransactionReceipt_"                                                     \
    "0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d.json"
#define TXHASH "0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d"

static cJSON *load_receipt(void)
{
    size_t n;
    unsigned char *text = ft_test_read(ft_test_path("shared", RECEIPT), &n);
    cJSON *j = cJSON_ParseWithLength((const char *)text, n);
    free(text);
    CHECK(j != NULL);
    return j;
}

static const char *tx_hash_of(const cJSON *res)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(res, "transactionHash");
    return cJSON_IsString(h) ? h->valuestring : "";
}

static void test_single_matching_id(void)
{
    cJSON *j = load_receipt();
    const cJSON *res = NULL;
    long code = 7;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_eth_rpc_result(j, 0, "eth_getTransactionReceipt", &res, &code, &err) == FT_OK);
    CHECK(res != NULL);
    CHECK_STR(tx_hash_of(res), TXHASH);
    CHECK_EQ_U64(code, 0);
    cJSON_Delete(j);
}

static void test_single_wrong_id(void)
{
    cJSON *j = load_receipt();
    const cJSON *res = (const cJSON *)j;
    ft_err err;
    ft_err_clear(&err);
    /* the recorded reply answers id 0: asking for id 3 must not take it */
    CHECK(ft_eth_rpc_result(j, 3, "eth_getTransactionReceipt", &res, NULL, &err) == FT_ERR_PARSE);
    CHECK(res == NULL);
    CHECK_STR(err.msg, "eth_getTransactionReceipt: the reply answers id 0, not id 3");
    /* a string id is not the number asked for */
    cJSON_ReplaceItemInObjectCaseSensitive(j, "id", cJSON_CreateString("0"));
    CHECK(ft_eth_rpc_result(j, 0, "eth_getTransactionReceipt", &res, NULL, &err) == FT_ERR_PARSE);
    CHECK_STR(err.msg, "eth_getTransactionReceipt: the reply answers id \"0\", not id 0");
    /* no id at all */
    cJSON_DeleteItemFromObjectCaseSensitive(j, "id");
    CHECK(ft_eth_rpc_result(j, 0, "eth_getTransactionReceipt", &res, NULL, &err) == FT_ERR_PARSE);
    CHECK_STR(err.msg, "eth_getTransactionReceipt: the reply answers id none, not id 0");
    cJSON_Delete(j);
}

static void test_batch_by_id(void)
{
    cJSON *a = load_receipt(), *b = load_receipt();
    cJSON_ReplaceItemInObjectCaseSensitive(b, "id", cJSON_CreateNumber(5));
    cJSON *batch = cJSON_CreateArray();
    cJSON_AddItemToArray(batch, a);
    cJSON_AddItemToArray(batch, b);
    const cJSON *res = NULL;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_eth_rpc_result(batch, 5, "eth_getTransactionReceipt", &res, NULL, &err) == FT_OK);
    CHECK(res == cJSON_GetObjectItemCaseSensitive(b, "result"));
    CHECK(ft_eth_rpc_result(batch, 0, "eth_getTransactionReceipt", &res, NULL, &err) == FT_OK);
    CHECK(res == cJSON_GetObjectItemCaseSensitive(a, "result"));
    CHECK(ft_eth_rpc_result(batch, 1, "eth_getTransactionReceipt", &res, NULL, &err) ==
          FT_ERR_PARSE);
    CHECK_STR(err.msg, "eth_getTransactionReceipt: the reply holds no answer with id 1");
    cJSON_Delete(batch);
}

static void test_error_objects(void)
{
    const cJSON *res = NULL;
    long code = 0;
    ft_err err;
    ft_err_clear(&err);
    /* the node could not read the id: its error is what the user needs to see */
    cJSON *j = cJSON_Parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
                           "\"message\":\"parse error\"}}");
    CHECK(ft_eth_rpc_result(j, 4, "eth_getBlockByNumber", &res, &code, &err) == FT_ERR_STATE);
    CHECK_EQ_U64(code, (uint64_t)(int64_t)-32700);
    CHECK_STR(err.msg, "eth_getBlockByNumber: node error -32700: parse error");
    cJSON_Delete(j);
    /* an error for another request is still the wrong answer */
    j = cJSON_Parse("{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32000,"
                    "\"message\":\"boom\"}}");
    CHECK(ft_eth_rpc_result(j, 4, "eth_getBlockByNumber", &res, &code, &err) == FT_ERR_PARSE);
    CHECK_STR(err.msg, "eth_getBlockByNumber: the reply answers id 9, not id 4");
    CHECK(ft_eth_rpc_result(j, 9, "eth_getBlockByNumber", &res, &code, &err) == FT_ERR_STATE);
    CHECK_STR(err.msg, "eth_getBlockByNumber: node error -32000: boom");
    cJSON_Delete(j);
}

FT_TEST_MAIN({"single_matching_id", test_single_matching_id},
             {"single_wrong_id", test_single_wrong_id}, {"batch_by_id", test_batch_by_id},
             {"error_objects", test_error_objects})
