#include "engine/track/face_tracker.hpp"

#include <algorithm>
#include <cmath>

#include "engine/core/logging.hpp"

namespace facefilter {
namespace {

// The most a crop leads a turning face by (radians a frame).
constexpr float kMaxRollLead = 0.15f;
// The most two rolls of one face may differ between a track and its detection, or between a crop and the
// points found in it (radians): no head turns 45 degrees between two frames, and no detector pass leaves that
// much.
constexpr float kMaxRollMismatch = 0.8f;

}  // namespace

Status validate(const TrackerParams& p) {
  if (p.detectIntervalFrames < 1 || p.detectIntervalFrames > 1000) {
    return makeError("tracker: detection interval must be in [1, 1000] frames");
  }
  if (p.fullScanIntervalFrames < 1 || p.fullScanIntervalFrames > 100000) {
    return makeError("tracker: full-scan interval must be in [1, 100000] frames");
  }
  if (p.minRedetectGapFrames < 0 || p.minRedetectGapFrames > 1000) {
    return makeError("tracker: re-detection gap must be in [0, 1000] frames");
  }
  if (!(p.matchIou > 0 && p.matchIou < 1)) return makeError("tracker: match IoU must be in (0, 1)");
  if (!(p.minQuality >= 0 && p.minQuality <= 1) || !(p.dropQuality >= 0 && p.dropQuality <= p.minQuality)) {
    return makeError("tracker: qualities must satisfy 0 <= drop <= min <= 1");
  }
  if (p.maxMissedDetections < 0 || p.maxMissedDetections > 100) {
    return makeError("tracker: max missed detections must be in [0, 100]");
  }
  if (!(p.motionTrigger >= 0 && p.motionTrigger <= 1))
    return makeError("tracker: motion trigger must be in [0, 1]");
  if (!(p.oneEuro.minCutoffHz > 0 && p.oneEuro.minCutoffHz <= 100)) {
    return makeError("tracker: One Euro min cutoff must be in (0, 100] Hz");
  }
  if (!(p.oneEuro.beta >= 0 && p.oneEuro.beta <= 100))
    return makeError("tracker: One Euro beta must be in [0, 100]");
  if (!(p.oneEuro.derivativeCutoffHz > 0 && p.oneEuro.derivativeCutoffHz <= 100)) {
    return makeError("tracker: One Euro derivative cutoff must be in (0, 100] Hz");
  }
  if (!(p.presenceThreshold >= 0 && p.presenceThreshold <= 1)) {
    return makeError("tracker: presence threshold must be in [0, 1], got " +
                     std::to_string(p.presenceThreshold));
  }
  if (p.presenceDropFrames < 1 || p.presenceDropFrames > 1000) {
    return makeError("tracker: presence drop frames must be in [1, 1000], got " +
                     std::to_string(p.presenceDropFrames));
  }
  return Ok{};
}

const char* toString(DetectReason reason) {
  switch (reason) {
    case DetectReason::kNone:
      return "none";
    case DetectReason::kNoTracks:
      return "no-tracks";
    case DetectReason::kInterval:
      return "interval";
    case DetectReason::kLowQuality:
      return "low-quality";
    case DetectReason::kMotion:
      return "motion";
    case DetectReason::kEveryFrame:
      return "every-frame";
  }
  return "?";
}

DetectReason FaceTracker::decide(float motionOutsideTracks) const {
  if (params_.mode == TrackingMode::kDetectEveryFrame) return DetectReason::kEveryFrame;
  if (tracks_.empty()) return DetectReason::kNoTracks;
  if (framesSinceDetect_ + 1 >= params_.detectIntervalFrames) return DetectReason::kInterval;
  if (framesSinceDetect_ + 1 < params_.minRedetectGapFrames) return DetectReason::kNone;
  for (const auto& t : tracks_) {
    if (t.quality < params_.minQuality) return DetectReason::kLowQuality;
  }
  if (params_.motionTrigger > 0 && motionOutsideTracks > params_.motionTrigger) return DetectReason::kMotion;
  return DetectReason::kNone;
}

DetectScope FaceTracker::scope(DetectReason reason) const {
  switch (reason) {
    case DetectReason::kInterval:
      return framesSinceFullScan_ + 1 >= params_.fullScanIntervalFrames ? DetectScope::kFullFrame
                                                                        : DetectScope::kAroundTracks;
    case DetectReason::kLowQuality:
      // A face whose track is failing is still near where the track last saw it; if it is not, the
      // track is dropped and the next frame, with no tracks, scans everything.
      return params_.fullScanIntervalFrames > 1 ? DetectScope::kAroundTracks : DetectScope::kFullFrame;
    default:
      return DetectScope::kFullFrame;
  }
}

DetectRegion regionAround(const FaceBox& faceBox) {
  // Twice the face box: room for the motion since the last frame plus the detector's own box spread
  // (Haar boxes scatter ~10-15 % in size and position around the keypoint-implied box).
  const float side = std::max(faceBox.rect.width, faceBox.rect.height);
  const cv::Point2f c = faceBox.center();
  return {cv::Rect2f(c.x - side, c.y - side, 2 * side, 2 * side), 0.6f * side, 1.6f * side, faceBox.angle};
}

std::vector<DetectRegion> FaceTracker::regionsAroundTracks() const {
  std::vector<DetectRegion> regions;
  regions.reserve(tracks_.size());
  for (const auto& t : tracks_) {
    if (t.box.rect.width > 0 && t.box.rect.height > 0) regions.push_back(regionAround(t.box));
  }
  return regions;
}

std::vector<FaceBox> FaceTracker::plan(const std::vector<Detection>* detections, const BoxFromPoints& rule,
                                       DetectScope scope) {
  planned_.clear();
  if (params_.mode == TrackingMode::kDetectEveryFrame) {
    // No identity across frames: every detection is a face of its own, every frame.
    tracks_.clear();
  }
  for (size_t i = 0; i < tracks_.size(); ++i) {
    FaceBox box = faceBoxFromPoints(tracks_[i].raw, rule);
    // A turning head keeps turning: the crop leads by the roll's recent speed, so that it stays upright for
    // the net (which is trained for the residual roll tracking leaves, not for a lag that grows with the
    // speed).
    if (rule.eyeLine) box.angle += std::clamp(tracks_[i].rollSpeed, -kMaxRollLead, kMaxRollLead);
    planned_.push_back({static_cast<int>(i), box, tracks_[i].score, false});
  }
  if (detections) {
    framesSinceDetect_ = 0;
    if (scope == DetectScope::kFullFrame) {
      framesSinceFullScan_ = 0;
    } else {
      ++framesSinceFullScan_;
    }
    // Greedy association by IoU, best pairs first.
    struct Pair {
      float iou;
      size_t track, det;
    };
    std::vector<Pair> pairs;
    for (size_t t = 0; t < planned_.size(); ++t) {
      // A detection confirms a track only at a compatible roll: one found upright over a face tracked upside
      // down (a false hit, or another pass's view of it) would turn its crop away from the face.
      const float roll = eyeLineAngle(tracks_[static_cast<size_t>(planned_[t].trackIndex)].raw);
      for (size_t d = 0; d < detections->size(); ++d) {
        const float o = iou(planned_[t].box.rect, (*detections)[d].box);
        const bool turnFits =
            !rule.eyeLine || angleDistance(roll, (*detections)[d].angle) <= kMaxRollMismatch;
        if (o >= params_.matchIou && turnFits) {
          pairs.push_back({o, t, d});
        }
      }
    }
    std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.iou > b.iou; });
    std::vector<bool> trackUsed(planned_.size(), false), detUsed(detections->size(), false);
    for (const Pair& p : pairs) {
      if (trackUsed[p.track] || detUsed[p.det]) continue;
      trackUsed[p.track] = detUsed[p.det] = true;
      Planned& planned = planned_[p.track];
      planned.score = (*detections)[p.det].score;
      planned.detected = true;
      // An eye-line crop from a healthy track's keypoints is what the keypoints stage is trained on, and it
      // places the face better than a Haar box: the detection only confirms the track. A failing track is
      // cropped afresh from the detector's box.
      const Track& track = tracks_[static_cast<size_t>(planned.trackIndex)];
      const bool healthy = rule.eyeLine && track.quality >= params_.minQuality &&
                           (track.presence < 0 || track.presence >= params_.presenceThreshold);
      if (!healthy) {
        planned.box = {(*detections)[p.det].box, (*detections)[p.det].angle};
        planned.detectorCrop = true;
      }
    }
    for (size_t t = 0; t < planned_.size(); ++t) {
      Track& track = tracks_[static_cast<size_t>(planned_[t].trackIndex)];
      track.missedDetections = trackUsed[t] ? 0 : track.missedDetections + 1;
    }
    for (size_t d = 0; d < detections->size(); ++d) {
      if (!detUsed[d]) {
        planned_.push_back(
            {-1, {(*detections)[d].box, (*detections)[d].angle}, (*detections)[d].score, true, true});
      }
    }
  } else {
    ++framesSinceDetect_;
    ++framesSinceFullScan_;
  }
  std::vector<FaceBox> boxes;
  boxes.reserve(planned_.size());
  for (const auto& p : planned_) boxes.push_back(p.box);
  return boxes;
}

std::vector<bool> FaceTracker::plannedFromDetection() const {
  std::vector<bool> out;
  out.reserve(planned_.size());
  for (const auto& p : planned_) out.push_back(p.detectorCrop);
  return out;
}

cv::Mat FaceTracker::appearanceThumbnail(const cv::Mat& gray, const CropWindow& crop) {
  cv::Mat thumb;
  warpCrop(gray, crop, 24).convertTo(thumb, CV_32F);
  return thumb;
}

float FaceTracker::appearanceSimilarity(const cv::Mat& a, const cv::Mat& b) {
  if (a.empty() || b.empty() || a.size() != b.size()) return 0.f;
  cv::Scalar meanA, stdA, meanB, stdB;
  cv::meanStdDev(a, meanA, stdA);
  cv::meanStdDev(b, meanB, stdB);
  if (stdA[0] < 1e-3 || stdB[0] < 1e-3) return 0.f;
  const double cov = cv::mean((a - meanA[0]).mul(b - meanB[0]))[0];
  return static_cast<float>(std::clamp(cov / (stdA[0] * stdB[0]), -1.0, 1.0));
}

std::vector<FaceResult> FaceTracker::update(const std::vector<CropWindow>& crops,
                                            const std::vector<Landmarks>& raw, int64_t timeNs,
                                            const BoxFromPoints& rule, const std::vector<cv::Mat>* appearance,
                                            const std::vector<float>* presence) {
  const size_t n = std::min({planned_.size(), raw.size(), crops.size()});
  std::vector<Track> next;
  std::vector<const CropWindow*> nextCrops;
  std::vector<bool> nextDetected;
  next.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const Planned& p = planned_[i];
    const float score = presence && i < presence->size() ? (*presence)[i] : -1.f;
    Track t;
    if (p.trackIndex >= 0) {
      t = std::move(tracks_[static_cast<size_t>(p.trackIndex)]);
    } else {
      t.id = nextId_++;
    }
    // Quality: how well the box implied by the new keypoints agrees with the box they were cropped
    // from. A face that is really there gives a consistent, slowly moving box; a lost face does not.
    const FaceBox implied = faceBoxFromPoints(raw[i], rule);
    float agreement = iou(implied.rect, p.box.rect);
    // Points whose eye line is far from the crop's turn are not on the face the crop was turned for.
    const bool turnedAway = rule.eyeLine && angleDistance(implied.angle, p.box.angle) > kMaxRollMismatch;
    if (appearance && i < appearance->size()) {
      const cv::Mat& look = (*appearance)[i];
      if (p.detected || t.reference.empty()) {
        t.reference = look;
      } else {
        agreement = std::min(agreement, std::max(0.f, appearanceSimilarity(look, t.reference)));
      }
    }
    t.quality = p.trackIndex >= 0 ? 0.5f * t.quality + 0.5f * agreement : agreement;
    if (p.detected) {
      t.score = p.score;
      t.confidence = std::min(1.f, 0.5f * t.confidence + 0.5f * std::max(agreement, 0.8f));
    } else if (t.missedDetections > 0 && score < 0) {
      t.confidence *= 0.85f;  // fades while the detector does not find it
    } else if (t.missedDetections > 0) {
      // The cascade misses faces that turn, tilt or darken; the crop's own presence score says whether the
      // face is still there.
      t.confidence = 0.8f * t.confidence + 0.2f * score;
    } else {
      t.confidence = 0.9f * t.confidence + 0.1f * t.quality;
    }
    if (p.trackIndex < 0) t.confidence = agreement;
    if (p.trackIndex >= 0) {
      const float turn =
          std::remainder(eyeLineAngle(raw[i]) - eyeLineAngle(t.raw), 2 * static_cast<float>(CV_PI));
      t.rollSpeed = 0.5f * t.rollSpeed + 0.5f * turn;
    }
    t.raw = raw[i];
    t.box = implied;
    ++t.ageFrames;
    if (score >= 0) {
      t.presence = score;
      t.lowPresenceFrames = score < params_.presenceThreshold ? t.lowPresenceFrames + 1 : 0;
    }
    // A new face must show itself at once; a tracked one may dip (blur, a hand) for a few frames.
    const bool absent = t.lowPresenceFrames >= (p.trackIndex < 0 ? 1 : params_.presenceDropFrames);
    // With a presence score, a face the detector fails to confirm stays while its crops hold a face.
    const bool unconfirmed = score < 0 && t.missedDetections > params_.maxMissedDetections;
    const bool lost = absent || turnedAway || unconfirmed || t.quality < params_.dropQuality;
    if (lost) {
      logger("track")->debug("track {} ended: {}{}{}{} (quality {:.2f}, presence {:.2f}, missed {})", t.id,
                             absent ? "presence low " : "", turnedAway ? "points turned away " : "",
                             t.quality < params_.dropQuality ? "quality low " : "",
                             unconfirmed ? "not confirmed" : "", t.quality, t.presence, t.missedDetections);
      continue;
    }
    next.push_back(std::move(t));
    nextCrops.push_back(&crops[i]);
    nextDetected.push_back(p.detected);
  }

  // The same face found twice (a detection that did not match its drifting track): keep the older track.
  std::vector<bool> dropped(next.size(), false);
  for (size_t a = 0; a < next.size(); ++a) {
    for (size_t b = a + 1; b < next.size(); ++b) {
      if (dropped[a] || dropped[b]) continue;
      if (iou(next[a].box.rect, next[b].box.rect) > params_.duplicateIou) {
        dropped[next[a].id > next[b].id ? a : b] = true;
      }
    }
  }

  tracks_.clear();
  std::vector<FaceResult> faces;
  for (size_t i = 0; i < next.size(); ++i) {
    if (dropped[i]) continue;
    Track& t = next[i];
    FaceResult f;
    f.trackId = t.id;
    f.box = t.box.rect;
    f.boxAngle = t.box.angle;
    f.roll = eyeLineAngle(t.raw);
    f.presence = t.presence;
    f.score = t.score;
    f.confidence = std::clamp(t.confidence, 0.f, 1.f);
    f.quality = std::clamp(t.quality, 0.f, 1.f);
    f.detectedThisFrame = nextDetected[i];
    f.ageFrames = t.ageFrames;
    f.crop = *nextCrops[i];
    f.rawKeypoints = t.raw;
    if (params_.smoothing == Smoothing::kOneEuro && params_.mode == TrackingMode::kTrack) {
      for (int k = 0; k < kNumKeypoints; ++k) {
        const auto kk = static_cast<size_t>(k);
        f.keypoints[kk].x =
            static_cast<float>(t.filters[2 * kk].filter(t.raw[kk].x, timeNs, params_.oneEuro));
        f.keypoints[kk].y =
            static_cast<float>(t.filters[2 * kk + 1].filter(t.raw[kk].y, timeNs, params_.oneEuro));
      }
    } else {
      f.keypoints = t.raw;
    }
    // The track lives on through a dip in presence, but nothing is drawn on what may not be a face.
    if (t.lowPresenceFrames == 0) faces.push_back(f);
    tracks_.push_back(std::move(t));
  }
  planned_.clear();
  return faces;
}

std::vector<cv::Rect2f> FaceTracker::trackBoxes() const {
  std::vector<cv::Rect2f> boxes;
  for (const auto& t : tracks_) boxes.push_back(t.box.rect);
  return boxes;
}

void FaceTracker::reset() {
  tracks_.clear();
  planned_.clear();
  framesSinceDetect_ = 1 << 20;
  framesSinceFullScan_ = 1 << 20;
}

}  // namespace facefilter
