#pragma once
// Which clock times a recording's frames. Live, the capture's steady clock (Frame::captureNs): the file lasts
// as long as the session, dropped frames and all, and the microphone is stamped on the same clock. From a
// video file in batch, the input's own timestamps (Frame::sourceTimeMs): variable frame rates survive and
// the input's sound stays in sync. Images and folders have no timestamps: frames are spaced at the rate.

#include <cstdint>

#include "engine/capture/source_spec.hpp"
#include "engine/core/frame.hpp"

namespace facefilter {

enum class FrameClock { kCapture, kSource, kFrameCount };

inline FrameClock frameClockFor(SourceKind kind, bool live) {
  if (live) return FrameClock::kCapture;
  if (kind == SourceKind::kVideoFile || kind == SourceKind::kDemo) return FrameClock::kSource;
  return kind == SourceKind::kCamera ? FrameClock::kCapture : FrameClock::kFrameCount;
}

// The frame's time in ns on `clock`; `fps` spaces kFrameCount frames.
inline int64_t frameTimeNs(const Frame& frame, FrameClock clock, double fps) {
  switch (clock) {
    case FrameClock::kCapture:
      return frame.captureNs;
    case FrameClock::kSource:
      return static_cast<int64_t>(frame.sourceTimeMs * 1e6);
    case FrameClock::kFrameCount:
      break;
  }
  return static_cast<int64_t>(static_cast<double>(frame.id) * 1e9 / (fps > 0 ? fps : 30.0));
}

}  // namespace facefilter
