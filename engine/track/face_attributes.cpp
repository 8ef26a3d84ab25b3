#include "engine/track/face_attributes.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/calib3d.hpp>

namespace facefilter {

cv::Vec4d quaternionFromRvec(const cv::Vec3d& rvec) {
  const double angle = cv::norm(rvec);
  if (angle < 1e-12) return {1, 0, 0, 0};
  const double s = std::sin(angle / 2) / angle;
  return {std::cos(angle / 2), rvec[0] * s, rvec[1] * s, rvec[2] * s};
}

cv::Vec3d rvecFromQuaternion(const cv::Vec4d& q) {
  const double n = cv::norm(q);
  if (!(n > 1e-12)) return {0, 0, 0};
  cv::Vec4d u = q * (1.0 / n);
  if (u[0] < 0) u = -u;  // the shorter way round: angle in [0, pi]
  const double sinHalf = std::hypot(u[1], std::hypot(u[2], u[3]));
  if (sinHalf < 1e-12) return {0, 0, 0};
  const double angle = 2 * std::atan2(sinHalf, u[0]);
  return cv::Vec3d(u[1], u[2], u[3]) * (angle / sinHalf);
}

FaceAttributes::Track& FaceAttributes::trackFor(int id) {
  auto it = std::find_if(tracks_.begin(), tracks_.end(), [id](const Track& t) { return t.id == id; });
  if (it != tracks_.end()) return *it;
  tracks_.push_back(Track{});
  tracks_.back().id = id;
  return tracks_.back();
}

HeadPose FaceAttributes::smoothPose(Track& t, const HeadPose& raw, int64_t timeNs) const {
  cv::Vec4d q = quaternionFromRvec(raw.rvec);
  // q and -q are the same rotation: take the one next to the last, so the filters see a continuous path.
  if (t.hasRotation && q.dot(t.lastQuaternion) < 0) q = -q;
  cv::Vec4d smoothed;
  for (int i = 0; i < 4; ++i)
    smoothed[i] = t.rotation[static_cast<size_t>(i)].filter(q[i], timeNs, params_.rotation);
  const double n = cv::norm(smoothed);
  smoothed = n > 1e-9 ? smoothed * (1.0 / n) : q;
  t.lastQuaternion = smoothed;
  t.hasRotation = true;

  // The position in pixels: where the head's origin projects and how many pixels an eye-centre distance
  // takes there (the focal length over the depth).
  const double f = raw.camera(0, 0), cx = raw.camera(0, 2), cy = raw.camera(1, 2);
  const double z = raw.tvec[2];
  const std::array<double, 3> px = {f * raw.tvec[0] / z + cx, f * raw.tvec[1] / z + cy, f / z};
  std::array<double, 3> s{};
  for (size_t i = 0; i < 3; ++i) s[i] = t.position[i].filter(px[i], timeNs, params_.position);
  const double depth = s[2] > 1e-9 ? f / s[2] : z;
  const cv::Vec3d tvec((s[0] - cx) * depth / f, (s[1] - cy) * depth / f, depth);

  cv::Matx33d rotation;
  cv::Rodrigues(rvecFromQuaternion(smoothed), rotation);
  HeadPose pose = makeHeadPose(raw.camera, rotation, tvec);
  pose.reprojectionErrorPx = raw.reprojectionErrorPx;
  return pose;
}

FaceLight FaceAttributes::smoothLight(Track& t, const FaceLight& raw, int64_t timeNs) const {
  FaceLight out = raw;
  out.level = static_cast<float>(t.light[0].filter(raw.level, timeNs, params_.light));
  out.leftRight = static_cast<float>(t.light[1].filter(raw.leftRight, timeNs, params_.light));
  out.topBottom = static_cast<float>(t.light[2].filter(raw.topBottom, timeNs, params_.light));
  return out;
}

void FaceAttributes::update(std::vector<FaceResult>& faces, const cv::Mat& image, int64_t timeNs) {
  std::erase_if(tracks_, [&faces](const Track& t) {
    return std::none_of(faces.begin(), faces.end(), [&t](const FaceResult& f) { return f.trackId == t.id; });
  });
  const bool smooth = params_.smoothing == Smoothing::kOneEuro;
  for (FaceResult& face : faces) {
    face.pose = estimateHeadPose(face.keypoints, image.size());
    face.light = estimateFaceLight(image, face.keypoints);
    if (!smooth) continue;
    Track& t = trackFor(face.trackId);
    if (face.pose) face.pose = smoothPose(t, *face.pose, timeNs);
    if (face.light.valid) face.light = smoothLight(t, face.light, timeNs);
  }
  if (!smooth) tracks_.clear();
}

}  // namespace facefilter
