#!/bin/sh
# Every parameter of every tile part and of the digital periphery acts
# (issue #13): the table below lists each param of the dac, crossbar,
# tia, adc and sample_hold models
# (the test fails when `aimc models --describe` lists one it lacks), a value
# to write into every tile of a mapped netlist, and what must change in
# `aimc run` against the unedited netlist: out (a logit), energy, latency,
# refused (exit 2: the edit changes the mapping or names a missing file),
# or none, with the reason it cannot act in the batched run; wv:EFFECT
# compares against the netlist with every tile programmed by write-verify
# (where the device and its write-verify budget act). $1: the
# fixture_model tool.
. "$(dirname "$0")/e2e_common.sh"
DATA=fmnist_rows,max_per_split=24
"$FIX" "$T/m.s4d" 28 10 8 4 2 2 5
"$AIMC_BIN" map "$T/m.s4d" "$AIMC_SRC/configs/arch/default.yaml" -o "$T/net.yaml" > /dev/null

# part model key value effect [reason]
cat > "$T/table" <<'EOF'
dac dac n 32 refused the width is the array's rows (map again)
dac dac bits 3 out
dac dac range 1e-3 out
dac dac cal nowhere.cal.csv refused names a missing file (a hand edit of the file acts per channel: cli_netlist_hw)
dac dac v_fs 300mV energy
dac dac gain_err 0.2 out
dac dac offset 20mV out
dac dac inl_lsb 2 out
dac dac t_settle 7ns latency
dac dac e_conv 90fJ energy
dac dac words 0 refused the tile's words (1 calibrated, 2 dense) is the mapping's: aimc run converts as it says
dac dac used 3 refused the channels a read uses are the mapping's (aimc_map_array_use): the event path books them, aimc run prices them
xbar crossbar rows 32 refused the array size is the mapping's (map again)
xbar crossbar cols 32 refused the array size is the mapping's (map again)
xbar crossbar device vcm wv:out
xbar crossbar device_card AIMC_SRC/configs/devices/vcm_default.yaml wv:out
xbar crossbar device_set p_stuck_min=0.05 out
xbar crossbar nn_file missing.bin none the network of one_shot_nn / hybrid; these tiles program ideally (cli_netlist_hw runs one)
xbar crossbar v_read 300mV energy
xbar crossbar r_wire 1Ohm out
xbar crossbar ir_solver nodal none it solves the wires and these tiles have none (r_wire 0); cli_netlist_hw checks it with 1 Ohm wires
xbar crossbar c_wire 1fF energy
xbar crossbar read_noise true out
xbar crossbar t_settle 20ns latency
xbar crossbar program write_verify out
xbar crossbar sigma_g 5uS none the sigma of gaussian programming; these tiles program ideally
xbar crossbar wv_tol 4uS wv:out
xbar crossbar wv_max_pulses 3 wv:out
xbar crossbar targets missing.csv refused the file must exist
xbar crossbar layout l.json refused names a missing file (a layout file other than the mapping's is refused too: bad-inputs wiring/layout_*)
xbar crossbar drift_time 1e6s out
xbar crossbar dump_cells cells.csv none a dump of the cells for aimc sim
tia tia n 32 refused the width is the array's columns (map again)
tia tia gain 20kOhm out
tia tia cal nowhere.cal.csv refused names a missing file (a hand edit of the file acts per column: cli_netlist_hw)
tia tia v_fs 0.5V none the tile's v_adc: the ADC's full scale moves with it, and the calibration with both
tia tia noise 100nA out
tia tia v_sat 0.1V out
tia tia t_settle 7ns latency
tia tia f_3db 10MHz latency
tia tia e_sense 300fJ energy
tia tia p_static 50uW energy
tia tia words 0 refused the tile's words (1 calibrated, 2 dense) is the mapping's: aimc run converts as it says
tia tia v_drive 0.3V energy the tile's v_read, the dac's v_fs too (aimc run takes the columns' amperes from it)
tia tia layout l.json refused the tile's layout, the crossbar's too: a missing file
tia tia used 3 refused the channels a read uses are the mapping's (aimc_map_array_use): the event path books them, aimc run prices them
adc adc n 32 refused the width is the array's columns (map again)
adc adc bits 3 out
adc adc n_adc 1 latency
adc adc range 1e-3 out
adc adc cal nowhere.cal.csv refused names a missing file (a hand edit of the file acts per channel: cli_netlist_hw)
adc adc v_fs 0.5V none the tile's v_adc: the TIAs' calibration moves with it (it refers the ADC's offset and noise in volts, 0 here)
adc adc offset 30mV out
adc adc noise 20mV out
adc adc noise_lsb 0.5 out
adc adc t_conv 9ns latency
adc adc e_conv 3pJ energy
adc adc fom_walden 1fJ energy
adc adc words 0 refused the tile's words (1 calibrated, 2 dense) is the mapping's: aimc run converts as it says
adc adc layout l.json refused the tile's layout, the crossbar's too: a missing file
adc adc used 3 refused the channels a read uses are the mapping's (aimc_map_array_use): the event path books them, aimc run prices them
hold sample_hold n 32 refused the width is the array's columns (map again)
hold sample_hold bits 3 energy
hold sample_hold range 0.05 out
hold sample_hold e_write_bit 7fJ energy
hold sample_hold e_read_bit 7fJ energy
hold sample_hold t_write 4ns latency
hold sample_hold used 3 refused the channels a read uses are the mapping's (aimc_map_array_use): the event path books them, aimc run prices them
EOF

# Every param the models list is in the table.
for pm in dac:dac xbar:crossbar tia:tia adc:adc hold:sample_hold; do
  part=${pm%%:*} model=${pm#*:}
  "$AIMC_BIN" models --describe "$model" | sed -n '/^parameters:/,$p' | tail -n +3 \
    | awk '{print $1}' | while read -r key; do
      grep -q "^$part $model $key " "$T/table" || fail "no row for $model.$key in the table"
    done
done

# The netlist with `key: value` on every tile: the tile param the part's
# param is bound to, else the part's line in the tile subcircuit.
edit() {
  part=$1 key=$2 value=$3 out=$4
  line=$(grep -n "^      $part: {model:" "$T/net.yaml" | cut -d: -f1)
  tkey=$(sed -n "${line}s/.*[{ ]$key: \"\${\([a-z_]*\)}\".*/\1/p" "$T/net.yaml")
  if [ -n "$tkey" ]; then
    sed "/{subckt: tile/s|\([{ ]\)$tkey: [^,}]*|\1$tkey: $value|" "$T/net.yaml" > "$out"
  elif sed -n "${line}p" "$T/net.yaml" | grep -q "[{ ]$key: "; then
    sed "${line}s|\([{ ]\)$key: [^,}]*|\1$key: $value|" "$T/net.yaml" > "$out"
  else
    sed "${line}s|params: {|params: {$key: $value, |" "$T/net.yaml" > "$out"
  fi
  ! cmp -s "$T/net.yaml" "$out" || fail "edit of $part.$key changed nothing in the netlist"
}

run() {
  net=$1 dir=$2; shift 2
  "$AIMC_BIN" run "$net" --data $DATA -o "$dir" --logits "$@" > "$dir.log" 2>&1
}
run "$T/net.yaml" "$T/base" || fail "base run: $(cat "$T/base.log")"
cp "$T/net.yaml" "$T/ideal.yaml"
sed '/{subckt: tile/s/program: ideal/program: write_verify/' "$T/ideal.yaml" > "$T/wv.yaml"
run "$T/wv.yaml" "$T/base_wv" || fail "write-verify base run: $(cat "$T/base_wv.log")"
# Runs the edited netlist $1 into $2 and checks its exit: 2 when the
# effect $3 is `refused` (then returns 1), else 0; $4 names the edit, $5
# why it is refused.
run_edit() {
  set +e; run "$1" "$2"; rc=$?; set -e
  if [ "$3" = refused ]; then
    [ $rc = 2 ] || fail "$4: exit $rc, want 2 ($5): $(tail -2 "$2.log")"
    return 1
  fi
  [ $rc = 0 ] || fail "$4: exit $rc: $(tail -2 "$2.log")"
}
field() { sed -n "s/.*\"$2\":[[:space:]]*\([0-9.e+-]*\).*/\1/p" "$1/results.json" | head -1; }

n=0
while read -r part model key value effect reason; do
  n=$((n + 1))
  base=base
  case $effect in wv:*) effect=${effect#wv:}; base=base_wv; cp "$T/wv.yaml" "$T/net.yaml" ;;
    *) cp "$T/ideal.yaml" "$T/net.yaml" ;; esac
  value=$(echo "$value" | sed "s|AIMC_SRC|$AIMC_SRC|")
  edit "$part" "$key" "$value" "$T/e$n.yaml"
  run_edit "$T/e$n.yaml" "$T/r$n" "$effect" "$model.$key: $value" "$reason" || continue
  what="$model.$key: $value"
  d_out=0 d_e=0 d_t=0
  cmp -s "$T/$base/predictions.csv" "$T/r$n/predictions.csv" || d_out=1
  [ "$(field "$T/$base" total)" = "$(field "$T/r$n" total)" ] || d_e=1
  [ "$(field "$T/$base" cycles_seq)" = "$(field "$T/r$n" cycles_seq)" ] || d_t=1
  case $effect in
    out) [ $d_out = 1 ] || fail "$what changed no logit" ;;
    energy) [ $d_e = 1 ] || fail "$what changed no energy" ;;
    latency) [ $d_t = 1 ] || fail "$what changed no latency" ;;
    none) [ $d_out$d_e$d_t = 000 ] || fail "$what is listed as acting nowhere but changed out/energy/latency $d_out$d_e$d_t" ;;
    *) fail "bad effect $effect" ;;
  esac
done < "$T/table"

# The digital periphery (s4d_digital instances, one per operation): each
# param edited on one instance. Its shape and tensor follow the model
# (refused, exit 2), and so does its model (a copy of the netlist's is
# another file); its energy figures change that instance's row of
# energy.csv alone (energy1); its time changes the latency.
# instance key value effect
cp "$T/m.s4d" "$T/copy.s4d"
cat > "$T/periph" <<'EOF'
l0_gelu op layernorm refused
l0_gelu op softmax refused
l0_gelu n 3 refused
l0_gelu n_in 3 refused
l0_norm tensor mix refused
l0_norm layer 1 refused
l0_mix model copy.s4d refused
l0_mix e_mac 1pJ energy1
l0_gelu e_op 1pJ energy1
decoder e_mac 1pJ energy1
l0_residual t_op 5ns latency
EOF
"$AIMC_BIN" models --describe s4d_digital | sed -n '/^parameters:/,$p' | tail -n +3 \
  | awk '{print $1}' | while read -r key; do
    grep -q "^[a-z0-9_]* $key " "$T/periph" || fail "no row for s4d_digital.$key in the periphery table"
  done
while read -r inst key value effect; do
  n=$((n + 1))
  line=$(grep -n "^  $inst: {model: s4d_digital" "$T/ideal.yaml" | cut -d: -f1)
  [ -n "$line" ] || fail "no periphery instance $inst in the netlist"
  sed "${line}s|\(params: .*[{ ]\)$key: [^,}]*|\1$key: $value|" "$T/ideal.yaml" > "$T/e$n.yaml"
  ! cmp -s "$T/ideal.yaml" "$T/e$n.yaml" || fail "edit of $inst.$key changed nothing"
  what="$inst.$key: $value"
  run_edit "$T/e$n.yaml" "$T/r$n" "$effect" "$what" "the periphery follows the model" || continue
  cmp -s "$T/base/predictions.csv" "$T/r$n/predictions.csv" || fail "$what changed a logit"
  case $effect in
    energy1)
      awk -F, -v inst="$inst" 'NR == FNR { e[$1] = $3; next } FNR > 1 {
          if ($1 == inst) { if (!($3 > e[$1])) bad = 1 } else if ($3 != e[$1]) bad = 1 }
        END { exit bad }' "$T/base/energy.csv" "$T/r$n/energy.csv" \
        || fail "$what: energy.csv rows other than $inst changed, or $inst's did not grow" ;;
    latency)
      [ "$(field "$T/base" cycles_seq)" != "$(field "$T/r$n" cycles_seq)" ] \
        || fail "$what changed no latency" ;;
    *) fail "bad effect $effect" ;;
  esac
done < "$T/periph"
# --set of the arch key overrides the hand edit again (the tiles' rule).
line=$(grep -n "^  l0_gelu: {model: s4d_digital" "$T/ideal.yaml" | cut -d: -f1)
sed "${line}s|\([{ ]\)e_op: [^,}]*|\1e_op: 1pJ|" "$T/ideal.yaml" > "$T/eset.yaml"
run "$T/eset.yaml" "$T/rset" --set energy.e_mac=100fJ || fail "--set run: $(cat "$T/rset.log")"
cmp -s "$T/base/energy.csv" "$T/rset/energy.csv" \
  || fail "--set energy.e_mac did not override the hand edit of l0_gelu.e_op"
echo "cli_every_param: ok ($n params)"
