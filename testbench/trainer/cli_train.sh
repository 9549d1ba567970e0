#!/bin/sh
# `aimc train` end to end on a small slice of sequential Fashion-MNIST (the
# Debian dataset-fashion-mnist package): trains, exports, refuses to
# overwrite, resumes, evaluates, and rejects bad configs and files with
# exit code 2 (config/usage) or 1 (corrupt file) and a message naming them.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat > "$T/c.yaml" <<YAML
data: {task: fmnist_rows, max_per_split: 120, val_fraction: 0.2}
model: {h: 8, n: 4, layers: 1}
quant: {bits_a: 3, bits_b: 3, bits_c: 3, bits_d: 3, fscale: 0.95, start_epoch: 1}
train: {epochs: 2, batch: 20, threads: 2}
noise: {sigma: 5uS}
output: {dir: $T/run}
YAML
"$AIMC_BIN" train --help | grep -q "usage: aimc train" || fail "--help"
"$AIMC_BIN" train "$T/c.yaml" > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "train"; }
for f in model.s4d checkpoint.ckpt curves.csv results.csv; do
  [ -s "$T/run/$f" ] || fail "missing $f"
done
grep -q "test quantized" "$T/out" || fail "no quantized accuracy"
grep -q "^noisy,5," "$T/run/results.csv" || fail "no noisy row"
[ "$(wc -l < "$T/run/curves.csv")" -eq 3 ] || fail "curves.csv rows"
cp "$T/run/model.s4d" "$T/first.s4d"

# Never overwrite earlier results without --force.
"$AIMC_BIN" train "$T/c.yaml" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] || fail "overwrite exit $rc"
grep -q "exists" "$T/err" || fail "overwrite message"
cmp -s "$T/run/model.s4d" "$T/first.s4d" || fail "model overwritten"

# Resume of a finished run reproduces the same weights.
"$AIMC_BIN" train "$T/c.yaml" --resume > /dev/null 2>&1 || fail "resume"
cmp -s "$T/run/model.s4d" "$T/first.s4d" || fail "resume changed the model"

# Killed at an arbitrary moment (SIGKILL) and resumed: the same model as the
# uninterrupted run, wherever the kill landed (checkpoint every step).
long='s/epochs: 2, batch: 20, threads: 2}/epochs: 30, batch: 20, threads: 2, checkpoint_steps: 1}/'
sed -e "s#dir: $T/run#dir: $T/killed#" -e "$long" "$T/c.yaml" > "$T/k.yaml"
sed -e "s#dir: $T/run#dir: $T/ref#" -e "$long" "$T/c.yaml" > "$T/r.yaml"
"$AIMC_BIN" train "$T/r.yaml" > /dev/null 2>&1 || fail "reference run"
"$AIMC_BIN" train "$T/k.yaml" > /dev/null 2>&1 &
pid=$!
i=0 # kill as soon as the first checkpoint exists (or after 10 s)
while [ ! -e "$T/killed/checkpoint.ckpt" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -e "$T/killed/checkpoint.ckpt" ] && [ ! -e "$T/killed/model.s4d" ]; then
  echo "killed mid-training"
else
  echo "note: the kill did not land mid-training (machine load); still checked"
fi
# (--resume needs a checkpoint: a kill before the first one restarts.)
resume=--resume; [ -e "$T/killed/checkpoint.ckpt" ] || resume=
"$AIMC_BIN" train "$T/k.yaml" $resume --force > /dev/null 2>&1 || fail "resume after kill"
cmp -s "$T/killed/model.s4d" "$T/ref/model.s4d" || fail "killed+resumed model differs"

# --eval with a sigma sweep.
"$AIMC_BIN" train "$T/c.yaml" --eval --sigma-list 0,10 --noise-seeds 2 > "$T/out" 2>&1 \
  || fail "eval"
[ "$(grep -c 'test noisy' "$T/out")" -eq 2 ] || fail "eval sigma rows"

# Bad configs: exit 2, file:line:col.
bad() { # yaml, expected text
  printf '%s\n' "$1" > "$T/bad.yaml"
  "$AIMC_BIN" train "$T/bad.yaml" --out "$T/bad" 2> "$T/err"; rc=$?
  [ $rc -eq 2 ] || fail "'$1': exit $rc"
  grep -q "$2" "$T/err" || { cat "$T/err"; fail "'$1': message lacks $2"; }
  [ ! -e "$T/bad/model.s4d" ] || fail "'$1' wrote a model"
}
bad "model: {h: 8, widht: 3}" "bad.yaml:1:15"
bad "quant: {bits_a: 12}" "bits_a"
bad "model: {n: 5}" "even"
bad "train: {epochs: 0}" "epochs"
bad "data: {task: mnist}" "task"
"$AIMC_BIN" train 2>/dev/null; [ $? -eq 2 ] || fail "no config"
"$AIMC_BIN" train "$T/c.yaml" --bogus 2>/dev/null; [ $? -eq 2 ] || fail "bad option"

# A corrupt checkpoint for --eval: checksum error, exit 2 (bad input).
cp "$T/run/checkpoint.ckpt" "$T/bad.ckpt"
printf 'XXXX' | dd of="$T/bad.ckpt" bs=1 seek=300 conv=notrunc 2>/dev/null
"$AIMC_BIN" train "$T/c.yaml" --eval "$T/bad.ckpt" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] || fail "corrupt checkpoint exit $rc"
grep -q "checksum" "$T/err" || fail "checksum message"
echo ok
