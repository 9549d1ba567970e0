#!/bin/sh
# aimc spice: the exported deck of a netlist's crossbar (devices at their
# programmed conductances, drivers at the row voltages, 0 V senses), run
# through ngspice, gives the column currents computed by hand from the
# netlist's target CSV; --check agrees; tiles resolve to their crossbar;
# same seed, same deck. ngspice missing is a failure (scripts/setup.sh
# installs it).
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
A=$AIMC_BIN
NET=$AIMC_SRC/netlists/02_mvm_4x4.yaml
command -v ngspice > /dev/null || fail "ngspice not installed: run scripts/setup.sh"

# Ideal programming, ideal wires, every row at v_read = 0.2 V:
# I_j = 0.2 sum_i G_ij with G from netlists/data/mvm4x4_g.csv.
$A spice "$NET" --tile xbar -o "$tmp/x.cir" 2> "$tmp/err" || fail "spice: $(cat "$tmp/err")"
[ "$(grep -c '^rg' "$tmp/x.cir")" = 16 ] || fail "16 device resistors expected"
[ "$(grep -c '^vs' "$tmp/x.cir")" = 4 ] || fail "4 sense sources expected"
grep -q '^rw' "$tmp/x.cir" && fail "r_wire 0: no wire resistors expected"
(cd "$tmp" && ngspice -b x.cir > spice.out 2>&1) || fail "ngspice: $(tail -5 "$tmp/spice.out")"
grep -v '^#' "$AIMC_SRC/netlists/data/mvm4x4_g.csv" | tr -d ' ' |
  awk -F, '{for (j = 1; j <= NF; j++) s[j] += 0.2 * $j} END {for (j = 1; j <= 4; j++) print s[j]}' \
  > "$tmp/want"
for j in 0 1 2 3; do
  got=$(sed -n "s/^i(vs$j) = //p" "$tmp/spice.out")
  want=$(sed -n "$((j + 1))p" "$tmp/want")
  awk -v g="$got" -v w="$want" 'BEGIN {d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= 1e-9 * w)}' \
    || fail "column $j: ngspice $got, hand $want"
done
# Supply power sum_i v_i^2 sum_j G_ij = 0.04 * 695 uS.
p=$(sed -n 's/^p_supply = //p' "$tmp/spice.out")
awk -v p="$p" 'BEGIN {d = p - 0.04 * 695e-6; if (d < 0) d = -d; exit !(p != "" && d < 1e-12)}' \
  || fail "supply power $p"

# With wire resistance: wires appear, and --check finds the nodal solver on
# ngspice's answer and the first-order estimate off it.
$A spice "$NET" --tile xbar -o "$tmp/w.cir" --r-wire 50 --check > "$tmp/check" 2>&1 \
  || fail "--check: $(cat "$tmp/check")"
[ "$(grep -c '^rw' "$tmp/w.cir")" = 32 ] || fail "32 wire resistors expected"
sed -n 's/.*first_order \([0-9.e+-]*\), nodal \([0-9.e+-]*\)$/\1 \2/p' "$tmp/check" |
  awk '{exit !(NF == 2 && $2 < 1e-9 && $1 > 1e-6)}' || fail "--check errors: $(cat "$tmp/check")"

# A tile (subcircuit instance) names its crossbar; same seed, same deck;
# --targets exports the targets, equal to ideal programming's conductances.
M=$AIMC_SRC/netlists/04_multi_tile_layer.yaml
$A spice "$M" --tile tile3 -o "$tmp/t3.cir" --seed 4 2>/dev/null || fail "tile3"
grep -q "tile3.xbar" "$tmp/t3.cir" || fail "tile3 is not tile3.xbar"
$A spice "$M" --tile tile3.xbar -o "$tmp/t3b.cir" --seed 4 2>/dev/null || fail "tile3.xbar"
cmp -s "$tmp/t3.cir" "$tmp/t3b.cir" || fail "same seed, different deck"
$A spice "$NET" --tile xbar -o "$tmp/t.cir" --targets 2>/dev/null || fail "--targets"
diff "$tmp/t.cir" "$tmp/x.cir" | grep -q '^[<>] rg' && fail "ideal programming differs from targets"
# --input sets the drivers (clipped to +-v_read like the model).
printf '0.1, -0.05\n# comment\n0 0.5\n' > "$tmp/in.txt"
$A spice "$NET" --tile xbar -o "$tmp/i.cir" --input "$tmp/in.txt" 2> "$tmp/err" || fail "--input"
grep -q '^vd1 d1 0 DC -0.05$' "$tmp/i.cir" || fail "--input row 1"
grep -q '^vd3 d3 0 DC 0.2$' "$tmp/i.cir" || fail "--input row 3 not clipped"
grep -q "clipped" "$tmp/err" || fail "clipping not reported"
echo ok
