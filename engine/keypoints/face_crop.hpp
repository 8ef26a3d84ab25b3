#pragma once
// The crop geometry shared by detection-time crops, tracking-time crops and the evaluation
// (docs/model-format.md). Pure functions; any thread.

#include <opencv2/core.hpp>

#include "engine/keypoints/landmarks.hpp"
#include "engine/keypoints/model_metadata.hpp"

namespace facefilter {

// A square window of the frame that is resampled to the model's input.
struct CropWindow {
  float x0 = 0;    // top-left, frame pixels (may lie outside the frame)
  float y0 = 0;
  float side = 0;  // frame pixels
  cv::Rect2f rect() const { return {x0, y0, side, side}; }
};

CropWindow cropFromBox(const cv::Rect2f& faceBox, const CropConvention& convention);

// The tight bounding box of a keypoint set.
cv::Rect2f pointsBounds(const Landmarks& points);

// The detector-equivalent face box for a set of keypoints (used to crop the next frame while tracking).
cv::Rect2f boxFromPoints(const Landmarks& points, const BoxFromPoints& rule);

// Resamples the window of `image` (any channel count) to size x size, replicating the border.
cv::Mat warpCrop(const cv::Mat& image, const CropWindow& window, int size);

float iou(const cv::Rect2f& a, const cv::Rect2f& b);

}  // namespace facefilter
