#pragma once
// Face tracks across frames. A tracked face's next crop comes from its previous keypoints, so the
// detector need not run every frame: it runs when nothing is tracked, every `detectIntervalFrames`,
// when a track's quality drops, or when motion outside the tracked faces says a new face may have
// entered. Detections are matched to tracks by IoU; unmatched detections start tracks; tracks the
// detector fails to confirm repeatedly, or whose quality collapses, are dropped.
// Not thread-safe: the engine thread owns it.

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/detect/face_detector.hpp"
#include "engine/filters/face_light.hpp"
#include "engine/filters/head_pose.hpp"
#include "engine/keypoints/face_crop.hpp"
#include "engine/keypoints/landmarks.hpp"
#include "engine/track/one_euro_filter.hpp"

namespace facefilter {

enum class TrackingMode { kTrack, kDetectEveryFrame };
enum class Smoothing { kOneEuro, kOff };

struct TrackerParams {
  TrackingMode mode = TrackingMode::kTrack;
  int detectIntervalFrames = 15;  // re-detect at least this often while tracking
  // While tracking, a periodic or quality-triggered detection searches only around the tracked faces (a few
  // hundred times less work than the whole frame); the whole frame is scanned for new faces when motion
  // outside the tracks says one may have come in, and at least this often. 1 = every detection scans it all.
  int fullScanIntervalFrames = 60;
  int minRedetectGapFrames = 6;  // quality and motion triggers wait this long after a detection
  float matchIou = 0.3f;         // detection <-> track association
  float minQuality = 0.45f;      // a track below this asks for a detection
  float dropQuality = 0.2f;      // a track below this is dropped at once
  int maxMissedDetections = 2;   // detections in a row that did not confirm a track before it is dropped
  float motionTrigger =
      0.03f;  // share of changed pixels outside tracked faces that triggers detection; 0 = off
  float duplicateIou = 0.5f;  // two tracks overlapping more than this: the younger is dropped
  Smoothing smoothing = Smoothing::kOneEuro;
  OneEuroParams oneEuro;
  // Faces cropped from a detector box get a second CNN pass from their own keypoints' box
  // (engine/keypoints/refine.hpp): off = one pass per face on every frame.
  bool refineDetections = true;
  // Face presence (models that score it): a face scoring below the threshold is not reported (no filter is
  // drawn on it), and its track ends after `presenceDropFrames` such frames in a row; a new face below it
  // starts no track.
  float presenceThreshold = 0.5f;
  int presenceDropFrames = 3;
};

Status validate(const TrackerParams& params);

enum class DetectReason { kNone, kNoTracks, kInterval, kLowQuality, kMotion, kEveryFrame };
const char* toString(DetectReason reason);

// Where the detector looks: the whole frame, or only around each tracked face (DetectRegion).
enum class DetectScope { kFullFrame, kAroundTracks };

struct DetectRegion {
  cv::Rect2f area;      // frame pixels, to be clipped to the frame
  float minSidePx = 0;  // face sizes that can be the tracked face
  float maxSidePx = 0;
  float angle = 0;  // the tracked face's roll: the region is searched turned upright
};

// Where to look for the face whose detector-equivalent box was `faceBox`.
DetectRegion regionAround(const FaceBox& faceBox);
inline DetectRegion regionAround(const cv::Rect2f& faceBox) {
  return regionAround(FaceBox{faceBox, 0.f});
}

struct FaceResult {
  int trackId = 0;
  cv::Rect2f box;        // detector-equivalent face box from the keypoints, upright in the face's own frame:
  float boxAngle = 0;    // its turn about its centre (the roll when the model aligns crops, else 0)
  float roll = 0;        // the face's roll (radians, image coordinates; the eye line's direction)
  float presence = -1;   // 0..1: how surely the crop holds a face with the points on it; -1: not scored
  float score = 0;       // score of the detection that last confirmed this track
  float confidence = 0;  // 0..1: track quality, lowered while the detector fails to confirm it
  float quality = 0;     // 0..1: keypoint/box agreement and likeness to the last confirmed appearance
  bool detectedThisFrame = false;
  int ageFrames = 0;       // frames since the track started
  CropWindow crop;         // the window fed to the CNN
  Landmarks keypoints;     // smoothed (equal to raw when smoothing is off)
  Landmarks rawKeypoints;  // as the CNN gave them
  // The head pose solved from `keypoints` and the light on the face, smoothed per track like the keypoints
  // (engine/track/face_attributes.hpp). nullopt pose: the solve failed on this frame (draw flat).
  std::optional<HeadPose> pose;
  FaceLight light;
};

class FaceTracker {
 public:
  explicit FaceTracker(TrackerParams params = {}) : params_(params) {}

  void setParams(const TrackerParams& params) { params_ = params; }
  const TrackerParams& params() const { return params_; }

  // Should the detector run on this frame? `motionOutsideTracks` is the share of pixels that changed
  // outside the tracked faces since the previous frame (0 when unknown).
  DetectReason decide(float motionOutsideTracks) const;
  // Whether a detection for `reason` must scan the whole frame; if not, regionsAroundTracks() says where.
  DetectScope scope(DetectReason reason) const;
  std::vector<DetectRegion> regionsAroundTracks() const;

  // Step 1 of a frame: the face boxes to crop, one per face to run through the CNN. With `detections`
  // (the detector ran) they are associated to tracks first; without, every track crops from its keypoints.
  // `scope`: where those detections were searched for (a full scan restarts the full-scan interval).
  std::vector<FaceBox> plan(const std::vector<Detection>* detections, const BoxFromPoints& rule,
                            DetectScope scope = DetectScope::kFullFrame);

  // Per planned box, in plan() order: whether it is a detector box (a new face, or a re-detected one whose
  // track was failing or whose model crops axis-aligned) rather than a box from a track's keypoints.
  std::vector<bool> plannedFromDetection() const;

  // Step 2: the CNN's keypoints for each planned box, in the same order. Returns the frame's faces.
  // `appearance` (optional, same order): a small gray thumbnail of each crop (see appearanceThumbnail);
  // a tracked face that stops looking like it did when the detector last confirmed it (turned away,
  // covered, gone) loses quality, which asks for a detection. `presence` (optional, same order): each crop's
  // face presence score (TrackerParams::presenceThreshold).
  std::vector<FaceResult> update(const std::vector<CropWindow>& crops, const std::vector<Landmarks>& raw,
                                 int64_t timeNs, const BoxFromPoints& rule,
                                 const std::vector<cv::Mat>* appearance = nullptr,
                                 const std::vector<float>* presence = nullptr);

  // The thumbnail update() compares: the crop window of `gray`, resampled to 24x24, as float.
  static cv::Mat appearanceThumbnail(const cv::Mat& gray, const CropWindow& crop);
  // Zero-mean normalised correlation of two same-size thumbnails, in [-1, 1] (0 for flat images).
  static float appearanceSimilarity(const cv::Mat& a, const cv::Mat& b);

  // Boxes of the current tracks (for masking motion), frame pixels; turned faces: the upright box about the
  // same centre.
  std::vector<cv::Rect2f> trackBoxes() const;
  size_t trackCount() const { return tracks_.size(); }
  uint64_t tracksCreated() const { return nextId_ - 1; }
  void reset();

 private:
  struct Track {
    int id = 0;
    Landmarks raw{};
    FaceBox box;
    float score = 0;
    float presence = -1;
    int lowPresenceFrames = 0;
    float rollSpeed = 0;  // radians a frame, smoothed
    float quality = 1;
    float confidence = 1;
    int missedDetections = 0;
    int ageFrames = 0;
    cv::Mat reference;  // appearance when the detector last confirmed the face
    std::vector<OneEuroFilter> filters = std::vector<OneEuroFilter>(2 * kNumKeypoints);
  };
  struct Planned {
    int trackIndex = -1;  // -1: a new track from a detection
    FaceBox box;
    float score = 0;
    bool detected = false;      // a detection confirmed it this frame
    bool detectorCrop = false;  // cropped from the detector's box (a new face, or a failing track re-found)
  };

  TrackerParams params_;
  std::vector<Track> tracks_;
  std::vector<Planned> planned_;
  int nextId_ = 1;
  int framesSinceDetect_ = 1 << 20;
  int framesSinceFullScan_ = 1 << 20;
};

}  // namespace facefilter
