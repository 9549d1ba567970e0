#!/bin/sh
# none.sh PATH... -- COMMAND...: runs COMMAND and exits with its status,
# unless it left any of the PATHs behind (a rejected command must write
# nothing): then it says so and exits 99.
n=0
for a in "$@"; do
  [ "$a" = -- ] && break
  n=$((n + 1))
done
if [ $n -ge $# ]; then echo "usage: none.sh PATH... -- COMMAND..." >&2; exit 99; fi
i=0 paths=""
while [ $i -lt $n ]; do paths="$paths $1"; shift; i=$((i + 1)); done
shift
"$@"
rc=$?
for p in $paths; do
  if [ -e "$p" ]; then echo "none.sh: the command left $p behind" >&2; exit 99; fi
done
exit $rc
