/*
 * test_graph_account.c — ft_graph_load_account (engine/graph_account.c) on the bundled
 * Ethereum sample (datasets/sample/ethereum: anvil scenario as an ethereum-etl export,
 * indexed into a fresh store) and on a hand-made block with an amount above 2^128.
 *
 * Checked against the sample's own files: 16 txs; the theft tx (manifest.json) found by hash,
 * its transfers fee tip, fee burn, external 50 ETH victim → attacker; the failed tx moves
 * only its two fee rows (transactions.csv: status 0, gas_used × effective price); the pool
 * payout's internal 9.5 ETH pool → payee; the token (first asset) moved 1,000,000 tokens in
 * the token theft; every address maps back to its id; per-address net balances of the
 * graph equal expected_balances.csv (the node's own balances).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chains/ethereum/etl.h"
#include "chains/ethereum/params.h"
#include "engine/account.h"
#include "engine/graph.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/store.h"
#include "engine/u256.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

static char dir[64];

static ft_store *fresh(void)
{
    ft_test_tmpl(dir, sizeof dir, "ft_test_graph_account");
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

static void addr(uint8_t out[20], const char *hex)
{
    CHECK(ft_hex_decode(out, 20, hex + 2, 40));
}

static ft_u128 wei(const char *dec)
{
    ft_u256 v;
    ft_u128 r = 0;
    CHECK(ft_u256_parse_dec(&v, dec, strlen(dec)));
    CHECK(ft_u256_to_u128(&r, &v));
    return r;
}

static void test_sample(void)
{
    ft_store *st = fresh();
    CHECK(st != NULL);
    if (!st)
        return;
    const ft_eth_params *p = ft_eth_params_by_name("dev");
    CHECK(p != NULL);
    ft_eth_index_stats stats;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_eth_index_etl(st, p, ft_test_path("source", "datasets/sample/ethereum"), &stats,
                           &err) == FT_OK);
    ft_graph g;
    CHECK(ft_graph_load_account(&g, st, p->chain_byte, &err) == FT_OK);
    CHECK(g.model == FT_GRAPH_ACCOUNT && g.n_atx == 16);
    CHECK(g.n_asset == 2); /* ETH and the scenario's token */

    uint8_t theft[32], victim[20], attacker[20], pool[20], payee[20], token[20];
    CHECK(ft_hex_decode(theft, 32,
                        "e98e8d66a2c162396f3fb1c3c4f8403103428e08b35e28e94efd87690b392e15", 64));
    addr(victim, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    addr(attacker, "0x8c3229ec621644789d7f61faa82c6d0e5f97d43d");
    addr(pool, "0x057ef64e23666f000b34ae31332854acbd1c8544");
    addr(payee, "0x9c79357189d6af261691ecf48de9a6bbf30438fc");
    addr(token, "0x8464135c8f25da09e49bc8782676a84730c318bc");
    uint32_t v = ft_graph_account_addr_id(&g, victim), a = ft_graph_account_addr_id(&g, attacker);
    CHECK(v != 0 && a != 0 && v != a);
    CHECK(memcmp(g.addr_bytes[a], attacker, 20) == 0);
    CHECK(memcmp(g.asset_addr[1], token, 20) == 0);
    uint8_t nobody[20] = {1, 2, 3};
    CHECK(ft_graph_account_addr_id(&g, nobody) == 0);

    uint32_t t = ft_graph_account_tx_id(&g, theft);
    CHECK(t == 2); /* block 3, after the two deployments */
    if (t == 2) {
        uint32_t f = g.atx_first[t];
        CHECK(g.atx_count[t] == 3);
        CHECK(g.xfer_kind[f] == FT_XFER_FEE && g.xfer_kind[f + 1] == FT_XFER_FEE);
        CHECK(g.xfer_to[f + 1] == 0); /* the burnt base fee */
        /* transactions.csv: gas_used 21000 × effective price → 37103329683000 wei */
        CHECK(g.xfer_amount[f] + g.xfer_amount[f + 1] == wei("37103329683000"));
        CHECK(g.xfer_kind[f + 2] == FT_XFER_EXTERNAL && g.xfer_from[f + 2] == v &&
              g.xfer_to[f + 2] == a && g.xfer_asset[f + 2] == 0);
        CHECK(g.xfer_amount[f + 2] == wei("50000000000000000000"));
        CHECK(g.xfer_time[f + 2] == 1704326436);
    }
    uint8_t failed[32], payout[32], token_theft[32];
    CHECK(ft_hex_decode(failed, 32,
                        "6108b3fb249d9376a9322386170a8ddc7671de8c1c5d5a5b77a0e772ee7478d8", 64));
    CHECK(ft_hex_decode(payout, 32,
                        "c82e33db9082d35c40db40d3df1df5f5cec24c525abc94a8daea27d54c7c91a0", 64));
    CHECK(ft_hex_decode(token_theft, 32,
                        "1dfe45ca78a6fe4bcc48f1e5a243c0bf035cf9067c9994f91d6fe35a4b7c6cd5", 64));
    t = ft_graph_account_tx_id(&g, failed);
    CHECK(t != FT_GRAPH_NONE);
    if (t != FT_GRAPH_NONE) {
        CHECK(g.atx_count[t] == 2);
        uint32_t f = g.atx_first[t];
        CHECK(g.xfer_kind[f] == FT_XFER_FEE && g.xfer_kind[f + 1] == FT_XFER_FEE);
        CHECK(g.xfer_amount[f] + g.xfer_amount[f + 1] == wei("37014484519540"));
    }
    t = ft_graph_account_tx_id(&g, payout);
    int found = 0;
    for (uint32_t x = g.atx_first[t]; t != FT_GRAPH_NONE && x < g.atx_first[t] + g.atx_count[t];
         x++)
        if (g.xfer_kind[x] == FT_XFER_INTERNAL && g.xfer_from[x] == ft_graph_account_addr_id(&g, pool) &&
            g.xfer_to[x] == ft_graph_account_addr_id(&g, payee) &&
            g.xfer_amount[x] == wei("9500000000000000000"))
            found++;
    CHECK(found == 1);
    t = ft_graph_account_tx_id(&g, token_theft);
    found = 0;
    for (uint32_t x = g.atx_first[t]; t != FT_GRAPH_NONE && x < g.atx_first[t] + g.atx_count[t];
         x++)
        if (g.xfer_kind[x] == FT_XFER_TOKEN && g.xfer_asset[x] == 1 && g.xfer_from[x] == v &&
            g.xfer_to[x] == a && g.xfer_amount[x] == wei("1000000000000000000000000"))
            found++;
    CHECK(found == 1);

    /* net ETH per address = expected_balances.csv (the node's balances) */
    static const struct {
        const char *addr, *wei;
        int neg;
    } want[] = {
        {"0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "50000322341223039515", 1},
        {"0x8c3229ec621644789d7f61faa82c6d0e5f97d43d", "13999811858257254054", 0},
        {"0x9586a4833970847aef259ad5bfb7aa8901ddf746", "1999970703756874324", 0},
        {"0x057ef64e23666f000b34ae31332854acbd1c8544", "500000000000000000", 0},
        {"0x9c79357189d6af261691ecf48de9a6bbf30438fc", "9500000000000000000", 0},
        {"0xd96eb0f2e106ea7c0a939e9c460a17ace65fecff", "4779277335000", 0},
        {"0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", "10999911506555197997", 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint8_t k[20];
        addr(k, want[i].addr);
        uint32_t id = ft_graph_account_addr_id(&g, k);
        ft_u128 in = 0, out = 0;
        for (uint32_t x = 0; x < g.n_xfer; x++) {
            if (g.xfer_asset[x] != 0)
                continue;
            if (g.xfer_to[x] == id)
                in += g.xfer_amount[x];
            if (g.xfer_from[x] == id)
                out += g.xfer_amount[x];
        }
        ft_u128 w = wei(want[i].wei);
        if (want[i].neg)
            CHECK(out - in == w);
        else
            CHECK(in - out == w);
    }
    ft_graph_release(&g);
    CHECK(g.xfer_amount == NULL && g.n_xfer == 0);
    wipe(st);
}

/* A block whose one transfer moves 2^200 units: the loader refuses it, naming the row. */
static void test_limit(void)
{
    ft_store *st = fresh();
    CHECK(st != NULL);
    if (!st)
        return;
    ft_account *ac = NULL;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_account_open(&ac, st, FT_CHAIN_EVMDEV, 31337, &err) == FT_OK);
    ft_account_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.hash[0] = 0xaa;
    tx.from[0] = 1;
    tx.has_to = 1;
    tx.to[0] = 2;
    tx.status = FT_TX_STATUS_OK;
    ft_account_xfer x;
    memset(&x, 0, sizeof x);
    x.tx_index = 0;
    x.kind = FT_XFER_TOKEN;
    x.flags = FT_XFER_MOVES;
    x.has_from = x.has_to = x.has_asset = 1;
    x.from[0] = 1;
    x.to[0] = 2;
    x.asset[0] = 9;
    x.amount.w[3] = 1u << 8; /* 2^200 */
    ft_account_block b;
    memset(&b, 0, sizeof b);
    b.height = 0;
    b.hash[0] = 0x11;
    b.time = 1700000000;
    b.n_tx = 1;
    b.txs = &tx;
    b.n_xfer = 1;
    b.xfers = &x;
    CHECK(ft_account_append(ac, &b, &err) == FT_OK);
    CHECK(ft_account_commit(ac, &err) == FT_OK);
    ft_account_close(ac);
    ft_graph g;
    CHECK(ft_graph_load_account(&g, st, FT_CHAIN_EVMDEV, &err) == FT_ERR_LIMIT);
    CHECK(strstr(err.msg, "transfer 0 of block 0") != NULL && strstr(err.msg, "2^128") != NULL);
    CHECK(g.xfer_amount == NULL);
    CHECK(ft_graph_load_account(&g, st, FT_CHAIN_ETH, &err) == FT_ERR_NOTFOUND);
    wipe(st);
}

FT_TEST_MAIN({"sample", test_sample}, {"limit", test_limit})
