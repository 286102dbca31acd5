#!/usr/bin/env python3
"""Builds datasets/prices/*.csv (date,usd,source) for fundtrace's engine/prices.c.

BTC.csv and ETH.csv are the daily UTC closes of ../shared/data/prices_btc.csv and
prices_eth.csv, copied row for row: the date, the close exactly as written there (decimal
text, never re-formatted through a float) and its source tag. The BTC file's second
exchange close (usd_alt_exchange_close) is a cross-check and is not copied.

USDT.csv, USDC.csv and DAI.csv hold one row per day from the token's launch to the last day
of the BTC file at 1.00 (source "peg"), except the USDC depeg days 2023-03-10..13 listed in
DEPEG below (see README.md for why they still carry 1.00).

Usage (from the repository root):  python3 datasets/prices/convert.py [SHARED_DATA_DIR]
"""
import csv
import datetime
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "data")

DECIMAL = re.compile(r"^[0-9]+(\.[0-9]{1,6})?$")  # what engine/prices.c accepts

# token: first day priced (launch of the token), see README.md
STABLE_START = {
    "USDT": "2014-10-06",
    "USDC": "2018-09-26",
    "DAI": "2019-11-18",
}

# USDC depeg days (Silicon Valley Bank, March 2023). No published daily close was found with
# the project's search tools, so the peg value stays, marked in the source column.
DEPEG = {
    "USDC": {
        d: ("1.00", "peg_kept_depeg_close_not_found_see_README")
        for d in ("2023-03-10", "2023-03-11", "2023-03-12", "2023-03-13")
    }
}


def convert(src_name, asset):
    rows = []
    with open(os.path.join(SHARED, src_name), newline="") as f:
        rd = csv.DictReader(f)
        prev = None
        for n, r in enumerate(rd, start=2):
            date, usd, source = r["date"], r["usd"], r["source"]
            datetime.date.fromisoformat(date)
            if not DECIMAL.match(usd):
                sys.exit(f"{src_name} line {n}: price '{usd}' is not a decimal with <= 6 decimals")
            if prev is not None and date <= prev:
                sys.exit(f"{src_name} line {n}: date '{date}' not after '{prev}'")
            prev = date
            rows.append((date, usd, source))
    write(asset, rows)
    return rows[-1][0]


def write(asset, rows):
    with open(os.path.join(HERE, asset + ".csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["date", "usd", "source"])
        w.writerows(rows)


def stable(asset, last):
    day = datetime.date.fromisoformat(STABLE_START[asset])
    end = datetime.date.fromisoformat(last)
    special = DEPEG.get(asset, {})
    rows = []
    while day <= end:
        d = day.isoformat()
        usd, source = special.get(d, ("1.00", "peg"))
        rows.append((d, usd, source))
        day += datetime.timedelta(days=1)
    write(asset, rows)


def main():
    last = convert("prices_btc.csv", "BTC")
    convert("prices_eth.csv", "ETH")
    for asset in STABLE_START:
        stable(asset, last)


if __name__ == "__main__":
    main()
