/*
 * test_eth_keccak.c — Keccak-256 (legacy padding) against published vectors, the sponge
 * against OpenSSL's SHA3-256 at every length around the block size, incremental = one-shot,
 * EIP-55 checksums from the EIP's own examples, and the u256 helpers' exact text.
 */
#include <openssl/evp.h>
#include <string.h>

#include "chains/ethereum/address.h"
#include "chains/ethereum/keccak.h"
#include "engine/hex.h"
#include "engine/u256.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

static void check_hash(const char *msg, const char *want)
{
    uint8_t h[32];
    char hex[65];
    ft_eth_keccak256(h, msg, strlen(msg));
    ft_hex_encode(hex, h, 32);
    CHECK_STR(hex, want);
}

static void test_vectors(void)
{
    /* Keccak team / Ethereum yellow paper: keccak256("") and keccak256("abc") */
    check_hash("", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    check_hash("abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    /* the ERC-20 Transfer event topic every token transfer log carries */
    check_hash("Transfer(address,address,uint256)",
               "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
    /* function selector transfer(address,uint256) = a9059cbb (in the fixtures' tx inputs) */
    uint8_t h[32];
    ft_eth_keccak256(h, "transfer(address,uint256)", 25);
    CHECK(h[0] == 0xa9 && h[1] == 0x05 && h[2] == 0x9c && h[3] == 0xbb);
}

static void test_against_openssl_sha3(void)
{
    uint8_t msg[700], ours[32], theirs[32];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 131 + 7);
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA3-256", NULL);
    CHECK(md != NULL);
    if (!md)
        return;
    int bad = 0;
    for (size_t n = 0; n <= sizeof msg; n++) {
        unsigned int len = 0;
        ft_eth_sha3_256(ours, msg, n);
        EVP_Digest(msg, n, theirs, &len, md, NULL);
        if (len != 32 || memcmp(ours, theirs, 32) != 0)
            bad++;
    }
    EVP_MD_free(md);
    CHECK_EQ_U64(bad, 0);
}

static void test_incremental(void)
{
    uint8_t msg[1000], one[32], inc[32];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i ^ 0x5a);
    ft_eth_keccak256(one, msg, sizeof msg);
    static const size_t steps[] = {1, 7, 135, 136, 137, 300};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        ft_eth_keccak_ctx c;
        ft_eth_keccak_init(&c);
        for (size_t off = 0; off < sizeof msg; off += steps[s]) {
            size_t n = sizeof msg - off < steps[s] ? sizeof msg - off : steps[s];
            ft_eth_keccak_update(&c, msg + off, n);
        }
        ft_eth_keccak_final(&c, inc);
        CHECK(memcmp(one, inc, 32) == 0);
    }
}

static void test_eip55(void)
{
    static const char *const vectors[] = {
        /* EIP-55's own examples */
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    };
    for (size_t i = 0; i < 4; i++) {
        uint8_t a[20];
        char lower[64], out[FT_ETH_ADDR_STR_MAX];
        for (size_t k = 0; k <= strlen(vectors[i]); k++)
            lower[k] = (char)(vectors[i][k] >= 'A' && vectors[i][k] <= 'F' ? vectors[i][k] + 32
                                                                           : vectors[i][k]);
        CHECK(ft_eth_address_parse(a, lower, strlen(lower), NULL) == FT_OK);
        ft_eth_address_format(out, a);
        CHECK_STR(out, vectors[i]);
        CHECK(ft_eth_address_parse(a, vectors[i], strlen(vectors[i]), NULL) == FT_OK);
    }
    uint8_t a[20];
    ft_err err;
    /* one letter's case flipped: the checksum catches it */
    CHECK(ft_eth_address_parse(a, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", 42, &err) ==
          FT_ERR_PARSE);
    CHECK(strstr(err.msg, "checksum") != NULL);
    CHECK(ft_eth_address_parse(a, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA", 40, NULL) ==
          FT_ERR_PARSE);
    CHECK(ft_eth_address_parse(a, "0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", 42, NULL) == FT_OK);
}

static void test_u256(void)
{
    ft_u256 v, w, r;
    char s[FT_U256_DEC_MAX];
    const char *max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    CHECK(ft_u256_parse_dec(&v, max, strlen(max)));
    ft_u256_to_dec(s, &v);
    CHECK_STR(s, max);
    w = ft_u256_from_u64(1);
    CHECK(!ft_u256_add(&r, &v, &w)); /* 2^256 overflows */
    CHECK(!ft_u256_parse_dec(&r, "115792089237316195423570985008687907853269984665640564039457584007913129639936", 78));
    CHECK(ft_u256_parse_hex(&v, "0x4563918244f40000", 18));
    ft_u256_format(s, &v, 18);
    CHECK_STR(s, "5.000000000000000000");
    CHECK(ft_u256_parse_hex(&v, "0x1", 3));
    ft_u256_format(s, &v, 18);
    CHECK_STR(s, "0.000000000000000001");
    CHECK(ft_u256_parse_dec(&v, "64655529900000002048", 20)); /* > 2^64, from the traces fixture */
    ft_u256_to_hex(s, &v);
    CHECK_STR(s, "0x3814695e26625c000");
    CHECK(ft_u256_parse_dec(&w, "21000", 5));
    CHECK(ft_u256_mul(&r, &v, &w));
    ft_u256_to_dec(s, &r);
    CHECK_STR(s, "1357766127900000043008000");
    CHECK(ft_u256_sub(&r, &r, &r) && ft_u256_is_zero(&r));
    CHECK(!ft_u256_sub(&r, &w, &v));
    CHECK(!ft_u256_parse_hex(&v, "12", 2));   /* 0x required */
    CHECK(!ft_u256_parse_hex(&v, "0xg1", 4));
}

FT_TEST_MAIN({"vectors", test_vectors}, {"against_openssl_sha3", test_against_openssl_sha3},
             {"incremental", test_incremental}, {"eip55", test_eip55}, {"u256", test_u256})
