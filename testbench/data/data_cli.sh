#!/bin/sh
# aimc data end to end: usage errors exit 2, a small generated set is the
# same for one seed across processes and different for another, never
# overwritten, and stats/show/baseline work on it; bad paths name the file.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
A="$AIMC_BIN"

"$A" data --help | grep -q "usage: aimc data digits" || fail "--help"
"$A" data stats --help | grep -q -- "--n_mels" || fail "stats --help lists options"
"$A" data 2>/dev/null; [ $? -eq 2 ] || fail "no subcommand"
"$A" data frob 2>/dev/null; [ $? -eq 2 ] || fail "unknown subcommand"
"$A" data stats --bogus 1 2>"$T/err"; [ $? -eq 2 ] || fail "unknown option"
grep -q "unknown option --bogus" "$T/err" || fail "unknown option message"
"$A" data stats --n-mels 0 2>"$T/err"; [ $? -eq 2 ] || fail "n_mels range"
grep -q "n_mels" "$T/err" || fail "n_mels message"
"$A" data digits --trials x 2>/dev/null; [ $? -eq 2 ] || fail "--trials x"
"$A" data digits --reverb 1.5 2>/dev/null; [ $? -eq 2 ] || fail "--reverb 1.5"
"$A" data digits --rt60 0.5:0.1 2>/dev/null; [ $? -eq 2 ] || fail "--rt60 0.5:0.1"

small="--speakers 3 --test-speakers 1 --trials 1"
"$A" data digits --out "$T/a" $small >/dev/null || fail "generate a"
"$A" data digits --out "$T/b" $small >/dev/null || fail "generate b"
"$A" --seed 2 data digits --out "$T/c" $small >/dev/null || fail "generate c"
[ "$(wc -l < "$T/a/train_filenames.txt")" -eq 40 ] || fail "train list"
[ "$(wc -l < "$T/a/test_filenames.txt")" -eq 20 ] || fail "test list"
(cd "$T/a/audio" && md5sum *) > "$T/a.md5"
(cd "$T/b/audio" && md5sum *) > "$T/b.md5"
(cd "$T/c/audio" && md5sum *) > "$T/c.md5"
cmp -s "$T/a.md5" "$T/b.md5" || fail "same seed gave different audio"
cmp -s "$T/a.md5" "$T/c.md5" && fail "another seed gave the same audio"
"$A" data digits --out "$T/a" $small 2>"$T/err"; [ $? -eq 2 ] || fail "overwrite"
grep -q "already holds a data set" "$T/err" || fail "overwrite message"
"$A" data digits --out "$T/a" $small --if-missing >/dev/null 2>"$T/err" || fail "--if-missing"
(cd "$T/a/audio" && md5sum *) | cmp -s - "$T/a.md5" || fail "--if-missing touched files"
[ "$(head -n 1 "$T/a/generator.txt")" = "aimc-digits 2" ] || fail "generator.txt"
grep -q "^seed 1$" "$T/a/generator.txt" || fail "generator.txt seed"
grep -q "earlier generator" "$T/err" && fail "current tree called earlier"
# A tree of the earlier generator (no generator.txt) is kept, with a warning.
mv "$T/b/generator.txt" "$T/b/gen.bak"
"$A" data digits --out "$T/b" $small --if-missing >/dev/null 2>"$T/err" || fail "--if-missing old"
grep -q "made by an earlier generator" "$T/err" || fail "earlier generator warning"
mv "$T/b/gen.bak" "$T/b/generator.txt"

"$A" data stats --dir "$T/a" --task digits20 > "$T/out" 2>/dev/null || fail "stats"
grep -q "samples 60, length" "$T/out" || fail "stats samples"
grep -q "^neun " "$T/out" || fail "stats classes"
# Speaker-disjoint validation: of the 2 training speakers 1 validates.
grep -Eq "^\(speakers\) +1 +1 +1$" "$T/out" || fail "stats speakers per split"
"$A" data stats --dir "$T/a" --val-speakers 2 2>"$T/err"; [ $? -eq 2 ] || fail "too few speakers"
grep -q "2 training speakers found" "$T/err" || fail "too few speakers: found"
grep -q "needs at least 3" "$T/err" || fail "too few speakers: needed"
"$A" data show --dir "$T/a" --task zero_one --split test --out "$T/s.png" \
  >/dev/null 2>&1 || fail "show"
[ "$(head -c 4 "$T/s.png" | tail -c 3)" = "PNG" ] || fail "PNG signature"
"$A" data show --dir "$T/a" 2>/dev/null; [ $? -eq 2 ] || fail "show without --out"
"$A" data baseline --dir "$T/a" --task zero_one 2>/dev/null | grep -q "test  accuracy" \
  || fail "baseline"

"$A" data stats --dir "$T/none" 2>"$T/err"; [ $? -eq 2 ] || fail "missing dir"
grep -q "$T/none/train_filenames.txt" "$T/err" || fail "missing dir message"
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  "$A" data stats --task fmnist_rows --max-per-split 100 2>/dev/null \
    | grep -q "samples 70000, length 28 steps, 28 features, 10 classes" \
    || fail "fmnist stats"
fi
echo ok
