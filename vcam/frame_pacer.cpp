#include "vcam/frame_pacer.hpp"

#include <algorithm>
#include <cassert>

namespace facefilter {

FramePacer::FramePacer(int64_t startNs, int fps)
    : startNs_(startNs), fps_(std::max(fps, 1)), periodNs_(1'000'000'000 / std::max(fps, 1)) {
  assert(fps > 0 && "FramePacer: fps must be positive");
}

int64_t FramePacer::slotStart(int64_t k) const {
  // k / fps seconds, exact for any k (no accumulated rounding).
  return startNs_ + (k / fps_) * 1'000'000'000 + (k % fps_) * 1'000'000'000 / fps_;
}

FramePacer::Action FramePacer::decide(int64_t nowNs, bool newPictureWaiting) {
  if (nowNs >= slotStart(slot_ + 1)) {
    // Whole slots went by without a write: start again from the one `now` is in.
    const int64_t behind = (nowNs - slotStart(slot_)) * fps_ / 1'000'000'000;
    int64_t k = slot_ + std::max<int64_t>(behind, 1);
    while (slotStart(k) > nowNs) --k;
    while (slotStart(k + 1) <= nowNs) ++k;
    skipped_ += static_cast<uint64_t>(k - slot_);
    slot_ = k;
  }
  const int64_t start = slotStart(slot_);
  if (nowNs < start) return Action::kWait;
  if (newPictureWaiting) return Action::kSendNew;
  if (nowNs >= start + (slotStart(slot_ + 1) - start) / 2) return Action::kRepeat;
  return Action::kWait;
}

void FramePacer::wrote() {
  ++slot_;
}

int64_t FramePacer::wakeNs(int64_t nowNs) const {
  const int64_t start = slotStart(slot_);
  if (nowNs < start) return start;
  return start + (slotStart(slot_ + 1) - start) / 2;
}

}  // namespace facefilter
