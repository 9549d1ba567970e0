#!/bin/sh
# Global options anywhere on the line, an option without its value, and
# --help for every command (with global options around it).
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
A=$AIMC_BIN
NET=netlists/02_mvm_4x4.yaml

# An option missing its value says so, exit 2 (before and after a command).
for line in "--seed" "check $NET --seed" "--seed=" "--seed -q check $NET"; do
  $A $line >/dev/null 2>"$T/err"; rc=$?
  [ $rc -eq 2 ] || fail "'aimc $line' exit $rc"
  grep -q "option '--seed' needs a value" "$T/err" || fail "'aimc $line': $(cat "$T/err")"
done
$A --seed x check $NET 2>"$T/err"; [ $? -eq 2 ] || fail "--seed x exit"
grep -q "decimal integer in \[0, 2^64), not 'x'" "$T/err" || fail "--seed x: $(cat "$T/err")"

# Global options after the command act as before it; the command never
# sees them.
$A sim $NET -q >"$T/a" 2>"$T/a.err" || fail "sim NET -q: $(cat "$T/a.err")"
$A -q sim $NET >"$T/b" 2>"$T/b.err" || fail "-q sim NET"
cmp -s "$T/a" "$T/b" && cmp -s "$T/a.err" "$T/b.err" || fail "'sim NET -q' differs from '-q sim NET'"
$A sim $NET --seed 7 -v >"$T/c" 2>/dev/null || fail "sim NET --seed 7 -v"
grep -q "seed 7" "$T/c" || fail "--seed after the command ignored: $(cat "$T/c")"
$A sim $NET --seed=7 >"$T/d" 2>/dev/null || fail "--seed=7"
grep -q "seed 7" "$T/d" || fail "--seed=7 ignored"
$A check $NET -v -q 2>&1 >/dev/null | grep -q . && fail "-q after the command still logs"

# --help everywhere: every command of the table, alone and among globals.
cmds=$(sed -n 's/^X(\([a-z_]*\),.*/\1/p' "$AIMC_SRC/sim/cli/commands.def")
[ -n "$cmds" ] || fail "no commands in commands.def"
for c in $cmds; do
  for line in "$c --help" "-q $c --seed 3 -h -v" "help $c"; do
    $A $line >"$T/h" 2>"$T/err" || fail "'aimc $line' exit $?: $(cat "$T/err")"
    head -1 "$T/h" | grep -q "^usage: aimc $c" || fail "'aimc $line': $(head -2 "$T/h")"
  done
done
$A help nope 2>/dev/null; [ $? -eq 2 ] || fail "help of an unknown command"
$A --help | grep -q "anywhere on the line" || fail "--help"
echo ok
