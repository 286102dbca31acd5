#!/usr/bin/env bash
# address_cluster.sh — `fundtrace address` shows an address's labels and its cluster
# (ARCHITECTURE.md section 6):
#   - mainnet blocks 1..255: a labelled address has its labels (entity, category, source) and
#     cluster null before `cluster`; after it, cluster {id = its address id, size 1, labels
#     carrying its entity}; text output has matching labels/cluster lines
#   - an unlabelled valid address never seen: zeros, labels [], cluster null, exit 0
#   - a labelled address never seen: its labels, cluster null
#   - on a generated chain (fundtrace-gen, 1,000 txs, when built): an address of a cluster of
#     several addresses reports the id and size that `export clusters` gives, and after
#     labelling another member and re-clustering, the cluster labels carry that entity while
#     the address's own labels stay empty
source "$(dirname "$0")/lib.sh"

# --- mainnet blocks 1..255 ---------------------------------------------------------------------
DB="$TMP/db"
mkdir -p "$TMP/blocks"
cp "$SHARED/data/btc_blocks/btcd_blocks1-256.blk.dat" "$TMP/blocks/blk00000.dat"
ft --quiet index bitcoin --blocks "$TMP/blocks"
SAT=12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S # block 9's coinbase, the payer of block 170's tx
UNSEEN=1BoatSLRHtKNngkdXEeobR76b53LETtpyT
LABELLED_UNSEEN=1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 # valid, not in blocks 0..255
printf 'chain,address,entity,category,source\n%s\n%s\n%s\n' \
    "bitcoin,$SAT,Satoshi Nakamoto,other,address_cluster.sh" \
    "bitcoin,$SAT,Early Miner,hack,second source" \
    "bitcoin,$LABELLED_UNSEEN,Nobody Yet,exchange,address_cluster.sh" >"$TMP/labels.csv"
ft labels import "$TMP/labels.csv" >"$TMP/out" 2>"$TMP/err"
grep -q 'imported 3 labels' "$TMP/out" && ok || ko "labels import: $(cat "$TMP/out" "$TMP/err")"

ft --json address "$SAT" --limit 0 >"$TMP/a.json"
jcheck "$TMP/a.json" 'j["cluster"] is None' && ok || ko "cluster not null before clustering: $(cat "$TMP/a.json")"
jcheck "$TMP/a.json" 'sorted((l["entity"],l["category"],l["source"]) for l in j["labels"]) == [("Early Miner","hack","second source"),("Satoshi Nakamoto","other","address_cluster.sh")]' &&
    ok || ko "labels before clustering: $(cat "$TMP/a.json")"
# the figures are still there (block 9 coinbase address: received 195, sent 177 by block 255)
jcheck "$TMP/a.json" 'j["received"] == "195.00000000" and j["sent"] == "177.00000000" and j["tx_count"] == 6' &&
    ok || ko "figures: $(cat "$TMP/a.json")"
ft address "$SAT" --limit 0 >"$TMP/a.txt"
grep -qx 'labels .*Satoshi Nakamoto (other, source address_cluster.sh).*' "$TMP/a.txt" && ok || ko "text labels line: $(cat "$TMP/a.txt")"
grep -qx "cluster     none (index not clustered: run 'fundtrace cluster')" "$TMP/a.txt" && ok || ko "text cluster line before: $(cat "$TMP/a.txt")"

ft --quiet cluster >/dev/null
ft --json address "$SAT" --limit 0 >"$TMP/b.json"
ft export clusters --out "$TMP/c.csv"
# the cluster id is the one export gives; no multi-input spend involves it, so size 1
EXP_ID=$(awk -F, -v a="$SAT" '$2 == a {print $3}' "$TMP/c.csv")
EXP_SIZE=$(awk -F, -v a="$SAT" '$2 == a {print $4}' "$TMP/c.csv")
if [ -n "$EXP_ID" ] && jcheck "$TMP/b.json" "j['cluster'] is not None and j['cluster']['id'] == $EXP_ID and j['cluster']['size'] == $EXP_SIZE == 1"; then
    ok
else
    ko "cluster after clustering: $(cat "$TMP/b.json"), export: $EXP_ID/$EXP_SIZE"
fi
# cluster labels: one entity per address (its first label in key order), so one of the two
jcheck "$TMP/b.json" 'len(j["cluster"]["labels"]) == 1 and (j["cluster"]["labels"][0]["entity"], j["cluster"]["labels"][0]["category"]) in [("Satoshi Nakamoto","other"),("Early Miner","hack")] and set(j["cluster"]["labels"][0]) == {"entity","category"}' &&
    ok || ko "cluster labels: $(cat "$TMP/b.json")"
jcheck "$TMP/b.json" 'len(j["labels"]) == 2' && ok || ko "own labels after clustering: $(cat "$TMP/b.json")"
ft address "$SAT" --limit 0 >"$TMP/b.txt"
grep -Eqx "cluster     $EXP_ID, size 1, labels (Satoshi Nakamoto \\(other\\)|Early Miner \\(hack\\))" "$TMP/b.txt" &&
    ok || ko "text cluster line after: $(cat "$TMP/b.txt")"

# an unlabelled address never seen: zeros, labels [], cluster null, exit 0
rc=0
ft --json address "$UNSEEN" >"$TMP/u.json" 2>"$TMP/err" || rc=$?
if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ] &&
    jcheck "$TMP/u.json" 'j["labels"] == [] and j["cluster"] is None and j["received"] == j["sent"] == j["balance"] == "0.00000000" and j["tx_count"] == 0 and j["first_seen"] is None'; then
    ok
else
    ko "unseen address: exit $rc, $(cat "$TMP/u.json" "$TMP/err")"
fi
ft address "$UNSEEN" >"$TMP/u.txt"
grep -qx 'labels      none' "$TMP/u.txt" && grep -qx 'cluster     none (address never seen)' "$TMP/u.txt" &&
    ok || ko "unseen address text: $(cat "$TMP/u.txt")"
# a labelled address never seen keeps its labels, no cluster
ft --json address "$LABELLED_UNSEEN" >"$TMP/lu.json"
jcheck "$TMP/lu.json" 'j["labels"] == [{"entity":"Nobody Yet","category":"exchange","source":"address_cluster.sh"}] and j["cluster"] is None and j["tx_count"] == 0' &&
    ok || ko "labelled unseen address: $(cat "$TMP/lu.json")"

# --- a generated chain: a cluster of several addresses -------------------------------------------
GEN=${FUNDTRACE_GEN:-}
if [ -n "$GEN" ] && [ -x "$GEN" ]; then
    DB="$TMP/gdb"
    "$GEN" --out "$TMP/chain" --txs 1000 --seed 3 --quiet
    ft --quiet index bitcoin --blocks "$TMP/chain/blocks" --network regtest
    ft --quiet cluster >/dev/null
    ft export clusters --out "$TMP/g.csv"
    # the largest cluster (smallest id on ties): one member A, another member B
    read -r CID CSIZE A B < <(python3 - "$TMP/g.csv" <<'EOF'
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1])))
cnt = collections.Counter(r['cluster'] for r in rows)
cid = min(cnt, key=lambda c: (-cnt[c], int(c)))
mem = [r['address'] for r in rows if r['cluster'] == cid]
print(cid, cnt[cid], mem[-1], mem[0])
EOF
    )
    if [ "$CSIZE" -gt 1 ]; then ok; else ko "generated chain has no cluster of 2 or more"; fi
    ft --json address "$A" --limit 0 >"$TMP/ga.json"
    jcheck "$TMP/ga.json" "j['cluster'] == {'id': $CID, 'size': $CSIZE, 'labels': []} and j['labels'] == []" &&
        ok || ko "generated cluster of $A: want id $CID size $CSIZE, got $(cat "$TMP/ga.json")"
    # label B, re-cluster: A's cluster carries B's entity, A itself stays unlabelled
    printf 'chain,address,entity,category,source\nbitcoin,%s,Mixer Gamma,mixer,address_cluster.sh\n' "$B" >"$TMP/gl.csv"
    ft labels import "$TMP/gl.csv" >/dev/null
    ft --quiet cluster >/dev/null
    ft --json address "$A" --limit 0 >"$TMP/gb.json"
    jcheck "$TMP/gb.json" "j['cluster'] == {'id': $CID, 'size': $CSIZE, 'labels': [{'entity': 'Mixer Gamma', 'category': 'mixer'}]} and j['labels'] == []" &&
        ok || ko "labelled cluster of $A: $(cat "$TMP/gb.json")"
    ft --json address "$B" --limit 0 >"$TMP/gc.json"
    jcheck "$TMP/gc.json" "j['cluster']['id'] == $CID and j['labels'] == [{'entity': 'Mixer Gamma', 'category': 'mixer', 'source': 'address_cluster.sh'}]" &&
        ok || ko "labelled member $B: $(cat "$TMP/gc.json")"
    ft address "$A" --limit 0 >"$TMP/ga.txt"
    grep -qx "cluster     $CID, size $CSIZE, labels Mixer Gamma (mixer)" "$TMP/ga.txt" && ok || ko "text cluster line: $(cat "$TMP/ga.txt")"
else
    echo "note: fundtrace-gen not built; multi-address cluster checks skipped"
fi

finish
