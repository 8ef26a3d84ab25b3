// Stability and tracking error on synthetic clips with known truth (facefilter-bench's stability rows).
//
// A udacity test image with its 68 labelled points is placed on a 640x480 gray canvas (inter-ocular
// distance 80 px, a webcam face at arm's length). Still clip: the same frame 150 times, each with fresh
// Gaussian sensor noise (sigma 3 gray levels): keypoint jitter = per-point standard deviation over time
// (sqrt(var x + var y)), averaged over the 68 points, as a percentage of the inter-ocular distance.
// Moving clip: the face warped along a known trajectory of shifts, scale changes and rolls at head-motion
// speeds, with the points warped the same way: NME against the moved truth shows the smoothing's lag.
// All IOD-relative figures are percentages (NME x 100), raw and smoothed.

#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"
#include "bench/synthetic_clip.hpp"
#include "engine/capture/image_source.hpp"
#include "engine/eval/keypoint_eval.hpp"
#include "engine/eval/keypoints_dataset.hpp"
#include "engine/pipeline/face_pipeline.hpp"

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

struct ClipFigures {
  double jitterRaw = 0, jitterSmoothed = 0;  // % IOD
  double nmeRaw = 0, nmeSmoothed = 0;        // % IOD
  size_t frames = 0, missed = 0;
};

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
  }
  return fig;
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
  report.set("jitter_raw_iod", jr);
  report.set("jitter_smoothed_iod", js);
  report.set("still_nme", sr);
  report.set("still_nme_smoothed", ss);
  report.set("moving_nme_raw", mr);
  report.set("moving_nme_smoothed", ms);
  report.set("moving_minus_still_nme", ms - sr);
  report.setString("stability_units",
                   "jitter_* and *_nme*: percent of the inter-ocular distance (outer eye corners)");
}

}  // namespace facefilter::bench
