#!/bin/sh
# aimc check / aimc graph from the command line: summaries, exit codes,
# file:line:col messages on stderr, rendered files (PNG magic, SVG text),
# -D overrides, and that a failed run leaves an earlier output untouched.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
N="$AIMC_SRC/netlists/00_source_probe.yaml"

"$AIMC_BIN" check --help | grep -q usage || fail "check --help"
"$AIMC_BIN" graph --help | grep -q usage || fail "graph --help"
"$AIMC_BIN" check "$N" > "$T/out" || fail "check exit"
grep -q "instances: 2" "$T/out" || fail "check summary"
grep -q "nets: 1 (1 digital)" "$T/out" || fail "check nets"
"$AIMC_BIN" check "$N" --list | grep -q "watch .*probe .*n=2" || fail "check --list"
"$AIMC_BIN" check "$N" -D width=3 2> "$T/err"; [ $? -eq 2 ] || fail "-D shape error exit"
grep -q "00_source_probe.yaml:9:3: instance 'stim' (source): values: vector 1 has 2 numbers, expected n = 3" "$T/err" \
  || fail "-D message: $(cat "$T/err")"
"$AIMC_BIN" check "$N" -D nope=1 2>/dev/null; [ $? -eq 2 ] || fail "-D unknown"
"$AIMC_BIN" check 2>/dev/null; [ $? -eq 2 ] || fail "missing netlist"
"$AIMC_BIN" check "$T/none.yaml" 2>/dev/null; [ $? -eq 2 ] || fail "missing file"
printf 'instances:\n  p: {model: probe, params: {n: 2}}\nnets:\n  x: [p.in]\n' > "$T/bad.yaml"
"$AIMC_BIN" check "$T/bad.yaml" 2> "$T/err"; [ $? -eq 2 ] || fail "bad netlist exit"
grep -q "bad.yaml:4:3: net 'x' is dangling" "$T/err" || fail "bad netlist message"

"$AIMC_BIN" graph "$N" -o "$T/g.png" 2>/dev/null || fail "graph png"
[ "$(head -c 4 "$T/g.png" | tail -c 3)" = "PNG" ] || fail "png magic"
"$AIMC_BIN" graph "$N" -o "$T/g.svg" 2>/dev/null || fail "graph svg"
grep -q "<svg" "$T/g.svg" || fail "svg text"
grep -q "watch" "$T/g.svg" || fail "svg names the probe"
"$AIMC_BIN" graph "$N" -o "$T/g.dot" --flatten --depth 0 2>/dev/null || fail "graph dot"
grep -q "i0 -> i1" "$T/g.dot" || fail "dot edge"
"$AIMC_BIN" graph "$N" -o "$T/g.bmpx" 2>/dev/null; [ $? -eq 2 ] || fail "unknown format"
"$AIMC_BIN" graph "$N" 2>/dev/null; [ $? -eq 2 ] || fail "missing -o"
cp "$T/g.svg" "$T/keep.svg"
"$AIMC_BIN" graph "$T/bad.yaml" -o "$T/g.svg" 2>/dev/null; [ $? -eq 2 ] || fail "graph of bad netlist"
cmp -s "$T/g.svg" "$T/keep.svg" || fail "earlier output overwritten"
# Every example netlist checks clean (those whose models are registered).
for f in "$AIMC_SRC"/netlists/0*.yaml; do
  "$AIMC_BIN" check "$f" > /dev/null 2> "$T/err" && continue
  grep -q "unknown model" "$T/err" || fail "example $f: $(cat "$T/err")"
done
echo ok
