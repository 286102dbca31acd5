#!/usr/bin/env bash
# gen_account_deposit.sh — fundtrace-gen --account, and `eval clusters --chain dev` scoring
# the `deposit` heuristic on it against figures computed independently from the generated
# CSV files.
#
#  - same seed twice: identical bytes in every file; another seed: other files; usage errors
#    exit 129 with one "error:" line; an --out that already holds a chain is refused;
#  - the chain indexes (`index ethereum --etl DIR --chain dev`) with the manifest's tx count;
#    every deposit address of truth/deposits.csv belongs to its customer in truth/addresses.csv
#    and forwards to a hot wallet labelled with its exchange;
#  - `eval clusters --chain dev --heuristics deposit --no-guard --json`: addresses, missing,
#    and the predicted, true and correct pair counts equal those of a reference computed here
#    in Python from the CSV files alone (the heuristic's rules re-implemented: deposit
#    addresses, Victor's amount and delay bounds on forwards, the shared-address and
#    dust-sender refinements, union-find, pair counts);
#  - the stored clustering (`cluster --heuristics deposit --no-guard`) scores the same; an
#    unclustered chain is exit 2; an unknown chain or --coinjoins with --chain is exit 129.
source "$(dirname "$0")/lib.sh"
need_exe "$GEN" fundtrace-gen
need_exe "$FT" fundtrace

gen() { "$GEN" --account --out "$TMP/$1" --txs 4000 "${@:2}" >"$TMP/$1.out" 2>"$TMP/$1.err"; }

gen a --seed 11 || ko "gen a failed: $(cat "$TMP/a.err")"
gen b --seed 11 || ko "gen b failed: $(cat "$TMP/b.err")"
gen c --seed 12 || ko "gen c failed: $(cat "$TMP/c.err")"
[ "$(digest "$TMP/a")" = "$(digest "$TMP/b")" ] && ok || ko "same seed, different bytes"
[ "$(digest "$TMP/a")" != "$(digest "$TMP/c")" ] && ok || ko "seeds 11 and 12 give the same files"
[ ! -s "$TMP/a.err" ] && ok || ko "stderr not empty: $(cat "$TMP/a.err")"
grep -q '^account chain: 4000 txs in [0-9]* blocks' "$TMP/a.out" && ok || ko "summary: $(cat "$TMP/a.out")"
[ "$(($(wc -l <"$TMP/a/transactions.csv") - 1))" = 4000 ] && ok || ko "not 4000 transaction rows"
for f in blocks transactions receipts traces token_transfers labels truth/addresses truth/deposits; do
  [ -s "$TMP/a/$f.csv" ] && ok || ko "missing $f.csv"
done

set +e
"$GEN" --account --out "$TMP/a" --txs 4000 >/dev/null 2>"$TMP/e1"; rc1=$?
"$GEN" --account --out "$TMP/d" --txs 5 >/dev/null 2>"$TMP/e2"; rc2=$?
"$GEN" --account --out "$TMP/d" --txs 500 --bogus >/dev/null 2>"$TMP/e3"; rc3=$?
set -e
[ $rc1 = 129 ] && grep -q "^error: .*already holds a chain" "$TMP/e1" && [ "$(wc -l <"$TMP/e1")" = 1 ] && ok || ko "existing chain: rc $rc1 $(cat "$TMP/e1")"
[ $rc2 = 129 ] && grep -q "^error: --txs must be between" "$TMP/e2" && ok || ko "--txs 5: rc $rc2 $(cat "$TMP/e2")"
[ $rc3 = 129 ] && grep -q "^error: unknown argument '--bogus'" "$TMP/e3" && ok || ko "--bogus: rc $rc3 $(cat "$TMP/e3")"

DB="$TMP/a.db"
"$FT" --db "$DB" index ethereum --etl "$TMP/a" --chain dev >"$TMP/idx.out" 2>"$TMP/idx.err" || ko "index failed: $(cat "$TMP/idx.err")"
grep -q ' 4000 txs,' "$TMP/idx.out" "$TMP/idx.err" && ok || ko "index summary: $(cat "$TMP/idx.out" "$TMP/idx.err")"
"$FT" --db "$DB" labels import "$TMP/a/labels.csv" >/dev/null 2>"$TMP/lab.err" && ok || ko "labels import: $(cat "$TMP/lab.err")"

# eval before any clustering: exit 2, one line
set +e
"$FT" --db "$DB" eval clusters --chain dev --truth "$TMP/a/truth/addresses.csv" >/dev/null 2>"$TMP/e4"; rc4=$?
"$FT" --db "$DB" eval clusters --chain nochain --truth "$TMP/a/truth/addresses.csv" >/dev/null 2>"$TMP/e5"; rc5=$?
"$FT" --db "$DB" eval clusters --chain dev --coinjoins x.csv --truth "$TMP/a/truth/addresses.csv" >/dev/null 2>"$TMP/e6"; rc6=$?
set -e
[ $rc4 = 2 ] && grep -q "^error: chain 'dev' of .* is not clustered" "$TMP/e4" && [ "$(wc -l <"$TMP/e4")" = 1 ] && ok || ko "unclustered: rc $rc4 $(cat "$TMP/e4")"
[ $rc5 = 129 ] && grep -q "^error: .*unknown chain 'nochain'" "$TMP/e5" && ok || ko "unknown chain: rc $rc5 $(cat "$TMP/e5")"
[ $rc6 = 129 ] && grep -q "^error: .*--coinjoins goes with the bitcoin chain only" "$TMP/e6" && ok || ko "--coinjoins: rc $rc6 $(cat "$TMP/e6")"

"$FT" --db "$DB" --json eval clusters --chain dev --heuristics deposit --no-guard \
  --truth "$TMP/a/truth/addresses.csv" >"$TMP/eval.json" 2>"$TMP/eval.err" || ko "eval failed: $(cat "$TMP/eval.err")"
"$FT" --db "$DB" cluster --heuristics deposit --no-guard >/dev/null 2>"$TMP/cl.err" || ko "cluster failed: $(cat "$TMP/cl.err")"
"$FT" --db "$DB" --json eval clusters --chain dev --truth "$TMP/a/truth/addresses.csv" \
  >"$TMP/stored.json" 2>"$TMP/stored.err" || ko "eval stored failed: $(cat "$TMP/stored.err")"

# The reference: the deposit heuristic re-implemented over the CSV files (not the index).
ref_rc=0
python3 - "$TMP/a" "$TMP/eval.json" "$TMP/stored.json" >"$TMP/ref.out" <<'PY' || ref_rc=$?
import csv, json, sys, collections
d = sys.argv[1]
rows = lambda f: list(csv.DictReader(open(d + '/' + f)))
hot = {r['address']: r['entity'] for r in rows('labels.csv') if r['category'] == 'exchange'}
truth = {r['address']: r['entity'] for r in rows('truth/addresses.csv')}
present = set()   # every address the account graph holds: value rows and fee rows
btime = {r['number']: int(r['timestamp']) for r in rows('blocks.csv')}
txpos = {}        # tx hash -> (block, index)
xf = []           # value transfers (not fees): (order, from, to, asset, value, time)
for r in rows('transactions.csv'):
    present.add(r['from_address'])
    txpos[r['hash']] = (int(r['block_number']), int(r['transaction_index']))
    if int(r['value']) > 0:
        xf.append(((int(r['block_number']), int(r['transaction_index']), 1, 0),
                   r['from_address'], r['to_address'], '', int(r['value']),
                   btime[r['block_number']]))
for r in rows('blocks.csv'):
    if int(r['gas_used']) > 0:
        present.add(r['miner'])      # the fees' recipient
for i, r in enumerate(rows('traces.csv')):   # in trace order within a tx
    if r['trace_address'] != '' and int(r['value'] or 0) > 0:
        xf.append(((int(r['block_number']), int(r['transaction_index']), 2, i),
                   r['from_address'], r['to_address'], '', int(r['value']),
                   btime[r['block_number']]))
for r in rows('token_transfers.csv'):
    if int(r['value']) > 0:
        xf.append((txpos[r['transaction_hash']] + (3, int(r['log_index'])),
                   r['from_address'], r['to_address'], r['token_address'], int(r['value']),
                   btime[r['block_number']]))
xf.sort()         # execution order: block, tx, external / internal / token rows
for _, f, t, _, _, _ in xf:
    present.update((f, t))
# deposit addresses: unlabelled, every outgoing transfer to hot wallets of one exchange
dep = {}
for _, f, t, _, _, _ in xf:
    if f == t or f in hot:
        continue
    e = hot.get(t)
    if e is None or dep.get(f, e) != e:
        dep[f] = None
    else:
        dep[f] = e
# Victor's bounds: a forward of one asset passes on the receipts of that asset since the
# previous forward when it differs from their sum by at most 0.01 ether (10^16 base units) and
# comes at most 3,200 blocks of 12 s after the first of them
A_MAX, D_MAX = 10**16, 3200 * 12
pend = collections.defaultdict(list)   # (deposit address, asset) -> pending receipt indices
fwd = set()
for i, (_, f, t, asset, v, tm) in enumerate(xf):
    if f == t:
        continue
    if dep.get(t):
        pend[(t, asset)].append(i)
    elif dep.get(f):
        p = pend.pop((f, asset), [])
        if p and abs(sum(xf[k][4] for k in p) - v) <= A_MAX and tm - xf[p[0]][5] <= D_MAX:
            fwd.update(p)
pairs = {(t, f) for i, (_, f, t, _, _, _) in enumerate(xf)
         if i in fwd and f != t and dep.get(t) and f not in hot and not dep.get(f)}
for t, c in collections.Counter(t for t, f in pairs).items():
    if c > 16:                       # shared: more than 16 distinct senders
        dep[t] = None
seen = collections.Counter((f, dep[t]) for t, f in pairs if dep.get(t))
dust = {f for (f, e), c in seen.items() if c > 1}   # two deposit addresses of one exchange
parent = {}
def find(x):
    while parent.get(x, x) != x:
        parent[x] = parent.get(parent[x], parent[x])
        x = parent[x]
    return x
links = 0
for i, (_, f, t, _, _, _) in enumerate(xf):
    if i not in fwd or f == t or not dep.get(t) or f in hot or dep.get(f) or f in dust:
        continue
    links += 1
    a, b = find(f), find(t)
    if a != b:
        parent[max(a, b)] = min(a, b)
ev = [a for a in truth if a in present]
def psum(keys):
    return sum(c * (c - 1) // 2 for c in collections.Counter(keys).values())
want = {'addresses': len(ev), 'missing': len(truth) - len(ev),
        'pairs_predicted': psum(find(a) for a in ev), 'pairs_true': psum(truth[a] for a in ev),
        'pairs_correct': psum((find(a), truth[a]) for a in ev)}
bad = 0
for name in sys.argv[2:]:
    got = json.load(open(name))
    for k, v in want.items():
        if got.get(k) != v:
            print('%s: %s = %s, reference %s' % (name, k, got.get(k), v))
            bad += 1
# the truth of deposit addresses: the customer's entity; everything they send goes to a hot
# wallet of their exchange; most have forwarded by the end of the chain (the rest: delays)
out = collections.defaultdict(set)
for _, f, t, _, _, _ in xf:
    out[f].add(hot.get(t, 'not an exchange'))
nfwd = 0
for r in rows('truth/deposits.csv'):
    a = r['deposit_address']
    nfwd += len(out[a]) > 0
    if truth.get(a) != r['customer'] or not out[a] <= {r['exchange']}:
        print('deposit address %s: truth %s, sends to %s, row %s' % (a, truth.get(a), out[a], r))
        bad += 1
        break
if nfwd * 10 < len(rows('truth/deposits.csv')) * 9:
    print('only %d deposit addresses forwarded' % nfwd)
    bad += 1
if want['pairs_correct'] == 0 or want['pairs_correct'] == want['pairs_predicted']:
    print('degenerate chain: %s' % want)   # the chain must have both true and false merges
    bad += 1
print('reference %s, %d links' % (json.dumps(want), links))
sys.exit(1 if bad else 0)
PY
[ $ref_rc = 0 ] && ok || ko "eval differs from the reference: $(cat "$TMP/ref.out")"
tail -1 "$TMP/ref.out"
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["heuristics"])' "$TMP/eval.json")" = deposit ] && ok || ko "heuristics field"
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chain"])' "$TMP/eval.json")" = dev ] && ok || ko "chain field"

finish
