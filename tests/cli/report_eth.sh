#!/usr/bin/env bash
# report_eth.sh — `fundtrace report` with account-chain incidents (issue 6), on the bundled
# Ethereum sample (datasets/sample/ethereum, chain dev) with three incidents:
#   eth-1  the sample's theft (txid seed): 50 ETH
#   eth-2  the attacker's address, capped at 20 ETH (the same money, so every address
#          downstream of the attacker is reached by both incidents)
#   eth-3  the token theft (txid seed): the sample token, which no price file covers
# Figures derived from the sample (see tests/cli/trace_eth.sh for the derivation of eth-1):
#   by_incident: eth-1 stolen 50 ETH, stolen_usd 50 × 2269.04 (ETH close 2024-01-04) =
#                113452.00; eth-2 20 ETH = 45380.80; eth-3 in the token, stolen_usd empty
#   by_channel:  mixer: high 10 ETH (the pool deposit) from each ETH incident, USD 2 × 22690.40;
#                low the smallest per-model sum of summary.csv's to_mixer
#   by_exchange: exchange-hot reached by 2 incidents (both ETH ones)
#   overlaps:    under poison the attacker got 50 from eth-1 and 20 from eth-2 (its seed
#                transfer); each split 12 from both; the pool 10 from both
# An index holding the Bitcoin sample as well: every table starts with the Bitcoin-only
# report's bytes, the dev rows follow. An index of account chains only works (no Bitcoin).
source "$(dirname "$0")/lib.sh"
S=$SRC/datasets/sample/ethereum
B=$SRC/datasets/sample
export FUNDTRACE_PRICES=$SRC/datasets/prices

read -r ATTACKER TOKEN_THEFT TOKEN < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["attacker"], m["txs"]["token_theft"], m["token"])' "$S/manifest.json")
{
    cat "$S/incidents.csv"
    echo "eth-2,2024-01-04,dev,$ATTACKER,ETH,20,attacker-sim,test"
    echo "eth-3,2024-01-04,dev,$TOKEN_THEFT,$TOKEN,,attacker-sim,test"
} >"$TMP/inc.csv"
DB=$TMP/db
rc=0
sample_eth "$DB" "$TMP/inc.csv" >"$TMP/setup.out" 2>&1 || rc=$?
[ "$rc" = 0 ] && ok || ko "setup exited $rc: $(cat "$TMP/setup.out")"

rc=0
"$FT" --db "$DB" report --out "$TMP/rep" >"$TMP/r.out" 2>"$TMP/r.err" || rc=$?
[ "$rc" = 0 ] && [ ! -s "$TMP/r.err" ] && ok || ko "report exited $rc: $(cat "$TMP/r.err")"
grep -q "^report of 3 incidents (.* flows, 7 overlap rows) written to" "$TMP/r.out" && ok ||
    ko "report line: $(cat "$TMP/r.out")"
ls "$TMP/rep" | grep -q '\.tmp$' && ko "a .tmp file left: $(ls "$TMP/rep")" || ok

python3 - "$TMP/rep" "$S" "$ATTACKER" <<'PY' && ok || ko "report tables (above)"
import csv, json, sys
rep, S, attacker = sys.argv[1:4]
m = json.load(open(f"{S}/manifest.json"))
rd = lambda n: list(csv.DictReader(open(f"{rep}/{n}")))
errs = []
def want(cond, msg):
    if not cond:
        errs.append(msg)
inc = {r["incident"]: r for r in rd("by_incident.csv")}
want(sorted(inc) == ["eth-1", "eth-2", "eth-3"], f"incidents {sorted(inc)}")
want(inc["eth-1"]["chain"] == "dev" and inc["eth-1"]["asset"] == "ETH", inc["eth-1"])
want(inc["eth-1"]["stolen"] == "50.000000000000000000" and inc["eth-1"]["stolen_usd"] == "113452.00", inc["eth-1"])
want(inc["eth-2"]["stolen"] == "20.000000000000000000" and inc["eth-2"]["stolen_usd"] == "45380.80", inc["eth-2"])
want(inc["eth-1"]["to_mixer_low"] == "10.000000000000000000" and inc["eth-1"]["to_mixer_usd_low"] == "22690.40", inc["eth-1"])
want(inc["eth-3"]["asset"] not in ("", "ETH") and inc["eth-3"]["stolen_usd"] == "" and inc["eth-3"]["stolen"] != "", inc["eth-3"])
ch = {(r["channel"], r["asset"]): r for r in rd("by_channel.csv")}
mx = ch.get(("mixer", "ETH"))
from decimal import Decimal
summ = [r for r in rd("summary.csv") if r["chain"] == "dev" and r["asset"] == "ETH"]
per_model = {}
for r in summ:
    per_model[r["model"]] = per_model.get(r["model"], 0) + Decimal(r["to_mixer"])
low = min(per_model.values())   # haircut: eth-2 gets only the attacker's 20/50 share
want(len(per_model) == 3 and low < 20, per_model)
want(mx and mx["chain"] == "dev" and mx["incidents"] == "2" and Decimal(mx["amount_low"]) == low
     and mx["amount_high"] == "20.000000000000000000" and mx["amount_usd_high"] == "45380.80", mx)
ex = [r for r in rd("by_exchange.csv") if r["chain"] == "dev" and r["asset"] == "ETH"]
want(len(ex) == 1 and ex[0]["entity"] == "exchange-hot" and ex[0]["incidents"] == "2", ex)
yr = [r for r in rd("by_year.csv") if r["chain"] == "dev" and r["asset"] == "ETH"]
want(len(yr) == 1 and yr[0]["year"] == "2024" and yr[0]["incidents"] == "2"
     and yr[0]["stolen"] == "70.000000000000000000" and yr[0]["stolen_usd"] == "158832.80", yr)
ov = {r["address"]: r for r in rd("overlaps.csv")}
want(all(r["chain"] == "dev" and r["asset"] == "ETH" and r["model"] == "poison" and r["kind"] == "address"
         and r["incidents"] == "eth-1;eth-2" for r in ov.values()), list(ov.values()))
a = ov.get(attacker)
want(a and a["amounts"] == "50.000000000000000000;20.000000000000000000" and a["total"] == "70.000000000000000000", a)
for s in m["splits"]:
    want(ov.get(s) and ov[s]["amounts"] == "12.000000000000000000;12.000000000000000000", (s, ov.get(s)))
p = ov.get(m["pool"])
want(p and p["entity"] == "pool" and p["category"] == "mixer" and p["total"] == "20.000000000000000000", p)
want(len(ov) == 7, f"{len(ov)} overlap rows")
if errs:
    print("\n".join(str(e) for e in errs))
    sys.exit(1)
PY

# Bitcoin + Ethereum in one index: the Bitcoin rows first and unchanged
BDB=$TMP/btc
rc=0
{ sample_btc "$BDB" &&
    "$FT" --db "$BDB" --quiet report --out "$TMP/btc_only" &&
    sample_eth "$BDB" "$TMP/inc.csv" &&
    "$FT" --db "$BDB" --quiet report --out "$TMP/both"; } >"$TMP/both.out" 2>&1 || rc=$?
[ "$rc" = 0 ] && ok || ko "combined index: rc $rc $(cat "$TMP/both.out")"
for f in by_incident.csv by_year.csv by_exchange.csv by_channel.csv overlaps.csv; do
    n=$(wc -c <"$TMP/btc_only/$f")
    [ "$(head -c "$n" "$TMP/both/$f")" = "$(cat "$TMP/btc_only/$f")" ] &&
        [ "$(tail -n +2 "$TMP/both/$f" | grep -c ',dev,')" -gt 0 ] && ok ||
        ko "$f of the combined report: $(cat "$TMP/both/$f")"
done

finish
