#!/bin/sh
# Builds the libFuzzer targets in BUILD/fuzz (clang, ASan + UBSan, coverage
# of the whole library), replays the saved findings under
# testbench/fuzz/regressions/<target>/ (each must now run clean), then
# fuzzes every target for FUZZ_SECONDS (default 60) from seeds made of the
# repository's examples, keeping the corpus in BUILD/fuzz/corpus between
# runs. Prints executions, corpus size and findings per target; exits 1 on
# any finding (saved as BUILD/fuzz/findings/<target>-crash-*: copy it into
# regressions/<target>/ once fixed), 77 without clang.
# usage: run.sh SRC_DIR BUILD_DIR [TARGET...]
set -u
SRC=$(cd "$1" && pwd)
BUILD=$(cd "$2" && pwd)
shift 2
SECS=${FUZZ_SECONDS:-60}
CC=$(command -v clang-14 || command -v clang || true)
CXX=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$CC" ] || [ -z "$CXX" ]; then echo "fuzz: no clang found: skipped"; exit 77; fi
TARGETS=${*:-units yaml netlist model checkpoint programming audio idx calibration mapped layout}
F=$BUILD/fuzz
cmake -S "$SRC" -B "$F" -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DAIMC_FUZZ=ON -DAIMC_SANITIZE=address,undefined -DAIMC_MPI=OFF \
  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link \
  > "$F.configure.log" 2>&1 || { cat "$F.configure.log"; exit 1; }
for t in $TARGETS; do
  cmake --build "$F" -j"$(nproc)" --target "fuzz_$t" > "$F.build.log" 2>&1 \
    || { tail -30 "$F.build.log"; exit 1; }
done
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS="suppressions=$SRC/testbench/lsan.supp"
export AIMC_NO_PROGRESS=1 OPENBLAS_NUM_THREADS=1

# Seeds: the examples of the repository, and valid binary files.
S=$F/seeds
rm -rf "$S"
for t in $TARGETS; do mkdir -p "$S/$t" "$F/corpus/$t" "$F/findings"; done
i=0
for y in "$SRC"/configs/*/*.yaml; do i=$((i + 1)); cp "$y" "$S/yaml/$i.yaml" 2>/dev/null; done
for y in "$SRC"/netlists/*.yaml "$SRC"/netlists/*/*.yaml; do
  [ -f "$y" ] && cp "$y" "$S/netlist/$(basename "$y")" 2>/dev/null
done
if [ -d "$S/units" ]; then
  i=0
  grep -ohE ':[[:space:]]*[-+]?[0-9][0-9.eE+-]*[[:space:]]?[a-zA-Z]*[[:space:]]*$' \
    "$SRC"/configs/*/*.yaml "$SRC"/netlists/*.yaml | sed 's/^:[[:space:]]*//' | sort -u |
    while read -r v; do i=$((i + 1)); printf '%s' "$v" > "$S/units/$i"; done
fi
FIXM=$F/seed-model.s4d
"$BUILD/testbench/infer_fixture_model" "$FIXM" 28 10 8 4 1 2 5 > /dev/null 2>&1 \
  || { echo "fuzz: needs $BUILD/testbench/infer_fixture_model (build the tree first)"; exit 1; }
export FUZZ_MODEL=$FIXM FUZZ_ARCH=$SRC/configs/arch/default.yaml
[ -d "$S/model" ] && cp "$FIXM" "$S/model/model.s4d"
# The seed writers exit from inside the target, which libFuzzer reports as
# a crash: keep its artifact out of the source tree.
seed() { # TARGET PATH
  (cd "$F" && FUZZ_WRITE_SEED=$2 "$F/testbench/fuzz_$1" -artifact_prefix="$F/seedrun-" \
    > /dev/null 2>&1)
  [ -s "$2" ] || { echo "fuzz: could not write the $1 seed"; exit 1; }
}
[ -d "$S/checkpoint" ] && seed checkpoint "$S/checkpoint/ckpt"
[ -d "$S/programming" ] && seed programming "$S/programming/prog.bin"
if [ -d "$S/mapped" ]; then # the netlist only: its arrays folder is the target's own
  mkdir -p "$F/mapped-seed" && seed mapped "$F/mapped-seed/net.yaml" &&
    cp "$F/mapped-seed/net.yaml" "$S/mapped/net.yaml"
fi
if [ -d "$S/calibration" ]; then # a dac, tia and adc of 6 channels, as aimc map writes them
  { echo "part,channel,range,bits"
    for p in dac tia adc; do for c in 0 1 2 3 4 5; do echo "$p,$c,1.5,$c"; done; done
  } > "$S/calibration/cal.csv"
fi
if [ -d "$S/layout" ]; then # two slots of a 8 x 8 array, pairs along columns
  printf '%s\n' '{"rows":8,"cols":8,"pair":"cols","span_S":9.5e-05,"exact_zeros":true,"slots":[{"row0":0,"col0":0,"n_in":3,"n_out":2,"row_gain":[1,0.5,0.25],"col_gain":[2,3],"values":["101","011"],"w":[0.5,0,-0.25,0,0.125,1]},{"row0":3,"col0":2,"n_in":2,"n_out":2,"row_gain":[1,1],"col_gain":[1,1],"values":["11","10"],"w":[1,-1,0.5,0]}]}' \
    > "$S/layout/layout.json"
fi
if [ -d "$S/audio" ]; then
  sh "$SRC/testbench/bad-inputs/files/data/mkwav.sh" "$S/audio/a.wav" 400
  sh "$SRC/testbench/bad-inputs/files/data/mkwav.sh" "$S/audio/b.wav" 300 8000 2
  if [ -x "$BUILD/testbench/badinput_hdtree" ]; then
    "$BUILD/testbench/badinput_hdtree" "$F/hd" > /dev/null 2>&1
    cp "$F"/hd/audio/lang-english_speaker-00_trial-0_digit-0.flac "$S/audio/c.flac"
  fi
fi
if [ -d "$S/idx" ]; then
  sh "$SRC/testbench/bad-inputs/files/data/mkidx.sh" "$F/idx" 2 1
  k=0
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    { printf "\\$(printf %03o $k)"; cat "$F/idx/$f.gz"; } > "$S/idx/$k"
    { printf "\\$(printf %03o $k)"; gzip -nc "$F/idx/$f.gz"; } > "$S/idx/$k.gz"
    k=$((k + 1))
  done
fi

status=0
printf '%-12s %12s %8s %8s  %s\n' target executions corpus seconds result
for t in $TARGETS; do
  bin=$F/testbench/fuzz_$t
  reg=$SRC/testbench/fuzz/regressions/$t
  if [ -d "$reg" ] && [ -n "$(ls "$reg")" ]; then
    if ! "$bin" "$reg"/* > "$F/$t.regressions.log" 2>&1; then
      echo "fuzz: $t: a saved finding fails again:"; tail -20 "$F/$t.regressions.log"; status=1
    fi
  fi
  "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$F/findings/$t-" \
    "$F/corpus/$t" "$S/$t" > "$F/$t.log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$F/$t.log" | tail -1)
  corpus=$(ls "$F/corpus/$t" | wc -l)
  result=ok
  if [ $rc != 0 ]; then
    result="FINDING: $(grep -m1 -E 'ERROR|runtime error|==[0-9]+==' "$F/$t.log" | cut -c1-100)"
    status=1
  fi
  printf '%-12s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "$corpus" "$SECS" "$result"
done
[ $status = 0 ] || echo "fuzz: findings under $F/findings (logs $F/<target>.log)"
exit $status
