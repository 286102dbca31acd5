/*
 * test_btc_tx.c — transaction parsing on real mainnet data: every tx of every block of the
 * data set re-serialises to identical bytes with and without witness (the stripped form
 * hashing to the txid and having base_size bytes); every proper prefix of sample txs (a
 * coinbase, a legacy tx, segwit txs) fails cleanly; and hand-made malformed txs hit each
 * rejection rule of tx.h.
 */
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/block.h"
#include "chains/bitcoin/tx.h"
#include "engine/buf.h"
#include "engine/hash.h"
#include "engine/hex.h"
#include "tests/unit/btc_test_data.h"
#include "tests/unit/ft_test.h"

static const char *const all_files[] = {BTC_FILE_413567, BTC_FILE_702861, BTC_FILE_277647,
                                        BTC_FILE_1_255, BTC_FILE_100K};

static void test_round_trip(void)
{
    uint64_t txs = 0, segwit = 0;
    ft_buf buf;
    ft_buf_init(&buf);
    for (size_t f = 0; f < sizeof all_files / sizeof all_files[0]; f++) {
        btc_raw_block *blocks;
        size_t n = btc_test_load(all_files[f], &blocks);
        for (size_t i = 0; i < n; i++) {
            ft_btc_block b;
            ft_err err = {0};
            if (ft_btc_block_parse(&b, blocks[i].data, blocks[i].len, &err) != FT_OK) {
                CHECK(!"block parse failed");
                continue;
            }
            for (uint32_t t = 0; t < b.n_tx; t++) {
                const ft_btc_tx *tx = &b.txs[t];
                ft_buf_reset(&buf);
                ft_btc_tx_serialize(&buf, tx, 1);
                CHECK(!buf.failed && buf.len == tx->size && memcmp(buf.data, tx->raw, tx->size) == 0);
                ft_buf_reset(&buf);
                ft_btc_tx_serialize(&buf, tx, 0);
                uint8_t id[32];
                ft_sha256d(id, buf.data, buf.len);
                CHECK(buf.len == tx->base_size && memcmp(id, tx->txid, 32) == 0);
                if (tx->has_witness) {
                    segwit++;
                    CHECK(tx->base_size < tx->size);
                    /* the stripped form parses back as a legacy tx with the same txid */
                    ft_arena a;
                    ft_arena_init(&a);
                    ft_reader r;
                    ft_btc_tx back;
                    ft_reader_init(&r, buf.data, buf.len);
                    CHECK(ft_btc_tx_parse(&back, &r, &a, &err) == FT_OK && r.left == 0 &&
                          !back.has_witness && memcmp(back.txid, tx->txid, 32) == 0);
                    ft_arena_release(&a);
                } else {
                    CHECK(tx->base_size == tx->size);
                }
                txs++;
            }
            ft_btc_block_release(&b);
        }
        btc_test_free(blocks, n);
    }
    ft_buf_release(&buf);
    /* 1557 + 2500 + 213 + 9 + 262 (heights 1..255: EXPECTED_block_summaries.csv) */
    CHECK_EQ_U64(txs, 4541);
    CHECK_EQ_U64(segwit, 2065); /* only 702861 has witness txs (its coinbase among them) */
}

/* Parses data[0..len) as one tx; returns the status and checks the failure contract. */
static ft_status parse_one(const uint8_t *data, size_t len, ft_btc_tx *tx, ft_arena *a, ft_err *err)
{
    ft_reader r;
    ft_reader_init(&r, data, len);
    ft_status st = ft_btc_tx_parse(tx, &r, a, err);
    if (st != FT_OK) {
        static const ft_btc_tx zero;
        CHECK(memcmp(tx, &zero, sizeof zero) == 0);
        CHECK(err->msg[0] != '\0');
    }
    return st;
}

static void check_prefixes(const ft_btc_tx *tx)
{
    int ok = 1;
    for (size_t cut = 0; cut < tx->size; cut++) {
        uint8_t *p = malloc(cut ? cut : 1); /* own buffer: ASan sees any overread */
        memcpy(p, tx->raw, cut);
        ft_arena a;
        ft_arena_init(&a);
        ft_btc_tx t;
        ft_err err = {0};
        if (parse_one(p, cut, &t, &a, &err) != FT_ERR_PARSE)
            ok = 0;
        ft_arena_release(&a);
        free(p);
    }
    CHECK(ok);
    /* and the whole tx parses, consuming everything */
    ft_arena a;
    ft_arena_init(&a);
    ft_btc_tx t;
    ft_err err = {0};
    ft_reader r;
    ft_reader_init(&r, tx->raw, tx->size);
    CHECK(ft_btc_tx_parse(&t, &r, &a, &err) == FT_OK && r.left == 0 &&
          memcmp(t.txid, tx->txid, 32) == 0 && memcmp(t.wtxid, tx->wtxid, 32) == 0);
    ft_arena_release(&a);
}

static void test_prefixes(void)
{
    btc_raw_block *blocks;
    size_t n = btc_test_load(BTC_FILE_702861, &blocks);
    ft_btc_block b;
    ft_err err = {0};
    CHECK(ft_btc_block_parse(&b, blocks[0].data, blocks[0].len, &err) == FT_OK);
    int sampled_segwit = 0, sampled_legacy = 0;
    check_prefixes(&b.txs[0]); /* the coinbase, with its witness reserved value */
    for (uint32_t i = 1; i < b.n_tx && (sampled_segwit < 3 || sampled_legacy < 2); i++) {
        if (b.txs[i].has_witness && sampled_segwit < 3) {
            check_prefixes(&b.txs[i]);
            sampled_segwit++;
        } else if (!b.txs[i].has_witness && sampled_legacy < 2) {
            check_prefixes(&b.txs[i]);
            sampled_legacy++;
        }
    }
    CHECK(sampled_segwit == 3 && sampled_legacy == 2);
    ft_btc_block_release(&b);
    btc_test_free(blocks, n);
}

/* The well-known tx of block 170 (first bitcoin payment, Satoshi to Hal Finney), cut from
 * btcd_blocks1-256.blk.dat (the block at height 170, its second tx). */
static const char tx170_hex[] =
    "0100000001c997a5e56e104102fa209c6a852dd90660a20b2d9c352423edce25857fcd3704000000004847304402"
    "204e45e16932b8af514961a1d3a1a25fdf3f4f7732e9d624c6c61548ab5fb8cd410220181522ec8eca07de4860a4"
    "acdd12909d831cc56cbbac4622082221a8768d1d0901ffffffff0200ca9a3b00000000434104ae1a62fe09c5f51b"
    "13905f07f06b99a2f7159b2225f374cd378d71302fa28414e7aab37397f554a7df5f142c21c1b7303b8a0626f1ba"
    "ded5c72a704f7e6cd84cac00286bee0000000043410411db93e1dcdb8a016b49840f8c53bc1eb68a382e97b1482e"
    "cad7b148a6909a5cb2e0eaddfb84ccf9744464f82e160bfa9b8b64f9d4c03f999b8643f656b412a3ac00000000";

static void test_known_tx(void)
{
    uint8_t *raw;
    size_t len;
    CHECK(ft_hex_decode_alloc(&raw, &len, tx170_hex, strlen(tx170_hex)) == FT_OK);
    ft_arena a;
    ft_arena_init(&a);
    ft_btc_tx tx;
    ft_err err = {0};
    CHECK(parse_one(raw, len, &tx, &a, &err) == FT_OK);
    char s[65];
    ft_hex_encode_rev(s, tx.txid, 32);
    CHECK_STR(s, "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16");
    CHECK(memcmp(tx.txid, tx.wtxid, 32) == 0);
    CHECK_EQ_U64(tx.version, 1);
    CHECK_EQ_U64(tx.n_in, 1);
    CHECK_EQ_U64(tx.n_out, 2);
    CHECK_EQ_U64(tx.out[0].value, 1000000000);
    CHECK_EQ_U64(tx.out[1].value, 4000000000);
    ft_hex_encode_rev(s, tx.in[0].prev_txid, 32);
    CHECK_STR(s, "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9");
    CHECK_EQ_U64(tx.in[0].prev_vout, 0);
    CHECK_EQ_U64(tx.in[0].sequence, 0xffffffff);
    CHECK_EQ_U64(tx.size, 275);
    CHECK(!ft_btc_tx_is_coinbase(&tx));
    ft_arena_release(&a);
    free(raw);
}

/* A minimal legacy tx: 1 input (empty script), 1 output (value v, empty script). */
static size_t make_tx(uint8_t *p, uint64_t value)
{
    size_t o = 0;
    ft_put_u32le(p + o, 2);
    o += 4;
    p[o++] = 1;
    memset(p + o, 0x11, 32);
    o += 32;
    ft_put_u32le(p + o, 3);
    o += 4;
    p[o++] = 0;
    ft_put_u32le(p + o, 0xfffffffe);
    o += 4;
    p[o++] = 1;
    ft_put_u64le(p + o, value);
    o += 8;
    p[o++] = 0;
    ft_put_u32le(p + o, 0);
    o += 4;
    return o;
}

static void test_rejections(void)
{
    uint8_t buf[256];
    ft_arena a;
    ft_arena_init(&a);
    ft_btc_tx tx;
    ft_err err = {0};
    size_t len = make_tx(buf, 5000);
    CHECK_EQ_U64(len, 60);
    CHECK(parse_one(buf, len, &tx, &a, &err) == FT_OK && tx.out[0].value == 5000);
    /* the largest value is fine, one satoshi more is not */
    len = make_tx(buf, 2100000000000000ull);
    CHECK(parse_one(buf, len, &tx, &a, &err) == FT_OK);
    len = make_tx(buf, 2100000000000001ull);
    CHECK(parse_one(buf, len, &tx, &a, &err) == FT_ERR_PARSE && strstr(err.msg, "21e6") != NULL);
    len = make_tx(buf, UINT64_MAX); /* -1 as int64 */
    CHECK(parse_one(buf, len, &tx, &a, &err) == FT_ERR_PARSE);

    /* zero inputs then zero outputs: the 00 is the segwit marker and the flag 00 is refused */
    uint8_t zero_in[] = {1, 0, 0, 0, 0x00, 0x00, 0, 0, 0, 0};
    CHECK(parse_one(zero_in, sizeof zero_in, &tx, &a, &err) == FT_ERR_PARSE &&
          strstr(err.msg, "witness flag") != NULL);
    /* witness flag 2 */
    uint8_t flag2[] = {1, 0, 0, 0, 0x00, 0x02, 1};
    CHECK(parse_one(flag2, sizeof flag2, &tx, &a, &err) == FT_ERR_PARSE &&
          strstr(err.msg, "witness flag") != NULL);

    /* non-minimal input count (fd 01 00) */
    len = make_tx(buf, 1);
    uint8_t nm[80];
    memcpy(nm, buf, 4);
    nm[4] = 0xfd;
    nm[5] = 0x01;
    nm[6] = 0x00;
    memcpy(nm + 7, buf + 5, len - 5);
    CHECK(parse_one(nm, len + 2, &tx, &a, &err) == FT_ERR_PARSE && strstr(err.msg, "input count"));

    /* an input count that the bytes left cannot hold: fails before allocating */
    uint8_t huge[] = {1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0};
    size_t used = a.used_total;
    CHECK(parse_one(huge, sizeof huge, &tx, &a, &err) == FT_ERR_PARSE);
    CHECK(a.used_total == used);

    /* segwit marker whose witness stacks are all empty */
    uint8_t sw[128];
    len = make_tx(buf, 7);
    memcpy(sw, buf, 4);
    sw[4] = 0;
    sw[5] = 1;
    memcpy(sw + 6, buf + 4, len - 8); /* ins and outs */
    size_t o = 6 + len - 8;
    sw[o++] = 0; /* empty stack for the one input */
    memcpy(sw + o, buf + len - 4, 4);
    o += 4;
    CHECK(parse_one(sw, o, &tx, &a, &err) == FT_ERR_PARSE && strstr(err.msg, "without witness"));
    /* the same with one witness item: fine, txid = txid of the legacy form */
    sw[o - 5] = 1;
    memmove(sw + o - 4 + 2, sw + o - 4, 4);
    sw[o - 4] = 1;
    sw[o - 3] = 0xab;
    o += 2;
    CHECK(parse_one(sw, o, &tx, &a, &err) == FT_OK);
    uint8_t legacy_id[32];
    ft_sha256d(legacy_id, buf, len);
    CHECK(tx.has_witness && memcmp(tx.txid, legacy_id, 32) == 0 &&
          memcmp(tx.wtxid, legacy_id, 32) != 0 && tx.base_size == len && tx.size == o);
    CHECK_EQ_U64(tx.in[0].witness_items, 1);
    CHECK_EQ_U64(tx.in[0].witness_len, 2);

    /* a script length running past the end */
    len = make_tx(buf, 1);
    buf[41] = 0x50;
    CHECK(parse_one(buf, len, &tx, &a, &err) == FT_ERR_PARSE);
    ft_arena_release(&a);
}

FT_TEST_MAIN({"round_trip", test_round_trip}, {"prefixes", test_prefixes},
             {"known_tx", test_known_tx}, {"rejections", test_rejections})
