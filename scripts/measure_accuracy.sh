#!/bin/sh
# Reproduces every figure of docs/trainer.md "Measured results" on the
# default corpus (`aimc data digits`): K = 1/4/8 class-mean floors, the
# zero_one and digits20 models over 3 seeds, the accuracy-vs-sigma curves
# by `aimc train --eval` and through the hardware path (`aimc sweep`:
# map + program + run), and the same zero_one study on a second corpus
# synthesized with another seed (a corpus the configs were not chosen on).
#
#   scripts/measure_accuracy.sh [STAGE ...]      (from anywhere)
#
# Stages (default: all, in this order): data baselines zero_one digits20
# curve_eval curve_hw variants corpus2 summary. Resumable: a finished run
# (model.s4d, eval or sweep table present) is skipped, an interrupted
# training resumes from its checkpoint, a sweep resumes by itself.
# Long: the digits20 trainings take 4-10 min each on 2 cores; not part of
# the test suite.
#
# Environment: AIMC_BIN (default build/aimc), RUNS (results, default
# out/accuracy), AIMC_DATA (corpus root, default $RUNS/data), SEEDS
# (default "1 2 3"), NICE (default "nice -n 5"), TRAIN_EXTRA (options
# added to every training, e.g. "--set train.threads=1"; the weights
# depend on the seed and the thread count, so a figure is reproduced only
# with the thread count it was trained with).
set -eu
cd "$(dirname "$0")/.."
A=${AIMC_BIN:-build/aimc}
RUNS=${RUNS:-out/accuracy}
export AIMC_DATA="${AIMC_DATA:-$RUNS/data}"
SEEDS=${SEEDS:-1 2 3}
NICE=${NICE:-nice -n 5}
TRAIN_EXTRA=${TRAIN_EXTRA:-}
export OPENBLAS_NUM_THREADS=1 SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
SIGMAS=0,2,5,10,15,20
CHIPS=10
NAT="--set noise.sigma=10uS" # noise-aware training at the middle of the curve
NAT5="--set noise.sigma=5uS"  # and at half of it (the configs' recipe: keeps both)
PLAIN="--set noise.sigma=0"   # plain QAT (IMSSA's comparison)
L1="--set model.layers=1" # the 1-block zero_one model shipped before
AUG="--set augment.shift=4 --set augment.speed=0.1 --set augment.noise_prob=0.5 --set augment.time_masks=2 --set augment.freq_masks=2"
FLOAT="--set quant.bits_a=0 --set quant.bits_b=0 --set quant.bits_c=0 --set quant.bits_d=0 --set quant.start_epoch=0"
mkdir -p "$RUNS"

say() { printf '[measure %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# train NAME CONFIG SEED [--set ...]: $RUNS/NAME.sSEED; log beside it.
train() {
  name=$1 cfg=$2 seed=$3
  shift 3
  d=$RUNS/$name.s$seed
  [ -f "$d/model.s4d" ] && return 0
  r=""
  [ -f "$d/checkpoint.ckpt" ] && r=--resume
  say "train $name seed $seed"
  # shellcheck disable=SC2086 # NICE, TRAIN_EXTRA and r are words or empty
  $NICE "$A" train "$cfg" --out "$d" --set train.seed="$seed" "$@" $TRAIN_EXTRA $r >"$d.log" 2>&1 ||
    { tail -5 "$d.log" >&2; exit 1; }
}

# curve NAME CONFIG SEED [--set ...]: --eval over the sigma grid into
# $RUNS/NAME.sSEED/curve.csv (the results.csv of the evaluation).
curve() {
  name=$1 cfg=$2 seed=$3
  shift 3
  d=$RUNS/$name.s$seed
  [ -f "$d/curve.csv" ] && return 0
  say "eval $name seed $seed over sigma $SIGMAS"
  $NICE "$A" train "$cfg" --out "$d" --set train.seed="$seed" "$@" --eval \
    --sigma-list $SIGMAS --noise-seeds $CHIPS >"$d/curve.txt" 2>&1 ||
    { tail -5 "$d/curve.txt" >&2; exit 1; }
  # --eval prints one line per sigma (it writes no results.csv): to CSV.
  sed -n 's/^test noisy *accuracy *\([0-9.]*\) % +- \([0-9.]*\) sd.*(sigma \([0-9.]*\) uS, \([0-9]*\) chips.*/\3,\4,\1,\2/p' \
    "$d/curve.txt" | { echo "sigma_uS,chips,accuracy_pct,sd_pct"; cat; } >"$d/curve.csv.tmp"
  mv "$d/curve.csv.tmp" "$d/curve.csv"
}

# The zero_one models of one corpus: name, config, extra options (one
# list for training and for the noise curves; the float model has no curve).
zero_one_models() {
  cat <<EOF
zero_one configs/train/zero_one.yaml $PLAIN
zero_one_5bit configs/train/zero_one_5bit.yaml $PLAIN
zero_one_float configs/train/zero_one.yaml $FLOAT $PLAIN
zero_one_nat configs/train/zero_one.yaml $NAT
zero_one_5bit_nat configs/train/zero_one_5bit.yaml $NAT
zero_one_nat5 configs/train/zero_one.yaml $NAT5
zero_one_5bit_nat5 configs/train/zero_one_5bit.yaml $NAT5
EOF
}

# $1: train or curve, for every zero_one model and seed.
each_zero_one() {
  for s in $SEEDS; do
    zero_one_models | while read -r name cfg extra; do
      [ "$1" = curve ] && [ "$name" = zero_one_float ] && continue
      # shellcheck disable=SC2086 # extra holds several options
      "$1" "$name" "$cfg" "$s" $extra </dev/null
    done
  done
}

zero_one_runs() { each_zero_one train; }

stage_data() {
  "$A" data digits --out "$AIMC_DATA/digits" --if-missing
}

stage_baselines() {
  for t in zero_one digits20; do
    for k in 1 4 8; do
      f=$RUNS/baseline.$t.k$k.txt
      [ -f "$f" ] || "$A" data baseline --task $t --downsample 2 --segments $k >"$f" 2>&1
    done
  done
}

stage_zero_one() { zero_one_runs; }

stage_digits20() {
  for s in $SEEDS; do
    train digits20_float configs/train/digits20_float.yaml "$s"
    train digits20 configs/train/digits20.yaml "$s"
    train digits20_nossm configs/train/digits20_nossm.yaml "$s"
  done
}

stage_curve_eval() {
  zero_one_runs
  each_zero_one curve
}

# The hardware path: configs/sweeps/noise_curve.yaml (10 chips a point,
# programming.mode gaussian) on the seed-S 2-bit and 5-bit models.
stage_curve_hw() {
  zero_one_runs
  for s in ${HW_SEEDS:-1}; do
    for v in "" _nat _nat5; do
      out=$RUNS/hw$v.s$s
      [ -f "$out/fig4.csv" ] && continue
      say "hardware sweep$v seed $s"
      AIMC_BIN=$A FIG4_SPEC=configs/sweeps/noise_curve.yaml $NICE sh testbench/infer/fig4.sh \
        "$out" "$RUNS/zero_one$v.s$s/model.s4d" "$RUNS/zero_one_5bit$v.s$s/model.s4d" \
        >"$out.log" 2>&1 || { tail -5 "$out.log" >&2; exit 1; }
    done
  done
}

# What was tried before choosing 2 blocks for zero_one, and augmentation.
stage_variants() {
  for s in $SEEDS; do
    # shellcheck disable=SC2086
    {
      train zero_one_l1 configs/train/zero_one.yaml "$s" $L1 $PLAIN
      train zero_one_5bit_l1 configs/train/zero_one_5bit.yaml "$s" $L1 $PLAIN
      train zero_one_float_l1 configs/train/zero_one.yaml "$s" $L1 $PLAIN $FLOAT
      train zero_one_l1_h64 configs/train/zero_one.yaml "$s" $L1 $PLAIN --set model.h=64
      train zero_one_l1_e60 configs/train/zero_one.yaml "$s" $L1 $PLAIN --set train.epochs=60 --set quant.start_epoch=20
      train zero_one_l1_aug configs/train/zero_one.yaml "$s" $L1 $PLAIN $AUG
    }
  done
  # shellcheck disable=SC2086
  train digits20_float_aug configs/train/digits20_float.yaml 1 $AUG
}

# The same zero_one study on a corpus synthesized with another seed.
stage_corpus2() {
  c2=$RUNS/corpus2
  mkdir -p "$c2"
  "$A" --seed 2 data digits --out "$c2/data/digits" --if-missing
  (
    RUNS=$c2
    AIMC_DATA=$c2/data
    stage_baselines
    for s in $SEEDS; do
      # shellcheck disable=SC2086
      train zero_one_l1 configs/train/zero_one.yaml "$s" $L1 $PLAIN
    done
    zero_one_runs
  )
}

# Tables of the figures (percent): per seed and mean.
acc_of() { # DIR MODE: test accuracy of a mode at sigma 0 from results.csv
  awk -F, -v m="$2" '$1 == m && $2 == 0 { printf "%.2f", 100 * $4 }' "$1/results.csv" 2>/dev/null || true
}
row() { # NAME MODE
  line="$1"
  sum=0 cnt=0
  for s in $SEEDS; do
    a=$(acc_of "$RUNS/$1.s$s" "$2")
    [ -n "$a" ] || a=-
    line="$line $a"
    [ "$a" = - ] || { sum=$(awk -v x="$sum" -v y="$a" 'BEGIN { print x + y }'); cnt=$((cnt + 1)); }
  done
  [ $cnt -gt 0 ] && line="$line mean $(awk -v x="$sum" -v n=$cnt 'BEGIN { printf "%.2f", x / n }') (n=$cnt)"
  echo "$line"
}
# Pooled mean and standard error of lines "NAME sigma chips mean sd"
# (fractions) over the seeds: over all chips, and over the models' means.
pool() {
  awk '{ name = $1; k = $2; n[k] += $3; s1[k] += $3 * $4; ss[k] += ($3 - 1) * $5 * $5 + $3 * $4 * $4
      nm[k]++; m1[k] += $4; m2[k] += $4 * $4; if (!(k in seen)) { seen[k] = 1; ord[++m] = k } }
    END { if (!m) exit
      printf "%s (mean +- se over chips / +- se over models)", name
      for (i = 1; i <= m; i++) { k = ord[i]; N = n[k]; mu = s1[k] / N
        v = N > 1 ? (ss[k] - N * mu * mu) / (N - 1) : 0; if (v < 0) v = 0
        M = nm[k]; vm = M > 1 ? (m2[k] - m1[k] * m1[k] / M) / (M - 1) : 0; if (vm < 0) vm = 0
        printf "  %s uS: %.2f +- %.2f / %.2f", k, 100 * mu, 100 * sqrt(v / N), 100 * sqrt(vm / M) }
      printf " (chips per point: %d, models: %d)\n", N, M }'
}
pool_curve() { # NAME: the --eval curves
  for s in $SEEDS; do
    f=$RUNS/$1.s$s/curve.csv
    [ -f "$f" ] && awk -F, -v n="$1" 'NR > 1 { print n, $1, $2, $3 / 100, $4 / 100 }' "$f"
  done | pool
}
pool_hw() { # VARIANT BITS: the hardware sweeps (fig4.csv)
  for s in $SEEDS; do
    f=$RUNS/hw$1.s$s/fig4.csv
    [ -f "$f" ] && awk -F, -v n="hardware$1-$2bit" -v b="$2" 'NR > 1 && $1 == b { print n, $2, $3, $4 / 100, $5 / 100 }' "$f"
  done | pool
}
stage_summary() {
  for r in "$RUNS" "$RUNS/corpus2"; do
    [ -d "$r" ] || continue
    echo "== $r (test split, exported weights; seeds $SEEDS)"
    for f in "$r"/baseline.*.txt; do
      [ -f "$f" ] && echo "$(basename "$f" .txt): $(grep -o 'test  accuracy.*' "$f")"
    done
    RUNS=$r
    for n in zero_one zero_one_5bit zero_one_float zero_one_nat zero_one_5bit_nat zero_one_nat5 zero_one_5bit_nat5 \
      zero_one_l1 zero_one_5bit_l1 zero_one_float_l1 zero_one_l1_h64 zero_one_l1_e60 zero_one_l1_aug \
      digits20_float digits20 digits20_nossm digits20_float_aug; do
      [ -d "$r/$n.s1" ] || [ -d "$r/$n.s2" ] || continue
      row "$n" quantized
    done
    for n in zero_one zero_one_5bit zero_one_nat zero_one_5bit_nat zero_one_nat5 zero_one_5bit_nat5; do
      pool_curve "$n"
    done
    for v in "" _nat _nat5; do
      pool_hw "$v" 2
      pool_hw "$v" 5
    done
  done
}

[ $# -gt 0 ] || set -- data baselines zero_one digits20 curve_eval curve_hw variants corpus2 summary
for st in "$@"; do
  case $st in
    data | baselines | zero_one | digits20 | curve_eval | curve_hw | variants | corpus2 | summary) "stage_$st" ;;
    *) echo "measure_accuracy.sh: unknown stage '$st'" >&2; exit 2 ;;
  esac
done
