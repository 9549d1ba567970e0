# Sourced by the infer end-to-end scripts: FIX, the fixture_model tool
# (the script's $1), a temporary folder T removed on exit, and fail().
set -eu
FIX=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
