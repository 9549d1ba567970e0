#!/bin/sh
# The whole product in one command, on the built-in default data: install
# what is missing, build, synthesize the spoken digits, train the 2-bit
# `zero_one` QAT model, map it onto the default crossbar architecture,
# program the devices, simulate the test set cycle by cycle, and write the
# HTML report with the netlist graph and plots. Prints a short summary.
# Steps whose output already exists are reused, so a second run is quick.
#
# Environment: AIMC_BUILD_DIR (default build), AIMC_DEMO_OUT (default
# out/demo), AIMC_DATA (data root; the digits go to $AIMC_DATA/digits,
# default data/digits).
set -eu
cd "$(dirname "$0")/.."
BUILD=${AIMC_BUILD_DIR:-build}
OUT=${AIMC_DEMO_OUT:-out/demo}
export AIMC_DATA=${AIMC_DATA:-data}
DATA=$AIMC_DATA/digits
export OPENBLAS_NUM_THREADS=1 SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
T0=$(date +%s)
N=0
step() {
  N=$((N + 1))
  printf '\n[%d/8 %3ds] %s\n' "$N" $(($(date +%s) - T0)) "$*" >&2
}
fail() {
  printf '\ndemo: step %d failed: %s (messages above)\n' "$N" "$*" >&2
  exit 1
}

step "setup: Debian packages (scripts/setup.sh)"
./scripts/setup.sh || fail "installing packages"

step "build: release build into $BUILD"
# A user build never fails on a compiler warning (the tests use -Werror).
# A configured build is not configured again (cmake --build re-runs the
# configure step itself when a CMakeLists.txt changed).
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DAIMC_WERROR=OFF >"$BUILD.cmake.log" 2>&1 ||
    { cat "$BUILD.cmake.log" >&2; fail "cmake configure"; }
fi
# Show the build's progress every 10 %; the full log goes to a file.
{ cmake --build "$BUILD" -j2 --target aimc_cli 2>&1; echo $? >"$BUILD.build.rc"; } |
  tee "$BUILD.build.log" | awk '/^\[ *[0-9]+%\]/ {
    p = $0; sub(/^\[ */, "", p); sub(/%.*/, "", p)
    if (p + 0 >= last + 10) { printf "  build %3d %%\n", p > "/dev/stderr"; last = p + 0 } }'
[ "$(cat "$BUILD.build.rc")" = 0 ] || { tail -40 "$BUILD.build.log" >&2; fail "compiling"; }
AIMC="$BUILD/aimc"
mkdir -p "$OUT"

step "data: spoken digits (espeak-ng, Heidelberg-Digits layout) in $DATA"
# --if-missing reuses a complete set (the generator writes its train list
# last, as the mark of completion) and regenerates an interrupted one.
"$AIMC" data digits --out "$DATA" --if-missing || fail "generating the digits"

step "train: 2-bit QAT S4D on zero vs one (configs/train/zero_one.yaml)"
if [ -f "$OUT/train/model.s4d" ]; then
  echo "  reusing $OUT/train/model.s4d" >&2
elif [ -f "$OUT/train/checkpoint.ckpt" ]; then
  "$AIMC" train configs/train/zero_one.yaml --out "$OUT/train" --resume ||
    fail "training"
else
  "$AIMC" train configs/train/zero_one.yaml --out "$OUT/train" ||
    fail "training"
fi

step "map: complex expansion, differential pairs, tiling (configs/arch/default.yaml)"
"$AIMC" map "$OUT/train/model.s4d" configs/arch/default.yaml -o "$OUT/netlist.yaml" ||
  fail "mapping"

step "graph: the netlist with Graphviz"
GRAPH="--graph $OUT/netlist.svg"
if ! "$AIMC" graph "$OUT/netlist.yaml" -o "$OUT/netlist.svg" --depth 1; then
  echo "demo: warning: the netlist could not be drawn; the report will lack the graph" >&2
  GRAPH=""
fi

step "run: program the devices (write-verify), simulate the test set on the event kernel"
# The model records the data spec it was trained on (downsample 2); only
# where the data live is given. Devices are programmed by write-verify on
# the default pulse-response card (the arch's default mode is ideal
# programming).
"$AIMC" run "$OUT/netlist.yaml" --data "dir=$DATA" \
  --set programming.mode=write_verify -o "$OUT/run" >"$OUT/run.txt" ||
  { cat "$OUT/run.txt"; fail "simulating"; }
cat "$OUT/run.txt" >&2

step "report: plots, graph and tables"
# A folder of its own: the report is published as one unit (replaced whole).
# shellcheck disable=SC2086 # GRAPH is empty or two words
"$AIMC" report "$OUT/run/results.json" -o "$OUT/report" $GRAPH \
  --train "$OUT/train/results.csv" \
  --title "aimc demo: S4D zero vs one on memristive crossbars" >/dev/null ||
  fail "writing the report"

# The summary: float and quantized accuracy from the trainer, the rest from
# the simulation (aimc.run/1 JSON).
train_acc() { awk -F, -v m="$1" '$1 == m && $2 == 0 { printf "%.2f %%", 100 * $4 }' \
  "$OUT/train/results.csv"; }
json_num() { # first number after "key":
  sed -n "s/.*\"$1\":[[:space:]]*\([-0-9.eE+]*\).*/\1/p" "$OUT/run/results.json" | head -1
}
acc_hw=$(json_num accuracy)
e_J=$(json_num total)
lat_s=$(json_num seq_s)
cat <<EOF

aimc demo finished in $(($(date +%s) - T0)) s
  accuracy   float $(train_acc float), quantized $(train_acc quantized), hardware $(awk -v a="$acc_hw" 'BEGIN { printf "%.2f %%", 100 * a }')
  energy     $(awk -v e="$e_J" 'BEGIN { printf "%.4g nJ", e * 1e9 }') per inference
  latency    $(awk -v t="$lat_s" 'BEGIN { printf "%.4g us", t * 1e6 }') per inference
  report     $OUT/report/report.html
EOF
