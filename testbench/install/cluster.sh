#!/bin/sh
# The Slurm script of docs/cluster.md run locally (no Slurm: 2 ranks by
# mpirun) on the synthetic test grid: a first session stopped early, as a
# preempted job is, then the requeued one finishes; the table equals a
# single-process run's.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v mpirun >/dev/null 2>&1 || { echo "mpirun not found: skipped"; exit 0; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SPEC="$AIMC_SRC/testbench/sweep/grid.yaml"
JOB="$AIMC_SRC/examples/cluster/aimc-sweep.sbatch"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
"$AIMC_BIN" sweep "$SPEC" -o "$T/ref" -j 1 -q >/dev/null 2>"$T/log" || fail "reference: $(cat "$T/log")"
# Preempted: each rank stops after 5 new runs.
SPEC="$SPEC" OUT="$T/out" AIMC="$AIMC_BIN" sh "$JOB" --max-runs 5 >"$T/log1" 2>&1
done1=$(ls "$T/out/runs" | grep -c '\.json$')
[ "$done1" -gt 0 ] && [ "$done1" -lt 48 ] || fail "first session did $done1 of 48 runs: $(cat "$T/log1")"
# Requeued: the same script finishes the rest.
SPEC="$SPEC" OUT="$T/out" AIMC="$AIMC_BIN" sh "$JOB" >"$T/log2" 2>&1 || fail "second session: $(cat "$T/log2")"
[ "$(ls "$T/out/runs" | grep -c '\.json$')" -eq 48 ] || fail "48 runs expected after the resume"
cmp -s "$T/ref/results.csv" "$T/out/results.csv" || fail "table differs from the single-process run"
echo "cluster ok: $done1 runs before the stop, 48 after the resume"
