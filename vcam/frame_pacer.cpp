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
  // A slot that ended with a repeat was written: the next one is next.
  if (repeatedInSlot_ && nowNs >= slotStart(slot_ + 1)) {
    ++slot_;
    repeatedInSlot_ = false;
  }
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
  if (!repeatedInSlot_ && nowNs >= repeatAt(slot_)) return Action::kRepeat;
  return Action::kWait;
}

void FramePacer::wrote(Action action) {
  if (action == Action::kRepeat) {
    // The repeat holds the slot's place; a picture that comes later in the slot still goes out in it, rather
    // than taking the next slot (where it would push out the picture after it).
    repeatedInSlot_ = true;
    return;
  }
  ++slot_;
  repeatedInSlot_ = false;
}

int64_t FramePacer::repeatAt(int64_t k) const {
  return slotStart(k) + (slotStart(k + 1) - slotStart(k)) * 3 / 4;
}

int64_t FramePacer::wakeNs(int64_t nowNs) const {
  const int64_t start = slotStart(slot_);
  if (nowNs < start) return start;
  return repeatedInSlot_ ? slotStart(slot_ + 1) : repeatAt(slot_);
}

}  // namespace facefilter
