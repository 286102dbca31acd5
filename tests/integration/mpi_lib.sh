# tests/integration/mpi_lib.sh — the MPI launcher, shared by tests/integration/mpi_*.sh and
# tests/bench/bench_mpi_trace.sh. Sourced, never run: ctest skips this file (CMakeLists.txt).
#
#     source "$(dirname "$0")/mpi_lib.sh"      # (from tests/bench: ../integration/mpi_lib.sh)
#
# Sets, when a launcher is found:
#   MPIRUN   the launcher: $MPIEXEC (ctest passes cmake's MPIEXEC_EXECUTABLE), else mpirun in
#            PATH; empty when there is none
#   MPIOPTS  its options, an array: Open MPI's mpirun gets --oversubscribe (this 2-core machine
#            runs 4 ranks) and, as root, --allow-run-as-root; Slurm's srun (a launcher named
#            srun) gets --overcommit instead
#   MPINP    the launcher's rank-count flag: -np (mpirun), -n (srun)
# Functions:
#   mpi_skip_unless_ready  for a test: without a launcher, or when fundtrace was built without
#                          MPI ($FT_MPI != 1, set by ctest), prints why, "0 passed, 0 failed"
#                          and exits 0
#   mpi_launch NP CMD...   runs CMD under the launcher with NP ranks
#   mpi NAME NP ARGS...    runs "$FT" ARGS with NP ranks, stdout, stderr and exit code into
#                          $TMP/NAME.{out,err,rc}; leak detection off for these runs only
#                          (Open MPI's own allocations at exit are not ours), the rest of
#                          ASAN_OPTIONS kept
# The srun branch follows Slurm's documented options; no Slurm here tested it (mpirun is).

MPIRUN=${MPIEXEC:-$(command -v mpirun || true)}
if [ -n "$MPIRUN" ] && [ "$(basename "$MPIRUN")" = srun ]; then
    MPIOPTS=(--overcommit)
    MPINP=-n
else
    MPIOPTS=(--oversubscribe)
    [ "$(id -u)" = 0 ] && MPIOPTS+=(--allow-run-as-root)
    MPINP=-np
fi

mpi_skip_unless_ready() {
    if [ -z "$MPIRUN" ] || [ ! -x "$MPIRUN" ]; then
        echo "skipped: mpirun not found (install openmpi-bin: make deps)"
        echo "0 passed, 0 failed"
        exit 0
    fi
    if [ "${FT_MPI:-0}" != 1 ]; then
        echo "skipped: this fundtrace was built without MPI (cmake found no Open MPI)"
        echo "0 passed, 0 failed"
        exit 0
    fi
}

mpi_launch() {
    local np=$1
    shift
    OMPI_MCA_rmaps_base_oversubscribe=1 "$MPIRUN" "${MPIOPTS[@]}" "$MPINP" "$np" "$@"
}

mpi() {
    local name=$1 np=$2 rc=0
    shift 2
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" mpi_launch "$np" "$FT" "$@" \
        >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
    echo "$rc" >"$TMP/$name.rc"
}
