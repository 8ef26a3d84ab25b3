#!/usr/bin/env bash
# Installs what is missing, builds a release, and starts the facefilter app on the default source
# (camera 0, falling back to OpenCV's demo clip when there is no camera).
# Extra arguments go to the app, e.g. scripts/run.sh --input demo --filter sunglasses
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release
cmake --build --preset release -j "$jobs"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run.sh: no display (DISPLAY/WAYLAND_DISPLAY unset): the app needs a desktop session." >&2
  echo "        Headless instead: build/release/app/facefilter --headless --input demo --filter sunglasses --record out.mp4" >&2
  echo "        Or under a virtual display: xvfb-run -a -s '-screen 0 1280x800x24' scripts/run.sh" >&2
  exit 1
fi
exec build/release/app/facefilter "$@"
