#!/bin/sh
# Crash safety (issue #14 part 7): `aimc train`, `run`, `map` and `sweep`
# are SIGKILLed before each of their publishing renames (the test hook
# AIMC_TEST_KILL_AT=rename:N, aimc/fileio.h) and at random moments; after
# every kill each output must be the complete old one or the complete new
# one (a netlist and an arrays folder from two maps must be refused by
# `aimc run`), and rerunning the command must give the results of an
# uninterrupted run, with no temporary left. $1: the fixture_model tool.
# AIMC_CRASH_SEED fixes the random kill times (printed on failure).
set -u
FIXTOOL=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SEED=${AIMC_CRASH_SEED:-$(date +%s)}
fail() { echo "FAIL (AIMC_CRASH_SEED=$SEED): $*" >&2; exit 1; }
A="$AIMC_BIN"
ARCH="$AIMC_SRC/configs/arch/default.yaml"
DATA=fmnist_rows,max_per_split=20
# rand K: a pseudo-random delay in [0, K) seconds drawn from SEED.
N_RAND=0
rand() { N_RAND=$((N_RAND + 1)); awk -v s="$SEED" -v n="$N_RAND" -v k="$1" \
  'BEGIN { srand(s + 7919 * n); printf "%.3f", rand() * k }'; }
# killed_at N CMD...: runs CMD with the hook at rename N; 0 when it was killed.
killed_at() { n=$1; shift; AIMC_TEST_KILL_AT=rename:$n "$@" > /dev/null 2>&1; [ $? -eq 137 ]; }
# killed_after S CMD...: SIGKILLs CMD after S seconds (if still running).
killed_after() { s=$1; shift; "$@" > /dev/null 2>&1 & p=$!; sleep "$s"; kill -9 $p 2>/dev/null; wait $p 2>/dev/null; }
# same A B: two files or folders with identical content (results.json's
# wall-clock line aside).
same() {
  if [ -d "$1" ]; then
    [ -d "$2" ] || return 1
    for f in "$1"/* "$1"/.aimc-output; do
      [ -e "$f" ] || continue
      same "$f" "$2/${f##*/}" || return 1
    done
    for f in "$2"/* "$2"/.aimc-output; do [ -e "$f" ] && [ ! -e "$1/${f##*/}" ] && return 1; done
    return 0
  fi
  [ -f "$2" ] || return 1
  case "$1" in
    *results.json) grep -v wall_s "$1" > "$T/a.cmp"; grep -v wall_s "$2" > "$T/b.cmp"
                   cmp -s "$T/a.cmp" "$T/b.cmp" ;;
    *) cmp -s "$1" "$2" ;;
  esac
}
no_temps() { ! find "$1" -name '*.tmp.*' -o -name '*.old.*' | grep -q . || fail "$2: temporaries left: $(find "$1" -name '*.tmp.*')"; }

"$FIXTOOL" "$T/m1.s4d" 28 10 8 4 2 2 5 || fail "fixture model"
"$FIXTOOL" "$T/m2.s4d" 28 10 8 4 2 2 6 || fail "fixture model"

# ---- aimc map: old = the map of m1, new = the map of m2 -------------------
mkdir "$T/old" "$T/new"
"$A" map "$T/m1.s4d" "$ARCH" -o "$T/old/net.yaml" > /dev/null || fail "map m1"
"$A" map "$T/m2.s4d" "$ARCH" -o "$T/new/net.yaml" > /dev/null || fail "map m2"
# The netlists name their model; the unit under test is always out/net.yaml.
map_into() { rm -rf "$T/out"; mkdir "$T/out"; cp -r "$T/$1/net.yaml" "$T/$1/net.arch.yaml" "$T/$1/net.arrays" "$T/out/"; }
map_into old; "$A" map "$T/m1.s4d" "$ARCH" -o "$T/out/net.yaml" > /dev/null; cp -r "$T/out" "$T/map_old"
map_into new; "$A" map "$T/m2.s4d" "$ARCH" -o "$T/out/net.yaml" > /dev/null; cp -r "$T/out" "$T/map_new"
rm -rf "$T/out"; cp -r "$T/map_old" "$T/out"
"$A" run "$T/out/net.yaml" --data $DATA -o "$T/run_old" > /dev/null || fail "run of the old map"
check_map() { # $1: what killed it
  state=""
  for item in net.yaml net.arch.yaml net.arrays; do
    if same "$T/out/$item" "$T/map_old/$item"; then state="${state}o"
    elif same "$T/out/$item" "$T/map_new/$item"; then state="${state}n"
    else fail "map $1: out/$item is neither the old nor the new one"; fi
  done
  "$A" run "$T/out/net.yaml" --data $DATA -o "$T/probe" > /dev/null 2> "$T/err"; rc=$?
  # Both maps use one arch, so net.arch.yaml is the same in both: the unit
  # is complete when the netlist and its arrays folder come from one map.
  case "$state" in
    o?o|n?n) [ $rc -eq 0 ] || fail "map $1: a complete output ($state) refused: $(cat "$T/err")" ;;
    *) [ $rc -eq 2 ] && grep -q "two different 'aimc map' runs" "$T/err" ||
         fail "map $1: mixed output ($state: yaml, arch, arrays) not refused (exit $rc)" ;;
  esac
  seen="$seen $state"
  rm -rf "$T/probe"
}
n=1
seen=""
while killed_at $n "$A" map "$T/m2.s4d" "$ARCH" -o "$T/out/net.yaml"; do
  check_map "killed before rename $n"
  "$A" map "$T/m2.s4d" "$ARCH" -o "$T/out/net.yaml" > /dev/null || fail "map rerun after rename $n"
  same "$T/out" "$T/map_new" || fail "map rerun after rename $n differs from an uninterrupted map"
  no_temps "$T/out" "map rerun after rename $n"
  rm -rf "$T/out"; cp -r "$T/map_old" "$T/out"
  n=$((n + 1))
done
[ $n -ge 5 ] || fail "map published in only $((n - 1)) renames"
case "$seen" in *o?n*) ;; *) fail "map: no kill left the new arrays beside the old netlist ($seen)";; esac
echo "map: killed before each of $((n - 1)) renames:$seen"
for i in 1 2 3 4 5; do
  killed_after "$(rand 0.4)" "$A" map "$T/m2.s4d" "$ARCH" -o "$T/out/net.yaml"
  check_map "killed at random ($i)"
done

# ---- aimc run: old = 10 samples, new = 20 ----------------------------------
"$A" run "$T/map_old/net.yaml" --data fmnist_rows,max_per_split=10 -o "$T/r_old" > /dev/null || fail "run old"
"$A" run "$T/map_old/net.yaml" --data $DATA -o "$T/r_new" > /dev/null || fail "run new"
check_run() {
  same "$T/r" "$T/r_old" || same "$T/r" "$T/r_new" || fail "run $1: the output folder is neither the old nor the new one"
}
n=1
rm -rf "$T/r"; cp -r "$T/r_old" "$T/r"
while killed_at $n "$A" run "$T/map_old/net.yaml" --data $DATA -o "$T/r"; do
  check_run "killed before rename $n"
  "$A" run "$T/map_old/net.yaml" --data $DATA -o "$T/r" > /dev/null || fail "run rerun after rename $n"
  same "$T/r" "$T/r_new" || fail "run rerun after rename $n differs"
  no_temps "$T" "run rerun after rename $n"
  rm -rf "$T/r"; cp -r "$T/r_old" "$T/r"
  n=$((n + 1))
done
[ $n -ge 5 ] || fail "run published in only $((n - 1)) renames"
echo "run: killed before each of $((n - 1)) renames"
for i in 1 2 3 4 5; do
  killed_after "$(rand 2)" "$A" run "$T/map_old/net.yaml" --data $DATA -o "$T/r"
  check_run "killed at random ($i)"
done
"$A" run "$T/map_old/net.yaml" --data $DATA -o "$T/r" > /dev/null && same "$T/r" "$T/r_new" || fail "run final rerun"

# ---- aimc train: killed, then resumed --------------------------------------
cat > "$T/c.yaml" <<YAML
data: {task: fmnist_rows, max_per_split: 60, val_fraction: 0.2}
model: {h: 8, n: 4, layers: 1}
quant: {bits_a: 3, bits_b: 3, bits_c: 3, bits_d: 3, fscale: 0.95, start_epoch: 1}
train: {epochs: 3, batch: 20, threads: 1, checkpoint_steps: 1}
noise: {sigma: 5uS}
YAML
"$A" train "$T/c.yaml" --out "$T/t_ref" > /dev/null 2>&1 || fail "train reference"
check_train() {
  if [ -e "$T/t/model.s4d" ]; then
    cmp -s "$T/t/model.s4d" "$T/t_ref/model.s4d" && cmp -s "$T/t/results.csv" "$T/t_ref/results.csv" ||
      fail "train $1: a model.s4d that is not the finished one"
  fi
  # --resume needs a checkpoint: a kill before the first one leaves none,
  # and training again from scratch is the rerun.
  resume=
  [ -e "$T/t/checkpoint.ckpt" ] && resume=--resume
  "$A" train "$T/c.yaml" --out "$T/t" $resume > /dev/null 2>&1 || fail "train $1: rerun $resume"
  for f in model.s4d results.csv; do
    cmp -s "$T/t/$f" "$T/t_ref/$f" || fail "train $1: $f differs from an uninterrupted training"
  done
  no_temps "$T/t" "train $1"
  rm -rf "$T/t"
}
for n in 1 2 3 5 8 13; do
  killed_at $n "$A" train "$T/c.yaml" --out "$T/t" || fail "train not killed before rename $n"
  check_train "killed before rename $n"
done
for i in 1 2 3; do
  killed_after "$(rand 3)" "$A" train "$T/c.yaml" --out "$T/t"
  check_train "killed at random ($i)"
done
echo "train: killed before renames 1 2 3 5 8 13 and at 3 random moments"

# ---- aimc sweep: killed, then resumed --------------------------------------
sed 's/^base:.*/base: {cols: 64, synthetic_delay: 20ms}/' "$AIMC_SRC/testbench/sweep/grid.yaml" > "$T/s.yaml"
"$A" sweep "$T/s.yaml" -o "$T/s_ref" -j 2 > /dev/null 2>&1 || fail "sweep reference"
check_sweep() {
  if [ -e "$T/s/manifest.json" ]; then
    tail -c 2 "$T/s/manifest.json" | grep -q '}' || fail "sweep $1: manifest.json cut short"
  fi
  "$A" sweep "$T/s.yaml" -o "$T/s" -j 2 > /dev/null 2>&1 || fail "sweep $1: resume"
  for f in results.csv results.json; do
    cmp -s "$T/s/$f" "$T/s_ref/$f" || fail "sweep $1: $f differs from an uninterrupted sweep"
  done
  no_temps "$T/s" "sweep $1"
  rm -rf "$T/s"
}
for n in 1 2 5 13 24 27; do
  killed_at $n "$A" sweep "$T/s.yaml" -o "$T/s" -j 0 || fail "sweep not killed before rename $n"
  check_sweep "killed before rename $n"
done
for i in 1 2 3; do
  killed_after "$(rand 0.6)" "$A" sweep "$T/s.yaml" -o "$T/s" -j 2
  check_sweep "killed at random ($i)"
done
echo "sweep: killed before renames 1 2 5 13 24 27 and at 3 random moments"
echo ok
