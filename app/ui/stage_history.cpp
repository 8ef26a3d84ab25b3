#include "app/ui/stage_history.hpp"

#include <algorithm>

namespace facefilter {

void StageHistory::add(const StageSample& sample) {
  if (!samples_.empty() && sample.timeNs < samples_.back().timeNs) return;
  samples_.push_back(sample);
  trim(sample.timeNs);
}

void StageHistory::trim(int64_t nowNs) {
  while (!samples_.empty() && samples_.front().timeNs < nowNs - windowNs_) samples_.pop_front();
}

StageSeries StageHistory::series(int64_t nowNs, int bins) {
  trim(nowNs);
  StageSeries s;
  if (bins <= 0) return s;
  const auto n = static_cast<size_t>(bins);
  s.detectMs.assign(n, 0.0f);
  s.keypointsMs.assign(n, 0.0f);
  s.trackMs.assign(n, 0.0f);
  s.totalMs.assign(n, 0.0f);
  std::vector<bool> filled(n, false);
  const int64_t start = nowNs - windowNs_;
  for (const StageSample& x : samples_) {
    if (x.timeNs > nowNs) continue;
    const int64_t offset = x.timeNs - start;
    const auto bin = std::min(n - 1, static_cast<size_t>(offset * bins / windowNs_));
    if (!filled[bin]) {
      s.detectMs[bin] = x.detectMs;
      s.keypointsMs[bin] = x.keypointsMs;
      s.trackMs[bin] = x.trackMs;
      s.totalMs[bin] = x.totalMs;
      filled[bin] = true;
    } else {
      s.detectMs[bin] = std::max(s.detectMs[bin], x.detectMs);
      s.keypointsMs[bin] = std::max(s.keypointsMs[bin], x.keypointsMs);
      s.trackMs[bin] = std::max(s.trackMs[bin], x.trackMs);
      s.totalMs[bin] = std::max(s.totalMs[bin], x.totalMs);
    }
    ++s.samples;
    s.maxMs = std::max({s.maxMs, x.detectMs, x.keypointsMs, x.trackMs, x.totalMs});
  }
  bool seen = false;
  for (size_t i = 0; i < n; ++i) {
    if (filled[i]) {
      seen = true;
    } else if (seen) {
      s.detectMs[i] = s.detectMs[i - 1];
      s.keypointsMs[i] = s.keypointsMs[i - 1];
      s.trackMs[i] = s.trackMs[i - 1];
      s.totalMs[i] = s.totalMs[i - 1];
    }
  }
  return s;
}

}  // namespace facefilter
