#!/usr/bin/env bash
# bench_mpi_trace.sh — strong scaling of `trace --all --snapshot FILE`: the same incidents over
# 1, 2 and 4 MPI ranks (one OpenMP thread each), and 1 against 2 OpenMP threads in one process.
#
#     [TRACE_ARGS='--model poison --max-hops 6'] tests/bench/bench_mpi_trace.sh SNAPSHOT [RUNS]
#
# SNAPSHOT: a file of `fundtrace snapshot` with incidents (docs/hpc.md section 6 makes one).
# Prints, per configuration, the min/median/max wall time of RUNS runs (default 3), the
# speedup over 1 rank / 1 thread and the parallel efficiency (speedup / workers). Wall time
# includes mpirun's start-up and the snapshot's verification on every rank, as a batch job
# pays them; the files written are checked identical to the 1-rank run each time. On a
# machine with fewer cores than ranks the rank counts above the core count are oversubscribed:
# read them as overhead, not scaling.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FT=${FUNDTRACE:-${FT_BUILD_DIR:-$ROOT/build}/fundtrace}
SNAP=${1:?usage: bench_mpi_trace.sh SNAPSHOT [RUNS]}
RUNS=${2:-3}
read -r -a XARGS <<<"${TRACE_ARGS:-}"
source "$ROOT/tests/integration/mpi_lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg); snapshot: $SNAP ($(stat -c %s "$SNAP") bytes); trace --all ${TRACE_ARGS:-}"

timeit() { # timeit OUTDIR CMD... -> prints seconds (OUTDIR emptied first)
    local t0 t1
    rm -rf "$1"
    shift
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}
stats() { # min median max of the numbers on stdin
    sort -g | awk '{v[NR]=$1} END {printf "%.3f %.3f %.3f\n", v[1], v[int((NR+1)/2)], v[NR]}'
}
base=""
report() { # report LABEL WORKERS TIMESFILE
    read -r mn md mx < <(stats <"$3")
    [ -z "$base" ] && base=$md
    printf "%-22s min %7s  median %7s  max %7s s  speedup %5.2f  efficiency %5.1f%%\n" \
        "$1" "$mn" "$md" "$mx" "$(echo "$base / $md" | bc -l)" "$(echo "100 * $base / $md / $2" | bc -l)"
}

: >"$TMP/ref.t"
for r in $(seq "$RUNS"); do
    timeit "$TMP/ref" "$FT" --threads 1 trace --all "${XARGS[@]}" --snapshot "$SNAP" --out "$TMP/ref" >>"$TMP/ref.t"
done
echo "== OpenMP, one process"
report "1 thread" 1 "$TMP/ref.t"
: >"$TMP/t2.t"
for r in $(seq "$RUNS"); do
    timeit "$TMP/t2" "$FT" --threads 2 trace --all "${XARGS[@]}" --snapshot "$SNAP" --out "$TMP/t2" >>"$TMP/t2.t"
    for f in "$TMP/ref"/*; do cmp -s "$f" "$TMP/t2/$(basename "$f")" || { echo "differs: $f"; exit 1; }; done
done
report "2 threads" 2 "$TMP/t2.t"

if [ -z "$MPIRUN" ]; then
    echo "mpirun not found: no MPI figures"
    exit 0
fi
echo "== MPI ranks, 1 thread each (mpirun start-up included)"
base=""
for np in 1 2 4; do
    : >"$TMP/m$np.t"
    for r in $(seq "$RUNS"); do
        timeit "$TMP/m$np" mpi_launch "$np" "$FT" --threads 1 trace --all "${XARGS[@]}" \
            --snapshot "$SNAP" --out "$TMP/m$np" >>"$TMP/m$np.t"
        for f in "$TMP/ref"/*; do cmp -s "$f" "$TMP/m$np/$(basename "$f")" || { echo "differs: $f ($np ranks)"; exit 1; }; done
    done
    label="$np rank(s)"
    [ "$np" -gt "$(nproc)" ] && label="$np ranks (oversub.)"
    report "$label" "$np" "$TMP/m$np.t"
done
