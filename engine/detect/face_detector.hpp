#pragma once
// Haar-cascade face detection (OpenCV's cascades). Every threshold is a parameter; boxes carry the cascade's
// final-stage level weight as their score. One thread at a time per instance. Cascades that HaarCascade
// supports are scanned by it, others by cv::CascadeClassifier: the same boxes either way
// (tests/test_haar_cascade.cpp).

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

#include "engine/core/result.hpp"
#include "engine/detect/haar_cascade.hpp"

namespace facefilter {

inline constexpr const char* kDefaultCascadePath =
    "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

enum class DetectDownscale { kToMinFace, kOff };

// kVectorised: HaarCascade scans the cascades it supports (OpenCV's frontal face cascades), OpenCV the
// others. kOpenCv: cv::CascadeClassifier always. The same boxes either way; the first is ~4x faster with AVX2
// (facefilter-bench: a full 1280x720 scan 7.9 against 33.3 ms).
enum class CascadeScan { kVectorised, kOpenCv };

struct DetectorParams {
  std::string cascadePath = kDefaultCascadePath;
  double scaleFactor = 1.1;    // image pyramid step, > 1
  int minNeighbors = 5;        // overlapping detections needed to keep a box
  int minSizePx = 30;          // smallest face side, in full-frame pixels
  // Smallest face side as a share of the frame's shorter side (the larger of the two minimums wins).
  // 0.1 = 72 px at 720p, 48 px at 480p: a face at arm's length to a few metres from a webcam. Smaller faces
  // cost the detector dearly (each halving of the smallest face roughly quadruples its work) and are mostly
  // false positives in texture (e.g. 50 px "faces" in a 3648x2406 group photo); lower it for distant faces.
  double minSizeFraction = 0.1;
  int maxSizePx = 0;           // largest face side, in full-frame pixels; 0 = no limit
  double detectScale = 1.0;    // run on a copy scaled by this (0.5 = half size); boxes come back in frame pixels
  // kToMinFace also scales the copy down (never up) so that the smallest face searched for is 1.6 cascade
  // windows (38 px for the default 24 px cascade): OpenCV scans every window position once the pyramid
  // factor passes 2, so a large minimum size on a full-size frame costs several times more than the same
  // search on a smaller copy. The smaller of this and detectScale wins. With the defaults it makes a full
  // 1280x720 scan ~2.5x cheaper (facefilter-bench) and finds the same faces on the udacity test split and
  // the sample photos.
  DetectDownscale downscale = DetectDownscale::kToMinFace;
  CascadeScan scan = CascadeScan::kVectorised;
  double minScore = -1e9;      // drop boxes whose level weight is below this
  bool equalizeHistogram = false;
};

// Returns an error naming the bad value, or Ok.
Status validate(const DetectorParams& params);

struct Detection {
  cv::Rect2f box;  // frame pixels
  float score = 0;  // the cascade's final-stage level weight (higher = more face-like)
};

class FaceDetector {
 public:
  static Result<FaceDetector> create(const DetectorParams& params);

  // `gray` is the full frame, 8-bit single channel. Never throws.
  std::vector<Detection> detect(const cv::Mat& gray) const;

  // Searches only `region` (frame pixels, clipped to the frame) for faces whose side lies in
  // [minSidePx, maxSidePx]: how a tracked face is re-confirmed without scanning the whole frame. The region
  // is scaled down so that `minSidePx` is two cascade windows, so the cost hardly depends on the face's size.
  // Scale factor, neighbours and score threshold as in detect(); the size limits of the params do not apply.
  std::vector<Detection> detectIn(const cv::Mat& gray, const cv::Rect2f& region, float minSidePx,
                                  float maxSidePx) const;

  // Takes effect on the next detect(). Reloads the cascade only if its path changed; on error the old
  // parameters stay in force.
  Status setParams(const DetectorParams& params);
  const DetectorParams& params() const { return params_; }

  // Whether our vectorised scan serves detect() (params().scan and the cascade allow it), else OpenCV's.
  bool vectorisedScan() const { return fast_ != nullptr && params_.scan == CascadeScan::kVectorised; }

 private:
  FaceDetector(cv::CascadeClassifier cascade, std::shared_ptr<const HaarCascade> fast, DetectorParams params)
      : cascade_(std::move(cascade)), fast_(std::move(fast)), params_(std::move(params)) {}
  static Result<cv::CascadeClassifier> loadCascade(const std::string& path);
  static std::shared_ptr<const HaarCascade> loadFast(const std::string& path);
  // Runs the cascade on `image` scaled by `scale`; boxes come back in `image` pixels plus `offset`.
  std::vector<Detection> run(const cv::Mat& image, double scale, double minFacePx, double maxFacePx,
                             cv::Point2f offset) const;
  int windowSide() const;

  mutable cv::CascadeClassifier cascade_;
  std::shared_ptr<const HaarCascade> fast_;  // null: cascade_ scans
  DetectorParams params_;
};

}  // namespace facefilter
