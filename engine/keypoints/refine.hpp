#pragma once
// The second pass for faces cropped from a detector box.
//
// A Haar box scatters around the face (about 9 % of its side sideways and 10 % in scale:
// training/haar_stats.json), and the CNN is least accurate on such crops. Its keypoints place the face
// far better than the box did, so cropping again from the box they imply (the crop tracking uses on the
// next frame) and predicting once more gives a newly found face, or a still photo, tracking accuracy at
// once. A third pass gains nothing (training/README.md, "Second pass for detected faces").

#include <vector>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"
#include "engine/keypoints/face_crop.hpp"
#include "engine/keypoints/keypoint_model.hpp"
#include "engine/keypoints/landmarks.hpp"

namespace facefilter {

// For each face i with `which[i]`, replaces crops[i] by the crop of the box that points[i] imply and
// points[i] by the model's keypoints in it (one batched forward pass for all of them). Returns how many
// faces were refined; on a model error nothing is replaced and the error is returned. `presence` (optional,
// same order, filled by the first pass): the refined faces' entries are replaced by the second pass's scores.
Result<size_t> refineFromKeypoints(const KeypointModel& model, const cv::Mat& image,
                                   const std::vector<bool>& which, std::vector<CropWindow>& crops,
                                   std::vector<Landmarks>& points, std::vector<float>* presence = nullptr);

}  // namespace facefilter
