#!/usr/bin/env bash
# Installs every Debian 12 package facefilter needs to build, test, train and run.
# Idempotent: only missing packages are installed; nothing is downloaded at configure or build time.
set -euo pipefail

packages=(
  # build and test (clang-format: scripts/check-format.sh)
  build-essential cmake pkg-config git libgtest-dev clang-format
  # engine
  libopencv-dev opencv-data opencv-doc libtorch-dev libspdlog-dev libfmt-dev
  # cameras' MJPG frames (libjpeg-turbo's TurboJPEG API)
  libturbojpeg0-dev
  # recordings: FFmpeg's libraries (H.264, VP9, AAC, Opus) and PulseAudio (microphone; the server for the tests)
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libpulse-dev pulseaudio
  # settings, JSON and command lines (header-only)
  nlohmann-json3-dev libcli11-dev
  # 3D model filters: glTF 2.0 binaries (tinygltf) and their maths (glm)
  libtinygltf-dev libglm-dev
  # training, parity tests and reports (run with /usr/bin/python3)
  python3 python3-torch python3-opencv python3-numpy python3-matplotlib
  # app (window, GL loader generator, UI); headless GL through EGL (no display) and under Xvfb
  libglfw3-dev libimgui-dev libstb-dev python3-glad libegl-dev libegl-mesa0 xvfb xauth mesa-utils libgl1-mesa-dri
  # fuzzing and sanitizers
  clang libclang-rt-14-dev
  # the classic peer (dlib ERT)
  libdlib-dev libdlib-data
  # install and package: man pages from --help, the desktop entry's and the .deb's checkers, the install
  # test's proof that installed programs read nothing from the source tree (tests/install)
  help2man desktop-file-utils lintian strace file dpkg-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
