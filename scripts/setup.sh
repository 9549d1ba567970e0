#!/bin/sh
# Installs every Debian 12 package aimc needs. Idempotent: when all packages
# are present it only checks them (well under a second) and touches nothing.
set -eu

PACKAGES="cmake make gcc g++ pkg-config git
  libgsl-dev libopenblas-dev libsystemc-dev libyaml-dev libgraphviz-dev graphviz
  libcmocka-dev libfftw3-dev libsndfile1-dev zlib1g-dev libcjson-dev
  libplplot-dev plplot-driver-cairo libopenmpi-dev openmpi-bin
  espeak-ng libespeak-ng-dev dataset-fashion-mnist chromium
  man-db groff-base clang-14 libclang-rt-14-dev ngspice"

# One dpkg-query for the whole list (one per package took over a second).
# It names only packages it knows, and exits non-zero when some are unknown,
# so the wanted list goes to awk, which prints those not fully installed.
# shellcheck disable=SC2086
missing=$(dpkg-query -W -f='${Package} ${Status}\n' $PACKAGES 2>/dev/null |
  want="$PACKAGES" awk '/ install ok installed$/ { have[$1] = 1 }
    END { n = split(ENVIRON["want"], w); for (i = 1; i <= n; i++)
            if (!(w[i] in have)) printf " %s", w[i] }')

if [ -z "$missing" ]; then
  exit 0
fi

echo "setup: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
