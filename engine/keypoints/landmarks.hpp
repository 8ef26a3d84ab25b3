#pragma once
// 68 facial keypoints in the iBUG 300-W layout (0-16 jaw, 17-26 brows, 27-35 nose, 36-47 eyes,
// 48-67 mouth), in frame pixels.

#include <array>

#include <opencv2/core.hpp>

namespace facefilter {

inline constexpr int kNumKeypoints = 68;
using Landmarks = std::array<cv::Point2f, kNumKeypoints>;

// Indices used across the engine.
inline constexpr int kLeftEyeOuter = 36;   // subject's right eye, image left
inline constexpr int kRightEyeOuter = 45;  // subject's left eye, image right

// The iBUG left/right mirror: the point that keypoint i becomes when the face is mirrored left to right
// (an involution; training/transforms.py FLIP_PERM is the same table).
inline constexpr std::array<int, kNumKeypoints> kMirroredKeypoint = {
    16, 15, 14, 13, 12, 11, 10, 9,  8,  7,  6,  5,  4,  3,  2,  1,  0,                // jaw
    26, 25, 24, 23, 22, 21, 20, 19, 18, 17,                                           // brows
    27, 28, 29, 30, 35, 34, 33, 32, 31,                                               // nose
    45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40,                                   // eyes
    54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65};  // mouth

inline float interOcularDistance(const Landmarks& p) {
  const cv::Point2f d = p[kRightEyeOuter] - p[kLeftEyeOuter];
  return std::sqrt(d.x * d.x + d.y * d.y);
}

}  // namespace facefilter
