#!/bin/sh
# End-to-end: aimc map + aimc run on Fashion-MNIST rows with a fixture
# model (28 features, 10 classes): both kernel backends (one process each)
# give identical predictions and energies; programmed state reuse gives
# identical results; bad inputs exit 2 with a message naming the problem.
# $1: the fixture_model tool.
. "$(dirname "$0")/e2e_common.sh"
"$FIX" "$T/m.s4d" 28 10 8 4 2 2 5
"$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" -o "$T/net.yaml" \
  --set timing.pipeline=false > "$T/map.txt"
grep -q "utilisation" "$T/map.txt" || fail "map printed no utilisation"
test -f "$T/net.arrays/array0.csv" || fail "no targets file"
# The netlist is an ordinary netlist: it loads with the registered models.
"$AIMC_BIN" check "$T/net.yaml" | grep -q "crossbar" || fail "aimc check does not load the netlist"
"$AIMC_BIN" run "$T/net.yaml" --data fmnist_rows,max_per_split=40 -o "$T/nat" --kernel native \
  --save-programmed "$T/prog.bin" > /dev/null
if [ "$(grep -c . "$T/nat/predictions.csv")" != 41 ]; then fail "expected 40 predictions"; fi
# Every path the netlist names is from its own folder: the mapped design
# (and the model beside it) moved elsewhere runs from any folder.
mkdir "$T/moved" && cp -r "$T/m.s4d" "$T/net.yaml" "$T/net.arch.yaml" "$T/net.arrays" "$T/moved/"
(cd / && "$AIMC_BIN" run "$T/moved/net.yaml" --data fmnist_rows,max_per_split=40 -o "$T/moved/run" \
  > /dev/null 2> "$T/moved.err") || fail "moved netlist: $(cat "$T/moved.err")"
cmp "$T/nat/predictions.csv" "$T/moved/run/predictions.csv" || fail "moved netlist: other predictions"
if "$AIMC_BIN" version | grep -qi systemc; then :; fi
"$AIMC_BIN" run "$T/net.yaml" --data fmnist_rows,max_per_split=40 -o "$T/sc" --kernel systemc > /dev/null
cmp "$T/nat/predictions.csv" "$T/sc/predictions.csv" || fail "native and systemc predictions differ"
for key in total accuracy events t_sim_s; do
  a=$(grep "\"$key\"" "$T/nat/results.json"); b=$(grep "\"$key\"" "$T/sc/results.json")
  [ "$a" = "$b" ] || fail "$key differs: $a vs $b"
done
# The kernel's simulated time of RUN equals its accounted latency.
time_is_latency() {
  awk -v a="$(json "$1" seq_s)" -v b="$(json "$1" t_sim_s)" \
    'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-15 && a > 0) }' \
    || fail "$1: kernel time $(json "$1" t_sim_s) != latency $(json "$1" seq_s)"
}
time_is_latency nat  # non-pipelined
# energy.csv: one row per tile part, per tile (static), per periphery
# instance (class digital) and the buffers; the rows add up to the total
# and, per class, to the class.
csv=$T/nat/energy.csv
arrays=$(json nat arrays)
periph=$(grep -c "{model: s4d_digital" "$T/net.yaml")
[ "$periph" -gt 0 ] || fail "no periphery instances in the netlist"
[ "$(head -1 "$csv")" = "instance,class,energy_J" ] || fail "energy.csv header"
[ "$(($(grep -c . "$csv") - 1))" = $((arrays * 6 + periph + 1)) ] || fail "energy.csv rows"
[ "$(grep -c ",digital," "$csv")" = "$periph" ] || fail "energy.csv: not one digital row per periphery instance"
for key in total adc array; do
  want=$(json nat "$key")
  awk -F, -v k="$key" -v w="$want" 'NR > 1 && (k == "total" || $2 == k) { s += $3 }
    END { exit !(w > 0 && (s - w) ^ 2 < (1e-12 * w) ^ 2) }' "$csv" \
    || fail "energy.csv $key rows do not add up to $want"
done
# Pipelined (the arch's default): the layers and the encoder overlap on the
# kernel too, so its simulated time is again the accounted latency; the
# predictions (ideal devices, no noise) are those of the sequential run,
# in fewer cycles per step.
"$AIMC_BIN" run "$T/net.yaml" --data fmnist_rows,max_per_split=40 -o "$T/pip" \
  --set timing.pipeline=true > /dev/null
cmp "$T/nat/predictions.csv" "$T/pip/predictions.csv" || fail "pipelined predictions differ"
time_is_latency pip
[ "$(json pip cycles_step)" -lt "$(json nat cycles_step)" ] \
  || fail "pipelined step $(json pip cycles_step) not shorter than $(json nat cycles_step)"
# Gaussian programming noise, saved and reused: identical results.
"$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" -o "$T/g.yaml" \
  --set programming.mode=gaussian --set programming.sigma=5uS > /dev/null
"$AIMC_BIN" run "$T/g.yaml" --data fmnist_rows --max 40 -o "$T/g1" --save-programmed "$T/g.bin" > /dev/null
"$AIMC_BIN" --seed 9 run "$T/g.yaml" --data fmnist_rows --max 40 -o "$T/g2" --programmed "$T/g.bin" > /dev/null
cmp "$T/g1/predictions.csv" "$T/g2/predictions.csv" || fail "reloaded programming differs"
# Bad inputs: exit 2, a message naming the problem, nothing written.
expect2() {
  msg=$1; shift
  set +e; "$@" > "$T/out.txt" 2> "$T/err.txt"; rc=$?; set -e
  [ $rc = 2 ] || fail "exit $rc (want 2) for: $*"
  grep -q -- "$msg" "$T/err.txt" || fail "message lacks '$msg': $(cat "$T/err.txt")"
}
expect2 "1 features and 10 classes" "$AIMC_BIN" run "$T/net.yaml" --data fmnist_pixels -o "$T/bad1"
test ! -e "$T/bad1/results.json" || fail "results written for a bad run"
"$FIX" "$T/other.s4d" 28 10 8 4 2 2 6
sed "s|$T/m.s4d|$T/other.s4d|" "$T/net.yaml" > "$T/mixed.yaml"
cp -r "$T/net.arrays" "$T/mixed.arrays"
expect2 "another model" "$AIMC_BIN" run "$T/mixed.yaml" --data fmnist_rows
expect2 "not a netlist written by 'aimc map'" "$AIMC_BIN" run "$AIMC_SRC/configs/arch/default.yaml" --data fmnist_rows
expect2 "other array or programming settings" "$AIMC_BIN" run "$T/g.yaml" --data fmnist_rows --programmed "$T/prog.bin"
"$AIMC_BIN" map "$T/other.s4d" "$AIMC_SRC/configs/arch/default.yaml" -o "$T/other.yaml" \
  --set timing.pipeline=false > /dev/null
expect2 "programmed for another model" "$AIMC_BIN" run "$T/other.yaml" --data fmnist_rows --programmed "$T/prog.bin"
# Read-time settings may change on a saved programming.
"$AIMC_BIN" run "$T/g.yaml" --data fmnist_rows --max 40 -o "$T/g3" --programmed "$T/g.bin" \
  --set nonideal.read_noise=true --set converters.adc_bits=4 --set timing.t_adc=10ns > /dev/null \
  || fail "a saved programming refused read-time settings"
expect2 "unknown option" "$AIMC_BIN" run "$T/net.yaml" --bogus 1
# map makes the netlist's folder.
"$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" -o "$T/new/dir/net.yaml" > /dev/null \
  && test -s "$T/new/dir/net.yaml" || fail "map did not make the output folder"
expect2 "needs --data" "$AIMC_BIN" run "$T/net.yaml"
expect2 "at least 10x" "$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" -o "$T/x.yaml" \
  --set array.rows=8 --set array.cols=8
expect2 "changes the mapping" "$AIMC_BIN" run "$T/net.yaml" --data fmnist_rows --set array.rows=32
echo "cli_run: ok"
