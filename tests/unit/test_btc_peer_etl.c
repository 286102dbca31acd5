/*
 * test_btc_peer_etl.c — bitcoin-etl's own fixtures as a second, independent oracle
 * (data/peer_tests/bitcoin-etl, MIT): every raw tx `hex` of every verbosity-2 getblock
 * response is decoded with our parser and compared with bitcoin-etl's exported rows
 * (expected_transactions.json, one JSON object per line): txid, size, virtual size, version,
 * lock time, coinbase flag, index in block; inputs (spent tx hash, index, sequence); outputs
 * (value in satoshi, type, addresses). With input enrichment (stream_50001_50002) the spent
 * outputs come from getrawtransaction responses: those are decoded too and must give the
 * enriched input's value, type and address.
 *
 * How bitcoin-etl renders what has no plain address, and where we differ on purpose:
 *  - P2PK ("pubkey"): the P2PKH address of the key as it appears — the same as ours.
 *  - coinbase inputs: bitcoin-etl drops them (inputs: [], input_count 0); we keep the one
 *    serialised input (the null outpoint) and flag the tx, so that our input counts match the
 *    wire format; the comparison skips our coinbase input.
 *  - non-standard: bitcoin-etl writes "nonstandard" + the first 40 hex digits of the script's
 *    SHA-256; we write "nonstandard:" + all 64 (unambiguous, and parseable back into a key).
 *  - bare multisig: bitcoin-etl lists the node's per-key addresses; we give the script one
 *    key, "multisig:<sha256 of script>", since the coins belong to the script, not to any key.
 *  - bitcoin_cash/block_with_duplicate_txid is not used: its addresses are CashAddr and its
 *    getblock response carries no raw hex.
 * The fixtures (heights 0, 1, 50000-50002) hold only P2PK and P2PKH outputs, so the last two
 * differences are documented here but not exercised by them.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/address.h"
#include "chains/bitcoin/script.h"
#include "chains/bitcoin/tx.h"
#include "engine/hex.h"
#include "tests/unit/ft_test.h"

#define ETL_DIR "data/peer_tests/bitcoin-etl/test_export_blocks_job/bitcoin/"

static const char *const etl_cases[] = {"block_0", "block_1", "block_with_transactions",
                                    "block_without_transactions", "stream_50001_50002"};

/* bitcoin-etl type names to ours */
static const char *etl_type(const char *t)
{
    static const struct {
        const char *etl, *ours;
    } map[] = {
        {"pubkey", "p2pk"},
        {"pubkeyhash", "p2pkh"},
        {"scripthash", "p2sh"},
        {"witness_v0_keyhash", "p2wpkh"},
        {"witness_v0_scripthash", "p2wsh"},
        {"witness_v1_taproot", "p2tr"},
        {"witness_unknown", "witness_unknown"},
        {"multisig", "multisig"},
        {"nulldata", "nulldata"},
        {"nonstandard", "nonstandard"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].etl, t) == 0)
            return map[i].ours;
    return "?";
}

static cJSON *read_json(const char *path)
{
    size_t len;
    char *text = (char *)ft_test_read(path, &len);
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    if (!j)
        fprintf(stderr, "bad json in '%s'\n", path);
    return j;
}

/* expected_transactions.json: JSON lines → an array */
static cJSON *read_json_lines(const char *path)
{
    size_t len;
    char *text = (char *)ft_test_read(path, &len);
    cJSON *arr = cJSON_CreateArray();
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *row = cJSON_Parse(line);
        if (row)
            cJSON_AddItemToArray(arr, row);
        else if (strspn(line, " \r\t") != strlen(line))
            fprintf(stderr, "bad json line in '%s'\n", path);
    }
    free(text);
    return arr;
}

static const cJSON *find_row(const cJSON *rows, const char *hash, const char *block_hash)
{
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *h = cJSON_GetObjectItem(row, "hash");
        const cJSON *b = cJSON_GetObjectItem(row, "block_hash");
        if (cJSON_IsString(h) && strcmp(h->valuestring, hash) == 0 && cJSON_IsString(b) &&
            strcmp(b->valuestring, block_hash) == 0)
            return row;
    }
    return NULL;
}

static double num(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(obj, name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* Checks one output of ours against an etl object {type, addresses, value[, script_hex]}
 * (an output row, or an enriched input row whose script_hex is its scriptSig: not compared). */
static void check_output(const ft_btc_txout *o, const cJSON *eo, const ft_btc_params *net,
                         int is_output)
{
    CHECK(num(eo, "value") == (double)o->value);
    ft_addr_key key;
    ft_btc_script_type t = ft_btc_script_classify(o->script, o->script_len, &key);
    const cJSON *et = cJSON_GetObjectItem(eo, "type");
    CHECK(cJSON_IsString(et) && strcmp(etl_type(et->valuestring), ft_btc_script_type_name(t)) == 0);
    const cJSON *addrs = cJSON_GetObjectItem(eo, "addresses");
    char text[FT_BTC_ADDR_STR_MAX] = "";
    if (key.len)
        CHECK(ft_btc_address_encode(text, &key, net) == FT_OK);
    if (t == FT_BTC_NULLDATA) {
        CHECK(cJSON_GetArraySize(addrs) == 0);
    } else {
        CHECK(cJSON_GetArraySize(addrs) == 1);
        const cJSON *a0 = cJSON_GetArrayItem(addrs, 0);
        CHECK(cJSON_IsString(a0));
        if (cJSON_IsString(a0))
            CHECK_STR(text, a0->valuestring);
    }
    if (!is_output)
        return;
    /* and the script itself */
    const cJSON *sh = cJSON_GetObjectItem(eo, "script_hex");
    char *hex = malloc(o->script_len * 2 + 1);
    ft_hex_encode(hex, o->script, o->script_len);
    CHECK(cJSON_IsString(sh) && strcmp(sh->valuestring, hex) == 0);
    free(hex);
}

/* Decodes a raw tx hex into tx (arena-backed); the bytes are kept in *raw. */
static int decode_hex(const char *hex, uint8_t **raw, ft_btc_tx *tx, ft_arena *a)
{
    size_t len;
    if (ft_hex_decode_alloc(raw, &len, hex, strlen(hex)) != FT_OK)
        return 0;
    ft_reader r;
    ft_err err = {0};
    ft_reader_init(&r, *raw, len);
    if (ft_btc_tx_parse(tx, &r, a, &err) != FT_OK || r.left != 0) {
        fprintf(stderr, "parse failed: %s\n", err.msg);
        return 0;
    }
    return 1;
}

/* The spent tx of an enriched input, from the case's getrawtransaction responses. */
static void check_enriched_input(const char *dir, const cJSON *ein, const ft_btc_params *net)
{
    const cJSON *value = cJSON_GetObjectItem(ein, "value");
    if (!cJSON_IsNumber(value))
        return; /* not enriched */
    const char *spent = cJSON_GetObjectItem(ein, "spent_transaction_hash")->valuestring;
    char rel[512];
    snprintf(rel, sizeof rel, ETL_DIR "%s/rpc_response_getrawtransaction_%s.json", dir, spent);
    cJSON *resp = read_json(ft_test_path("shared", rel));
    CHECK(resp != NULL);
    if (!resp)
        return;
    const cJSON *res = cJSON_GetObjectItem(resp, "result");
    if (!res)
        res = resp;
    const cJSON *hex = cJSON_IsString(res) ? res : cJSON_GetObjectItem(res, "hex");
    CHECK(cJSON_IsString(hex));
    ft_arena a;
    ft_arena_init(&a);
    uint8_t *raw = NULL;
    ft_btc_tx tx;
    if (cJSON_IsString(hex) && decode_hex(hex->valuestring, &raw, &tx, &a)) {
        char id[65];
        ft_hex_encode_rev(id, tx.txid, 32);
        CHECK_STR(id, spent);
        uint32_t vout = (uint32_t)num(ein, "spent_output_index");
        CHECK(vout < tx.n_out);
        if (vout < tx.n_out)
            check_output(&tx.out[vout], ein, net, 0);
    } else {
        CHECK(!"spent tx did not decode");
    }
    free(raw);
    ft_arena_release(&a);
    cJSON_Delete(resp);
}

static int run_case(const char *dir, int *enriched)
{
    const ft_btc_params *net = ft_btc_params_get(FT_BTC_MAIN);
    char rel[512];
    snprintf(rel, sizeof rel, ETL_DIR "%s/expected_transactions.json", dir);
    cJSON *rows = read_json_lines(ft_test_path("shared", rel));
    int matched = 0;
    snprintf(rel, sizeof rel, ETL_DIR "%s", dir);
    DIR *d = opendir(ft_test_path("shared", rel));
    CHECK(d != NULL);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name);
        if (strncmp(e->d_name, "rpc_response_getblock_", 22) != 0 || nl < 7 ||
            strcmp(e->d_name + nl - 7, "_2.json") != 0)
            continue;
        char path[600];
        snprintf(path, sizeof path, ETL_DIR "%s/%s", dir, e->d_name);
        cJSON *resp = read_json(ft_test_path("shared", path));
        const cJSON *blk = cJSON_GetObjectItem(resp, "result");
        if (!blk)
            blk = resp;
        const char *block_hash = cJSON_GetObjectItem(blk, "hash")->valuestring;
        const cJSON *txs = cJSON_GetObjectItem(blk, "tx");
        int index = 0;
        const cJSON *jt;
        cJSON_ArrayForEach(jt, txs)
        {
            ft_arena a;
            ft_arena_init(&a);
            uint8_t *raw = NULL;
            ft_btc_tx tx;
            const cJSON *hex = cJSON_GetObjectItem(jt, "hex");
            CHECK(cJSON_IsString(hex) && decode_hex(hex->valuestring, &raw, &tx, &a));
            if (!raw || !tx.n_in) {
                free(raw);
                ft_arena_release(&a);
                continue;
            }
            char id[65];
            ft_hex_encode_rev(id, tx.txid, 32);
            CHECK_STR(id, cJSON_GetObjectItem(jt, "txid")->valuestring);
            const cJSON *row = find_row(rows, id, block_hash);
            CHECK(row != NULL);
            if (row) {
                matched++;
                int cb = ft_btc_tx_is_coinbase(&tx);
                CHECK(cJSON_IsBool(cJSON_GetObjectItem(row, "is_coinbase")) &&
                      cJSON_IsTrue(cJSON_GetObjectItem(row, "is_coinbase")) == cb);
                CHECK(num(row, "size") == (double)tx.size);
                CHECK(num(row, "virtual_size") == (double)((tx.base_size * 3 + tx.size + 3) / 4));
                CHECK(num(row, "version") == tx.version);
                CHECK(num(row, "lock_time") == tx.locktime);
                CHECK(num(row, "index") == index);
                const cJSON *ins = cJSON_GetObjectItem(row, "inputs");
                CHECK_EQ_U64(cJSON_GetArraySize(ins), cb ? 0 : tx.n_in);
                for (uint32_t i = 0; !cb && i < tx.n_in; i++) {
                    const cJSON *ein = cJSON_GetArrayItem(ins, (int)i);
                    if (!ein)
                        break;
                    ft_hex_encode_rev(id, tx.in[i].prev_txid, 32);
                    CHECK_STR(id, cJSON_GetObjectItem(ein, "spent_transaction_hash")->valuestring);
                    CHECK(num(ein, "spent_output_index") == tx.in[i].prev_vout);
                    CHECK(num(ein, "sequence") == tx.in[i].sequence);
                    if (cJSON_IsNumber(cJSON_GetObjectItem(ein, "value"))) {
                        check_enriched_input(dir, ein, net);
                        (*enriched)++;
                    }
                }
                const cJSON *outs = cJSON_GetObjectItem(row, "outputs");
                CHECK_EQ_U64(cJSON_GetArraySize(outs), tx.n_out);
                for (uint32_t i = 0; i < tx.n_out; i++) {
                    const cJSON *eo = cJSON_GetArrayItem(outs, (int)i);
                    if (eo)
                        check_output(&tx.out[i], eo, net, 1);
                }
            }
            index++;
            free(raw);
            ft_arena_release(&a);
        }
        cJSON_Delete(resp);
    }
    if (d)
        closedir(d);
    /* every expected row was met */
    CHECK_EQ_U64(matched, cJSON_GetArraySize(rows));
    cJSON_Delete(rows);
    return matched;
}

static void test_etl_fixtures(void)
{
    int total = 0, enriched = 0;
    for (size_t i = 0; i < sizeof etl_cases / sizeof etl_cases[0]; i++)
        total += run_case(etl_cases[i], &enriched);
    CHECK_EQ_U64(total, 11);   /* 1 + 1 + 4 + 1 + 4 rows */
    CHECK_EQ_U64(enriched, 3); /* the three enriched inputs of stream_50001_50002 */
}

FT_TEST_MAIN({"etl_fixtures", test_etl_fixtures})
