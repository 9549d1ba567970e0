#!/bin/sh
# A mapped netlist is a closed dataflow graph (docs/mapping.md, "The
# wiring"): for both forms and dense layers digital or on crossbars,
# `aimc check` loads it with every port connected and only the network's
# input (features) and output (logits) external; `aimc run` reads it back;
# a gather index map with a non-number, an index out of range, a line of
# other than three fields, or pairs other than the mapping's is refused
# with file:line:col and exit 2, as is a port-array element out of range
# and a netlist of an older layout ("map again").
# $1: the fixture_model tool.
. "$(dirname "$0")/../infer/e2e_common.sh"
"$FIX" "$T/m.s4d" 28 10 8 4 2 2 5
for form in single separate; do
  for dense in digital crossbar; do
    n=$T/net_${form}_$dense.yaml
    "$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" -o "$n" \
      --set array.form=$form --set array.dense=$dense --set array.rows=32 --set array.cols=32 \
      > /dev/null || fail "map $form $dense"
    "$AIMC_BIN" check "$n" > "$T/check.txt" 2>&1 || fail "check $form $dense: $(cat "$T/check.txt")"
    grep -q "gather" "$T/check.txt" || fail "$form $dense: no gather instances"
    ext=$(sed -n 's/^  \([a-z_0-9]*\): {connect: .*external: true}$/\1/p' "$n" | sort | tr '\n' ' ')
    [ "$ext" = "features logits seq_end " ] || fail "$form $dense: external nets '$ext', want features logits seq_end"
    # --list: every net driven but the network's input.
    "$AIMC_BIN" check "$n" --list | grep "(external)" > "$T/undriven.txt" || true
    [ "$(sed 's/ .*//;s/^ *//' "$T/undriven.txt" | tr -d '\n')" = "" ] ||
      [ "$(awk '{print $1}' "$T/undriven.txt" | tr '\n' ' ')" = "features " ] ||
      fail "$form $dense: undriven nets: $(cat "$T/undriven.txt")"
  done
done
# aimc run reads the new netlist back (the results themselves: infer_cli_*).
n=$T/net_single_digital.yaml
"$AIMC_BIN" run "$n" --data fmnist_rows,max_per_split=8 -o "$T/run" > /dev/null 2> "$T/run.err" ||
  fail "aimc run: $(cat "$T/run.err")"
# A widths list written out ("32,8,8" for "32,8*2") names the same ports.
grep -q '^  l0_ssm_0_wire: {model: gather, params: {n: 32, widths: "32,8\*2"' "$n" ||
  fail "l0_ssm_0_wire: $(grep '^  l0_ssm_0_wire:' "$n")"
sed -i '/^  l0_ssm_0_wire:/s/widths: "32,8\*2"/widths: "32,8,8"/' "$n"
"$AIMC_BIN" run "$n" --data fmnist_rows,max_per_split=8 -o "$T/run2" > /dev/null 2> "$T/run.err" ||
  fail "aimc run, widths written out: $(cat "$T/run.err")"
cmp "$T/run/predictions.csv" "$T/run2/predictions.csv" || fail "widths written out: other predictions"
# Bad index maps: refused at the file's line and column (exit 2).
map=$T/net_single_digital.arrays/l0_ssm_0_wire.map.csv
cp "$map" "$T/map.orig"
expect2() { # WHAT PATTERN: aimc run exits 2 with PATTERN on stderr
  set +e
  "$AIMC_BIN" run "$n" --data fmnist_rows,max_per_split=8 -o "$T/bad" > /dev/null 2> "$T/bad.err"
  rc=$?
  set -e
  [ "$rc" = 2 ] || fail "$1: exit $rc, want 2 ($(cat "$T/bad.err"))"
  grep -q -- "$2" "$T/bad.err" || fail "$1: message '$(cat "$T/bad.err")' lacks '$2'"
  cp "$T/map.orig" "$map"
}
sed '3s/.*/1,nan,1/' "$T/map.orig" > "$map"
expect2 nan "l0_ssm_0_wire.map.csv:3:3: port is not a decimal integer"
sed '3s/.*/1,0,99/' "$T/map.orig" > "$map"
expect2 range "l0_ssm_0_wire.map.csv:3:5: word 99 is out of range: in\[0\] is 32 words wide"
sed '3s/.*/1,0,1,1/' "$T/map.orig" > "$map"
expect2 fields "l0_ssm_0_wire.map.csv:3:1: 4 fields, expected 3"
sed '3s/.*/1,0,2/' "$T/map.orig" > "$map"
expect2 disagree "net_single_digital.yaml:[0-9]*:[0-9]*: l0_ssm_0_wire: its index map .* disagrees with the mapping: output word 1 adds in\[0\] word 2 but the mapping's output word 1 adds in\[0\] word 1"
# A port-array element out of range: aimc check, at the endpoint.
sed 's/"l0_ssm_0_wire.in\[1\]"/"l0_ssm_0_wire.in[7]"/' "$n" > "$T/oor.yaml"
set +e
"$AIMC_BIN" check "$T/oor.yaml" > /dev/null 2> "$T/oor.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "port array out of range: exit $rc"
grep -q "oor.yaml:[0-9]*:[0-9]*: endpoint: port in\[7\] out of range: instance 'l0_ssm_0_wire' (gather) has in\[0\] .. in\[2\]" "$T/oor.err" ||
  fail "port array out of range: $(cat "$T/oor.err")"
# An older layout: map again.
sed 's/^  tiles: [0-9]*/  tiles: 7/' "$n" > "$T/old.yaml"
cp -r "$T/net_single_digital.arrays" "$T/old.arrays"
cp "$T/net_single_digital.arch.yaml" "$T/old.arch.yaml"
set +e
"$AIMC_BIN" run "$T/old.yaml" --data fmnist_rows,max_per_split=8 -o "$T/old" > /dev/null 2> "$T/old.err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "map again" "$T/old.err" || fail "tiles 7: exit $rc, $(cat "$T/old.err")"
echo "ok: closed graphs in 4 layouts, bad index maps and port arrays refused"
