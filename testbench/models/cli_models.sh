#!/bin/sh
# aimc models / aimc device from the command line: listings, describe,
# CSV shape and physics direction, and bad input (exit 2, clear messages).
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
A=$AIMC_BIN

$A models > "$tmp/list" || fail "models"
for m in cell write_verify crossbar dac tia adc adc_flash sample_hold digital buffer pulse vcm; do
  grep -q "^  $m " "$tmp/list" || fail "models does not list $m"
done
$A models --describe adc | grep -q "fom_walden" || fail "describe adc"
$A models --describe adc_flash | grep -q "e_cmp" || fail "describe adc_flash"
$A models --describe pulse --markdown | grep -q '^| `g_min` | real | 5uS |' || fail "markdown row"
$A models --describe nope 2>"$tmp/err"; [ $? = 2 ] || fail "unknown model must exit 2"
grep -q "nope" "$tmp/err" || fail "message names the model"

# 3 SET then 2 RESET pulses on a nominal device: 6 rows + header; G rises
# then falls (SET raises, RESET lowers: the model's polarity convention).
$A device --train "3x1.2V,2x-1.2V" --nominal -o "$tmp/g.csv" || fail "device"
[ "$(wc -l < "$tmp/g.csv")" = 7 ] || fail "device rows"
awk -F, 'NR==2{g0=$4} NR==5{g3=$4} NR==7{g5=$4} END{exit !(g3>g0 && g5<g3)}' "$tmp/g.csv" \
  || fail "SET must raise and RESET lower G"
$A device --card "$AIMC_SRC/configs/devices/vcm_default.yaml" --train "10x1.3V" > "$tmp/v.csv" \
  || fail "device vcm card"
# Same seed, same CSV.
$A --seed 5 device --train "20x1.1V" > "$tmp/a.csv" && $A --seed 5 device --train "20x1.1V" > "$tmp/b.csv"
cmp -s "$tmp/a.csv" "$tmp/b.csv" || fail "device is not deterministic"

# Write-verify trace: the last row is within tol (1 uS) of the target.
$A device --target 60uS -o "$tmp/wv.csv" 2>/dev/null || fail "device --target"
tail -n 1 "$tmp/wv.csv" | awk -F, '{d=$4-60e-6; if (d<0) d=-d; exit !(d<=1e-6)}' \
  || fail "write-verify trace does not end within tol: $(tail -n 1 "$tmp/wv.csv")"

expect2() {  # expect2 NEEDLE args...: exit 2 and NEEDLE in the message
  needle=$1; shift
  $A "$@" > /dev/null 2> "$tmp/err"; rc=$?
  [ $rc = 2 ] || fail "$* exited $rc, expected 2"
  grep -q -- "$needle" "$tmp/err" || fail "$*: message lacks '$needle': $(cat "$tmp/err")"
}
expect2 "g_max" device --set g_min=200uS
expect2 "w_ref" device --set w_ref=-5ns
expect2 "width" device --train "3x1V@-5ns"
expect2 "count" device --train "0x1V"
expect2 "nope" device --model nope
expect2 "target" device --target -1uS
printf 'model: pulse\ng_min: 300uS\n' > "$tmp/bad.yaml"
expect2 "bad.yaml" device --card "$tmp/bad.yaml"
# A failed run never replaces an earlier result.
echo keep > "$tmp/out.csv"
$A device --train "1x1V@-1ns" -o "$tmp/out.csv" 2>/dev/null
[ "$(cat "$tmp/out.csv")" = keep ] || fail "earlier output overwritten"
echo ok
