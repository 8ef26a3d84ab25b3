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
inline constexpr const char* kDefaultProfileCascadePath =
    "/usr/share/opencv4/haarcascades/haarcascade_profileface.xml";

// The scans of a cold start. The frontal cascade finds faces within about 20 degrees of upright and 30 of
// frontal; the extra passes look for faces rolled by about +-30 and +-60 degrees (the frontal cascade on a
// turned copy of the frame) and turned to either side (the profile cascade on the frame and on its mirror).
enum class DetectPass {
  kUpright,
  kRollPlus30,
  kRollMinus30,
  kRollPlus60,
  kRollMinus60,
  kProfile,
  kProfileMirrored
};
const char* toString(DetectPass pass);

enum class DetectDownscale { kToMinFace, kOff };

// kVectorised: HaarCascade scans the cascades it supports (OpenCV's frontal face cascades), OpenCV the
// others. kOpenCv: cv::CascadeClassifier always. The same boxes either way; the first is several times faster
// with AVX2 (facefilter-bench's detect rows measure both).
enum class CascadeScan { kVectorised, kOpenCv };

struct DetectorParams {
  std::string cascadePath = kDefaultCascadePath;
  double scaleFactor = 1.1;  // image pyramid step, > 1
  int minNeighbors = 5;      // overlapping detections needed to keep a box
  int minSizePx = 30;        // smallest face side, in full-frame pixels
  // Smallest face side as a share of the frame's shorter side (the larger of the two minimums wins).
  // 0.1 = 72 px at 720p, 48 px at 480p: a face at arm's length to a few metres from a webcam. Smaller faces
  // cost the detector dearly (each halving of the smallest face roughly quadruples its work) and are mostly
  // false positives in texture (e.g. 50 px "faces" in a 3648x2406 group photo); lower it for distant faces.
  double minSizeFraction = 0.1;
  int maxSizePx = 0;  // largest face side, in full-frame pixels; 0 = no limit
  double detectScale =
      1.0;  // run on a copy scaled by this (0.5 = half size); boxes come back in frame pixels
  // kToMinFace also scales the copy down (never up) so that the smallest face searched for is 1.6 cascade
  // windows (38 px for the default 24 px cascade): OpenCV scans every window position once the pyramid
  // factor passes 2, so a large minimum size on a full-size frame costs several times more than the same
  // search on a smaller copy. The smaller of this and detectScale wins. With the defaults a full scan costs
  // less and finds the same faces on the udacity test split and the sample photos (facefilter-bench, eval).
  DetectDownscale downscale = DetectDownscale::kToMinFace;
  CascadeScan scan = CascadeScan::kVectorised;
  double minScore = -1e9;  // drop boxes whose level weight is below this
  bool equalizeHistogram = false;
  // A frame whose detector copy is darker than this mean grey level is searched on a lifted copy (less noise,
  // dark tones spread out: face_detector.cpp liftLowLight); 0 = never. Normal light keeps the plain copy.
  // Where the lifted copy is small (photos, small frames, the regions around tracked faces) it is also
  // enlarged to kToMinFace's size and scanned with a finer pyramid step; a large one keeps `scaleFactor`
  // (the finer step would cost several times the frame's budget there: docs/benchmarks.md).
  double lowLightBelow = 60;
  // Cold-start passes beyond the upright scan (DetectPass): the turned copies and the profile cascade.
  bool rolledPasses = true;
  bool profilePasses = true;
  std::string profileCascadePath = kDefaultProfileCascadePath;
  // Extra passes run per frame while scanning for new faces: they take turns across frames, so a frame's cost
  // stays near the upright scan's (facefilter-bench, pose section). Still images run them all at once.
  int extraPassesPerFrame = 2;
};

// Returns an error naming the bad value, or Ok.
Status validate(const DetectorParams& params);

struct Detection {
  cv::Rect2f box;   // frame pixels: centred on the face, sized as the upright box of a face rolled by `angle`
  float score = 0;  // the cascade's final-stage level weight (higher = more face-like)
  float angle = 0;  // the face's roll (radians, image coordinates): the turn of the copy it was found on
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
  // `angle`: the tracked face's roll; the region is searched turned upright about its centre.
  std::vector<Detection> detectIn(const cv::Mat& gray, const cv::Rect2f& region, float minSidePx,
                                  float maxSidePx, float angle = 0.f) const;

  // One cold-start pass over the whole frame. A rolled pass scans a copy turned about the frame's centre (the
  // frame's own size: its corners are left to the other passes) and reports each face with its roll.
  std::vector<Detection> detectPass(const cv::Mat& gray, DetectPass pass) const;
  // The extra passes the parameters ask for, in the order they take turns.
  std::vector<DetectPass> extraPasses() const;
  // detect() (or `upright`, its result already at hand) plus the given extra passes, merged.
  std::vector<Detection> detectWith(const cv::Mat& gray, const std::vector<DetectPass>& passes,
                                    const std::vector<Detection>* upright = nullptr) const;
  // detect() plus every extra pass, merged (still images, evaluation).
  std::vector<Detection> detectAllPasses(const cv::Mat& gray) const;
  // Joins the faces of several passes (the first `frontalCount` from the frontal cascade): where two overlap,
  // an upright frontal face wins over a turned one, a turned one over a profile, and then the higher score.
  static std::vector<Detection> mergePasses(std::vector<Detection> found, size_t frontalCount);

  // Takes effect on the next detect(). Reloads the cascade only if its path changed; on error the old
  // parameters stay in force.
  Status setParams(const DetectorParams& params);
  const DetectorParams& params() const { return params_; }

  // Whether our vectorised scan serves detect() (params().scan and the cascade allow it), else OpenCV's.
  bool vectorisedScan() const { return useFast(frontal_); }

 private:
  struct Cascade {
    mutable cv::CascadeClassifier opencv;
    std::shared_ptr<const HaarCascade> fast;  // null: opencv scans
    int windowSide() const;
  };
  FaceDetector(Cascade frontal, std::shared_ptr<const Cascade> profile, DetectorParams params)
      : frontal_(std::move(frontal)), profile_(std::move(profile)), params_(std::move(params)) {}
  static Result<cv::CascadeClassifier> loadCascade(const std::string& path);
  static std::shared_ptr<const HaarCascade> loadFast(const std::string& path);
  static Result<std::shared_ptr<const Cascade>> loadProfile(const DetectorParams& params);
  // Runs `cascade` on `image` scaled by `scale`; boxes come back in `image` pixels plus `offset`.
  // `level`: the mean grey level that decides whether the search is lifted for low light (< 0: the copy's
  // own; a turned copy passes its source's, since its empty corners would darken it).
  std::vector<Detection> run(const Cascade& cascade, const cv::Mat& image, double scale, double minFacePx,
                             double maxFacePx, cv::Point2f offset, double level = -1) const;
  // Runs the frontal cascade on `image` turned upright about `center` for a face rolled by `angle`, scaled by
  // `scale`, into a copy of `outSize` (pixels of the copy) centred on `center`; boxes come back in `image`
  // pixels.
  std::vector<Detection> runTurned(const cv::Mat& image, cv::Point2f center, float angle, double scale,
                                   cv::Size outSize, double minFacePx, double maxFacePx) const;
  double fullFrameScale(double minFull, int windowSide) const;
  bool useFast(const Cascade& c) const {
    return c.fast != nullptr && params_.scan == CascadeScan::kVectorised;
  }

  Cascade frontal_;
  std::shared_ptr<const Cascade> profile_;  // null when profile passes are off
  DetectorParams params_;
};

}  // namespace facefilter
