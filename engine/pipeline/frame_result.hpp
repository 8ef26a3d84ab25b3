#pragma once
// What the engine produces for one frame: immutable once published, carries the id and capture stamp
// of the frame it came from.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/detect/face_detector.hpp"
#include "engine/track/face_tracker.hpp"

namespace facefilter {

struct StageTimesMs {
  double decode = 0;     // reading/decoding the frame (capture thread)
  double detect = 0;     // Haar detection, 0 when the detector did not run
  double keypoints = 0;  // crops + batched CNN forward pass
  double track = 0;      // association, motion check, smoothing
};

struct FrameResult {
  uint64_t frameId = 0;
  int64_t captureNs = 0;
  int64_t resultNs = 0;  // when processing finished (same clock as captureNs)
  double sourceTimeMs = 0;
  int frameWidth = 0;
  int frameHeight = 0;
  bool detectorRan = false;
  DetectReason detectReason = DetectReason::kNone;
  DetectScope detectScope = DetectScope::kFullFrame;  // where the detector looked, when it ran
  std::vector<Detection> detections;                  // the detector's raw boxes, when it ran
  int extraPasses = 0;  // cold-start passes (rolled, profile) run besides the upright scan
  std::vector<FaceResult> faces;
  StageTimesMs times;
  std::string error;  // non-empty when the frame could not be fully processed
};

using FrameResultPtr = std::shared_ptr<const FrameResult>;

}  // namespace facefilter
