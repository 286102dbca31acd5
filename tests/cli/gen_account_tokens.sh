#!/usr/bin/env bash
# gen_account_tokens.sh — the deposit heuristic's amount bound in each token's own decimals, on
# a generated account chain with token deposits (fundtrace-gen --account --token-deposits).
#
#  - --token-deposits: same seed twice, identical bytes; DIR/tokens.csv names one token, TUSD,
#    6 decimals, that moves in token_transfers.csv far more often than the airdrop tokens of a
#    chain without the option; without the option there is no tokens.csv;
#  - the chain indexed three ways: with DIR/tokens.csv (TUSD 6 decimals: a_max = 10^4 base
#    units), with no tokens file (TUSD's decimals unknown: deposits of it link nothing), with
#    TUSD declared 18 decimals (a_max = 10^16 base units, the bound every asset had before);
#    `eval clusters --chain dev --heuristics deposit --no-guard --json` on each equals a
#    reference computed here in Python from the CSV files alone (the rules of
#    heuristics/deposit.c re-implemented, with a_max = 10^(decimals-2) per asset and no link
#    through a token of unknown decimals); the three differ (the bound matters on this chain).
source "$(dirname "$0")/lib.sh"
need_exe "$GEN" fundtrace-gen
need_exe "$FT" fundtrace

gen() { "$GEN" --account --out "$TMP/$1" --txs 3000 "${@:2}" >"$TMP/$1.out" 2>"$TMP/$1.err"; }

gen a --seed 1 --token-deposits || ko "gen a failed: $(cat "$TMP/a.err")"
gen b --seed 1 --token-deposits || ko "gen b failed: $(cat "$TMP/b.err")"
gen n --seed 1 || ko "gen n failed: $(cat "$TMP/n.err")"
[ "$(digest "$TMP/a")" = "$(digest "$TMP/b")" ] && ok || ko "same seed --token-deposits, different bytes"
[ ! -e "$TMP/n/tokens.csv" ] && ok || ko "tokens.csv written without --token-deposits"
[ "$(head -n 1 "$TMP/a/tokens.csv")" = "chain,contract,symbol,decimals,source" ] && ok || ko "tokens.csv header"
TUSD=$(awk -F, 'NR == 2 && $1 == "dev" && $3 == "TUSD" && $4 == 6 { print $2 }' "$TMP/a/tokens.csv")
[ -n "$TUSD" ] && [ "$(wc -l <"$TMP/a/tokens.csv")" = 2 ] && ok || ko "tokens.csv: $(cat "$TMP/a/tokens.csv")"
ntusd=$(grep -c "^$TUSD," "$TMP/a/token_transfers.csv" || true)
nair=$(($(wc -l <"$TMP/n/token_transfers.csv") - 1))
[ "$ntusd" -gt $((5 * nair)) ] && ok || ko "TUSD transfers $ntusd, airdrop transfers without the option $nair"
grep -q "^token deposits: [1-9][0-9]* (token TUSD, 6 decimals" "$TMP/a.out" && ok || ko "summary: $(cat "$TMP/a.out")"

sed 's/,TUSD,6,/,TUSD,18,/' "$TMP/a/tokens.csv" >"$TMP/dec18.csv"
for cfg in dec6 unknown dec18; do
  case $cfg in
    dec6) tok=$TMP/a/tokens.csv ;;
    unknown) tok=none ;;
    dec18) tok=$TMP/dec18.csv ;;
  esac
  DB=$TMP/$cfg.db
  ft index ethereum --etl "$TMP/a" --chain dev --tokens "$tok" >/dev/null 2>"$TMP/idx.err" || ko "$cfg: index failed: $(cat "$TMP/idx.err")"
  ft labels import "$TMP/a/labels.csv" >/dev/null 2>"$TMP/lab.err" || ko "$cfg: labels import: $(cat "$TMP/lab.err")"
  ft --json eval clusters --chain dev --heuristics deposit --no-guard \
    --truth "$TMP/a/truth/addresses.csv" >"$TMP/$cfg.json" 2>"$TMP/eval.err" || ko "$cfg: eval failed: $(cat "$TMP/eval.err")"
done

ref_rc=0
python3 - "$TMP/a" "$TUSD" "$TMP/dec6.json" "$TMP/unknown.json" "$TMP/dec18.json" >"$TMP/ref.out" <<'PY' || ref_rc=$?
import csv, json, sys, collections
d, tusd = sys.argv[1], sys.argv[2]
rows = lambda f: list(csv.DictReader(open(d + '/' + f)))
hot = {r['address']: r['entity'] for r in rows('labels.csv') if r['category'] == 'exchange'}
truth = {r['address']: r['entity'] for r in rows('truth/addresses.csv')}
btime = {r['number']: int(r['timestamp']) for r in rows('blocks.csv')}
present, txpos, xf = set(), {}, []   # xf: (order, from, to, asset, value, time), execution order
for r in rows('transactions.csv'):
    present.add(r['from_address'])
    txpos[r['hash']] = (int(r['block_number']), int(r['transaction_index']))
    if int(r['value']) > 0:
        xf.append(((int(r['block_number']), int(r['transaction_index']), 1, 0), r['from_address'],
                   r['to_address'], '', int(r['value']), btime[r['block_number']]))
for r in rows('blocks.csv'):
    if int(r['gas_used']) > 0:
        present.add(r['miner'])
for i, r in enumerate(rows('traces.csv')):
    if r['trace_address'] != '' and int(r['value'] or 0) > 0:
        xf.append(((int(r['block_number']), int(r['transaction_index']), 2, i), r['from_address'],
                   r['to_address'], '', int(r['value']), btime[r['block_number']]))
for r in rows('token_transfers.csv'):
    if int(r['value']) > 0:
        xf.append((txpos[r['transaction_hash']] + (3, int(r['log_index'])), r['from_address'],
                   r['to_address'], r['token_address'], int(r['value']), btime[r['block_number']]))
xf.sort()
for _, f, t, _, _, _ in xf:
    present.update((f, t))

def score(decimals):
    """pair counts of the deposit heuristic when asset a has decimals[a] (absent: unknown)"""
    dep = {}
    for _, f, t, _, _, _ in xf:
        if f == t or f in hot:
            continue
        e = hot.get(t)
        dep[f] = None if e is None or dep.get(f, e) != e else e
    def a_max(asset):   # 0.01 of one whole unit; None: decimals unknown, no bound
        k = decimals.get(asset)
        return None if k is None else 10 ** max(k - 2, 0)
    pend, fwd = collections.defaultdict(list), set()
    for i, (_, f, t, asset, v, tm) in enumerate(xf):
        if f == t:
            continue
        if dep.get(t):
            pend[(t, asset)].append(i)
        elif dep.get(f):
            p, b = pend.pop((f, asset), []), a_max(asset)
            if p and b is not None and abs(sum(xf[k][4] for k in p) - v) <= b \
                    and tm - xf[p[0]][5] <= 3200 * 12:
                fwd.update(p)
    pairs = {(t, f) for i, (_, f, t, _, _, _) in enumerate(xf)
             if i in fwd and f != t and dep.get(t) and f not in hot and not dep.get(f)}
    for t, c in collections.Counter(t for t, f in pairs).items():
        if c > 16:
            dep[t] = None
    seen = collections.Counter((f, dep[t]) for t, f in pairs if dep.get(t))
    dust = {f for (f, e), c in seen.items() if c > 1}
    parent = {}
    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x
    for i, (_, f, t, _, _, _) in enumerate(xf):
        if i in fwd and f != t and dep.get(t) and f not in hot and not dep.get(f) and f not in dust:
            a, b = find(f), find(t)
            if a != b:
                parent[max(a, b)] = min(a, b)
    ev = [a for a in truth if a in present]
    psum = lambda keys: sum(c * (c - 1) // 2 for c in collections.Counter(keys).values())
    return {'addresses': len(ev), 'missing': len(truth) - len(ev),
            'pairs_predicted': psum(find(a) for a in ev), 'pairs_true': psum(truth[a] for a in ev),
            'pairs_correct': psum((find(a), truth[a]) for a in ev)}

bad, seen = 0, []
for name, dec in zip(sys.argv[3:], ({'': 18, tusd: 6}, {'': 18}, {'': 18, tusd: 18})):
    want, got = score(dec), json.load(open(name))
    for k, v in want.items():
        if got.get(k) != v:
            print('%s: %s = %s, reference %s' % (name, k, got.get(k), v))
            bad += 1
    seen.append(want['pairs_predicted'])
    print('%s reference %s' % (name.rsplit('/', 1)[-1], json.dumps(want)))
if len(set(seen)) != 3:
    print('the three bounds give the same clusters: %s' % seen)
    bad += 1
sys.exit(1 if bad else 0)
PY
[ $ref_rc = 0 ] && ok || ko "eval differs from the reference: $(cat "$TMP/ref.out")"
cat "$TMP/ref.out"
p6=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["precision"])' "$TMP/dec6.json")
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 0.99 else 1)' "$p6" && ok || ko "precision with TUSD at 6 decimals $p6"

finish
