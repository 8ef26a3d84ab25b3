#pragma once
// dlib's ERT shape predictor as the classic peer: conversions between our Landmarks/boxes and dlib's
// full_object_detection/rectangle, and the face box both methods are given in gt-box mode.
// Any thread; no shared state.

#include <dlib/geometry/rectangle.h>
#include <dlib/image_processing/full_object_detection.h>

#include "engine/keypoints/face_crop.hpp"
#include "engine/keypoints/landmarks.hpp"

namespace facefilter::bench {

// The Haar-equivalent box rule measured on the training split (training/haar_stats.json): dlib is given
// the box the Haar detector would give, as our model is in gt-box mode.
inline const BoxFromPoints kHaarBoxRule{1.140625, 0.0, -0.1823927};

inline dlib::rectangle toDlib(const cv::Rect2f& r) {
  return dlib::rectangle(static_cast<long>(std::lround(r.x)), static_cast<long>(std::lround(r.y)),
                         static_cast<long>(std::lround(r.x + r.width)) - 1,
                         static_cast<long>(std::lround(r.y + r.height)) - 1);
}

inline dlib::full_object_detection toDlib(const Landmarks& p, const cv::Rect2f& box) {
  std::vector<dlib::point> parts;
  parts.reserve(p.size());
  for (const auto& q : p) parts.emplace_back(std::lround(q.x), std::lround(q.y));
  return dlib::full_object_detection(toDlib(box), parts);
}

inline Landmarks fromDlib(const dlib::full_object_detection& d) {
  Landmarks out{};
  for (unsigned long i = 0; i < d.num_parts() && i < out.size(); ++i) {
    out[i] = cv::Point2f(static_cast<float>(d.part(i).x()), static_cast<float>(d.part(i).y()));
  }
  return out;
}

}  // namespace facefilter::bench
