#!/bin/sh
# Stages an install of the build dir $1 into a temporary prefix and checks
# it from a user's side: the files are where packagers expect them, the
# shared library exports only public aimc_ symbols, both examples build
# with pkg-config and with find_package(aimc) and run, every man page
# renders, the completion completes, the backend plugins load from the
# install. Needs cc, cmake, pkg-config, nm, man.
set -u
B=$(cd "$1" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
P=$T/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }
cmake --install "$B" --prefix "$P" >"$T/install.log" 2>&1 || fail "install: $(tail -5 "$T/install.log")"

# 1. Layout.
for f in bin/aimc lib/libaimc.a lib/libaimc.so include/aimc/status.h \
  include/aimc/status.def lib/pkgconfig/aimc.pc lib/cmake/aimc/aimcConfig.cmake \
  lib/cmake/aimc/aimcConfigVersion.cmake share/man/man1/aimc.1 \
  share/bash-completion/completions/aimc share/aimc/netlists/02_mvm_4x4.yaml \
  share/aimc/configs/devices/pulse_default.yaml share/aimc/examples/netlist_probe.c \
  share/aimc/docs/api.md; do
  [ -e "$P/$f" ] || fail "missing $f"
done
SO=$(readelf -d "$P/lib/libaimc.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
case $SO in libaimc.so.[0-9]*) ;; *) fail "SONAME '$SO' has no ABI version" ;; esac
[ -e "$P/lib/$SO" ] || fail "no $SO in lib/"
grep -q "$B\|$AIMC_SRC" "$P/lib/pkgconfig/aimc.pc" && fail "aimc.pc points into the build or source tree"

# 2. Exports: only aimc_ symbols, each named in an installed header, and
# fewer than the archive's aimc_ globals (the internal ones stay hidden).
nm -D --defined-only "$P/lib/libaimc.so" | awk '$2 != "A" {sub(/@.*/, "", $3); print $3}' | sort -u >"$T/dyn"
[ "$(wc -l <"$T/dyn")" -gt 100 ] || fail "only $(wc -l <"$T/dyn") exported symbols"
bad=$(grep -v '^aimc_' "$T/dyn" | head -5)
[ -z "$bad" ] || fail "exports non-aimc symbols: $bad"
cat "$P"/include/aimc/*.h "$P"/include/aimc/*.def >"$T/headers"
while read -r s; do
  grep -qw "$s" "$T/headers" || fail "exports $s, which no installed header names"
done <"$T/dyn"
nm -g --defined-only "$P/lib/libaimc.a" 2>/dev/null | awk '$2 ~ /[TDBR]/ {print $3}' | grep '^aimc_' | sort -u >"$T/arch"
hidden=$(comm -23 "$T/arch" "$T/dyn" | wc -l)
[ "$hidden" -gt 0 ] || fail "no internal symbol is hidden"

# 3. The examples with pkg-config against the staged prefix only.
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
export LD_LIBRARY_PATH="$P/lib"
FLAGS=$(pkg-config --cflags --libs aimc) || fail "pkg-config aimc"
# Every installed header compiles on its own (nothing it includes is
# missing from the install).
for h in "$P"/include/aimc/*.h; do
  printf '#include <aimc/%s>\n' "$(basename "$h")" >"$T/h.c"
  cc -std=c11 -Wall -Werror -fsyntax-only $(pkg-config --cflags aimc) "$T/h.c" 2>"$T/cc.log" \
    || fail "$(basename "$h") alone: $(cat "$T/cc.log")"
done
cat "$P"/include/aimc/*.h | sed -n 's|^#include "\(aimc/[a-z0-9_]*\.[a-z]*\)".*|\1|p' | sort -u | while read -r inc; do
  [ -f "$P/include/$inc" ] || fail "an installed header includes $inc, which is not installed"
done || exit 1
for ex in netlist_probe xbar_program; do
  cc -std=c11 -Wall -Werror "$P/share/aimc/examples/$ex.c" $FLAGS -o "$T/$ex" 2>"$T/cc.log" \
    || fail "cc $ex: $(cat "$T/cc.log")"
done
ldd "$T/netlist_probe" | grep -q "libaimc.so.* => $P/lib/" || fail "netlist_probe does not use the staged libaimc.so"
check_probe() { # $1: program; the custom probe and the netlist's probe agree
  (cd "$P/share/aimc" && "$1" netlists/02_mvm_4x4.yaml y_code) >"$T/probe.out" 2>&1 \
    || fail "$1: $(cat "$T/probe.out")"
  mine=$(sed -n 's/^my probe: .*://p' "$T/probe.out")
  theirs=$(sed -n 's/^probe y: .*://p' "$T/probe.out")
  [ -n "$mine" ] && [ "$mine" = "$theirs" ] || fail "$1: my probe '$mine' vs probe y '$theirs'"
  grep -q "net y_code got 3 values" "$T/probe.out" || fail "$1: $(cat "$T/probe.out")"
}
check_wv() { # $1: program; write-verify converges with a residual under the tolerance
  "$1" 8 8 1 >"$T/wv.out" 2>&1 || fail "$1: $(cat "$T/wv.out")"
  awk '/^converged/ {c = $2; n = $4} /^residual/ {r = $3; m = $6}
       END {exit !(n == 64 && c >= 60 && r < 1.0 && r > 0)}' "$T/wv.out" \
    || fail "$1: $(cat "$T/wv.out")"
}
check_probe "$T/netlist_probe"
check_wv "$T/xbar_program"
# Static: libaimc.a with the system's shared libraries (pkg-config --static).
SFLAGS=$(pkg-config --static --libs aimc) || fail "pkg-config --static aimc"
cc -std=c11 "$P/share/aimc/examples/netlist_probe.c" $(pkg-config --cflags aimc) \
  -Wl,-Bstatic -laimc -Wl,-Bdynamic $SFLAGS -o "$T/probe_static" 2>"$T/cc.log" \
  || fail "static link: $(cat "$T/cc.log")"
ldd "$T/probe_static" | grep -q libaimc && fail "the static example needs libaimc.so"
check_probe "$T/probe_static"
# libaimc's BLAS calls go to OpenBLAS, not to GSL's reference CBLAS.
LD_BIND_NOW=1 LD_DEBUG=bindings "$T/xbar_program" 2 2 >/dev/null 2>"$T/bind"
grep "file $P/lib/libaimc.so.* normal symbol .cblas_dgemm'" "$T/bind" | grep -q "libopenblas" \
  || fail "cblas_dgemm of libaimc does not bind to OpenBLAS"

# 4. The examples with find_package(aimc).
cmake -S "$P/share/aimc/examples" -B "$T/cm" -DCMAKE_PREFIX_PATH="$P" >"$T/cm.log" 2>&1 \
  || fail "cmake examples: $(tail -5 "$T/cm.log")"
cmake --build "$T/cm" >>"$T/cm.log" 2>&1 || fail "build examples: $(tail -5 "$T/cm.log")"
check_probe "$T/cm/netlist_probe"
check_wv "$T/cm/xbar_program"

# 5. Man pages: one per command plus aimc(1), each renders without groff
# warnings and says what the command's --help says.
cmds=$(sed -n 's/^X(\([a-z_]*\),.*/\1/p' "$AIMC_SRC/sim/cli/commands.def")
for c in "" $cmds; do
  page=$P/share/man/man1/aimc${c:+-$c}.1
  [ -f "$page" ] || fail "no man page $page"
  MANWIDTH=80 man -l "$page" >"$T/man.txt" 2>"$T/man.err" || fail "man -l $page: $(cat "$T/man.err")"
  grep -q "^NAME" "$T/man.txt" && grep -q "^SYNOPSIS" "$T/man.txt" || fail "$page: no NAME/SYNOPSIS"
done
w=$(groff -man -Tutf8 -ww -z "$P"/share/man/man1/aimc*.1 2>&1)
[ -z "$w" ] || fail "groff warns: $w"
"$P/bin/aimc" help --man-dir "$T/man" || fail "aimc help --man-dir"
diff -r "$T/man" "$P/share/man/man1" >/dev/null || fail "installed man pages differ from 'aimc help --man-dir'"
MANWIDTH=200 man -l "$P/share/man/man1/aimc-run.1" 2>/dev/null | grep -q -- "--trace-sample K" \
  || fail "aimc-run(1) lacks --trace-sample"

# 6. Completion: commands, then a command's options.
comp() { bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _aimc; echo "${COMPREPLY[*]}"' \
  _ "$P/share/bash-completion/completions/aimc" "$@"; }
[ "$(comp aimc ru)" = run ] || fail "completion 'aimc ru' gave '$(comp aimc ru)'"
comp aimc -q run NET --trace | grep -q -- "--trace-sample" || fail "completion of 'aimc run --trace'"
[ "$(comp aimc data st)" = stats ] || fail "completion 'aimc data st' gave '$(comp aimc data st)'"

"$P/bin/aimc" --version >/dev/null || fail "installed aimc --version"
# 7. The backend plugins: installed in lib/aimc/, and the installed aimc
# loads them from there (not from the build tree it was made in).
for f in "$B"/aimc_*.so; do
  [ -e "$P/lib/aimc/$(basename "$f")" ] || fail "missing lib/aimc/$(basename "$f")"
done
LD_DEBUG=files "$P/bin/aimc" version >"$T/ver" 2>"$T/ld" || fail "installed aimc version"
if [ -e "$B/aimc_systemc.so" ]; then
  grep -q "kernel backends: native systemc" "$T/ver" || fail "installed aimc has no systemc: $(cat "$T/ver")"
  grep -q "file=$P/\(bin/\.\./\)\{0,1\}lib/aimc/aimc_systemc.so" "$T/ld" || fail "installed aimc does not load lib/aimc/aimc_systemc.so"
fi
(cd "$P/share/aimc" && LD_DEBUG=files "$P/bin/aimc" graph netlists/02_mvm_4x4.yaml -o "$T/g.svg") >/dev/null 2>"$T/ld" \
  || fail "installed aimc graph: $(grep -v 'file=\|^ *[0-9]*: *$' "$T/ld" | tail -3)"
grep -q "file=$P/\(bin/\.\./\)\{0,1\}lib/aimc/aimc_graphviz.so" "$T/ld" || fail "installed aimc graph does not load lib/aimc/aimc_graphviz.so"
grep -q "<svg" "$T/g.svg" || fail "installed aimc graph wrote no SVG"
# Without its plugin, the installed aimc says so: it never falls back on
# the build tree's module (which may be another version's).
mv "$P/lib/aimc/aimc_graphviz.so" "$T/aside.so"
(cd "$P/share/aimc" && "$P/bin/aimc" graph netlists/02_mvm_4x4.yaml -o "$T/g2.svg") >/dev/null 2>"$T/nogv"
rc=$?
mv "$T/aside.so" "$P/lib/aimc/aimc_graphviz.so"
[ $rc != 0 ] && grep -q "reinstall aimc" "$T/nogv" && ! grep -q "$B" "$T/nogv" ||
  fail "installed aimc without its graphviz plugin: exit $rc, $(cat "$T/nogv")"
# A command that needs no plugin loads none of their libraries.
LD_DEBUG=files "$P/bin/aimc" -q sim "$P/share/aimc/netlists/02_mvm_4x4.yaml" >/dev/null 2>"$T/ld" || fail "installed aimc sim"
bad=$(grep -o "file=[^ ]*\(systemc\|mpi\|plplot\|gvc\|espeak\)[^ ]*" "$T/ld" | head -3)
[ -z "$bad" ] || fail "aimc sim loads $bad"
(cd "$P/share/aimc" && "$P/bin/aimc" -q sim netlists/02_mvm_4x4.yaml) >"$T/sim" 2>&1 \
  || fail "installed aimc sim of an installed netlist: $(cat "$T/sim")"
echo "install ok: $(wc -l <"$T/dyn") exported symbols, $hidden internal aimc_ symbols hidden"
