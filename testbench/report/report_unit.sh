#!/bin/sh
# aimc report publishes its folder as one unit (issue #14 part 2): the
# process is SIGKILLed before each of its renames (the test hook
# AIMC_TEST_KILL_AT=rename:N, aimc/fileio.h); afterwards the folder must be
# the complete old report or the complete new one, never a new page beside
# old figures (also after kills at a few moments of the run), and a rerun must give what an uninterrupted report gives,
# with no temporary left. A folder that is not a report is refused (exit
# 2, untouched); a report written before the marker existed is replaced.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/aimc-report-unit-XXXXXX")
trap 'rm -rf "$T"' EXIT
A="$AIMC_BIN"
# Two bit widths over three noise levels, two array sizes: every figure.
cat >"$T/results.json" <<'JSON'
{"name": "unit", "varied": ["bits", "sigma", "rows"], "points": [
 {"settings": {"bits": "2", "sigma": "0", "rows": "32"}, "n_seeds": 2, "mean": {"accuracy": 0.9, "energy_J": 1e-9, "latency_s": 1e-6}, "std": {"accuracy": 0.01}},
 {"settings": {"bits": "2", "sigma": "5uS", "rows": "32"}, "n_seeds": 2, "mean": {"accuracy": 0.85, "energy_J": 1e-9, "latency_s": 1e-6}, "std": {"accuracy": 0.02}},
 {"settings": {"bits": "4", "sigma": "0", "rows": "64"}, "n_seeds": 2, "mean": {"accuracy": 0.95, "energy_J": 2e-9, "latency_s": 2e-6}, "std": {"accuracy": 0.01}},
 {"settings": {"bits": "4", "sigma": "5uS", "rows": "64"}, "n_seeds": 2, "mean": {"accuracy": 0.7, "energy_J": 2e-9, "latency_s": 2e-6}, "std": {"accuracy": 0.05}}]}
JSON
report() { "$A" report "$T/results.json" "$@"; }
# same A B: two folders holding the same files with the same bytes.
same() { diff -r "$1" "$2" > /dev/null 2>&1; }
no_temps() { ! find "$T" -name '*.tmp.*' -o -name '*.old.*' | grep -q . || fail "$1: temporaries left: $(find "$T" -name '*.tmp.*' -o -name '*.old.*')"; }

report -o "$T/old" --title OLD > /dev/null 2>&1 || fail "old report"
report -o "$T/new" --title NEW > /dev/null 2>&1 || fail "new report"
[ -f "$T/new/.aimc-output" ] || fail "no marker in a finished report"
ls "$T/new"/fig_*.svg > /dev/null 2>&1 || fail "no figure drawn"
same "$T/old" "$T/new" && fail "the two reports are the same: the test could not tell them apart"
# A second uninterrupted report is byte-identical (so "the new one" is one thing).
report -o "$T/new2" --title NEW > /dev/null 2>&1 && same "$T/new" "$T/new2" || fail "two reports of one input differ"

n=1
while :; do
  rm -rf "$T/r"; cp -r "$T/old" "$T/r"
  AIMC_TEST_KILL_AT=rename:$n "$A" report "$T/results.json" -o "$T/r" --title NEW > /dev/null 2>&1
  rc=$?
  [ $rc -eq 137 ] || break
  same "$T/r" "$T/old" || same "$T/r" "$T/new" || fail "killed before rename $n: the folder is neither the old nor the new report"
  report -o "$T/r" --title NEW > /dev/null 2>&1 || fail "rerun after a kill before rename $n"
  same "$T/r" "$T/new" || fail "rerun after a kill before rename $n differs from an uninterrupted report"
  no_temps "rerun after rename $n"
  n=$((n + 1))
done
[ $rc -eq 0 ] || fail "report with the kill hook past its renames: exit $rc"
same "$T/r" "$T/new" || fail "report over an old one differs from a fresh one"
[ $n -ge 3 ] || fail "report published in only $((n - 1)) renames"
# SIGKILL at fixed moments inside the run (wherever it then is): the same
# verdict, whatever the machine's speed made the moment hit.
for s in 0.05 0.2 0.5 1; do
  rm -rf "$T/r"; cp -r "$T/old" "$T/r"
  "$A" report "$T/results.json" -o "$T/r" --title NEW > /dev/null 2>&1 & p=$!
  sleep $s; kill -9 $p 2> /dev/null; wait $p 2> /dev/null
  same "$T/r" "$T/old" || same "$T/r" "$T/new" || fail "killed after ${s}s: the folder is neither the old nor the new report"
  report -o "$T/r" --title NEW > /dev/null 2>&1 && same "$T/r" "$T/new" || fail "rerun after a kill at ${s}s"
  no_temps "rerun after a kill at ${s}s"
done

# A folder that is not a report is refused and left as it was.
mkdir "$T/foreign"; echo keep > "$T/foreign/notes.txt"
report -o "$T/foreign" > /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 2 ] || fail "foreign folder: exit $rc, expected 2"
grep -q "is not an output of 'aimc report'" "$T/err" || fail "foreign folder message: $(cat "$T/err")"
[ "$(ls -A "$T/foreign")" = notes.txt ] && grep -q keep "$T/foreign/notes.txt" || fail "foreign folder changed"
# The output of another command is refused too.
mkdir "$T/runout"; printf 'aimc run\n' > "$T/runout/.aimc-output"
report -o "$T/runout" > /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "holds the output of 'aimc run'" "$T/err" || fail "another command's output: exit $rc: $(cat "$T/err")"
# A report from before the marker (report.html and figures only) is replaced.
mkdir "$T/legacy"; cp "$T/old"/report.html "$T/old"/fig_* "$T/legacy/"
report -o "$T/legacy" --title NEW > /dev/null 2>&1 && same "$T/legacy" "$T/new" || fail "a legacy report was not replaced"
no_temps "the end"
echo "report: killed before each of $((n - 1)) renames and at 4 moments; foreign, other and legacy folders: ok"
