#!/bin/sh
# Installs what is missing, builds with warnings as errors, and runs the
# default test suite (everything but the `slow` label). CI runs exactly this.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DAIMC_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
cd build && ctest -LE slow -j"$(nproc)" --output-on-failure "$@"
