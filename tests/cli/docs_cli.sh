#!/usr/bin/env bash
# docs_cli.sh — docs/cli.md must equal what tools/gen_cli_doc.sh makes from `fundtrace help`,
# so every command and flag in the binary is documented (regenerate with
#   tools/gen_cli_doc.sh build/fundtrace > docs/cli.md).
source "$(dirname "$0")/lib.sh"
cd "$SRC"
if diff -u docs/cli.md <(tools/gen_cli_doc.sh "$FUNDTRACE"); then
    ok
else
    echo "error: docs/cli.md is out of date; run tools/gen_cli_doc.sh build/fundtrace > docs/cli.md" >&2
    ko "docs/cli.md differs from the output of tools/gen_cli_doc.sh"
fi
finish
