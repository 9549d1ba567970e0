#!/bin/sh
# aimc sim --trace FILE.vcd end to end: every example netlist gives a
# well-formed VCD (header, balanced scopes, unique codes, increasing times),
# byte-identical on the native and the SystemC kernel; its event counters
# agree with the CSV trace of the same run; the values of the smallest
# netlist are its source's; --until ends the dump; a failed run leaves none.
set -eu
: "${AIMC_BIN:?}" "${AIMC_SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$AIMC_SRC" # netlists name their data files relative to the source tree

have_systemc=1
"$AIMC_BIN" version | grep -q systemc || have_systemc=0

# Flattens a VCD into "time path value" lines (value changes after the
# $dumpvars block), checking the structure on the way (IEEE 1364-2005 18.2).
flatten() {
  awk '
    function bad(why) { print "bad VCD, line " NR ": " why > "/dev/stderr"; exit 1 }
    NR == 1 && $1 != "$version" { bad("no $version first") }
    NR == 2 && $0 != "$timescale 1 fs $end" { bad("timescale") }
    defs && $1 == "$scope" { path[++depth] = $3; next }
    defs && $1 == "$upscope" { if (--depth < 0) bad("$upscope without $scope"); next }
    defs && $1 == "$var" {
      if ($4 in name) bad("code " $4 " declared twice")
      p = ""; for (i = 1; i <= depth; i++) p = p path[i] "."
      name[$4] = p $5; next
    }
    defs && $1 == "$enddefinitions" { if (depth) bad("scope left open"); defs = 0; seen = 1; next }
    defs { next }
    /^#/ { t = substr($1, 2) + 0; if (t <= last) bad("time " t " after " last); last = t; next }
    $1 == "$dumpvars" { dump = 1; next }
    $1 == "$end" { dump = 0; next }
    /^[br]/ { id = $2; v = $1 }
    /^[01]/ { id = substr($1, 2); v = substr($1, 1, 1) }
    {
      if (!(id in name)) bad("undeclared code " id)
      if (!dump) print last, name[id], v
    }
    BEGIN { defs = 1; last = -1 }
    END { if (!seen) bad("no $enddefinitions") }
  ' "$1"
}

# b<binary> -> decimal, summed over the last value of every events counter.
count_events() {
  awk '$2 ~ /\.events$/ { v = substr($3, 2); n = 0
         for (i = 1; i <= length(v); i++) n = 2 * n + substr(v, i, 1)
         last[$2] = n }
       END { s = 0; for (k in last) s += last[k]; print s }' "$1"
}

for net in netlists/*.yaml; do
  name=$(basename "$net" .yaml)
  "$AIMC_BIN" -q sim "$net" --trace "$tmp/$name.vcd" > /dev/null ||
    fail "$name: native run failed"
  flatten "$tmp/$name.vcd" > "$tmp/$name.flat" || fail "$name: malformed VCD"
  # The counters count the instances' own events: the CSV rows that name
  # an instance, not a drive or a commit.
  "$AIMC_BIN" -q sim "$net" --trace "$tmp/$name.csv" > /dev/null
  want=$(awk -F, 'NR > 1 && $7 != "\"commit\"" && $7 !~ /^"drive /' \
    "$tmp/$name.csv" | wc -l)
  got=$(count_events "$tmp/$name.flat")
  [ "$got" -eq "$want" ] || fail "$name: $got counted events, CSV has $want"
  if [ $have_systemc = 1 ]; then
    "$AIMC_BIN" -q sim "$net" --kernel systemc --trace "$tmp/$name.sc.vcd" \
      > /dev/null || fail "$name: systemc run failed"
    cmp "$tmp/$name.vcd" "$tmp/$name.sc.vcd" ||
      fail "$name: native and systemc VCDs differ"
  fi
done

# 00_source_probe: source "stim" fires at 0, 10 and 20 ns (its own events,
# counted 1, 2, 3 in binary) and drives "1 2; 3 4; 5 6" onto net x, of which
# the dump keeps element 0 as stim.out: 1, 3, 5 (read off the netlist).
# Neither model books energy, so the energies stay at their initial 0.
cat > "$tmp/want" << 'EOF'
0 source_probe.stim.events b1
0 source_probe.stim.out r1
10000000 source_probe.stim.events b10
10000000 source_probe.stim.out r3
20000000 source_probe.stim.events b11
20000000 source_probe.stim.out r5
EOF
diff "$tmp/want" "$tmp/00_source_probe.flat" || fail "source_probe values"

# --until 15ns: the changes at 0 and 10 ns, then the end stamp at 15 ns.
"$AIMC_BIN" -q sim netlists/00_source_probe.yaml --until 15ns \
  --trace "$tmp/until.vcd" > /dev/null
[ "$(tail -n 1 "$tmp/until.vcd")" = "#15000000" ] || fail "--until end stamp"
flatten "$tmp/until.vcd" | tail -n 1 | grep -q "^10000000 .*stim.out r3$" ||
  fail "--until: last change is not 3 at 10 ns"

# A failed run leaves no trace, and an earlier one is kept.
set +e
"$AIMC_BIN" -q sim "$tmp/missing.yaml" --trace "$tmp/never.vcd" 2> "$tmp/err"
rc=$?
"$AIMC_BIN" -q sim "$tmp/missing.yaml" --trace "$tmp/until.vcd" 2> /dev/null
set -e
[ $rc = 2 ] || fail "exit $rc (want 2) for a missing netlist"
grep -q "missing.yaml" "$tmp/err" || fail "no message naming the file"
[ ! -e "$tmp/never.vcd" ] || fail "VCD written for a failed run"
[ "$(tail -n 1 "$tmp/until.vcd")" = "#15000000" ] || fail "earlier VCD lost"
echo "sim_vcd: ok"
