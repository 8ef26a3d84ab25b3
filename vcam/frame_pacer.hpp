#pragma once
// When the virtual camera writes: one new picture per time slot of 1/fps on the steady clock, slot k
// starting at start + k/fps (integer nanoseconds, no drift). In each slot the first new picture is written as
// soon as it is there; a slot with no new picture by three quarters of its time repeats the last one, so
// consumers see a steady rate and never a frozen stream (a picture that comes after the repeat still goes out
// in its slot). Writing a waiting picture at the start of the next slot (rather than only on a
// fixed tick) lets a producer at the same rate as the camera, with jitter, lose no frames: it would lose
// about one in every beat of the two clocks with a plain fixed tick. Slots that passed with no write (the
// thread was held up) are skipped and counted, never caught up in a burst.
// Pure arithmetic on given times: tested with made-up clocks. One thread (the sender's).

#include <cstdint>

namespace facefilter {

class FramePacer {
 public:
  FramePacer(int64_t startNs, int fps);

  enum class Action { kWait, kSendNew, kRepeat };
  // What to do at `nowNs`, with or without a new picture waiting. Skips the slots that ended unwritten.
  Action decide(int64_t nowNs, bool newPictureWaiting);
  // A write of `action` (kSendNew or kRepeat) went out in the current slot.
  void wrote(Action action);
  // When to look again if no new picture arrives (the current slot's start, its repeat time, or its end).
  int64_t wakeNs(int64_t nowNs) const;

  int64_t slotStartNs() const { return slotStart(slot_); }
  int64_t periodNs() const { return periodNs_; }
  uint64_t skippedSlots() const { return skipped_; }

 private:
  int64_t slotStart(int64_t k) const;
  int64_t repeatAt(int64_t k) const;
  int64_t startNs_;
  int fps_;
  int64_t periodNs_;
  int64_t slot_ = 0;
  uint64_t skipped_ = 0;
  bool repeatedInSlot_ = false;
};

}  // namespace facefilter
