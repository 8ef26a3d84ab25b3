#include "app/stats/loop_monitor.hpp"

#include "engine/core/clock.hpp"

namespace facefilter {

void LoopMonitor::onResult(const FrameResult& result, uint64_t version) {
  if (version == lastVersion_) return;
  lastVersion_ = version;
  stages_.add(StageSample{result.resultNs, static_cast<float>(result.times.detect),
                          static_cast<float>(result.times.keypoints), static_cast<float>(result.times.track),
                          static_cast<float>(nsToMs(result.resultNs - result.captureNs))});
}

void LoopMonitor::onShown(const FrameResult& result, uint64_t newestFrameId, int64_t nowNs) {
  resultAgeMs_ = nsToMs(nowNs - result.captureNs);
  framesBehind_ = static_cast<int64_t>(newestFrameId) - static_cast<int64_t>(result.frameId);
}

void LoopMonitor::onNewFrame(const Frame& frame, int64_t nowNs) {
  latencyMs_.add(nsToMs(nowNs - frame.captureNs));
}

void LoopMonitor::onLoopEnd(double periodMs, bool resultShown) {
  periodMs_.add(periodMs);
  totals_.addFrame(periodMs, resultShown ? resultAgeMs_ : -1.0);
}

}  // namespace facefilter
