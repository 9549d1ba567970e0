# Sourced by the infer end-to-end scripts: FIX, the fixture_model tool
# (the script's $1), a temporary folder T removed on exit, and fail().
set -eu
FIX=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# json RUN KEY: the first number after "KEY": in $T/RUN/results.json.
json() { sed -n "s/.*\"$2\":[[:space:]]*\([0-9.e+-]*\).*/\1/p" "$T/$1/results.json" | head -1; }
