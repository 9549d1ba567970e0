#!/bin/sh
# Regenerates docs/models/<model>.md and index.md from the models'
# parameter tables (aimc models --docs). With --check, regenerates into a
# temporary directory and fails if docs/models differs (the CTest
# models_docs_current runs this).
# usage: scripts/gen-model-docs.sh [--check] [AIMC_BINARY]
set -eu
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
bin=${1:-${AIMC_BIN:-build/aimc}}
src=${AIMC_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
if [ "$check" = 0 ]; then
  "$bin" models --docs "$src/docs/models"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" models --docs "$tmp"
status=0
for f in "$tmp"/*.md; do
  name=$(basename "$f")
  if ! cmp -s "$f" "$src/docs/models/$name"; then
    echo "docs/models/$name is stale: run scripts/gen-model-docs.sh" >&2
    status=1
  fi
done
exit $status
