// engine/track: the One Euro filter with explicit timestamps, and the face tracker driven by synthetic
// detections and a synthetic "CNN" that returns the keypoints of the face under each crop.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/core/clock.hpp"
#include "engine/keypoints/face_crop.hpp"
#include "engine/track/face_tracker.hpp"
#include "engine/track/one_euro_filter.hpp"

namespace facefilter {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kFrameNs = 33'333'333;  // 30 fps

// ---------------------------------------------------------------------------------------------
// One Euro filter

double expectedAlpha(double dtS, double cutoffHz) {
  const double tau = 1.0 / (2.0 * std::numbers::pi * cutoffHz);
  return 1.0 / (1.0 + tau / dtS);
}

TEST(OneEuroFilter, FirstSamplePassesThrough) {
  OneEuroFilter f;
  EXPECT_FALSE(f.initialised());
  EXPECT_EQ(f.filter(42.5, 1'000'000'000, OneEuroParams{}), 42.5);
  EXPECT_TRUE(f.initialised());
  f.reset();
  EXPECT_FALSE(f.initialised());
  EXPECT_EQ(f.filter(-3, 2'000'000'000, OneEuroParams{}), -3) << "after reset the next sample passes through";
}

TEST(OneEuroFilter, ConstantInputConvergesWithoutOvershoot) {
  OneEuroParams p;  // defaults: 1 Hz, beta 0.05
  OneEuroFilter f;
  ManualClock clock(5'000'000'000);
  f.filter(0, clock.nowNs(), p);
  double previous = 0;
  for (int i = 0; i < 90; ++i) {  // 3 s at 30 fps
    clock.advanceNs(kFrameNs);
    const double y = f.filter(10, clock.nowNs(), p);
    EXPECT_GE(y, previous - 1e-12) << "monotonic approach, sample " << i;
    EXPECT_LE(y, 10 + 1e-12) << "no overshoot, sample " << i;
    previous = y;
  }
  EXPECT_NEAR(previous, 10, 0.01);
}

TEST(OneEuroFilter, StepResponseFollowsTheCutoff) {
  OneEuroParams p;
  p.minCutoffHz = 1.0;
  p.beta = 0;  // a plain first-order low-pass
  OneEuroFilter f;
  int64_t t = 0;
  f.filter(0, t, p);
  const double dt = static_cast<double>(kFrameNs) * 1e-9;
  const double a = expectedAlpha(dt, 1.0);
  std::vector<double> out;
  for (int i = 0; i < 30; ++i) {
    t += kFrameNs;
    out.push_back(f.filter(10, t, p));
  }
  EXPECT_NEAR(out[0], 10 * a, 1e-9);
  EXPECT_NEAR(out[1], 10 * (1 - (1 - a) * (1 - a)), 1e-9);
  EXPECT_NEAR(out[29], 10 * (1 - std::pow(1 - a, 30)), 1e-9);
  EXPECT_GT(out[29], 9.9) << "about 1 s for a 1 Hz cutoff";

  // A higher cutoff follows faster.
  OneEuroFilter fast;
  OneEuroParams pf = p;
  pf.minCutoffHz = 5;
  fast.filter(0, 0, pf);
  EXPECT_GT(fast.filter(10, kFrameNs, pf), out[0] * 2);
}

TEST(OneEuroFilter, TimestampsNotCallsDriveIt) {
  OneEuroParams p;
  p.beta = 0;
  OneEuroFilter at30, at60;
  at30.filter(0, 0, p);
  at60.filter(0, 0, p);
  const double y30 = at30.filter(10, kFrameNs, p);
  const double y60 = at60.filter(10, kFrameNs / 2, p);
  EXPECT_LT(y60, y30) << "half the time passed: less of the step is followed";
  EXPECT_NEAR(y60, 10 * expectedAlpha(static_cast<double>(kFrameNs / 2) * 1e-9, 1.0), 1e-9);

  // Repeated (or backwards) stamps are taken as one frame at 30 fps, not as a division by zero.
  OneEuroFilter same;
  same.filter(0, 1000, p);
  const double y = same.filter(10, 1000, p);
  EXPECT_TRUE(std::isfinite(y));
  EXPECT_NEAR(y, 10 * expectedAlpha(1.0 / 30.0, 1.0), 1e-9);
  OneEuroFilter back;
  back.filter(0, 5000, p);
  EXPECT_NEAR(back.filter(10, 1000, p), y, 1e-12);
}

TEST(OneEuroFilter, BetaReducesLagWhenMoving) {
  const auto lagAfterRamp = [](double beta) {
    OneEuroParams p;
    p.minCutoffHz = 1;
    p.beta = beta;
    OneEuroFilter f;
    double x = 0, y = 0;
    for (int i = 0; i <= 60; ++i) {  // 200 px/s for 2 s at 30 fps
      x = 200.0 * i / 30.0;
      y = f.filter(x, i * kFrameNs, p);
    }
    return x - y;
  };
  const double lag0 = lagAfterRamp(0);
  const double lagBeta = lagAfterRamp(0.5);
  EXPECT_GT(lag0, 20) << "a 1 Hz low-pass lags a 200 px/s ramp by tens of pixels";
  EXPECT_GT(lagBeta, 0);
  EXPECT_LT(lagBeta, 0.25 * lag0) << "speed raises the cutoff";
}

TEST(OneEuroFilter, SmoothsJitterOfAStillPoint) {
  OneEuroParams p;
  p.minCutoffHz = 1;
  p.beta = 0;
  OneEuroFilter f;
  double inVar = 0, outVar = 0;
  int n = 0;
  for (int i = 0; i < 300; ++i) {
    const double noise = ((i * 7919) % 13 - 6) / 6.0;  // deterministic, in [-1, 1], mean ~0
    const double y = f.filter(100 + noise, i * kFrameNs, p);
    if (i >= 60) {
      inVar += noise * noise;
      outVar += (y - 100) * (y - 100);
      ++n;
    }
  }
  ASSERT_GT(n, 0);
  EXPECT_LT(std::sqrt(outVar / n), 0.5 * std::sqrt(inVar / n));
}

// ---------------------------------------------------------------------------------------------
// FaceTracker

const BoxFromPoints kRule{};  // box = square on the keypoints' extent, same centre
const CropConvention kCrop{};

// 68 points whose box under kRule is exactly `box` (square).
Landmarks landmarksFor(const cv::Rect2f& box) {
  Landmarks p;
  for (int k = 0; k < kNumKeypoints; ++k) {
    const float t = static_cast<float>(k) / (kNumKeypoints - 1);
    const float u = static_cast<float>((k * 37) % kNumKeypoints) / (kNumKeypoints - 1);
    p[static_cast<size_t>(k)] = cv::Point2f(box.x + t * box.width, box.y + u * box.height);
  }
  p[0] = {box.x, box.y};
  p[1] = {box.x + box.width, box.y + box.height};
  return p;
}

cv::Rect2f shifted(const cv::Rect2f& b, float dx, float dy) {
  return {b.x + dx, b.y + dy, b.width, b.height};
}

struct Step {
  DetectReason reason = DetectReason::kNone;
  DetectScope scope = DetectScope::kFullFrame;
  std::vector<FaceResult> faces;
  size_t planned = 0;
};

// One frame: decide, detect (the detector finds the true faces when `detectorFinds`), plan, "CNN"
// (keypoints of the true face best overlapping each planned box, or of `lostOffset`-shifted boxes when
// none does), update.
struct Sim {
  FaceTracker tracker;
  int64_t nowNs = 0;
  bool detectorFinds = true;
  std::optional<cv::Point2f> cnnOffset;  // the CNN lands this far from the planned box instead

  explicit Sim(TrackerParams p = {}) : tracker(p) {}

  Step step(const std::vector<cv::Rect2f>& faces, float motion = 0) {
    Step s;
    s.reason = tracker.decide(motion);
    std::vector<Detection> dets;
    if (detectorFinds) {
      for (const auto& f : faces) dets.push_back({f, 2.5f});
    }
    if (s.reason != DetectReason::kNone) s.scope = tracker.scope(s.reason);
    const auto boxes = tracker.plan(s.reason != DetectReason::kNone ? &dets : nullptr, kRule, s.scope);
    s.planned = boxes.size();
    std::vector<CropWindow> crops;
    std::vector<Landmarks> raw;
    for (const auto& planned : boxes) {
      const cv::Rect2f& b = planned.rect;
      crops.push_back(cropFromBox(planned, kCrop));
      if (cnnOffset) {
        raw.push_back(landmarksFor(shifted(b, cnnOffset->x, cnnOffset->y)));
        continue;
      }
      const cv::Rect2f* best = nullptr;
      float bestIou = 0.1f;
      for (const auto& f : faces) {
        if (iou(f, b) > bestIou) {
          bestIou = iou(f, b);
          best = &f;
        }
      }
      // No face under the crop: the network returns something small and off-centre.
      raw.push_back(landmarksFor(best ? *best : cv::Rect2f(b.x, b.y, b.width * 0.3f, b.height * 0.3f)));
    }
    s.faces = tracker.update(crops, raw, nowNs, kRule);
    nowNs += kFrameNs;
    return s;
  }
};

std::vector<int> ids(const std::vector<FaceResult>& faces) {
  std::vector<int> out;
  for (const auto& f : faces) out.push_back(f.trackId);
  std::sort(out.begin(), out.end());
  return out;
}

const cv::Rect2f kFaceA(100, 100, 80, 80);
const cv::Rect2f kFaceB(400, 120, 90, 90);

TEST(FaceTracker, IdsPersistWhileTheFaceMoves) {
  Sim sim;
  cv::Rect2f face = kFaceA;
  Step first = sim.step({face});
  EXPECT_EQ(first.reason, DetectReason::kNoTracks);
  ASSERT_EQ(first.faces.size(), 1u);
  EXPECT_EQ(first.faces[0].trackId, 1);
  EXPECT_TRUE(first.faces[0].detectedThisFrame);
  EXPECT_FLOAT_EQ(first.faces[0].score, 2.5f);
  EXPECT_EQ(first.faces[0].ageFrames, 1);
  for (int i = 1; i < 45; ++i) {
    face = shifted(face, 3, 1);  // steady motion, well within what keypoint tracking follows
    const Step s = sim.step({face});
    ASSERT_EQ(s.faces.size(), 1u) << "frame " << i;
    EXPECT_EQ(s.faces[0].trackId, 1) << "frame " << i;
    EXPECT_EQ(s.faces[0].ageFrames, i + 1);
    EXPECT_EQ(s.faces[0].detectedThisFrame, s.reason != DetectReason::kNone);
    EXPECT_NEAR(s.faces[0].box.x, face.x, 0.01) << "box from the keypoints";
    EXPECT_EQ(s.faces[0].rawKeypoints, landmarksFor(face));
  }
  EXPECT_EQ(sim.tracker.tracksCreated(), 1u);
  EXPECT_EQ(sim.tracker.trackCount(), 1u);
}

TEST(FaceTracker, DetectorIntervalIsHonoured) {
  TrackerParams p;
  p.detectIntervalFrames = 5;
  Sim sim(p);
  std::vector<DetectReason> reasons;
  for (int i = 0; i < 16; ++i) reasons.push_back(sim.step({kFaceA}).reason);
  using R = DetectReason;
  const std::vector<R> expected = {R::kNoTracks, R::kNone, R::kNone, R::kNone,    R::kNone,     R::kInterval,
                                   R::kNone,     R::kNone, R::kNone, R::kNone,    R::kInterval, R::kNone,
                                   R::kNone,     R::kNone, R::kNone, R::kInterval};
  EXPECT_EQ(reasons, expected);
}

TEST(FaceTracker, DetectionsBetweenFullScansSearchAroundTheTracks) {
  TrackerParams p;
  p.detectIntervalFrames = 5;
  p.fullScanIntervalFrames = 12;
  p.motionTrigger = 0;
  Sim sim(p);
  std::vector<int> full, around;
  for (int i = 0; i < 31; ++i) {
    const Step s = sim.step({kFaceA});
    if (s.reason == DetectReason::kNone) continue;
    (s.scope == DetectScope::kFullFrame ? full : around).push_back(i);
  }
  // A full scan at the start; then one at the first interval detection at least 12 frames after the last.
  EXPECT_EQ(full, (std::vector<int>{0, 15, 30}));
  EXPECT_EQ(around, (std::vector<int>{5, 10, 20, 25}));
}

TEST(FaceTracker, ScopeOfEachReason) {
  Sim sim;
  EXPECT_EQ(sim.tracker.scope(DetectReason::kNoTracks), DetectScope::kFullFrame);
  sim.step({kFaceA});  // a full scan
  EXPECT_EQ(sim.tracker.scope(DetectReason::kInterval), DetectScope::kAroundTracks);
  EXPECT_EQ(sim.tracker.scope(DetectReason::kLowQuality), DetectScope::kAroundTracks)
      << "a failing track's face is looked for where the track is";
  EXPECT_EQ(sim.tracker.scope(DetectReason::kMotion), DetectScope::kFullFrame)
      << "motion elsewhere: a new face?";
  EXPECT_EQ(sim.tracker.scope(DetectReason::kEveryFrame), DetectScope::kFullFrame);
  TrackerParams always;
  always.fullScanIntervalFrames = 1;
  Sim every(always);
  every.step({kFaceA});
  EXPECT_EQ(every.tracker.scope(DetectReason::kInterval), DetectScope::kFullFrame);
  EXPECT_EQ(every.tracker.scope(DetectReason::kLowQuality), DetectScope::kFullFrame);
}

TEST(FaceTracker, RegionsAroundTracksCoverEachFaceAndItsLikelySizes) {
  Sim sim;
  EXPECT_TRUE(sim.tracker.regionsAroundTracks().empty());
  sim.step({kFaceA, kFaceB});
  const auto regions = sim.tracker.regionsAroundTracks();
  ASSERT_EQ(regions.size(), 2u);
  for (const auto& face : {kFaceA, kFaceB}) {
    const DetectRegion r = regionAround(face);
    EXPECT_NEAR(r.area.x + r.area.width / 2, face.x + face.width / 2, 1e-3f);
    EXPECT_NEAR(r.area.y + r.area.height / 2, face.y + face.height / 2, 1e-3f);
    EXPECT_FLOAT_EQ(r.area.width, 2 * face.width);
    EXPECT_LT(r.minSidePx, face.width);
    EXPECT_GT(r.maxSidePx, face.width);
    const bool listed = std::any_of(regions.begin(), regions.end(),
                                    [&](const DetectRegion& g) { return (g.area & face) == face; });
    EXPECT_TRUE(listed) << "a region contains the face at " << face.x;
  }
}

TEST(FaceTracker, DefaultIntervalIsFifteenFrames) {
  Sim sim;
  int detections = 0;
  for (int i = 0; i < 61; ++i) {
    const DetectReason r = sim.step({kFaceA}).reason;
    if (r != DetectReason::kNone) {
      ++detections;
      EXPECT_EQ(i % 15, 0) << "frame " << i << ": " << toString(r);
    }
  }
  EXPECT_EQ(detections, 5);
}

TEST(FaceTracker, NewFaceStartsANewTrackAtTheNextDetection) {
  TrackerParams p;
  p.detectIntervalFrames = 4;
  p.motionTrigger = 0;
  Sim sim(p);
  EXPECT_EQ(ids(sim.step({kFaceA}).faces), std::vector<int>{1});
  // B enters at frame 1; without motion detection it is found at the next interval (frame 4).
  for (int i = 1; i < 4; ++i) {
    const Step s = sim.step({kFaceA, kFaceB});
    EXPECT_EQ(s.reason, DetectReason::kNone);
    EXPECT_EQ(ids(s.faces), std::vector<int>{1}) << "frame " << i;
  }
  const Step found = sim.step({kFaceA, kFaceB});
  EXPECT_EQ(found.reason, DetectReason::kInterval);
  EXPECT_EQ(ids(found.faces), (std::vector<int>{1, 2}));
  for (const auto& f : found.faces) {
    EXPECT_EQ(f.box, f.trackId == 1 ? kFaceA : kFaceB) << "track " << f.trackId << " is on its own face";
  }
  for (int i = 0; i < 10; ++i) EXPECT_EQ(ids(sim.step({kFaceA, kFaceB}).faces), (std::vector<int>{1, 2}));
  EXPECT_EQ(sim.tracker.tracksCreated(), 2u);
}

TEST(FaceTracker, MotionTriggerWaitsForTheMinimumGap) {
  TrackerParams p;
  p.detectIntervalFrames = 15;
  p.minRedetectGapFrames = 6;
  p.motionTrigger = 0.03f;
  Sim sim(p);
  sim.step({kFaceA});  // frame 0 detects
  for (int i = 1; i < 15; ++i) {
    const DetectReason withMotion = sim.tracker.decide(0.5f);
    EXPECT_EQ(withMotion, i < 6 ? DetectReason::kNone : DetectReason::kMotion) << "frame " << i;
    EXPECT_EQ(sim.tracker.decide(0.01f), DetectReason::kNone) << "below the trigger, frame " << i;
    sim.step({kFaceA});
  }

  p.motionTrigger = 0;  // off
  Sim off(p);
  off.step({kFaceA});
  for (int i = 1; i < 10; ++i) {
    EXPECT_EQ(off.tracker.decide(1.0f), DetectReason::kNone);
    off.step({kFaceA});
  }
}

TEST(FaceTracker, LowQualityAsksForADetectionAfterTheGap) {
  TrackerParams p;
  p.detectIntervalFrames = 30;
  p.minRedetectGapFrames = 6;
  p.motionTrigger = 0;
  Sim sim(p);
  ASSERT_EQ(sim.step({kFaceA}).faces.size(), 1u);
  // From now on the "CNN" lands half a box to the right of every crop: agreement 1/3, quality decays.
  sim.cnnOffset = cv::Point2f(kFaceA.width / 2, 0);
  std::vector<DetectReason> reasons;
  for (int i = 1; i <= 6; ++i) {
    const Step s = sim.step({});
    reasons.push_back(s.reason);
    ASSERT_EQ(s.faces.size(), 1u) << "quality stays above the drop level, frame " << i;
    EXPECT_LT(s.faces[0].confidence, 1.0f);
  }
  using R = DetectReason;
  EXPECT_EQ(reasons, (std::vector<R>{R::kNone, R::kNone, R::kNone, R::kNone, R::kNone, R::kLowQuality}));
}

TEST(FaceTracker, TracksTheDetectorNoLongerConfirmsAreDropped) {
  TrackerParams p;
  p.detectIntervalFrames = 2;
  p.maxMissedDetections = 2;
  Sim sim(p);
  ASSERT_EQ(sim.step({kFaceA}).faces.size(), 1u);  // frame 0: found
  sim.detectorFinds = false;                       // the keypoints still agree, the detector stops confirming
  int missed = 0;
  float lastConfidence = 1.0f;
  for (int i = 1; i < 12; ++i) {
    const Step s = sim.step({kFaceA});
    if (s.reason != DetectReason::kNone && s.reason != DetectReason::kNoTracks) ++missed;
    if (missed <= p.maxMissedDetections) {
      ASSERT_EQ(s.faces.size(), 1u) << "frame " << i << ", missed " << missed;
      if (s.reason != DetectReason::kNone) {
        EXPECT_LT(s.faces[0].confidence, lastConfidence) << "confidence fades while unconfirmed";
      }
      lastConfidence = s.faces[0].confidence;
    } else {
      EXPECT_TRUE(s.faces.empty()) << "dropped after " << missed << " unconfirmed detections";
      EXPECT_EQ(sim.tracker.trackCount(), 0u);
      return;
    }
  }
  FAIL() << "the track was never dropped";
}

TEST(FaceTracker, AConfirmationResetsTheMissCount) {
  TrackerParams p;
  p.detectIntervalFrames = 1;
  p.maxMissedDetections = 2;
  Sim sim(p);
  sim.step({kFaceA});
  for (int round = 0; round < 5; ++round) {
    sim.detectorFinds = false;
    ASSERT_EQ(sim.step({kFaceA}).faces.size(), 1u);
    ASSERT_EQ(sim.step({kFaceA}).faces.size(), 1u);
    sim.detectorFinds = true;
    const Step s = sim.step({kFaceA});
    ASSERT_EQ(s.faces.size(), 1u);
    EXPECT_EQ(s.faces[0].trackId, 1);
    EXPECT_TRUE(s.faces[0].detectedThisFrame);
  }
}

TEST(FaceTracker, KeypointsThatDisagreeWithTheBoxAreDroppedAtOnce) {
  Sim sim;
  sim.cnnOffset = cv::Point2f(kFaceA.width * 2, 0);  // nothing where the detector put the face
  const Step s = sim.step({kFaceA});
  EXPECT_EQ(s.planned, 1u);
  EXPECT_TRUE(s.faces.empty());
  EXPECT_EQ(sim.tracker.trackCount(), 0u);
  EXPECT_EQ(sim.tracker.decide(0), DetectReason::kNoTracks);
}

// Face presence: a track whose crops stop holding a face ends within presenceDropFrames; nothing is reported
// for it meanwhile, and a new detection that holds no face starts no track.
TEST(FaceTracker, LowPresenceHidesTheFaceThenEndsItsTrack) {
  TrackerParams p;
  p.presenceThreshold = 0.5f;
  p.presenceDropFrames = 3;
  p.motionTrigger = 0;
  FaceTracker t(p);
  std::vector<Detection> first = {{kFaceA, 1.f}};
  auto boxes = t.plan(&first, kRule);
  const std::vector<float> present = {0.9f}, absent = {0.1f};
  auto faces = t.update({cropFromBox(boxes[0], kCrop)}, {landmarksFor(kFaceA)}, 0, kRule, nullptr, &present);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_FLOAT_EQ(faces[0].presence, 0.9f);
  // Two frames below the threshold: the face is not reported, the track lives on.
  for (int i = 1; i <= 2; ++i) {
    boxes = t.plan(nullptr, kRule);
    faces = t.update({cropFromBox(boxes[0], kCrop)}, {landmarksFor(kFaceA)}, i * kFrameNs, kRule, nullptr,
                     &absent);
    EXPECT_TRUE(faces.empty()) << "frame " << i << ": no filter on what may not be a face";
    EXPECT_EQ(t.trackCount(), 1u) << "frame " << i;
  }
  // Back above it: the same track is reported again.
  boxes = t.plan(nullptr, kRule);
  faces = t.update({cropFromBox(boxes[0], kCrop)}, {landmarksFor(kFaceA)}, 3 * kFrameNs, kRule, nullptr,
                   &present);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].trackId, 1);
  // Three low frames in a row end it.
  for (int i = 4; i <= 6; ++i) {
    boxes = t.plan(nullptr, kRule);
    faces = t.update({cropFromBox(boxes[0], kCrop)}, {landmarksFor(kFaceA)}, i * kFrameNs, kRule, nullptr,
                     &absent);
    EXPECT_TRUE(faces.empty());
  }
  EXPECT_EQ(t.trackCount(), 0u);
  EXPECT_EQ(t.decide(0), DetectReason::kNoTracks);
}

TEST(FaceTracker, ADetectionWithoutPresenceStartsNoTrack) {
  FaceTracker t;
  std::vector<Detection> found = {{kFaceA, 1.f}, {kFaceB, 1.f}};
  auto boxes = t.plan(&found, kRule);
  ASSERT_EQ(boxes.size(), 2u);
  const std::vector<float> presence = {0.2f, 0.8f};
  auto faces = t.update({cropFromBox(boxes[0], kCrop), cropFromBox(boxes[1], kCrop)},
                        {landmarksFor(kFaceA), landmarksFor(kFaceB)}, 0, kRule, nullptr, &presence);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].box, kFaceB);
  EXPECT_EQ(t.trackCount(), 1u);
}

TEST(FaceTracker, PresenceThresholdOutOfRangeIsRefusedByName) {
  TrackerParams p;
  p.presenceThreshold = 1.5f;
  auto v = validate(p);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message, HasSubstr("presence threshold must be in [0, 1]"));
  p.presenceThreshold = 0.5f;
  p.presenceDropFrames = 0;
  EXPECT_FALSE(validate(p).ok());
}

// With eye-line boxes, a tracked face's next crop turns with it, and points whose eye line is far from the
// crop's turn (a crop that did not hold the face upright) count as a lost face.
TEST(FaceTracker, EyeLineTracksTurnTheirCropsAndRejectPointsTurnedAway) {
  BoxFromPoints rule = kRule;
  rule.eyeLine = true;
  FaceTracker t;
  std::vector<Detection> first = {{kFaceA, 1.f, 0.5f}};
  auto boxes = t.plan(&first, rule);
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_FLOAT_EQ(boxes[0].angle, 0.5f) << "a detection's roll reaches its first crop";
  // The "CNN" finds the face turned by 0.5 rad about the box centre.
  const cv::Point2f c(kFaceA.x + kFaceA.width / 2, kFaceA.y + kFaceA.height / 2);
  auto turn = [&](const Landmarks& p, double a) {
    Landmarks out;
    for (size_t i = 0; i < p.size(); ++i) {
      const double x = p[i].x - c.x, y = p[i].y - c.y;
      out[i] = cv::Point2f(static_cast<float>(c.x + std::cos(a) * x - std::sin(a) * y),
                           static_cast<float>(c.y + std::sin(a) * x + std::cos(a) * y));
    }
    return out;
  };
  Landmarks face = landmarksFor(kFaceA);
  // Eyes level in the upright points, as eyeLineAngle reads them.
  for (int k = 36; k < 42; ++k) face[static_cast<size_t>(k)].y = face[42].y;
  for (int k = 42; k < 48; ++k) face[static_cast<size_t>(k)].y = face[42].y;
  for (int k = 36; k < 42; ++k) face[static_cast<size_t>(k)].x = c.x - 20;
  for (int k = 42; k < 48; ++k) face[static_cast<size_t>(k)].x = c.x + 20;
  auto faces = t.update({cropFromBox(boxes[0], kCrop)}, {turn(face, 0.5)}, 0, rule);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_NEAR(faces[0].roll, 0.5f, 1e-4);
  EXPECT_NEAR(faces[0].boxAngle, 0.5f, 1e-4);
  boxes = t.plan(nullptr, rule);
  EXPECT_NEAR(boxes[0].angle, 0.5f, 1e-4) << "the next crop turns with the tracked face";
  // Points turned 1.5 rad away from the crop's turn: not the face the crop was turned for.
  faces = t.update({cropFromBox(boxes[0], kCrop)}, {turn(face, 2.0)}, kFrameNs, rule);
  EXPECT_TRUE(faces.empty());
}

TEST(FaceTracker, DuplicateTracksOfOneFaceAreMergedKeepingTheOlder) {
  FaceTracker t;
  // Frame 0: track 1 on A.
  std::vector<Detection> first = {{kFaceA, 1.f}};
  auto boxes = t.plan(&first, kRule);
  ASSERT_EQ(boxes.size(), 1u);
  auto faces = t.update({cropFromBox(boxes[0], kCrop)}, {landmarksFor(kFaceA)}, 0, kRule);
  ASSERT_EQ(ids(faces), std::vector<int>{1});

  // Frame 1: the face has moved far; the detection does not match track 1's box, so it would start
  // track 2, but the network finds the same face in both crops.
  const cv::Rect2f moved = shifted(kFaceA, 70, 0);
  ASSERT_LT(iou(kFaceA, moved), 0.3f);
  std::vector<Detection> second = {{moved, 1.f}};
  boxes = t.plan(&second, kRule);
  ASSERT_EQ(boxes.size(), 2u) << "the old track and a new candidate";
  std::vector<CropWindow> crops;
  for (const auto& b : boxes) crops.push_back(cropFromBox(b, kCrop));
  faces = t.update(crops, {landmarksFor(moved), landmarksFor(moved)}, kFrameNs, kRule);
  ASSERT_EQ(faces.size(), 1u) << "the duplicate is merged";
  EXPECT_EQ(faces[0].trackId, 1) << "the older track survives";
  EXPECT_EQ(faces[0].box, moved);
  EXPECT_EQ(t.trackCount(), 1u);
}

TEST(FaceTracker, AppearanceSimilarityIsNormalisedCorrelation) {
  cv::Mat a(24, 24, CV_32F), b;
  cv::randu(a, 0.f, 255.f);
  EXPECT_NEAR(FaceTracker::appearanceSimilarity(a, a), 1.f, 1e-5f);
  b = a * 0.5 + 40.0;  // brightness and contrast changes do not matter
  EXPECT_NEAR(FaceTracker::appearanceSimilarity(a, b), 1.f, 1e-5f);
  b = 255.0 - a;
  EXPECT_NEAR(FaceTracker::appearanceSimilarity(a, b), -1.f, 1e-5f);
  cv::Mat flat(24, 24, CV_32F, cv::Scalar(7));
  EXPECT_EQ(FaceTracker::appearanceSimilarity(a, flat), 0.f) << "a flat image correlates with nothing";
  EXPECT_EQ(FaceTracker::appearanceSimilarity(a, cv::Mat()), 0.f);
}

TEST(FaceTracker, AFaceThatStopsLookingLikeItselfAsksForADetection) {
  TrackerParams p;
  p.motionTrigger = 0;
  FaceTracker t(p);
  cv::Mat face(24, 24, CV_32F), other(24, 24, CV_32F);
  cv::randu(face, 0.f, 255.f);
  cv::randu(other, 0.f, 255.f);
  std::vector<Detection> first = {{kFaceA, 1.f}};
  auto boxes = t.plan(&first, kRule);
  std::vector<cv::Mat> looks = {face};
  t.update({cropFromBox(boxes[0], kCrop)}, {landmarksFor(kFaceA)}, 0, kRule, &looks);
  // Tracked frames that still look like the confirmed face keep quality high: no detection asked for.
  for (int i = 1; i < p.minRedetectGapFrames + 2; ++i) {
    ASSERT_EQ(t.decide(0), DetectReason::kNone) << "frame " << i;
    boxes = t.plan(nullptr, kRule);
    auto faces =
        t.update({cropFromBox(boxes[0], kCrop)}, {landmarksFor(kFaceA)}, i * kFrameNs, kRule, &looks);
    ASSERT_EQ(faces.size(), 1u);
    EXPECT_GT(faces[0].quality, 0.9f);
  }
  // The crop now shows something else (the face turned away, or left): quality falls, a detection is due.
  looks = {other};
  for (int i = 0; i < 2; ++i) {
    boxes = t.plan(nullptr, kRule);
    t.update({cropFromBox(boxes[0], kCrop)}, {landmarksFor(kFaceA)}, (20 + i) * kFrameNs, kRule, &looks);
  }
  EXPECT_EQ(t.decide(0), DetectReason::kLowQuality);
  // Still unlike itself on the next frame: quality drops below the drop threshold and the track goes.
  boxes = t.plan(nullptr, kRule);
  auto faces = t.update({cropFromBox(boxes[0], kCrop)}, {landmarksFor(kFaceA)}, 22 * kFrameNs, kRule, &looks);
  EXPECT_TRUE(faces.empty());
  EXPECT_EQ(t.decide(0), DetectReason::kNoTracks);
}

TEST(FaceTracker, DetectEveryFrameMode) {
  TrackerParams p;
  p.mode = TrackingMode::kDetectEveryFrame;
  Sim sim(p);
  for (int i = 0; i < 5; ++i) {
    const Step s = sim.step({kFaceA, kFaceB});
    EXPECT_EQ(s.reason, DetectReason::kEveryFrame) << "frame " << i;
    ASSERT_EQ(s.faces.size(), 2u);
    for (const auto& f : s.faces) {
      EXPECT_TRUE(f.detectedThisFrame);
      EXPECT_EQ(f.keypoints, f.rawKeypoints) << "no smoothing without tracking";
    }
  }
  // Without identity across frames a track lives one frame only.
  EXPECT_EQ(sim.tracker.decide(0), DetectReason::kEveryFrame);
  EXPECT_EQ(sim.tracker.tracksCreated(), 10u);
}

TEST(FaceTracker, SmoothingFiltersJitteringKeypoints) {
  for (const Smoothing smoothing : {Smoothing::kOneEuro, Smoothing::kOff}) {
    TrackerParams p;
    p.smoothing = smoothing;
    Sim sim(p);
    double rawJitter = 0, outJitter = 0;
    float previousRaw = 0, previousOut = 0;
    for (int i = 0; i < 40; ++i) {
      const float jitter = (i % 2 == 0) ? 1.5f : -1.5f;
      const Step s = sim.step({shifted(kFaceA, jitter, 0)});
      ASSERT_EQ(s.faces.size(), 1u);
      const float raw = s.faces[0].rawKeypoints[30].x;
      const float out = s.faces[0].keypoints[30].x;
      if (i >= 10) {
        rawJitter += std::abs(raw - previousRaw);
        outJitter += std::abs(out - previousOut);
      }
      previousRaw = raw;
      previousOut = out;
    }
    if (smoothing == Smoothing::kOff) {
      EXPECT_DOUBLE_EQ(outJitter, rawJitter);
    } else {
      EXPECT_LT(outJitter, 0.5 * rawJitter) << "One Euro smooths a still, jittering face";
    }
  }
}

TEST(FaceTracker, ResetForgetsTracks) {
  Sim sim;
  sim.step({kFaceA});
  sim.step({kFaceA});
  ASSERT_EQ(sim.tracker.trackCount(), 1u);
  sim.tracker.reset();
  EXPECT_EQ(sim.tracker.trackCount(), 0u);
  EXPECT_TRUE(sim.tracker.trackBoxes().empty());
  EXPECT_EQ(sim.tracker.decide(0), DetectReason::kNoTracks);
  const Step s = sim.step({kFaceA});
  ASSERT_EQ(s.faces.size(), 1u);
  EXPECT_EQ(s.faces[0].trackId, 2) << "ids are not reused";
}

TEST(FaceTracker, ValidateRejectsBadParams) {
  EXPECT_TRUE(validate(TrackerParams{}).ok());
  struct Case {
    const char* name;
    void (*apply)(TrackerParams&);
    const char* mentions;
  };
  const Case cases[] = {
      {"interval 0", [](TrackerParams& p) { p.detectIntervalFrames = 0; }, "interval"},
      {"interval 1001", [](TrackerParams& p) { p.detectIntervalFrames = 1001; }, "interval"},
      {"gap -1", [](TrackerParams& p) { p.minRedetectGapFrames = -1; }, "gap"},
      {"full scan 0", [](TrackerParams& p) { p.fullScanIntervalFrames = 0; }, "full-scan"},
      {"match IoU 0", [](TrackerParams& p) { p.matchIou = 0; }, "IoU"},
      {"match IoU 1", [](TrackerParams& p) { p.matchIou = 1; }, "IoU"},
      {"drop above min", [](TrackerParams& p) { p.dropQuality = 0.9f; }, "qualities"},
      {"min quality 2", [](TrackerParams& p) { p.minQuality = 2; }, "qualities"},
      {"missed -1", [](TrackerParams& p) { p.maxMissedDetections = -1; }, "missed"},
      {"motion 1.5", [](TrackerParams& p) { p.motionTrigger = 1.5f; }, "motion"},
      {"cutoff 0", [](TrackerParams& p) { p.oneEuro.minCutoffHz = 0; }, "cutoff"},
      {"cutoff NaN", [](TrackerParams& p) { p.oneEuro.minCutoffHz = std::nan(""); }, "cutoff"},
      {"beta -1", [](TrackerParams& p) { p.oneEuro.beta = -1; }, "beta"},
      {"derivative cutoff 0", [](TrackerParams& p) { p.oneEuro.derivativeCutoffHz = 0; }, "derivative"},
  };
  for (const Case& c : cases) {
    TrackerParams p;
    c.apply(p);
    const Status s = validate(p);
    ASSERT_FALSE(s.ok()) << c.name << " was accepted";
    EXPECT_THAT(s.error().message, HasSubstr(c.mentions)) << c.name;
  }
}

TEST(FaceTracker, ReasonNames) {
  EXPECT_STREQ(toString(DetectReason::kNone), "none");
  EXPECT_STREQ(toString(DetectReason::kNoTracks), "no-tracks");
  EXPECT_STREQ(toString(DetectReason::kInterval), "interval");
  EXPECT_STREQ(toString(DetectReason::kLowQuality), "low-quality");
  EXPECT_STREQ(toString(DetectReason::kMotion), "motion");
  EXPECT_STREQ(toString(DetectReason::kEveryFrame), "every-frame");
}

}  // namespace
}  // namespace facefilter
