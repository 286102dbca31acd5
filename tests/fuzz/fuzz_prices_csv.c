/*
 * fuzz_prices_csv.c — libFuzzer target for the daily price files (engine/prices.c,
 * ft_prices_load_dir: one CSV per asset in a directory) and the exact USD arithmetic on top.
 *
 * The input is a set of files in the "@@ NAME" format of fuzz_util.h (bytes before the first
 * "@@ " line are BTC.csv); they are written to a fresh directory and loaded. Names include a
 * lower-case twin (btc.csv: a second file of one asset) and names that are not price files.
 * Properties (abort on violation): no read outside any buffer (ASan); a failure has a message
 * and no table; a loaded table answers a price for a day only with a price above zero, and
 * never knows an asset that had no file. Independently of the files, the last 25 bytes of the
 * input drive ft_prices_mul_round against ft_prices_round_exact (two ways to the same rounding
 * of amount × price / 10^decimals when the product fits in 128 bits), and the day lookup runs at
 * extreme times (INT64_MIN, INT64_MAX: floor division must not overflow).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/amount.h"
#include "engine/prices.h"
#include "tests/fuzz/fuzz_util.h"

#include "engine/banned.h"

static const char *const file_names[] = {"BTC.csv", "ETH.csv",      "USDT.csv", "btc.csv",
                                         "DAI.txt", "bad-name.csv", ".csv"};
static const char *const assets[] = {"BTC", "ETH", "USDT", "btc", "DAI", "USDC", ""};

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[4200];
    ft_fuzz_subdir(dir, sizeof dir, "prices");
    ft_fuzz_write_files(dir, data, size, file_names, sizeof file_names / sizeof file_names[0]);

    int64_t times[8] = {0,          -1,           INT64_MIN, INT64_MAX, 1313625600 /* 2011-08-18 */,
                        1700000000, -86400 * 365, 0};
    if (size >= 8)
        times[7] = (int64_t)le64(data + size - 8);

    ft_prices *p = NULL;
    ft_err err;
    ft_err_clear(&err);
    if (ft_prices_load_dir(&p, dir, &err) != FT_OK) {
        if (p != NULL || err.msg[0] == '\0')
            abort();
    } else {
        for (size_t a = 0; a < sizeof assets / sizeof assets[0]; a++)
            for (int t = 0; t < 8; t++) {
                uint64_t micro = 1;
                int known = ft_prices_day(p, assets[a], times[t], &micro);
                if (known ? micro == 0 : micro != 0)
                    abort();
                if (known && (strcmp(assets[a], "DAI") == 0 || strcmp(assets[a], "USDC") == 0 ||
                              assets[a][0] == '\0'))
                    abort(); /* no file for it */
                ft_u128 usd = 1;
                if (!ft_prices_value(p, assets[a], 8, (ft_u128)100000000, times[t], &usd)) {
                    if (usd != 0)
                        abort();
                } else if (!known || usd != (ft_u128)micro) {
                    abort(); /* one whole unit is worth its price */
                }
            }
    }
    ft_prices_free(p);
    ft_fuzz_rmtree(dir);

    if (size >= 25) {
        const uint8_t *q = data + size - 25;
        ft_u128 amount = (ft_u128)le64(q);
        uint64_t price = le64(q + 8);
        unsigned dec = q[24] % 45;
        if (q[16] & 1)
            amount = amount << 64 | le64(q + 16); /* a 128-bit amount now and then */
        ft_u128 got = 1;
        int ok = ft_prices_mul_round(amount, price, dec, &got);
        if (!ok && got != 0)
            abort();
        if (dec > 38 && ok)
            abort();
        if (dec <= 19 && (amount >> 64) == 0) {
            /* the product fits in 128 bits: round it in one step and compare */
            ft_u128 exact = amount * (ft_u128)price;
            if (!ok || got != ft_prices_round_exact(exact, dec))
                abort();
        }
        char text[FT_AMOUNT_STR_MAX];
        ft_prices_format_usd(text, ok ? got : ~(ft_u128)0);
        if (strnlen(text, sizeof text) >= sizeof text)
            abort();
    }
    return 0;
}
