#include "engine/detect/face_detector.hpp"

#include <cmath>
#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "engine/core/logging.hpp"

namespace facefilter {
namespace {

// The smallest face searched for, in cascade windows, on the downscaled copy (DetectDownscale::kToMinFace).
constexpr double kMinFaceInWindows = 1.6;
// Re-confirming a tracked face searches a small region, so it can afford a finer copy than the full scan.
constexpr double kRegionMinFaceInWindows = 2.0;

}  // namespace

Status validate(const DetectorParams& p) {
  if (!(p.scaleFactor > 1.0 && p.scaleFactor <= 2.0)) {
    return makeError("detector: scale factor must be in (1, 2], got " + std::to_string(p.scaleFactor));
  }
  if (p.minNeighbors < 0 || p.minNeighbors > 100) {
    return makeError("detector: min neighbours must be in [0, 100], got " + std::to_string(p.minNeighbors));
  }
  if (p.minSizePx < 0 || p.minSizePx > 10000) {
    return makeError("detector: min size must be in [0, 10000] px, got " + std::to_string(p.minSizePx));
  }
  if (!(p.minSizeFraction >= 0 && p.minSizeFraction <= 1)) {
    return makeError("detector: min size fraction must be in [0, 1], got " + std::to_string(p.minSizeFraction));
  }
  if (p.maxSizePx < 0 || (p.maxSizePx > 0 && p.maxSizePx < p.minSizePx)) {
    return makeError("detector: max size must be 0 (none) or >= min size, got " + std::to_string(p.maxSizePx));
  }
  if (!(p.detectScale > 0.05 && p.detectScale <= 1.0)) {
    return makeError("detector: detection scale must be in (0.05, 1], got " + std::to_string(p.detectScale));
  }
  return Ok{};
}

Result<cv::CascadeClassifier> FaceDetector::loadCascade(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return makeError("face detector: cascade file '" + path +
                     "' does not exist (install Debian's opencv-data, or give another cascade)");
  }
  cv::CascadeClassifier cascade;
  try {
    if (!cascade.load(path) || cascade.empty()) {
      return makeError("face detector: '" + path + "' is not a valid OpenCV cascade XML file");
    }
  } catch (const cv::Exception& e) {
    return makeError("face detector: '" + path + "' is not a valid OpenCV cascade XML file: " + e.what());
  }
  return cascade;
}

std::shared_ptr<const HaarCascade> FaceDetector::loadFast(const std::string& path) {
#if defined(__SANITIZE_THREAD__)
  // Under ThreadSanitizer our scan (instrumented, on TBB workers TSan cannot see) did not finish a sample
  // photo in ten minutes; TSan builds check the threads around the detector with OpenCV's scan, as before.
  (void)path;
  return nullptr;
#endif
  auto fast = HaarCascade::load(path);
  if (!fast) {
    logger("detect")->info("{}; OpenCV's own scan serves it", fast.error().message);
    return nullptr;
  }
  return std::make_shared<const HaarCascade>(std::move(fast).value());
}

Result<FaceDetector> FaceDetector::create(const DetectorParams& params) {
  if (auto valid = validate(params); !valid) return valid.error();
  auto cascade = loadCascade(params.cascadePath);
  if (!cascade) return cascade.error();
  return FaceDetector(std::move(cascade).value(), loadFast(params.cascadePath), params);
}

Status FaceDetector::setParams(const DetectorParams& params) {
  if (auto valid = validate(params); !valid) return valid;
  if (params.cascadePath != params_.cascadePath) {
    auto cascade = loadCascade(params.cascadePath);
    if (!cascade) return cascade.error();
    cascade_ = std::move(cascade).value();
    fast_ = loadFast(params.cascadePath);
  }
  params_ = params;
  return Ok{};
}

int FaceDetector::windowSide() const {
  const cv::Size window = cascade_.getOriginalWindowSize();
  return std::max(window.width, window.height);
}

std::vector<Detection> FaceDetector::detect(const cv::Mat& gray) const {
  if (gray.empty() || gray.type() != CV_8UC1) return {};
  const double minFull = std::max<double>(params_.minSizePx, params_.minSizeFraction * std::min(gray.cols, gray.rows));
  double s = params_.detectScale;
  if (params_.downscale == DetectDownscale::kToMinFace && minFull > 0 && windowSide() > 0) {
    // 1.6 windows, not 1: at exactly the window size the cascade's neighbours thin out and faces near the
    // minimum are lost (one of the four in the_beatles.jpg at 0.13x; all found at 0.16x).
    s = std::min(s, kMinFaceInWindows * windowSide() / minFull);
  }
  return run(gray, s, minFull, params_.maxSizePx, cv::Point2f(0, 0));
}

std::vector<Detection> FaceDetector::detectIn(const cv::Mat& gray, const cv::Rect2f& region, float minSidePx,
                                              float maxSidePx) const {
  if (gray.empty() || gray.type() != CV_8UC1 || !(minSidePx > 0) || !(maxSidePx >= minSidePx)) return {};
  const cv::Rect r = cv::Rect(cv::Point(static_cast<int>(std::floor(region.x)), static_cast<int>(std::floor(region.y))),
                              cv::Point(static_cast<int>(std::ceil(region.x + region.width)),
                                        static_cast<int>(std::ceil(region.y + region.height)))) &
                     cv::Rect(0, 0, gray.cols, gray.rows);
  if (r.width < minSidePx || r.height < minSidePx) return {};
  const double s = windowSide() > 0 ? std::min(1.0, kRegionMinFaceInWindows * windowSide() / minSidePx) : 1.0;
  return run(gray(r), s, minSidePx, maxSidePx, cv::Point2f(static_cast<float>(r.x), static_cast<float>(r.y)));
}

std::vector<Detection> FaceDetector::run(const cv::Mat& image, double s, double minFacePx, double maxFacePx,
                                         cv::Point2f offset) const {
  std::vector<Detection> out;
  cv::Mat work;
  if (s < 1.0) {
    cv::resize(image, work, cv::Size(), s, s, cv::INTER_AREA);
  } else {
    s = 1.0;
    work = image;
  }
  if (params_.equalizeHistogram) {
    if (work.data == image.data) work = work.clone();  // never equalise the caller's frame in place
    cv::equalizeHist(work, work);
  }
  const int minSide = std::max(1, static_cast<int>(std::lround(minFacePx * s)));
  const int maxSide = maxFacePx > 0 ? std::max(minSide, static_cast<int>(std::lround(maxFacePx * s))) : 0;

  std::vector<cv::Rect> boxes;
  std::vector<int> levels;
  std::vector<double> weights;
  try {
    if (vectorisedScan()) {
      HaarCascade::Hits hits = fast_->detect(work, params_.scaleFactor, params_.minNeighbors, cv::Size(minSide, minSide),
                                             cv::Size(maxSide, maxSide));
      boxes = std::move(hits.boxes);
      weights = std::move(hits.weights);
    } else {
      cascade_.detectMultiScale(work, boxes, levels, weights, params_.scaleFactor, params_.minNeighbors, 0,
                                cv::Size(minSide, minSide), cv::Size(maxSide, maxSide), true);
    }
  } catch (const cv::Exception& e) {
    logger("detect")->error("cascade scan failed: {}", e.what());
    return out;
  }
  out.reserve(boxes.size());
  for (size_t i = 0; i < boxes.size(); ++i) {
    const float score = i < weights.size() ? static_cast<float>(weights[i]) : 0.f;
    if (score < params_.minScore) continue;
    const cv::Rect& b = boxes[i];
    out.push_back({cv::Rect2f(offset.x + static_cast<float>(b.x / s), offset.y + static_cast<float>(b.y / s),
                              static_cast<float>(b.width / s), static_cast<float>(b.height / s)),
                   score});
  }
  return out;
}

}  // namespace facefilter
