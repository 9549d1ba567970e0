#!/bin/sh
# One description of the hardware (issue #13 item 5): a sweep point of the
# pipeline evaluator (arch keys -> map -> tiles -> program -> run) gives
# exactly what `aimc map` with the same keys and `aimc run` on the mapped
# netlist give: the same accuracy, energy and latency to the last digit,
# with every non-ideality on and a fixed seed. $1: the fixture_model tool.
. "$(dirname "$0")/../infer/e2e_common.sh"
"$FIX" "$T/m.s4d" 28 10 8 4 2 2 5
ARCH="$AIMC_SRC/configs/arch/default.yaml"
KEYS="programming.mode=gaussian nonideal.read_noise=true
  nonideal.ir_drop=true converters.adc_noise_lsb=0.5 device.p_stuck_min=0.01"
cat >"$T/spec.yaml" <<SPEC
name: same
evaluator: pipeline
seed: 7
base:
  arch: $ARCH
  model: $T/m.s4d
  data: fmnist_rows,max_per_split=30
$(for k in $KEYS; do printf '  %s: %s\n' "${k%%=*}" "${k#*=}"; done)
grid:
  programming.sigma: [3uS]
SPEC
"$AIMC_BIN" sweep "$T/spec.yaml" -o "$T/sweep" >/dev/null 2>"$T/log" || fail "sweep: $(cat "$T/log")"
SETS=""
for k in $KEYS programming.sigma=3uS; do SETS="$SETS --set $k"; done
"$AIMC_BIN" map "$T/m.s4d" "$ARCH" -o "$T/net.yaml" $SETS >/dev/null 2>"$T/log" ||
  fail "map: $(cat "$T/log")"
# The point's run seed (the spec's seed and the chip), and its data drawn
# with the spec's seed (docs/data.md).
SEED=$(sed -n 's/.*"seed":[[:space:]]*"\([0-9]*\)".*/\1/p' "$T"/sweep/runs/p00000_s000.json)
[ -n "$SEED" ] || fail "no seed in the sweep's run record"
"$AIMC_BIN" run "$T/net.yaml" --data fmnist_rows,max_per_split=30,seed=7 --seed "$SEED" \
  -o "$T/run" >/dev/null 2>"$T/log" || fail "run: $(cat "$T/log")"
# metric in the sweep's record, key in the run's results.json
for pair in accuracy:accuracy energy_J:total e_array_J:array e_adc_J:adc e_digital_J:digital \
  latency_s:seq_s; do
  a=$(sed -n "s/.*\"${pair%%:*}\":[[:space:]]*\([0-9.e+-]*\).*/\1/p" "$T"/sweep/runs/p00000_s000.json)
  b=$(json run "${pair#*:}")
  [ -n "$a" ] && [ -n "$b" ] || fail "${pair%%:*}: missing ($a, $b)"
  awk -v a="$a" -v b="$b" 'BEGIN { exit !(a == b) }' ||
    fail "${pair%%:*}: sweep $a, map + run $b"
done
a=$(sed -n 's/.*"program_energy_J":[[:space:]]*\([0-9.e+-]*\).*/\1/p' "$T"/sweep/runs/p00000_s000.json)
b=$(sed -n '/"programming"/,/}/ s/.*"energy_J":[[:space:]]*\([0-9.e+-]*\).*/\1/p' "$T/run/results.json")
[ -n "$a" ] && [ "$a" = "$b" ] || fail "programming energy: sweep $a, map + run $b"
# The data's seed acts: another one picks other samples.
"$AIMC_BIN" run "$T/net.yaml" --data fmnist_rows,max_per_split=30,seed=8 --seed "$SEED" \
  -o "$T/other" >/dev/null 2>&1 || fail "run with seed=8"
cmp -s "$T/run/predictions.csv" "$T/other/predictions.csv" && fail "data seed 8 picked the same samples"
echo "sweep point = map + run: ok"
