#!/bin/sh
# The exported model remembers its data spec: a model trained on tiny
# synthesized digits at downsample=4 is mapped and run without --data (the
# recorded spec is used: same predictions as the explicit spec, or as the
# recorded one edited by a task-less --data), with a different downsample
# (one warning line, the longer sequences are run),
# and swept without a data setting (the recorded spec again). A model that
# records no spec still needs --data (exit 2).
# $1: the fixture_model tool.
. "$(dirname "$0")/e2e_common.sh"
A="$AIMC_BIN"
ARCH="$AIMC_SRC/configs/arch/default.yaml"
# The recorded spec has no dir: the digits are found through $AIMC_DATA.
export AIMC_DATA="$T"
"$A" data digits --out "$T/digits" --speakers 3 --test-speakers 1 --trials 1 > /dev/null 2>&1
cat > "$T/c.yaml" <<YAML
data: {task: digits20, downsample: 4}
model: {h: 4, n: 4, layers: 1}
train: {epochs: 1, batch: 10, threads: 2}
output: {dir: $T/run}
YAML
"$A" train "$T/c.yaml" > /dev/null 2>&1 || fail "train"
"$A" map "$T/run/model.s4d" "$ARCH" -o "$T/net.yaml" > /dev/null

# No --data: the recorded spec, named on stderr, no warning.
"$A" run "$T/net.yaml" -o "$T/rec" > "$T/rec.out" 2> "$T/rec.err" || fail "run: $(cat "$T/rec.err")"
grep -q "info: data digits20,.*downsample=4,.* (recorded in $T/run/model.s4d)" "$T/rec.err" \
  || fail "no note of the recorded spec: $(cat "$T/rec.err")"
grep -q "warning" "$T/rec.err" && fail "warning without --data"
# 20 test files: 1 held-out speaker x 20 digits x 1 trial (aimc data digits).
len4=$(sed -n 's/^samples *20 (length \([0-9]*\))$/\1/p' "$T/rec.out")
[ -n "$len4" ] || fail "no 20-sample summary: $(cat "$T/rec.out")"

# The same spec given explicitly, or the recorded one edited to name the
# directory: the same predictions, no warning.
"$A" run "$T/net.yaml" -o "$T/exp" --data digits20,downsample=4 > /dev/null 2> "$T/exp.err"
cmp -s "$T/rec/predictions.csv" "$T/exp/predictions.csv" || fail "recorded and explicit spec differ"
grep -q "warning" "$T/exp.err" && fail "warning for the recorded spec: $(cat "$T/exp.err")"
"$A" run "$T/net.yaml" -o "$T/dir" --data "dir=$T/digits" > /dev/null 2> "$T/dir.err"
cmp -s "$T/rec/predictions.csv" "$T/dir/predictions.csv" || fail "--data dir=... left the recorded spec"
grep -q "warning" "$T/dir.err" && fail "warning for a dir: $(cat "$T/dir.err")"

# Another downsample: runs (a user may mean it) with warnings.
"$A" run "$T/net.yaml" -o "$T/ds1" --data digits20 > "$T/ds1.out" 2> "$T/ds1.err" || fail "run downsample 1"
# Two lines: the edited key, and the data identity (issue #15: features and
# so the fingerprint differ, and the sequence length, both values given).
[ "$(grep -c warning "$T/ds1.err")" = 2 ] || fail "want two warning lines: $(cat "$T/ds1.err")"
grep -q "warning: the data differ from those $T/run/model.s4d was trained on: .*sequence length [0-9]* but trained at [0-9]*" \
  "$T/ds1.err" || fail "data identity warning: $(cat "$T/ds1.err")"
grep -q "warning: --data differs from the data $T/run/model.s4d was trained on: downsample 1 (trained on 4)" \
  "$T/ds1.err" || fail "warning text: $(cat "$T/ds1.err")"
len1=$(sed -n 's/^samples *20 (length \([0-9]*\))$/\1/p' "$T/ds1.out")
# Downsampling by 4 keeps floor(frames/4) or up to one more (a partial last
# group): 4*len4 - 3 <= len1 <= 4*len4 + 3.
[ "$len1" -ge $((4 * len4 - 3)) ] && [ "$len1" -le $((4 * len4 + 3)) ] \
  || fail "downsample 1 ran $len1 steps, downsample 4 ran $len4"

# A sweep point without a data setting runs on the recorded spec: the same
# latency per inference as the run above (the defaults, zero_one with 2
# classes, would not even fit the 20-class model).
cat > "$T/s.yaml" <<YAML
seeds: 1
base: {model: $T/run/model.s4d, arch: $ARCH, max_samples: 4}
grid: {array.size: [64]}
YAML
"$A" sweep "$T/s.yaml" -o "$T/sw" -j 1 > /dev/null 2> "$T/sw.err" || fail "sweep: $(cat "$T/sw.err")"
swept=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "latency_s_mean") c = i }
                 NR == 2 { print $c }' "$T/sw/results.csv")
ran=$(json rec seq_s)
awk -v a="$swept" -v b="$ran" 'BEGIN { exit !(a > 0 && a == b + 0) }' \
  || fail "sweep latency $swept, run latency $ran"

# No recorded spec (the fixture tool records none) and no --data: exit 2.
"$FIX" "$T/m.s4d" 28 10 8 4 1 2 5
"$A" map "$T/m.s4d" "$ARCH" -o "$T/fix.yaml" > /dev/null
set +e; "$A" run "$T/fix.yaml" > /dev/null 2> "$T/fix.err"; rc=$?; set -e
[ $rc = 2 ] || fail "no spec: exit $rc"
grep -q "needs --data SPEC: $T/m.s4d records no data spec" "$T/fix.err" || fail "no spec: $(cat "$T/fix.err")"
echo "cli_data_spec: ok (length $len4 recorded, $len1 at downsample 1)"
