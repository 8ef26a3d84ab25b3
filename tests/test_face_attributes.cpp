// The head pose and the light the engine works out per face (engine/filters/head_pose.hpp,
// engine/filters/face_light.hpp) and their per-track smoothing (engine/track/face_attributes.hpp). The faces
// here are the generic 3D face (canonical_face.hpp) turned by known angles and projected with the camera the
// engine assumes: exact truth for yaw, pitch and roll, which a warped photo cannot give (a flat image turned
// in its plane only rolls; the pipeline tests do that on real faces).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/filters/canonical_face.hpp"
#include "engine/filters/face_light.hpp"
#include "engine/filters/head_pose.hpp"
#include "engine/io/result_json.hpp"
#include "engine/track/face_attributes.hpp"

namespace facefilter {
namespace {

constexpr int64_t kFrameNs = 33'333'333;  // 30 fps
constexpr double kDeg = CV_PI / 180;
const cv::Size kFrame(640, 480);

cv::Matx33d rotationYpr(double yawDeg, double pitchDeg, double rollDeg) {
  const double y = yawDeg * kDeg, p = pitchDeg * kDeg, r = rollDeg * kDeg;
  const cv::Matx33d rx(1, 0, 0, 0, std::cos(p), -std::sin(p), 0, std::sin(p), std::cos(p));
  const cv::Matx33d ry(std::cos(y), 0, std::sin(y), 0, 1, 0, -std::sin(y), 0, std::cos(y));
  const cv::Matx33d rz(std::cos(r), -std::sin(r), 0, std::sin(r), std::cos(r), 0, 0, 0, 1);
  return rz * ry * rx;
}

// The generic face turned by (yaw, pitch, roll), 8 eye distances from the camera (an IOD of ~80 px at
// 640x480), shifted by `shift` eye distances, projected with the engine's camera.
Landmarks projectedFace(double yawDeg, double pitchDeg, double rollDeg, cv::Vec3d shift = {0, 0, 0}) {
  std::vector<cv::Point3f> model;
  for (const auto& c : kCanonicalFace68) model.emplace_back(c.x, c.y, -c.z);
  cv::Vec3d rvec;
  cv::Rodrigues(rotationYpr(yawDeg, pitchDeg, rollDeg), rvec);
  std::vector<cv::Point2f> px;
  cv::projectPoints(model, rvec, cv::Vec3d(0, 0, 8) + shift, cameraForFrame(kFrame), cv::noArray(), px);
  Landmarks l{};
  for (size_t i = 0; i < l.size(); ++i) l[i] = px[i];
  return l;
}

double wrapDeg(double d) {
  return std::remainder(d, 360.0);
}

// ---------------------------------------------------------------------------------------------
// The solve

TEST(HeadPose, RecoversKnownYawPitchAndRoll) {
  for (double yaw : {-35.0, 0.0, 25.0}) {
    for (double pitch : {-20.0, 0.0, 15.0}) {
      for (double roll : {-150.0, -30.0, 0.0, 45.0, 180.0}) {
        SCOPED_TRACE(testing::Message() << "yaw " << yaw << " pitch " << pitch << " roll " << roll);
        const auto pose = estimateHeadPose(projectedFace(yaw, pitch, roll), kFrame);
        ASSERT_TRUE(pose);
        EXPECT_NEAR(pose->yawDeg, yaw, 1.0);
        EXPECT_NEAR(pose->pitchDeg, pitch, 1.0);
        EXPECT_NEAR(wrapDeg(pose->rollDeg - roll), 0.0, 1.0);
        EXPECT_NEAR(pose->tvec[2], 8.0, 0.1);
        EXPECT_LT(pose->reprojectionErrorPx, 0.05);
      }
    }
  }
}

TEST(HeadPose, AnglesFollowCvRqDecompAndRollHasTheSignOfTheEyeLine) {
  cv::RNG rng(17);
  for (int i = 0; i < 200; ++i) {
    const cv::Matx33d r =
        rotationYpr(rng.uniform(-80.0, 80.0), rng.uniform(-179.0, 179.0), rng.uniform(-179.0, 179.0));
    cv::Mat q, rq;
    const cv::Vec3d euler = cv::RQDecomp3x3(cv::Mat(r), rq, q);  // (pitch, yaw, roll)
    const cv::Vec3d ypr = yawPitchRollDeg(r);
    EXPECT_NEAR(ypr[0], euler[1], 1e-6);
    EXPECT_NEAR(wrapDeg(ypr[1] - euler[0]), 0, 1e-6);
    EXPECT_NEAR(wrapDeg(ypr[2] - euler[2]), 0, 1e-6);
  }
  // A face rolled clockwise on screen (positive image-coordinate eye-line angle) has a positive roll.
  const Landmarks l = projectedFace(0, 0, 30);
  const cv::Point2f eyes = l[45] - l[36];
  EXPECT_NEAR(std::atan2(eyes.y, eyes.x) / kDeg, 30, 1.0);
  EXPECT_NEAR(estimateHeadPose(l, kFrame)->rollDeg, 30, 1.0);
}

TEST(HeadPose, BadInputGivesNoPose) {
  Landmarks nan = projectedFace(0, 0, 0);
  nan[30].x = std::nanf("");
  EXPECT_FALSE(estimateHeadPose(nan, kFrame));
  EXPECT_FALSE(estimateHeadPose(projectedFace(0, 0, 0), cv::Size(0, 0)));
  Landmarks collapsed{};  // every point on one pixel
  for (auto& p : collapsed) p = {100, 100};
  EXPECT_FALSE(estimateHeadPose(collapsed, kFrame));
}

TEST(HeadPose, ScaledPoseProjectsToTheScaledPixels) {
  const auto pose = estimateHeadPose(projectedFace(20, -10, 30), kFrame);
  ASSERT_TRUE(pose);
  const std::vector<cv::Point3f> model = {{0, 0, 0}, {1, 1, 0.5f}, {-1, 0.5f, -0.5f}};
  std::vector<cv::Point2f> px, scaledPx;
  std::vector<float> z, scaledZ;
  projectWithPose(*pose, model, px, z);
  projectWithPose(scaledPose(*pose, 2.0, 1.5), model, scaledPx, scaledZ);
  for (size_t i = 0; i < model.size(); ++i) {
    EXPECT_NEAR(scaledPx[i].x, px[i].x * 2.0f, 1e-3);
    EXPECT_NEAR(scaledPx[i].y, px[i].y * 1.5f, 1e-3);
    EXPECT_FLOAT_EQ(scaledZ[i], z[i]);
  }
}

TEST(HeadPose, QuaternionRoundTrip) {
  cv::RNG rng(3);
  for (int i = 0; i < 100; ++i) {
    cv::Vec3d axis(rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0));
    axis *= 1.0 / cv::norm(axis);
    const cv::Vec3d rvec = axis * rng.uniform(0.0, CV_PI - 1e-3);
    const cv::Vec4d q = quaternionFromRvec(rvec);
    EXPECT_NEAR(cv::norm(q), 1.0, 1e-12);
    EXPECT_LT(cv::norm(rvecFromQuaternion(q) - rvec), 1e-9);
    EXPECT_LT(cv::norm(rvecFromQuaternion(-q) - rvec), 1e-9) << "q and -q are one rotation";
  }
  EXPECT_EQ(rvecFromQuaternion({1, 0, 0, 0}), cv::Vec3d(0, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// Per-track smoothing

FaceResult faceWith(int id, const Landmarks& points) {
  FaceResult f;
  f.trackId = id;
  f.keypoints = points;
  f.rawKeypoints = points;
  return f;
}

// One face in a vector. Not an initializer list: GCC 12 warns (maybe-uninitialized, a false positive) on
// copying a FaceResult's disengaged optional pose out of one.
std::vector<FaceResult> oneFace(int id, const Landmarks& points) {
  std::vector<FaceResult> faces;
  faces.push_back(faceWith(id, points));
  return faces;
}

Landmarks withNoise(Landmarks l, cv::RNG& rng, double sigmaPx) {
  for (auto& p : l)
    p += cv::Point2f(static_cast<float>(rng.gaussian(sigmaPx)), static_cast<float>(rng.gaussian(sigmaPx)));
  return l;
}

double stdDev(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

TEST(FaceAttributes, SmoothingCutsPoseJitterOnNoisyPoints) {
  const cv::Mat frame(kFrame, CV_8UC1, cv::Scalar(128));
  FaceAttributes smoothed, raw(FaceAttributeParams{.smoothing = Smoothing::kOff});
  cv::RNG rng(5);
  std::vector<double> yawRaw, yawSmoothed, pitchRaw, pitchSmoothed, rollRaw, rollSmoothed;
  int64_t t = 1'000'000'000;
  for (int i = 0; i < 150; ++i, t += kFrameNs) {
    // Half a pixel of noise at an IOD of 80 px: the smoothed keypoints' own jitter is about this.
    std::vector<FaceResult> a = oneFace(1, withNoise(projectedFace(15, -5, 10), rng, 0.5));
    std::vector<FaceResult> b = a;
    smoothed.update(a, frame, t);
    raw.update(b, frame, t);
    ASSERT_TRUE(a[0].pose && b[0].pose);
    if (i < 15) continue;  // the filters settle
    yawRaw.push_back(b[0].pose->yawDeg);
    yawSmoothed.push_back(a[0].pose->yawDeg);
    pitchRaw.push_back(b[0].pose->pitchDeg);
    pitchSmoothed.push_back(a[0].pose->pitchDeg);
    rollRaw.push_back(b[0].pose->rollDeg);
    rollSmoothed.push_back(a[0].pose->rollDeg);
    EXPECT_NEAR(a[0].pose->yawDeg, 15, 3);
    EXPECT_NEAR(a[0].pose->rollDeg, 10, 1);
  }
  EXPECT_LT(stdDev(yawSmoothed), stdDev(yawRaw) * 0.4) << stdDev(yawSmoothed) << " vs " << stdDev(yawRaw);
  EXPECT_LT(stdDev(pitchSmoothed), stdDev(pitchRaw) * 0.4)
      << stdDev(pitchSmoothed) << " vs " << stdDev(pitchRaw);
  EXPECT_LT(stdDev(rollSmoothed), stdDev(rollRaw) * 0.4) << stdDev(rollSmoothed) << " vs " << stdDev(rollRaw);
  EXPECT_LT(stdDev(yawSmoothed), 0.5);
  EXPECT_LT(stdDev(rollSmoothed), 0.5);
}

// A head turning 40 degrees at 120 deg/s (4 degrees a frame at 30 fps), then holding still: the smoothed yaw
// is at most a few frames of the turn behind while it moves, and within a degree soon after it stops.
TEST(FaceAttributes, SmoothedPoseFollowsARealTurnWithLittleLag) {
  const cv::Mat frame(kFrame, CV_8UC1, cv::Scalar(128));
  FaceAttributes attributes;
  int64_t t = 0;
  double worstLagDeg = 0;
  int settledAt = -1;
  for (int i = 0; i < 40; ++i, t += kFrameNs) {
    const double truth = std::clamp(4.0 * (i - 5), 0.0, 40.0);
    std::vector<FaceResult> faces = oneFace(1, projectedFace(truth, 0, 0, {0.5, 0, 0}));
    attributes.update(faces, frame, t);
    ASSERT_TRUE(faces[0].pose);
    const double error = std::abs(faces[0].pose->yawDeg - truth);
    if (i <= 15) worstLagDeg = std::max(worstLagDeg, error);
    if (i > 15 && settledAt < 0 && error < 1.0) settledAt = i - 15;
  }
  EXPECT_LT(worstLagDeg, 3 * 4.0) << "more than three frames behind the turn";
  ASSERT_GE(settledAt, 0) << "never within a degree after the turn";
  EXPECT_LE(settledAt, 5) << "frames after the stop before the yaw is within a degree";
}

// A face rolling through a full turn at 240 deg/s (8 degrees a frame): the smoothed roll goes round with it,
// through 180 degrees (upside down) without a jump or a spin the other way, and no more than a few frames
// behind.
TEST(FaceAttributes, ARollSweepThroughUpsideDownStaysContinuous) {
  const cv::Mat frame(kFrame, CV_8UC1, cv::Scalar(128));
  FaceAttributes attributes;
  cv::RNG rng(11);
  int64_t t = 0;
  double previous = 0;
  for (int i = 0; i <= 60; ++i, t += kFrameNs) {
    const double truth = 8.0 * i;
    std::vector<FaceResult> faces = oneFace(4, withNoise(projectedFace(10, 5, truth), rng, 0.3));
    attributes.update(faces, frame, t);
    ASSERT_TRUE(faces[0].pose) << "frame " << i;
    const double roll = faces[0].pose->rollDeg;
    if (i > 0) {
      const double step = wrapDeg(roll - previous);
      EXPECT_GT(step, 0) << "frame " << i << ": the roll went backwards";
      EXPECT_LT(step, 12) << "frame " << i << ": a jump";
    }
    EXPECT_LT(std::abs(wrapDeg(roll - truth)), 3 * 8.0)
        << "frame " << i << ": roll " << roll << ", truth " << truth;
    // Upside down, yaw and pitch stay the face's own, not a mirrored decomposition.
    EXPECT_NEAR(faces[0].pose->yawDeg, 10, 3) << "frame " << i;
    EXPECT_NEAR(faces[0].pose->pitchDeg, 5, 3) << "frame " << i;
    previous = roll;
  }
}

TEST(FaceAttributes, AnEndedTrackIsForgottenAndAFailedSolveGivesNoPose) {
  const cv::Mat frame(kFrame, CV_8UC1, cv::Scalar(128));
  FaceAttributes attributes;
  std::vector<FaceResult> faces;
  faces.push_back(faceWith(1, projectedFace(0, 0, 0)));
  faces.push_back(faceWith(2, projectedFace(0, 0, 90, {2, 0, 0})));
  attributes.update(faces, frame, 0);
  EXPECT_EQ(attributes.trackCount(), 2u);
  // Track 1 ends; track 2's next frame jumps: it is smoothed (lags), not restarted.
  faces = oneFace(2, projectedFace(0, 0, 0, {2, 0, 0}));
  attributes.update(faces, frame, kFrameNs);
  EXPECT_EQ(attributes.trackCount(), 1u);
  ASSERT_TRUE(faces[0].pose);
  EXPECT_GT(faces[0].pose->rollDeg, 2) << "smoothed from its last pose (a restart would give 0)";
  // Track 1 back with another pose: a fresh start takes it as it is.
  faces = oneFace(1, projectedFace(0, 0, 90));
  attributes.update(faces, frame, 2 * kFrameNs);
  ASSERT_TRUE(faces[0].pose);
  EXPECT_NEAR(faces[0].pose->rollDeg, 90, 1);
  // Points that give no pose: nullopt, and the face keeps its track.
  Landmarks collapsed{};
  for (auto& p : collapsed) p = {100, 100};
  faces = oneFace(1, collapsed);
  attributes.update(faces, frame, 3 * kFrameNs);
  EXPECT_FALSE(faces[0].pose);
  EXPECT_EQ(attributes.trackCount(), 1u);
  attributes.reset();
  EXPECT_EQ(attributes.trackCount(), 0u);
}

TEST(FaceAttributes, SmoothingOffPublishesEachFramesSolve) {
  const cv::Mat frame(kFrame, CV_8UC1, cv::Scalar(128));
  FaceAttributes attributes(FaceAttributeParams{.smoothing = Smoothing::kOff});
  for (double yaw : {0.0, 30.0, -20.0}) {
    const Landmarks l = projectedFace(yaw, 0, 0);
    std::vector<FaceResult> faces = oneFace(1, l);
    attributes.update(faces, frame, static_cast<int64_t>(yaw * 1e6));
    ASSERT_TRUE(faces[0].pose);
    EXPECT_DOUBLE_EQ(faces[0].pose->yawDeg, estimateHeadPose(l, kFrame)->yawDeg);
  }
  EXPECT_EQ(attributes.trackCount(), 0u);
}

// ---------------------------------------------------------------------------------------------
// The light

// An upright generic face on a gray frame whose image-left half (left of the nose) is `left` and right half
// `right`, then the frame and the points turned together by `turnDeg` (cv::getRotationMatrix2D's angle).
struct LitFace {
  cv::Mat frame;
  Landmarks points;
};
LitFace litFace(int left, int right, double turnDeg) {
  const Landmarks upright = projectedFace(0, 0, 0);
  cv::Mat frame(kFrame, CV_8UC1, cv::Scalar(left));
  const float splitX = (upright[36].x + upright[45].x) / 2;
  frame.colRange(static_cast<int>(splitX), frame.cols).setTo(right);
  const cv::Point2f centre = upright[27];
  const cv::Mat m = cv::getRotationMatrix2D(centre, turnDeg, 1.0);
  cv::Mat turned;
  cv::warpAffine(frame, turned, m, frame.size(), cv::INTER_NEAREST, cv::BORDER_REPLICATE);
  std::vector<cv::Point2f> pts(upright.begin(), upright.end()), out;
  cv::transform(pts, out, m);
  LitFace f{turned, {}};
  for (size_t i = 0; i < f.points.size(); ++i) f.points[i] = out[i];
  return f;
}

// The subject's left cheek is on the image's right while the face is upright: a frame darker there gives a
// negative leftRight, and keeps giving it as the frame and the face turn together (upside down included),
// since the halves are the face's own.
TEST(FaceLight, DarkerOnTheSubjectsLeftGivesNegativeLeftRightTurnedWithTheFace) {
  for (double turn : {0.0, 70.0, 180.0, -120.0}) {
    SCOPED_TRACE(turn);
    const LitFace f = litFace(180, 60, turn);
    const FaceLight light = estimateFaceLight(f.frame, f.points);
    ASSERT_TRUE(light.valid);
    // Halves of 180 and 60: (60 - 180) / (60 + 180) = -0.5, whichever way the face is turned in the image.
    EXPECT_NEAR(light.leftRight, -0.5, 0.08);
    EXPECT_NEAR(light.topBottom, 0.0, 0.08);
    EXPECT_NEAR(light.level, 120.0 / 255, 0.05);
    const FaceLight mirrored = estimateFaceLight(litFace(60, 180, turn).frame, f.points);
    EXPECT_NEAR(mirrored.leftRight, 0.5, 0.08);
  }
}

TEST(FaceLight, TopBottomAndLevel) {
  const Landmarks l = projectedFace(0, 0, 0);
  cv::Mat frame(kFrame, CV_8UC1, cv::Scalar(200));
  const cv::Rect box = cv::boundingRect(std::vector<cv::Point2f>(l.begin(), l.end()));
  frame.rowRange(box.y + box.height / 2, frame.rows).setTo(100);  // the lower half of the face darker
  const FaceLight light = estimateFaceLight(frame, l);
  ASSERT_TRUE(light.valid);
  EXPECT_GT(light.topBottom, 0.2);
  EXPECT_NEAR(light.leftRight, 0, 0.02);
  // The same frame at half the light: half the level, the same balance.
  const cv::Mat dim = frame * 0.5;
  const FaceLight dimLight = estimateFaceLight(dim, l);
  EXPECT_NEAR(dimLight.level / light.level, 0.5, 0.02);
  EXPECT_NEAR(dimLight.topBottom, light.topBottom, 0.02);
  // Colour frames give the luminance: a BGR frame of the same gray reads the same.
  cv::Mat bgr;
  cv::cvtColor(frame, bgr, cv::COLOR_GRAY2BGR);
  EXPECT_NEAR(estimateFaceLight(bgr, l).level, light.level, 1e-3);
}

TEST(FaceLight, NoEstimateWithoutAFaceInTheFrameOrOnAnUnsupportedImage) {
  Landmarks far = projectedFace(0, 0, 0);
  for (auto& p : far) p += cv::Point2f(2000, 0);
  EXPECT_FALSE(estimateFaceLight(cv::Mat(kFrame, CV_8UC1, cv::Scalar(100)), far).valid);
  EXPECT_FALSE(estimateFaceLight(cv::Mat(kFrame, CV_32FC1, cv::Scalar(0.5)), projectedFace(0, 0, 0)).valid);
  EXPECT_FALSE(estimateFaceLight(cv::Mat(), projectedFace(0, 0, 0)).valid);
  Landmarks collapsed{};
  for (auto& p : collapsed) p = {100, 100};
  EXPECT_FALSE(estimateFaceLight(cv::Mat(kFrame, CV_8UC1, cv::Scalar(100)), collapsed).valid);
  // Black: a level of 0 and no balance (nothing to divide).
  const FaceLight black = estimateFaceLight(cv::Mat(kFrame, CV_8UC1, cv::Scalar(0)), projectedFace(0, 0, 0));
  ASSERT_TRUE(black.valid);
  EXPECT_EQ(black.level, 0);
  EXPECT_EQ(black.leftRight, 0);
}

TEST(FaceAttributes, SmoothedLightFollowsADimmedRoomWithinASecond) {
  const Landmarks l = projectedFace(0, 0, 0);
  FaceAttributes attributes;
  int64_t t = 0;
  float bright = 0;
  for (int i = 0; i < 30; ++i, t += kFrameNs) {
    std::vector<FaceResult> faces = oneFace(1, l);
    attributes.update(faces, cv::Mat(kFrame, CV_8UC1, cv::Scalar(200)), t);
    bright = faces[0].light.level;
  }
  EXPECT_NEAR(bright, 200.0 / 255, 1e-3);
  std::vector<float> levels;
  for (int i = 0; i < 30; ++i, t += kFrameNs) {
    std::vector<FaceResult> faces = oneFace(1, l);
    attributes.update(faces, cv::Mat(kFrame, CV_8UC1, cv::Scalar(60)), t);
    ASSERT_TRUE(faces[0].light.valid);
    levels.push_back(faces[0].light.level);
  }
  EXPECT_GT(levels[0], 100.0 / 255) << "smoothed: not at once";
  EXPECT_LT(levels[29], 65.0 / 255) << "within a second";
  for (size_t i = 1; i < levels.size(); ++i) EXPECT_LE(levels[i], levels[i - 1] + 1e-6) << "no overshoot";
}

// ---------------------------------------------------------------------------------------------
// JSON

TEST(FaceAttributes, JsonCarriesPoseAndLight) {
  FaceResult f = faceWith(3, projectedFace(20, -10, 30));
  f.pose = estimateHeadPose(f.keypoints, kFrame);
  f.light = estimateFaceLight(cv::Mat(kFrame, CV_8UC1, cv::Scalar(128)), f.keypoints);
  FrameResult r;
  r.faces.push_back(f);
  const auto j = nlohmann::json::parse(frameResultJsonLine(r));
  const auto& face = j.at("faces").at(0);
  const auto& pose = face.at("pose");
  EXPECT_NEAR(pose.at("yaw").get<double>(), 20, 1);
  EXPECT_NEAR(pose.at("pitch").get<double>(), -10, 1);
  EXPECT_NEAR(pose.at("roll").get<double>(), 30, 1);
  ASSERT_EQ(pose.at("rvec").size(), 3u);
  ASSERT_EQ(pose.at("tvec").size(), 3u);
  EXPECT_NEAR(pose.at("tvec").at(2).get<double>(), 8, 0.1);
  const auto& light = face.at("light");
  EXPECT_NEAR(light.at("level").get<double>(), 128.0 / 255, 1e-3);
  EXPECT_EQ(light.at("left_right").get<double>(), 0);
  EXPECT_EQ(light.at("top_bottom").get<double>(), 0);
  f.pose.reset();
  f.light = {};
  EXPECT_TRUE(faceJson(f, false).at("pose").is_null());
  EXPECT_TRUE(faceJson(f, false).at("light").is_null());
}

}  // namespace
}  // namespace facefilter
