# aimc sim --sample K: the features of sample K of the chosen data, as
# aimc run feeds them (the same steps, the same sample order), with the
# noise streams aimc run gives that sample: a different sample gives other
# logits, the same one the same; bad choices exit 2 naming what is wrong.
# $1: fixture_model.
. "$(dirname "$0")/e2e_common.sh"
"$FIX" "$T/m.s4d" 28 10 8 4 2 2 5
(cd "$T" && "$AIMC_BIN" map m.s4d "$AIMC_SRC/configs/arch/default.yaml" -o net/net.yaml > /dev/null)
N=$T/net/net.yaml
D=fmnist_rows,max_per_split=4
sim() { "$AIMC_BIN" sim "$N" --data "$D" "$@" 2> "$T/err.log"; }
sim --sample 1 --json "$T/s1.json" > "$T/s1.log" || fail "sim --sample 1: $(cat "$T/err.log")"
grep -q "^inference 28 steps" "$T/s1.log" || fail "not the data's 28 steps: $(cat "$T/s1.log")"
grep -q "\"input\":[[:space:]]*\"sample 1 of test\"" "$T/s1.json" || fail "json input: $(cat "$T/s1.json")"
sim --sample 1 > "$T/again.log" || fail "again"
cmp -s "$T/s1.log" "$T/again.log" || fail "sample 1 twice differs"
sim --sample 2 > "$T/s2.log" || fail "sim --sample 2"
[ "$(grep '^logits' "$T/s1.log")" != "$(grep '^logits' "$T/s2.log")" ] \
  || fail "samples 1 and 2 give the same logits"
sim --sample 0 --split val > "$T/v0.log" || fail "--split val"

# Two analyses of sample 2 of a noisy chip (write-verify with stuck cells,
# read noise, drift, ADC noise) at one seed: aimc run's batch (its lane 2)
# and aimc sim's event path give the same logits, bit for bit.
sed -e 's/^  mode: ideal /  mode: write_verify /' -e 's/^  adc_noise_lsb: 0$/  adc_noise_lsb: 0.5/' \
    -e 's/^  read_noise: false/  read_noise: true/' -e 's/^  drift: false/  drift: true/' \
    -e 's/^  read_noise: ""/  read_noise: 0.02/' -e 's/^  p_stuck_min: ""/  p_stuck_min: 0.01/' \
    "$AIMC_SRC/configs/arch/default.yaml" > "$T/noisy.yaml"
[ "$(grep -c '^  mode: write_verify\|^  drift: true\|^  read_noise: 0.02' "$T/noisy.yaml")" = 3 ] \
  || fail "the noisy arch's edits did not apply"
(cd "$T" && "$AIMC_BIN" map m.s4d noisy.yaml -o noisy/net.yaml > /dev/null)
"$AIMC_BIN" --seed 5 run "$T/noisy/net.yaml" --data "$D" --logits -o "$T/nrun" > /dev/null 2>&1 \
  || fail "aimc run on the noisy chip"
"$AIMC_BIN" --seed 5 sim "$T/noisy/net.yaml" --data "$D" --sample 2 > "$T/n2.log" 2>&1 \
  || fail "aimc sim on the noisy chip: $(cat "$T/n2.log")"
ev=$(sed -n 's/^logits *//p' "$T/n2.log" | tr -s ' ' ',')
run=$(awk -F, 'NR == 4 { for (i = 5; i <= NF; i++) printf "%s%s", (i > 5 ? "," : ""), $i }' \
  "$T/nrun/predictions.csv")
[ -n "$ev" ] && [ "$ev" = "$run" ] || fail "sample 2: sim logits $ev, run logits $run"

# refused WANT ARGS...: exit 2 naming WANT.
refused() {
  want=$1; shift
  set +e; "$AIMC_BIN" sim "$N" "$@" > "$T/bad.log" 2>&1; rc=$?; set -e
  [ $rc = 2 ] || fail "sim $*: exit $rc, want 2: $(cat "$T/bad.log")"
  grep -q -- "$want" "$T/bad.log" || fail "sim $*: no '$want' in: $(cat "$T/bad.log")"
}
refused "the split has 4 samples" --data "$D" --sample 4
refused "one of them" --sample 0 --input "$T/x.csv"
refused "choose the sample" --data "$D"
refused "takes test, val or train" --sample 0 --split all
refused "non-negative integer" --sample -1
refused "features per step" --data fmnist_pixels,max_per_split=4 --sample 0
echo "sim --sample: ok"
