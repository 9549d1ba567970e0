#!/bin/sh
# Slow test: trains the 2-bit and 5-bit zero_one models, runs the Fig. 4
# study (fig4.sh) with the structural zeros unpulsed and checks IMSSA's
# shape: at 15 uS the 2-bit model is more accurate than the 5-bit one
# (measured 91 +- 6 vs 70 +- 12 % over 5 seeds: ~3.7 standard errors of
# the difference of the means).
set -eu
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$AIMC_BIN" train configs/train/zero_one.yaml --out "$T/m2" > /dev/null
"$AIMC_BIN" train configs/train/zero_one_5bit.yaml --out "$T/m5" > /dev/null
FIG4_SET=programming.exact_zeros=true sh "$(dirname "$0")/fig4.sh" "$T/fig4" \
  "$T/m2/model.s4d" "$T/m5/model.s4d"
test -s "$T/fig4/fig4.svg"
awk -F, '$2 == 15 { m[$1] = $3 } END { if (!(m[2] > m[5])) { print "FAIL: 2-bit not above 5-bit at 15 uS"; exit 1 } }' \
  "$T/fig4/fig4.csv"
echo "fig4: ok"
