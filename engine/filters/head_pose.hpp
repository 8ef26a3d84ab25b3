#pragma once
// The head pose of one face: cv::solvePnP of the 68 keypoints against the generic face in canonical_face.hpp,
// with a pinhole camera guessed from the frame size. The engine solves it once per face and frame (and
// smooths it per track, engine/track/face_attributes.hpp); the renderer only projects with it. Pure
// functions, any thread.

#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/keypoints/landmarks.hpp"

namespace facefilter {

// Camera and head pose for one face (frame pixels). rvec/tvec take the canonical face (units: eye-centre
// distance; object frame like the camera's: x right, y down, z away, i.e. the canonical z negated) into
// camera space. The angles decompose the rotation as R = Rz(roll) * Ry(yaw) * Rx(pitch) (cv::RQDecomp3x3's
// order): yaw in [-90, 90], pitch and roll in (-180, 180]. A frontal upright face is (0, 0, 0); positive
// yaw turns the face towards the image's left, positive pitch tilts it down, positive roll turns it
// clockwise on screen (the sign of FaceResult::roll).
struct HeadPose {
  cv::Matx33d camera;  // pinhole, focal = frame width, centre = frame centre
  cv::Vec3d rvec, tvec;
  double yawDeg = 0, pitchDeg = 0, rollDeg = 0;
  double reprojectionErrorPx =
      0;  // mean distance of the reprojected generic face to the keypoints solved from
};

// The pinhole camera the pose assumes for a frame of this size.
cv::Matx33d cameraForFrame(cv::Size frameSize);

// Solves the head pose from the 68 keypoints (cv::solvePnP, SQPnP: globally optimal, no initial guess).
// nullopt if the frame size is empty, the solver fails, or the face lands behind the camera.
std::optional<HeadPose> estimateHeadPose(const Landmarks& points, cv::Size frameSize);

// (yaw, pitch, roll) in degrees of a rotation matrix, by the convention of HeadPose.
cv::Vec3d yawPitchRollDeg(const cv::Matx33d& rotation);

// A pose from a rotation and translation: rvec and the angles filled in, reprojectionErrorPx left 0.
HeadPose makeHeadPose(const cv::Matx33d& camera, const cv::Matx33d& rotation, const cv::Vec3d& tvec);

// The same pose for the frame drawn scaled by (sx, sy) (a window of another size): only the camera changes.
HeadPose scaledPose(const HeadPose& pose, double sx, double sy);

// Projects canonical-face points (x, y, z in eye-centre units, canonical_face.hpp's axes) with a pose;
// returns pixels and camera-space depths.
void projectWithPose(const HeadPose& pose, const std::vector<cv::Point3f>& model,
                     std::vector<cv::Point2f>& pixels, std::vector<float>& depths);

}  // namespace facefilter
