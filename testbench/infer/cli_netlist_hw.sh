#!/bin/sh
# End-to-end: `aimc run` takes the hardware from the netlist (issue #8).
# The fixture model (the one of cli_run.sh) is mapped with ideal
# programming; the generated netlist is edited with sed and each edit must
# have the effect of the corresponding arch setting; tiles that disagree and
# a bad edit exit 2 with file:line:col. $1: the fixture_model tool.
. "$(dirname "$0")/e2e_common.sh"
DATA=fmnist_rows,max_per_split=40
"$FIX" "$T/m.s4d" 28 10 8 4 2 2 5
"$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" -o "$T/net.yaml" > /dev/null
run() { out=$1; shift; "$AIMC_BIN" run "$@" --data $DATA -o "$T/$out" --logits > /dev/null 2>&1 \
  || fail "run $out failed"; }
tiles=$(grep -c '{subckt: tile' "$T/net.yaml")
[ "$tiles" -gt 1 ] || fail "expected several tiles, got $tiles"
run base "$T/net.yaml"
[ "$(json base resid_rms_S)" = 0 ] || fail "ideal programming has residual $(json base resid_rms_S)"

# 1. Every crossbar gaussian with sigma 5 uS: the same run as the arch's
# programming.mode=gaussian, sigma=5uS (same seed: identical draws).
sed 's/program: ideal, sigma_g: 0S/program: gaussian, sigma_g: 5uS/' "$T/net.yaml" > "$T/g.yaml"
run g "$T/g.yaml"
run gset "$T/net.yaml" --set programming.mode=gaussian --set programming.sigma=5uS
cmp "$T/g/predictions.csv" "$T/gset/predictions.csv" || fail "netlist gaussian != arch gaussian"
[ "$(json g resid_rms_S)" = "$(json gset resid_rms_S)" ] || fail "residuals differ"
# The residual of a pulsed device is N(0, 5 uS) clipped to the window:
# devices whose target is g_min (the idle one of each pair) keep only the
# positive half, rms sigma/sqrt(2); the others rms <= sigma. The devices of
# structural zeros (programming.exact_zeros, the default) get no pulse and
# no error, so the rms over the N = `pulses` pulsed devices is the rms over
# all `devices` times sqrt(devices / pulses). Its estimate has relative sd
# ~ 1/sqrt(2N) (~2 % for N ~ 1000): 10 % margins on [sigma/sqrt(2), sigma]
# cannot fail by chance.
n=$(json g pulses)
awk -v r="$(json g resid_rms_S)" -v d="$(json g devices)" -v n="$n" \
  'BEGIN { s = 5e-6; r *= sqrt(d / n); exit !(n > 100 && r >= 0.9 * s / sqrt(2) && r <= 1.1 * s) }' \
  || fail "gaussian residual rms $(json g resid_rms_S) over pulsed devices not in [sigma/sqrt2, sigma] (N=$n)"
# --set still overrides the netlist last.
run gideal "$T/g.yaml" --set programming.mode=ideal
[ "$(json gideal resid_rms_S)" = 0 ] || fail "--set programming.mode=ideal did not override"
cmp "$T/base/predictions.csv" "$T/gideal/predictions.csv" || fail "--set ideal != ideal netlist"

# 2. ADC bits 3 and one ADC per tile on every tile: the same run as
# converters.adc_bits=3 with cols_per_adc large enough for one ADC per
# array; the report counts one ADC per tile, and the logits differ from the
# 8-bit run (3 bits round the state far coarser than the fixture's grid).
sed 's/n_adc: [0-9]*, adc_bits: [0-9]*/n_adc: 1, adc_bits: 3/' "$T/net.yaml" > "$T/a.yaml"
run a "$T/a.yaml"
run aset "$T/net.yaml" --set converters.adc_bits=3 --set converters.cols_per_adc=64
cmp "$T/a/predictions.csv" "$T/aset/predictions.csv" || fail "netlist adc bits != arch adc bits"
[ "$(json a adcs)" = "$tiles" ] || fail "n_adc: 1 per tile gives $(json a adcs) ADCs, not $tiles"
[ "$(json a cycles_step)" = "$(json aset cycles_step)" ] || fail "ADC sharing latency differs"
! cmp -s "$T/a/predictions.csv" "$T/base/predictions.csv" || fail "3-bit ADCs changed nothing"

# Tiles may share their columns among different numbers of ADCs: tile 0
# alone with one ADC runs, the report counts its ADC instead of its
# mapped ones, and its conversions take longer (more mux rounds).
n0=$(sed -n 's/.*l0_ssm_0: .*n_adc: \([0-9]*\),.*/\1/p' "$T/net.yaml")
[ "$n0" -gt 1 ] || fail "tile 0 has n_adc $n0: the fixture needs more than one"
awk '!done && /\{subckt: tile/ { sub(/n_adc: [0-9]*/, "n_adc: 1"); done = 1 } 1' "$T/net.yaml" > "$T/one_adc.yaml"
run one_adc "$T/one_adc.yaml"
[ "$(json one_adc adcs)" = "$(($(json base adcs) - n0 + 1))" ] \
  || fail "one ADC on tile 0: $(json one_adc adcs) ADCs, base $(json base adcs), tile 0 had $n0"
[ "$(json one_adc cycles_step)" -gt "$(json base cycles_step)" ] || fail "one ADC on tile 0 did not slow the step"

# 3. The tiles' params price the hardware (each part's op_cost): a hand
# edit of a timing or energy figure on every tile is the same run as the
# matching arch setting; --set overrides the edit; an edit of one tile
# changes that tile alone; a param the arch does not set (the ADC's Walden
# figure of merit) takes effect as the adc model defines it.
sed '/{subckt: tile/s/t_adc: 5ns/t_adc: 10ns/' "$T/net.yaml" > "$T/tadc.yaml"
run tadc "$T/tadc.yaml"
run tadcset "$T/net.yaml" --set timing.t_adc=10ns
for k in cycles_step cycles_seq adc total; do
  [ "$(json tadc $k)" = "$(json tadcset $k)" ] || fail "netlist t_adc != arch t_adc ($k)"
done
[ "$(json tadc cycles_step)" -gt "$(json base cycles_step)" ] || fail "slower ADCs did not slow the step"
run tadcback "$T/tadc.yaml" --set timing.t_adc=5ns
[ "$(json tadcback cycles_step)" = "$(json base cycles_step)" ] || fail "--set t_adc did not override the edit"
first() { sed -n 's/.*"per_array":[[:space:]]*\[\([0-9.e+-]*\),.*/\1/p' "$T/$1/results.json"; }
second() { sed -n 's/.*"per_array":[[:space:]]*\[[0-9.e+-]*, \([0-9.e+-]*\).*/\1/p' "$T/$1/results.json"; }
awk '!done && /\{subckt: tile/ { sub(/e_adc: 1pJ/, "e_adc: 2pJ"); done = 1 } 1' "$T/net.yaml" > "$T/eadc.yaml"
run eadc "$T/eadc.yaml"
# Doubling e_adc of tile 0 adds its ADC energy once more: the total ADC
# energy and tile 0's energy rise by the same amount, tile 1 is unchanged.
awk -v a1="$(json eadc adc)" -v a0="$(json base adc)" -v t1="$(first eadc)" -v t0="$(first base)" \
    -v u1="$(second eadc)" -v u0="$(second base)" \
  'BEGIN { d = a1 - a0; exit !(d > 0 && (t1 - t0 - d) ^ 2 < (1e-9 * d) ^ 2 && u1 == u0) }' \
  || fail "one tile's e_adc: adc $(json base adc) -> $(json eadc adc), tile 0 $(first base) -> $(first eadc)"
# Per instance: exactly tile 0's adc doubled, every other row the same.
awk -F, 'NR == FNR { e[$1] = $3; next } FNR > 1 {
    if ($1 == "l0_ssm_0.adc") { if (!($3 > 0 && ($3 - 2 * e[$1]) ^ 2 < (1e-12 * $3) ^ 2)) bad = 1 }
    else if ($3 != e[$1]) bad = 1; n++ }
  END { exit bad || n < 8 }' "$T/base/energy.csv" "$T/eadc/energy.csv" \
  || fail "one tile's e_adc: energy.csv rows other than l0_ssm_0.adc x2"
# Walden: E = FOM x 2^bits = 1 fJ x 2^8 = 256 fJ per conversion instead of
# e_adc = 1 pJ: the ADC energy scales by 0.256.
sed 's/adc: {model: adc, params: {/&fom_walden: 1fJ, /' "$T/net.yaml" > "$T/fom.yaml"
run fom "$T/fom.yaml"
awk -v a1="$(json fom adc)" -v a0="$(json base adc)" \
  'BEGIN { r = a1 / a0; exit !((r - 0.256) ^ 2 < 1e-18) }' \
  || fail "fom_walden: adc energy $(json base adc) -> $(json fom adc), want x0.256"

# `aimc sim` elaborates and programs a mapped netlist from any folder: its
# targets are relative to the netlist's folder, as `aimc run` reads them.
(cd / && "$AIMC_BIN" sim "$T/net.yaml" > "$T/sim.out" 2>&1) \
  || fail "aimc sim of the mapped netlist from /: $(cat "$T/sim.out")"
# The converters' calibration is the netlist's (item 3 of issue #13):
# each array's calibration file (its `cal`) gives every DAC row and ADC
# column its full scale and resolution. A hand edit of one ADC channel's
# row acts (a 1-bit state column), and a DAC `range` (one full scale for
# every row instead of each row's, here 1e-3: every input clips) acts too,
# with no warning; writing the file back as mapped gives the base run.
cal=$(sed -n 's/.*l0_ssm_0: .*cal: "\([^"]*\)".*/\1/p' "$T/net.yaml")
[ -f "$T/$cal" ] || fail "no calibration file '$cal' beside the netlist"
head -1 "$T/$cal" | grep -qx 'part,channel,range,bits' || fail "calibration header: $(head -1 "$T/$cal")"
cp "$T/$cal" "$T/cal.orig"
run base_l "$T/net.yaml" --logits
awk -F, -v OFS=, '$1 == "adc" && $2 == 0 { $4 = 1 } 1' "$T/cal.orig" > "$T/$cal"
run caledit "$T/net.yaml" --logits
cp "$T/cal.orig" "$T/$cal"
run calback "$T/net.yaml" --logits
cmp -s "$T/base_l/predictions.csv" "$T/calback/predictions.csv" \
  || fail "the calibration file as mapped changed the logits"
! cmp -s "$T/caledit/predictions.csv" "$T/calback/predictions.csv" \
  || fail "a 1-bit ADC channel in the calibration file changed no logit"
# A TIA row (column 0's full-scale current doubled: the column reads at
# half its value) acts too.
awk -F, -v OFS=, '$1 == "tia" && $2 == 0 { $3 = 2 * $3 } 1' "$T/cal.orig" > "$T/$cal"
grep -q '^tia,0,' "$T/$cal" || fail "no tia rows in the calibration file"
run caltia "$T/net.yaml" --logits
cp "$T/cal.orig" "$T/$cal"
! cmp -s "$T/caltia/predictions.csv" "$T/calback/predictions.csv" \
  || fail "a TIA full-scale current in the calibration file changed no logit"
sed '/dac: {model: dac/s/range: 0}}/range: 1e-3}}/' "$T/net.yaml" > "$T/range.yaml"
grep -q 'range: 1e-3}}' "$T/range.yaml" || fail "no dac line to give a range"
"$AIMC_BIN" run "$T/range.yaml" --data $DATA -o "$T/range" --logits > /dev/null 2> "$T/range.err" \
  || fail "run range failed: $(cat "$T/range.err")"
! cmp -s "$T/range/predictions.csv" "$T/calback/predictions.csv" || fail "a DAC range changed no logit"
! grep -q "does not simulate" "$T/range.err" || fail "dac range warned: $(cat "$T/range.err")"
# A malformed calibration row is the netlist's error: exit 2, file:line:col.
awk -F, -v OFS=, 'NR == 3 { $3 = "-1" } 1' "$T/cal.orig" > "$T/$cal"
set +e; "$AIMC_BIN" run "$T/net.yaml" --data $DATA -o "$T/badcal" > /dev/null 2> "$T/badcal.err"; rc=$?; set -e
cp "$T/cal.orig" "$T/$cal"
[ $rc = 2 ] && grep -q "$cal:3:[0-9]*: range is not a full scale > 0" "$T/badcal.err" \
  || fail "bad calibration row: exit $rc, $(cat "$T/badcal.err")"
"$AIMC_BIN" run "$T/fom.yaml" --data $DATA -o "$T/fom2" > /dev/null 2> "$T/fom.err" || fail "run fom2"
! grep -q "does not simulate" "$T/fom.err" || fail "fom_walden warned: $(cat "$T/fom.err")"

# A heterogeneous design: tile 0 alone gets a 3-bit ADC (Walden-priced):
# its adc row in energy.csv scales by 2^3 / 2^8 (bits 0, calibrated, is
# priced as 8 bits), every other row stays; the run converts tile 0's
# columns at 3 bits (the fixture state has 6), so its logits move.
awk '!done && /\{subckt: tile/ { sub(/adc_bits: [0-9]*/, "adc_bits: 3"); done = 1 } 1' \
  "$T/fom.yaml" > "$T/het.yaml"
run het "$T/het.yaml"
awk -F, 'NR == FNR { e[$1] = $3; next } FNR > 1 {
    if ($1 == "l0_ssm_0.adc") { if (!($3 > 0 && ($3 - 0.03125 * e[$1]) ^ 2 < (1e-12 * $3) ^ 2)) bad = 1 }
    else if ($3 != e[$1]) bad = 1; n++ }
  END { exit bad || n < 8 }' "$T/fom/energy.csv" "$T/het/energy.csv" \
  || fail "one tile's 3-bit ADC: energy.csv rows other than l0_ssm_0.adc changed, or not x1/32"
run het_l "$T/het.yaml" --logits
run fom_l "$T/fom.yaml" --logits
! cmp -s "$T/het_l/predictions.csv" "$T/fom_l/predictions.csv" || fail "a 3-bit ADC on tile 0 changed no logit"

# A netlist written by an older aimc map (tiles version 2: an 8-bit
# placeholder for the model's converters) is refused: map again.
sed 's/^  tiles: [0-9]*$/  tiles: 2/' "$T/net.yaml" > "$T/old.yaml"
set +e; "$AIMC_BIN" run "$T/old.yaml" --data $DATA -o "$T/old" > /dev/null 2> "$T/old.err"; rc=$?; set -e
[ $rc = 2 ] && grep -q "older aimc map.*map again" "$T/old.err" \
  || fail "old netlist: exit $rc, $(cat "$T/old.err")"
# The version before the digital periphery became instances (5): its
# netlist has tiles only.
sed -e 's/^  tiles: [0-9]*$/  tiles: 5/' -e '/{model: s4d_digital/d' -e '/{model: concat/d' \
  -e '/^nets:/,$d' "$T/net.yaml" > "$T/v5.yaml"
set +e; "$AIMC_BIN" run "$T/v5.yaml" --data $DATA -o "$T/v5" > /dev/null 2> "$T/v5.err"; rc=$?; set -e
[ $rc = 2 ] && grep -q "tiles version 5.*digital periphery.*map again" "$T/v5.err" \
  || fail "version-5 netlist: exit $rc, $(cat "$T/v5.err")"
[ ! -e "$T/v5" ] || fail "version-5 netlist: results written"
# A periphery instance of another width than its neighbours is the
# netlist's width mismatch; one that applies another tensor than the
# model's is refused at its line, before any work; one missing (renamed):
# refused naming it.
line=$(grep -n "^  l0_gelu: {model: s4d_digital" "$T/net.yaml" | cut -d: -f1)
sed "${line}s/ n: [0-9]*, n_in: [0-9]*/ n: 3, n_in: 3/" "$T/net.yaml" > "$T/width.yaml"
set +e; "$AIMC_BIN" run "$T/width.yaml" --data $DATA -o "$T/width" > /dev/null 2> "$T/width.err"; rc=$?; set -e
[ $rc = 2 ] && grep -q "width.yaml:[0-9]*:[0-9]*: net 'l0_act': width mismatch" "$T/width.err" \
  || fail "periphery of another width: exit $rc, $(cat "$T/width.err")"
line=$(grep -n "^  l0_norm: {model: s4d_digital" "$T/net.yaml" | cut -d: -f1)
sed "${line}s/ layer: 0/ layer: 1/" "$T/net.yaml" > "$T/shape.yaml"
set +e; "$AIMC_BIN" run "$T/shape.yaml" --data $DATA -o "$T/shape" > /dev/null 2> "$T/shape.err"; rc=$?; set -e
[ $rc = 2 ] && grep -q "shape.yaml:$line:[0-9]*: l0_norm has op layernorm, n 8, n_in 8, tensor norm, layer 1 but .*map again" "$T/shape.err" \
  || fail "periphery of another tensor: exit $rc, $(cat "$T/shape.err")"
sed -e 's/\<l0_gelu\>/l0_act_fn/g' "$T/net.yaml" > "$T/nogelu.yaml"
set +e; "$AIMC_BIN" run "$T/nogelu.yaml" --data $DATA -o "$T/nogelu" > /dev/null 2> "$T/nogelu.err"; rc=$?; set -e
[ $rc = 2 ] && grep -q "no s4d_digital instance 'l0_gelu'" "$T/nogelu.err" \
  || fail "missing periphery instance: exit $rc, $(cat "$T/nogelu.err")"

# 4. Errors (exit 2, message naming the problem, nothing written): one tile
# programmed differently from the others; a misspelt mode in a hand edit.
expect2() {
  msg=$1; shift
  set +e; "$@" > "$T/out.txt" 2> "$T/err.txt"; rc=$?; set -e
  [ $rc = 2 ] || fail "exit $rc (want 2) for: $*"
  grep -q -- "$msg" "$T/err.txt" || fail "message lacks '$msg': $(cat "$T/err.txt")"
}
# One tile programmed with Gaussian error, the others ideally: a
# heterogeneous design runs, its residuals come from that tile alone.
awk '!done && /\{subckt: tile/ { sub(/program: ideal, sigma_g: 0S/, "program: gaussian, sigma_g: 5uS"); done = 1 } 1' \
  "$T/net.yaml" > "$T/one.yaml"
run one "$T/one.yaml"
awk -v r="$(json one resid_rms_S)" -v g="$(json g resid_rms_S)" 'BEGIN { exit !(r > 0 && r < g) }' \
  || fail "one gaussian tile: residual rms $(json one resid_rms_S), all tiles $(json g resid_rms_S)"
sed 's/program: ideal, sigma_g: 0S,/program: gausian, sigma_g: 0S,/' \
  "$T/net.yaml" > "$T/typo.yaml"
expect2 "typo.yaml:[0-9][0-9]*:[0-9][0-9]*: .*l0_ssm_0.xbar.*'gausian' is not one of" \
  "$AIMC_BIN" run "$T/typo.yaml" --data $DATA -o "$T/bad2"
# The message points at the tile where the bad value is written (the
# value a lone ${program} stands for), not at the subcircuit's use of it.
line=$(sed -n 's/^[^:]*typo.yaml:\([0-9]*\):.*/\1/p' "$T/err.txt" | head -1)
sed -n "${line}p" "$T/typo.yaml" | grep -q '^  l0_ssm_0: {subckt: tile.*program: gausian' \
  || fail "typo reported at line $line, not at the tile l0_ssm_0"
test ! -e "$T/bad2/results.json" \
  || fail "results written for a bad netlist"
# A non-square array (64 rows, 32 columns) maps and runs: the tile's
# row gather feeds its held columns back onto its rows (docs/mapping.md).
"$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" --set array.cols=32 \
  -o "$T/ns.yaml" > /dev/null || fail "map onto 64x32 arrays"
run ns "$T/ns.yaml"
cmp -s "$T/base/predictions.csv" "$T/ns/predictions.csv" \
  || fail "ideal 64x32 arrays changed the logits of ideal 64x64 ones"
# A second ADC architecture (models/adc_flash.c): the arch key puts it on
# every tile; it converts with the same arithmetic (same logits) but prices
# (2^bits - 1) comparator decisions per conversion; one tile alone can
# name it in the netlist (a second subcircuit), changing that tile's adc
# row only. An unknown model is refused (exit 2).
"$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" --set converters.adc_model=adc_flash \
  -o "$T/flash.yaml" > /dev/null || fail "map with adc_flash"
grep -q "adc: {model: adc_flash" "$T/flash.yaml" || fail "no adc_flash instance in the netlist"
run flash "$T/flash.yaml"
cmp -s "$T/base/predictions.csv" "$T/flash/predictions.csv" || fail "adc_flash converts differently"
[ "$(json flash adc)" != "$(json base adc)" ] || fail "adc_flash priced like adc"
sed -n '/^  tile:$/,/held:/p' "$T/net.yaml" | sed 's/^  tile:$/  tile_flash:/; s/adc: {model: adc, params: {/adc: {model: adc_flash, params: {/; s/e_conv: "${e_adc}", //; s/, e_conv: "${e_adc}"//' > "$T/sub.txt"
awk -v f="$T/sub.txt" '/^subckts:$/ { print; while ((getline l < f) > 0) print l; next }
  !done && /\{subckt: tile,/ { sub(/\{subckt: tile,/, "{subckt: tile_flash,"); done = 1 } 1' \
  "$T/net.yaml" > "$T/oneflash.yaml"
run oneflash "$T/oneflash.yaml"
cmp -s "$T/base/predictions.csv" "$T/oneflash/predictions.csv" || fail "one adc_flash tile changed the logits"
awk -F, 'NR == FNR { e[$1] = $3; next } FNR > 1 { if ($1 == "l0_ssm_0.adc") { if ($3 == e[$1]) bad = 1 }
    else if ($3 != e[$1]) bad = 1 } END { exit bad }' "$T/base/energy.csv" "$T/oneflash/energy.csv" \
  || fail "one adc_flash tile: energy.csv rows other than l0_ssm_0.adc changed, or it did not"
set +e; "$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" --set converters.adc_model=dac \
  -o "$T/badadc.yaml" > /dev/null 2> "$T/badadc.err"; rc=$?; set -e
[ $rc = 2 ] && grep -q "adc_model" "$T/badadc.err" || fail "adc_model=dac: exit $rc, $(cat "$T/badadc.err")"

# The IR drop is the crossbar model's (aimc/xbar.h): first order, or with
# `ir_solver: nodal` on the tile's crossbar the solution of the whole wire
# network. With 1 Ohm wires the two give different logits; without wires
# the nodal solver changes nothing.
sed 's/r_wire: 0Ohm/r_wire: 1Ohm/g' "$T/net.yaml" > "$T/w1.yaml"
sed 's/r_wire: "${r_wire}"/r_wire: "${r_wire}", ir_solver: nodal/' "$T/w1.yaml" > "$T/wn.yaml"
sed 's/r_wire: "${r_wire}"/r_wire: "${r_wire}", ir_solver: nodal/' "$T/net.yaml" > "$T/wn0.yaml"
grep -q 'ir_solver: nodal' "$T/wn.yaml" || fail "no crossbar line to give ir_solver"
run w1 "$T/w1.yaml"
run wn "$T/wn.yaml"
run wn0 "$T/wn0.yaml"
! cmp -s "$T/w1/predictions.csv" "$T/base/predictions.csv" || fail "1 Ohm wires changed nothing"
! cmp -s "$T/wn/predictions.csv" "$T/w1/predictions.csv" || fail "the nodal solver changed nothing"
cmp "$T/wn0/predictions.csv" "$T/base/predictions.csv" || fail "nodal without wires changed the run"

# Neural one-shot programming from the netlist (aimc/program_nn.h): tiles
# with program: one_shot_nn take the network of their device card from
# nn_file; every device gets one pulse, so the residual is > 0 and the
# pulse count is the device count; hybrid adds at most wv_max_pulses verify
# pulses and ends closer; without a network the run is refused (exit 2).
"$AIMC_BIN" device train-inverse --samples 1500 --epochs 15 --rounds 1 --eval 100 \
  -o "$T/inv.bin" > /dev/null 2>&1 || fail "device train-inverse failed"
sed "s|program: ideal|program: one_shot_nn|; s|nn_file: \"\"|nn_file: \"$T/inv.bin\"|" \
  "$T/net.yaml" > "$T/nn.yaml"
run nn "$T/nn.yaml"
sed "s|program: ideal|program: hybrid|; s|nn_file: \"\"|nn_file: \"$T/inv.bin\"|; s|wv_max_pulses: [0-9][0-9]*|wv_max_pulses: 5|" \
  "$T/net.yaml" > "$T/hy.yaml"
run hy "$T/hy.yaml"
awk -v r="$(json nn resid_rms_S)" -v h="$(json hy resid_rms_S)" -v p="$(json nn pulses)" \
    -v d="$(json nn devices)" -v q="$(json hy pulses)" \
  'BEGIN { exit !(r > 0 && h < r && p > 0 && p <= d && q > p) }' \
  || fail "one_shot_nn / hybrid: residual $(json nn resid_rms_S) / $(json hy resid_rms_S), pulses $(json nn pulses) / $(json hy pulses) of $(json nn devices) devices"
sed 's|program: ideal|program: one_shot_nn|' "$T/net.yaml" > "$T/nonn.yaml"
rc=0
"$AIMC_BIN" run "$T/nonn.yaml" --data $DATA -o "$T/nonn" > /dev/null 2> "$T/nonn.err" || rc=$?
[ $rc -eq 2 ] || fail "one_shot_nn without nn_file: exit $rc, not 2"
grep -q "needs nn_file" "$T/nonn.err" || fail "one_shot_nn without nn_file: $(cat "$T/nonn.err")"
echo "cli_netlist_hw: ok"
