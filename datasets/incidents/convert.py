#!/usr/bin/python3
"""convert.py - DPRK incidents of ../shared/data into the fundtrace incidents CSV.

Usage: /usr/bin/python3 datasets/incidents/convert.py [SHARED_DATA_DIR] [OUT_CSV]
Defaults: <repo>/../shared/data and datasets/incidents/dprk_incidents.csv.

Reads incidents.csv and attribution_dprk.csv and writes one row per seed with the header
incident,date,chain,seed,asset,amount,attribution,source (ARCHITECTURE.md section 6).

Seeds are attacker-side only: where stolen funds first landed or were held by the attacker.
From attribution_dprk.csv a row is a seed when its role (after an optional "FBI-listed; "
prefix) starts with "attacker" or names a "Harmony/Horizon Exploiter N" receiver, unless the
role describes tooling that never held the loot (contract, testing, tx sender). Laundering,
cash-out deposit, sanctioned/attributed and victim rows are never seeds. Chains other than
BTC and ETH are dropped (fundtrace indexes bitcoin and ethereum only). incidents.csv adds
seeds for incidents that attribution_dprk.csv does not cover; they are listed in EXTRA below
and each one must appear verbatim in that incident's seed text, or the script fails.

Deterministic: rows sorted by (incident, chain, seed), LF line ends, stdlib only.
"""
import csv
import io
import os
import re
import sys

# attribution_dprk.csv incident name -> (fundtrace incident id, date)
INCIDENTS = {
    "Bybit": ("bybit-2025", "2025-02-21"),
    "Ronin Bridge": ("ronin-2022", "2022-03-23"),
    "Harmony Horizon Bridge": ("harmony-2022", "2022-06-23"),
    "Stake.com": ("stake-2023", "2023-09-04"),
    "CoinEx": ("coinex-2023", "2023-09-12"),
}

# incidents.csv name prefix -> (id, date); for the EXTRA seeds below
INCIDENT_ROWS = {
    "Ronin Bridge": ("ronin-2022", "2022-03-23"),
    "WazirX": ("wazirx-2024", "2024-07-18"),
    "KuCoin": ("kucoin-2020", "2020-09-26"),
    "Upbit": ("upbit-2019", "2019-11-27"),
    "bZx": ("bzx-2021", "2021-11-03"),
}

# Seeds taken from incidents.csv's free-text seed column:
# (incidents.csv name prefix, chain, seed, asset, amount, what it is)
EXTRA = [
    ("Ronin Bridge", "ethereum",
     "0xc28fad5e8d5e0ce6a2eaf67b6687be5d58113e16be590824d6cfa1a94467d0b7",
     "ETH", "173600", "withdrawal tx to the attacker (173600 ETH)"),
    ("Ronin Bridge", "ethereum",
     "0xed2c72ef1a552ddaec6dd1f5cddf0b59a8f37f82bdda5257d9c7c37db7bb9b08",
     "USDC", "25500000", "withdrawal tx to the attacker (25.5M USDC)"),
    ("WazirX", "ethereum", "0x04b21735E93Fa3f8df70e2Da89e6922616891a88",
     "ETH", "", "drainer"),
    ("KuCoin", "ethereum", "0xeB31973E0FeBF3e3D7058234a5eBbAe1aB4B8c23",
     "ETH", "", "Etherscan 'Kucoin Hacker'"),
    ("Upbit", "ethereum", "0xa09871aeadf4994ca12f5c0b6056bbd1d343c029",
     "ETH", "", "Etherscan 'Upbit Hacker 1'; Lazarus attribution by Korean police "
     "reported 2024-11, not checked against a primary source"),
    ("bZx", "ethereum", "0x74487eEd1E67F4787E8C0570E8D5d168a05254D4",
     "ETH", "", "main hacker wallet (ETH)"),
]

CHAINS = {"BTC": ("bitcoin", "BTC"), "ETH": ("ethereum", "ETH")}
TOOLING = ("contract", "testing", "tx sender")
EXPLOITER = re.compile(r"^(Harmony|Horizon) Exploiter [0-9]+\b")
SEED_OK = re.compile(r"^[0-9A-Za-z:]{1,127}$")
TEXT_MAX = 255


def role_core(role):
    r = role.strip()
    if r.startswith("FBI-listed; "):
        r = r[len("FBI-listed; "):]
    return r


def is_seed_role(role):
    """True when the role is an attacker-side holding of stolen funds."""
    r = role_core(role)
    low = r.lower()
    if low.startswith("victim"):
        return False
    if EXPLOITER.match(r):
        return True
    if not low.startswith("attacker"):
        return False
    return not any(t in low for t in TOOLING)


def clip(text):
    """Fit a text cell into the importer's 255-byte limit, cutting at a '; ' if needed."""
    text = " ".join(text.split())
    if len(text.encode("utf-8")) <= TEXT_MAX:
        return text
    cut = text.encode("utf-8")[:TEXT_MAX - 4].decode("utf-8", "ignore")
    if "; " in cut:
        cut = cut[:cut.rindex("; ")]
    return cut + " ..."


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    shared = argv[1] if len(argv) > 1 else os.path.join(here, "..", "..", "..", "shared", "data")
    out_path = argv[2] if len(argv) > 2 else os.path.join(here, "dprk_incidents.csv")

    rows = []
    with open(os.path.join(shared, "attribution_dprk.csv"), newline="", encoding="utf-8") as f:
        for a in csv.DictReader(f):
            if a["incident"] not in INCIDENTS or a["chain"] not in CHAINS:
                continue
            if not is_seed_role(a["role"]):
                continue
            inc, date = INCIDENTS[a["incident"]]
            chain, asset = CHAINS[a["chain"]]
            seed = a["address"].strip()
            if not SEED_OK.match(seed):
                raise SystemExit("unusable seed %r in attribution_dprk.csv" % seed)
            attribution = clip("DPRK (Lazarus); role: " + a["role"])
            source = clip("shared/data/attribution_dprk.csv; " + a["source"])
            rows.append((inc, date, chain, seed, asset, "", attribution, source))

    with open(os.path.join(shared, "incidents.csv"), newline="", encoding="utf-8") as f:
        inc_rows = list(csv.DictReader(f))
    for name, chain, seed, asset, amount, what in EXTRA:
        match = [r for r in inc_rows if r["incident"].startswith(name)]
        if len(match) != 1:
            raise SystemExit("incidents.csv: %d rows for %r" % (len(match), name))
        r = match[0]
        if seed not in r["seed_address_or_tx"]:
            raise SystemExit("incidents.csv: seed %s not in %r's seed text" % (seed, name))
        inc, date = INCIDENT_ROWS[name]
        if r["date"] != date:
            raise SystemExit("incidents.csv: %r date %s, expected %s" % (name, r["date"], date))
        attribution = clip("DPRK (Lazarus); %s; %s" % (what, r["source_url_or_doc"]))
        source = clip("shared/data/incidents.csv row '%s'; %s" % (name, r["source_url_or_doc"]))
        rows.append((inc, date, chain, seed, asset, amount, attribution, source))

    seen = set()
    uniq = []
    for r in sorted(rows, key=lambda x: (x[0], x[2], x[3].lower(), x[3])):
        key = (r[0], r[2], r[3].lower())
        if key in seen:
            continue
        seen.add(key)
        uniq.append(r)

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["incident", "date", "chain", "seed", "asset", "amount", "attribution", "source"])
    for r in uniq:
        w.writerow(r)
    with open(out_path, "w", newline="", encoding="utf-8") as f:
        f.write(buf.getvalue())
    counts = {}
    for r in uniq:
        counts[r[0]] = counts.get(r[0], 0) + 1
    for k in sorted(counts):
        sys.stderr.write("%s %d\n" % (k, counts[k]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
