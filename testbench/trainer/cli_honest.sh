#!/bin/sh
# Issue #15 end to end on two tiny synthesized corpora A and B (same
# layout and file names, other seeds): aimc train names the selected epoch
# and the weights of every result row; --eval --split train|val|test
# evaluates that split (sample counts from the corpus); the weight file
# records the corpus, so aimc run on B warns with both directories and
# fingerprints, --strict-data makes it exit 2, another length is named
# with both values, and A itself runs silently even when strict.
set -eu
fail() { echo "FAIL: $*"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
A="$AIMC_BIN"
ARCH="$AIMC_SRC/configs/arch/default.yaml"
"$A" --seed 1 data digits --out "$T/A" --speakers 3 --test-speakers 1 --trials 1 > /dev/null 2>&1
"$A" --seed 2 data digits --out "$T/B" --speakers 3 --test-speakers 1 --trials 1 > /dev/null 2>&1
cmp -s "$T/A/train_filenames.txt" "$T/B/train_filenames.txt" || fail "A and B should share file names"
# 3 speakers x 20 digits x 1 trial: 40 training files (val 20 % of them), 20 test.
cat > "$T/c.yaml" <<YAML
data: {task: digits20, downsample: 4, dir: $T/A, val_fraction: 0.2}
model: {h: 4, n: 4, layers: 1}
quant: {bits_a: 3, bits_b: 3, bits_c: 3, bits_d: 3, fscale: 0.95, start_epoch: 1}
augment: {shift: 2, speed: 0.1, noise_prob: 0.5, time_masks: 1, freq_masks: 1}
train: {epochs: 3, batch: 10, threads: 2}
output: {dir: $T/run}
YAML
"$A" train "$T/c.yaml" > "$T/out" 2> "$T/err" || fail "train: $(cat "$T/err")"
grep -q "^weights of epoch [12] of 0-2, as numbered in curves.csv (lowest validation loss" "$T/out" \
  || fail "selected epoch not printed: $(cat "$T/out")"
grep -q "^evaluation on the test split: 20 samples" "$T/out" || fail "test count: $(cat "$T/out")"
grep -q "^test float .*(latent weights, quantizers off: not the exported model)" "$T/out" \
  || fail "float row does not name its weights"
head -1 "$T/run/results.csv" | grep -q "^mode,sigma_uS,seeds,accuracy,accuracy_sd,loss,split,weights,epoch$" \
  || fail "results.csv header: $(head -1 "$T/run/results.csv")"
grep -q "^quantized,0,1,.*,test,exported,[12]$" "$T/run/results.csv" || fail "quantized row: $(cat "$T/run/results.csv")"
grep -q "^float,0,1,.*,test,latent,[12]$" "$T/run/results.csv" || fail "float row"

# --eval on each split: counts add up to the corpus (60 files).
for s in train val test; do
  "$A" train "$T/c.yaml" --eval --split $s > "$T/$s.out" 2>&1 || fail "--eval --split $s"
  grep -q "^$s quantized " "$T/$s.out" || fail "--split $s rows: $(cat "$T/$s.out")"
done
n() { sed -n "s/^evaluation on the $1 split: \([0-9]*\) samples$/\1/p" "$T/$1.out"; }
[ "$(n train)" -gt 0 ] && [ "$(n val)" -gt 0 ] && [ "$(n test)" = 20 ] || fail "split sizes $(n train) $(n val) $(n test)"
[ $(($(n train) + $(n val))) = 40 ] || fail "train + val = $(n train) + $(n val), want 40"
set +e
"$A" train "$T/c.yaml" --eval --split bogus > /dev/null 2> "$T/bad.err"; rc=$?
set -e
[ $rc = 2 ] || fail "--split bogus exit $rc"

# The recorded corpus travels: A is silent (even strict), B warns or fails.
"$A" map "$T/run/model.s4d" "$ARCH" -o "$T/net.yaml" > /dev/null
"$A" run "$T/net.yaml" -o "$T/ra" --max 2 --data "dir=$T/A" --strict-data > /dev/null 2> "$T/ra.err" \
  || fail "run on A: $(cat "$T/ra.err")"
grep -q warning "$T/ra.err" && fail "warning on the training corpus: $(cat "$T/ra.err")"
"$A" run "$T/net.yaml" -o "$T/rb" --max 2 --data "dir=$T/B" > /dev/null 2> "$T/rb.err" \
  || fail "run on B: $(cat "$T/rb.err")"
grep -q "warning: the data differ from those $T/run/model.s4d was trained on: corpus $T/B (fingerprint [0-9a-f]*) but trained on $T/A (fingerprint [0-9a-f]*" "$T/rb.err" \
  || fail "no corpus warning: $(cat "$T/rb.err")"
set +e
"$A" run "$T/net.yaml" -o "$T/rs" --max 2 --data "dir=$T/B" --strict-data > /dev/null 2> "$T/rs.err"; rc=$?
set -e
[ $rc = 2 ] || fail "--strict-data on B: exit $rc"
grep -q "aimc run: --strict-data: the data differ .* corpus $T/B" "$T/rs.err" || fail "strict message: $(cat "$T/rs.err")"
# Another length: both values named.
set +e
"$A" run "$T/net.yaml" -o "$T/rl" --max 2 --data "dir=$T/A,length=7" --strict-data > /dev/null 2> "$T/rl.err"; rc=$?
set -e
[ $rc = 2 ] || fail "--strict-data at another length: exit $rc"
grep -q "sequence length 7 but trained at [0-9]*" "$T/rl.err" || fail "length message: $(cat "$T/rl.err")"
# A sweep on B warns; with the setting strict_data: true it fails (exit 2).
cat > "$T/s.yaml" <<YAML
seeds: 1
base: {model: $T/run/model.s4d, arch: $ARCH, max_samples: 2, data: "dir=$T/B"}
grid: {array.size: [64]}
YAML
"$A" sweep "$T/s.yaml" -o "$T/sw" -j 1 > /dev/null 2> "$T/sw.err" || fail "sweep on B: $(cat "$T/sw.err")"
grep -q "warning: the data differ from those $T/run/model.s4d was trained on: corpus $T/B" "$T/sw.err" \
  || fail "no sweep warning: $(cat "$T/sw.err")"
sed 's/max_samples: 2,/max_samples: 2, strict_data: true,/' "$T/s.yaml" > "$T/s2.yaml"
set +e
"$A" sweep "$T/s2.yaml" -o "$T/sw2" -j 1 > /dev/null 2> "$T/sw2.err"; rc=$?
set -e
[ $rc = 2 ] || fail "strict sweep on B: exit $rc ($(cat "$T/sw2.err"))"
grep -q "strict-data: the data differ" "$T/sw2.err" || fail "strict sweep message: $(cat "$T/sw2.err")"
echo "cli_honest: ok (train $(n train), val $(n val), test $(n test))"
