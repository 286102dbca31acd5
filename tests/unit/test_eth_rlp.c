/*
 * test_eth_rlp.c — the RLP decoder: the yellow paper's examples, canonical-form rejections,
 * encode → decode round trips, and every proper prefix of real signed transactions failing
 * cleanly.
 */
#include <string.h>

#include "chains/ethereum/rlp.h"
#include "engine/hex.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

static int decode_hex(const char *hex, ft_eth_rlp_item *it, size_t *left)
{
    static uint8_t buf[512];
    size_t n = strlen(hex) / 2;
    if (!ft_hex_decode(buf, n, hex, 2 * n))
        return -1;
    ft_reader r;
    ft_reader_init(&r, buf, n);
    int ok = ft_eth_rlp_next(&r, it);
    *left = r.left;
    return ok;
}

static void test_examples(void)
{
    ft_eth_rlp_item it;
    size_t left;
    /* "dog" = [0x83, 'd', 'o', 'g'] */
    CHECK(decode_hex("83646f67", &it, &left) == 1 && !it.list && it.len == 3 &&
          memcmp(it.data, "dog", 3) == 0 && left == 0);
    /* ["cat", "dog"] */
    CHECK(decode_hex("c88363617483646f67", &it, &left) == 1 && it.list && it.len == 8);
    ft_reader r;
    ft_reader_init(&r, it.data, it.len);
    ft_eth_rlp_item a, b;
    CHECK(ft_eth_rlp_next(&r, &a) && ft_eth_rlp_next(&r, &b) && r.left == 0);
    CHECK(a.len == 3 && memcmp(a.data, "cat", 3) == 0 && b.len == 3);
    /* empty string, empty list, 0x0f, 1024 = 0x820400 */
    CHECK(decode_hex("80", &it, &left) == 1 && it.len == 0 && !it.list);
    CHECK(decode_hex("c0", &it, &left) == 1 && it.len == 0 && it.list);
    uint64_t v;
    CHECK(decode_hex("0f", &it, &left) == 1 && ft_eth_rlp_u64(&it, &v) && v == 15);
    CHECK(decode_hex("820400", &it, &left) == 1 && ft_eth_rlp_u64(&it, &v) && v == 1024);
    /* a 56-byte string takes the long form b838 */
    char hex[300] = "b838";
    for (int i = 0; i < 56; i++)
        memcpy(hex + 4 + 2 * i, "61", 3);
    CHECK(decode_hex(hex, &it, &left) == 1 && it.len == 56);
}

static void test_non_canonical(void)
{
    ft_eth_rlp_item it;
    size_t left;
    CHECK(decode_hex("8105", &it, &left) == 0);     /* single byte < 0x80 wrapped */
    CHECK(decode_hex("b80161", &it, &left) == 0);   /* long form for a short string */
    CHECK(decode_hex("b9000161", &it, &left) == 0); /* leading zero in the length */
    CHECK(decode_hex("83646f", &it, &left) == 0);   /* truncated payload */
    CHECK(decode_hex("c4836461", &it, &left) == 0); /* list longer than the bytes */
    CHECK(decode_hex("bf", &it, &left) == 0);       /* length of length 8, bytes missing */
    CHECK(decode_hex("820004", &it, &left) == 1 && !ft_eth_rlp_u256(&it, &(ft_u256){{0}}));
}

static void test_round_trip(void)
{
    static const uint64_t vals[] = {0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffffff, 1ULL << 56, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        ft_buf b;
        ft_buf_init(&b);
        ft_eth_rlp_put_u64(&b, vals[i]);
        ft_reader r;
        ft_reader_init(&r, b.data, b.len);
        ft_eth_rlp_item it;
        uint64_t v = 12345;
        CHECK(ft_eth_rlp_next(&r, &it) && r.left == 0 && ft_eth_rlp_u64(&it, &v) && v == vals[i]);
        ft_buf_release(&b);
    }
    uint8_t big[300];
    memset(big, 0xab, sizeof big);
    ft_buf b;
    ft_buf_init(&b);
    ft_eth_rlp_put_header(&b, 1, 303);
    ft_eth_rlp_put_bytes(&b, big, sizeof big);
    ft_reader r;
    ft_reader_init(&r, b.data, b.len);
    ft_eth_rlp_item it, in;
    CHECK(ft_eth_rlp_next(&r, &it) && it.list && it.len == 303 && r.left == 0);
    ft_reader_init(&r, it.data, it.len);
    CHECK(ft_eth_rlp_next(&r, &in) && in.len == 300 && memcmp(in.data, big, 300) == 0);
    ft_buf_release(&b);
}

static void test_prefixes(void)
{
    /* a real signed mainnet tx (block 483920, from the ethereum-etl fixtures' "raw") */
    const char *hex = "f8aa0c850ba43b740083024d4594f4eced2f682ce333f96f2d8966c613ded8fc95dd80b844"
                      "a9059cbb000000000000000000000000ac4df82fe37ea2187bc8c011a23d743b4f39019a"
                      "00000000000000000000000000000000000000000000000000000000000186a01ba0bfb1"
                      "3956262444cf3a6da9f637e22316e81e92fa464ad1cbd7a6f8bdc32dcd5aa0062c6fdb14"
                      "b33068c99793351b139cd10b3e1cf05f2357f66b7ff6fa8dd55311";
    uint8_t raw[200];
    size_t n = strlen(hex) / 2;
    CHECK(ft_hex_decode(raw, n, hex, 2 * n));
    ft_reader r;
    ft_eth_rlp_item it;
    ft_reader_init(&r, raw, n);
    CHECK(ft_eth_rlp_next(&r, &it) && r.left == 0 && it.list);
    int bad = 0;
    for (size_t k = 0; k < n; k++) {
        ft_reader_init(&r, raw, k);
        if (ft_eth_rlp_next(&r, &it))
            bad++;
    }
    CHECK_EQ_U64(bad, 0);
}

FT_TEST_MAIN({"examples", test_examples}, {"non_canonical", test_non_canonical},
             {"round_trip", test_round_trip}, {"prefixes", test_prefixes})
