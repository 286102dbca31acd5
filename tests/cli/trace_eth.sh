#!/usr/bin/env bash
# trace_eth.sh — `fundtrace trace` on the bundled Ethereum sample (datasets/sample/ethereum:
# the anvil scenario as an ethereum-etl export, chain dev), figures derived by hand from the
# scenario's own CSVs (transactions.csv, expected_balances.csv, manifest.json):
#
# The theft (incident eth-1, seed = the theft txid) moves 50 ETH victim → attacker. The
# attacker had no other income, nor had the three splits (12 ETH each from the attacker), nor
# the deposit address (11 ETH from split 3): every balance downstream is wholly stolen money,
# so haircut, fifo and poison agree on where it went:
#   to_mixer    = 10 ETH, split 1 → pool (labelled mixer), hop 2 (attacker 0, split 1 1)
#   to_exchange = the forward tx's value, deposit → hot wallet (labelled exchange), hop 3
#   fees        = gas of every tx sent by the attacker (3 splits, 2 token txs of which one
#                 failed), split 1 (pool deposit), split 2 (the failed pool withdrawal),
#                 split 3 (to the deposit) and the deposit (forward): gas_used × effective
#                 price of those 9 txs (the theft's own gas was the victim's)
#   unspent     = 50 − the three above (haircut, fifo: exact to the wei)
#   poison unspent = the final balances (expected_balances.csv) of attacker, splits and
#                 deposit — 3 wei more than haircut: split 1 later received 1 + 2 wei of clean
#                 money from the hot wallet, and poison counts a poisoned balance in full.
# --max-hops 2: the deposit address is reached at hop 2, so split 3's 11 ETH stop as
#   hop_limit; the forward's gas is no longer in fees; to_exchange is 0.
# Address seed (eth-2: the attacker's address, capped at 20 ETH): fifo taints the first 20 ETH
#   of the theft; the attacker spends split 1's tx fee, 12 ETH to split 1, split 2's tx fee,
#   then split 2 gets the remaining 20 − 12 − 2 fees of taint; split 3 gets clean money. So
#   fifo: to_mixer 10 (split 1's 12 are all tainted), to_exchange 0, fees = gas of those two
#   attacker txs + split 1's pool deposit + split 2's failed tx; unspent the rest.
#   haircut: the attacker's share is 20/50; the test replays floor(T·a/B) along the
#   attacker → split 1 → pool path to get to_mixer, and checks the identity.
# Also: --incident, 1 vs 2 threads byte-identical, bad seeds (exit 2), bitcoin rows absent.
source "$(dirname "$0")/lib.sh"
S=$SRC/datasets/sample/ethereum
DB=$TMP/db

rc=0
sample_eth "$DB" >"$TMP/setup.out" 2>&1 || rc=$?
[ "$rc" = 0 ] && ok || ko "setup exited $rc: $(cat "$TMP/setup.out")"

rc=0
"$FT" --db "$DB" trace --all --out "$TMP/all" >"$TMP/t.out" 2>"$TMP/t.err" || rc=$?
[ "$rc" = 0 ] && [ ! -s "$TMP/t.err" ] && ok || ko "trace --all exited $rc: $(cat "$TMP/t.err")"

# the hand derivation above, from the sample's files
python3 - "$S" "$TMP/all" <<'PY' && ok || ko "trace --all figures: $(cat "$TMP/all/summary.csv" "$TMP/all/flows.csv")"
import csv, json, sys
from decimal import Decimal
S, out = sys.argv[1], sys.argv[2]
m = json.load(open(f"{S}/manifest.json"))
txs = {r["hash"]: r for r in csv.DictReader(open(f"{S}/transactions.csv"))}
fee = lambda r: int(r["receipt_gas_used"]) * int(r["receipt_effective_gas_price"])
theft = txs[m["txs"]["theft"]]
tainted = {m["attacker"].lower(), m["deposit"].lower()} | {s.lower() for s in m["splits"]}
fees = sum(fee(r) for r in txs.values()
           if r["from_address"] in tainted and int(r["block_number"]) > int(theft["block_number"]))
stolen = int(theft["value"])
mixer = int(txs[m["txs"]["pool_deposit"]]["value"])
exch = int(txs[m["txs"]["forward"]]["value"])
unspent = stolen - mixer - exch - fees
bal = {r["address"]: int(r["balance_wei"]) for r in csv.DictReader(open(f"{S}/expected_balances.csv"))}
poison_unspent = sum(bal[a] for a in tainted)
assert poison_unspent == unspent + 3, (poison_unspent, unspent)
W = lambda s: int(Decimal(s) * 10**18)
rows = {(r["incident"], r["model"]): r for r in csv.DictReader(open(f"{out}/summary.csv"))}
assert len(rows) == 3, rows
for model in ("poison", "haircut", "fifo"):
    r = rows[("eth-1", model)]
    assert r["chain"] == "dev" and r["asset"] == "ETH", r
    got = {k: W(r[k]) for k in ("stolen", "to_exchange", "to_mixer", "to_bridge", "to_other",
                                "unspent", "fees", "below_threshold", "hop_limit")}
    want = dict(stolen=stolen, to_exchange=exch, to_mixer=mixer, to_bridge=0, to_other=0,
                unspent=poison_unspent if model == "poison" else unspent, fees=fees,
                below_threshold=0, hop_limit=0)
    assert got == want, (model, got, want)
flows = list(csv.DictReader(open(f"{out}/flows.csv")))
assert len(flows) == 6, flows
for f in flows:
    hot = f["category"] == "exchange"
    assert f["chain"] == "dev" and f["asset"] == "ETH", f
    # ETH at the 2024-01-04 close, 2269.04 (tests/cli/trace_eth_out.sh checks the arithmetic)
    assert f["amount_usd"] == ("24959.37" if hot else "22690.40"), f
    assert f["entity"] == ("exchange-hot" if hot else "pool"), f
    assert f["address"] == (m["hot"] if hot else m["pool"]), f  # EIP-55
    assert W(f["amount"]) == (exch if hot else mixer), f
    assert f["hops"] == ("3" if hot else "2") and f["tx_count"] == "1", f
assert [f["model"] for f in flows] == ["poison", "poison", "haircut", "haircut", "fifo", "fifo"]
PY

# --incident gives the same rows; 2 threads the same bytes
rc=0
"$FT" --db "$DB" --threads 2 trace --incident eth-1 --out "$TMP/one" >/dev/null 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && cmp -s "$TMP/all/summary.csv" "$TMP/one/summary.csv" &&
    cmp -s "$TMP/all/flows.csv" "$TMP/one/flows.csv" && ok || ko "--incident / 2 threads differ ($rc): $(cat "$TMP/e")"

# --max-hops 2
rc=0
"$FT" --db "$DB" trace --all --model haircut --max-hops 2 --out "$TMP/hop" >/dev/null 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && ok || ko "--max-hops 2 exited $rc: $(cat "$TMP/e")"
python3 - "$S" "$TMP/hop" <<'PY' && ok || ko "--max-hops 2 figures: $(cat "$TMP/hop/summary.csv")"
import csv, json, sys
from decimal import Decimal
S, out = sys.argv[1], sys.argv[2]
m = json.load(open(f"{S}/manifest.json"))
txs = {r["hash"]: r for r in csv.DictReader(open(f"{S}/transactions.csv"))}
fee = lambda r: int(r["receipt_gas_used"]) * int(r["receipt_effective_gas_price"])
theft = txs[m["txs"]["theft"]]
payers = {m["attacker"].lower()} | {s.lower() for s in m["splits"]}
fees = sum(fee(r) for r in txs.values()
           if r["from_address"] in payers and int(r["block_number"]) > int(theft["block_number"]))
hop = int(txs[m["txs"]["to_deposit"]]["value"])
W = lambda s: int(Decimal(s) * 10**18)
rows = list(csv.DictReader(open(f"{out}/summary.csv")))
assert len(rows) == 1 and rows[0]["model"] == "haircut", rows
r = rows[0]
assert W(r["hop_limit"]) == hop == 11 * 10**18 and W(r["to_exchange"]) == 0, r
assert W(r["fees"]) == fees and W(r["to_mixer"]) == 10 * 10**18, r
assert W(r["unspent"]) == 50 * 10**18 - 10 * 10**18 - hop - fees, r
assert len(list(csv.DictReader(open(f"{out}/flows.csv")))) == 1
PY

# address seed capped at 20 ETH
printf 'incident,date,chain,seed,asset,amount,attribution,source\neth-2,2024-01-04,dev,%s,ETH,20,test,trace_eth.sh\n' \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attacker"])' "$S/manifest.json")" >"$TMP/inc2.csv"
rc=0
{ "$FT" --db "$DB" --quiet incidents import "$TMP/inc2.csv" &&
    "$FT" --db "$DB" trace --incident eth-2 --out "$TMP/addr"; } >/dev/null 2>"$TMP/e" || rc=$?
[ "$rc" = 0 ] && ok || ko "address seed exited $rc: $(cat "$TMP/e")"
python3 - "$S" "$TMP/addr" <<'PY' && ok || ko "address seed figures: $(cat "$TMP/addr/summary.csv")"
import csv, json, sys
from decimal import Decimal
S, out = sys.argv[1], sys.argv[2]
m = json.load(open(f"{S}/manifest.json"))
txl = sorted(csv.DictReader(open(f"{S}/transactions.csv")), key=lambda r: int(r["block_number"]))
fee = lambda r: int(r["receipt_gas_used"]) * int(r["receipt_effective_gas_price"])
att, s1, s2 = m["attacker"].lower(), m["splits"][0].lower(), m["splits"][1].lower()
E = 10**18
W = lambda s: int(Decimal(s) * E)
rows = {r["model"]: r for r in csv.DictReader(open(f"{out}/summary.csv"))}
for r in rows.values():
    parts = sum(W(r[k]) for k in ("to_exchange", "to_mixer", "to_bridge", "to_other", "unspent",
                                  "fees", "below_threshold", "hop_limit"))
    assert W(r["stolen"]) == 20 * E, r
    if r["model"] != "poison":
        assert parts == 20 * E, r
# fifo: the attacker's first two txs (to split 1, to split 2), split 1's pool deposit and
# split 2's failed tx pay their gas from tainted lots
att_txs = [r for r in txl if r["from_address"] == att and r["value"] == str(12 * E)]
f = fee(att_txs[0]) + fee(att_txs[1])
f += sum(fee(r) for r in txl if r["from_address"] in (s1, s2))
r = rows["fifo"]
assert W(r["to_mixer"]) == 10 * E and W(r["to_exchange"]) == 0 and W(r["fees"]) == f, (r, f)
assert W(r["unspent"]) == 20 * E - 10 * E - f, r
# haircut: replay floor(T*a/B) on attacker (T=20, B=50 ETH) until split 1 is paid, then on
# split 1 (its gas, then 10 ETH to the pool)
T, B = 20 * E, 50 * E
for r in txl:
    if r["from_address"] != att:
        continue
    for a in (fee(r), int(r["value"])):
        t = T * a // B
        T, B = T - t, B - a
        if r["to_address"] == s1 and a == int(r["value"]):
            T1, B1 = t, a
    if r["to_address"] == s1:
        break
dep = [r for r in txl if r["from_address"] == s1][0]
a = fee(dep)
t = T1 * a // B1
T1, B1 = T1 - t, B1 - a
mix = T1 * (10 * E) // B1
assert W(rows["haircut"]["to_mixer"]) == mix, (rows["haircut"], mix)
assert 4 * E <= mix < 4 * E + 10**6, mix
PY

# bad seeds: exit 2, one error line, nothing written
printf 'incident,date,chain,seed,asset,amount,attribution,source\neth-3,2024-01-04,dev,0x%064d,ETH,,t,t\n' 7 >"$TMP/bad.csv"
# the import itself accepts a seed the index lacks (seeds are checked when tracing)
"$FT" --db "$DB" --quiet incidents import "$TMP/bad.csv" >/dev/null 2>"$TMP/e" && ok ||
    ko "import of a well-formed row with an unknown seed: $(cat "$TMP/e")"
rc=0
"$FT" --db "$DB" trace --incident eth-3 --out "$TMP/bad" >/dev/null 2>"$TMP/e" || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$TMP/e")" = 1 ] && grep -q '^error: .*eth-3.*not in the dev index' "$TMP/e" &&
    [ ! -e "$TMP/bad/summary.csv" ] && ok || ko "missing tx seed: rc $rc $(cat "$TMP/e")"
rc=0
"$FT" --db "$DB" trace --incident nosuch --out "$TMP/bad" >/dev/null 2>"$TMP/e" || rc=$?
[ "$rc" = 2 ] && grep -q "^error: no incident 'nosuch'" "$TMP/e" && ok || ko "unknown incident: rc $rc $(cat "$TMP/e")"

finish
