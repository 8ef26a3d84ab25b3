#pragma once
// The passes from keypoints for faces cropped from a detector box.
//
// A Haar box scatters around the face (about 9 % of its side sideways and 10 % in scale:
// training/haar_stats.json), and the CNN is least accurate on such crops. Its keypoints place the face
// far better than the box did, so cropping again from the box they imply (the crop tracking uses on the
// next frame) and predicting once more gives a newly found face, or a still photo, tracking accuracy at
// once. Two further passes, each from the last one's keypoints, gain a little in normal light and much in the
// noise of a dim frame, where the first crop is often led astray; a fifth pass costs more than it gains
// (training/README.md, "Second pass for detected faces"). They run only for faces the detector has just
// found; tracking re-crops every frame from the last points anyway.

#include <vector>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"
#include "engine/keypoints/face_crop.hpp"
#include "engine/keypoints/keypoint_model.hpp"
#include "engine/keypoints/landmarks.hpp"

namespace facefilter {

struct RefineOptions {
  int passes = 3;  // passes from keypoints, each cropping from the last one's points
};

// For each face i with `which[i]`, replaces crops[i] by the crop of the box that points[i] imply and
// points[i] by the model's keypoints in it (one batched forward pass for all of them). Returns how many
// faces were refined; on a model error in that pass nothing is replaced and the error is returned (in a later
// pass the keypoints so far stand).
// `presence` (optional, same order, filled by the first pass): each refined face's entry is replaced by its
// last pass's score.
Result<size_t> refineFromKeypoints(const KeypointModel& model, const cv::Mat& image,
                                   const std::vector<bool>& which, std::vector<CropWindow>& crops,
                                   std::vector<Landmarks>& points, std::vector<float>* presence = nullptr,
                                   const RefineOptions& options = {});

}  // namespace facefilter
