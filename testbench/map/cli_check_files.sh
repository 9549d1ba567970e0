#!/bin/sh
# `aimc check` reads the files a mapped netlist's instances name, as the
# models' init would, so a bad one is refused before any long run: at the
# instance's file:line:col with the file's own position (exit 2). The
# netlist as mapped passes (every tile naming its layout); then one edit
# at a time (a calibration row, a gather's index map, a targets file, a
# layout, the periphery's model file) fails, and the edit restored passes
# again.
# $1: the fixture_model tool.
. "$(dirname "$0")/../infer/e2e_common.sh"
"$FIX" "$T/m.s4d" 28 10 8 4 1 2 5
n=$T/net.yaml
"$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" -o "$n" \
  --set array.rows=32 --set array.cols=32 > /dev/null || fail "map"
"$AIMC_BIN" check "$n" > /dev/null 2> "$T/err" || fail "check as mapped: $(cat "$T/err")"
A=$T/net.arrays
# Every tile names its array's layout, which its crossbar reads.
tiles=$(grep -c "{subckt: tile, params: {" "$n")
[ "$(grep -c '{subckt: tile, params: {.* layout: "net.arrays/array[0-9]*.layout.json"' "$n")" = "$tiles" ] \
  || fail "not every tile names its layout: $(grep '{subckt: tile' "$n" | head -2)"
grep -q '^      xbar: {model: crossbar, params: {.* layout: "${layout}"' "$n" \
  || fail "the crossbar does not read the tile's layout: $(grep '^      xbar:' "$n")"
for k in $(seq 0 $((tiles - 1))); do
  [ -s "$A/array$k.layout.json" ] || fail "no layout file for array $k"
done
# refused WHAT WANT: aimc check exits 2 naming WANT and the instance's
# position in the netlist.
refused() {
  set +e
  "$AIMC_BIN" check "$n" > /dev/null 2> "$T/err"
  rc=$?
  set -e
  [ "$rc" = 2 ] || fail "$1: exit $rc, want 2: $(cat "$T/err")"
  grep -q "$2" "$T/err" || fail "$1: message lacks '$2': $(cat "$T/err")"
  grep -q "$n:[0-9]*:[0-9]*: instance " "$T/err" || fail "$1: no netlist position: $(cat "$T/err")"
}
# edit FILE SED-EXPR WANT: the edited file is refused naming WANT, then restored.
edit() {
  cp "$1" "$T/keep"
  sed -i "$2" "$1"
  refused "$1 ($2)" "$3"
  cp "$T/keep" "$1"
}
edit "$A/array0.cal.csv" '2s/.*/dac,0,nan,0/' "array0.cal.csv:2:"
edit "$A/array0.csv" '1s/^[^,]*,/x,/' "array0.csv:1:1: target 1"
edit "$A/array0.layout.json" 's/"span_S":[^,]*,/"span_S":-1,/' "array0.layout.json: span_S"
edit "$A/l0_ssm_0_wire.map.csv" '2s/^\([0-9]*\),\([0-9]*\),[0-9]*/\1,\2,99999/' "l0_ssm_0_wire.map.csv:2:"
mv "$T/m.s4d" "$T/gone.s4d"
refused "model file gone" "instance encoder: "
mv "$T/gone.s4d" "$T/m.s4d"
"$AIMC_BIN" check "$n" > /dev/null 2> "$T/err" || fail "check restored: $(cat "$T/err")"
echo "check files: ok"
