#!/bin/sh
# aimc report --errors: se (default) and std reach the accuracy figure's
# caption; a bad value or a missing one is a usage error (exit 2) naming
# the value and the choices, and writes nothing.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/aimc-report-errors-XXXXXX")
# Two points of 5 seeds each, one line (no bits key).
cat >"$T/results.json" <<'JSON'
{"name": "errs", "varied": ["sigma"], "points": [
 {"settings": {"sigma": "0"}, "n_seeds": 5, "mean": {"accuracy": 0.9}, "std": {"accuracy": 0.05}},
 {"settings": {"sigma": "5uS"}, "n_seeds": 5, "mean": {"accuracy": 0.8}, "std": {"accuracy": 0.1}}]}
JSON
"$AIMC_BIN" report --help | grep -q -- "--errors se|std" || fail "--help lacks --errors"

"$AIMC_BIN" report "$T/results.json" -o "$T/bad" --errors sem 2>"$T/err"
rc=$?
[ $rc -eq 2 ] || fail "--errors sem: exit $rc, expected 2"
grep -q "'sem': expected se or std" "$T/err" || fail "message: $(cat "$T/err")"
[ -e "$T/bad" ] && fail "a rejected command wrote $T/bad"
"$AIMC_BIN" report "$T/results.json" -o "$T/bad" --errors 2>"$T/err"
rc=$?
[ $rc -eq 2 ] || fail "--errors without a value: exit $rc, expected 2"

"$AIMC_BIN" report "$T/results.json" -o "$T/se" >/dev/null 2>&1 || fail "default report"
grep -q "mean ± standard error over 5 seeds" "$T/se/report.html" || fail "default is not se"
"$AIMC_BIN" report "$T/results.json" -o "$T/std" --errors std >/dev/null 2>&1 || fail "--errors std"
grep -q "mean ± std over 5 seeds" "$T/std/report.html" || fail "std caption"
rm -rf "$T"
echo "report --errors: ok"
