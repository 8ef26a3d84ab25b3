// engine/keypoints: crop geometry, model metadata, loading TorchScript models and batched prediction.

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "engine/core/data_paths.hpp"
#include "engine/core/logging.hpp"
#include "engine/keypoints/face_crop.hpp"
#include "engine/keypoints/keypoint_model.hpp"
#include "engine/keypoints/model_metadata.hpp"
#include "engine/keypoints/refine.hpp"
#include "test_support.hpp"

namespace facefilter {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

class QuietLogs : public ::testing::Environment {
 public:
  void SetUp() override { setLogLevel(spdlog::level::off); }
};
const auto* const kQuietLogs = ::testing::AddGlobalTestEnvironment(new QuietLogs);

// ---------------------------------------------------------------------------------------------
// Crop geometry (docs/model-format.md)

TEST(FaceCrop, CropFromBox) {
  CropConvention c;
  c.size = 1.5;
  c.centerX = 0.1;
  c.centerY = -0.2;
  // side = (100 + 80) / 2 = 90; centre (10 + 50 + 9, 20 + 40 - 18) = (69, 42); crop side 135.
  const CropWindow w = cropFromBox(cv::Rect2f(10, 20, 100, 80), c);
  EXPECT_FLOAT_EQ(w.x0, 1.5f);
  EXPECT_FLOAT_EQ(w.y0, -25.5f);
  EXPECT_FLOAT_EQ(w.side, 135.f);
  EXPECT_EQ(w.rect(), cv::Rect2f(1.5f, -25.5f, 135.f, 135.f));

  // The defaults: a square 1.4x the box, same centre.
  const CropWindow d = cropFromBox(cv::Rect2f(100, 200, 50, 50), CropConvention{});
  EXPECT_FLOAT_EQ(d.side, 70.f);
  EXPECT_FLOAT_EQ(d.x0, 90.f);
  EXPECT_FLOAT_EQ(d.y0, 190.f);
}

Landmarks pointsSpanning(float minX, float minY, float maxX, float maxY) {
  Landmarks p;
  for (int k = 0; k < kNumKeypoints; ++k) {
    const float t = static_cast<float>(k) / (kNumKeypoints - 1);
    p[static_cast<size_t>(k)] = cv::Point2f(minX + t * (maxX - minX), maxY - t * (maxY - minY));
  }
  return p;
}

TEST(FaceCrop, BoxFromPoints) {
  const Landmarks p = pointsSpanning(10, 20, 50, 100);  // extent max(40, 80) = 80, centre (30, 60)
  BoxFromPoints rule;
  rule.size = 1.25;
  rule.centerX = 0.1;
  rule.centerY = -0.1;
  // side 100, centre (30 + 8, 60 - 8) = (38, 52).
  const cv::Rect2f b = boxFromPoints(p, rule);
  EXPECT_FLOAT_EQ(b.x, -12.f);
  EXPECT_FLOAT_EQ(b.y, 2.f);
  EXPECT_FLOAT_EQ(b.width, 100.f);
  EXPECT_FLOAT_EQ(b.height, 100.f);

  const cv::Rect2f plain = boxFromPoints(pointsSpanning(0, 0, 60, 30), BoxFromPoints{});
  EXPECT_EQ(plain, cv::Rect2f(0, -15, 60, 60)) << "square on the larger extent, same centre";
}

TEST(FaceCrop, WarpCropAtUnitScaleIsACopy) {
  cv::Mat img(60, 80, CV_8UC1);
  cv::randu(img, 0, 256);
  const cv::Mat crop = warpCrop(img, CropWindow{10, 20, 32}, 32);
  ASSERT_EQ(crop.size(), cv::Size(32, 32));
  EXPECT_EQ(cv::norm(crop, img(cv::Rect(10, 20, 32, 32)), cv::NORM_INF), 0);
}

TEST(FaceCrop, WarpCropSubsamplesAtTwiceTheSide) {
  cv::Mat img(100, 100, CV_8UC3);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(256));
  const CropWindow w{6, 8, 64};  // output pixel (u, v) samples (6 + 2u, 8 + 2v) exactly
  const cv::Mat crop = warpCrop(img, w, 32);
  ASSERT_EQ(crop.size(), cv::Size(32, 32));
  ASSERT_EQ(crop.type(), CV_8UC3);
  for (int v = 0; v < 32; ++v) {
    for (int u = 0; u < 32; ++u) {
      ASSERT_EQ(crop.at<cv::Vec3b>(v, u), img.at<cv::Vec3b>(8 + 2 * v, 6 + 2 * u)) << u << "," << v;
    }
  }
}

TEST(FaceCrop, WarpCropReplicatesTheBorder) {
  cv::Mat img(20, 20, CV_8UC1);
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 20; ++x) img.at<uchar>(y, x) = static_cast<uchar>(10 * y + x);
  const cv::Mat crop = warpCrop(img, CropWindow{-5, -3, 10}, 10);
  for (int v = 0; v < 10; ++v) {
    for (int u = 0; u < 10; ++u) {
      const int x = std::max(0, u - 5), y = std::max(0, v - 3);
      ASSERT_EQ(crop.at<uchar>(v, u), img.at<uchar>(y, x)) << u << "," << v;
    }
  }
}

TEST(FaceCrop, Iou) {
  EXPECT_FLOAT_EQ(iou(cv::Rect2f(0, 0, 10, 10), cv::Rect2f(0, 0, 10, 10)), 1.f);
  EXPECT_FLOAT_EQ(iou(cv::Rect2f(0, 0, 10, 10), cv::Rect2f(5, 0, 10, 10)), 50.f / 150.f);
  EXPECT_FLOAT_EQ(iou(cv::Rect2f(0, 0, 10, 10), cv::Rect2f(20, 20, 5, 5)), 0.f);
  EXPECT_FLOAT_EQ(iou(cv::Rect2f(0, 0, 0, 0), cv::Rect2f(0, 0, 0, 0)), 0.f);
}

// Eye-line crops: the window turns with the face, so a turned face gives the crop an upright one gives.

// A face-like point set: eyes level at y = 40 (36-41 left of 42-47), the rest spread below them.
Landmarks uprightFace() {
  Landmarks p;
  for (int k = 0; k < kNumKeypoints; ++k) {
    const float t = static_cast<float>(k) / (kNumKeypoints - 1);
    p[static_cast<size_t>(k)] = cv::Point2f(100 + 60 * std::sin(9 * t), 70 + 40 * t);
  }
  for (int k = 36; k < 42; ++k)
    p[static_cast<size_t>(k)] = cv::Point2f(80.f + static_cast<float>(k - 36), 40);
  for (int k = 42; k < 48; ++k)
    p[static_cast<size_t>(k)] = cv::Point2f(120.f + static_cast<float>(k - 42), 40);
  return p;
}

Landmarks turned(const Landmarks& p, cv::Point2f c, double angle) {
  Landmarks out;
  const double co = std::cos(angle), si = std::sin(angle);
  for (size_t i = 0; i < p.size(); ++i) {
    const double x = p[i].x - c.x, y = p[i].y - c.y;
    out[i] =
        cv::Point2f(static_cast<float>(c.x + co * x - si * y), static_cast<float>(c.y + si * x + co * y));
  }
  return out;
}

TEST(FaceCrop, EyeLineAngleFollowsTheFace) {
  const Landmarks up = uprightFace();
  EXPECT_NEAR(eyeLineAngle(up), 0.0, 1e-6);
  for (double a : {0.5, -1.0, 2.0, 3.1}) {
    EXPECT_NEAR(eyeLineAngle(turned(up, {10, 20}, a)), a, 1e-5) << a;
  }
  EXPECT_NEAR(std::abs(eyeLineAngle(turned(up, {0, 0}, CV_PI))), CV_PI, 1e-5) << "upside down";
}

TEST(FaceCrop, AngleZeroWindowIsTheAxisAlignedOne) {
  const CropWindow w{12.5f, -3.f, 80.f};
  const cv::Matx23d m = w.toInput(64);
  EXPECT_EQ(m, cv::Matx23d(0.8, 0, -0.8 * 12.5, 0, 0.8, 0.8 * 3));
  const cv::Point2f p = w.toFrame(32, 16, 64);
  EXPECT_FLOAT_EQ(p.x, 12.5f + 40.f);
  EXPECT_FLOAT_EQ(p.y, -3.f + 20.f);
}

TEST(FaceCrop, TurnedWindowMapsBackAndForth) {
  const CropWindow w{40.f, 30.f, 120.f, 0.7f};
  const cv::Matx23d m = w.toInput(96);
  for (cv::Point2f q : {cv::Point2f(0, 0), cv::Point2f(96, 0), cv::Point2f(48, 48), cv::Point2f(13, 77)}) {
    const cv::Point2f p = w.toFrame(q.x, q.y, 96);
    EXPECT_NEAR(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), q.x, 1e-3);
    EXPECT_NEAR(m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2), q.y, 1e-3);
  }
  // The input's centre is the window's centre; its top edge runs along the window's angle.
  const cv::Point2f c = w.toFrame(48, 48, 96);
  EXPECT_NEAR(c.x, 100.f, 1e-3);
  EXPECT_NEAR(c.y, 90.f, 1e-3);
  const auto k = w.corners();
  EXPECT_NEAR(std::atan2(k[1].y - k[0].y, k[1].x - k[0].x), 0.7, 1e-5);
  EXPECT_NEAR(cv::norm(k[1] - k[0]), 120.0, 1e-3);
}

TEST(FaceCrop, CropOffsetTurnsWithTheBox) {
  CropConvention c;
  c.size = 1.5;
  c.centerY = 0.2;  // below the box centre, along the face's own down
  const FaceBox up{cv::Rect2f(50, 50, 100, 100), 0.f};
  const FaceBox side{cv::Rect2f(50, 50, 100, 100), static_cast<float>(CV_PI / 2)};
  EXPECT_NEAR(cropFromBox(up, c).center().y, 120.f, 1e-4);
  const CropWindow w = cropFromBox(side, c);
  EXPECT_NEAR(w.center().x, 80.f, 1e-4) << "a face turned 90 degrees has its chin to the left";
  EXPECT_NEAR(w.center().y, 100.f, 1e-4);
  EXPECT_FLOAT_EQ(w.side, 150.f);
  EXPECT_FLOAT_EQ(w.angle, side.angle);
}

TEST(FaceCrop, EyeLineBoxTurnsWithTheFace) {
  BoxFromPoints rule;
  rule.size = 1.1;
  rule.centerY = -0.15;
  rule.eyeLine = true;
  const Landmarks up = uprightFace();
  const FaceBox a = faceBoxFromPoints(up, rule);
  EXPECT_NEAR(a.angle, 0.f, 1e-6);
  const cv::Rect2f axis = boxFromPoints(up, rule);
  EXPECT_NEAR(a.rect.x, axis.x, 1e-3);
  EXPECT_NEAR(a.rect.y, axis.y, 1e-3);
  EXPECT_NEAR(a.rect.width, axis.width, 1e-3);
  const cv::Point2f pivot(30, 200);
  for (double angle : {0.6, -1.2, CV_PI}) {
    const FaceBox b = faceBoxFromPoints(turned(up, pivot, angle), rule);
    EXPECT_NEAR(angleDistance(b.angle, static_cast<float>(angle)), 0.f, 1e-5) << angle;
    EXPECT_NEAR(b.rect.width, a.rect.width, 1e-3) << angle;
    const cv::Point2f expected = turned(Landmarks{a.center()}, pivot, angle)[0];
    EXPECT_NEAR(b.center().x, expected.x, 1e-3) << angle;
    EXPECT_NEAR(b.center().y, expected.y, 1e-3) << angle;
  }
  rule.eyeLine = false;  // older models: the axis-aligned box, angle 0
  const FaceBox c = faceBoxFromPoints(turned(up, pivot, 0.6), rule);
  EXPECT_EQ(c.angle, 0.f);
  EXPECT_EQ(c.rect, boxFromPoints(turned(up, pivot, 0.6), rule));
}

TEST(FaceCrop, TurnedCropOfATurnedImageIsTheUprightCrop) {
  cv::Mat img(200, 200, CV_8UC1);
  cv::randu(img, 0, 256);
  cv::GaussianBlur(img, img, cv::Size(0, 0), 3);  // smooth enough that two resamplings agree
  const double angle = 0.9;
  const cv::Point2f c(100, 100);
  cv::Mat rot = cv::getRotationMatrix2D(c, -angle * 180 / CV_PI, 1.0), turnedImg;
  cv::warpAffine(img, turnedImg, rot, img.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  const CropWindow upright{60, 60, 80};
  const CropWindow turnedWindow{60, 60, 80, static_cast<float>(angle)};
  const cv::Mat a = warpCrop(img, upright, 40), b = warpCrop(turnedImg, turnedWindow, 40);
  EXPECT_LT(cv::norm(a, b, cv::NORM_L1) / a.total(), 1.5) << "mean absolute difference in gray levels";
}

TEST(FaceCrop, AngleDistance) {
  EXPECT_NEAR(angleDistance(0.1f, -0.1f), 0.2f, 1e-6);
  EXPECT_NEAR(angleDistance(3.1f, -3.1f), 2 * CV_PI - 6.2, 1e-5);
  EXPECT_NEAR(angleDistance(0.f, static_cast<float>(CV_PI)), CV_PI, 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Metadata

constexpr const char* kGoodJson = R"({
  "format": "facefilter-keypoints", "format_version": 1,
  "name": "ffnet", "description": "a test", "license": "MIT",
  "input":  {"width": 112, "height": 112, "channels": 1, "scale": 0.00392156862745098,
             "mean": [0.5], "std": [0.25]},
  "output": {"points": 68, "layout": "ibug68",
             "x_scale": 56.0, "x_offset": 56.0, "y_scale": 50.0, "y_offset": 57.0},
  "crop":   {"reference": "face_box", "size": 1.4, "center_x": 0.01, "center_y": 0.05},
  "box_from_points": {"size": 1.1, "center_x": 0.02, "center_y": -0.1},
  "training": {"epochs": 3, "data_fingerprint": "abc123"}
})";

TEST(ModelMetadata, ParsesTheDocumentedExample) {
  auto m = parseModelMetadata(kGoodJson, "m.pt");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->name, "ffnet");
  EXPECT_EQ(m->description, "a test");
  EXPECT_EQ(m->license, "MIT");
  EXPECT_EQ(m->inputWidth, 112);
  EXPECT_EQ(m->inputHeight, 112);
  EXPECT_EQ(m->channels, 1);
  EXPECT_DOUBLE_EQ(m->pixelScale, 1.0 / 255.0);
  EXPECT_EQ(m->mean, std::vector<double>{0.5});
  EXPECT_EQ(m->std, std::vector<double>{0.25});
  EXPECT_EQ(m->points, 68);
  EXPECT_EQ(m->layout, "ibug68");
  EXPECT_DOUBLE_EQ(m->xScale, 56);
  EXPECT_DOUBLE_EQ(m->xOffset, 56);
  EXPECT_DOUBLE_EQ(m->yScale, 50);
  EXPECT_DOUBLE_EQ(m->yOffset, 57);
  EXPECT_DOUBLE_EQ(m->crop.size, 1.4);
  EXPECT_DOUBLE_EQ(m->crop.centerX, 0.01);
  EXPECT_DOUBLE_EQ(m->crop.centerY, 0.05);
  EXPECT_DOUBLE_EQ(m->boxFromPoints.size, 1.1);
  EXPECT_DOUBLE_EQ(m->boxFromPoints.centerX, 0.02);
  EXPECT_DOUBLE_EQ(m->boxFromPoints.centerY, -0.1);
  EXPECT_EQ(m->dataFingerprint, "abc123");
  EXPECT_EQ(m->rawJson, kGoodJson);
}

TEST(ModelMetadata, OptionalKeysMayBeAbsentAndColourIsAccepted) {
  const std::string json = R"({"format": "facefilter-keypoints", "format_version": 1,
    "input": {"width": 64, "height": 64, "channels": 3, "scale": 1, "mean": [1, 2, 3], "std": [4, 5, 6]},
    "output": {"points": 68, "layout": "ibug68", "x_scale": 1, "x_offset": 0, "y_scale": 1, "y_offset": 0},
    "crop": {"reference": "face_box", "size": 2, "center_x": 0, "center_y": 0},
    "box_from_points": {"size": 1, "center_x": 0, "center_y": 0}})";
  auto m = parseModelMetadata(json, "colour.pt");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->channels, 3);
  EXPECT_EQ(m->mean, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(m->name, "");
  EXPECT_EQ(m->dataFingerprint, "");
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("test bug: '" + from + "' not in the JSON");
  return text.replace(at, from.size(), to);
}

TEST(ModelMetadata, EachKindOfBadJsonIsAnErrorNamingTheFile) {
  const std::string good = kGoodJson;
  struct Case {
    std::string json;
    const char* mentions;
  };
  const Case cases[] = {
      {"", "missing"},
      {"{not json", "JSON"},
      {"[1, 2, 3]", "not valid JSON"},
      {replaced(good, "\"facefilter-keypoints\"", "\"onnx\""), "format"},
      {replaced(good, "\"format\": \"facefilter-keypoints\", ", ""), "format"},
      {replaced(good, "\"format_version\": 1", "\"format_version\": 2"), "format_version"},
      {replaced(good, "\"format_version\": 1", "\"format_version\": \"1\""), "format_version"},
      {replaced(good, "\"width\": 112", "\"width\": \"wide\""), "input.width"},
      {replaced(good, "\"width\": 112, ", ""), "input.width"},
      {replaced(good, "\"height\": 112", "\"height\": 96"), "square"},
      {replaced(replaced(good, "\"width\": 112", "\"width\": 4"), "\"height\": 112", "\"height\": 4"),
       "8..1024"},
      {replaced(good, "\"channels\": 1", "\"channels\": 2"), "channels"},
      {replaced(good, "\"mean\": [0.5]", "\"mean\": [0.5, 0.5]"), "mean"},
      {replaced(good, "\"mean\": [0.5]", "\"mean\": 0.5"), "input.mean"},
      {replaced(good, "\"std\": [0.25]", "\"std\": [0]"), "std"},
      {replaced(good, "\"points\": 68", "\"points\": 5"), "68 points"},
      {replaced(good, "\"ibug68\"", "\"mpii\""), "ibug68"},
      {replaced(good, "\"x_scale\": 56.0, ", ""), "output.x_scale"},
      {replaced(good, "\"reference\": \"face_box\"", "\"reference\": \"eyes\""), "crop.reference"},
      {replaced(good, "\"size\": 1.4", "\"size\": 0"), "crop.size"},
      {replaced(good, "\"size\": 1.1", "\"size\": 20"), "box_from_points.size"},
      {replaced(good, "\"box_from_points\": {\"size\": 1.1, \"center_x\": 0.02, \"center_y\": -0.1},", ""),
       "box_from_points"},
      {replaced(good, "\"input\":  {", "\"inputs\": {"), "input"},
      {replaced(good, "\"format_version\": 1,", "\"format_version\": 1, \"detector_box_method\": 3,"),
       "detector_box_method"},
      {replaced(good, "\"format_version\": 1,", "\"format_version\": 1, \"detector_box_method\": \"a.b()\","),
       "detector_box_method"},
      {replaced(good, "\"center_y\": 0.05}", "\"center_y\": 0.05, \"rotation\": \"nose\"}"), "crop.rotation"},
      {replaced(good, "\"center_y\": 0.05}", "\"center_y\": 0.05, \"rotation\": 1}"), "rotation"},
      {replaced(good, "\"format_version\": 1,", "\"format_version\": 1, \"presence_method\": \"p q\","),
       "presence_method"},
      {replaced(
           good, "\"format_version\": 1,",
           "\"format_version\": 1, \"presence_method\": \"presence\", \"presence\": {\"threshold\": 1.5},"),
       "presence.threshold"},
  };
  for (const Case& c : cases) {
    auto m = parseModelMetadata(c.json, "/models/bad.pt");
    ASSERT_FALSE(m.ok()) << "accepted:\n" << c.json;
    EXPECT_THAT(m.error().message, HasSubstr("/models/bad.pt")) << c.json;
    EXPECT_THAT(m.error().message, HasSubstr(c.mentions)) << c.json;
  }
}

TEST(ModelMetadata, CropRotationAndPresenceAreOptional) {
  const std::string good = kGoodJson;
  auto plain = parseModelMetadata(good, "m.pt");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->boxFromPoints.eyeLine) << "files without the key crop axis-aligned";
  EXPECT_TRUE(plain->presenceMethod.empty());
  auto eye = parseModelMetadata(
      replaced(good, "\"center_y\": 0.05}", "\"center_y\": 0.05, \"rotation\": \"eye_line\"}"), "m.pt");
  ASSERT_TRUE(eye.ok()) << eye.error().message;
  EXPECT_TRUE(eye->boxFromPoints.eyeLine);
  auto none = parseModelMetadata(
      replaced(good, "\"center_y\": 0.05}", "\"center_y\": 0.05, \"rotation\": \"none\"}"), "m.pt");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->boxFromPoints.eyeLine);
  auto presence = parseModelMetadata(
      replaced(
          good, "\"format_version\": 1,",
          "\"format_version\": 1, \"presence_method\": \"presence\", \"presence\": {\"threshold\": 0.3},"),
      "m.pt");
  ASSERT_TRUE(presence.ok()) << presence.error().message;
  EXPECT_EQ(presence->presenceMethod, "presence");
  EXPECT_DOUBLE_EQ(presence->presenceThreshold, 0.3);
}

TEST(ModelMetadata, EscapesReadBackAndTypesAreStrict) {
  const std::string good = kGoodJson;
  auto escaped = parseModelMetadata(replaced(good, "\"a test\"", "\"caf\\u00e9\\u0001\""), "m.pt");
  ASSERT_TRUE(escaped.ok()) << escaped.error().message;
  EXPECT_EQ(escaped->description, "caf\xc3\xa9\x01");
  // A boolean is not a number, and a list of numbers holds numbers only.
  auto boolean =
      parseModelMetadata(replaced(good, "\"format_version\": 1", "\"format_version\": true"), "m.pt");
  ASSERT_FALSE(boolean.ok());
  EXPECT_THAT(boolean.error().message, HasSubstr("'format_version' must be a number"));
  auto mixed = parseModelMetadata(replaced(good, "\"mean\": [0.5]", "\"mean\": [\"0.5\"]"), "m.pt");
  ASSERT_FALSE(mixed.ok());
  EXPECT_THAT(mixed.error().message, HasSubstr("'input.mean' must be a list of numbers"));
  auto huge = parseModelMetadata(replaced(good, "\"width\": 112", "\"width\": 1e300"), "m.pt");
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error().message, HasSubstr("8..1024"));
}

// ---------------------------------------------------------------------------------------------
// Loading models

double maxDifference(const Landmarks& a, const Landmarks& b) {
  double d = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    d = std::max(
        {d, static_cast<double>(std::abs(a[k].x - b[k].x)), static_cast<double>(std::abs(a[k].y - b[k].y))});
  }
  return d;
}

TEST(KeypointModel, LoadsTheTestModelWithItsMetadata) {
  auto model = KeypointModel::load(test::kTestModel, ComputeDevice::kCpu);
  ASSERT_TRUE(model.ok()) << model.error().message;
  const ModelMetadata& m = model->metadata();
  EXPECT_EQ(m.name, "test-random");
  EXPECT_EQ(m.inputWidth, 64);
  EXPECT_EQ(m.inputHeight, 64);
  EXPECT_EQ(m.channels, 1);
  EXPECT_DOUBLE_EQ(m.mean[0], 0.5);
  EXPECT_DOUBLE_EQ(m.std[0], 0.25);
  EXPECT_DOUBLE_EQ(m.xScale, 32);
  EXPECT_DOUBLE_EQ(m.crop.size, 1.35);
  EXPECT_DOUBLE_EQ(m.crop.centerY, 0.12);
  EXPECT_DOUBLE_EQ(m.boxFromPoints.size, 1.140625);
  EXPECT_DOUBLE_EQ(m.boxFromPoints.centerY, -0.182);
  EXPECT_EQ(m.dataFingerprint, "none");
  EXPECT_EQ(model->path(), test::kTestModel);
  EXPECT_EQ(model->deviceName(), "cpu");

  // cropFor/faceBoxFor apply the model's own conventions.
  const cv::Rect2f box(100, 100, 80, 80);
  const CropWindow w = model->cropFor(box);
  const CropWindow expected = cropFromBox(box, m.crop);
  EXPECT_FLOAT_EQ(w.x0, expected.x0);
  EXPECT_FLOAT_EQ(w.y0, expected.y0);
  EXPECT_FLOAT_EQ(w.side, 108.f);
}

void expectLoadError(const std::string& path, const char* mentions) {
  auto model = KeypointModel::load(path, ComputeDevice::kCpu);
  ASSERT_FALSE(model.ok()) << path << " loaded";
  EXPECT_THAT(model.error().message, HasSubstr("'" + path + "'"));
  EXPECT_THAT(model.error().message, HasSubstr(mentions));
  EXPECT_LT(model.error().message.size(), 600u) << "a message, not a backtrace";
}

TEST(KeypointModel, WrongOutputShapeIsRefused) {
  expectLoadError(test::kTestModelBadShape, "output shape");
}

TEST(KeypointModel, DetectorStageNamedButMissingIsRefused) {
  expectLoadError(test::kTestModelMissingStage, "detector_box_method 'forward_detector_box'");
}

TEST(KeypointModel, PresenceNamedButMissingOrMisshapenIsRefused) {
  expectLoadError(test::kTestModelMissingPresence, "presence_method 'presence'");
  expectLoadError(test::kTestModelBadPresence, "presence() must return [N] or [N, 1]");
}

TEST(KeypointModel, OlderFilesHaveNoPresenceAndAxisAlignedCrops) {
  auto model = KeypointModel::load(test::kTestModel, ComputeDevice::kCpu);
  ASSERT_TRUE(model.ok()) << model.error().message;
  EXPECT_FALSE(model->hasPresence());
  EXPECT_FALSE(model->alignsCrops());
  cv::Mat frame(120, 120, CV_8UC1, cv::Scalar(200));
  std::vector<float> presence = {0.7f};
  auto points = model->predict(frame, {{10, 10, 100}}, {}, &presence);
  ASSERT_TRUE(points.ok());
  EXPECT_TRUE(presence.empty()) << "no score where the file has none";
  EXPECT_EQ(model->faceBoxFor(uprightFace()).angle, 0.f);
}

// The presence test model scores a crop by its brightness (training/make_test_model.py --presence).
TEST(KeypointModel, PresenceIsScoredPerCropInOneBatch) {
  auto model = KeypointModel::load(test::kTestModelPresence, ComputeDevice::kCpu);
  ASSERT_TRUE(model.ok()) << model.error().message;
  EXPECT_TRUE(model->hasPresence());
  EXPECT_TRUE(model->alignsCrops());
  cv::Mat frame(100, 300, CV_8UC1, cv::Scalar(20));
  frame(cv::Rect(150, 0, 150, 100)).setTo(240);
  const std::vector<CropWindow> crops = {{10, 10, 80}, {200, 10, 80, 0.5f}, {10, 10, 80}};
  std::vector<float> presence;
  auto points = model->predict(frame, crops, {false, true, true}, &presence);
  ASSERT_TRUE(points.ok()) << points.error().message;
  ASSERT_EQ(presence.size(), 3u);
  EXPECT_LT(presence[0], 0.1f) << "dark crop";
  EXPECT_GT(presence[1], 0.9f) << "bright crop";
  EXPECT_FLOAT_EQ(presence[0], presence[2]) << "the same crop scores the same whichever stage serves it";
  // Eye-line boxes from its keypoints.
  EXPECT_NEAR(model->faceBoxFor(turned(uprightFace(), {0, 0}, 0.4)).angle, 0.4f, 1e-5);
}

TEST(KeypointModel, TurnedCropsMapPointsBackThroughTheTurn) {
  auto model = KeypointModel::load(test::kTestModel, ComputeDevice::kCpu);
  ASSERT_TRUE(model.ok()) << model.error().message;
  cv::Mat frame(300, 300, CV_8UC1);
  cv::randu(frame, 0, 256);
  const CropWindow w{80, 90, 120, 1.1f};
  auto points = model->predict(frame, {w});
  ASSERT_TRUE(points.ok());
  // Every point lies in the turned square: its coordinates in the window's own frame are within it.
  const cv::Matx23d m = w.toInput(model->metadata().inputWidth);
  for (const auto& p : points.value()[0]) {
    const double u = m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), v = m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2);
    EXPECT_GE(u, -1e-3);
    EXPECT_LE(u, model->metadata().inputWidth + 1e-3);
    EXPECT_GE(v, -1e-3);
    EXPECT_LE(v, model->metadata().inputWidth + 1e-3);
  }
}

TEST(KeypointModel, OneStageModelServesDetectorCropsWithForward) {
  auto model = KeypointModel::load(test::kTestModel, ComputeDevice::kCpu);
  ASSERT_TRUE(model.ok()) << model.error().message;
  EXPECT_FALSE(model->hasDetectorStage());
  cv::Mat frame(200, 200, CV_8UC1);
  cv::randu(frame, 0, 256);
  const std::vector<CropWindow> crops = {{10, 10, 120}, {50, 40, 100}};
  auto plain = model->predict(frame, crops);
  auto flagged = model->predict(frame, crops, {true, true});
  ASSERT_TRUE(plain.ok() && flagged.ok());
  for (size_t i = 0; i < crops.size(); ++i) EXPECT_EQ(plain.value()[i], flagged.value()[i]);
}

// A model with a detector-box stage runs crops from detector boxes through it and the rest through
// forward(), in one call with mixed crops as well as with one kind, and the points land the same either way.
TEST(KeypointModel, TwoStageModelRoutesCropsByWhereTheyCameFrom) {
  auto model = KeypointModel::load(test::kTestModelTwoStage, ComputeDevice::kCpu);
  ASSERT_TRUE(model.ok()) << model.error().message;
  EXPECT_TRUE(model->hasDetectorStage());
  EXPECT_EQ(model->metadata().detectorBoxMethod, "forward_detector_box");
  cv::Mat noise(240, 320, CV_8UC1), frame;
  cv::randu(noise, 0, 256);
  cv::GaussianBlur(noise, frame, cv::Size(0, 0), 3);
  const std::vector<CropWindow> crops = {{10, 10, 120}, {150, 50, 90}, {100.5f, 100.5f, 110}};
  auto keypointsStage = model->predict(frame, crops);
  auto detectorStage = model->predict(frame, crops, {true, true, true});
  auto mixed = model->predict(frame, crops, {true, false, true});
  auto shortFlags = model->predict(frame, crops, {true});  // missing entries: from keypoints
  ASSERT_TRUE(keypointsStage.ok() && detectorStage.ok() && mixed.ok() && shortFlags.ok());
  for (size_t i = 0; i < crops.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "crop " << i);
    EXPECT_GT(maxDifference(keypointsStage.value()[i], detectorStage.value()[i]), 0.5)
        << "two different stages";
    const Landmarks& expected = i == 1 ? keypointsStage.value()[i] : detectorStage.value()[i];
    EXPECT_LT(maxDifference(mixed.value()[i], expected), 1e-4);
    const Landmarks& expectedShort = i == 0 ? detectorStage.value()[i] : keypointsStage.value()[i];
    EXPECT_LT(maxDifference(shortFlags.value()[i], expectedShort), 1e-4);
    for (const auto& p : mixed.value()[i]) {
      EXPECT_GE(p.x, crops[i].x0 - 1e-3f);
      EXPECT_LE(p.x, crops[i].x0 + crops[i].side + 1e-3f);
    }
  }
}

TEST(KeypointModel, MissingMetadataIsRefused) {
  expectLoadError(test::kTestModelNoMetadata, "facefilter.json");
  expectLoadError(test::kTestModelNoMetadata, "missing");
}

// The shipped models load by name; only the in-the-wild one carries research-only terms, and it is never
// what an empty model setting gives.
TEST(KeypointModel, ShippedModelsLoadByNameWithTheirTerms) {
  for (const ShippedModel& shipped : shippedModels()) {
    if (!findDataFile(DataFolder::kModels, shipped.file)) {
      GTEST_SKIP() << shipped.file << " is not in the models folder (assets/models)";
    }
    auto model = KeypointModel::load(shipped.name, ComputeDevice::kCpu);
    ASSERT_TRUE(model.ok()) << shipped.name << ": " << model.error().message;
    EXPECT_EQ(std::filesystem::path(model->path()).filename(), shipped.file);
    const bool researchOnly = model->metadata().license.find("research use only") != std::string::npos;
    EXPECT_EQ(researchOnly, std::string(shipped.name) == "wild") << model->metadata().license;
  }
  if (std::getenv("FACEFILTER_MODEL") == nullptr) {
    EXPECT_EQ(std::filesystem::path(defaultModelPath()).filename(), "ffnet.pt");
  }
}

TEST(KeypointModel, MissingFileIsRefused) {
  TempDir dir;
  expectLoadError(dir.file("nothing-here.pt"), "no such file");
}

TEST(KeypointModel, TextFileRenamedPtIsRefused) {
  TempDir dir;
  const std::string path = dir.file("notes.pt");
  test::writeFile(path, "I am a text file pretending to be a model.\n");
  expectLoadError(path, "TorchScript");
}

TEST(KeypointModel, EmptyFileIsRefused) {
  TempDir dir;
  const std::string path = dir.file("empty.pt");
  test::writeFile(path, "");
  expectLoadError(path, "TorchScript");
}

TEST(KeypointModel, TruncatedModelIsRefused) {
  TempDir dir;
  const std::string path = dir.file("cut.pt");
  test::writeTruncatedCopy(test::kTestModel, path, 0.5);
  expectLoadError(path, "TorchScript");
}

TEST(KeypointModel, FolderIsRefused) {
  TempDir dir;
  expectLoadError(dir.path().string(), "folder");
}

TEST(KeypointModel, ComputeDeviceNames) {
  EXPECT_EQ(parseComputeDevice("cpu").value(), ComputeDevice::kCpu);
  EXPECT_EQ(parseComputeDevice("cuda").value(), ComputeDevice::kCuda);
  EXPECT_EQ(parseComputeDevice("auto").value(), ComputeDevice::kAuto);
  auto bad = parseComputeDevice("gpu");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("gpu"));
  EXPECT_STREQ(toString(ComputeDevice::kCuda), "cuda");
}

TEST(KeypointModel, CudaRequestWithoutCudaIsAnError) {
  if (cudaAvailable()) GTEST_SKIP() << "CUDA is available here";
  auto model = KeypointModel::load(test::kTestModel, ComputeDevice::kCuda);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.error().message, HasSubstr("CUDA"));
  EXPECT_THAT(model.error().message, HasSubstr(test::kTestModel));
}

// ---------------------------------------------------------------------------------------------
// Prediction

class Predict : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = KeypointModel::load(test::kTestModel, ComputeDevice::kCpu);
    ASSERT_TRUE(m.ok()) << m.error().message;
    model_ = new KeypointModel(std::move(m).value());
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  void SetUp() override {
    if (model_ == nullptr) GTEST_SKIP() << "the test model did not load";
  }

  // A textured frame: smooth blobs plus noise, so that the random network's output depends on it.
  static cv::Mat texture(cv::Size size, int seed) {
    cv::RNG rng(static_cast<uint64>(seed));
    cv::Mat noise(size, CV_8UC1);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
    cv::Mat smooth;
    cv::GaussianBlur(noise, smooth, cv::Size(0, 0), 4);
    cv::normalize(smooth, smooth, 0, 255, cv::NORM_MINMAX);
    cv::Mat out;
    cv::addWeighted(smooth, 0.8, noise, 0.2, 0, out);
    return out;
  }

  static KeypointModel* model_;
};
KeypointModel* Predict::model_ = nullptr;

TEST_F(Predict, EmptyCropsRunNothing) {
  auto r = model_->predict(texture({100, 100}, 1), {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  auto e = model_->predict(cv::Mat(), {CropWindow{0, 0, 10}});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("empty"));
}

TEST_F(Predict, PointsLieInsideTheirCropWindow) {
  // The test model's outputs are tanh in [-1, 1], mapped to [0, 64] input pixels: inside the window.
  const cv::Mat frame = texture({320, 240}, 2);
  const std::vector<CropWindow> crops = {{20, 30, 100}, {150.5f, 60.25f, 77.5f}, {-20, -10, 60}};
  auto r = model_->predict(frame, crops);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), crops.size());
  for (size_t i = 0; i < crops.size(); ++i) {
    const CropWindow& w = crops[i];
    for (const auto& p : r.value()[i]) {
      EXPECT_GE(p.x, w.x0 - 1e-3f);
      EXPECT_LE(p.x, w.x0 + w.side + 1e-3f);
      EXPECT_GE(p.y, w.y0 - 1e-3f);
      EXPECT_LE(p.y, w.y0 + w.side + 1e-3f);
    }
  }
  EXPECT_GT(maxDifference(r.value()[0], r.value()[1]), 1.0) << "different crops give different points";
}

TEST_F(Predict, BatchEqualsSinglePredictions) {
  const cv::Mat frame = texture({400, 300}, 3);
  const std::vector<CropWindow> crops = {{10, 10, 120}, {200, 50, 90}, {100.5f, 150.5f, 140}};
  auto batch = model_->predict(frame, crops);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  ASSERT_EQ(batch->size(), 3u);
  for (size_t i = 0; i < crops.size(); ++i) {
    auto single = model_->predict(frame, {crops[i]});
    ASSERT_TRUE(single.ok());
    ASSERT_EQ(single->size(), 1u);
    EXPECT_LT(maxDifference(batch.value()[i], single.value()[0]), 1e-4) << "crop " << i;
  }
}

TEST_F(Predict, DeterministicAcrossCalls) {
  const cv::Mat frame = texture({200, 200}, 4);
  auto a = model_->predict(frame, {{20, 20, 150}});
  auto b = model_->predict(frame, {{20, 20, 150}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(maxDifference(a.value()[0], b.value()[0]), 0.0);
}

TEST_F(Predict, GrayAndBgrFramesGiveTheSamePoints) {
  // A gray model converts a BGR frame to gray first (docs/model-format.md step 1).
  const cv::Mat gray = texture({200, 200}, 5);
  cv::Mat bgr;
  cv::cvtColor(gray, bgr, cv::COLOR_GRAY2BGR);
  auto a = model_->predict(gray, {{30, 40, 120}});
  auto b = model_->predict(bgr, {{30, 40, 120}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LT(maxDifference(a.value()[0], b.value()[0]), 1e-4);
}

TEST_F(Predict, PointsMapBackToFrameCoordinates) {
  // The same face content moved by (dx, dy) in the frame, cropped by a window moved by the same:
  // the network sees identical input, so the points must move by exactly (dx, dy).
  const cv::Mat base = texture({300, 260}, 6);
  for (const cv::Point shift : {cv::Point(17, 23), cv::Point(-9, 4), cv::Point(0, -31)}) {
    SCOPED_TRACE(testing::Message() << "shift " << shift);
    cv::Mat moved(base.size(), base.type(), cv::Scalar(0));
    const cv::Rect src(std::max(0, -shift.x), std::max(0, -shift.y), base.cols - std::abs(shift.x),
                       base.rows - std::abs(shift.y));
    base(src).copyTo(moved(src + shift));
    const CropWindow w{80.25f, 70.5f, 110.f};  // inside both frames, away from the blank margin
    const CropWindow wm{w.x0 + static_cast<float>(shift.x), w.y0 + static_cast<float>(shift.y), w.side};
    auto a = model_->predict(base, {w});
    auto b = model_->predict(moved, {wm});
    ASSERT_TRUE(a.ok() && b.ok());
    for (size_t k = 0; k < kNumKeypoints; ++k) {
      EXPECT_NEAR(b.value()[0][k].x - a.value()[0][k].x, shift.x, 0.05) << "point " << k;
      EXPECT_NEAR(b.value()[0][k].y - a.value()[0][k].y, shift.y, 0.05) << "point " << k;
    }
  }
}

TEST_F(Predict, PointsScaleWithTheWindow) {
  // A frame scaled 2x by nearest neighbour (each pixel a 2x2 block) and a window scaled 2x: the crop
  // samples exactly the same pixels, so the points must come back exactly 2x.
  const cv::Mat base = texture({200, 200}, 7);
  cv::Mat big;
  cv::resize(base, big, cv::Size(), 2, 2, cv::INTER_NEAREST);
  auto a = model_->predict(base, {CropWindow{40, 50, 64}});
  auto b = model_->predict(big, {CropWindow{80, 100, 128}});
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t k = 0; k < kNumKeypoints; ++k) {
    EXPECT_NEAR(b.value()[0][k].x, 2 * a.value()[0][k].x, 0.05) << "point " << k;
    EXPECT_NEAR(b.value()[0][k].y, 2 * a.value()[0][k].y, 0.05) << "point " << k;
  }
}

TEST_F(Predict, RefineRecropsTheChosenFacesFromTheirOwnKeypoints) {
  const cv::Mat frame = texture({400, 300}, 8);
  std::vector<CropWindow> crops = {{10, 10, 120}, {200, 50, 90}, {100.5f, 150.5f, 140}};
  auto first = model_->predict(frame, crops);
  ASSERT_TRUE(first.ok()) << first.error().message;
  std::vector<Landmarks> points = first.value();
  const std::vector<CropWindow> before = crops;

  auto n = refineFromKeypoints(*model_, frame, {true, false, true}, crops, points);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n.value(), 2u);
  ASSERT_EQ(RefineOptions{}.passes, 3);
  for (size_t i : {size_t{0}, size_t{2}}) {
    SCOPED_TRACE(testing::Message() << "face " << i);
    // Each pass crops the box the last pass's keypoints imply and predicts in it.
    Landmarks last = first.value()[i];
    CropWindow expected;
    for (int pass = 0; pass < RefineOptions{}.passes; ++pass) {
      expected = model_->cropFor(model_->faceBoxFor(last));
      auto direct = model_->predict(frame, {expected});
      ASSERT_TRUE(direct.ok());
      EXPECT_GT(maxDifference(direct.value()[0], last), 0.01) << "pass " << pass << " changes nothing";
      last = direct.value()[0];
    }
    EXPECT_EQ(crops[i].rect(), expected.rect());
    EXPECT_NE(crops[i].rect(), before[i].rect());
    EXPECT_LT(maxDifference(points[i], last), 1e-4);
  }
  EXPECT_EQ(crops[1].rect(), before[1].rect()) << "a face not chosen keeps its crop";
  EXPECT_EQ(maxDifference(points[1], first.value()[1]), 0.0) << "and its points";

  // Nothing chosen: no forward pass, nothing changed.
  auto none = refineFromKeypoints(*model_, frame, {false, false, false}, crops, points);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none.value(), 0u);
}

TEST_F(Predict, RefineMakesAsManyPassesAsAsked) {
  const cv::Mat frame = texture({400, 300}, 8);
  std::vector<CropWindow> crops = {{100.5f, 150.5f, 140}};
  auto first = model_->predict(frame, crops);
  ASSERT_TRUE(first.ok()) << first.error().message;
  std::vector<Landmarks> one = first.value(), two = first.value();
  std::vector<CropWindow> oneCrops = crops, twoCrops = crops;
  ASSERT_TRUE(refineFromKeypoints(*model_, frame, {true}, oneCrops, one, nullptr, RefineOptions{1}).ok());
  ASSERT_TRUE(refineFromKeypoints(*model_, frame, {true}, twoCrops, two, nullptr, RefineOptions{2}).ok());
  EXPECT_EQ(oneCrops[0].rect(), model_->cropFor(model_->faceBoxFor(first.value()[0])).rect());
  EXPECT_EQ(twoCrops[0].rect(), model_->cropFor(model_->faceBoxFor(one[0])).rect())
      << "the second from the first";
}

TEST_F(Predict, RefineOnAModelErrorKeepsTheFirstPass) {
  std::vector<CropWindow> crops = {{10, 10, 120}};
  std::vector<Landmarks> points(1);
  points[0][0] = cv::Point2f(42, 43);
  auto r = refineFromKeypoints(*model_, cv::Mat(), {true}, crops, points);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("empty"));
  EXPECT_EQ(crops[0].rect(), cv::Rect2f(10, 10, 120, 120));
  EXPECT_EQ(points[0][0], cv::Point2f(42, 43));
}

}  // namespace
}  // namespace facefilter
