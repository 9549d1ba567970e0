#!/bin/sh
# Every benchmark in one command: runs them side by side on this machine,
# prints one table of ratios and writes it as JSON. Figures only, never a
# verdict (the machines are shared: read ratios, not absolute times).
#   bench/run.sh [--quick] [-o FILE.json] [BUILD_DIR]
# BUILD_DIR defaults to build (bench_* in BUILD_DIR/bench, aimc in it).
# The trainer/PyTorch row appears when bench_trainer prints one (python3-torch
# installed). The pipeline sweep rows use out/demo/train/model.s4d when it
# exists (scripts/demo.sh makes it; AIMC_BENCH_MODEL overrides), else only
# the synthetic evaluator runs. The inference and start-up rows need the
# zero_one corpus: data/digits, or $AIMC_DATA/digits (aimc data digits).
set -eu
cd "$(dirname "$0")/.."
QUICK="" JSON="" BUILD=build
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=--quick ;;
    -o) JSON=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) BUILD=$1 ;;
  esac
  shift
done
B=$BUILD/bench AIMC=$BUILD/aimc
[ -x "$B/bench_inference" ] && [ -x "$AIMC" ] ||
  { echo "bench/run.sh: build first: cmake --build $BUILD" >&2; exit 2; }
: "${JSON:=$B/results.json}"
LOG=$B/run.log
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
export OPENBLAS_NUM_THREADS=1 SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
: >"$LOG"
section() { printf '\n===== %s\n' "$1" >>"$LOG"; printf 'bench: %s\n' "$1" >&2; }

# Rows of the table: name, value, unit/target; also kept for the JSON.
ROWS=$TMP/rows
: >"$ROWS"
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$ROWS"; }

section "kernel: native vs SystemC"
"$B/bench_kernel" --events "$([ -n "$QUICK" ] && echo 500000 || echo 4000000)" >>"$LOG" 2>&1 || true
r=$(awk '$1 == 100000 && $4 ~ /x$/ { sub(/x/, "", $4); print $4 }' "$LOG")
row "kernel native / SystemC (events/s, 1e5 pending)" "${r:-n/a}" "x"

section "inference: simulated hardware vs float recurrence"
"$B/bench_inference" $QUICK --json "$TMP/inf.json" >>"$LOG" 2>&1 || true
# Without the zero_one data the inference bench cannot run: say so.
why=""
[ -s "$TMP/inf.json" ] || why=" (no data: aimc data digits, or set AIMC_DATA)"
num() { v=$(sed -n "s/.*\"$1\": *\([-0-9.eE+]*\).*/\1/p" "$TMP/inf.json" 2>/dev/null | head -1); echo "${v:-n/a}"; }
row "simulation / float recurrence (every non-ideality on)" "$(num sim_over_float)" "x (target <= 3)$why"
row "one sequence / batched (per sequence-step)" "$(num one_sequence_over_batched)" "x (target <= 2)$why"
row "batched time per sequence-step" "$(num us_per_seq_step_batched)" "us$why"
ns=$(sed -n 's/.*"ns_per_value_step": \[\(.*\)\].*/\1/p' "$TMP/inf.json" 2>/dev/null |
  awk -F'"ns": ' '{ lo = 1e300; hi = 0; for (i = 2; i <= NF; i++) { v = $i + 0; if (v < lo) lo = v; if (v > hi) hi = v }
                    if (hi > 0) printf "%.2f", hi / lo }')
row "time per model value, max / min over M and H" "${ns:-n/a}" "x (1 = linear)"

section "trainer: aimc vs PyTorch"
"$B/bench_trainer" --rounds "$([ -n "$QUICK" ] && echo 3 || echo 7)" >>"$LOG" 2>&1 || true
r=$(awk '/1 thread/ && /CPU:/ && match($0, /PyTorch float32 +[0-9.]+ ms, ratio [0-9.]+x/) {
  s = substr($0, RSTART, RLENGTH); sub(/.*ratio /, "", s); sub(/x/, "", s); print s; exit }' "$LOG")
row "trainer step, PyTorch float32 / aimc (CPU time, 1 thread)" "${r:-n/a}" "x (goal >= 1.5)"

section "start-up: data load of aimc run"
# The demo's data (scripts/demo.sh): a full load against the test split
# that aimc run loads. Skipped without the data.
DIGITS=${AIMC_DATA:-data}/digits
if [ -f "$DIGITS/train_filenames.txt" ] && [ -x "$B/bench_data_load" ]; then
  "$B/bench_data_load" "$DIGITS" zero_one,downsample=2 >>"$LOG" 2>&1 || true
  r=$(awk '/full \/ test split/ { print $(NF - 1) }' "$LOG")
  ms=$(awk '/test split \(aimc run\)/ { print $(NF - 1) }' "$LOG")
  row "data load, zero_one test split (aimc run), CPU" "${ms:-n/a}" "ms"
  row "data load, full / test split (zero_one)" "${r:-n/a}" "x"
fi

section "sweep throughput"
sweep() { # label, spec, workers per process, launcher...
  label=$1 spec=$2 jobs=$3
  shift 3
  rm -rf "$TMP/sw"
  t0=$(date +%s.%N)
  "$@" "$AIMC" sweep "$spec" -o "$TMP/sw" -j "$jobs" >>"$LOG" 2>&1 ||
    { row "$label" n/a "runs/s"; return; }
  t1=$(date +%s.%N)
  runs=$(ls "$TMP/sw/runs" | wc -l)
  row "$label" "$(awk -v n="$runs" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", n / (b - a) }')" "runs/s"
}
SYN=configs/sweeps/synthetic_demo.yaml
MPI="mpirun -n 2 --oversubscribe --allow-run-as-root"
sweep "sweep, synthetic evaluator, 1 worker" $SYN 1
sweep "sweep, synthetic evaluator, 2 workers" $SYN 2
command -v mpirun >/dev/null 2>&1 && sweep "sweep, synthetic evaluator, mpirun -n 2" $SYN 1 $MPI
MODEL=${AIMC_BENCH_MODEL:-out/demo/train/model.s4d}
if [ -f "$MODEL" ]; then
  cat >"$TMP/pipe.yaml" <<EOF
name: bench_pipeline
evaluator: pipeline
seed: 1
seeds: 2
base:
  arch: configs/arch/default.yaml
  data: zero_one,downsample=2
  max_samples: 32
  model: $MODEL
  programming.mode: gaussian
grid:
  array.size: [64, 128]
  programming.sigma: [0, 5uS]
EOF
  sweep "sweep, pipeline (map, program, run 32 seq), 1 worker" "$TMP/pipe.yaml" 1
  sweep "sweep, pipeline, 2 workers" "$TMP/pipe.yaml" 2
  command -v mpirun >/dev/null 2>&1 && sweep "sweep, pipeline, mpirun -n 2" "$TMP/pipe.yaml" 1 $MPI
fi

printf '\n%-58s %10s  %s\n' "benchmark ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))" value unit
awk -F'\t' '{ printf "%-58s %10s  %s\n", $1, $2, $3 }' "$ROWS"
printf '\nfull output: %s\n' "$LOG"
awk -F'\t' 'BEGIN { printf "{\"rows\": [" }
  { v = ($2 ~ /^[-0-9.eE+]+$/) ? $2 : "null"
    printf "%s{\"name\": \"%s\", \"value\": %s, \"unit\": \"%s\"}", (NR > 1 ? ", " : ""), $1, v, $3 }
  END { print "]}" }' "$ROWS" >"$JSON.tmp" && mv "$JSON.tmp" "$JSON"
printf 'json: %s\n' "$JSON"
