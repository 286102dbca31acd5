/*
 * prices.h — daily USD prices (datasets/prices/) and the USD value of an amount at the UTC day
 * of a transfer, in exact integer arithmetic.
 *
 * A price is held as micro-USD (10^-6 USD) per whole unit of the asset, read from the
 * decimal text of the CSV without floating point. The value of `amount` base units of an asset
 * with `decimals` decimals is amount × price / 10^decimals micro-USD, computed in 128 bits and
 * rounded half up once (callers that add many values add the exact products first where they
 * can, then round once). Stablecoins are 1.00 USD except on the documented depeg days listed
 * in the dataset. A day without a price is "unknown", never zero: amount_usd cells stay empty.
 */
#ifndef FT_PRICES_H
#define FT_PRICES_H

#include <stdint.h>

#include "engine/amount.h"
#include "engine/status.h"

typedef struct ft_prices ft_prices;

/* Loads every price file of dir (datasets/prices: one CSV per asset, see its README).
 * Errors name the file and line (FT_ERR_PARSE), FT_ERR_IO when dir is unreadable. */
ft_status ft_prices_load_dir(ft_prices **out, const char *dir, ft_err *err) FT_WARN_UNUSED;

/* Price of one whole unit of asset ("BTC", "ETH", "USDT", …) on the UTC day of time (seconds
 * since 1970) in micro-USD. Returns 1 when known, 0 when not. */
int ft_prices_day(const ft_prices *p, const char *asset, int64_t time, uint64_t *micro_usd);

/* USD value in micro-USD of amount base units (asset with `decimals` decimals) at time,
 * rounded half up. Returns 1 when the price is known, 0 when not (then *micro_usd = 0). */
int ft_prices_value(const ft_prices *p, const char *asset, unsigned decimals, ft_u128 amount,
                    int64_t time, ft_u128 *micro_usd);

/* amount × micro_price / 10^decimals rounded half up into *micro_usd (exact for decimals
 * <= 19; beyond, digits below 10^-19 of a unit are dropped first). Returns 0 on overflow or
 * decimals > 38 (then *micro_usd = 0). Added by the trace outputs (issue 6). */
int ft_prices_mul_round(ft_u128 amount, uint64_t micro_price, unsigned decimals,
                        ft_u128 *micro_usd);

/* A sum of exact products amount × micro_price (micro-USD × 10^decimals) rounded half up
 * once to micro-USD: the tracer adds a flow's deliveries exactly, then calls this. */
ft_u128 ft_prices_round_exact(ft_u128 exact, unsigned decimals);

/* Formats micro-USD as a decimal string with two decimals (cents, rounded half up), e.g.
 * "1234.57". out needs FT_AMOUNT_STR_MAX bytes. */
void ft_prices_format_usd(char *out, ft_u128 micro_usd);

void ft_prices_free(ft_prices *p);

#endif
