#pragma once
// What the engine works out about each tracked face besides its keypoints: the head pose (solved from the
// smoothed keypoints, head_pose.hpp) and the light on the face (face_light.hpp), each smoothed per track with
// One Euro filters so that a model on the head does not jitter and its shading does not flicker.
//
// The rotation is smoothed as a unit quaternion kept in one hemisphere from frame to frame, so any roll (a
// face upside down, a full turn) is smoothed without a wrap at +-180 degrees and without Euler angles' gimbal
// lock; the position as the pixel where the head's origin projects plus its scale in pixels per eye-centre
// distance, units in which the keypoints' own One Euro parameters already mean something.
// Not thread-safe: the engine thread owns it.

#include <array>
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/track/face_tracker.hpp"
#include "engine/track/one_euro_filter.hpp"

namespace facefilter {

struct FaceAttributeParams {
  Smoothing smoothing = Smoothing::kOneEuro;  // kOff: each frame's raw solve and estimate
  // Quaternion components (a turn of w rad/s moves them by up to w/2 a second). minCutoff and beta were
  // chosen with facefilter-bench's stability section (pose jitter on the still clip) and the turn tests.
  OneEuroParams rotation{0.6, 12.0, 1.0};
  // The head origin's pixel and the pixels per eye-centre distance, like keypoints.
  OneEuroParams position{1.0, 0.2, 1.0};
  // Level and balances (0..1 and -1..1): light changes slowly; a lamp switched on still shows within ~0.5 s.
  OneEuroParams light{0.6, 0.0, 1.0};
};

class FaceAttributes {
 public:
  explicit FaceAttributes(FaceAttributeParams params = {}) : params_(params) {}
  void setParams(const FaceAttributeParams& params) { params_ = params; }
  const FaceAttributeParams& params() const { return params_; }

  // Fills `pose` and `light` of every face from its smoothed keypoints and `image` (the frame: 8-bit gray,
  // BGR or BGRA), smoothing per trackId at time `timeNs`. A track missing from `faces` is forgotten (its
  // face, if it comes back, starts afresh). A failed solve leaves that face's pose nullopt and its track's
  // smoothing as it was.
  void update(std::vector<FaceResult>& faces, const cv::Mat& image, int64_t timeNs);
  void reset() { tracks_.clear(); }
  size_t trackCount() const { return tracks_.size(); }

 private:
  struct Track {
    int id = 0;
    bool hasRotation = false;
    cv::Vec4d lastQuaternion;  // the last smoothed one, to keep the next raw one in its hemisphere
    std::array<OneEuroFilter, 4> rotation;
    std::array<OneEuroFilter, 3> position;
    std::array<OneEuroFilter, 3> light;
  };
  Track& trackFor(int id);
  HeadPose smoothPose(Track& t, const HeadPose& raw, int64_t timeNs) const;
  FaceLight smoothLight(Track& t, const FaceLight& raw, int64_t timeNs) const;

  FaceAttributeParams params_;
  std::vector<Track> tracks_;
};

// Quaternion (w, x, y, z) of a rotation vector and back; exposed for the tests.
cv::Vec4d quaternionFromRvec(const cv::Vec3d& rvec);
cv::Vec3d rvecFromQuaternion(const cv::Vec4d& q);

}  // namespace facefilter
