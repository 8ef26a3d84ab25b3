#!/usr/bin/env bash
# The installed programs, as a user gets them (tests/install/CMakeLists.txt registers each stage with CTest):
#
#   install_test.sh setup   BUILD STATE         cmake --install into a temporary prefix, then move it elsewhere
#   install_test.sh files   STATE               the programs, data, desktop entry, icons, man pages, docs
#   install_test.sh app     STATE SOURCE        the installed app renders the demo clip headless to a video
#   install_test.sh cli     STATE SOURCE DATA   the installed CLI finds the faces of a sample photo
#   install_test.sh cleanup STATE               removes the prefix
#   install_test.sh package BUILD SOURCE        cpack's .deb: contents, computed Depends, lintian without errors
#
# STATE is a file holding the prefix's path. The prefix is made outside the source and build trees and moved
# after installing, so the programs can only work if they find their data relative to themselves. The app and
# the CLI run from another working folder with $XDG_DATA_DIRS pointing nowhere (an installed .deb's
# /usr/share/facefilter must not stand in) and, where strace works, every file they open is recorded: none
# may lie in the source tree. Exit 77 = skipped (CTest's SKIP_RETURN_CODE), with the reason.
set -euo pipefail

PYTHON=${FACEFILTER_PYTHON:-/usr/bin/python3}
stage=${1:?stage}
shift

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() {
  echo "SKIP: $*"
  exit 77
}
prefix_of() {
  [ -s "$1" ] || fail "no installed prefix recorded in $1 (the install_setup test did not run or failed)"
  local p
  p=$(cat "$1")
  [ -d "$p/bin" ] || fail "installed prefix $p has no bin/"
  echo "$p"
}

# Runs the command with a clean user environment in a fresh working folder; strace records the files it opens
# (successful opens only) when the kernel lets it.
run_isolated() {
  local work=$1 trace=$2
  shift 2
  mkdir -p "$work/home" "$work/no-data-dirs"
  local envs=(env -u XDG_CONFIG_HOME -u FACEFILTER_MODEL -u FACEFILTER_SHADER_DIR -u FACEFILTER_DATA
    HOME="$work/home" XDG_DATA_DIRS="$work/no-data-dirs")
  if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
    (cd "$work" && "${envs[@]}" strace -f --seccomp-bpf -e trace=open,openat,execve -e status=successful \
      -o "$trace" "$@")
  else
    echo "note: strace is missing or cannot trace here; checking the programs' logs only"
    rm -f "$trace"
    (cd "$work" && "${envs[@]}" "$@")
  fi
}

# The trace shows the program read its data from the prefix and nothing from the source tree.
check_trace() {
  local trace=$1 prefix=$2 source=$3
  shift 3
  [ -f "$trace" ] || return 0
  for wanted in "$@"; do
    grep -qF "\"$prefix/$wanted\"" "$trace" || fail "the program never opened $prefix/$wanted (trace: $trace)"
  done
  local src
  src=$(cd "$source" && pwd -P)
  if grep -F "\"$src/" "$trace" | grep -vF "\"$prefix/"; then
    fail "the installed program opened the files above in the source tree $src"
  fi
  echo "trace: data opened from $prefix, nothing from $src"
}

case "$stage" in
setup)
  build=$1 state=$2
  root=$(mktemp -d "${TMPDIR:-/tmp}/facefilter-install-XXXXXX")
  root=$(cd "$root" && pwd -P) # as /proc/self/exe names it, links resolved
  cmake --install "$build" --prefix "$root/staged" >"$root/install.log" || {
    cat "$root/install.log"
    fail "cmake --install $build failed"
  }
  # Moved after installing: nothing may depend on the path it was installed to.
  mv "$root/staged" "$root/moved"
  echo "$root/moved" >"$state"
  echo "installed $build into $root/staged, moved to $root/moved ($(du -sh "$root/moved" | cut -f1))"
  ;;

cleanup)
  state=$1
  if [ -s "$state" ]; then
    root=$(dirname "$(cat "$state")")
    case "$root" in */facefilter-install-*) rm -rf "$root" ;; esac
    rm -f "$state"
  fi
  ;;

files)
  p=$(prefix_of "$1")
  for f in bin/facefilter bin/facefilter-cli bin/facefilter-bench; do
    [ -x "$p/$f" ] || fail "$f is missing or not executable"
  done
  for f in share/facefilter/shaders/video.vert share/facefilter/filters/sunglasses/filter.json \
    share/facefilter/models/ffnet.pt share/facefilter/models/ffnet-wild.pt share/doc/facefilter/copyright \
    share/doc/facefilter/changelog.gz; do
    [ -s "$p/$f" ] || fail "$f is missing or empty"
  done
  desktop=$p/share/applications/facefilter.desktop
  [ -s "$desktop" ] || fail "the desktop entry is missing"
  if command -v desktop-file-validate >/dev/null; then
    out=$(desktop-file-validate "$desktop" 2>&1) || fail "desktop-file-validate: $out"
    [ -z "$out" ] || fail "desktop-file-validate warns: $out"
    echo "desktop entry valid (desktop-file-validate)"
  else
    echo "note: desktop-file-validate missing (package desktop-file-utils); entry not validated"
  fi
  grep -qx "Exec=facefilter" "$desktop" || fail "the desktop entry does not run facefilter"
  grep -qx "Icon=facefilter" "$desktop" || fail "the desktop entry does not name the facefilter icon"
  "$PYTHON" - "$p/share/icons/hicolor" <<'EOF' || fail "icons"
import sys, cv2
root = sys.argv[1]
for n in (16, 32, 48, 64, 128, 256):
    path = f"{root}/{n}x{n}/apps/facefilter.png"
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        sys.exit(f"icon {path}: missing or not a PNG")
    if img.shape != (n, n, 4):
        sys.exit(f"icon {path}: {img.shape}, expected {n}x{n} with alpha")
print("icons: 6 hicolor sizes, RGBA")
EOF
  for prog in facefilter facefilter-cli facefilter-bench; do
    page=$p/share/man/man1/$prog.1.gz
    gzip -t "$page" 2>/dev/null || fail "man page $page is missing or not gzip"
    zcat "$page" | grep -q "^\.TH \"\?${prog^^}\"\? " || fail "man page $page has no .TH for $prog"
    # Made from --help: every option the program lists is in its page.
    for opt in $(env -u DISPLAY -u WAYLAND_DISPLAY "$p/bin/$prog" --help | grep -oE '^  --[a-z0-9-]+' | head -50); do
      zcat "$page" | grep -qF -- "${opt//-/\\-}" || fail "man page of $prog lacks $opt"
    done
    if command -v man >/dev/null; then
      warnings=$(zcat "$page" | LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z - 2>&1 >/dev/null)
      [ -z "$warnings" ] || fail "man page of $prog: groff warns: $warnings"
    fi
  done
  echo "man pages: 3, from --help, render without warnings"
  ;;

app)
  p=$(prefix_of "$1") source=$2
  work=$(mktemp -d "${TMPDIR:-/tmp}/facefilter-app-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  [ -f /usr/share/doc/opencv-doc/examples/data/Megamind.avi ] ||
    skip "OpenCV's demo clip is missing (Debian package opencv-doc)"
  log=$work/app.log
  if ! run_isolated "$work" "$work/trace" "$p/bin/facefilter" --headless --input demo --filter sunglasses \
    --max-frames 30 --record out.mp4 >"$log" 2>&1; then
    cat "$log"
    fail "the installed facefilter failed"
  fi
  cat "$log"
  grep -qF "shaders from $p/share/facefilter/shaders" "$log" || fail "shaders not read from the prefix"
  grep -qF "filter 'sunglasses' loaded from $p/share/facefilter/filters/sunglasses" "$log" ||
    fail "the sunglasses filter was not read from the prefix"
  grep -qF "model: $p/share/facefilter/models/ffnet.pt" "$log" || fail "the model was not read from the prefix"
  check_trace "$work/trace" "$p" "$source" share/facefilter/shaders/video.vert \
    share/facefilter/filters/sunglasses/sunglasses.png share/facefilter/models/ffnet.pt
  [ -s "$work/out.mp4" ] || fail "no recording at $work/out.mp4"
  "$PYTHON" - "$work/out.mp4" <<'EOF' || fail "the recording"
import sys, cv2
cap = cv2.VideoCapture(sys.argv[1])
frames, size = 0, None
while True:
    ok, img = cap.read()
    if not ok:
        break
    frames += 1
    size = img.shape[1], img.shape[0]
if frames != 30:
    sys.exit(f"{sys.argv[1]}: {frames} decodable frames, expected 30")
print(f"recording: 30 decodable frames at {size[0]}x{size[1]}")
EOF
  ;;

cli)
  p=$(prefix_of "$1") source=$2 data=$3
  image=$data/samples/obamas.jpg
  [ -f "$image" ] || skip "no shared data: $image is missing (set FACEFILTER_DATA to the data folder)"
  work=$(mktemp -d "${TMPDIR:-/tmp}/facefilter-cli-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  if ! run_isolated "$work" "$work/trace" "$p/bin/facefilter-cli" detect "$image" >"$work/out.json" \
    2>"$work/err.log"; then
    cat "$work/err.log"
    fail "the installed facefilter-cli detect failed"
  fi
  check_trace "$work/trace" "$p" "$source" share/facefilter/models/ffnet.pt
  "$PYTHON" - "$work/out.json" <<'EOF' || fail "detect output"
import json, sys
out = json.load(open(sys.argv[1]))
faces = out["images"][0]["faces"]
# obamas.jpg shows two people facing the camera.
if len(faces) != 2:
    sys.exit(f"{len(faces)} faces found in obamas.jpg, expected 2")
if any(len(f["keypoints"]) != 68 for f in faces):
    sys.exit("a face without 68 keypoints")
print(f"detect: {len(faces)} faces with 68 keypoints each")
EOF
  ;;

package)
  build=$1 source=$2
  command -v lintian >/dev/null || skip "lintian is missing (apt-get install lintian)"
  command -v dpkg-shlibdeps >/dev/null || skip "dpkg-shlibdeps is missing (Debian package dpkg-dev)"
  work=$(mktemp -d "${TMPDIR:-/tmp}/facefilter-deb-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && cpack --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1) || {
    cat "$work/cpack.log"
    fail "cpack failed"
  }
  debs=("$work"/facefilter_*.deb)
  [ -f "${debs[0]}" ] || fail "cpack made no facefilter_*.deb in $work"
  deb=${debs[0]}
  echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"
  depends=$(dpkg-deb -f "$deb" Depends)
  echo "Depends: $depends"
  # Computed by dpkg-shlibdeps from the binaries: the C library and LibTorch are never typed by hand.
  for pkg in libc6 libtorch opencv-data; do
    grep -q "\b$pkg" <<<"$depends" || fail "Depends lacks $pkg"
  done
  contents=$(dpkg-deb -c "$deb")
  for f in ./usr/bin/facefilter ./usr/bin/facefilter-cli ./usr/share/facefilter/models/ffnet.pt \
    ./usr/share/applications/facefilter.desktop ./usr/share/man/man1/facefilter.1.gz \
    ./usr/share/doc/facefilter/copyright; do
    grep -qE " $f\$" <<<"$contents" || fail "the package lacks $f"
  done
  lintian --fail-on error --display-info "$deb" | tee "$work/lintian.txt"
  grep -E "^E: " "$work/lintian.txt" && fail "lintian reports errors"
  echo "lintian: no errors ($(grep -c '^W: ' "$work/lintian.txt" || true) warnings)"
  ;;

*)
  fail "unknown stage '$stage'"
  ;;
esac
