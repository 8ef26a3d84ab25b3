#pragma once
// The crop geometry shared by detection-time crops, tracking-time crops and the evaluation
// (docs/model-format.md). Pure functions; any thread.
//
// Angles are in radians, in image coordinates (y down): a face rolled by `angle` has its eye line along
// (cos angle, sin angle). A crop window with that angle turns the face upright in the model's input.

#include <opencv2/core.hpp>

#include "engine/keypoints/landmarks.hpp"
#include "engine/keypoints/model_metadata.hpp"

namespace facefilter {

// A face box in the face's own upright frame: `rect` is centred on the face (frame pixels) and sized as an
// upright detector box would be; `angle` is the face's roll (0 = upright, the axis-aligned box of before).
struct FaceBox {
  cv::Rect2f rect;
  float angle = 0;
  cv::Point2f center() const { return {rect.x + rect.width / 2, rect.y + rect.height / 2}; }
};

// A square window of the frame, turned by `angle` about its centre, that is resampled to the model's input.
struct CropWindow {
  float x0 = 0;  // top-left of the unturned square, frame pixels (may lie outside the frame)
  float y0 = 0;
  float side = 0;  // frame pixels
  float angle = 0;
  cv::Rect2f rect() const { return {x0, y0, side, side}; }
  cv::Point2f center() const { return {x0 + side / 2, y0 + side / 2}; }
  // The window's four corners in the frame (top-left, top-right, bottom-right, bottom-left of the input).
  std::array<cv::Point2f, 4> corners() const;
  // The affine map from frame pixels to the pixels of a size x size input (docs/model-format.md step 3).
  cv::Matx23d toInput(int size) const;
  // Input pixel (u, v) of a size x size input back to frame pixels.
  cv::Point2f toFrame(double u, double v, int size) const;
};

CropWindow cropFromBox(const FaceBox& faceBox, const CropConvention& convention);
inline CropWindow cropFromBox(const cv::Rect2f& faceBox, const CropConvention& convention) {
  return cropFromBox(FaceBox{faceBox, 0.f}, convention);
}

// The tight bounding box of a keypoint set.
cv::Rect2f pointsBounds(const Landmarks& points);

// The roll of a keypoint set: the direction from the mean of one eye's points (36-41) to the other's (42-47).
float eyeLineAngle(const Landmarks& points);

// The detector-equivalent face box for a set of keypoints (used to crop the next frame while tracking),
// axis-aligned.
cv::Rect2f boxFromPoints(const Landmarks& points, const BoxFromPoints& rule);
// The same rule applied in the face's own frame when `rule.eyeLine` (the points turned upright about the
// eye line; the box carries the angle), else the axis-aligned box with angle 0.
FaceBox faceBoxFromPoints(const Landmarks& points, const BoxFromPoints& rule);

// Resamples the window of `image` (any channel count) to size x size, replicating the border.
cv::Mat warpCrop(const cv::Mat& image, const CropWindow& window, int size);

float iou(const cv::Rect2f& a, const cv::Rect2f& b);

// Smallest difference between two angles, in [0, pi].
float angleDistance(float a, float b);

}  // namespace facefilter
