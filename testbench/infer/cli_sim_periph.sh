#!/bin/sh
# aimc sim on a netlist made by aimc map: the periphery instances read
# their tensors at init from the model their `model` param names
# (relative to the netlist, so from any directory), and the encoder,
# driven by a source, computes and books its op_cost. A model of another
# shape, a missing one or none is refused at the instance (exit 2); aimc
# check refuses a model on an op without a tensor; aimc run refuses a
# `model` naming another file than the netlist's meta model. $1: the
# fixture_model tool.
. "$(dirname "$0")/e2e_common.sh"
"$FIX" "$T/m.s4d" 28 10 8 4 2 2 5
"$FIX" "$T/other.s4d" 20 10 8 4 2 2 5
mkdir "$T/net"
(cd "$T" && "$AIMC_BIN" map m.s4d "$AIMC_SRC/configs/arch/default.yaml" -o net/net.yaml > /dev/null)
N=$T/net/net.yaml
grep -q "^  encoder: {model: s4d_digital, params: {op: dense, .* model: \"\.\./m\.s4d\"," "$N" \
  || fail "the encoder does not name ../m.s4d: $(grep '^  encoder:' "$N")"
grep -q "^  l0_gelu: {model: s4d_digital, params: {.* model: \"\"," "$N" \
  || fail "l0_gelu (no tensor) names a model: $(grep '^  l0_gelu:' "$N")"
(cd / && "$AIMC_BIN" sim "$N" > "$T/sim.log" 2>&1) || fail "aimc sim of the mapped netlist: $(cat "$T/sim.log")"
# Undriven, nothing happens, and aimc sim says why and what runs it: the
# mapped graph is closed, so its one outside net is the network's input.
grep -q "nothing drives the 2 nets that come from outside (features, seq_end);.*'aimc run' simulates" \
  "$T/sim.log" || fail "no hint for the undriven mapped design: $(cat "$T/sim.log")"

# The encoder driven: 28 words in, its 8 words out after t_op, 8 x 28
# MACs at e_mac and 8 bias adds at e_op (100 fJ each): 23.2 pJ, 448 ops.
V=$(seq 1 28 | awk '{printf "%s%.1f", (NR > 1 ? " " : ""), ($1 - 14) / 10}')
sed -e "s|^  features: {connect: \[encoder.in\], external: true}|  features: {connect: [src.out, encoder.in]}|" \
    -e "s|^  l0_in: {connect: \[encoder.out, |  l0_in: {connect: [encoder.out, seen.in, |" \
    -e "s|^instances:|instances:\n  src: {model: source, params: {n: 28, values: \"$V\"}}\n  seen: {model: probe, params: {n: 8}}|" \
    "$N" > "$T/net/driven.yaml"
# The graph is closed (docs/mapping.md, section 9): the encoder's words
# go on through the wiring into the tiles, so the encoder alone is what
# has happened by its output, t_op = 1 ns.
"$AIMC_BIN" sim "$T/net/driven.yaml" --until 1ns > "$T/driven.log" 2>&1 || fail "driven: $(cat "$T/driven.log")"
grep -q "probe seen: 1 vector of 8" "$T/driven.log" || fail "no encoder output: $(cat "$T/driven.log")"
grep -q "^  digital *23.2pJ" "$T/driven.log" || fail "encoder energy: $(cat "$T/driven.log")"
grep -q "448 ops" "$T/driven.log" || fail "encoder ops: $(cat "$T/driven.log")"
# Without --until the step runs on through the gathers, the tiles' DACs,
# arrays and ADCs and the first layer's periphery.
"$AIMC_BIN" sim "$T/net/driven.yaml" > "$T/step.log" 2>&1 || fail "driven step: $(cat "$T/step.log")"
grep -q "^  array " "$T/step.log" || fail "the encoder's words did not reach the arrays: $(cat "$T/step.log")"

# cmd edit want: exit 2 with `want` in the message.
refused() {
  cmd=$1 edit=$2 want=$3
  sed "$edit" "$N" > "$T/net/bad.yaml"
  ! cmp -s "$N" "$T/net/bad.yaml" || fail "$edit changed nothing"
  set +e
  if [ "$cmd" = run ]; then
    (cd / && "$AIMC_BIN" run "$T/net/bad.yaml" --data fmnist_rows,max_per_split=4 -o "$T/r" \
      > "$T/bad.log" 2>&1)
  else
    "$AIMC_BIN" "$cmd" "$T/net/bad.yaml" > "$T/bad.log" 2>&1
  fi
  rc=$?
  set -e
  [ $rc = 2 ] || fail "$cmd after $edit: exit $rc, want 2: $(cat "$T/bad.log")"
  grep -q "$want" "$T/bad.log" || fail "$cmd after $edit: no '$want' in: $(cat "$T/bad.log")"
}
refused sim '/^  encoder:/s|model: "\.\./m\.s4d"|model: "../other.s4d"|' "bad.yaml:[0-9]*:[0-9]*: instance encoder (s4d_digital): init: model .*other.s4d: .*8 x 20"
refused sim '/^  encoder:/s|model: "\.\./m\.s4d"|model: "../nowhere.s4d"|' "bad.yaml:[0-9]*:[0-9]*: instance encoder .*nowhere.s4d"
refused sim '/^  encoder:/s|model: "\.\./m\.s4d"|model: ""|' "instance encoder .*set model to its file"
refused check '/^  l0_gelu:/s|model: "",|model: "../m.s4d",|' "bad.yaml:[0-9]*:[0-9]*: instance 'l0_gelu' .*reads no tensor"
refused run '/^  encoder:/s|model: "\.\./m\.s4d"|model: "../other.s4d"|' "bad.yaml:[0-9]*:[0-9]*: encoder: model '../other.s4d' is not the netlist's model"
echo "cli_sim_periph: ok"
