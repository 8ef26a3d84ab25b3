#!/usr/bin/env bash
# Installs what is missing, builds everything with warnings as errors, and runs every test.
# Usage: scripts/test.sh   (CI runs this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset ci
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"
