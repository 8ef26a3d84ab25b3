#include "engine/pipeline/face_pipeline.hpp"

#include <opencv2/imgproc.hpp>

#include "engine/core/logging.hpp"
#include "engine/keypoints/refine.hpp"

namespace facefilter {
namespace {

// Motion is checked on a small thumbnail: cheap, and insensitive to sensor noise.
constexpr int kThumbWidth = 96;
constexpr int kMotionPixelThreshold = 20;

}  // namespace

FacePipeline::FacePipeline(FaceDetector detector, KeypointModel model, TrackerParams tracker, const Clock& clock)
    : detector_(std::move(detector)),
      model_(std::move(model)),
      tracker_(tracker),
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
  passCursor_ = 0;
  previousThumb_.release();
}

float FacePipeline::motionOutsideTracks(const cv::Mat& gray) {
  const double s = kThumbWidth / static_cast<double>(gray.cols);
  cv::Mat thumb;
  cv::resize(gray, thumb, cv::Size(kThumbWidth, std::max(1, static_cast<int>(gray.rows * s))), 0, 0, cv::INTER_AREA);
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
  const size_t perFrame = std::min<size_t>(static_cast<size_t>(detector_.params().extraPassesPerFrame), all.size());
  std::vector<DetectPass> passes;
  for (size_t k = 0; k < perFrame; ++k) passes.push_back(all[passCursor_++ % all.size()]);
  extraPassesRun = static_cast<int>(passes.size());
  return detector_.detectWith(gray, passes, &upright);
}

FrameResult FacePipeline::process(const Frame& frame) {
  {
    std::lock_guard lock(paramsMutex_);
    if (paramsChanged_) {
      if (auto s = detector_.setParams(pendingDetector_); !s) {
        logger("detect")->error("{}", s.error().message);
        pendingDetector_ = detector_.params();
        std::lock_guard statsLock(statsMutex_);
        ++stats_.errors;
        stats_.lastError = s.error().message;
      }
      tracker_.setParams(pendingTracker_);
      if (pendingModel_) {
        model_ = std::move(*pendingModel_);
        pendingModel_.reset();
        tracker_.reset();  // keypoints from another model's crop convention do not carry over
        auto description = std::make_shared<const ModelDescription>(ModelDescription::of(model_));
        std::lock_guard descriptionLock(descriptionMutex_);
        description_.swap(description);  // the old one is let go after the lock, by whoever holds it last
      }
      paramsChanged_ = false;
    }
  }
  FrameResult r;
  r.frameId = frame.id;
  r.captureNs = frame.captureNs;
  r.sourceTimeMs = frame.sourceTimeMs;
  r.frameWidth = frame.image.cols;
  r.frameHeight = frame.image.rows;
  r.times.decode = nsToMs(frame.decodeNs);
  const int64_t t0 = clock_.nowNs();
  if (frame.image.empty()) {
    r.error = "frame " + std::to_string(frame.id) + " is empty";
    r.resultNs = clock_.nowNs();
    return r;
  }

  cv::Mat gray;
  if (frame.image.channels() == 1) {
    gray = frame.image;
  } else {
    cv::cvtColor(frame.image, gray, frame.image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  }
  const bool tracking = tracker_.params().mode == TrackingMode::kTrack;
  const float motion = tracking && tracker_.params().motionTrigger > 0 ? motionOutsideTracks(gray) : 0.f;
  r.detectReason = tracker_.decide(motion);
  const int64_t t1 = clock_.nowNs();

  if (r.detectReason != DetectReason::kNone) {
    r.detectScope = tracker_.scope(r.detectReason);
    if (r.detectScope == DetectScope::kAroundTracks) {
      bool everyRegionFound = true;
      for (const DetectRegion& region : tracker_.regionsAroundTracks()) {
        auto found = detector_.detectIn(gray, region.area, region.minSidePx, region.maxSidePx, region.angle);
        everyRegionFound = everyRegionFound && !found.empty();
        r.detections.insert(r.detections.end(), found.begin(), found.end());
      }
      if (!everyRegionFound) {
        // A face that is not where its track says (a cut, a fast move, or the cascade's own miss): look
        // everywhere now rather than drop the track and find the face a frame later.
        r.detectScope = DetectScope::kFullFrame;
        r.detections.clear();
      }
    }
    if (r.detectScope == DetectScope::kFullFrame) r.detections = scanFullFrame(gray, r.extraPasses);
    r.detectorRan = true;
  }
  const int64_t t2 = clock_.nowNs();

  const BoxFromPoints& rule = model_.metadata().boxFromPoints;
  const std::vector<FaceBox> boxes = tracker_.plan(r.detectorRan ? &r.detections : nullptr, rule, r.detectScope);
  std::vector<CropWindow> crops;
  crops.reserve(boxes.size());
  for (const auto& b : boxes) crops.push_back(model_.cropFor(b));
  const int64_t t3 = clock_.nowNs();

  std::vector<Landmarks> raw;
  std::vector<float> presence;
  size_t refined = 0;
  if (!crops.empty()) {
    const cv::Mat& modelInput = model_.metadata().channels == 1 ? gray : frame.image;
    // Faces planned from a detector box go through the model's detector-box stage, if it has one.
    auto predicted = model_.predict(modelInput, crops,
                                    r.detectorRan ? tracker_.plannedFromDetection() : std::vector<bool>{}, &presence);
    if (predicted) {
      raw = std::move(predicted).value();
      // Only a frame where the detector ran can hold a face cropped from a detector box.
      if (r.detectorRan && tracker_.params().refineDetections) {
        auto second =
            refineFromKeypoints(model_, modelInput, tracker_.plannedFromDetection(), crops, raw, &presence);
        if (second) {
          refined = second.value();
        } else {
          r.error = second.error().message;  // the first pass's keypoints stand
        }
      }
    } else {
      r.error = predicted.error().message;
      crops.clear();
      presence.clear();
    }
  }
  const int64_t t4 = clock_.nowNs();

  std::vector<cv::Mat> looks;
  if (tracking) {
    looks.reserve(crops.size());
    for (const auto& c : crops) looks.push_back(FaceTracker::appearanceThumbnail(gray, c));
  }
  r.faces = tracker_.update(crops, raw, frame.captureNs, rule, tracking ? &looks : nullptr,
                            presence.empty() ? nullptr : &presence);
  const int64_t t5 = clock_.nowNs();

  r.times.detect = r.detectorRan ? nsToMs(t2 - t1) : 0;
  r.times.keypoints = nsToMs(t4 - t3);
  r.times.track = nsToMs((t1 - t0) + (t3 - t2) + (t5 - t4));
  r.resultNs = t5;

  std::lock_guard lock(statsMutex_);
  ++stats_.frames;
  if (r.detectorRan) {
    ++stats_.detectorRuns;
    if (r.detectScope == DetectScope::kFullFrame) ++stats_.fullScans;
    detectMs_.add(r.times.detect);
  }
  stats_.facesProcessed += raw.size() + refined;
  stats_.tracksCreated = tracker_.tracksCreated();
  stats_.tracksActive = tracker_.trackCount();
  if (!r.error.empty()) {
    ++stats_.errors;
    stats_.lastError = r.error;
  }
  decodeMs_.add(r.times.decode);
  if (!crops.empty()) keypointsMs_.add(r.times.keypoints);
  trackMs_.add(r.times.track);
  totalMs_.add(nsToMs(t5 - t0));
  return r;
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
