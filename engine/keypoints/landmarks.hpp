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

inline float interOcularDistance(const Landmarks& p) {
  const cv::Point2f d = p[kRightEyeOuter] - p[kLeftEyeOuter];
  return std::sqrt(d.x * d.x + d.y * d.y);
}

}  // namespace facefilter
