# tests/cli/lib.sh — the prologue shared by the CLI test scripts. Sourced, never run: ctest
# registers every tests/cli/*.sh except this file (CMakeLists.txt). A script starts with
#
#     source "$(dirname "$0")/lib.sh"
#
# and ends with `finish`. What it gets:
#   - strict mode: set -euo pipefail
#   - ROOT, SRC    the source tree: $FT_SOURCE_DIR (set by ctest), else two levels above here
#   - SHARED       the shared data tree: $FT_SHARED_DIR, else $SRC/../shared
#   - FUNDTRACE, FT  the fundtrace binary: $FUNDTRACE, else $FT_BUILD_DIR/fundtrace, else
#                  $SRC/build/fundtrace (both names: older scripts used either)
#   - GEN          fundtrace-gen: $FUNDTRACE_GEN, else beside fundtrace's default; it may not
#                  exist (scripts that need it call `need_exe "$GEN" fundtrace-gen`)
#   - TMP          a private scratch directory (mktemp -d), removed at exit even where a test
#                  made parts of it read-only
#   - pass, fail and `ok` / `ko MESSAGE` to count checks (ko prints "FAIL: MESSAGE"); `finish`
#     prints "N passed, M failed" and returns non-zero when a check failed, so as the last
#     command of a script it sets the exit status (under set -e the script stops there)
#   - helpers used by several scripts, documented one by one below
# Sourcing it runs no fundtrace command: scripts build their indexes (e.g. with sample_btc).

# shellcheck disable=SC2034 # (SHARED, FT, GEN: used by the scripts that source this file)
set -euo pipefail

ROOT=${FT_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SRC=$ROOT
SHARED=${FT_SHARED_DIR:-$SRC/../shared}
FUNDTRACE=${FUNDTRACE:-${FT_BUILD_DIR:-$ROOT/build}/fundtrace}
FT=$FUNDTRACE
GEN=${FUNDTRACE_GEN:-${FT_BUILD_DIR:-$ROOT/build}/fundtrace-gen}
TMP=$(mktemp -d)
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT

pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}

# need_exe PATH NAME: stop the script (exit 1, one error line) when PATH is not executable
need_exe() { [ -x "$1" ] || { echo "error: $2 not found at '$1'" >&2; exit 1; }; }

# ft ARGS...: fundtrace on the index $DB
ft() { "$FUNDTRACE" --db "$DB" "$@"; }

# run NAME ARGS...: runs fundtrace ARGS, stdout, stderr and exit code into $TMP/NAME.{out,err,rc}
run() {
    local name=$1 rc=0
    shift
    "$FUNDTRACE" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
    echo "$rc" >"$TMP/$name.rc"
}
# rc_is NAME RC: the run NAME exited RC (one check)
rc_is() { [ "$(cat "$TMP/$1.rc")" = "$2" ] && ok || ko "$1: exit $(cat "$TMP/$1.rc"), expected $2: $(cat "$TMP/$1.err")"; }
# one_error_line NAME: the run NAME printed exactly one line on stderr, "error: ..." (one check)
one_error_line() { [ "$(wc -l <"$TMP/$1.err")" = 1 ] && grep -q '^error: ' "$TMP/$1.err" && ok || ko "$1: stderr is not one error line: $(cat "$TMP/$1.err")"; }

# check NAME GOT WANT: GOT equals WANT (one check)
check() { if [ "$2" == "$3" ]; then ok; else ko "$1: got '$2', want '$3'"; fi; }
# jcheck FILE PYTHON-EXPR: the expression over j (the parsed JSON) must be true
jcheck() {
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
# same_dir A B: every file of A is in B with the same bytes, and B has no other (one check per
# file, or one failed check when the lists differ)
same_dir() {
    local a=$1 b=$2 f
    [ "$(ls "$a")" = "$(ls "$b")" ] || { ko "files differ: $(ls "$a" | tr '\n' ' ') vs $(ls "$b" | tr '\n' ' ')"; return; }
    for f in "$a"/*; do
        cmp -s "$f" "$b/$(basename "$f")" && ok || ko "$(basename "$f") differs between $a and $b"
    done
}
# m KEY: the value at KEY (dotted path, list indexes as numbers) of $S/manifest.json
m() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$S/manifest.json" "$1"; }
# digest DIR: sha256 of every file under DIR, in name order (two trees with equal bytes)
digest() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }

# sample_btc DB [LABELS [INCIDENTS]]: the bundled Bitcoin sample (datasets/sample) indexed into
# DB, its labels (or LABELS) and incidents (or INCIDENTS) imported, clustered; --quiet, output
# to the caller's stdout/stderr; the status of the first step that failed. Written as one &&
# chain because set -e does not apply inside a function called from a condition.
sample_btc() {
    local db=$1 s=$SRC/datasets/sample
    "$FUNDTRACE" --db "$db" --quiet index bitcoin --blocks "$s/blocks" --network regtest &&
        "$FUNDTRACE" --db "$db" --quiet labels import "${2:-$s/labels.csv}" &&
        "$FUNDTRACE" --db "$db" --quiet incidents import "${3:-$s/incidents.csv}" &&
        "$FUNDTRACE" --db "$db" --quiet cluster
}
# sample_eth DB [INCIDENTS]: the bundled Ethereum sample (datasets/sample/ethereum, chain dev)
# indexed into DB, its labels and incidents (or INCIDENTS) imported; as sample_btc
sample_eth() {
    local db=$1 s=$SRC/datasets/sample/ethereum
    "$FUNDTRACE" --db "$db" --quiet index ethereum --etl "$s" --chain dev &&
        "$FUNDTRACE" --db "$db" --quiet labels import "$s/labels.csv" &&
        "$FUNDTRACE" --db "$db" --quiet incidents import "${2:-$s/incidents.csv}"
}
