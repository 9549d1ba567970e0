#!/bin/sh
# aimc sim end to end: every example netlist gives the same event trace on
# the native and the SystemC kernel (each run is its own process: one
# SystemC simulation per process), the probe records of the smallest
# netlist match its source values, and bad input exits 2 with a message.
set -eu
: "${AIMC_BIN:?}" "${AIMC_SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

have_systemc=1
"$AIMC_BIN" version | grep -q systemc || have_systemc=0

busy=0  # netlists whose run delivers events (some only show structure)
for net in "$AIMC_SRC"/netlists/*.yaml; do
  name=$(basename "$net" .yaml)
  "$AIMC_BIN" -q sim "$net" --kernel native --trace "$tmp/$name.native.csv" \
    > "$tmp/$name.native.out" || fail "$name: native run failed"
  [ "$(wc -l < "$tmp/$name.native.csv")" -gt 5 ] && busy=$((busy + 1))
  if [ $have_systemc = 1 ]; then
    "$AIMC_BIN" -q sim "$net" --kernel systemc --trace "$tmp/$name.systemc.csv" \
      > "$tmp/$name.systemc.out" || fail "$name: systemc run failed"
    cmp "$tmp/$name.native.csv" "$tmp/$name.systemc.csv" ||
      fail "$name: native and systemc traces differ"
    # Same results apart from the backend's name.
    sed 's/^kernel .*//' "$tmp/$name.native.out" > "$tmp/a"
    sed 's/^kernel .*//' "$tmp/$name.systemc.out" > "$tmp/b"
    cmp "$tmp/a" "$tmp/b" || fail "$name: summaries differ"
  fi
done
[ $busy -ge 3 ] || fail "only $busy example netlists produce events"

# 00_source_probe drives "1 2; 3 4; 5 6", one vector every 10 ns from
# t = 0, straight into the probe: the records are those values at 0, 10
# and 20 ns (read off the netlist).
out=$("$AIMC_BIN" -q sim "$AIMC_SRC/netlists/00_source_probe.yaml")
echo "$out" | grep -q "probe watch: 3 vectors of 2" || fail "probe count: $out"
echo "$out" | grep -Eq "^  0fs +1 2$" || fail "record 0: $out"
echo "$out" | grep -Eq "^  10ns +3 4$" || fail "record 1: $out"
echo "$out" | grep -Eq "^  20ns +5 6$" || fail "record 2: $out"
# --until 10ns delivers the events at exactly 10 ns, not the one at 20.
out=$("$AIMC_BIN" -q sim "$AIMC_SRC/netlists/00_source_probe.yaml" --until 10ns)
echo "$out" | grep -q "probe watch: 2 vectors" || fail "--until: $out"
echo "$out" | grep -q "^time      10ns" || fail "--until time: $out"

# Bad input: exit 2, a message naming the culprit, no trace left behind.
expect2() {
  set +e
  "$AIMC_BIN" -q sim "$@" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  set -e
  [ $rc = 2 ] || fail "exit $rc (want 2) for: $*"
}
expect2 "$AIMC_SRC/netlists/00_source_probe.yaml" --kernel verilator
grep -q "verilator" "$tmp/err" || fail "no message naming the kernel"
expect2 "$AIMC_SRC/netlists/00_source_probe.yaml" --until -5ns
expect2 "$AIMC_SRC/netlists/00_source_probe.yaml" --records x
expect2 "$tmp/missing.yaml" --trace "$tmp/never.csv"
grep -q "missing.yaml" "$tmp/err" || fail "no message naming the file"
[ ! -e "$tmp/never.csv" ] || fail "trace written for a failed run"
expect2
"$AIMC_BIN" sim --help | grep -q "usage: aimc sim" || fail "--help"
echo "sim_cli: ok"
