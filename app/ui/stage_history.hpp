#pragma once
// The per-stage milliseconds of the engine's results over the last few seconds, for the panel's plot.
// Samples are kept by their result timestamp (steady-clock ns), not by count, so the plot covers the same
// time span whether the engine delivers 5 or 60 results a second. Pure (the caller passes the times),
// main thread only.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace facefilter {

inline constexpr int64_t kStagePlotWindowNs = 5'000'000'000;

struct StageSample {
  int64_t timeNs = 0;  // when the result was ready (FrameResult::resultNs)
  float detectMs = 0;
  float keypointsMs = 0;
  float trackMs = 0;
  float totalMs = 0;  // capture -> result
};

// One plottable series per stage: `bins` values evenly spaced over [now - window, now], oldest first.
struct StageSeries {
  std::vector<float> detectMs, keypointsMs, trackMs, totalMs;
  size_t samples = 0;  // results inside the window
  float maxMs = 0;     // the largest value in the window (a common scale for the plots)
};

class StageHistory {
 public:
  explicit StageHistory(int64_t windowNs = kStagePlotWindowNs) : windowNs_(windowNs) {}

  // Samples arrive in time order; one older than the newest is dropped (a new source restarts the clock
  // only forwards).
  void add(const StageSample& sample);
  // Drops what is older than now - window.
  void trim(int64_t nowNs);
  // Each bin holds the largest value of the results that fell in it (a spike stays visible), an empty bin
  // repeats the previous one (the stage took that long until the next result), and bins before the first
  // result are 0. Trims first.
  StageSeries series(int64_t nowNs, int bins);

  const std::deque<StageSample>& samples() const { return samples_; }
  int64_t windowNs() const { return windowNs_; }
  void clear() { samples_.clear(); }

 private:
  int64_t windowNs_;
  std::deque<StageSample> samples_;
};

}  // namespace facefilter
