#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang 14, ASan + UBSan, no LibTorch) and runs each for a
# bounded time from its seed corpus in fuzz/corpus/<target>/. Fails on any crash, leak, hang or sanitizer
# report; the reproducer is left in build/fuzz/artifacts/ (or $FUZZ_BUILD_DIR/artifacts/).
# Usage: scripts/ci-fuzz.sh [SECONDS_PER_TARGET]   (default 60; env FUZZ_JOBS, FUZZ_BUILD_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
jobs="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
build="${FUZZ_BUILD_DIR:-build/fuzz}"
targets=(filter_description app_config keypoints_csv model_metadata model_asset)

if [ "$build" = "build/fuzz" ]; then
  cmake --preset fuzz
  cmake --build --preset fuzz -j "$jobs"
else
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DFACEFILTER_BUILD_FUZZERS=ON
  cmake --build "$build" -j "$jobs"
fi

mkdir -p "$build/artifacts"
status=0
for t in "${targets[@]}"; do
  # New inputs go to a scratch corpus so the committed seeds stay small and reviewed.
  work="$build/corpus-$t"
  mkdir -p "$work"
  echo "ci-fuzz: $t for ${seconds}s"
  if ! ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
       "$build/fuzz/fuzz_$t" "$work" "fuzz/corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len=8192 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" 2>"$build/fuzz-$t.log"; then
    echo "ci-fuzz: $t FAILED; last lines of $build/fuzz-$t.log:" >&2
    tail -n 40 "$build/fuzz-$t.log" >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::new_units_added|^#[0-9]+ *DONE" "$build/fuzz-$t.log" | tr '\n' ' '
    echo
  fi
done
if [ "$status" -ne 0 ]; then
  echo "ci-fuzz: crash found; reproduce with $build/fuzz/fuzz_TARGET $build/artifacts/TARGET-crash-..." >&2
fi
exit "$status"
