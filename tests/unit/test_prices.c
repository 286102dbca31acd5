/*
 * test_prices.c — engine/prices.c on the real datasets/prices/ files (converted from
 * ../shared/data/prices_*.csv): known days of BTC and ETH at the first and last second of the
 * UTC day, the first and last rows, days outside the files and an unknown asset; stablecoins
 * at 1.00; exact valuation (max BTC supply at a 5-figure price, wei amounts) and half-up
 * rounding both at micro-USD and at cents; broken files (a bad price, a bad date, a date out
 * of order, a missing header, an unterminated quote) failing with the file and line named.
 */
#include <stdlib.h>
#include <unistd.h>

#include "engine/prices.h"
#include "ft_test.h"

#include "engine/banned.h"

#define DAY 86400
#define T_2016_05_27 1464307200LL /* 2016-05-27T00:00:00Z */
#define T_2020_02_29 1582934400LL

static ft_prices *load_real(void)
{
    ft_prices *p = NULL;
    ft_err err = {0};
    ft_status st = ft_prices_load_dir(&p, ft_test_path("source", "datasets/prices"), &err);
    if (st != FT_OK)
        fprintf(stderr, "load: %s\n", err.msg);
    CHECK(st == FT_OK);
    return p;
}

static void test_known_days(void)
{
    ft_prices *p = load_real();
    if (!p)
        return;
    uint64_t m = 0;
    /* 2016-05-27 BTC close 473.46, whole day long, neighbours differ */
    CHECK(ft_prices_day(p, "BTC", T_2016_05_27, &m));
    CHECK_EQ_U64(m, 473460000);
    CHECK(ft_prices_day(p, "btc", T_2016_05_27 + DAY - 1, &m));
    CHECK_EQ_U64(m, 473460000);
    CHECK(ft_prices_day(p, "BTC", T_2016_05_27 + DAY, &m));
    CHECK_EQ_U64(m, 530040000);
    CHECK(ft_prices_day(p, "BTC", T_2016_05_27 - 1, &m));
    CHECK_EQ_U64(m, 453380000);
    /* a leap day */
    CHECK(ft_prices_day(p, "BTC", T_2020_02_29 + 12345, &m));
    CHECK_EQ_U64(m, 8599510000ULL);
    CHECK(ft_prices_day(p, "ETH", T_2020_02_29, &m));
    CHECK_EQ_U64(m, 219850000);
    /* ETH with six decimals: 2015-08-08 0.753325 */
    CHECK(ft_prices_day(p, "ETH", 1438992000LL + 100, &m));
    CHECK_EQ_U64(m, 753325);
    /* first and last rows of BTC: 2011-08-18 10.90, 2026-06-05 61488.45 */
    CHECK(ft_prices_day(p, "BTC", 1313625600LL, &m));
    CHECK_EQ_U64(m, 10900000);
    CHECK(ft_prices_day(p, "BTC", 1780617600LL + DAY - 1, &m));
    CHECK_EQ_U64(m, 61488450000ULL);
    /* stablecoins */
    CHECK(ft_prices_day(p, "USDT", T_2020_02_29, &m));
    CHECK_EQ_U64(m, 1000000);
    CHECK(ft_prices_day(p, "USDC", 1678492800LL, &m)); /* 2023-03-11 */
    CHECK_EQ_U64(m, 1000000);
    CHECK(ft_prices_day(p, "DAI", T_2020_02_29, &m));
    CHECK_EQ_U64(m, 1000000);
    ft_prices_free(p);
}

static void test_unknown(void)
{
    ft_prices *p = load_real();
    if (!p)
        return;
    uint64_t m = 7;
    CHECK(!ft_prices_day(p, "BTC", 1313625600LL - 1, &m)); /* 2011-08-17 */
    CHECK_EQ_U64(m, 0);
    CHECK(!ft_prices_day(p, "BTC", 1780617600LL + DAY, &m)); /* 2026-06-06 */
    CHECK(!ft_prices_day(p, "BTC", -5, &m));                  /* 1969 */
    CHECK(!ft_prices_day(p, "XRP", T_2016_05_27, &m));
    CHECK(!ft_prices_day(p, "BT", T_2016_05_27, &m));
    CHECK(!ft_prices_day(p, "BTCX", T_2016_05_27, &m));
    CHECK(!ft_prices_day(p, "USDC", 1514764800LL, &m)); /* 2018-01-01: before USDC */
    ft_u128 v = 9;
    CHECK(!ft_prices_value(p, "XRP", 8, 100000000, T_2016_05_27, &v));
    CHECK(v == 0);
    CHECK(!ft_prices_day(NULL, "BTC", T_2016_05_27, &m));
    ft_prices_free(p);
}

static void test_value_and_rounding(void)
{
    ft_prices *p = load_real();
    if (!p)
        return;
    char s[FT_AMOUNT_STR_MAX];
    ft_u128 v = 0;
    /* 1.5 BTC on 2016-05-27 at 473.46 = 710.19 USD exactly */
    CHECK(ft_prices_value(p, "BTC", 8, 150000000, T_2016_05_27 + 3600, &v));
    CHECK(v == (ft_u128)710190000);
    ft_prices_format_usd(s, v);
    CHECK_STR(s, "710.19");
    /* 1 satoshi at 473.46 = 4.7346 micro-USD -> 5; 1 sat at 10.90 = 0.109 -> 0 */
    CHECK(ft_prices_value(p, "BTC", 8, 1, T_2016_05_27, &v));
    CHECK(v == 5);
    CHECK(ft_prices_value(p, "BTC", 8, 1, 1313625600LL, &v));
    CHECK(v == 0);
    /* the whole supply at 61488.45: 21e14 sat × 61488450000 / 1e8, exact */
    CHECK(ft_prices_value(p, "BTC", 8, (ft_u128)FT_BTC_MAX_MONEY, 1780617600LL, &v));
    CHECK(v == (ft_u128)21000000 * 61488450000ULL);
    ft_prices_format_usd(s, v);
    CHECK_STR(s, "1291257450000.00");
    /* 1,000,000,000.5 ETH in wei at 219.85 on 2020-02-29: 219850000110.925 USD */
    ft_u128 wei = (ft_u128)1000000000 * 1000000000000000000ULL + 500000000000000000ULL;
    CHECK(ft_prices_value(p, "ETH", 18, wei, T_2020_02_29, &v));
    CHECK(v == (ft_u128)219850000109925000ULL);
    ft_prices_format_usd(s, v);
    CHECK_STR(s, "219850000109.93");
    ft_prices_free(p);

    /* half up at micro-USD: x.5 goes up, x.49 down */
    CHECK(ft_prices_mul_round(1, 50, 2, &v) && v == 1);
    CHECK(ft_prices_mul_round(1, 49, 2, &v) && v == 0);
    CHECK(ft_prices_mul_round(3, 50, 2, &v) && v == 2);
    CHECK(ft_prices_mul_round(0, 50, 2, &v) && v == 0);
    CHECK(ft_prices_mul_round(7, 1000000, 0, &v) && v == 7000000);
    /* 22 decimals: digits below 1e-19 of a unit are dropped, the rest exact */
    CHECK(ft_prices_mul_round((ft_u128)3 * 10000000000000000000ULL * 1000, 2000000, 22, &v) &&
          v == 6000000);
    CHECK(!ft_prices_mul_round(1, 1, 39, &v));
    /* rounding a sum of exact products once: 0.4 + 0.4 micro would be 0 + 0 rounded apart */
    CHECK(ft_prices_round_exact(80, 2) == 1);
    CHECK(ft_prices_round_exact(49, 2) == 0);
    CHECK(ft_prices_round_exact(150, 2) == 2);
    CHECK(ft_prices_round_exact(123, 0) == 123);
    /* cents, half up */
    ft_prices_format_usd(s, 1234565000);
    CHECK_STR(s, "1234.57");
    ft_prices_format_usd(s, 1234564999);
    CHECK_STR(s, "1234.56");
    ft_prices_format_usd(s, 0);
    CHECK_STR(s, "0.00");
    ft_prices_format_usd(s, 4999);
    CHECK_STR(s, "0.00");
    ft_prices_format_usd(s, 5000);
    CHECK_STR(s, "0.01");
}

/* Writes text as dir/name. */
static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

/* Loads a directory holding only x.csv = text; returns the status and fills err. */
static ft_status load_one(const char *text, ft_err *err, ft_prices **out)
{
    char dir[64];
    ft_test_tmpl(dir, sizeof dir, "ft_prices");
    CHECK(mkdtemp(dir) != NULL);
    put(dir, "x.csv", text);
    put(dir, "README.md", "not a price file\n");
    ft_status st = ft_prices_load_dir(out, dir, err);
    char path[512];
    snprintf(path, sizeof path, "%s/x.csv", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/README.md", dir);
    unlink(path);
    rmdir(dir);
    return st;
}

static void expect_fail(const char *text, const char *needle)
{
    ft_err err = {0};
    ft_prices *p = (ft_prices *)1;
    ft_status st = load_one(text, &err, &p);
    CHECK(st == FT_ERR_PARSE);
    CHECK(p == NULL);
    if (!strstr(err.msg, needle) || !strstr(err.msg, "x.csv'")) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, needle);
        CHECK(0);
    }
}

static void test_malformed(void)
{
    expect_fail("date,usd,source\n2020-01-01,1.5,a\n2020-01-02,1.2.3,b\n", "line 3: bad price '1.2.3'");
    expect_fail("date,usd,source\n2020-01-01,1.1234567,a\n", "line 2: bad price");
    expect_fail("date,usd,source\n2020-01-01,-1,a\n", "line 2: bad price");
    expect_fail("date,usd,source\n2020-01-01,0,a\n", "line 2: bad price");
    expect_fail("date,usd,source\n2020-01-01,1e3,a\n", "line 2: bad price");
    expect_fail("date,usd,source\n2019-02-29,1,a\n", "line 2: bad date '2019-02-29'");
    expect_fail("date,usd,source\n2020-1-01,1,a\n", "line 2: bad date");
    expect_fail("date,usd\r\n2020-01-02,1\r\n\r\n2020-01-01,1\r\n", "line 4: date '2020-01-01' is not after");
    expect_fail("day,price\n2020-01-01,1\n", "line 1: header");
    expect_fail("date,usd,source\n2020-01-01,1,\"unterminated\n", "line 2: unterminated");
    expect_fail("date,usd,source\n2020-01-01\n", "line 2: expected");
    expect_fail("", "empty file");

    /* a good file with a BOM, CRLF, a quoted source holding a comma and a "" quote */
    ft_err err = {0};
    ft_prices *p = NULL;
    ft_status st = load_one("\xef\xbb\xbf"
                            "date,usd,source\r\n2020-01-01,2.5,\"a, \"\"b\"\"\"\r\n2020-01-03,3\r\n",
                            &err, &p);
    CHECK(st == FT_OK);
    uint64_t m = 0;
    CHECK(ft_prices_day(p, "X", 1577836800LL, &m) && m == 2500000);
    CHECK(!ft_prices_day(p, "X", 1577836800LL + DAY, &m)); /* the gap day */
    CHECK(ft_prices_day(p, "x", 1577836800LL + 2 * DAY, &m) && m == 3000000);
    ft_prices_free(p);

    /* a missing directory is an I/O error */
    st = ft_prices_load_dir(&p, "/nonexistent/prices", &err);
    CHECK(st == FT_ERR_IO);
    CHECK(strstr(err.msg, "'/nonexistent/prices'") != NULL);
}

FT_TEST_MAIN({"known_days", test_known_days}, {"unknown", test_unknown},
             {"value_and_rounding", test_value_and_rounding}, {"malformed", test_malformed})
