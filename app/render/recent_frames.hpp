#pragma once
// The last video frames the loop has seen, and which of them to show: the newest, the one the shown
// result belongs to (VideoSync::kMatchResult, so the overlay sits on the picture it was computed from), or
// one held a few frames back. Pure; main thread only.

#include <cstddef>
#include <deque>

#include "engine/core/frame.hpp"
#include "engine/pipeline/frame_result.hpp"
#include "settings/app_config.hpp"

namespace facefilter {

class RecentFrames {
 public:
  // Enough for a result a second late at 30 fps.
  static constexpr size_t kKept = 32;

  // The capture's newest frame; the same frame again is ignored.
  void add(const FramePtr& newest);
  void clear() { frames_.clear(); }
  bool empty() const { return frames_.empty(); }
  const FramePtr& newest() const { return frames_.back(); }
  // The frame to show with `result` (null when there is none yet).
  FramePtr pick(const FrameResult* result, const ViewSettings& view) const;

 private:
  std::deque<FramePtr> frames_;
};

}  // namespace facefilter
