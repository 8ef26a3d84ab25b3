#include "engine/filters/head_pose.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/calib3d.hpp>

#include "engine/filters/canonical_face.hpp"

namespace facefilter {

cv::Matx33d cameraForFrame(cv::Size frameSize) {
  const double f = frameSize.width;
  return {f, 0, frameSize.width / 2.0, 0, f, frameSize.height / 2.0, 0, 0, 1};
}

cv::Vec3d yawPitchRollDeg(const cv::Matx33d& r) {
  constexpr double kDeg = 180.0 / CV_PI;
  // R = Rz(roll) Ry(yaw) Rx(pitch): the bottom row is (-sin yaw, cos yaw sin pitch, cos yaw cos pitch)
  // whatever the roll, so a face rolled upside down keeps its small yaw and pitch.
  const double yaw = std::asin(std::clamp(-r(2, 0), -1.0, 1.0));
  double pitch = 0, roll = 0;
  if (std::abs(r(2, 0)) < 1.0 - 1e-9) {
    pitch = std::atan2(r(2, 1), r(2, 2));
    roll = std::atan2(r(1, 0), r(0, 0));
  } else {
    // Yaw at +-90 degrees (gimbal lock): only pitch -+ roll is defined; give it all to the roll.
    roll = std::atan2(-r(0, 1), r(1, 1));
  }
  return {yaw * kDeg, pitch * kDeg, roll * kDeg};
}

HeadPose makeHeadPose(const cv::Matx33d& camera, const cv::Matx33d& rotation, const cv::Vec3d& tvec) {
  HeadPose pose;
  pose.camera = camera;
  cv::Rodrigues(rotation, pose.rvec);
  pose.tvec = tvec;
  const cv::Vec3d ypr = yawPitchRollDeg(rotation);
  pose.yawDeg = ypr[0];
  pose.pitchDeg = ypr[1];
  pose.rollDeg = ypr[2];
  return pose;
}

std::optional<HeadPose> estimateHeadPose(const Landmarks& points, cv::Size frameSize) {
  if (frameSize.width <= 0 || frameSize.height <= 0) return std::nullopt;
  std::vector<cv::Point3f> model;
  std::vector<cv::Point2f> image;
  model.reserve(kNumKeypoints);
  image.reserve(kNumKeypoints);
  for (int i = 0; i < kNumKeypoints; ++i) {
    const auto& c = kCanonicalFace68[static_cast<size_t>(i)];
    model.emplace_back(c.x, c.y, -c.z);  // object frame like the camera's: x right, y down, z away
    const cv::Point2f& p = points[static_cast<size_t>(i)];
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return std::nullopt;
    image.push_back(p);
  }
  const cv::Matx33d camera = cameraForFrame(frameSize);
  cv::Mat rvec, tvec;
  try {
    // SQPnP alone: a Levenberg-Marquardt refinement of the reprojection error moved the rotation by under
    // 0.2 degrees on 1.5 px of point noise (well under the generic face's own error) and cost five times the
    // solve (bench stability: pose ms per face).
    if (!cv::solvePnP(model, image, camera, cv::noArray(), rvec, tvec, false, cv::SOLVEPNP_SQPNP)) {
      return std::nullopt;
    }
  } catch (const cv::Exception&) {
    return std::nullopt;
  }
  const cv::Vec3d r(rvec.reshape(1, 3)), t(tvec.reshape(1, 3));
  if (!(t[2] > 0) || !std::isfinite(r[0] + r[1] + r[2] + t[0] + t[1])) return std::nullopt;
  cv::Matx33d rotation;
  cv::Rodrigues(r, rotation);
  HeadPose pose = makeHeadPose(camera, rotation, t);
  pose.rvec = r;  // the solver's own vector rather than its round trip through the matrix
  std::vector<cv::Point2f> reprojected;
  cv::projectPoints(model, pose.rvec, pose.tvec, pose.camera, cv::noArray(), reprojected);
  double err = 0;
  for (size_t i = 0; i < image.size(); ++i) err += cv::norm(reprojected[i] - image[i]);
  pose.reprojectionErrorPx = err / static_cast<double>(image.size());
  return pose;
}

HeadPose scaledPose(const HeadPose& pose, double sx, double sy) {
  HeadPose out = pose;
  out.camera = cv::Matx33d(sx, 0, 0, 0, sy, 0, 0, 0, 1) * pose.camera;
  out.reprojectionErrorPx = pose.reprojectionErrorPx * std::sqrt(sx * sy);
  return out;
}

void projectWithPose(const HeadPose& pose, const std::vector<cv::Point3f>& model,
                     std::vector<cv::Point2f>& pixels, std::vector<float>& depths) {
  pixels.clear();
  depths.clear();
  cv::Matx33d r;
  cv::Rodrigues(pose.rvec, r);
  for (const auto& m : model) {
    const cv::Vec3d obj(m.x, m.y, -m.z);
    const cv::Vec3d cam = r * obj + pose.tvec;
    const double z = std::max(cam[2], 1e-6);
    const cv::Vec3d uv = pose.camera * cv::Vec3d(cam[0] / z, cam[1] / z, 1.0);
    pixels.emplace_back(static_cast<float>(uv[0]), static_cast<float>(uv[1]));
    depths.push_back(static_cast<float>(z));
  }
}

}  // namespace facefilter
