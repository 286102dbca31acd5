/*
 * test_engine_core.c — the engine's foundation: the bounded reader, CompactSize rules, hex,
 * exact amount text, hashing (known vectors), the merkle root and the arena.
 */
#include "engine/amount.h"
#include "engine/arena.h"
#include "engine/buf.h"
#include "engine/csv.h"
#include "engine/hash.h"
#include "engine/hex.h"
#include "engine/reader.h"
#include "tests/unit/ft_test.h"

static void test_reader_bounds(void)
{
    const uint8_t data[] = {1, 2, 3, 4, 5};
    ft_reader r;
    uint32_t v32;
    uint8_t v8;
    ft_reader_init(&r, data, sizeof data);
    CHECK(ft_reader_u32le(&r, &v32) && v32 == 0x04030201);
    CHECK(ft_reader_u8(&r, &v8) && v8 == 5);
    CHECK(!ft_reader_u8(&r, &v8) && v8 == 0);
    CHECK(r.failed);
    /* sticky: even a zero-length read fails now */
    CHECK(!ft_reader_skip(&r, 0));
    ft_reader_init(&r, data, 3);
    CHECK(!ft_reader_u32le(&r, &v32) && v32 == 0);
}

static void test_compact_size(void)
{
    uint64_t v;
    ft_reader r;
    const uint8_t ok[] = {0xfd, 0xfd, 0x00};
    ft_reader_init(&r, ok, sizeof ok);
    CHECK(ft_reader_compact(&r, UINT64_MAX, &v) && v == 0xfd);
    const uint8_t nonminimal[] = {0xfd, 0x10, 0x00};
    ft_reader_init(&r, nonminimal, sizeof nonminimal);
    CHECK(!ft_reader_compact(&r, UINT64_MAX, &v));
    const uint8_t nonmin32[] = {0xfe, 0xff, 0xff, 0x00, 0x00};
    ft_reader_init(&r, nonmin32, sizeof nonmin32);
    CHECK(!ft_reader_compact(&r, UINT64_MAX, &v));
    const uint8_t big[] = {0xfe, 0x00, 0x00, 0x00, 0x01};
    ft_reader_init(&r, big, sizeof big);
    CHECK(!ft_reader_compact(&r, 1000, &v)); /* above max */
    /* a count of 2^32 - 1 elements with 0 bytes left must fail before any allocation */
    const uint8_t huge_count[] = {0xfe, 0xff, 0xff, 0xff, 0xff};
    ft_reader_init(&r, huge_count, sizeof huge_count);
    CHECK(!ft_reader_count(&r, 41, &v) && v == 0);
    /* round trip of the writer */
    uint64_t samples[] = {0, 1, 0xfc, 0xfd, 0xffff, 0x10000, 0xffffffffu, 0x100000000ull};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        uint8_t buf[9];
        size_t n = ft_put_compact(buf, samples[i]);
        CHECK(n == ft_compact_size(samples[i]));
        ft_reader_init(&r, buf, n);
        CHECK(ft_reader_compact(&r, UINT64_MAX, &v) && v == samples[i] && r.left == 0);
    }
}

static void test_hex(void)
{
    uint8_t b[4];
    char s[9];
    CHECK(ft_hex_decode(b, 4, "DEADbeef", 8));
    ft_hex_encode(s, b, 4);
    CHECK_STR(s, "deadbeef");
    ft_hex_encode_rev(s, b, 4);
    CHECK_STR(s, "efbeadde");
    CHECK(!ft_hex_decode(b, 4, "deadbee", 7));
    CHECK(!ft_hex_decode(b, 4, "deadbeeg", 8));
    uint8_t *p;
    size_t n;
    CHECK(ft_hex_decode_alloc(&p, &n, " 0102\n", 6) == FT_OK && n == 2 && p[1] == 2);
    free(p);
    CHECK(ft_hex_decode_alloc(&p, &n, "012", 3) == FT_ERR_PARSE && p == NULL);
}

static void test_amounts(void)
{
    char s[FT_AMOUNT_STR_MAX];
    ft_amount_format(s, 50000000, 8);
    CHECK_STR(s, "0.50000000");
    ft_amount_format(s, 1, 8);
    CHECK_STR(s, "0.00000001");
    ft_amount_format(s, FT_BTC_MAX_MONEY, 8);
    CHECK_STR(s, "21000000.00000000");
    ft_amount_format(s, 0, 0);
    CHECK_STR(s, "0");
    ft_u128 max = ~(ft_u128)0;
    ft_amount_format(s, max, 18);
    CHECK_STR(s, "340282366920938463463.374607431768211455");
    ft_u128 v;
    CHECK(ft_amount_parse(&v, "1.5", 8) == FT_OK && v == 150000000);
    CHECK(ft_amount_parse(&v, "0.000000001", 8) == FT_ERR_PARSE);
    CHECK(ft_amount_parse(&v, "-1", 8) == FT_ERR_PARSE);
    CHECK(ft_amount_parse(&v, "1e5", 8) == FT_ERR_PARSE);
    CHECK(ft_amount_parse(&v, ".", 8) == FT_ERR_PARSE);
    CHECK(ft_amount_parse(&v, "340282366920938463463.374607431768211456", 18) == FT_ERR_LIMIT);
    CHECK(ft_amount_parse(&v, "340282366920938463463.374607431768211455", 18) == FT_OK &&
          v == max);
    CHECK(!ft_u128_add(&v, max, 1));
    CHECK(!ft_u128_mul(&v, max, 2));
}

static void test_hashes(void)
{
    uint8_t h[32];
    char s[65];
    ft_sha256(h, "abc", 3);
    ft_hex_encode(s, h, 32);
    CHECK_STR(s, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ft_sha256d(h, "hello", 5);
    ft_hex_encode(s, h, 32);
    CHECK_STR(s, "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50");
    uint8_t h160[20];
    /* HASH160 of the compressed generator point G */
    uint8_t g[33];
    CHECK(ft_hex_decode(g, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
                        66));
    ft_hash160(h160, g, 33);
    ft_hex_encode(s, h160, 20);
    CHECK_STR(s, "751e76e8199196d454941c45d1b3a323f1433bd6");
    ft_sha256_ctx ctx;
    ft_sha256_init(&ctx);
    ft_sha256_update(&ctx, "a", 1);
    ft_sha256_update(&ctx, "bc", 2);
    ft_sha256_final(&ctx, h);
    ft_hex_encode(s, h, 32);
    CHECK_STR(s, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_merkle(void)
{
    uint8_t leaves[3][32], root[32], expect[32], pair[64];
    int mutated;
    for (int i = 0; i < 3; i++)
        memset(leaves[i], i + 1, 32);
    CHECK(ft_merkle_root(root, &mutated, (const uint8_t(*)[32])leaves, 1) == FT_OK);
    CHECK(memcmp(root, leaves[0], 32) == 0 && !mutated);
    /* three leaves: H(H(a,b), H(c,c)) */
    uint8_t ab[32], cc[32];
    memcpy(pair, leaves[0], 32);
    memcpy(pair + 32, leaves[1], 32);
    ft_sha256d(ab, pair, 64);
    memcpy(pair, leaves[2], 32);
    memcpy(pair + 32, leaves[2], 32);
    ft_sha256d(cc, pair, 64);
    memcpy(pair, ab, 32);
    memcpy(pair + 32, cc, 32);
    ft_sha256d(expect, pair, 64);
    CHECK(ft_merkle_root(root, &mutated, (const uint8_t(*)[32])leaves, 3) == FT_OK);
    CHECK(memcmp(root, expect, 32) == 0 && !mutated);
    /* two identical leaves are the CVE-2012-2459 mutation */
    memcpy(leaves[1], leaves[0], 32);
    CHECK(ft_merkle_root(root, &mutated, (const uint8_t(*)[32])leaves, 2) == FT_OK && mutated);
    CHECK(ft_merkle_root(root, &mutated, (const uint8_t(*)[32])leaves, 0) == FT_ERR_ARG);
}

static void test_arena_and_buf(void)
{
    ft_arena a;
    ft_arena_init(&a);
    uint8_t *p = ft_arena_calloc(&a, 10, 1);
    CHECK(p && p[9] == 0 && ((uintptr_t)p & 15) == 0);
    uint8_t *big = ft_arena_calloc(&a, 1, 1 << 20);
    CHECK(big && big[(1 << 20) - 1] == 0);
    uint8_t *q = ft_arena_calloc(&a, 3, 5);
    CHECK(q && q != p && ((uintptr_t)q & 15) == 0);
    CHECK(ft_arena_calloc(&a, SIZE_MAX, 2) == NULL);
    ft_arena_release(&a);
    ft_buf b;
    ft_buf_init(&b);
    ft_buf_u32be(&b, 0x01020304);
    ft_buf_compact(&b, 300);
    ft_buf_str(&b, "x");
    CHECK(!b.failed && b.len == 8 && b.data[0] == 1 && b.data[4] == 0xfd && b.data[7] == 'x');
    ft_buf_release(&b);
}

static void check_cell(const char *in, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(f != NULL);
    if (!f)
        return;
    ft_csv_cell(f, in);
    fclose(f);
    CHECK_STR(buf, want);
    free(buf);
}

static void test_csv_cells(void)
{
    check_cell("Binance", "Binance");
    check_cell("", "");
    check_cell("a,b", "\"a,b\"");
    check_cell("say \"hi\"", "\"say \"\"hi\"\"\"");
    check_cell("line\nbreak", "\"line\nbreak\"");
    /* formula injection: made inert with a leading quote, inside quotes */
    check_cell("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"");
    check_cell("+1", "\"'+1\"");
    check_cell("-1", "\"'-1\"");
    check_cell("@SUM(A1)", "\"'@SUM(A1)\"");
    check_cell("\tx", "\"'\tx\"");
    check_cell("\rx", "\"'\rx\"");
}

FT_TEST_MAIN({"reader_bounds", test_reader_bounds}, {"compact_size", test_compact_size},
             {"hex", test_hex}, {"amounts", test_amounts}, {"hashes", test_hashes},
             {"merkle", test_merkle}, {"arena_and_buf", test_arena_and_buf},
             {"csv_cells", test_csv_cells})
