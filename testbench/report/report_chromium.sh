#!/bin/sh
# aimc report end to end: a synthetic sweep, its report (HTML + SVG/PNG
# figures), then the page rendered by headless Chromium to a PNG. The
# screenshot must hold the drawn page: a blank or broken page compresses to
# a few kB, the report with its four figures to well over 100 kB.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/aimc-report-XXXXXX")
"$AIMC_BIN" sweep "$AIMC_SRC/testbench/sweep/grid.yaml" -o "$T/sweep" -j 2 >/dev/null 2>&1 || fail "sweep"
"$AIMC_BIN" report --help | grep -q "usage: aimc report" || fail "--help"
"$AIMC_BIN" report 2>/dev/null; [ $? -eq 2 ] || fail "missing results exit"
echo "not json" >"$T/bad.json"
"$AIMC_BIN" report "$T/bad.json" -o "$T/bad" 2>"$T/err"; [ $? -ne 0 ] || fail "bad json accepted"
grep -q "bad.json: not valid JSON" "$T/err" || fail "bad json message: $(cat "$T/err")"

"$AIMC_BIN" report "$T/sweep" >"$T/out" 2>&1 || fail "report: $(cat "$T/out")"
R="$T/sweep/report"
for f in fig_energy fig_accuracy_sigma fig_pareto fig_latency; do
  [ -s "$R/$f.svg" ] && [ -s "$R/$f.png" ] || fail "$f missing"
  head -c 200 "$R/$f.svg" | grep -q "<svg" || fail "$f.svg is not SVG"
done
[ "$(grep -o 'data:image/svg+xml;base64' "$R/report.html" | wc -l)" -eq 4 ] || fail "4 embedded figures"
grep -q "Pareto front" "$R/report.html" || fail "Pareto section"
grep -q "<td>15uS</td>" "$R/report.html" || fail "table rows"
ls "$R" | grep -q tmp && fail "temporary files left"

if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium not installed (scripts/setup.sh installs it): screenshot skipped"
  rm -rf "$T"; exit 0
fi
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$T/chromium" --screenshot="$T/page.png" --window-size=1280,2600 \
  "file://$R/report.html" >/dev/null 2>&1
[ -s "$T/page.png" ] || fail "no screenshot"
size=$(wc -c <"$T/page.png")
[ "$size" -gt 100000 ] || fail "screenshot only $size bytes: blank page?"
# Kept in the build directory for a human to look at.
cp "$T/page.png" "$(dirname "$AIMC_BIN")/report_page.png"
rm -rf "$T"
echo "ok (screenshot $size bytes)"
