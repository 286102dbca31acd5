#!/usr/bin/env bash
# mpi_cluster.sh — distributed clustering (heuristics/cluster_mpi.c) equals single-node
# clustering on a generated chain (fundtrace-gen, 20,000 transactions, CoinJoins, exchanges,
# mixers, 24 incidents):
# 1. default heuristics: `mpirun -np 1|2|3|4 fundtrace cluster --snapshot FILE --out CSV` gives
#    the CSV of `export clusters` after `cluster` on the index, byte for byte, and the same
#    summary (links, merges, clusters, largest, CoinJoins, refusals);
# 2. a tight collapse guard (--guard-size 3: many refusals, the guard's sequential pass on rank
#    0 after the distributed pass) and all change heuristics: every rank count gives the same
#    CSV and summary as the single-process `cluster --snapshot`, which gives the same as the
#    index (`cluster` with the same options, then `export clusters`).
# Skipped (with a message) only when mpirun is absent or the binary has no MPI.
source "$(dirname "$0")/mpi_lib.sh"
mpi_skip_unless_ready
source "$(dirname "$0")/../cli/lib.sh"
rc_is() { [ "$(cat "$TMP/$1.rc")" = "$2" ] && ok || ko "$1: exit $(cat "$TMP/$1.rc"), expected $2: $(head -c 2000 "$TMP/$1.err")"; }
same() { cmp -s "$1" "$2" && ok || ko "$1 and $2 differ: $(diff "$1" "$2" | head -5)"; }

"$GEN" --out "$TMP/chain" --txs 20000 --incidents 24 --seed 5 --unsigned --quiet --no-reference >/dev/null
DB=$TMP/db
run index --db "$DB" index bitcoin --blocks "$TMP/chain/blocks" --network regtest
rc_is index 0
run labels --db "$DB" labels import "$TMP/chain/truth/labels.csv"
rc_is labels 0
run snap0 --db "$DB" snapshot --out "$TMP/s.ftsnap" # labels in; clustering done from it

# 1. default heuristics
run cluster --db "$DB" cluster
rc_is cluster 0
run export --db "$DB" export clusters --out "$TMP/index.csv"
rc_is export 0
[ "$(wc -l <"$TMP/index.csv")" -gt 30000 ] && ok || ko "index.csv: $(wc -l <"$TMP/index.csv") lines"
merges=$(awk '$1 == "merges" {print $2}' "$TMP/cluster.out")
[ "${merges:-0}" -gt 1000 ] && ok || ko "too few merges to mean anything: $(cat "$TMP/cluster.out")"
for np in 1 2 3 4; do
    mpi "c$np" "$np" --threads 1 cluster --snapshot "$TMP/s.ftsnap" --out "$TMP/c$np.csv"
    rc_is "c$np" 0
    same "$TMP/index.csv" "$TMP/c$np.csv"
    same "$TMP/cluster.out" "$TMP/c$np.out"
done

# 2. the collapse guard at work, every change heuristic
H=coinjoin,multi-input,change-fresh,change-type,change-round,change-optimal,change-peel
if ! "$FT" help cluster | grep -q 'change-peel'; then
    H=default
fi
run g_idx --db "$DB" cluster --heuristics "$H" --guard-size 3
rc_is g_idx 0
run g_exp --db "$DB" export clusters --out "$TMP/g_index.csv"
rc_is g_exp 0
refused=$(awk '$1 == "refused" {print $2}' "$TMP/g_idx.out")
[ "${refused:-0}" -gt 0 ] && ok || ko "the guard refused nothing: $(cat "$TMP/g_idx.out")"
run g_one cluster --snapshot "$TMP/s.ftsnap" --heuristics "$H" --guard-size 3 --out "$TMP/g_one.csv"
rc_is g_one 0
same "$TMP/g_index.csv" "$TMP/g_one.csv"
same "$TMP/g_idx.out" "$TMP/g_one.out"
for np in 2 4; do
    mpi "g$np" "$np" --threads 2 cluster --snapshot "$TMP/s.ftsnap" --heuristics "$H" --guard-size 3 --out "$TMP/g$np.csv"
    rc_is "g$np" 0
    same "$TMP/g_one.csv" "$TMP/g$np.csv"
    same "$TMP/g_one.out" "$TMP/g$np.out"
done
# --json names the ranks; the index was not touched by the snapshot runs
mpi j2 2 --json cluster --snapshot "$TMP/s.ftsnap"
rc_is j2 0
grep -q '"ranks":2' "$TMP/j2.out" && grep -q "\"merges\":$merges," "$TMP/j2.out" && ok || ko "j2: $(cat "$TMP/j2.out")"

finish
