#!/bin/sh
# Replays the bad-input suite: every case of every testbench/bad-inputs/
# <surface>.tsv runs through `sh -c` in a fresh empty folder with a time
# limit, and passes when its exit status is the expected one and its output
# (stdout + stderr) holds the expected fragment (case-insensitive). Any exit
# >= 128 (a signal: crash, abort), a hang (timeout) or a sanitizer report
# fails a case whatever it expects. <surface>.pending.tsv files hold cases
# of bugs not fixed yet: they are run and counted but reported apart and do
# not fail the suite.
#
# usage: run.sh AIMC_BIN BUILD_DIR [NAME_PATTERN]
#   NAME_PATTERN (an ERE, optional) keeps only the cases whose
#   "surface/name" matches it.
# Case format, one per line (tab-separated; '#' comments, blank lines):
#   name <TAB> expected_exit <TAB> message_fragment <TAB> shell command
# The command sees $AIMC (the aimc binary), $BAD (this folder; static inputs
# under $BAD/files/<surface>/), $BUILD (the build folder) and $FIX (a
# fixture folder made once per run, read-only by convention):
#   $FIX/model.s4d      a small valid model (28 features, 10 classes)
#   $FIX/net/net.yaml   aimc map of it onto configs/arch/default.yaml
#   $FIX/prog.bin       its saved programming (aimc run --save-programmed)
#   $FIX/run/           the results of that run (results.json, ...)
#   $FIX/data/          a small Heidelberg-Digits tree (FLAC tones)
#   $FIX/ckpt/          a finished 2-epoch training run of
#                       files/checkpoint/c.yaml (when that file exists)
# Environment: BADINPUT_TIMEOUT (seconds per case, default 20),
# BADINPUT_JOBS (cases run at once, default the number of CPUs).
set -u
# run.sh --case DIR: runs the one case of DIR (made below) and writes DIR/
# verdict: "ok" or "NAME: why".
if [ "${1:-}" = --case ]; then
  d=$2
  if [ -f "$d/bad" ]; then
    echo "$(cat "$d/file").tsv:$(cat "$d/line"): not 4 tab-separated fields" > "$d/verdict"
    exit 0
  fi
  name=$(cat "$d/name") want=$(cat "$d/want")
  mkdir "$d/cwd"
  (cd "$d/cwd" && exec timeout -k 5 "$LIMIT" sh -c "$(cat "$d/cmd")") \
    > "$d/out" 2>&1 < /dev/null
  rc=$?
  why=""
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    why="hang: no exit within ${LIMIT}s"
  elif [ $rc -ge 128 ]; then
    why="killed by signal $((rc - 128))"
  elif grep -Eq "ERROR: (Address|Leak)Sanitizer|runtime error:" "$d/out"; then
    why="sanitizer report"
  elif [ "$rc" != "$want" ]; then
    why="exit $rc, expected $want"
  elif [ -s "$d/frag" ] && ! grep -Fqi -- "$(cat "$d/frag")" "$d/out"; then
    why="output lacks '$(cat "$d/frag")'"
  fi
  rm -rf "$d/cwd"
  if [ -z "$why" ]; then echo ok > "$d/verdict"; else echo "$name: $why" > "$d/verdict"; fi
  exit 0
fi
if [ $# -lt 2 ]; then
  echo "usage: run.sh AIMC_BIN BUILD_DIR [NAME_PATTERN]" >&2
  exit 2
fi
AIMC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BUILD=$(cd "$2" && pwd)
BAD=$(cd "$(dirname "$0")" && pwd)
PATTERN=${3:-}
LIMIT=${BADINPUT_TIMEOUT:-20}
export AIMC BUILD BAD
export AIMC_NO_PROGRESS=1 OPENBLAS_NUM_THREADS=1 SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
# Sanitizer builds: leaks of third-party caches are suppressed; reports
# must reach the output the runner reads.
export LSAN_OPTIONS="suppressions=$BAD/../lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/badinput.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
FIX=$WORK/fix
export FIX
mkdir -p "$FIX"

# --- the fixture ---------------------------------------------------------
fixture_fail() { echo "bad-inputs: fixture setup failed: $*" >&2; exit 1; }
"$BUILD/testbench/infer_fixture_model" "$FIX/model.s4d" 28 10 8 4 1 2 5 \
  > "$FIX/log.txt" 2>&1 || fixture_fail "fixture model: $(cat "$FIX/log.txt")"
"$AIMC" map "$FIX/model.s4d" "$BAD/../../configs/arch/default.yaml" \
  -o "$FIX/net/net.yaml" --set timing.pipeline=false > "$FIX/log.txt" 2>&1 \
  || fixture_fail "aimc map: $(cat "$FIX/log.txt")"
"$AIMC" run "$FIX/net/net.yaml" --data fmnist_rows,max_per_split=4 \
  -o "$FIX/run" --save-programmed "$FIX/prog.bin" > "$FIX/log.txt" 2>&1 \
  || fixture_fail "aimc run: $(cat "$FIX/log.txt")"
if [ -x "$BUILD/testbench/badinput_hdtree" ]; then
  "$BUILD/testbench/badinput_hdtree" "$FIX/data" > "$FIX/log.txt" 2>&1 \
    || fixture_fail "data tree: $(cat "$FIX/log.txt")"
fi
# $FIX/ckpt: a finished 2-epoch training run (checkpoint, model, logs) of
# files/checkpoint/c.yaml, when that file is there (the checkpoint cases).
if [ -f "$BAD/files/checkpoint/c.yaml" ]; then
  (cd "$FIX" && "$AIMC" train "$BAD/files/checkpoint/c.yaml" --out "$FIX/ckpt") \
    > "$FIX/log.txt" 2>&1 || fixture_fail "aimc train: $(tail -5 "$FIX/log.txt")"
fi
rm -f "$FIX/log.txt"

# --- the cases ------------------------------------------------------------
# awk splits every case into a folder $WORK/c/NNNNN holding its fields, one
# file each (so empty fragments and tabs in commands survive); xargs runs
# BADINPUT_JOBS cases at a time (default: the number of CPUs) through
# `run.sh --case`, which leaves a one-line verdict; the summary then reads
# the verdicts in case order.
mkdir "$WORK/c"
for tsv in "$BAD"/*.tsv; do
  [ -e "$tsv" ] || continue
  awk -F'\t' -v base="$WORK/c" -v f="$(basename "$tsv" .tsv)" -v pat="$PATTERN" \
    -v n="$(ls "$WORK/c" | wc -l)" '
    function put(file, text) { printf "%s", text > (dir "/" file); close(dir "/" file) }
    /^[ \t]*#/ || /^[ \t]*$/ { next }
    { surface = f; sub(/\.pending$/, "", surface)
      if (NF >= 4 && pat != "" && (surface "/" $1) !~ pat) next
      dir = sprintf("%s/%05d", base, ++n); system("mkdir " dir)
      put("file", f); put("line", NR)
      if (NF < 4) { put("bad", "1"); next }
      cmd = $4; for (i = 5; i <= NF; i++) cmd = cmd "\t" $i
      put("name", $1); put("want", $2); put("frag", $3); put("cmd", cmd) }' "$tsv"
done
JOBS=${BADINPUT_JOBS:-$(nproc 2>/dev/null || echo 2)}
export LIMIT
ls "$WORK/c" | sed "s|^|$WORK/c/|" | xargs -r -n 1 -P "$JOBS" sh "$BAD/run.sh" --case

# One line per case, "file<TAB>verdict", in case order; awk prints the
# failures (with the first lines of their output) and the counts.
for d in "$WORK"/c/*; do
  printf '%s\t%s\t%s\n' "$(cat "$d/file")" "$(cat "$d/verdict" 2>/dev/null || echo "?: no verdict")" "$d"
done > "$WORK/verdicts"
awk -F'\t' '
  { file = $1; surface = file; pending = sub(/\.pending$/, "", surface)
    if (!(file in total)) order[++n] = file
    total[file]++; isp[file] = pending; sur[file] = surface
    if ($2 == "ok") { pass[file]++; next }
    printf "%s %s/%s\n", pending ? "PENDING" : "FAIL", surface, $2
    out = $3 "/out"; k = 0
    while (k < 6 && (getline line < out) > 0) { print "    | " line; k++ }
    close(out) }
  END {
    print "bad-inputs per surface:"
    for (i = 1; i <= n; i++) {
      f = order[i]; p = pass[f] + 0
      printf "  %-22s %4d cases %4d pass %4d fail%s\n", sur[f], total[f], p, total[f] - p, isp[f] ? " (pending)" : ""
      if (isp[f]) { pt += total[f]; pp += p } else { t += total[f]; tp += p }
    }
    printf "bad-inputs: %d cases, %d passed, %d failed; pending: %d cases (%d already pass)\n", t, tp, t - tp, pt, pp
    if (t == 0) { print "bad-inputs: no cases ran"; exit 1 }
    exit t != tp }' "$WORK/verdicts"
