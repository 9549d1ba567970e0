#!/bin/sh
# The CLI's contract: --help exits 0, unknown commands/options exit 2 with a
# usage message on stderr.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
"$AIMC_BIN" --help >/dev/null || fail "--help"
"$AIMC_BIN" version >/dev/null || fail "version"
"$AIMC_BIN" version --help | grep -q usage || fail "version --help"
"$AIMC_BIN" frobnicate 2>err.$$; rc=$?
[ $rc -eq 2 ] || fail "unknown command exit $rc"
grep -q "unknown command 'frobnicate'" err.$$ || fail "message"
"$AIMC_BIN" --bogus version 2>/dev/null; [ $? -eq 2 ] || fail "unknown option"
"$AIMC_BIN" version extra 2>/dev/null; [ $? -eq 2 ] || fail "extra arg"
"$AIMC_BIN" 2>/dev/null; [ $? -eq 2 ] || fail "no command"
rm -f err.$$
echo ok
