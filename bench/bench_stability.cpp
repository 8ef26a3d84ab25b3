// Stability and tracking error on synthetic clips with known truth (facefilter-bench's stability rows).
//
// A udacity test image with its 68 labelled points is placed on a 640x480 gray canvas (inter-ocular
// distance 80 px, a webcam face at arm's length). Still clip: the same frame 150 times, each with fresh
// Gaussian sensor noise (sigma 3 gray levels): keypoint jitter = per-point standard deviation over time
// (sqrt(var x + var y)), averaged over the 68 points, as a percentage of the inter-ocular distance.
// Moving clip: the face warped along a known trajectory of shifts, scale changes and rolls at head-motion
// speeds, with the points warped the same way: NME against the moved truth shows the smoothing's lag.
// All IOD-relative figures are percentages (NME x 100), raw and smoothed.
// Head pose on the still clip: the standard deviation over time of yaw, pitch and roll in degrees, solved
// from the raw keypoints without smoothing ("raw"), from the smoothed keypoints without the pose's own
// smoothing, and as the engine publishes it (FaceResult::pose, smoothed per track). Then the cost per face of
// the pose solve and the light estimate on a 1280x720 frame.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"
#include "bench/synthetic_clip.hpp"
#include "engine/capture/image_source.hpp"
#include "engine/eval/keypoint_eval.hpp"
#include "engine/eval/keypoints_dataset.hpp"
#include "engine/filters/face_light.hpp"
#include "engine/filters/head_pose.hpp"
#include "engine/pipeline/face_pipeline.hpp"
#include "engine/track/face_attributes.hpp"

namespace facefilter::bench {
namespace {

constexpr int kWarmupFrames = 15;  // the filter settles, the first detection lands

// Head motion at realistic speeds: up to ~150 px/s sideways (about 2 IOD/s), 15 % zoom, 10 degree roll.
Motion trajectory(double t) {
  constexpr double kTwoPi = 6.283185307179586;
  Motion m;
  m.dx = 80 * std::sin(kTwoPi * 0.30 * t);
  m.dy = 30 * std::sin(kTwoPi * 0.20 * t + 1.0);
  m.scale = 1 + 0.15 * std::sin(kTwoPi * 0.25 * t);
  m.rollDeg = 10 * std::sin(kTwoPi * 0.35 * t);
  return m;
}

// Yaw, pitch, roll (degrees) per frame.
using AngleSeries = std::vector<cv::Vec3d>;

struct ClipFigures {
  double jitterRaw = 0, jitterSmoothed = 0;  // % IOD
  double nmeRaw = 0, nmeSmoothed = 0;        // % IOD
  size_t frames = 0, missed = 0;
  // Still clip: per-axis standard deviation (degrees) of yaw, pitch, roll.
  cv::Vec3d poseRaw, poseFromSmoothedPoints, poseSmoothed;
  size_t poseFailures = 0;  // frames with a face but no published pose
};

cv::Vec3d angles(const HeadPose& p) {
  return {p.yawDeg, p.pitchDeg, p.rollDeg};
}

// Per-axis standard deviation; each angle is taken relative to the first (wrapped to +-180) so that a roll
// near 180 degrees does not count a wrap as jitter.
cv::Vec3d angleStdDeg(const AngleSeries& series) {
  cv::Vec3d out(0, 0, 0);
  if (series.size() < 2) return out;
  for (int axis = 0; axis < 3; ++axis) {
    double sum = 0, sumSq = 0;
    for (const auto& a : series) {
      const double d = std::remainder(a[axis] - series.front()[axis], 360.0);
      sum += d;
      sumSq += d * d;
    }
    const double n = static_cast<double>(series.size());
    out[axis] = std::sqrt(std::max(0.0, (sumSq - sum * sum / n) / (n - 1)));
  }
  return out;
}

double worstAxis(const cv::Vec3d& v) {
  return std::max({v[0], v[1], v[2]});
}

double jitterPct(const std::vector<Landmarks>& pts, double iod) {
  if (pts.size() < 2) return 0;
  double sum = 0;
  for (int k = 0; k < kNumKeypoints; ++k) {
    double mx = 0, my = 0;
    for (const auto& p : pts) {
      mx += p[static_cast<size_t>(k)].x;
      my += p[static_cast<size_t>(k)].y;
    }
    mx /= static_cast<double>(pts.size());
    my /= static_cast<double>(pts.size());
    double v = 0;
    for (const auto& p : pts) {
      const double ex = p[static_cast<size_t>(k)].x - mx, ey = p[static_cast<size_t>(k)].y - my;
      v += ex * ex + ey * ey;
    }
    sum += std::sqrt(v / static_cast<double>(pts.size() - 1));
  }
  return 100.0 * sum / kNumKeypoints / iod;
}

// Runs one synthetic clip through a fresh tracking pipeline.
ClipFigures runSynthetic(const DetectorParams& detector, const OneEuroParams& oneEuro, bool refine,
                         const cv::Mat& image, const Landmarks& truth, const KeypointModel& model,
                         bool moving, int frames, uint64_t seed) {
  TrackerParams tp;
  tp.oneEuro = oneEuro;
  tp.refineDetections = refine;
  FacePipeline pipeline(std::move(FaceDetector::create(detector)).value(), model, tp);
  SyntheticClip clip(image, truth, seed);
  std::vector<Landmarks> raw, smoothed;
  AngleSeries poseRaw, poseFromSmoothedPoints, poseSmoothed;
  ClipFigures fig;
  double nmeRaw = 0, nmeSmoothed = 0;
  for (int i = 0; i < frames; ++i) {
    const double t = i / kFps;
    Landmarks gt{};
    const Frame f = clip.frame(i, moving ? trajectory(t) : Motion{}, gt);
    const FrameResult r = pipeline.process(f);
    if (i < kWarmupFrames) continue;
    ++fig.frames;
    const cv::Rect2f gtBox = model.faceBoxFor(gt).rect;
    const FaceResult* best = nullptr;
    float bestIou = 0.3f;
    for (const auto& face : r.faces) {
      const float o = iou(face.box, gtBox);
      if (o > bestIou) {
        bestIou = o;
        best = &face;
      }
    }
    if (!best) {
      ++fig.missed;
      continue;
    }
    raw.push_back(best->rawKeypoints);
    smoothed.push_back(best->keypoints);
    if (!moving) {
      const auto fromRaw = estimateHeadPose(best->rawKeypoints, f.image.size());
      const auto fromSmoothed = estimateHeadPose(best->keypoints, f.image.size());
      if (fromRaw) poseRaw.push_back(angles(*fromRaw));
      if (fromSmoothed) poseFromSmoothedPoints.push_back(angles(*fromSmoothed));
      if (best->pose) {
        poseSmoothed.push_back(angles(*best->pose));
      } else {
        ++fig.poseFailures;
      }
    }
    nmeRaw += normalisedMeanError(best->rawKeypoints, gt);
    nmeSmoothed += normalisedMeanError(best->keypoints, gt);
  }
  const double found = static_cast<double>(raw.size());
  if (found > 0) {
    fig.nmeRaw = 100 * nmeRaw / found;
    fig.nmeSmoothed = 100 * nmeSmoothed / found;
  }
  if (!moving) {
    fig.jitterRaw = jitterPct(raw, kTargetIodPx);
    fig.jitterSmoothed = jitterPct(smoothed, kTargetIodPx);
    fig.poseRaw = angleStdDeg(poseRaw);
    fig.poseFromSmoothedPoints = angleStdDeg(poseFromSmoothedPoints);
    fig.poseSmoothed = angleStdDeg(poseSmoothed);
  }
  return fig;
}

template <typename F>
double msPerCall(int calls, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / calls;
}

// The per-face cost of what the engine adds after tracking, on a 1280x720 frame: the still clip's first frame
// scaled up (IOD 160 px) with its truth points. Best of a few rounds, so that the other cores' load shows
// less.
struct AttributeCosts {
  double poseMs = 0, lightMs = 0, updateMs = 0;
};
AttributeCosts attributeCosts(const cv::Mat& image, const Landmarks& truth) {
  SyntheticClip clip(image, truth, 7);
  Landmarks points{};
  const Frame small = clip.frame(0, Motion{}, points);
  cv::Mat frame, gray;
  cv::resize(small.image, frame, cv::Size(1280, 720), 0, 0, cv::INTER_LINEAR);
  cv::cvtColor(frame, gray, cv::COLOR_BGR2GRAY);
  const double sx = 1280.0 / small.image.cols, sy = 720.0 / small.image.rows;
  for (auto& p : points) p = cv::Point2f(static_cast<float>(p.x * sx), static_cast<float>(p.y * sy));
  AttributeCosts best{1e9, 1e9, 1e9};
  volatile double sink = 0;
  for (int round = 0; round < 5; ++round) {
    best.poseMs = std::min(best.poseMs, msPerCall(200, [&] {
                             const auto pose = estimateHeadPose(points, gray.size());
                             sink = sink + (pose ? pose->yawDeg : 0);
                           }));
    best.lightMs =
        std::min(best.lightMs, msPerCall(2000, [&] { sink = sink + estimateFaceLight(gray, points).level; }));
    FaceAttributes attributes;
    std::vector<FaceResult> faces(1);
    faces[0].trackId = 1;
    faces[0].keypoints = points;
    int64_t t = 0;
    best.updateMs = std::min(best.updateMs, msPerCall(200, [&] {
                               attributes.update(faces, gray, t += 33'333'333);
                               sink = sink + faces[0].light.level;
                             }));
  }
  return best;
}

}  // namespace

void benchStability(const Context& ctx, const KeypointModel& model, Report& report) {
  std::fprintf(stderr, "facefilter-bench: stability (synthetic still and moving clips) ...\n");
  auto split = loadKeypointsSplit(ctx.dataDir, "test");
  if (!split) {
    report.skip("stability: " + split.error().message);
    return;
  }
  const std::vector<const KeypointsSample*> order = largestFacesFirst(split.value());
  const size_t faces = ctx.quick ? 1 : 4;
  const int stillFrames = ctx.quick ? 60 : 150;
  const int movingFrames = ctx.quick ? 90 : 240;
  ClipFigures still, moving;
  cv::Vec3d poseRaw(0, 0, 0), poseFromSmoothedPoints(0, 0, 0), poseSmoothed(0, 0, 0);
  size_t poseFailures = 0;
  std::optional<AttributeCosts> costs;
  size_t used = 0;
  std::string names;
  for (size_t i = 0; i < order.size() && used < faces; ++i) {
    auto image = readImageFile(order[i]->imagePath);
    if (!image) continue;
    const ClipFigures s = runSynthetic(ctx.detector, ctx.oneEuro, ctx.refineDetections, image.value(),
                                       order[i]->points, model, false, stillFrames, 1000 + i);
    const ClipFigures m = runSynthetic(ctx.detector, ctx.oneEuro, ctx.refineDetections, image.value(),
                                       order[i]->points, model, true, movingFrames, 2000 + i);
    if (s.frames == s.missed || m.frames == m.missed) continue;  // the detector never found this face
    still.jitterRaw += s.jitterRaw;
    still.jitterSmoothed += s.jitterSmoothed;
    still.nmeRaw += s.nmeRaw;
    still.nmeSmoothed += s.nmeSmoothed;
    still.frames += s.frames;
    still.missed += s.missed;
    // The worst face on each axis: the target holds for every face, not on average.
    for (int axis = 0; axis < 3; ++axis) {
      poseRaw[axis] = std::max(poseRaw[axis], s.poseRaw[axis]);
      poseFromSmoothedPoints[axis] = std::max(poseFromSmoothedPoints[axis], s.poseFromSmoothedPoints[axis]);
      poseSmoothed[axis] = std::max(poseSmoothed[axis], s.poseSmoothed[axis]);
    }
    poseFailures += s.poseFailures;
    if (!costs) costs = attributeCosts(image.value(), order[i]->points);
    moving.nmeRaw += m.nmeRaw;
    moving.nmeSmoothed += m.nmeSmoothed;
    moving.frames += m.frames;
    moving.missed += m.missed;
    names +=
        (names.empty() ? "" : ", ") + order[i]->imagePath.substr(order[i]->imagePath.find_last_of('/') + 1);
    ++used;
  }
  if (used == 0) {
    report.skip("stability: the detector found none of the chosen test faces");
    return;
  }
  const double n = static_cast<double>(used);
  const double jr = still.jitterRaw / n, js = still.jitterSmoothed / n;
  const double sr = still.nmeRaw / n, ss = still.nmeSmoothed / n;
  const double mr = moving.nmeRaw / n, ms = moving.nmeSmoothed / n;
  const OneEuroParams& p = ctx.oneEuro;
  const std::string setup =
      std::to_string(used) + " test faces at IOD 80 px on 640x480, noise sigma 3, 30 fps";
  report.addText("stability", "faces used", names);
  report.addText("stability",
                 "jitter, raw (% of IOD, per-point std over " + std::to_string(stillFrames - kWarmupFrames) +
                     " still frames)",
                 fmt(jr, 3) + " %");
  report.addText(
      "stability",
      "jitter, smoothed (One Euro min cutoff " + fmt(p.minCutoffHz, 2) + " Hz, beta " + fmt(p.beta, 3) + ")",
      fmt(js, 3) + " %");
  report.addText("stability", "still-image NME (% IOD), raw / smoothed",
                 fmt(sr, 2) + " / " + fmt(ss, 2) + " %");
  report.addText("stability", "moving-clip NME (% IOD), raw / smoothed (shift 80 px, zoom 15 %, roll 10 deg)",
                 fmt(mr, 2) + " / " + fmt(ms, 2) + " %");
  report.addText("stability", "moving smoothed - still raw NME", fmt(ms - sr, 2) + " percentage points");
  report.addText("stability", "setup",
                 setup + "; frames without a match: still " + std::to_string(still.missed) + ", moving " +
                     std::to_string(moving.missed));
  const auto axes = [](const cv::Vec3d& v) {
    return fmt(v[0], 3) + " / " + fmt(v[1], 3) + " / " + fmt(v[2], 3) + " deg";
  };
  const OneEuroParams rot = FaceAttributeParams{}.rotation;
  report.addText("stability", "head-pose jitter, yaw / pitch / roll (std over still frames, worst face): raw",
                 axes(poseRaw));
  report.addText("stability", "head-pose jitter from smoothed keypoints, pose unsmoothed",
                 axes(poseFromSmoothedPoints));
  report.addText(
      "stability",
      "head-pose jitter as published (pose One Euro min cutoff " + fmt(rot.minCutoffHz, 2) + " Hz, beta " +
          fmt(rot.beta, 1) + ")",
      axes(poseSmoothed) +
          (poseFailures > 0 ? " (" + std::to_string(poseFailures) + " frames without a pose)" : ""));
  if (costs) {
    report.addText(
        "stability", "per face at 1280x720: pose solve / light estimate / both + smoothing",
        fmt(costs->poseMs, 3) + " / " + fmt(costs->lightMs, 4) + " / " + fmt(costs->updateMs, 3) + " ms");
    report.set("pose_ms_per_face", costs->poseMs, 4);
    report.set("light_ms_per_face", costs->lightMs, 4);
    report.set("pose_light_update_ms_per_face", costs->updateMs, 4);
  }
  report.set("pose_jitter_deg", worstAxis(poseSmoothed));
  report.set("pose_jitter_yaw_deg", poseSmoothed[0]);
  report.set("pose_jitter_pitch_deg", poseSmoothed[1]);
  report.set("pose_jitter_roll_deg", poseSmoothed[2]);
  report.set("pose_jitter_raw_deg", worstAxis(poseRaw));
  report.set("pose_jitter_raw_yaw_deg", poseRaw[0]);
  report.set("pose_jitter_raw_pitch_deg", poseRaw[1]);
  report.set("pose_jitter_raw_roll_deg", poseRaw[2]);
  report.set("pose_jitter_unsmoothed_pose_deg", worstAxis(poseFromSmoothedPoints));
  report.set("jitter_raw_iod", jr);
  report.set("jitter_smoothed_iod", js);
  report.set("still_nme", sr);
  report.set("still_nme_smoothed", ss);
  report.set("moving_nme_raw", mr);
  report.set("moving_nme_smoothed", ms);
  report.set("moving_minus_still_nme", ms - sr);
  report.setString(
      "stability_units",
      "jitter_* and *_nme*: percent of the inter-ocular distance (outer eye corners); pose_jitter_*: "
      "degrees, standard deviation over the still clip, worst face");
}

}  // namespace facefilter::bench
