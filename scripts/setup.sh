#!/bin/sh
# Installs every Debian 12 package aimc needs. Idempotent: when all packages
# are present it only checks them (well under a second) and touches nothing.
set -eu

PACKAGES="cmake make gcc g++ pkg-config git
  libgsl-dev libopenblas-dev libsystemc-dev libyaml-dev libgraphviz-dev graphviz
  libcmocka-dev libfftw3-dev libsndfile1-dev zlib1g-dev libcjson-dev
  libplplot-dev plplot-driver-cairo libopenmpi-dev openmpi-bin
  espeak-ng libespeak-ng-dev dataset-fashion-mnist chromium"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done

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
