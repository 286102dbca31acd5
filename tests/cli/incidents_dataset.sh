#!/usr/bin/env bash
# incidents_dataset.sh — datasets/incidents/dprk_incidents.csv against its sources:
# convert.py re-run from ../shared/data must reproduce the committed CSV byte for byte; no
# seed may be an address that attribution_dprk.csv (or incidents.csv's text) gives a victim,
# laundering or cash-out role; every row has a source; and `fundtrace incidents import`
# accepts the file (74 rows, 9 incidents; a second import adds nothing).
source "$(dirname "$0")/lib.sh"
SHARED=$SHARED/data # here: the data files
PY=/usr/bin/python3
CSV=$SRC/datasets/incidents/dprk_incidents.csv

# 1. the conversion is reproducible
if "$PY" "$SRC/datasets/incidents/convert.py" "$SHARED" "$TMP/out.csv" 2>"$TMP/conv.err"; then
    ok
else
    ko "convert.py failed: $(head -c 300 "$TMP/conv.err")"
fi
if cmp -s "$TMP/out.csv" "$CSV"; then ok; else ko "convert.py output differs from $CSV"; fi

# 2. seed checks (a python checker; run once on the real file, once on a file with a victim
#    row added, which it must reject)
cat >"$TMP/check.py" <<'EOF'
import csv, sys
csv_path, shared = sys.argv[1], sys.argv[2]
bad_roles = {}
for a in csv.DictReader(open(shared + "/attribution_dprk.csv", newline="", encoding="utf-8")):
    role = a["role"].lower()
    core = role[len("fbi-listed; "):] if role.startswith("fbi-listed; ") else role
    if core.startswith(("victim", "laundering", "cashout", "ronin laundering")):
        bad_roles[a["address"].lower()] = a["role"]
# victims named only in incidents.csv's free text
for v in ("0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "0x1A2a1c938CE3eC39b6D47113c7955bAa9DD454F2",
          "0x27fD43BABfbe83a81d14665b1a6fB8030A60C9b4", "0x715CdDa5e9Ad30A0cEd14940F9997EE611496De6"):
    bad_roles[v.lower()] = "victim (incidents.csv)"
rows = list(csv.DictReader(open(csv_path, newline="", encoding="utf-8")))
errors = []
for i, r in enumerate(rows, 2):
    if r["seed"].lower() in bad_roles:
        errors.append("line %d: seed %s has role %r" % (i, r["seed"], bad_roles[r["seed"].lower()]))
    if r["chain"] not in ("bitcoin", "ethereum"):
        errors.append("line %d: chain %r" % (i, r["chain"]))
    if not r["source"].strip() or not r["attribution"].strip():
        errors.append("line %d: no source or attribution" % i)
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
if "$PY" "$TMP/check.py" "$CSV" "$SHARED" >"$TMP/check.out"; then
    ok
else
    ko "seed check: $(head -c 600 "$TMP/check.out")"
fi
cp "$CSV" "$TMP/victim.csv"
echo 'bybit-2025,2025-02-21,ethereum,0x1db92e2eebc8e0c075a02bea49a2935bcd2dfcf4,ETH,,x,y' >>"$TMP/victim.csv"
if "$PY" "$TMP/check.py" "$TMP/victim.csv" "$SHARED" >/dev/null; then
    ko "the seed check accepted a victim seed"
else
    ok
fi
# known attacker-side seeds are present, and rows per incident are as documented
for want in "bybit-2025,2025-02-21,ethereum,0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2," \
    "ronin-2022,2022-03-23,ethereum,0x098b716b8aaf21512996dc57eb0615e2383e2f96," \
    "harmony-2022,2022-06-23,ethereum,0x0d043128146654C7683Fbf30ac98D7B2285DeD00," \
    "ronin-2022,2022-03-23,ethereum,0xc28fad5e8d5e0ce6a2eaf67b6687be5d58113e16be590824d6cfa1a94467d0b7,ETH,173600,"; do
    if grep -qF "$want" "$CSV"; then ok; else ko "missing row starting '$want'"; fi
done
counts=$(tail -n +2 "$CSV" | cut -d, -f1 | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')
want_counts="bybit-2025=6 bzx-2021=1 coinex-2023=10 harmony-2022=22 kucoin-2020=1 ronin-2022=5 stake-2023=27 upbit-2019=1 wazirx-2024=1 "
if [ "$counts" = "$want_counts" ]; then ok; else ko "rows per incident: '$counts'"; fi

# 3. fundtrace imports it (no blocks needed), and again without adding anything
rc=0
"$FUNDTRACE" --db "$TMP/db" --json incidents import "$CSV" >"$TMP/imp.out" 2>"$TMP/imp.err" || rc=$?
if [ "$rc" = 0 ]; then ok; else ko "import exited $rc: $(head -c 300 "$TMP/imp.err")"; fi
if "$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(0 if (o["rows"],o["new"],o["incidents"])==(74,74,9) else 1)' "$TMP/imp.out"; then
    ok
else
    ko "import summary: $(head -c 300 "$TMP/imp.out")"
fi
rc=0
"$FUNDTRACE" --db "$TMP/db" incidents import "$CSV" >"$TMP/imp2.out" 2>"$TMP/imp2.err" || rc=$?
if [ "$rc" = 0 ] && grep -q "imported 74 incident rows of 9 incidents .* (0 new)" "$TMP/imp2.out"; then
    ok
else
    ko "re-import exited $rc: $(head -c 300 "$TMP/imp2.out") $(head -c 300 "$TMP/imp2.err")"
fi

finish
