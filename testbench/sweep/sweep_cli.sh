#!/bin/sh
# aimc sweep end to end with the synthetic evaluator: usage errors, a
# 4 x 3 x 2 grid run locally, under mpirun with 2 and 4 ranks (tables must
# be byte-identical), and killed (SIGKILL of the whole process group, and
# SIGINT) then resumed: nothing redone, nothing lost, the same table.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/aimc-sweep-cli-XXXXXX")
SPEC="$AIMC_SRC/testbench/sweep/grid.yaml"

# Usage and config errors: exit 2, a message naming the problem.
"$AIMC_BIN" sweep --help | grep -q "usage: aimc sweep" || fail "--help"
"$AIMC_BIN" sweep 2>"$T/err"; [ $? -eq 2 ] || fail "missing spec exit"
grep -q "missing the sweep spec" "$T/err" || fail "missing spec message"
printf 'grid: {rows: [16]}\nfoo: 1\n' >"$T/bad.yaml"
"$AIMC_BIN" sweep "$T/bad.yaml" 2>"$T/err"; [ $? -eq 2 ] || fail "bad spec exit"
grep -q "bad.yaml:2:1: sweep spec: unknown key 'foo'" "$T/err" || fail "bad spec message: $(cat "$T/err")"
printf 'evaluator: synthetic\ngrid: {rows: [16, 0]}\n' >"$T/range.yaml"
"$AIMC_BIN" sweep "$T/range.yaml" -o "$T/range" 2>"$T/err"; [ $? -eq 2 ] || fail "range exit"
grep -q "rows = 0 is out of range" "$T/err" || fail "range message: $(cat "$T/err")"

# Local run (2 worker processes), then MPI.
"$AIMC_BIN" sweep "$SPEC" -o "$T/local" -j 2 >/dev/null 2>"$T/log" || fail "local run: $(cat "$T/log")"
[ "$(wc -l <"$T/local/results.csv")" -eq 25 ] || fail "24 points + header expected"
if command -v mpirun >/dev/null 2>&1; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  mpirun -n 2 "$AIMC_BIN" sweep "$SPEC" -o "$T/mpi2" >/dev/null 2>"$T/log" || fail "mpirun -n 2: $(cat "$T/log")"
  mpirun -n 4 --oversubscribe "$AIMC_BIN" sweep "$SPEC" -o "$T/mpi4" >/dev/null 2>"$T/log" || fail "mpirun -n 4: $(cat "$T/log")"
  for n in 2 4; do
    cmp "$T/local/results.csv" "$T/mpi$n/results.csv" || fail "csv differs with $n ranks"
    cmp "$T/local/results.json" "$T/mpi$n/results.json" || fail "json differs with $n ranks"
  done
  grep -q '"ranks":	4' "$T/mpi4/manifest.json" || fail "manifest ranks"
else
  echo "mpirun not found: MPI part skipped"
fi

# Kill and resume. The slow spec is the grid with 40 ms per run.
sed 's/^base:.*/base: {cols: 64, synthetic_delay: 40ms}/' "$SPEC" >"$T/slow.yaml"
"$AIMC_BIN" sweep "$T/slow.yaml" -o "$T/ref" -j 2 >/dev/null 2>&1 || fail "slow reference"
count() { ls "$1/runs" 2>/dev/null | grep -c '\.json$'; }
wait_for() { # dir n: wait until n runs are committed
  i=0
  while [ "$(count "$1")" -lt "$2" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}
for sig in KILL INT; do
  D="$T/killed-$sig"
  setsid "$AIMC_BIN" sweep "$T/slow.yaml" -o "$D" -j 2 >/dev/null 2>"$T/log-$sig" &
  pid=$!
  wait_for "$D" 6
  if [ $sig = KILL ]; then /bin/kill -KILL -- -"$pid"; else kill -INT "$pid"; fi
  wait "$pid"; rc=$?
  sleep 0.2
  before=$(count "$D")
  [ "$before" -ge 6 ] && [ "$before" -lt 48 ] || fail "$sig: $before runs at the kill"
  if [ $sig = INT ]; then
    [ $rc -eq 1 ] || fail "SIGINT exit $rc"
    grep -q "again to resume" "$T/log-$sig" || fail "SIGINT message"
  fi
  "$AIMC_BIN" sweep "$T/slow.yaml" -o "$D" -j 2 >"$T/out" 2>"$T/log" || fail "$sig resume: $(cat "$T/log")"
  grep -q "48 of 48 runs done ($((48 - before)) now, $before before)" "$T/out" ||
    fail "$sig: resume did not redo exactly the missing runs: $(cat "$T/out")"
  # Runs of the first session were kept, not redone.
  [ "$(grep -l '"session":	1' "$D"/runs/*.json | wc -l)" -eq "$before" ] || fail "$sig: session 1 runs rewritten"
  cmp "$T/ref/results.csv" "$D/results.csv" || fail "$sig: table differs after resume"
  cmp "$T/ref/results.json" "$D/results.json" || fail "$sig: json differs after resume"
  ls "$D/runs" | grep -q tmp && fail "$sig: temporary files left"
done

# Another spec into the same directory is refused; the results stay.
"$AIMC_BIN" sweep "$SPEC" -o "$T/ref" 2>"$T/err"; [ $? -eq 2 ] || fail "other spec exit"
grep -q "another sweep spec" "$T/err" || fail "other spec message"
cmp "$T/ref/results.csv" "$T/killed-KILL/results.csv" || fail "refused run touched the table"
rm -rf "$T"
echo ok
