#pragma once
// A simple estimate of the light on a face from the frame itself: the mean luminance over the face region and
// how it is balanced between the face's two sides and its top and bottom. The engine estimates it once per
// face and frame and smooths it per track (engine/track/face_attributes.hpp); the renderer shades 3D models
// with it. Pure functions, any thread.

#include <opencv2/core.hpp>

#include "engine/keypoints/landmarks.hpp"

namespace facefilter {

// Light on one face. The sides are the face's own, turned with its roll: "right" is the side of the face
// that is on the image's right when the face is upright (the subject's left), "top" is towards the brows.
struct FaceLight {
  bool valid = false;  // false: no estimate (no face region inside the frame, or an unsupported image)
  float level = 0;     // mean luminance of the face region, 0 (black) .. 1 (white)
  float leftRight =
      0;  // (right - left) / (right + left) of the halves' mean luminance: -1..1, + = right brighter
  float topBottom = 0;  // (top - bottom) / (top + bottom): -1..1, + = brighter at the top
};

// Estimates the light over the face that `points` outline (the convex hull of the 68 keypoints), in the
// face's frame (x along the eye line). `image`: 8-bit gray, BGR or BGRA (luminance Rec. 601). The hull is
// sampled on a fixed grid of kFaceLightGrid x kFaceLightGrid points, nearest pixel, so the cost does not
// grow with the face or the frame. Invalid (valid = false) when fewer than a few samples land in the frame.
inline constexpr int kFaceLightGrid = 20;
FaceLight estimateFaceLight(const cv::Mat& image, const Landmarks& points);

}  // namespace facefilter
