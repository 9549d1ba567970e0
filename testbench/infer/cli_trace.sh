#!/bin/sh
# End-to-end: `aimc run --trace` writes the events of the traced sequence's
# batch: a VCD (FILE.vcd) with one wire per stage and layer, or CSV rows.
# The VCD is well formed (header, declarations, strictly increasing time
# stamps ending at the simulated time of one inference), each layer's DAC
# stage rises once per read (len + 1 in the single form: the output lags
# one read), the stages of a read come in order, and both kernels write
# byte-identical files. A failed run keeps an earlier trace. $1: the
# fixture_model tool.
. "$(dirname "$0")/e2e_common.sh"
DATA=fmnist_rows,max_per_split=20
LEN=28
"$FIX" "$T/m.s4d" 28 10 8 4 2 2 5
"$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" -o "$T/net.yaml" > /dev/null
run() { out=$1; shift; "$AIMC_BIN" run "$T/net.yaml" --data $DATA -o "$T/$out" "$@" > /dev/null 2>&1 || fail "run $out"; }
run n --trace "$T/n.vcd" --trace-sample 3
run s --trace "$T/s.vcd" --trace-sample 3 --kernel systemc
cmp "$T/n.vcd" "$T/s.vcd" || fail "native and systemc VCDs differ"
v=$T/n.vcd
grep -q '^\$timescale 1 fs \$end$' "$v" || fail "no 1 fs timescale"
grep -q '^\$enddefinitions \$end$' "$v" || fail "no \$enddefinitions"
# Time stamps strictly increase; the last is the simulated time of one
# inference (results.json t_sim_s, in fs).
t_sim=$(json n t_sim_s)
awk -v want="$t_sim" '/^#/ { t = substr($0, 2) + 0; if (n++ && t <= last) bad = 1; last = t }
  END { exit !(n > 10 && !bad && (last - want * 1e15) ^ 2 < 1) }' "$v" \
  || fail "time stamps not increasing or last != t_sim ($t_sim s)"
# id of wire NAME in scope layerL
id() { awk -v s="layer$1" -v n="$2" '$1 == "$scope" { sc = $3 } $1 == "$upscope" { sc = "" }
  $1 == "$var" && sc == s && $5 == n { print $4 }' "$v"; }
for l in 0 1; do
  for st in dac array tia adc reg periph; do [ -n "$(id $l $st)" ] || fail "no layer$l.$st wire"; done
  dac=$(id $l dac)
  rises=$(awk -v w="1$dac" '/^\$enddefinitions/ { on = 1 } on && $0 == w { n++ } END { print n + 0 }' "$v")
  [ "$rises" = $((LEN + 1)) ] || fail "layer$l dac rose $rises times, want $((LEN + 1))"
done
# Within a read, the stages rise in order dac, array, tia, adc, reg, periph.
order=$(awk -v ids="$(for st in dac array tia adc reg periph; do printf '%s ' "$(id 0 $st)"; done)" '
  BEGIN { n = split(ids, w, " "); for (i = 1; i <= n; i++) pos["1" w[i]] = i }
  /^\$enddefinitions/ { on = 1 } on && ($0 in pos) { printf "%d", pos[$0] }' "$v" | cut -c1-12)
[ "$order" = 123456123456 ] || fail "layer0 stages rise as $order"
# CSV: one row per event, the same events.
run c --trace "$T/c.csv" --trace-sample 3
[ "$(head -1 "$T/c.csv")" = "time_fs,event,layer,step" ] || fail "CSV header"
[ "$(grep -c ',dac,0,' "$T/c.csv")" = $((LEN + 1)) ] || fail "CSV dac rows of layer 0"
# A failed run (a misspelt --set) keeps the earlier trace.
cp "$T/n.vcd" "$T/keep.vcd"
if "$AIMC_BIN" run "$T/net.yaml" --data $DATA -o "$T/bad" --trace "$T/n.vcd" \
    --set nonideal.read_nois=true > /dev/null 2>&1; then fail "bad --set accepted"; fi
cmp "$T/n.vcd" "$T/keep.vcd" || fail "a failed run changed the earlier trace"
echo "cli_trace: ok"
