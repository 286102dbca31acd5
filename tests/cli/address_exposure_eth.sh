#!/usr/bin/env bash
# address_exposure_eth.sh — `fundtrace trace` stores the per-address exposure of account-chain
# incidents and `fundtrace address 0x…` shows it in the shape of Bitcoin's `address` (issue 6:
# ARCHITECTURE.md section 6, exposure = list of {incident, model, amount}, plus asset, symbol
# and decimals), on the bundled Ethereum sample (datasets/sample/ethereum, chain dev) with
#   - its token given a symbol and decimals (--tokens: TST, 18) so a token row shows both,
#   - incidents eth-1 (the sample's: the 50 ETH theft tx) and eth-tok (the token theft tx:
#     1,000,000 TST victim → attacker), and split 3 labelled otc (it receives 12 ETH of eth-1
#     and 250,000 TST of eth-tok: one terminal with rows of two assets).
# Checks:
#   - before any trace: exposure [] and the text hint to run trace
#   - the attacker (received the whole theft of each asset, nothing else tainted): exposure
#     eth-1 50 ETH and eth-tok 1,000,000 TST under poison, haircut and fifo, figures taken from
#     the sample's transactions.csv / token_transfers.csv; JSON order incident, model, asset;
#     fields {incident, model, amount, asset, symbol, decimals}; the text lines
#   - every terminal address of flows.csv: its exposure rows equal its flows.csv rows summed
#     per (incident, model, asset), exactly, and it has no other row
#   - a clean address (the victim: it only sent the stolen funds) has exposure [] and "none"
#   - re-importing and tracing again leaves the index byte-identical (`fundtrace digest`); a
#     narrower run (eth-tok, fifo) replaces eth-tok's rows only; the full run restores the
#     digest; a failing trace (a seed not in the index) changes nothing
#   - a combined Bitcoin + Ethereum index: the Bitcoin addresses' `address --json` output
#     (seed and every terminal) is byte-identical before and after the Ethereum incidents
#     are traced into it, and the Ethereum rows are there too
source "$(dirname "$0")/lib.sh"

S=$SRC/datasets/sample/ethereum
B=$SRC/datasets/sample
DB=$TMP/db
ATTACKER=$(m attacker)
VICTIM=$(m victim)
SPLIT3=$(m splits.2)
TOKEN=$(m token)
THEFT=$(m txs.theft)
TOKEN_THEFT=$(m txs.token_theft)

printf 'chain,contract,symbol,decimals,source\ndev,%s,TST,18,address_exposure_eth.sh\n' "$TOKEN" >"$TMP/tokens.csv"
{ cat "$S/labels.csv"; echo "dev,$SPLIT3,otc-desk,otc,address_exposure_eth.sh"; } >"$TMP/labels.csv"
{ cat "$S/incidents.csv"; echo "eth-tok,2024-01-04,dev,$TOKEN_THEFT,TST,,attacker-sim,test"; } >"$TMP/inc.csv"
rc=0
{ ft --quiet index ethereum --etl "$S" --chain dev --tokens "$TMP/tokens.csv" &&
    ft --quiet labels import "$TMP/labels.csv" &&
    ft --quiet incidents import "$TMP/inc.csv"; } >"$TMP/setup.out" 2>&1 || rc=$?
check setup "$rc" 0

# --- before any trace ------------------------------------------------------------------------
ft --json address "$ATTACKER" >"$TMP/pre.json"
jcheck "$TMP/pre.json" 'j["exposure"] == [] and j["received"] != "0.000000000000000000"' && ok ||
    ko "exposure before trace: $(cat "$TMP/pre.json")"
ft address "$ATTACKER" >"$TMP/pre.txt"
grep -qx "exposure  none (no trace stored: run 'fundtrace trace')" "$TMP/pre.txt" && ok ||
    ko "text before trace: $(cat "$TMP/pre.txt")"

# --- trace -----------------------------------------------------------------------------------
run trace --db "$DB" trace --all --model all --out "$TMP/t"
rc_is trace 0
[ ! -s "$TMP/trace.err" ] && ok || ko "trace stderr: $(cat "$TMP/trace.err")"
grep -q '^eth-tok,fifo,dev,TST,otc,otc-desk,' "$TMP/t/flows.csv" &&
    grep -q '^eth-1,fifo,dev,ETH,otc,otc-desk,' "$TMP/t/flows.csv" && ok ||
    ko "flows.csv lacks the two assets of split 3: $(cat "$TMP/t/flows.csv")"

# the attacker: what the two theft txs paid it, from the sample's own files
python3 - "$S" "$THEFT" "$TOKEN_THEFT" "$ATTACKER" >"$TMP/want.txt" <<'PY'
import csv, sys
S, theft, tok_theft, att = sys.argv[1:5]
tx = [r for r in csv.DictReader(open(f"{S}/transactions.csv")) if r["hash"] == theft]
assert len(tx) == 1 and tx[0]["to_address"] == att.lower(), tx
tt = [r for r in csv.DictReader(open(f"{S}/token_transfers.csv")) if r["transaction_hash"] == tok_theft]
assert len(tt) == 1 and tt[0]["to_address"] == att.lower(), tt
def units(v):  # base units -> 18-decimal text
    v = int(v)
    return "%d.%018d" % (v // 10**18, v % 10**18)
print(units(tx[0]["value"]), units(tt[0]["value"]))
PY
read -r ETH_WANT TST_WANT <"$TMP/want.txt"
check "theft figures" "$ETH_WANT $TST_WANT" "50.000000000000000000 1000000.000000000000000000"
ft --json address "$ATTACKER" >"$TMP/att.json"
python3 - "$TMP/att.json" "$ETH_WANT" "$TST_WANT" "$TOKEN" <<'PY' && ok || ko "attacker exposure: $(cat "$TMP/att.json")"
import json, sys
j = json.load(open(sys.argv[1]))
eth, tst, token = sys.argv[2:5]
models = ["poison", "haircut", "fifo"]
want = [("eth-1", m, eth, "ETH", "ETH", 18) for m in models] + \
       [("eth-tok", m, tst, token, "TST", 18) for m in models]
got = [(e["incident"], e["model"], e["amount"], e["asset"], e["symbol"], e["decimals"])
       for e in j["exposure"]]
assert got == want, got
assert all(set(e) == {"incident", "model", "amount", "asset", "symbol", "decimals"}
           for e in j["exposure"]), j["exposure"]
PY
ft address "$ATTACKER" >"$TMP/att.txt"
grep -qx "exposure  eth-1, poison: $ETH_WANT ETH" "$TMP/att.txt" &&
    grep -qx "          eth-1, fifo: $ETH_WANT ETH" "$TMP/att.txt" &&
    grep -qx "          eth-tok, haircut: $TST_WANT TST $TOKEN" "$TMP/att.txt" &&
    [ "$(grep -c '^          eth-' "$TMP/att.txt")" = 5 ] && ok || ko "attacker text: $(cat "$TMP/att.txt")"

# every terminal of flows.csv: exposure = its flows, per (incident, model, asset)
tail -n +2 "$TMP/t/flows.csv" | cut -d, -f7 | sort -u >"$TMP/terminals.txt"
# the pool (mixer) and split 3 (otc: taint stops there, so the hot wallet behind it is not one)
check "terminals" "$(tr '[:upper:]' '[:lower:]' <"$TMP/terminals.txt" | sort | tr '\n' ' ')" \
    "$(printf '%s\n' "$(m pool)" "$SPLIT3" | tr '[:upper:]' '[:lower:]' | sort | tr '\n' ' ')"
mkdir -p "$TMP/term"
while read -r addr; do
    ft --json address "$addr" >"$TMP/term/$addr.json"
done <"$TMP/terminals.txt"
python3 - "$TMP/t/flows.csv" "$TMP/term" <<'PY' && ok || ko "terminal exposure differs from flows.csv"
import csv, json, os, sys
from decimal import Decimal
flows = {}
for r in csv.DictReader(open(sys.argv[1])):
    k = (r["incident"], r["model"], r["asset"])
    a = flows.setdefault(r["address"], {})
    a[k] = a.get(k, Decimal(0)) + Decimal(r["amount"])
bad = 0
for addr, want in sorted(flows.items()):
    j = json.load(open(os.path.join(sys.argv[2], addr + ".json")))
    # flows.csv names an asset by its symbol (or its contract when the index has none)
    got = {}
    for e in j["exposure"]:
        k = (e["incident"], e["model"], e["symbol"] or e["asset"])
        assert k not in got, (addr, k)
        got[k] = Decimal(e["amount"])
    if got != want:
        print("  %s: exposure %s, flows %s" % (addr, sorted(got.items()), sorted(want.items())))
        bad += 1
assert any(len({k[2] for k in w}) == 2 for w in flows.values()), "no terminal with two assets"
sys.exit(1 if bad else 0)
PY

# a clean address: the victim only sent the stolen funds
ft --json address "$VICTIM" >"$TMP/v.json"
jcheck "$TMP/v.json" 'j["exposure"] == [] and j["tx_count"] >= 2' && ok || ko "victim: $(cat "$TMP/v.json")"
ft address "$VICTIM" >"$TMP/v.txt"
grep -qx "exposure  none" "$TMP/v.txt" && ok || ko "victim text: $(cat "$TMP/v.txt")"

# --- re-running replaces ---------------------------------------------------------------------
ft digest >"$TMP/d1"
ft --quiet labels import "$TMP/labels.csv" >/dev/null
ft --quiet incidents import "$TMP/inc.csv" >/dev/null
ft --quiet trace --all --model all --out "$TMP/t2"
ft digest >"$TMP/d2"
cmp -s "$TMP/d1" "$TMP/d2" && ok || ko "digest changed by re-import and re-trace"
ft --json address "$ATTACKER" >"$TMP/att2.json"
cmp -s "$TMP/att.json" "$TMP/att2.json" && ok || ko "attacker output changed by a re-run: $(cat "$TMP/att2.json")"

# a narrower run (eth-tok, fifo only): eth-tok's rows become fifo only, eth-1's stay
ft --quiet trace --incident eth-tok --model fifo --out "$TMP/t3"
for a in "$ATTACKER" "$SPLIT3"; do
    ft --json address "$a" >"$TMP/n.json"
    jcheck "$TMP/n.json" '[(e["incident"], e["model"], e["symbol"]) for e in j["exposure"]] == [("eth-1", m, "ETH") for m in ("poison", "haircut", "fifo")] + [("eth-tok", "fifo", "TST")]' &&
        ok || ko "after an eth-tok fifo run, $a: $(cat "$TMP/n.json")"
done
ft --quiet trace --all --out "$TMP/t4"
ft digest >"$TMP/d4"
cmp -s "$TMP/d1" "$TMP/d4" && ok || ko "digest after the full run again"

# --- a failing trace stores nothing ----------------------------------------------------------
printf 'incident,date,chain,seed,asset,amount,attribution,source\nghost,2024-01-04,dev,0x%064d,ETH,,a,s\n' 7 >"$TMP/ghost.csv"
ft --quiet incidents import "$TMP/ghost.csv" >/dev/null
ft digest >"$TMP/g1"
run ghost --db "$DB" trace --all --out "$TMP/g"
rc_is ghost 2
one_error_line ghost
ft digest >"$TMP/g2"
cmp -s "$TMP/g1" "$TMP/g2" && ok || ko "a failed trace changed the index"

# --- Bitcoin + Ethereum in one index ---------------------------------------------------------
BDB=$TMP/both
rc=0
{ sample_btc "$BDB" && "$FT" --db "$BDB" --quiet trace --all --model all --out "$TMP/btc"; } \
    >"$TMP/b.out" 2>&1 || rc=$?
check "bitcoin setup" "$rc" 0
SEED0=mmrEhTAou4i4NPTGFBC3GB7KKEyoavuA66 # a gen-1 seed address (tests/cli/address_exposure.sh)
{ echo "$SEED0"; tail -n +2 "$TMP/btc/flows.csv" | cut -d, -f7 | sort -u; } >"$TMP/btc_addrs.txt"
[ "$(wc -l <"$TMP/btc_addrs.txt")" -ge 6 ] && ok || ko "too few bitcoin addresses: $(cat "$TMP/btc_addrs.txt")"
mkdir -p "$TMP/b1" "$TMP/b2"
while read -r a; do "$FT" --db "$BDB" --json address "$a" --limit 0 >"$TMP/b1/$a.json"; done <"$TMP/btc_addrs.txt"
jcheck "$TMP/b1/$SEED0.json" 'len(j["exposure"]) == 3' && ok || ko "bitcoin seed exposure: $(cat "$TMP/b1/$SEED0.json")"
rc=0
{ "$FT" --db "$BDB" --quiet index ethereum --etl "$S" --chain dev --tokens "$TMP/tokens.csv" &&
    "$FT" --db "$BDB" --quiet labels import "$TMP/labels.csv" &&
    "$FT" --db "$BDB" --quiet incidents import "$TMP/inc.csv" &&
    "$FT" --db "$BDB" --quiet trace --all --model all --out "$TMP/mixed"; } >"$TMP/m.out" 2>&1 || rc=$?
check "ethereum into the bitcoin index" "$rc" 0
while read -r a; do "$FT" --db "$BDB" --json address "$a" --limit 0 >"$TMP/b2/$a.json"; done <"$TMP/btc_addrs.txt"
diff -r "$TMP/b1" "$TMP/b2" >"$TMP/bdiff" && ok || ko "bitcoin exposure changed: $(head -20 "$TMP/bdiff")"
"$FT" --db "$BDB" --json address "$ATTACKER" >"$TMP/att3.json"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if a["exposure"] == b["exposure"] and len(a["exposure"]) == 6 else 1)' \
    "$TMP/att.json" "$TMP/att3.json" && ok || ko "attacker in the combined index: $(cat "$TMP/att3.json")"

finish
