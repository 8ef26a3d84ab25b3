#include "engine/eval/keypoint_eval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

#include "engine/capture/image_source.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/logging.hpp"
#include "engine/core/sample_window.hpp"
#include "engine/keypoints/refine.hpp"

namespace facefilter {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return SampleWindow::quantileSorted(v, 0.5);
}

}  // namespace

double normalisedMeanError(const Landmarks& predicted, const Landmarks& truth) {
  double sum = 0;
  for (size_t i = 0; i < predicted.size(); ++i) {
    const cv::Point2f d = predicted[i] - truth[i];
    sum += std::sqrt(static_cast<double>(d.x) * d.x + static_cast<double>(d.y) * d.y);
  }
  const double iod = interOcularDistance(truth);
  if (!(iod > 0)) return std::numeric_limits<double>::quiet_NaN();
  return sum / static_cast<double>(predicted.size()) / iod;
}

NmeSummary summariseNme(std::vector<double> nmes) {
  nmes.erase(std::remove_if(nmes.begin(), nmes.end(), [](double v) { return !std::isfinite(v); }),
             nmes.end());
  NmeSummary s;
  s.count = nmes.size();
  if (nmes.empty()) return s;
  double sum = 0;
  size_t failures = 0;
  for (double v : nmes) {
    sum += v;
    if (v > kNmeFailureThreshold) ++failures;
  }
  s.mean = sum / static_cast<double>(nmes.size());
  s.median = median(nmes);
  s.failureRate = static_cast<double>(failures) / static_cast<double>(nmes.size());
  return s;
}

const Detection* bestMatch(const std::vector<Detection>& detections, const Landmarks& truth, double minIou) {
  const cv::Rect2f truthBox = pointsBounds(truth);
  const Detection* best = nullptr;
  float bestIou = 0;
  for (const auto& d : detections) {
    const float o = iou(d.box, truthBox);
    if (o > bestIou) {
      bestIou = o;
      best = &d;
    }
  }
  return best && bestIou >= minIou ? best : nullptr;
}

const char* toString(PipelineOutcome outcome) {
  switch (outcome) {
    case PipelineOutcome::kNotRun:
      return "not_run";
    case PipelineOutcome::kFound:
      return "found";
    case PipelineOutcome::kNotDetected:
      return "not_detected";
    case PipelineOutcome::kPresenceReject:
      return "presence_reject";
  }
  return "?";
}

Result<EvalReport> evaluateKeypoints(const std::vector<KeypointsSample>& all, const KeypointModel& model,
                                     const FaceDetector* detector, const EvalOptions& options,
                                     const std::function<void(size_t, size_t)>& progress) {
  const size_t n = options.limit > 0 ? std::min(options.limit, all.size()) : all.size();
  EvalReport report;
  report.images = n;
  report.gtBoxNmes.assign(n, std::numeric_limits<double>::quiet_NaN());
  report.pipelineSamples.assign(n, PipelineSample{});
  std::vector<double> pipelineNmes;
  std::vector<cv::Mat> grays;  // kept for timing, a bounded number
  std::vector<CropWindow> timingCrops;

  for (size_t i = 0; i < n; ++i) {
    const KeypointsSample& s = all[i];
    auto image = readImageFile(s.imagePath);
    if (!image) {
      ++report.unreadable;
      logger("eval")->warn("{}; skipped", image.error().message);
      continue;
    }
    cv::Mat gray;
    cv::cvtColor(image.value(), gray, cv::COLOR_BGR2GRAY);
    applyPhotometric(gray, options.photometric, s.points, i);
    if (options.gtBox) {
      const CropWindow crop = model.cropFor(model.faceBoxFor(s.points));
      // A crop from keypoints, as tracking crops a face every frame: one forward pass, no mirror.
      auto pred = model.predict(gray, {crop}, {}, nullptr, MirrorAverage::kDetectorCropsOnly);
      if (!pred) return pred.error();
      report.gtBoxNmes[i] = normalisedMeanError(pred.value()[0], s.points);
      if (grays.size() < static_cast<size_t>(options.timingFaces)) {
        grays.push_back(gray);
        timingCrops.push_back(crop);
      }
    }
    if (options.pipeline && detector) {
      // A still image gets every cold-start pass at once, as a live source gets them within a few frames.
      const std::vector<Detection> detections = detector->detectAllPasses(gray);
      const Detection* best = bestMatch(detections, s.points, options.matchIou);
      PipelineSample& row = report.pipelineSamples[i];
      if (!best) {
        ++report.misses;
        row.outcome = PipelineOutcome::kNotDetected;
      } else {
        row.box = best->box;
        std::vector<CropWindow> crops = {model.cropFor(FaceBox{best->box, best->angle})};
        std::vector<float> presence;
        auto pred = model.predict(gray, crops, {true}, &presence);
        if (!pred) return pred.error();
        if (options.refine) {
          if (auto second = refineFromKeypoints(model, gray, {true}, crops, pred.value(), &presence,
                                                options.refineOptions);
              !second) {
            return second.error();
          }
        }
        if (!presence.empty()) row.presence = presence[0];
        if (!presence.empty() && presence[0] < options.presenceThreshold) {
          ++report.misses;
          ++report.presenceRejects;
          row.outcome = PipelineOutcome::kPresenceReject;
        } else {
          row.outcome = PipelineOutcome::kFound;
          row.nme = normalisedMeanError(pred.value()[0], s.points);
          pipelineNmes.push_back(row.nme);
        }
      }
    }
    if (progress) progress(i + 1, n);
  }
  report.gtBox = summariseNme(report.gtBoxNmes);
  report.pipeline = summariseNme(pipelineNmes);
  const size_t readable = n - report.unreadable;
  report.missRate = readable > 0 ? static_cast<double>(report.misses) / static_cast<double>(readable) : 0;

  if (options.timing && !grays.empty()) {
    const Clock& clock = SteadyClock::instance();
    // What the engine runs per face: the keypoints and, where the model scores it, the presence.
    std::vector<float> presence;
    // Warm-up: the first passes allocate and pick kernels.
    for (size_t i = 0; i < std::min<size_t>(10, grays.size()); ++i) {
      (void)model.predict(grays[i], {timingCrops[i]}, {}, &presence, MirrorAverage::kDetectorCropsOnly);
    }
    std::vector<double> single, batch;
    for (size_t i = 0; i < grays.size(); ++i) {
      const int64_t t0 = clock.nowNs();
      (void)model.predict(grays[i], {timingCrops[i]}, {}, &presence, MirrorAverage::kDetectorCropsOnly);
      single.push_back(nsToMs(clock.nowNs() - t0));
    }
    // Four faces of one frame: the same image with four crops (a frame holds all faces of a batch).
    for (size_t i = 0; i < grays.size(); ++i) {
      const CropWindow& c = timingCrops[i];
      std::vector<CropWindow> four = {c, c, c, c};
      for (size_t k = 1; k < 4; ++k) {
        four[k].x0 += static_cast<float>(k) * 0.01f * c.side;
        four[k].y0 -= static_cast<float>(k) * 0.01f * c.side;
      }
      const int64_t t0 = clock.nowNs();
      (void)model.predict(grays[i], four, {}, &presence, MirrorAverage::kDetectorCropsOnly);
      batch.push_back(nsToMs(clock.nowNs() - t0) / 4.0);
    }
    report.msPerFaceSingle = median(single);
    report.msPerFaceBatch4 = median(batch);
  }
  return report;
}

}  // namespace facefilter
