#pragma once
// Synthetic lighting for evaluation (facefilter-cli eval --photometric, the bench's dim rows): the same
// labelled photos seen as a cheap webcam sees a poorly lit room. Each condition is a fixed function of the
// image, its labelled face and the sample's index, so every run (any machine, any order) sees the same
// pixels. training/photometric.py holds the same formulas for the training's low-light augmentation.
//
//   dim      the room at about a third of the light: v' = 255 * 0.35 * (v/255)^1.8, plus sensor noise of
//            sigma 4 grey levels (what an auto-gain webcam gives at the end of its gain range).
//   backlit  a bright window behind the person: the camera exposes for the background, so the face (an
//            ellipse around its keypoints, feathered) gets 255 * 0.4 * (v/255)^1.5 while the rest is
//            brightened (1.6 v + 70) and clips; sensor noise of sigma 3.
//   normal   the photo as it is.
#include <cstdint>
#include <string_view>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"
#include "engine/keypoints/landmarks.hpp"

namespace facefilter {

enum class Photometric { kNormal, kDim, kBacklit };

Result<Photometric> parsePhotometric(std::string_view text);
const char* toString(Photometric condition);

// `gray`: 8-bit, one channel; changed in place. `face`: the labelled keypoints (backlit places the face's
// shadow by them). `sampleIndex` seeds the noise.
void applyPhotometric(cv::Mat& gray, Photometric condition, const Landmarks& face, uint64_t sampleIndex);

}  // namespace facefilter
