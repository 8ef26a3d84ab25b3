#!/usr/bin/env bash
# The test suite under sanitizers (CI runs this after scripts/test.sh):
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer, the engine, the CLI and every engine test (no app,
#         no GL: preset `asan`);
#   tsan: ThreadSanitizer, only the threaded tests: capture, pipeline incl. EngineThread and the model
#         description it publishes, core mailboxes and queues, the app's headless parts (preset `tsan` builds
#         them without the GL app), the recorder (its writer thread, the microphone's thread) and the virtual
#         camera's sender thread.
# LibTorch, OpenCV, FFmpeg and libpulse are not instrumented. Leak checking is off for the asan run: LibTorch's and OpenCV's
# process-lifetime singletons (thread pools, registries) are reported as leaks at exit and are not ours.
# Usage: scripts/ci-sanitize.sh [asan|tsan|all]   (env SANITIZE_JOBS; ASAN_BUILD_DIR/TSAN_BUILD_DIR to build
# elsewhere than build/asan and build/tsan)
set -euo pipefail
cd "$(dirname "$0")/.."

which="${1:-all}"
jobs="${SANITIZE_JOBS:-$(nproc 2>/dev/null || echo 2)}"

configure() {  # preset build-dir
  if [ -n "$2" ]; then cmake --preset "$1" -B "$2"; else cmake --preset "$1"; fi
}

if [ "$which" = asan ] || [ "$which" = all ]; then
  start=$(date +%s)
  dir="${ASAN_BUILD_DIR:-}"
  configure asan "$dir"
  bdir="${dir:-build/asan}"
  cmake --build "$bdir" -j "$jobs"
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    ctest --test-dir "$bdir" -j "$jobs" --output-on-failure -LE "^(gl|eval)$"
  echo "ci-sanitize: asan done in $(( $(date +%s) - start )) s"
fi

if [ "$which" = tsan ] || [ "$which" = all ]; then
  start=$(date +%s)
  dir="${TSAN_BUILD_DIR:-}"
  configure tsan "$dir"
  bdir="${dir:-build/tsan}"
  cmake --build "$bdir" -j "$jobs" --target test_core test_capture test_frame_pool test_pipeline test_model_description \
    test_camera_modes test_camera_list test_camera_source test_camera_real test_camera_controls \
    test_app_headless test_recorder_lag test_media_recorder test_microphone test_media_writer test_file_audio \
    test_encoder_settings test_browser_playback test_vcam_convert test_vcam_pacing test_vcam_device
  # LibTorch's OpenMP pool (libgomp) is not instrumented, so TSan cannot see its synchronisation: one
  # intra-op thread keeps inference on the calling thread; our own threads are what is checked.
  # Lock-order reports inside GDAL (OpenCV's image reader) are suppressed: scripts/ci-tsan.supp says why.
  OMP_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/scripts/ci-tsan.supp" \
    ctest --test-dir "$bdir" -j "$jobs" --output-on-failure -L "^(core|capture|pipeline|app|media|vcam)$"
  echo "ci-sanitize: tsan done in $(( $(date +%s) - start )) s"
fi
