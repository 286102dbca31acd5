#!/usr/bin/env bash
# docs_cli.sh — docs/cli.md must equal what tools/gen_cli_doc.sh makes from `fundtrace help`,
# so every command and flag in the binary is documented (regenerate with
#   tools/gen_cli_doc.sh build/fundtrace > docs/cli.md).
set -euo pipefail
cd "${FT_SOURCE_DIR:-.}"
if diff -u docs/cli.md <(tools/gen_cli_doc.sh "$FUNDTRACE"); then
    echo "1 passed, 0 failed"
else
    echo "error: docs/cli.md is out of date; run tools/gen_cli_doc.sh build/fundtrace > docs/cli.md" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
