#!/bin/sh
# Slow test: trains the 2-bit and 5-bit zero_one models, runs the Fig. 4
# study (fig4.sh: sweep, fig4.csv, plot) and checks IMSSA's shape with
# margins of the seeds' standard errors (fig4.csv):
#  1. from sigma 0 to 15 uS the 5-bit model loses more accuracy than the
#     2-bit one, by more than K standard errors of that difference;
#  2. the 5-bit model really degrades: its accuracy at 20 uS is more than
#     K standard errors below its accuracy at 0.
# K = 2.262, the two-sided 95 % quantile of Student's t with n - 1 = 9
# degrees of freedom (10 seeds per point; the test checks n). The sigma = 0
# points have no spread (every seed sees the same test set, no noise), so
# the standard errors are those of the noisy points. Measured on the
# corpus of issue #15 (48 speakers, 12 held out): (1) 15.8 points vs
# K x 6.3, (2) 34.7 vs K x 4.7. With 5 seeds it was 19.6 vs 2.776 x 8.8:
# the effect is weaker on this corpus than on the first one (30.9 vs
# 2.776 x 9.0), so the sweep has 10 programmings per point.
set -eu
# It trains on the spoken digits: without them it is skipped (exit 77),
# saying where it looked.
DIGITS=${AIMC_DATA:-data}/digits
if [ ! -f "$DIGITS/train_filenames.txt" ]; then
  echo "infer_fig4: skipped: no spoken digits in $DIGITS (make them with" \
    "'aimc data digits --out $DIGITS', or set AIMC_DATA to the folder that holds digits/)"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# IMSSA's comparison: plain QAT (the configs train noise-aware).
"$AIMC_BIN" train configs/train/zero_one.yaml --set noise.sigma=0 --out "$T/m2" > /dev/null
"$AIMC_BIN" train configs/train/zero_one_5bit.yaml --set noise.sigma=0 --out "$T/m5" > /dev/null
sh "$(dirname "$0")/fig4.sh" "$T/fig4" "$T/m2/model.s4d" "$T/m5/model.s4d"
test -s "$T/fig4/fig4.svg" && test -s "$T/fig4/fig4.png"
awk -F, -v K=2.262 'NR > 1 { m[$1, $2] = $4; se[$1, $2] = $6; if ($3 != 10) bad = 1 }
  END {
    if (bad) { print "FAIL: expected 10 seeds per point"; exit 1 }
    loss2 = m[2, 0] - m[2, 15]; loss5 = m[5, 0] - m[5, 15]
    d = loss5 - loss2; sd = sqrt(se[2, 15] ^ 2 + se[5, 15] ^ 2)
    printf "loss 0 -> 15 uS: 2-bit %.1f, 5-bit %.1f points (difference %.1f, se %.1f)\n", loss2, loss5, d, sd
    if (!(d > K * sd)) { print "FAIL: the 5-bit model does not lose clearly more than the 2-bit one"; exit 1 }
    drop = m[5, 0] - m[5, 20]
    printf "5-bit 0 -> 20 uS: -%.1f points (se %.1f)\n", drop, se[5, 20]
    if (!(drop > K * se[5, 20])) { print "FAIL: the 5-bit model does not degrade by 20 uS"; exit 1 }
  }' "$T/fig4/fig4.csv"
echo "fig4: ok"
