#!/bin/sh
# aimc sim --input: one inference of a mapped netlist, event by event, from
# a features CSV (one step per line): it prints the logits, the predicted
# class, the simulated time and the energy per instance, writes them as
# JSON with --json, and refuses bad input at file:line:col (exit 2).
# The same logits as aimc run on one sequence, bit for bit, ideal and
# noisy: test_infer_two_analyses (C, through aimc_cli_sim_input). TODO:
# --input from a data set's sample k (under way). $1: fixture_model.
. "$(dirname "$0")/e2e_common.sh"
"$FIX" "$T/m.s4d" 28 10 8 4 2 2 5
(cd "$T" && "$AIMC_BIN" map m.s4d "$AIMC_SRC/configs/arch/default.yaml" -o net/net.yaml > /dev/null)
N=$T/net/net.yaml
awk 'BEGIN { for (t = 0; t < 5; t++) { for (c = 0; c < 28; c++)
  printf "%s%.3f", (c ? "," : ""), ((t * 28 + c) % 17 - 8) / 8; print "" } }' > "$T/in.csv"
"$AIMC_BIN" sim "$N" --input "$T/in.csv" --json "$T/out.json" > "$T/sim.log" 2>&1 \
  || fail "aimc sim --input: $(cat "$T/sim.log")"
grep -q "^inference 5 steps, .* simulated" "$T/sim.log" || fail "no summary: $(cat "$T/sim.log")"
grep -q "^predicted class [0-9]$" "$T/sim.log" || fail "no class: $(cat "$T/sim.log")"
[ "$(grep '^logits' "$T/sim.log" | wc -w)" = 11 ] || fail "not 10 logits: $(grep '^logits' "$T/sim.log")"
grep -q "^  decoder " "$T/sim.log" || fail "no decoder energy: $(cat "$T/sim.log")"
grep -q '"schema":.*"aimc.sim/1"' "$T/out.json" || fail "json: $(cat "$T/out.json")"
grep -q '"l0_ssm_0.xbar":' "$T/out.json" || fail "json energy per instance: $(cat "$T/out.json")"
# The same input, the same answer (the seed is the run's).
"$AIMC_BIN" sim "$N" --input "$T/in.csv" > "$T/again.log" 2>&1 || fail "again"
cmp -s "$T/sim.log" "$T/again.log" || fail "two runs differ"

# refused WANT ARGS...: exit 2 naming WANT.
refused() {
  want=$1; shift
  set +e; "$AIMC_BIN" sim "$@" > "$T/bad.log" 2>&1; rc=$?; set -e
  [ $rc = 2 ] || fail "sim $*: exit $rc, want 2: $(cat "$T/bad.log")"
  grep -q -- "$want" "$T/bad.log" || fail "sim $*: no '$want' in: $(cat "$T/bad.log")"
}
sed '2s/^[^,]*,/nan,/' "$T/in.csv" > "$T/nan.csv"
refused "nan.csv:2:1: feature 1 is nan (not finite)" "$N" --input "$T/nan.csv"
sed '3s/,[^,]*$//' "$T/in.csv" > "$T/short.csv"
refused "short.csv:3:[0-9]*: 27 features in the line, the netlist's features net has 28" "$N" --input "$T/short.csv"
sed '4s/$/,1/' "$T/in.csv" > "$T/long.csv"
refused "long.csv:4:[0-9]*: more than 28 features" "$N" --input "$T/long.csv"
sed '1s/^[^,]*,/x,/' "$T/in.csv" > "$T/word.csv"
refused "word.csv:1:1: feature 1 is not a number" "$N" --input "$T/word.csv"
: > "$T/empty.csv"
refused "empty.csv: no time step" "$N" --input "$T/empty.csv"
refused "cannot open" "$N" --input "$T/nowhere.csv"
refused "no net 'features': aimc sim --input runs a netlist written by 'aimc map'" \
  "$AIMC_SRC/netlists/00_source_probe.yaml" --input "$T/in.csv"
sed 's/^  features: {connect: \[encoder.in\], external: true}/  feats: {connect: [encoder.in], external: true}/' "$N" > "$T/net/renamed.yaml"
refused "renamed.yaml: no net 'features'" "$T/net/renamed.yaml" --input "$T/in.csv"
refused "--json needs --input" "$N" --json "$T/x.json"
echo "cli_sim_input: ok"
