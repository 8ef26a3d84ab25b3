#!/usr/bin/env bash
# Soak test: pushes FRAMES frames (default 20000) through capture -> pipeline -> recording, looping the demo
# clip in batch mode (no-drop delivery), with `facefilter-cli run --loop --output`, and samples the process's
# resident memory (VmRSS) every second. Passes when every frame was processed and written (no frame lost),
# none was dropped or skipped, and RSS grew by at most MAX_GROWTH_MB (default 20) between warm-up (after
# WARMUP frames, default 1000) and the end.
# Usage: scripts/soak.sh [BUILD_DIR] [OUT_DIR]   (env FRAMES, WARMUP, MAX_GROWTH_MB, MODEL, INPUT)
#   BUILD_DIR defaults to build/release (run scripts/run.sh or `cmake --build --preset release` first);
#   MODEL defaults to the shipped model, else the generated test model of BUILD_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

build="${1:-build/release}"
out="${2:-out/soak}"
frames="${FRAMES:-20000}"
warmup="${WARMUP:-1000}"
max_growth_mb="${MAX_GROWTH_MB:-20}"
input="${INPUT:-demo}"
cli="$build/cli/facefilter-cli"
[ -x "$cli" ] || { echo "soak: $cli not found (build first)" >&2; exit 1; }
model="${MODEL:-}"
if [ -z "$model" ]; then
  if [ -f assets/models/ffnet.pt ]; then model=assets/models/ffnet.pt; else model="$build/tests/models/test-valid.pt"; fi
fi
mkdir -p "$out"
video="$out/soak.mp4"; points="$out/soak.jsonl"; report="$out/report.txt"; rss_log="$out/rss.tsv"
rm -f "$video" "$points" "$report" "$rss_log"

echo "soak: $frames frames of $input, model $model, recording $video"
start=$(date +%s)
"$cli" run --input "$input" --loop --max-frames "$frames" --output "$video" --points "$points" \
  --model "$model" --device cpu >"$report" 2>"$out/stderr.txt" &
pid=$!
warm_rss=""; warm_frames=""; last_rss=0; peak_rss=0
printf "seconds\tframes\trss_kb\n" >"$rss_log"
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  done_frames=$(wc -l 2>/dev/null <"$points" || echo 0)
  if [ -n "$rss" ]; then
    last_rss=$rss
    [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
    printf "%s\t%s\t%s\n" "$(( $(date +%s) - start ))" "$done_frames" "$rss" >>"$rss_log"
    if [ -z "$warm_rss" ] && [ "$done_frames" -ge "$warmup" ]; then warm_rss=$rss; warm_frames=$done_frames; fi
  fi
  sleep 1
done
rc=0; wait "$pid" || rc=$?
secs=$(( $(date +%s) - start ))

processed=$(sed -n 's/^frames: \([0-9]*\) processed.*/\1/p' "$report")
dropped=$(sed -n 's/.* \([0-9]*\) dropped.*/\1/p' "$report")
skipped=$(sed -n 's/.* \([0-9]*\) undecodable skipped.*/\1/p' "$report")
written=$(sed -n 's/^video: .* (\([0-9]*\) frames)$/\1/p' "$report")
lines=$(wc -l <"$points")
: "${warm_rss:=$last_rss}"
growth_kb=$(( last_rss - warm_rss ))
echo "soak: exit $rc after ${secs}s; processed ${processed:-?}, written ${written:-?}, points lines $lines, dropped ${dropped:-?}, skipped ${skipped:-?}"
echo "soak: RSS after warm-up (${warm_frames:-?} frames) $(( warm_rss / 1024 )) MB, at the end $(( last_rss / 1024 )) MB, peak $(( peak_rss / 1024 )) MB, growth $(( growth_kb / 1024 )) MB (limit ${max_growth_mb} MB)"
echo "soak: samples in $rss_log; command: $0 $build $out (FRAMES=$frames)"
status=0
[ "$rc" -eq 0 ] || { echo "soak: FAIL: exit code $rc" >&2; status=1; }
[ "${processed:-0}" = "$frames" ] && [ "$lines" = "$frames" ] && [ "${written:-0}" = "$frames" ] \
  || { echo "soak: FAIL: frames lost (expected $frames processed, written and in the points file)" >&2; status=1; }
[ "${dropped:-1}" = 0 ] && [ "${skipped:-1}" = 0 ] || { echo "soak: FAIL: frames dropped or skipped" >&2; status=1; }
[ "$growth_kb" -le $(( max_growth_mb * 1024 )) ] || { echo "soak: FAIL: memory grew by $(( growth_kb / 1024 )) MB" >&2; status=1; }
[ "$status" -eq 0 ] && echo "soak: PASS"
exit "$status"
