#include "engine/pipeline/face_pipeline.hpp"

#include <opencv2/imgproc.hpp>

#include "engine/core/logging.hpp"
#include "engine/keypoints/refine.hpp"

namespace facefilter {
namespace {

// Motion is checked on a small thumbnail: cheap, and insensitive to sensor noise.
constexpr int kThumbWidth = 96;
constexpr int kMotionPixelThreshold = 20;

// What is known of a frame before any processing: where it came from and what decoding it took.
FrameResult resultHeader(const Frame& frame) {
  FrameResult r;
  r.frameId = frame.id;
  r.captureNs = frame.captureNs;
  r.sourceTimeMs = frame.sourceTimeMs;
  r.frameWidth = frame.image.cols;
  r.frameHeight = frame.image.rows;
  r.times.decode = nsToMs(frame.decodeNs);
  return r;
}

// The detector, the motion check and gray models all work on one channel; a gray frame is used as is.
cv::Mat grayOf(const cv::Mat& image) {
  cv::Mat gray;
  if (image.channels() == 1) {
    gray = image;
  } else {
    cv::cvtColor(image, gray, image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  }
  return gray;
}

}  // namespace

FacePipeline::FacePipeline(FaceDetector detector, KeypointModel model, TrackerParams tracker,
                           const Clock& clock)
    : detector_(std::move(detector)),
      model_(std::move(model)),
      tracker_(tracker),
      attributes_(FaceAttributeParams{.smoothing = tracker.smoothing}),
      clock_(clock),
      pendingDetector_(detector_.params()),
      pendingTracker_(tracker),
      description_(std::make_shared<const ModelDescription>(ModelDescription::of(model_))) {}

Status FacePipeline::setDetectorParams(const DetectorParams& params) {
  if (auto v = validate(params); !v) return v;
  std::lock_guard lock(paramsMutex_);
  if (params.cascadePath != pendingDetector_.cascadePath) {
    // Load it here so that the caller hears about a bad cascade now, not in a log line later.
    if (auto probe = FaceDetector::create(params); !probe) return probe.error();
  }
  pendingDetector_ = params;
  paramsChanged_ = true;
  return Ok{};
}

Status FacePipeline::setTrackerParams(const TrackerParams& params) {
  if (auto v = validate(params); !v) return v;
  std::lock_guard lock(paramsMutex_);
  pendingTracker_ = params;
  paramsChanged_ = true;
  return Ok{};
}

void FacePipeline::setModel(KeypointModel model) {
  std::lock_guard lock(paramsMutex_);
  pendingModel_ = std::make_unique<KeypointModel>(std::move(model));
  paramsChanged_ = true;
}

DetectorParams FacePipeline::detectorParams() const {
  std::lock_guard lock(paramsMutex_);
  return pendingDetector_;
}

TrackerParams FacePipeline::trackerParams() const {
  std::lock_guard lock(paramsMutex_);
  return pendingTracker_;
}

ModelDescriptionPtr FacePipeline::modelDescription() const {
  std::lock_guard lock(descriptionMutex_);
  return description_;
}

void FacePipeline::reset() {
  tracker_.reset();
  attributes_.reset();
  passCursor_ = 0;
  previousThumb_.release();
}

float FacePipeline::motionOutsideTracks(const cv::Mat& gray) {
  const double s = kThumbWidth / static_cast<double>(gray.cols);
  cv::Mat thumb;
  cv::resize(gray, thumb, cv::Size(kThumbWidth, std::max(1, static_cast<int>(gray.rows * s))), 0, 0,
             cv::INTER_AREA);
  float share = 0;
  if (!previousThumb_.empty() && previousThumb_.size() == thumb.size()) {
    cv::Mat diff;
    cv::absdiff(thumb, previousThumb_, diff);
    cv::Mat changed = diff > kMotionPixelThreshold;
    for (const cv::Rect2f& b : tracker_.trackBoxes()) {
      // Mask the faces with a margin: their own motion is tracking's business, not a new face.
      const cv::Rect2f grown(b.x - b.width * 0.5f, b.y - b.height * 0.5f, b.width * 2.f, b.height * 2.f);
      cv::Rect r(cv::Point(static_cast<int>(grown.x * s), static_cast<int>(grown.y * s)),
                 cv::Point(static_cast<int>((grown.x + grown.width) * s) + 1,
                           static_cast<int>((grown.y + grown.height) * s) + 1));
      r &= cv::Rect(0, 0, changed.cols, changed.rows);
      if (r.area() > 0) changed(r).setTo(0);
    }
    share = static_cast<float>(cv::countNonZero(changed)) / static_cast<float>(changed.total());
  }
  previousThumb_ = thumb;
  return share;
}

std::vector<Detection> FacePipeline::scanFullFrame(const cv::Mat& gray, int& extraPassesRun) {
  extraPassesRun = 0;
  const std::vector<Detection> upright = detector_.detect(gray);
  // Detecting on every frame (no tracking), the extra passes run only where the upright scan finds nobody, so
  // that a frame with a face costs what it did.
  if (tracker_.params().mode == TrackingMode::kDetectEveryFrame && !upright.empty()) return upright;
  // The extra passes take turns across frames (the cursor survives between scans), so that a frame costs
  // the upright scan plus a few passes, and every pass has run within a few frames of a cold start.
  const std::vector<DetectPass> all = detector_.extraPasses();
  const size_t perFrame =
      std::min<size_t>(static_cast<size_t>(detector_.params().extraPassesPerFrame), all.size());
  std::vector<DetectPass> passes;
  for (size_t k = 0; k < perFrame; ++k) passes.push_back(all[passCursor_++ % all.size()]);
  extraPassesRun = static_cast<int>(passes.size());
  return detector_.detectWith(gray, passes, &upright);
}

FrameResult FacePipeline::process(const Frame& frame) {
  applyPendingChanges();
  FrameResult r = resultHeader(frame);
  const int64_t t0 = clock_.nowNs();
  if (frame.image.empty()) {
    r.error = "frame " + std::to_string(frame.id) + " is empty";
    r.resultNs = clock_.nowNs();
    return r;
  }

  const cv::Mat gray = grayOf(frame.image);
  const bool tracking = tracker_.params().mode == TrackingMode::kTrack;
  const float motion = tracking && tracker_.params().motionTrigger > 0 ? motionOutsideTracks(gray) : 0.f;
  r.detectReason = tracker_.decide(motion);
  const int64_t t1 = clock_.nowNs();

  if (r.detectReason != DetectReason::kNone) detect(gray, r);
  const int64_t t2 = clock_.nowNs();

  const BoxFromPoints& rule = model_.metadata().boxFromPoints;
  std::vector<CropWindow> crops = planCrops(r, rule);
  const int64_t t3 = clock_.nowNs();

  FrameKeypoints keypoints = predictKeypoints(frame.image, gray, crops, r);
  const int64_t t4 = clock_.nowNs();

  r.faces = updateTracks(gray, crops, keypoints, frame.captureNs, rule, tracking);
  attributes_.update(r.faces, gray, frame.captureNs);
  const int64_t t5 = clock_.nowNs();

  // Whatever is neither the detector nor the model counts as tracking (the pose and the light included): the
  // stages cover the whole frame.
  r.times.detect = r.detectorRan ? nsToMs(t2 - t1) : 0;
  r.times.keypoints = nsToMs(t4 - t3);
  r.times.track = nsToMs((t1 - t0) + (t3 - t2) + (t5 - t4));
  r.resultNs = t5;
  recordStats(r, keypoints, !crops.empty(), nsToMs(t5 - t0));
  return r;
}

void FacePipeline::applyPendingChanges() {
  std::lock_guard lock(paramsMutex_);
  if (!paramsChanged_) return;
  if (auto s = detector_.setParams(pendingDetector_); !s) {
    logger("detect")->error("{}", s.error().message);
    pendingDetector_ = detector_.params();
    std::lock_guard statsLock(statsMutex_);
    ++stats_.errors;
    stats_.lastError = s.error().message;
  }
  tracker_.setParams(pendingTracker_);
  FaceAttributeParams attributeParams = attributes_.params();
  attributeParams.smoothing = pendingTracker_.smoothing;
  attributes_.setParams(attributeParams);
  if (pendingModel_) usePendingModel();
  paramsChanged_ = false;
}

void FacePipeline::usePendingModel() {
  model_ = std::move(*pendingModel_);
  pendingModel_.reset();
  tracker_.reset();  // keypoints from another model's crop convention do not carry over
  attributes_.reset();
  auto description = std::make_shared<const ModelDescription>(ModelDescription::of(model_));
  std::lock_guard descriptionLock(descriptionMutex_);
  description_.swap(description);  // the old one is let go after the lock, by whoever holds it last
}

void FacePipeline::detect(const cv::Mat& gray, FrameResult& r) {
  r.detectScope = tracker_.scope(r.detectReason);
  if (r.detectScope == DetectScope::kAroundTracks && !detectAroundTracks(gray, r.detections)) {
    // A face that is not where its track says (a cut, a fast move, or the cascade's own miss): look
    // everywhere now rather than drop the track and find the face a frame later.
    r.detectScope = DetectScope::kFullFrame;
    r.detections.clear();
  }
  if (r.detectScope == DetectScope::kFullFrame) r.detections = scanFullFrame(gray, r.extraPasses);
  r.detectorRan = true;
}

bool FacePipeline::detectAroundTracks(const cv::Mat& gray, std::vector<Detection>& detections) {
  bool everyRegionFound = true;
  for (const DetectRegion& region : tracker_.regionsAroundTracks()) {
    auto found = detector_.detectIn(gray, region.area, region.minSidePx, region.maxSidePx, region.angle);
    everyRegionFound = everyRegionFound && !found.empty();
    detections.insert(detections.end(), found.begin(), found.end());
  }
  return everyRegionFound;
}

std::vector<CropWindow> FacePipeline::planCrops(const FrameResult& r, const BoxFromPoints& rule) {
  const std::vector<FaceBox> boxes =
      tracker_.plan(r.detectorRan ? &r.detections : nullptr, rule, r.detectScope);
  std::vector<CropWindow> crops;
  crops.reserve(boxes.size());
  for (const auto& b : boxes) crops.push_back(model_.cropFor(b));
  return crops;
}

FacePipeline::FrameKeypoints FacePipeline::predictKeypoints(const cv::Mat& image, const cv::Mat& gray,
                                                            std::vector<CropWindow>& crops, FrameResult& r) {
  FrameKeypoints k;
  if (crops.empty()) return k;
  const cv::Mat& modelInput = model_.metadata().channels == 1 ? gray : image;
  // Faces planned from a detector box go through the model's detector-box stage, if it has one. A dim
  // tracked face keeps one forward pass a frame; a newly found one is averaged with its mirror in each pass.
  auto predicted =
      model_.predict(modelInput, crops, r.detectorRan ? tracker_.plannedFromDetection() : std::vector<bool>{},
                     &k.presence, MirrorAverage::kDetectorCropsOnly);
  if (!predicted) {
    r.error = predicted.error().message;
    crops.clear();
    k.presence.clear();
    return k;
  }
  k.raw = std::move(predicted).value();
  // Only a frame where the detector ran can hold a face cropped from a detector box.
  if (r.detectorRan && tracker_.params().refineDetections) {
    auto second =
        refineFromKeypoints(model_, modelInput, tracker_.plannedFromDetection(), crops, k.raw, &k.presence);
    if (second) {
      k.refined = second.value();
    } else {
      r.error = second.error().message;  // the first pass's keypoints stand
    }
  }
  return k;
}

std::vector<FaceResult> FacePipeline::updateTracks(const cv::Mat& gray, const std::vector<CropWindow>& crops,
                                                   const FrameKeypoints& k, int64_t captureNs,
                                                   const BoxFromPoints& rule, bool tracking) {
  std::vector<cv::Mat> looks;
  if (tracking) {
    looks.reserve(crops.size());
    for (const auto& c : crops) looks.push_back(FaceTracker::appearanceThumbnail(gray, c));
  }
  return tracker_.update(crops, k.raw, captureNs, rule, tracking ? &looks : nullptr,
                         k.presence.empty() ? nullptr : &k.presence);
}

void FacePipeline::recordStats(const FrameResult& r, const FrameKeypoints& k, bool keypointsRan,
                               double totalMs) {
  std::lock_guard lock(statsMutex_);
  ++stats_.frames;
  if (r.detectorRan) {
    ++stats_.detectorRuns;
    if (r.detectScope == DetectScope::kFullFrame) ++stats_.fullScans;
    detectMs_.add(r.times.detect);
  }
  stats_.facesProcessed += k.raw.size() + k.refined * static_cast<size_t>(RefineOptions{}.passes);
  stats_.tracksCreated = tracker_.tracksCreated();
  stats_.tracksActive = tracker_.trackCount();
  if (!r.error.empty()) {
    ++stats_.errors;
    stats_.lastError = r.error;
  }
  decodeMs_.add(r.times.decode);
  if (keypointsRan) keypointsMs_.add(r.times.keypoints);
  trackMs_.add(r.times.track);
  totalMs_.add(totalMs);
}

PipelineStats FacePipeline::stats() const {
  std::lock_guard lock(statsMutex_);
  PipelineStats s = stats_;
  s.decodeMs = decodeMs_.summary();
  s.detectMs = detectMs_.summary();
  s.keypointsMs = keypointsMs_.summary();
  s.trackMs = trackMs_.summary();
  s.totalMs = totalMs_.summary();
  return s;
}

}  // namespace facefilter
