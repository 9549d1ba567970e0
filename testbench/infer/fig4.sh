#!/bin/sh
# IMSSA Fig. 4 in shape: runs the sweep configs/sweeps/fig4.yaml (accuracy vs
# programming noise, 2-bit and 5-bit model, 5 seeds), tabulates it with
# standard errors and plots it with `aimc report`.
#   fig4.sh [OUT [MODEL_2BIT MODEL_5BIT]]      (from the repository root)
# FIG4_SPEC: another spec with the same axes (e.g. a copy with more base
# settings); OUT must then be another directory.
# OUT (default results/fig4) receives the sweep (results.csv, runs/, ...),
# fig4.csv (bits, sigma_uS, n, accuracy mean, std and standard error in %),
# report/ and fig4.svg / fig4.png (the accuracy-vs-sigma figure).
# Without models it uses the spec's: aimc train configs/train/zero_one.yaml
# and configs/train/zero_one_5bit.yaml. Running it again resumes the sweep.
set -eu
AIMC=${AIMC_BIN:-aimc}
SRC=${AIMC_SRC:-.}
OUT=${1:-results/fig4}
SPEC=${FIG4_SPEC:-$SRC/configs/sweeps/fig4.yaml}
mkdir -p "$OUT"
if [ $# -ge 3 ]; then
  # The same study on other checkpoints: the spec with its two model lines
  # replaced (the sweep refuses to mix it into a directory of another spec).
  sed -e "s|^  model\.2:.*|  model.2: $2|" -e "s|^  model\.5:.*|  model.5: $3|" \
    "$SPEC" > "$OUT/fig4_spec.yaml.tmp"
  if [ -e "$OUT/fig4_spec.yaml" ] && ! cmp -s "$OUT/fig4_spec.yaml.tmp" "$OUT/fig4_spec.yaml"; then
    rm "$OUT/fig4_spec.yaml.tmp"
    echo "fig4.sh: $OUT holds the study of other models; choose another OUT" >&2
    exit 2
  fi
  mv "$OUT/fig4_spec.yaml.tmp" "$OUT/fig4_spec.yaml"
  SPEC=$OUT/fig4_spec.yaml
fi
"$AIMC" sweep "$SPEC" -o "$OUT"

# Per point: n seeds, mean, sample std and standard error std/sqrt(n) of
# the accuracy, in %. Columns are found by name in the sweep's table.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  { n = $c["n_seeds"]; m = 100 * $c["accuracy_mean"]; s = n > 1 ? 100 * $c["accuracy_std"] : 0;
    printf "%d,%g,%d,%.4f,%.4f,%.4f\n", $c["bits"], $c["programming.sigma"] + 0, n, m, s, s / sqrt(n) }' \
  "$OUT/results.csv" | { echo "bits,sigma_uS,n,accuracy_mean_pct,accuracy_std_pct,accuracy_stderr_pct"; cat; } \
  > "$OUT/fig4.csv.tmp"
mv "$OUT/fig4.csv.tmp" "$OUT/fig4.csv"

"$AIMC" report "$OUT" -o "$OUT/report" --title "IMSSA Fig. 4: accuracy vs programming noise" \
  --sigma programming.sigma --bits bits > /dev/null
for ext in svg png; do cp "$OUT/report/fig_accuracy_sigma.$ext" "$OUT/fig4.$ext"; done
cat "$OUT/fig4.csv"
