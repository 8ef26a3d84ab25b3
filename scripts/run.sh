#!/usr/bin/env bash
# Installs what is missing, builds a release, and runs facefilter on the default source
# (camera 0, falling back to OpenCV's demo clip when there is no camera).
# Extra arguments go to the program, e.g. scripts/run.sh --input demo
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release
cmake --build --preset release -j "$jobs"
mkdir -p out
if [ $# -eq 0 ]; then
  set -- --input default --output out/annotated.mp4 --points out/points.jsonl
fi
exec build/release/cli/facefilter-cli run "$@"
