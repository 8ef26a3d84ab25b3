#include "engine/detect/face_detector.hpp"

#include <cmath>
#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "engine/core/logging.hpp"

namespace facefilter {
namespace {

// A dim frame as the cascade needs it. The cascade divides every window by its own contrast, so the gain
// alone does not matter; what loses faces in the dark is sensor noise, loud against a face's faint shading,
// and dark tones squeezed into a few grey levels. A one-pixel blur takes most of the noise (the cascade's
// features are sums over rectangles of several pixels, so it loses little), and a gamma lifting the mean to
// 0.45 of full scale spreads the dark tones out again.
cv::Mat liftLowLight(const cv::Mat& gray, double level) {
  cv::Mat out;
  cv::GaussianBlur(gray, out, cv::Size(), 1.0, 1.0);
  const double gamma = std::clamp(std::log(0.45) / std::log(std::max(level, 1.0) / 255.0), 0.25, 1.0);
  cv::Mat lut(1, 256, CV_8U);
  for (int v = 0; v < 256; ++v)
    lut.at<uint8_t>(v) = cv::saturate_cast<uint8_t>(255.0 * std::pow(v / 255.0, gamma));
  cv::LUT(out, lut, out);
  return out;
}

// A lifted copy is scanned with this finer pyramid step where the scan stays cheap: in the noise a face's
// windows agree at fewer scales, and the finer step gives it more of them (docs/benchmarks.md, dim rooms).
constexpr double kLowLightScaleFactor = 1.05;
// ... where the copy has at most this many pixels (a small dim copy is also enlarged up to this size: run()):
// photos and small frames, and the region searches that re-confirm tracked faces. A scan's windows grow as
// area / (1 - 1 / step^2), so at this size the finer step scans about as many windows as the default step
// (1.1) on the copy of a 1280x720 frame (683x384), though its extra pyramid levels cost more than that
// (facefilter-bench --sections accuracy: detect_ms_240p_dim_lifted against detect_ms_720p_dim_lifted). A dim
// 720p or 480p frame keeps the configured step; its faces get the finer step once they are tracked.
constexpr double kLowLightFineStepMaxPixels = 140'000;

// The smallest face searched for, in cascade windows, on the downscaled copy (DetectDownscale::kToMinFace).
constexpr double kMinFaceInWindows = 1.6;
// Re-confirming a tracked face searches a small region, so it can afford a finer copy than the full scan.
constexpr double kRegionMinFaceInWindows = 2.0;
constexpr double kDegToRad = 3.14159265358979323846 / 180.0;
// Faces found by two passes: boxes overlapping more than this are one face.
constexpr float kSameFaceIou = 0.3f;

float passAngle(DetectPass pass) {
  switch (pass) {
    case DetectPass::kRollPlus30:
      return static_cast<float>(30 * kDegToRad);
    case DetectPass::kRollMinus30:
      return static_cast<float>(-30 * kDegToRad);
    case DetectPass::kRollPlus60:
      return static_cast<float>(60 * kDegToRad);
    case DetectPass::kRollMinus60:
      return static_cast<float>(-60 * kDegToRad);
    default:
      return 0.f;
  }
}

}  // namespace

const char* toString(DetectPass pass) {
  switch (pass) {
    case DetectPass::kUpright:
      return "upright";
    case DetectPass::kRollPlus30:
      return "roll+30";
    case DetectPass::kRollMinus30:
      return "roll-30";
    case DetectPass::kRollPlus60:
      return "roll+60";
    case DetectPass::kRollMinus60:
      return "roll-60";
    case DetectPass::kProfile:
      return "profile";
    case DetectPass::kProfileMirrored:
      return "profile-mirrored";
  }
  return "?";
}

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
    return makeError("detector: min size fraction must be in [0, 1], got " +
                     std::to_string(p.minSizeFraction));
  }
  if (p.maxSizePx < 0 || (p.maxSizePx > 0 && p.maxSizePx < p.minSizePx)) {
    return makeError("detector: max size must be 0 (none) or >= min size, got " +
                     std::to_string(p.maxSizePx));
  }
  if (!(p.detectScale > 0.05 && p.detectScale <= 1.0)) {
    return makeError("detector: detection scale must be in (0.05, 1], got " + std::to_string(p.detectScale));
  }
  if (!(p.lowLightBelow >= 0 && p.lowLightBelow <= 255)) {
    return makeError("detector: low-light level must be in [0, 255], got " + std::to_string(p.lowLightBelow));
  }
  if (p.extraPassesPerFrame < 0 || p.extraPassesPerFrame > 6) {
    return makeError("detector: extra passes per frame must be in [0, 6], got " +
                     std::to_string(p.extraPassesPerFrame));
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

Result<std::shared_ptr<const FaceDetector::Cascade>> FaceDetector::loadProfile(const DetectorParams& params) {
  if (!params.profilePasses) return std::shared_ptr<const Cascade>();
  auto cascade = loadCascade(params.profileCascadePath);
  if (!cascade) return makeError("profile passes: " + cascade.error().message);
  return std::make_shared<const Cascade>(
      Cascade{std::move(cascade).value(), loadFast(params.profileCascadePath)});
}

Result<FaceDetector> FaceDetector::create(const DetectorParams& params) {
  if (auto valid = validate(params); !valid) return valid.error();
  auto cascade = loadCascade(params.cascadePath);
  if (!cascade) return cascade.error();
  auto profile = loadProfile(params);
  if (!profile) return profile.error();
  return FaceDetector(Cascade{std::move(cascade).value(), loadFast(params.cascadePath)},
                      std::move(profile).value(), params);
}

Status FaceDetector::setParams(const DetectorParams& params) {
  if (auto valid = validate(params); !valid) return valid;
  Cascade frontal = frontal_;
  if (params.cascadePath != params_.cascadePath) {
    auto cascade = loadCascade(params.cascadePath);
    if (!cascade) return cascade.error();
    frontal = Cascade{std::move(cascade).value(), loadFast(params.cascadePath)};
  }
  std::shared_ptr<const Cascade> profile = profile_;
  if (params.profilePasses != (profile_ != nullptr) ||
      params.profileCascadePath != params_.profileCascadePath) {
    auto loaded = loadProfile(params);
    if (!loaded) return loaded.error();
    profile = std::move(loaded).value();
  }
  frontal_ = std::move(frontal);
  profile_ = std::move(profile);
  params_ = params;
  return Ok{};
}

int FaceDetector::Cascade::windowSide() const {
  const cv::Size window = opencv.getOriginalWindowSize();
  return std::max(window.width, window.height);
}

double FaceDetector::fullFrameScale(double minFull, int windowSide) const {
  double s = params_.detectScale;
  if (params_.downscale == DetectDownscale::kToMinFace && minFull > 0 && windowSide > 0) {
    // 1.6 windows, not 1: at exactly the window size the cascade's neighbours thin out and faces near the
    // minimum are lost (one of the four in the_beatles.jpg at 0.13x; all found at 0.16x).
    s = std::min(s, kMinFaceInWindows * windowSide / minFull);
  }
  return s;
}

std::vector<Detection> FaceDetector::detect(const cv::Mat& gray) const {
  if (gray.empty() || gray.type() != CV_8UC1) return {};
  const double minFull =
      std::max<double>(params_.minSizePx, params_.minSizeFraction * std::min(gray.cols, gray.rows));
  const double s = fullFrameScale(minFull, frontal_.windowSide());
  return run(frontal_, gray, s, minFull, params_.maxSizePx, cv::Point2f(0, 0));
}

std::vector<Detection> FaceDetector::detectIn(const cv::Mat& gray, const cv::Rect2f& region, float minSidePx,
                                              float maxSidePx, float angle) const {
  if (gray.empty() || gray.type() != CV_8UC1 || !(minSidePx > 0) || !(maxSidePx >= minSidePx)) return {};
  const int window = frontal_.windowSide();
  const double s = window > 0 ? std::min(1.0, kRegionMinFaceInWindows * window / minSidePx) : 1.0;
  if (angle != 0.f) {
    // The region turned upright about its centre: the copy covers the same square, whatever the roll.
    const cv::Point2f c(region.x + region.width / 2, region.y + region.height / 2);
    const int w = std::max(1, static_cast<int>(std::lround(region.width * s)));
    const int h = std::max(1, static_cast<int>(std::lround(region.height * s)));
    if (region.width < minSidePx || region.height < minSidePx) return {};
    return runTurned(gray, c, angle, s, cv::Size(w, h), minSidePx, maxSidePx);
  }
  const cv::Rect r =
      cv::Rect(cv::Point(static_cast<int>(std::floor(region.x)), static_cast<int>(std::floor(region.y))),
               cv::Point(static_cast<int>(std::ceil(region.x + region.width)),
                         static_cast<int>(std::ceil(region.y + region.height)))) &
      cv::Rect(0, 0, gray.cols, gray.rows);
  if (r.width < minSidePx || r.height < minSidePx) return {};
  return run(frontal_, gray(r), s, minSidePx, maxSidePx,
             cv::Point2f(static_cast<float>(r.x), static_cast<float>(r.y)));
}

std::vector<DetectPass> FaceDetector::extraPasses() const {
  std::vector<DetectPass> passes;
  // Ordered so that each pair of turns covers both directions: a face rolled either way is found within
  // two frames at two passes a frame.
  if (params_.rolledPasses) {
    for (DetectPass p : {DetectPass::kRollPlus30, DetectPass::kRollMinus30, DetectPass::kRollPlus60,
                         DetectPass::kRollMinus60}) {
      passes.push_back(p);
    }
  }
  if (params_.profilePasses && profile_) {
    passes.push_back(DetectPass::kProfile);
    passes.push_back(DetectPass::kProfileMirrored);
  }
  return passes;
}

std::vector<Detection> FaceDetector::detectPass(const cv::Mat& gray, DetectPass pass) const {
  if (gray.empty() || gray.type() != CV_8UC1) return {};
  const double minFull =
      std::max<double>(params_.minSizePx, params_.minSizeFraction * std::min(gray.cols, gray.rows));
  switch (pass) {
    case DetectPass::kUpright:
      return detect(gray);
    case DetectPass::kProfile:
    case DetectPass::kProfileMirrored: {
      if (!profile_) return {};
      const double s = fullFrameScale(minFull, profile_->windowSide());
      if (pass == DetectPass::kProfile)
        return run(*profile_, gray, s, minFull, params_.maxSizePx, cv::Point2f(0, 0));
      cv::Mat mirrored;
      cv::flip(gray, mirrored, 1);
      std::vector<Detection> found =
          run(*profile_, mirrored, s, minFull, params_.maxSizePx, cv::Point2f(0, 0));
      for (Detection& d : found) d.box.x = static_cast<float>(gray.cols) - d.box.x - d.box.width;
      return found;
    }
    default: {
      const double s = fullFrameScale(minFull, frontal_.windowSide());
      const cv::Size out(std::max(1, static_cast<int>(std::lround(gray.cols * std::min(1.0, s)))),
                         std::max(1, static_cast<int>(std::lround(gray.rows * std::min(1.0, s)))));
      return runTurned(gray, cv::Point2f(gray.cols / 2.f, gray.rows / 2.f), passAngle(pass), s, out, minFull,
                       params_.maxSizePx);
    }
  }
}

std::vector<Detection> FaceDetector::mergePasses(std::vector<Detection> found, size_t frontalCount) {
  std::vector<size_t> order(found.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Upright frontal faces first, then turned ones, then profiles, each by score: the upright scan's boxes
  // scatter around a face as the detector stage of the keypoint model was trained for, and a face it found is
  // within its reach of upright.
  const auto rank = [&](size_t i) { return i >= frontalCount ? 2 : found[i].angle != 0.f ? 1 : 0; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    return found[a].score > found[b].score;
  });
  const auto overlap = [](const cv::Rect2f& a, const cv::Rect2f& b) {
    const float inter = (a & b).area();
    return inter / (a.area() + b.area() - inter);
  };
  std::vector<Detection> kept;
  for (size_t i : order) {
    bool same = false;
    for (const Detection& k : kept) same = same || overlap(k.box, found[i].box) > kSameFaceIou;
    if (!same) kept.push_back(found[i]);
  }
  return kept;
}

std::vector<Detection> FaceDetector::detectAllPasses(const cv::Mat& gray) const {
  return detectWith(gray, extraPasses());
}

std::vector<Detection> FaceDetector::detectWith(const cv::Mat& gray, const std::vector<DetectPass>& passes,
                                                const std::vector<Detection>* upright) const {
  std::vector<Detection> frontal = upright ? *upright : detect(gray), profile;
  if (passes.empty()) return frontal;
  for (DetectPass pass : passes) {
    std::vector<Detection> found = detectPass(gray, pass);
    auto& into = pass == DetectPass::kProfile || pass == DetectPass::kProfileMirrored ? profile : frontal;
    into.insert(into.end(), found.begin(), found.end());
  }
  const size_t frontalCount = frontal.size();
  frontal.insert(frontal.end(), profile.begin(), profile.end());
  return mergePasses(std::move(frontal), frontalCount);
}

std::vector<Detection> FaceDetector::runTurned(const cv::Mat& image, cv::Point2f center, float angle,
                                               double s, cv::Size outSize, double minFacePx,
                                               double maxFacePx) const {
  s = std::min(s, 1.0);
  cv::Mat source = image;
  double pre = 1.0;
  if (s < 0.5) {
    // Shrink with area averaging first, as the upright scan does: a turned copy straight from a large frame
    // would alias its fine texture; the turn itself is then a mild resampling.
    pre = s * 1.25;
    cv::resize(image, source, cv::Size(), pre, pre, cv::INTER_AREA);
  }
  const double k = s / pre;  // source pixels -> copy pixels
  const double c = std::cos(angle), sn = std::sin(angle);
  const double cx = center.x * pre, cy = center.y * pre;
  // q = k R(-angle) (p - c) + out/2
  const cv::Matx23d m(k * c, k * sn, outSize.width / 2.0 - k * (c * cx + sn * cy), -k * sn, k * c,
                      outSize.height / 2.0 - k * (-sn * cx + c * cy));
  cv::Mat work;
  cv::warpAffine(source, work, cv::Mat(m), outSize, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  std::vector<Detection> found =
      run(frontal_, work, 1.0, minFacePx * s, maxFacePx > 0 ? maxFacePx * s : 0, {0, 0}, cv::mean(source)[0]);
  for (Detection& d : found) {
    // The box centre back to the frame; the box keeps its size, upright in the face's own frame.
    const double qx = d.box.x + d.box.width / 2.0 - outSize.width / 2.0;
    const double qy = d.box.y + d.box.height / 2.0 - outSize.height / 2.0;
    const double px = center.x + (c * qx - sn * qy) / s, py = center.y + (sn * qx + c * qy) / s;
    const double w = d.box.width / s, h = d.box.height / s;
    d.box = cv::Rect2f(static_cast<float>(px - w / 2), static_cast<float>(py - h / 2), static_cast<float>(w),
                       static_cast<float>(h));
    d.angle = angle;
  }
  return found;
}

std::vector<Detection> FaceDetector::run(const Cascade& cascade, const cv::Mat& image, double s,
                                         double minFacePx, double maxFacePx, cv::Point2f offset,
                                         double level) const {
  std::vector<Detection> out;
  cv::Mat work;
  if (s < 1.0) {
    cv::resize(image, work, cv::Size(), s, s, cv::INTER_AREA);
  } else {
    s = 1.0;
    work = image;
  }
  if (params_.lowLightBelow > 0 && level < 0) level = cv::mean(work)[0];
  const bool lift = params_.lowLightBelow > 0 && level < params_.lowLightBelow;
  if (s == 1.0) {
    // A small dim frame is searched enlarged so that its smallest faces span kMinFaceInWindows windows: in
    // the noise a face at the cascade's own size does not gather enough agreeing windows.
    const double up = kMinFaceInWindows * cascade.windowSide() / std::max(minFacePx, 1.0);
    if (lift && up > 1.0 && static_cast<double>(image.total()) * up * up <= kLowLightFineStepMaxPixels) {
      s = up;
      cv::resize(image, work, cv::Size(), s, s, cv::INTER_LINEAR);
    }
  }
  if (params_.equalizeHistogram) {
    if (work.data == image.data) work = work.clone();  // never equalise the caller's frame in place
    cv::equalizeHist(work, work);
  }
  double scaleFactor = params_.scaleFactor;
  if (lift) {
    work = liftLowLight(work, level);
    if (static_cast<double>(work.total()) <= kLowLightFineStepMaxPixels)
      scaleFactor = std::min(scaleFactor, kLowLightScaleFactor);
  }
  const int minNeighbors = params_.minNeighbors;
  const int minSide = std::max(1, static_cast<int>(std::lround(minFacePx * s)));
  const int maxSide = maxFacePx > 0 ? std::max(minSide, static_cast<int>(std::lround(maxFacePx * s))) : 0;

  std::vector<cv::Rect> boxes;
  std::vector<int> levels;
  std::vector<double> weights;
  try {
    if (useFast(cascade)) {
      HaarCascade::Hits hits = cascade.fast->detect(work, scaleFactor, minNeighbors,
                                                    cv::Size(minSide, minSide), cv::Size(maxSide, maxSide));
      boxes = std::move(hits.boxes);
      weights = std::move(hits.weights);
    } else {
      cascade.opencv.detectMultiScale(work, boxes, levels, weights, scaleFactor, minNeighbors, 0,
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
