#!/usr/bin/env bash
# address_exposure.sh — `fundtrace trace` stores per-address exposure and `fundtrace address`
# shows it (ARCHITECTURE.md section 6: exposure = list of {incident, model, amount}), on the
# bundled sample (datasets/sample: index, labels, incidents, cluster, trace --all):
#   - before any trace: exposure [] and the text hint to run trace
#   - gen-1's two seed addresses (each received only its seed output) and two laundering
#     addresses paid by gen-1's first split (whose only input is a whole seed output): exposure
#     for gen-1 under poison, haircut and fifo, each equal to the address's `received` and to
#     the seed/split output value; nothing from other incidents
#   - every terminal address of flows.csv: for each of its flow rows, the (incident, model)
#     exposure equals the flow's amount exactly, and it has no exposure row without a flow
#   - a clean address (a miner's, only coinbase receipts) has exposure [] and text "none"
#   - re-importing labels and incidents and tracing again leaves the index byte-identical
#     (same `fundtrace digest`): replaced, not duplicated; a narrower run (one incident, one
#     model) replaces that incident's rows only; the full run afterwards restores the digest
#   - a failing trace (a seed not in the index) stores nothing; a trace or address while
#     another process holds the index LOCK fails with one clear error line, exit 1
source "$(dirname "$0")/lib.sh"
S=$SRC/datasets/sample
DB=$TMP/db

sample_btc "$DB" >/dev/null

SEED0=mmrEhTAou4i4NPTGFBC3GB7KKEyoavuA66 # gen-1 seed 05945c9e…:0 (9.23046228)
MINER=mjm9NfboHqL6pRo4HQBmCGodCNADX5eNFK # miner-1: coinbase receipts only

# --- before any trace ------------------------------------------------------------------------
ft --json address "$SEED0" --limit 0 >"$TMP/pre.json"
jcheck "$TMP/pre.json" 'j["exposure"] == []' && ok || ko "exposure before trace: $(cat "$TMP/pre.json")"
ft address "$SEED0" --limit 0 >"$TMP/pre.txt"
grep -qx "exposure    none (no trace stored: run 'fundtrace trace')" "$TMP/pre.txt" && ok ||
    ko "text before trace: $(cat "$TMP/pre.txt")"

# --- trace -----------------------------------------------------------------------------------
rc=0
ft trace --all --model all --out "$TMP/t" >"$TMP/trace.out" 2>"$TMP/trace.err" || rc=$?
[ "$rc" = 0 ] && [ ! -s "$TMP/trace.err" ] && ok || ko "trace: exit $rc: $(cat "$TMP/trace.err")"

# the seed addresses: gen-1's two seed outputs, from the incidents file and `tx`
SEED_TX=$(awk -F, '$1 == "gen-1" {split($4, s, ":"); print s[1]; exit}' "$S/incidents.csv")
ft --json tx "$SEED_TX" >"$TMP/seedtx.json"
SPLIT_TX=$(awk -F, '$1 == "gen-1" && $4 == "split" {print $2; exit}' "$S/truth/incident_txs.csv")
ft --json tx "$SPLIT_TX" >"$TMP/split.json"
# (address, value) of seed outputs 0 and 2, and of the split's outputs (its only input must
# be seed output 2: then every model taints its outputs in full)
python3 - "$TMP/seedtx.json" "$TMP/split.json" "$SEED_TX" >"$TMP/expect.txt" <<'PY'
import json, sys
seed = json.load(open(sys.argv[1]))
split = json.load(open(sys.argv[2]))
assert [(i["txid"], i["vout"]) for i in split["inputs"]] == [(sys.argv[3], 2)], split["inputs"]
for o in [seed["outputs"][0], seed["outputs"][2]] + split["outputs"]:
    print(o["address"], o["value"])
PY
[ "$(wc -l <"$TMP/expect.txt")" = 4 ] && [ "$(head -n 1 "$TMP/expect.txt")" = "$SEED0 9.23046228" ] && ok ||
    ko "expected addresses: $(cat "$TMP/expect.txt")"
while read -r addr value; do
    ft --json address "$addr" --limit 0 >"$TMP/a.json"
    jcheck "$TMP/a.json" "sorted((e['incident'], e['model'], e['amount']) for e in j['exposure']) == sorted(('gen-1', m, '$value') for m in ('poison', 'haircut', 'fifo')) and j['received'] == '$value'" &&
        ok || ko "exposure of $addr (expected gen-1 $value under every model): $(cat "$TMP/a.json")"
done <"$TMP/expect.txt"
# JSON order: incident id, then model poison, haircut, fifo
ft --json address "$SEED0" --limit 0 >"$TMP/s0.json"
jcheck "$TMP/s0.json" '[e["model"] for e in j["exposure"]] == ["poison", "haircut", "fifo"] and all(set(e) == {"incident", "model", "amount"} for e in j["exposure"])' &&
    ok || ko "exposure order/fields: $(cat "$TMP/s0.json")"
ft address "$SEED0" --limit 0 >"$TMP/s0.txt"
grep -qx "exposure    gen-1, poison: 9.23046228 BTC" "$TMP/s0.txt" &&
    grep -qx "            gen-1, haircut: 9.23046228 BTC" "$TMP/s0.txt" &&
    grep -qx "            gen-1, fifo: 9.23046228 BTC" "$TMP/s0.txt" && ok || ko "text exposure: $(cat "$TMP/s0.txt")"

# every terminal address of flows.csv: exposure per (incident, model) = the flow amount
cut -d, -f7 "$TMP/t/flows.csv" | tail -n +2 | sort -u >"$TMP/terminals.txt"
[ "$(wc -l <"$TMP/terminals.txt")" -ge 5 ] && ok || ko "too few terminals: $(cat "$TMP/terminals.txt")"
mkdir -p "$TMP/term"
while read -r addr; do
    ft --json address "$addr" --limit 0 >"$TMP/term/$addr.json"
done <"$TMP/terminals.txt"
python3 - "$TMP/t/flows.csv" "$TMP/term" <<'PY' && ok || ko "terminal exposure differs from flows.csv"
import csv, json, os, sys
flows = {}
for r in csv.DictReader(open(sys.argv[1])):
    flows.setdefault(r["address"], {})[(r["incident"], r["model"])] = r["amount"]
bad = 0
for addr, want in sorted(flows.items()):
    j = json.load(open(os.path.join(sys.argv[2], addr + ".json")))
    got = {(e["incident"], e["model"]): e["amount"] for e in j["exposure"]}
    if got != want or len(j["exposure"]) != len(got):
        print("  %s: exposure %s, flows %s" % (addr, sorted(got.items()), sorted(want.items())))
        bad += 1
sys.exit(1 if bad else 0)
PY

# a clean address
ft --json address "$MINER" --limit 0 >"$TMP/m.json"
jcheck "$TMP/m.json" 'j["exposure"] == [] and j["tx_count"] > 100' && ok || ko "clean address: $(cat "$TMP/m.json")"
ft address "$MINER" --limit 0 >"$TMP/m.txt"
grep -qx "exposure    none" "$TMP/m.txt" && ok || ko "clean address text: $(cat "$TMP/m.txt")"

# --- re-running replaces ---------------------------------------------------------------------
ft digest >"$TMP/d1"
ft --quiet labels import "$S/labels.csv" >/dev/null
ft --quiet incidents import "$S/incidents.csv" >/dev/null
ft --quiet trace --all --model all --out "$TMP/t2"
ft digest >"$TMP/d2"
cmp -s "$TMP/d1" "$TMP/d2" && ok || ko "digest changed by re-import and re-trace: $(cat "$TMP/d1" "$TMP/d2")"
ft --json address "$SEED0" --limit 0 >"$TMP/s0b.json"
cmp -s "$TMP/s0.json" "$TMP/s0b.json" && ok || ko "address output changed by a re-run: $(cat "$TMP/s0b.json")"

# a narrower run: gen-1 with fifo only replaces gen-1's rows (poison, haircut gone); gen-3's
# rows on the exchange-2 terminal stay
EX2=$(awk -F, '$1 == "gen-3" && $6 == "exchange-2" {print $7; exit}' "$TMP/t/flows.csv")
ft --quiet trace --incident gen-1 --model fifo --out "$TMP/t3"
ft --json address "$SEED0" --limit 0 >"$TMP/s0c.json"
jcheck "$TMP/s0c.json" '[(e["incident"], e["model"], e["amount"]) for e in j["exposure"]] == [("gen-1", "fifo", "9.23046228")]' &&
    ok || ko "after a gen-1 fifo run: $(cat "$TMP/s0c.json")"
ft --json address "$EX2" --limit 0 >"$TMP/ex2.json"
python3 - "$TMP/ex2.json" "$TMP/t/flows.csv" "$EX2" <<'PY' && ok || ko "exchange-2 after a gen-1 fifo run: $(cat "$TMP/ex2.json")"
import csv, json, sys
j = json.load(open(sys.argv[1]))
got = sorted((e["incident"], e["model"], e["amount"]) for e in j["exposure"])
want = sorted((r["incident"], r["model"], r["amount"]) for r in csv.DictReader(open(sys.argv[2]))
              if r["address"] == sys.argv[3] and (r["incident"] != "gen-1" or r["model"] == "fifo"))
assert any(w[0] == "gen-3" for w in want) and any(w[0] == "gen-1" for w in want), want
sys.exit(0 if got == want else 1)
PY
ft --quiet trace --all --out "$TMP/t4"
ft digest >"$TMP/d4"
cmp -s "$TMP/d1" "$TMP/d4" && ok || ko "digest after the full run again: $(cat "$TMP/d1" "$TMP/d4")"

# --- failures store nothing ------------------------------------------------------------------
printf 'incident,date,chain,seed,asset,amount,attribution,source\nghost,2024-01-04,bitcoin,%s:0,BTC,,a,s\n' \
    "$(printf '%064d' 7)" >"$TMP/ghost.csv"
cp -r "$DB" "$TMP/db_ghost"
"$FUNDTRACE" --db "$TMP/db_ghost" --quiet incidents import "$TMP/ghost.csv" >/dev/null
"$FUNDTRACE" --db "$TMP/db_ghost" digest >"$TMP/g1"
rc=0
"$FUNDTRACE" --db "$TMP/db_ghost" trace --all --out "$TMP/g" >/dev/null 2>"$TMP/g.err" || rc=$?
[ "$rc" = 2 ] && ok || ko "ghost trace: exit $rc: $(cat "$TMP/g.err")"
"$FUNDTRACE" --db "$TMP/db_ghost" digest >"$TMP/g2"
cmp -s "$TMP/g1" "$TMP/g2" && ok || ko "a failed trace changed the index"

# another process holds the LOCK (LevelDB locks with fcntl; python's lockf is the same lock)
python3 - "$DB/LOCK" "$TMP/locked" "$TMP/release" <<'PY' &
import fcntl, os, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
open(sys.argv[2], "w").close()
for _ in range(600):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.1)
PY
locker=$!
for _ in $(seq 100); do [ -e "$TMP/locked" ] && break; sleep 0.1; done
for cmd in trace address; do
    rc=0
    if [ "$cmd" = trace ]; then
        ft trace --all --out "$TMP/t5" >"$TMP/l.out" 2>"$TMP/l.err" || rc=$?
    else
        ft address "$SEED0" >"$TMP/l.out" 2>"$TMP/l.err" || rc=$?
    fi
    [ "$rc" = 1 ] && [ "$(wc -l <"$TMP/l.err")" = 1 ] &&
        grep -qx "error: cannot open index '$DB': LOCK held by another process" "$TMP/l.err" && ok ||
        ko "$cmd under a held LOCK: exit $rc: $(cat "$TMP/l.err")"
done
touch "$TMP/release"
wait "$locker" || ko "the lock holder failed"
ft digest >"$TMP/d5"
cmp -s "$TMP/d1" "$TMP/d5" && ok || ko "digest changed by the locked attempts"

finish
