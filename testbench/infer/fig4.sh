#!/bin/sh
# IMSSA Fig. 4 in shape: test accuracy on zero_one vs Gaussian programming
# noise sigma (0-20 uS) for a 2-bit and a 5-bit QAT model, several seeds
# (independent programmings) per point, mean +- std. Writes
# OUT/fig4_runs.csv (every run), OUT/fig4.csv (aggregated) and OUT/fig4.svg.
#   fig4.sh OUT MODEL_2BIT MODEL_5BIT [SEEDS] [SIGMAS_uS]
# FIG4_SET adds arch settings (see the head of the loop).
# Models missing? train them: aimc train configs/train/zero_one.yaml and
# configs/train/zero_one_5bit.yaml (their model.s4d).
set -eu
OUT=$1; M2=$2; M5=$3
SEEDS=${4:-"1 2 3 4 5"}
SIGMAS=${5:-"0 2.5 5 7.5 10 12.5 15 17.5 20"}
AIMC=${AIMC_BIN:-aimc}
SRC=${AIMC_SRC:-.}
DATA=${FIG4_DATA:-zero_one,downsample=2}
# Extra arch settings for every point, e.g. FIG4_SET="programming.exact_zeros=true"
SETS=""
for kv in ${FIG4_SET:-}; do SETS="$SETS --set $kv"; done
mkdir -p "$OUT"
echo "bits,sigma_uS,seed,accuracy" > "$OUT/fig4_runs.csv.tmp"
for pair in "2 $M2" "5 $M5"; do
  set -- $pair
  bits=$1; model=$2
  for s in $SIGMAS; do
    net="$OUT/net_b${bits}_s${s}.yaml"
    "$AIMC" map "$model" "$SRC/configs/arch/default.yaml" -o "$net" \
      --set programming.mode=gaussian --set "programming.sigma=${s}uS" $SETS > /dev/null
    for seed in $SEEDS; do
      acc=$(AIMC_NO_PROGRESS=1 "$AIMC" --seed "$seed" run "$net" --data "$DATA" \
              -o "$OUT/run_b${bits}_s${s}_${seed}" | sed -n 's/^accuracy *\([0-9.]*\) %.*/\1/p')
      echo "$bits,$s,$seed,$acc" >> "$OUT/fig4_runs.csv.tmp"
    done
  done
done
mv "$OUT/fig4_runs.csv.tmp" "$OUT/fig4_runs.csv"
# Mean and sample standard deviation per (bits, sigma).
awk -F, 'NR > 1 { k = $1 "," $2; n[k]++; s[k] += $4; q[k] += $4 * $4; order[k] = NR }
  END { print "bits,sigma_uS,mean_accuracy,std_accuracy,seeds";
        for (k in n) { m = s[k] / n[k]; v = n[k] > 1 ? (q[k] - n[k] * m * m) / (n[k] - 1) : 0;
                       if (v < 0) v = 0; printf "%s,%.4f,%.4f,%d\n", k, m, sqrt(v), n[k] } }' \
  "$OUT/fig4_runs.csv" | { IFS= read -r h; echo "$h"; sort -t, -k1,1n -k2,2g; } > "$OUT/fig4.csv"
# SVG: accuracy (%) vs sigma (uS), one line per bit width, error bars.
awk -F, 'BEGIN { W = 560; H = 380; L = 60; R = 20; T = 30; B = 50; pw = W - L - R; ph = H - T - B;
    print "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" W "\" height=\"" H "\" font-family=\"sans-serif\" font-size=\"12\">";
    print "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>";
    printf "<text x=\"%d\" y=\"18\" text-anchor=\"middle\">zero_one: accuracy vs programming noise (mean +- std over seeds)</text>\n", W / 2;
    for (i = 0; i <= 4; i++) { y = T + ph - i * ph / 4; v = 50 + i * 12.5;
      printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", L, y, L + pw, y, L - 6, y + 4, v }
    for (i = 0; i <= 4; i++) { x = L + i * pw / 4;
      printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", x, T + ph + 18, i * 5 }
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">programming noise sigma (uS)</text>\n", L + pw / 2, H - 8;
    printf "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">test accuracy (%%)</text>\n", T + ph / 2, T + ph / 2;
    col["2"] = "#1f77b4"; col["5"] = "#d62728" }
  function X(s) { return L + s / 20 * pw } function Y(a) { if (a < 50) a = 50; return T + ph - (a - 50) / 50 * ph }
  NR > 1 { b = $1; pts[b] = pts[b] sprintf("%.1f,%.1f ", X($2), Y($3));
    printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", X($2), Y($3 - $4), X($2), Y($3 + $4), col[b];
    printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", X($2), Y($3), col[b] }
  END { n = 0; for (b in pts) { printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>\n", col[b], pts[b];
          printf "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s-bit model</text>\n", L + pw - 90, T + 20 + 16 * n++, col[b], b }
        print "</svg>" }' "$OUT/fig4.csv" > "$OUT/fig4.svg"
cat "$OUT/fig4.csv"
