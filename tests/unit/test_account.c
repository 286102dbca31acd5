/*
 * test_account.c — the account-model records (engine/account.c) with real blocks: the
 * ethereum-etl fixture blocks 1755634..1755635 and their receipts go through the same
 * assembly as the RPC ingest; then per-tx rows (fee, external, token in order), balances per
 * (address, asset), the parent check, rollback to a byte-identical earlier index, a chain id
 * mismatch, corrupt records, and the geth/parity trace semantics (reverted subtrees move
 * nothing) on the fixtures' traces.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chains/ethereum/block.h"
#include "chains/ethereum/params.h"
#include "engine/account.h"
#include "engine/keys.h"
#include "engine/store.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

#define STREAM "data/peer_tests/ethereum-etl/test_stream/blocks_1755634_1755635/"

static cJSON *load(const char *rel)
{
    size_t len;
    unsigned char *t = ft_test_read(ft_test_path("shared", rel), &len);
    cJSON *j = cJSON_ParseWithLength((const char *)t, len);
    free(t);
    return j;
}

/* Block h of the stream fixture, assembled. */
static int stream_block(ft_eth_block *b, ft_account_block *out, const char *file)
{
    cJSON *j = load(file);
    ft_err err;
    int ok = ft_eth_block_from_rpc(b, cJSON_GetObjectItem(j, "result"), &err) == FT_OK;
    cJSON_Delete(j);
    static const char *const receipts[] = {
        STREAM "web3_response.eth_getTransactionReceipt_0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d.json",
        STREAM "web3_response.eth_getTransactionReceipt_0x9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb.json",
    };
    for (uint32_t i = 0; ok && i < b->n_tx && i < 2; i++) {
        cJSON *r = load(receipts[i]);
        ok = ft_eth_block_add_rpc_receipt(b, cJSON_GetObjectItem(r, "result"), &err) == FT_OK;
        cJSON_Delete(r);
    }
    if (ok)
        ok = ft_eth_block_assemble(b, ft_eth_params_by_name("ethereum"), out, &err) == FT_OK;
    if (!ok)
        fprintf(stderr, "stream block: %s\n", err.msg);
    return ok;
}

static char dir[64];

static ft_store *fresh(void)
{
    ft_test_tmpl(dir, sizeof dir, "ft_test_account");
    if (!mkdtemp(dir))
        return NULL;
    ft_store *st = NULL;
    if (ft_store_open(&st, dir, FT_STORE_WRITE, NULL) != FT_OK)
        return NULL;
    return st;
}

static void wipe(ft_store *st)
{
    ft_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void test_ledger(void)
{
    ft_store *st = fresh();
    CHECK(st != NULL);
    if (!st)
        return;
    ft_eth_block b0, b1;
    ft_account_block a0, a1;
    ft_eth_block_init(&b0);
    ft_eth_block_init(&b1);
    CHECK(stream_block(&b0, &a0, STREAM "web3_response.eth_getBlockByNumber_0x1ac9f2_true.json"));
    CHECK(stream_block(&b1, &a1, STREAM "web3_response.eth_getBlockByNumber_0x1ac9f3_true.json"));
    ft_account *ac;
    ft_err err;
    CHECK(ft_account_open(&ac, st, FT_CHAIN_ETH, 1, &err) == FT_OK);
    /* the child first: not the tip's successor once the parent is in */
    CHECK(ft_account_append(ac, &a0, &err) == FT_OK);
    CHECK(ft_account_commit(ac, &err) == FT_OK);
    uint8_t d0[32], d1[32], d2[32];
    CHECK(ft_store_digest(st, d0, &err) == FT_OK);
    ft_account_block wrong = a1;
    wrong.parent[5] ^= 1;
    CHECK(ft_account_append(ac, &wrong, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "has parent") != NULL);
    CHECK(ft_account_append(ac, &a1, &err) == FT_OK);
    CHECK(ft_account_commit(ac, &err) == FT_OK);
    CHECK(ft_store_digest(st, d1, &err) == FT_OK);

    /* tx 0: fee (tip to the miner, no base fee in 2016), zero-value call, token transfer */
    uint8_t hash[32];
    uint32_t h, idx;
    CHECK(ft_eth_hex_hash(hash, "0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d"));
    CHECK(ft_account_tx_find(st, FT_CHAIN_ETH, hash, &h, &idx, &err) == FT_OK);
    CHECK(h == 1755635 && idx == 0);
    ft_account_tx tx;
    CHECK(ft_account_tx_get(st, FT_CHAIN_ETH, h, idx, &tx, &err) == FT_OK);
    CHECK(tx.gas_used == 36418 && tx.status == FT_TX_STATUS_UNKNOWN && tx.n_xfer == 3);
    ft_account_xfer *rows;
    uint32_t n;
    CHECK(ft_account_xfers_get(st, FT_CHAIN_ETH, h, tx.first_xfer, tx.n_xfer, &rows, &n, &err) == FT_OK);
    CHECK(n == 3);
    if (n == 3) {
        CHECK(rows[0].kind == FT_XFER_FEE && (rows[0].flags & FT_XFER_MOVES));
        char v[FT_U256_DEC_MAX];
        ft_u256_to_dec(v, &rows[0].amount);
        CHECK_STR(v, "728360000000000"); /* 36418 gas x 20 gwei */
        CHECK(rows[1].kind == FT_XFER_EXTERNAL && !(rows[1].flags & FT_XFER_MOVES));
        CHECK(rows[2].kind == FT_XFER_TOKEN && rows[2].has_asset && rows[2].log_index == 0);
        ft_u256_to_dec(v, &rows[2].amount);
        CHECK_STR(v, "5000000000000000000");
    }
    ft_account_xfers_free(rows, n);

    /* balances: the miner got both fees; the token recipient holds 5e18 units */
    uint8_t miner[20], tok_to[20];
    CHECK(ft_eth_hex_addr(miner, "0xa027231f42c80ca4125b5cb962a21cd4f812e88f"));
    ft_account_addrview v;
    CHECK(ft_account_address_view(st, FT_CHAIN_ETH, miner, &v, &err) == FT_OK);
    char s[FT_U256_DEC_MAX];
    ft_u256_to_dec(s, &v.assets[0].balance);
    CHECK_STR(s, "1148360000000000"); /* 728360000000000 + 420000000000000 */
    CHECK(v.tx_count == 2 && v.first_seen == 1466669562);
    ft_account_addrview_release(&v);
    CHECK(ft_eth_hex_addr(tok_to, "0x8b3b3b624c3c0397d3da8fd861512393d51dcbac"));
    CHECK(ft_account_address_view(st, FT_CHAIN_ETH, tok_to, &v, &err) == FT_OK);
    CHECK(v.n_assets == 2 && ft_u256_is_zero(&v.assets[0].balance));
    if (v.n_assets == 2) {
        ft_u256_to_dec(s, &v.assets[1].balance);
        CHECK_STR(s, "5000000000000000000");
    }
    ft_account_addrview_release(&v);

    /* rollback of the last block gives back the earlier index byte for byte; re-append = same */
    CHECK(ft_account_rollback(ac, 1755635, &err) == FT_OK);
    CHECK(ft_store_digest(st, d2, &err) == FT_OK);
    CHECK(memcmp(d0, d2, 32) == 0);
    CHECK(ft_account_tx_find(st, FT_CHAIN_ETH, hash, &h, &idx, &err) == FT_ERR_NOTFOUND);
    CHECK(ft_account_append(ac, &a1, &err) == FT_OK && ft_account_commit(ac, &err) == FT_OK);
    CHECK(ft_store_digest(st, d2, &err) == FT_OK);
    CHECK(memcmp(d1, d2, 32) == 0);
    /* a rollback below the first block empties the chain */
    CHECK(ft_account_rollback(ac, 0, &err) == FT_OK);
    ft_account_chainrec rec;
    CHECK(ft_account_chain_get(st, FT_CHAIN_ETH, &rec, &err) == FT_OK && !rec.has_tip && rec.n_tx == 0);
    ft_account_close(ac);

    /* another chain id under the same chain byte is refused */
    CHECK(ft_account_open(&ac, st, FT_CHAIN_ETH, 56, &err) == FT_ERR_STATE);
    /* a damaged record is reported, not misread */
    uint8_t key[2] = {FT_KEY_ACCT_CHAIN, FT_CHAIN_ETH};
    ft_store_batch *bt = ft_store_batch_new();
    ft_store_batch_put(bt, key, 2, "\x01\x01", 2);
    CHECK(ft_store_batch_commit(st, bt, 1, &err) == FT_OK);
    ft_store_batch_free(bt);
    CHECK(ft_account_chain_get(st, FT_CHAIN_ETH, &rec, &err) == FT_ERR_CORRUPT);
    ft_eth_block_free_assembled(&a0);
    ft_eth_block_free_assembled(&a1);
    ft_eth_block_release(&b0);
    ft_eth_block_release(&b1);
    wipe(st);
}

/* Traces: rows, reverted subtrees, rewards, both formats. */
static void check_traces(const char *file, int geth, uint32_t want_rows, uint32_t want_moving)
{
    cJSON *j = load(file);
    ft_eth_block b;
    ft_eth_block_init(&b);
    ft_err err;
    ft_status s = geth ? ft_eth_block_add_geth_traces(&b, cJSON_GetObjectItem(j, "result"), &err)
                       : ft_eth_block_add_parity_traces(&b, cJSON_GetObjectItem(j, "result"), &err);
    CHECK(s == FT_OK);
    ft_eth_block_finish_traces(&b);
    uint32_t moving = 0;
    for (size_t i = 0; i < b.n_traces; i++) {
        const ft_eth_trace *t = &b.traces[i];
        if (!t->reverted && !t->value_unknown && !ft_u256_is_zero(&t->value) && t->has_to &&
            (t->sub == FT_XSUB_CALL || t->sub == FT_XSUB_SELFDESTRUCT || t->sub == FT_XSUB_CREATE ||
             t->sub == FT_XSUB_REWARD_BLOCK))
            moving++;
    }
    CHECK_EQ_U64(b.n_traces, want_rows);
    CHECK_EQ_U64(moving, want_moving);
    ft_eth_block_release(&b);
    cJSON_Delete(j);
}

static void test_traces(void)
{
    /* block 1000895: tx 0's call ran out of gas (moves nothing), tx 1 pays 1.1 ETH, reward */
    check_traces("data/peer_tests/ethereum-etl/test_export_traces_job/block_with_error/"
                 "web3_response.trace_block_0xf45bf.json", 0, 3, 2);
    check_traces("data/peer_tests/ethereum-etl/test_extract_geth_traces_job/block_with_error/"
                 "web3_response.debug_traceBlockByNumber_0xf45bf_tracer_calltracer.json", 1, 2, 1);
    /* block 1011973: zero-value call, self-destruct sending 0.05 ETH back, reward */
    check_traces("data/peer_tests/ethereum-etl/test_export_traces_job/block_with_suicide/"
                 "web3_response.trace_block_0xf7105.json", 0, 3, 2);
    /* geth's old SELFDESTRUCT frame has no value: not counted as moving */
    check_traces("data/peer_tests/ethereum-etl/test_extract_geth_traces_job/block_with_suicide/"
                 "web3_response.debug_traceBlockByNumber_0xf7105_tracer_calltracer.json", 1, 2, 0);
}

FT_TEST_MAIN({"ledger", test_ledger}, {"traces", test_traces})
