#pragma once
// Synthetic clips with known truth (the stability and pose sections): a udacity test image with its 68
// labelled points placed on a 640x480 gray canvas at an inter-ocular distance of 80 px (a webcam face at
// arm's length), moved by a known similarity per frame, with the points moved the same way, and fresh
// Gaussian sensor noise on every frame.

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/core/frame.hpp"
#include "engine/eval/keypoints_dataset.hpp"
#include "engine/keypoints/landmarks.hpp"

namespace facefilter::bench {

inline constexpr int kCanvasW = 640, kCanvasH = 480;
inline constexpr double kTargetIodPx = 80;
inline constexpr double kNoiseSigma = 3.0;
inline constexpr double kFps = 30;

struct Motion {
  double dx = 0, dy = 0, scale = 1,
         rollDeg = 0;  // about the canvas centre; roll as cv::getRotationMatrix2D's angle
};

class SyntheticClip {
 public:
  SyntheticClip(cv::Mat image, const Landmarks& truth, uint64_t seed);
  // Frame `index` of the clip with the face moved by `m`; `truth` receives the moved points.
  Frame frame(int index, const Motion& m, Landmarks& truth);

 private:
  cv::Mat image_;
  Landmarks truth_;
  cv::Matx33d base_;
  cv::RNG rng_;
};

// The samples ordered by inter-ocular distance, largest first: the clips use the first few, the least
// upscaled faces, a fixed choice.
std::vector<const KeypointsSample*> largestFacesFirst(const std::vector<KeypointsSample>& samples);

}  // namespace facefilter::bench
