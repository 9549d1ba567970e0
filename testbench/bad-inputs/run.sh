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
#   $FIX/data/          a small Heidelberg-Digits tree (FLAC tones)
# Environment: BADINPUT_TIMEOUT (seconds per case, default 20).
set -u
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
rm -f "$FIX/log.txt"

# --- the cases ------------------------------------------------------------
# awk turns each case into one record with fields joined by \037 (a
# separator `read` does not treat as white space, so an empty fragment
# stays a field); tabs inside the command are kept.
US=$(printf '\037')
total=0 passed=0 failed=0 pend_total=0 pend_passed=0
summary=""
for tsv in "$BAD"/*.tsv; do
  [ -e "$tsv" ] || continue
  file=$(basename "$tsv" .tsv)
  surface=${file%.pending}
  pending=0
  [ "$surface" != "$file" ] && pending=1
  s_total=0 s_pass=0 s_fail=0
  awk -F'\t' -v us="$US" -v f="$file" '
    /^[ \t]*#/ || /^[ \t]*$/ { next }
    NF < 4 { printf "BAD%s%d%s%s\n", us, NR, us, f; next }
    { cmd = $4; for (i = 5; i <= NF; i++) cmd = cmd "\t" $i
      printf "%s%s%s%s%s%s%s\n", $1, us, $2, us, $3, us, cmd }' "$tsv" \
    > "$WORK/cases"
  while IFS="$US" read -r name want frag cmd; do
    if [ "$name" = BAD ]; then
      echo "FAIL $file.tsv:$want: not 4 tab-separated fields"
      s_fail=$((s_fail + 1)); s_total=$((s_total + 1)); continue
    fi
    if [ -n "$PATTERN" ] && ! printf '%s\n' "$surface/$name" | grep -Eq -- "$PATTERN"; then
      continue
    fi
    s_total=$((s_total + 1))
    dir=$WORK/case
    rm -rf "$dir"; mkdir "$dir"
    (cd "$dir" && exec timeout -k 5 "$LIMIT" sh -c "$cmd") \
      > "$WORK/out" 2>&1 < /dev/null
    rc=$?
    why=""
    if [ $rc = 124 ] || [ $rc = 137 ]; then
      why="hang: no exit within ${LIMIT}s"
    elif [ $rc -ge 128 ]; then
      why="killed by signal $((rc - 128))"
    elif grep -Eq "ERROR: (Address|Leak)Sanitizer|runtime error:" "$WORK/out"; then
      why="sanitizer report"
    elif [ "$rc" != "$want" ]; then
      why="exit $rc, expected $want"
    elif [ -n "$frag" ] && ! grep -Fqi -- "$frag" "$WORK/out"; then
      why="output lacks '$frag'"
    fi
    if [ -z "$why" ]; then
      s_pass=$((s_pass + 1))
    else
      s_fail=$((s_fail + 1))
      tag=FAIL
      [ $pending = 1 ] && tag=PENDING
      echo "$tag $surface/$name: $why"
      sed -n '1,6s/^/    | /p' "$WORK/out"
    fi
  done < "$WORK/cases"
  [ $s_total = 0 ] && continue
  if [ $pending = 1 ]; then
    pend_total=$((pend_total + s_total)); pend_passed=$((pend_passed + s_pass))
    summary="$summary$(printf '  %-22s %4d cases %4d pass %4d fail (pending)' "$surface" "$s_total" "$s_pass" "$s_fail")
"
  else
    total=$((total + s_total)); passed=$((passed + s_pass)); failed=$((failed + s_fail))
    summary="$summary$(printf '  %-22s %4d cases %4d pass %4d fail' "$surface" "$s_total" "$s_pass" "$s_fail")
"
  fi
done
printf 'bad-inputs per surface:\n%s' "$summary"
echo "bad-inputs: $total cases, $passed passed, $failed failed;" \
  "pending: $pend_total cases ($pend_passed already pass)"
[ $total -gt 0 ] || { echo "bad-inputs: no cases ran"; exit 1; }
[ $failed = 0 ]
