#include "app/render/recent_frames.hpp"

#include <algorithm>

namespace facefilter {

void RecentFrames::add(const FramePtr& newest) {
  if (!newest || (!frames_.empty() && frames_.back() == newest)) return;
  frames_.push_back(newest);
  while (frames_.size() > kKept) frames_.pop_front();
}

FramePtr RecentFrames::pick(const FrameResult* result, const ViewSettings& view) const {
  if (frames_.empty()) return nullptr;
  if (view.sync == VideoSync::kMatchResult && result != nullptr) {
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
      if ((*it)->id == result->frameId) return *it;
    }
    return frames_.back();
  }
  if (view.sync == VideoSync::kNewestFrame && view.holdVideoFrames > 0) {
    const size_t back = std::min(frames_.size() - 1, static_cast<size_t>(view.holdVideoFrames));
    return frames_[frames_.size() - 1 - back];
  }
  return frames_.back();
}

}  // namespace facefilter
