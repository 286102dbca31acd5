#!/usr/bin/env bash
# snapshot_eth.sh — account chains in the HPC snapshot: one index holding the bundled Bitcoin
# sample (datasets/sample: 4 incidents, labels) and the bundled Ethereum sample
# (datasets/sample/ethereum: chain dev, incident eth-1, labels), clustered.
#
# 1. `snapshot` reports the account chain (45 value-moving transfers, 1 incident, 1 seed) and
#    `--json` counts it; with the index moved away, `trace --snapshot` writes byte-identical
#    summary.csv, flows.csv, paths.csv and flow.dot to `trace` from the index for --all (both
#    chains: the dev rows must be there), the Ethereum incident alone (fifo, --max-hops 2),
#    a Bitcoin incident alone, 2 threads; `report --snapshot` equals `report`.
# 2. under mpirun (when the binary has MPI): 2 and 3 ranks give the same files for --all and
#    for the Ethereum incident alone (account incidents are traced once, on rank 0).
# 3. damage in the account sections: a flipped byte in acct<b>_xfer_amount and in
#    acct<b>_seeds, a copy truncated inside the account sections, and a file whose checksums
#    are all valid but whose transfer names an address id beyond the graph: one error line
#    naming the file and the section (or the impossible graph), exit 2, nothing written. The
#    account graph is verified lazily: a Bitcoin incident alone still traces from a file whose
#    account transfers are damaged. A version 1 snapshot (written before account chains) is
#    refused with a message saying to write it again.
# 4. an index of the Ethereum sample alone: its snapshot (no Bitcoin chain) traces and
#    reports the same bytes as the index; `cluster --snapshot` refuses it (exit 2).
source "$(dirname "$0")/lib.sh"
S=$SRC/datasets/sample
E=$S/ethereum

DB=$TMP/db
run index --db "$DB" index bitcoin --blocks "$S/blocks" --network regtest
rc_is index 0
run eindex --db "$DB" index ethereum --etl "$E" --chain dev
rc_is eindex 0
for f in "$S/labels.csv" "$E/labels.csv"; do
    run labels --db "$DB" labels import "$f"
    rc_is labels 0
done
for f in "$S/incidents.csv" "$E/incidents.csv"; do
    run inc --db "$DB" incidents import "$f"
    rc_is inc 0
done
run cluster --db "$DB" cluster
rc_is cluster 0

# 1. from the index, then from the snapshot only
run t_idx --db "$DB" --threads 1 trace --all --out "$TMP/t_idx"
rc_is t_idx 0
# the dev incident is in the reference output (else the comparison proves nothing for it)
grep -q '^eth-1,haircut,dev,ETH,50\.000000000000000000,' "$TMP/t_idx/summary.csv" && ok || ko "no eth-1 row: $(cat "$TMP/t_idx/summary.csv")"
[ "$(grep -c ',dev,' "$TMP/t_idx/flows.csv")" -ge 6 ] && ok || ko "dev flows: $(grep -c ',dev,' "$TMP/t_idx/flows.csv")"
grep -q ',dev,0x' "$TMP/t_idx/paths.csv" && ok || ko "no dev paths"
grep -q '^gen-' "$TMP/t_idx/summary.csv" && ok || ko "no bitcoin rows"
run t_idx1 --db "$DB" trace --incident eth-1 --model fifo --max-hops 2 --out "$TMP/t_idx1"
rc_is t_idx1 0
run t_idx2 --db "$DB" trace --incident gen-2 --out "$TMP/t_idx2"
rc_is t_idx2 0
run r_idx --db "$DB" report --out "$TMP/r_idx"
rc_is r_idx 0
run snap --db "$DB" snapshot --out "$TMP/s.ftsnap"
rc_is snap 0
grep -q "^wrote snapshot '$TMP/s.ftsnap': 3000 txs, 15412 outputs, 8902 addresses, 4 incidents (7 seeds); account chains dev: 45 transfers, 1 incidents (1 seeds); [0-9]* bytes" "$TMP/snap.out" && ok || ko "snap: $(cat "$TMP/snap.out")"
run snapj --db "$DB" --json snapshot --out "$TMP/s2.ftsnap"
rc_is snapj 0
python3 - "$TMP/snapj.out" <<'PY' && ok || ko "snapj: $(cat "$TMP/snapj.out")"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["account_chains"] == 1 and o["account_incidents"] == 1 and o["incidents"] == 4, o
PY
cmp -s "$TMP/s.ftsnap" "$TMP/s2.ftsnap" && ok || ko "two snapshots of one index differ"

mv "$DB" "$TMP/db.away" # from here on no command can open the index
run t_snap --db "$DB" --threads 1 trace --all --snapshot "$TMP/s.ftsnap" --out "$TMP/t_snap"
rc_is t_snap 0
same_dir "$TMP/t_idx" "$TMP/t_snap"
cmp -s "$TMP/t_idx.out" <(sed "s#$TMP/t_snap#$TMP/t_idx#g" "$TMP/t_snap.out") && ok || ko "trace stdout differs: $(cat "$TMP/t_snap.out")"
run t_snap2 --db "$DB" --threads 2 trace --all --snapshot "$TMP/s.ftsnap" --out "$TMP/t_snap2"
rc_is t_snap2 0
same_dir "$TMP/t_idx" "$TMP/t_snap2"
run t_snap1 --db "$DB" trace --incident eth-1 --model fifo --max-hops 2 --snapshot "$TMP/s.ftsnap" --out "$TMP/t_snap1"
rc_is t_snap1 0
same_dir "$TMP/t_idx1" "$TMP/t_snap1"
grep -q '^eth-1,fifo,dev,ETH,50\.000000000000000000,0\.000000000000000000,10\.000000000000000000,.*,11\.000000000000000000$' "$TMP/t_snap1/summary.csv" && ok || ko "eth-1 fifo hop 2: $(cat "$TMP/t_snap1/summary.csv")"
run t_snapb --db "$DB" trace --incident gen-2 --snapshot "$TMP/s.ftsnap" --out "$TMP/t_snapb"
rc_is t_snapb 0
same_dir "$TMP/t_idx2" "$TMP/t_snapb"
run r_snap --db "$DB" report --snapshot "$TMP/s.ftsnap" --out "$TMP/r_snap"
rc_is r_snap 0
same_dir "$TMP/r_idx" "$TMP/r_snap"
grep -q ',dev,' "$TMP/r_snap/by_incident.csv" && ok || ko "report has no dev row: $(cat "$TMP/r_snap/by_incident.csv")"
run nope trace --incident nope --snapshot "$TMP/s.ftsnap" --out "$TMP/nope"
rc_is nope 2
one_error_line nope
grep -q "^error: no incident 'nope' in snapshot '$TMP/s.ftsnap'$" "$TMP/nope.err" && ok || ko "nope: $(cat "$TMP/nope.err")"

# 2. MPI
source "$ROOT/tests/integration/mpi_lib.sh"
if [ "${FT_MPI:-0}" = 1 ] && [ -n "$MPIRUN" ] && [ -x "$MPIRUN" ]; then
    for np in 2 3; do
        mpi m$np $np --threads 1 trace --all --snapshot "$TMP/s.ftsnap" --out "$TMP/m$np"
        rc=$(cat "$TMP/m$np.rc")
        [ "$rc" = 0 ] && ok || ko "mpirun -np $np exited $rc: $(cat "$TMP/m$np.err")"
        same_dir "$TMP/t_idx" "$TMP/m$np"
        mpi m1_$np $np trace --incident eth-1 --model fifo --max-hops 2 --snapshot "$TMP/s.ftsnap" --out "$TMP/m1_$np"
        rc=$(cat "$TMP/m1_$np.rc")
        [ "$rc" = 0 ] && ok || ko "mpirun -np $np eth-1 exited $rc: $(cat "$TMP/m1_$np.err")"
        same_dir "$TMP/t_idx1" "$TMP/m1_$np"
    done
else
    echo "note: MPI part skipped (no mpirun or a build without MPI)"
fi

# 3. damage
python3 - "$TMP/s.ftsnap" "$TMP" <<'PY'
import hashlib, struct, sys
orig = open(sys.argv[1], "rb").read()
out = sys.argv[2]
def table(b):
    n = struct.unpack_from("<I", b, 12)[0]
    for i in range(n):
        e = 64 + 96 * i
        name = bytes(b[e:e + 32]).split(b"\0")[0].decode()
        es, fl, cnt, off, size = struct.unpack_from("<IIQQQ", b, e + 32)
        yield i, e, name, es, cnt, off, size
def find(b, suffix):
    for t in table(b):
        if t[2].startswith("acct") and t[2].endswith(suffix):
            return t
    raise SystemExit("no section *" + suffix)
def flipped(suffix, path):
    b = bytearray(orig)
    _, _, name, _, _, off, size = find(b, suffix)
    b[off + size // 2] ^= 0x01
    open(path, "wb").write(b)
    open(path + ".name", "w").write(name)
flipped("_xfer_amount", out + "/amt.ftsnap")
flipped("_seeds", out + "/seeds.ftsnap")
_, _, name, _, _, off, size = find(orig, "_xfer_amount")
open(out + "/cut.ftsnap", "wb").write(orig[: off + size // 2])
# valid checksums, impossible contents: the first transfer's recipient beyond n_addr
b = bytearray(orig)
i, e, name, es, cnt, off, size = find(b, "_xfer_to")
struct.pack_into("<I", b, off, 0xFFFFFFF0)
chunks = [hashlib.sha256(bytes(b[off + k: off + min(size, k + (4 << 20))])).digest()
          for k in range(0, size, 4 << 20)]
b[e + 64: e + 96] = hashlib.sha256(b"".join(chunks)).digest()
n = struct.unpack_from("<I", b, 12)[0]
b[24:56] = hashlib.sha256(bytes(b[64: 64 + 96 * n])).digest()
open(out + "/imp.ftsnap", "wb").write(b)
# a version 1 file (before account chains)
b = bytearray(orig)
struct.pack_into("<I", b, 8, 1)
open(out + "/v1.ftsnap", "wb").write(b)
PY
for f in amt seeds; do
    sec=$(cat "$TMP/$f.ftsnap.name")
    run "$f" trace --all --snapshot "$TMP/$f.ftsnap" --out "$TMP/o_$f"
    rc_is "$f" 2
    one_error_line "$f"
    grep -q "^error: snapshot '$TMP/$f.ftsnap': section '$sec' checksum mismatch$" "$TMP/$f.err" && ok || ko "$f: $(cat "$TMP/$f.err")"
    [ ! -e "$TMP/o_$f" ] && ok || ko "$f: output written"
    run "r$f" report --snapshot "$TMP/$f.ftsnap" --out "$TMP/ro_$f"
    rc_is "r$f" 2
    one_error_line "r$f"
    [ ! -e "$TMP/ro_$f" ] && ok || ko "r$f: output written"
done
# lazy: the Bitcoin incident alone never reads the account transfers
run amtb trace --incident gen-2 --snapshot "$TMP/amt.ftsnap" --out "$TMP/o_amtb"
rc_is amtb 0
same_dir "$TMP/t_idx2" "$TMP/o_amtb"
run cut trace --all --snapshot "$TMP/cut.ftsnap" --out "$TMP/o_cut"
rc_is cut 2
one_error_line cut
grep -q "^error: snapshot '$TMP/cut.ftsnap': truncated or extended: [0-9]* bytes, the header says [0-9]*$" "$TMP/cut.err" && ok || ko "cut: $(cat "$TMP/cut.err")"
[ ! -e "$TMP/o_cut" ] && ok || ko "cut: output written"
run imp trace --all --snapshot "$TMP/imp.ftsnap" --out "$TMP/o_imp"
rc_is imp 2
one_error_line imp
grep -q "^error: snapshot '$TMP/imp.ftsnap': impossible account graph of chain [0-9]* (transfer ids, kinds or flags out of range)$" "$TMP/imp.err" && ok || ko "imp: $(cat "$TMP/imp.err")"
[ ! -e "$TMP/o_imp" ] && ok || ko "imp: output written"
run v1 trace --all --snapshot "$TMP/v1.ftsnap" --out "$TMP/o_v1"
rc_is v1 2
one_error_line v1
grep -q "^error: snapshot '$TMP/v1.ftsnap': format version 1 (this build reads 2): written by an older fundtrace, write it again with 'fundtrace snapshot'$" "$TMP/v1.err" && ok || ko "v1: $(cat "$TMP/v1.err")"
[ ! -e "$TMP/o_v1" ] && ok || ko "v1: output written"

# 4. an index of the Ethereum sample only: a snapshot without Bitcoin traces the same bytes
DB3=$TMP/db3
run e_index --db "$DB3" index ethereum --etl "$E" --chain dev
rc_is e_index 0
run e_labels --db "$DB3" labels import "$E/labels.csv"
rc_is e_labels 0
run e_inc --db "$DB3" incidents import "$E/incidents.csv"
rc_is e_inc 0
run e_cluster --db "$DB3" cluster
rc_is e_cluster 0
run e_tidx --db "$DB3" trace --all --out "$TMP/e_tidx"
rc_is e_tidx 0
grep -q '^eth-1,poison,dev,ETH,' "$TMP/e_tidx/summary.csv" && ok || ko "e_tidx: $(cat "$TMP/e_tidx/summary.csv")"
run e_ridx --db "$DB3" report --out "$TMP/e_ridx"
rc_is e_ridx 0
run e_snap --db "$DB3" snapshot --out "$TMP/e.ftsnap"
rc_is e_snap 0
grep -q "^wrote snapshot '$TMP/e.ftsnap': no bitcoin chain; account chains dev: 45 transfers, 1 incidents (1 seeds); [0-9]* bytes" "$TMP/e_snap.out" && ok || ko "e_snap: $(cat "$TMP/e_snap.out")"
mv "$DB3" "$TMP/db3.away"
run e_tsnap --db "$DB3" trace --all --snapshot "$TMP/e.ftsnap" --out "$TMP/e_tsnap"
rc_is e_tsnap 0
same_dir "$TMP/e_tidx" "$TMP/e_tsnap"
run e_rsnap --db "$DB3" report --snapshot "$TMP/e.ftsnap" --out "$TMP/e_rsnap"
rc_is e_rsnap 0
same_dir "$TMP/e_ridx" "$TMP/e_rsnap"
run e_csnap cluster --snapshot "$TMP/e.ftsnap"
rc_is e_csnap 2
one_error_line e_csnap
grep -q "holds no bitcoin chain" "$TMP/e_csnap.err" && ok || ko "e_csnap: $(cat "$TMP/e_csnap.err")"

finish
