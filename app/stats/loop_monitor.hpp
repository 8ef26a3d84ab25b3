#pragma once
// The render loop's live figures, as the panel shows them: the loop's period, capture -> display latency,
// how old the shown result is and how many frames it lags the newest, the per-stage times of the engine's
// results over the last seconds, and the totals written at exit (RenderLoopStats). Pure (the caller passes
// the times); main thread only.

#include <cstdint>

#include "app/stats/render_loop_stats.hpp"
#include "app/ui/stage_history.hpp"
#include "engine/core/frame.hpp"
#include "engine/core/sample_window.hpp"
#include "engine/pipeline/frame_result.hpp"

namespace facefilter {

class LoopMonitor {
 public:
  // Each result once: the engine's version counter says whether `result` is one the loop has not seen.
  void onResult(const FrameResult& result, uint64_t version);
  // The result shown with the newest captured frame (its age and lag).
  void onShown(const FrameResult& result, uint64_t newestFrameId, int64_t nowNs);
  // A video frame shown for the first time.
  void onNewFrame(const Frame& frame, int64_t nowNs);
  // The end of one loop iteration; `resultShown` says whether a result was drawn in it.
  void onLoopEnd(double periodMs, bool resultShown);
  // A new source restarts the history.
  void clearHistory() { stages_.clear(); }

  const SampleWindow& periodMs() const { return periodMs_; }
  const SampleWindow& latencyMs() const { return latencyMs_; }
  double resultAgeMs() const { return resultAgeMs_; }
  int64_t framesBehind() const { return framesBehind_; }
  StageHistory& stages() { return stages_; }
  RenderLoopStats& totals() { return totals_; }
  const RenderLoopStats& totals() const { return totals_; }

 private:
  SampleWindow periodMs_{240};
  SampleWindow latencyMs_{240};
  double resultAgeMs_ = 0;
  int64_t framesBehind_ = 0;
  uint64_t lastVersion_ = 0;
  StageHistory stages_;
  RenderLoopStats totals_;
};

}  // namespace facefilter
