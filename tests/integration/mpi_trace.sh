#!/usr/bin/env bash
# mpi_trace.sh — `mpirun -np N fundtrace trace --all --snapshot FILE` on a generated chain with
# 24 planted incidents (fundtrace-gen, 12,000 transactions): the files written with 1, 2 and 4
# ranks (4 oversubscribes this 2-core machine) are byte-identical to each other and to the
# non-MPI trace from the index; also with 2 OpenMP threads per rank, another model and hop
# limit, one incident, and `report` when the binary has `report --snapshot`. A corrupt
# snapshot under mpirun: exit 2 and one error line (rank 0 reports).
# Skipped (with a message) only when mpirun is absent or the binary was built without MPI;
# `make deps` installs Open MPI, so CI runs it.
# Under ASan, Open MPI's own allocations at exit are not ours: leak detection is off for the
# mpirun runs only (ASAN_OPTIONS detect_leaks=0), everything else stays checked.
source "$(dirname "$0")/mpi_lib.sh"
mpi_skip_unless_ready
source "$(dirname "$0")/../cli/lib.sh"
rc_is() { [ "$(cat "$TMP/$1.rc")" = "$2" ] && ok || ko "$1: exit $(cat "$TMP/$1.rc"), expected $2: $(head -c 2000 "$TMP/$1.err")"; }
same_dir() { # every file of A is in B with the same bytes, and B has no other
    local a=$1 b=$2 f
    [ -d "$b" ] && [ "$(ls "$a")" = "$(ls "$b")" ] || { ko "files differ: $(ls "$a" | tr '\n' ' ') vs $(ls "$b" 2>/dev/null | tr '\n' ' ')"; return; }
    for f in "$a"/*; do
        cmp -s "$f" "$b/$(basename "$f")" && ok || ko "$(basename "$f") differs between $a and $b"
    done
}

"$GEN" --out "$TMP/chain" --txs 12000 --incidents 24 --seed 11 --unsigned --quiet --no-reference >/dev/null
DB=$TMP/db
run index --db "$DB" index bitcoin --blocks "$TMP/chain/blocks" --network regtest
rc_is index 0
run labels --db "$DB" labels import "$TMP/chain/truth/labels.csv"
rc_is labels 0
run inc --db "$DB" incidents import "$TMP/chain/truth/incidents.csv"
rc_is inc 0
grep -q " of 24 incidents " "$TMP/inc.out" && ok || ko "inc: $(cat "$TMP/inc.out")"
run cluster --db "$DB" cluster
rc_is cluster 0
run t_idx --db "$DB" --threads 1 trace --all --out "$TMP/t_idx"
rc_is t_idx 0
[ "$(grep -c ',haircut,' "$TMP/t_idx/summary.csv")" = 24 ] && ok || ko "t_idx: $(wc -l <"$TMP/t_idx/summary.csv") summary lines"
run t_idx2 --db "$DB" trace --incident gen-7 --model haircut --max-hops 5 --out "$TMP/t_idx2"
rc_is t_idx2 0
run snap --db "$DB" snapshot --out "$TMP/s.ftsnap"
rc_is snap 0

# 1, 2 and 4 ranks, one thread each
for np in 1 2 4; do
    mpi "t$np" "$np" --threads 1 trace --all --snapshot "$TMP/s.ftsnap" --out "$TMP/t$np"
    rc_is "t$np" 0
    same_dir "$TMP/t_idx" "$TMP/t$np"
    [ "$(grep -c '^traced 24 incidents' "$TMP/t$np.out")" = 1 ] && ok || ko "t$np stdout: $(cat "$TMP/t$np.out")"
done
# 2 ranks with 2 threads each; --json names the ranks
mpi t2x2 2 --threads 2 --json trace --all --snapshot "$TMP/s.ftsnap" --out "$TMP/t2x2"
rc_is t2x2 0
same_dir "$TMP/t_idx" "$TMP/t2x2"
grep -q '"incidents":24' "$TMP/t2x2.out" && ok || ko "t2x2: $(cat "$TMP/t2x2.out")"
# another model and hop limit, one incident (3 of the 4 ranks trace nothing)
mpi t4one 4 trace --incident gen-7 --model haircut --max-hops 5 --snapshot "$TMP/s.ftsnap" --out "$TMP/t4one"
rc_is t4one 0
same_dir "$TMP/t_idx2" "$TMP/t4one"

# report, when the binary has `report --snapshot`
if "$FT" help report 2>/dev/null | grep -q -- '--snapshot'; then
    run r_idx --db "$DB" report --out "$TMP/r_idx"
    rc_is r_idx 0
    for np in 1 2 4; do
        mpi "r$np" "$np" report --snapshot "$TMP/s.ftsnap" --out "$TMP/r$np"
        rc_is "r$np" 0
        same_dir "$TMP/r_idx" "$TMP/r$np"
    done
else
    echo "note: report has no --snapshot option in this build; report not compared"
fi

# a corrupt snapshot: refused on every rank, one error line, exit 2, nothing written
python3 - "$TMP/s.ftsnap" "$TMP/bad.ftsnap" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
for i in range(struct.unpack_from("<I", b, 12)[0]):
    e = 64 + 96 * i
    if bytes(b[e:e + 32]).split(b"\0")[0] == b"seeds":
        off, size = struct.unpack_from("<QQ", b, e + 48)
        b[off] ^= 0x80
open(sys.argv[2], "wb").write(b)
PY
mpi bad 2 trace --all --snapshot "$TMP/bad.ftsnap" --out "$TMP/bad"
rc_is bad 2
[ "$(grep -c "^error: snapshot '$TMP/bad.ftsnap': section 'seeds' checksum mismatch$" "$TMP/bad.err")" = 1 ] && ok ||
    ko "bad: $(head -c 2000 "$TMP/bad.err")"
[ ! -e "$TMP/bad" ] && ok || ko "bad: output written"

finish
