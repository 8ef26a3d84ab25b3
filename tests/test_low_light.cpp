// Faces in a dim room: the evaluation's synthetic lighting (engine/eval/photometric.hpp), the detector's
// lifted copy of dim frames, and the model's optional input.light_gain. The accuracy targets themselves are
// measured by `facefilter-cli eval --photometric dim` in test_eval_accuracy.

#include <algorithm>
#include <cmath>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "engine/capture/image_source.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/eval/photometric.hpp"
#include "engine/keypoints/keypoint_model.hpp"
#include "engine/keypoints/model_metadata.hpp"
#include "tests/test_support.hpp"

namespace facefilter {
namespace {

// A face's worth of keypoints: a 60 x 70 px box centred at (cx, cy).
Landmarks faceAt(float cx, float cy) {
  Landmarks p;
  for (int i = 0; i < kNumKeypoints; ++i) {
    const float t = static_cast<float>(i) / (kNumKeypoints - 1) * 6.2831853f;
    p[static_cast<size_t>(i)] = {cx + 30.f * std::cos(t), cy + 35.f * std::sin(t)};
  }
  return p;
}

TEST(Photometric, NamesParseAndUnknownOnesAreErrors) {
  for (const char* name : {"normal", "dim", "backlit"}) {
    auto c = parsePhotometric(name);
    ASSERT_TRUE(c.ok()) << name;
    EXPECT_STREQ(toString(c.value()), name);
  }
  auto bad = parsePhotometric("dark");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'dark'"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("dim"), std::string::npos) << "names the choices";
}

TEST(Photometric, DimFollowsItsFormulaWithItsNoise) {
  cv::Mat gray(300, 300, CV_8UC1, cv::Scalar(200));
  applyPhotometric(gray, Photometric::kDim, faceAt(150, 150), 7);
  cv::Scalar mean, sd;
  cv::meanStdDev(gray, mean, sd);
  const double expected = 255.0 * 0.35 * std::pow(200.0 / 255.0, 1.8);
  EXPECT_NEAR(mean[0], expected, 0.3);
  EXPECT_NEAR(sd[0], 4.0, 0.3) << "sensor noise of sigma 4 grey levels";
}

TEST(Photometric, TheSameSampleGetsTheSamePixelsEveryTime) {
  const cv::Mat base(120, 160, CV_8UC1, cv::Scalar(150));
  const Landmarks face = faceAt(80, 60);
  for (Photometric c : {Photometric::kDim, Photometric::kBacklit}) {
    cv::Mat a = base.clone(), b = base.clone(), other = base.clone();
    applyPhotometric(a, c, face, 3);
    applyPhotometric(b, c, face, 3);
    applyPhotometric(other, c, face, 4);
    EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0) << toString(c);
    EXPECT_GT(cv::norm(a, other, cv::NORM_L1), 0.0) << "another sample draws other noise";
  }
  cv::Mat normal = base.clone();
  applyPhotometric(normal, Photometric::kNormal, face, 3);
  EXPECT_EQ(cv::norm(normal, base, cv::NORM_INF), 0.0);
}

TEST(Photometric, BacklitDarkensTheFaceAndBlowsOutTheBackground) {
  cv::Mat gray(400, 400, CV_8UC1, cv::Scalar(128));
  applyPhotometric(gray, Photometric::kBacklit, faceAt(200, 220), 1);
  const double face = cv::mean(gray(cv::Rect(185, 205, 30, 30)))[0];
  const double corner = cv::mean(gray(cv::Rect(0, 0, 40, 40)))[0];
  EXPECT_NEAR(face, 255.0 * 0.4 * std::pow(128.0 / 255.0, 1.5), 2.0);
  EXPECT_GT(corner, 250.0) << "1.6 v + 70 clips for a mid-grey wall";
}

class LowLightDetector : public ::testing::Test {
 protected:
  void SetUp() override {
    obamas_ = test::samplePath("obamas.jpg").string();
    if (!std::filesystem::exists(obamas_)) GTEST_SKIP() << "missing " << obamas_ << " (set FACEFILTER_DATA)";
    auto image = readImageFile(obamas_);
    ASSERT_TRUE(image.ok()) << image.error().message;
    cv::cvtColor(image.value(), gray_, cv::COLOR_BGR2GRAY);
  }
  static std::vector<Detection> detect(const cv::Mat& gray, double lowLightBelow) {
    DetectorParams p;
    p.lowLightBelow = lowLightBelow;
    p.rolledPasses = false;
    p.profilePasses = false;
    auto d = FaceDetector::create(p);
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d->detect(gray);
  }
  std::string obamas_;
  cv::Mat gray_;
};

// Darker than the eval's dim room: a tenth of the light through gamma 2, noise sigma 5.
cv::Mat veryDim(const cv::Mat& gray) {
  cv::Mat f;
  gray.convertTo(f, CV_32F, 1.0 / 255.0);
  cv::pow(f, 2.0, f);
  f *= 0.1 * 255.0;
  cv::Mat noise(f.size(), CV_32F);
  cv::RNG rng(12);
  rng.fill(noise, cv::RNG::NORMAL, 0.0, 5.0);
  cv::Mat out;
  cv::Mat(f + noise).convertTo(out, CV_8U);
  return out;
}

TEST_F(LowLightDetector, ADimFrameIsSearchedOnALiftedCopy) {
  const cv::Mat dark = veryDim(gray_);
  ASSERT_LT(cv::mean(dark)[0], 20.0);
  const cv::Mat before = dark.clone();
  const auto plain = detect(dark, 0);
  const auto lifted = detect(dark, DetectorParams{}.lowLightBelow);
  EXPECT_EQ(lifted.size(), 2u) << "both faces in the dark";
  EXPECT_LT(plain.size(), lifted.size()) << "the plain copy loses faces that the lifted one finds";
  EXPECT_EQ(cv::norm(dark, before, cv::NORM_INF), 0.0) << "the frame is shared with the CNN and the renderer";
}

// A small frame (a photo, a thumbnail) is cheap to search, so where it is dim the lifted copy is also
// enlarged until its smallest faces span 1.6 cascade windows and scanned with the finer pyramid step: faces
// near the smallest size gather too few agreeing windows in the noise otherwise.
TEST_F(LowLightDetector, ASmallDimFrameFindsFacesNearTheSmallestSize) {
  cv::Mat small;
  cv::resize(gray_, small, cv::Size(), 0.2, 0.2, cv::INTER_AREA);  // faces of about 35 px, the minimum 30
  const cv::Mat dark = veryDim(small);
  ASSERT_LT(cv::mean(dark)[0], 20.0);
  const auto plain = detect(dark, 0);
  const auto lifted = detect(dark, DetectorParams{}.lowLightBelow);
  EXPECT_EQ(lifted.size(), 2u) << "both faces in the dark";
  for (const Detection& d : lifted) {
    EXPECT_GE(d.box.width, 25.f);
    EXPECT_LE(d.box.width, 50.f);
    EXPECT_GE(d.box.x, 0.f);
    EXPECT_LE(d.box.x + d.box.width, static_cast<float>(dark.cols) + 1) << "boxes in frame pixels";
  }
  EXPECT_LT(plain.size(), lifted.size());
}

TEST_F(LowLightDetector, NormalLightKeepsThePlainSearch) {
  ASSERT_GT(cv::mean(gray_)[0], DetectorParams{}.lowLightBelow);
  const auto plain = detect(gray_, 0);
  const auto lifted = detect(gray_, DetectorParams{}.lowLightBelow);
  ASSERT_EQ(plain.size(), lifted.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(plain[i].box, lifted[i].box);
    EXPECT_EQ(plain[i].score, lifted[i].score);
  }
}

TEST(LowLightParams, TheLevelIsValidated) {
  DetectorParams p;
  p.lowLightBelow = -1;
  EXPECT_FALSE(validate(p).ok());
  p.lowLightBelow = 300;
  EXPECT_FALSE(validate(p).ok());
  p.lowLightBelow = 0;
  EXPECT_TRUE(validate(p).ok()) << "0 turns the lift off";
}

std::string metadataWith(const std::string& lightGain) {
  return R"({"format": "facefilter-keypoints", "format_version": 1,
    "input": {"width": 96, "height": 96, "channels": 1, "scale": 0.00392156862745098, "mean": [0.5], "std": [0.25])" +
         (lightGain.empty() ? std::string() : ", \"light_gain\": " + lightGain) + R"(},
    "output": {"points": 68, "layout": "ibug68", "x_scale": 48, "x_offset": 48, "y_scale": 48, "y_offset": 48},
    "crop": {"reference": "face_box", "size": 1.35, "center_x": 0, "center_y": 0.12},
    "box_from_points": {"size": 1.1, "center_x": 0, "center_y": -0.18}})";
}

TEST(ModelLightGain, ParsedWhereGivenAndOffWhereNot) {
  auto off = parseModelMetadata(metadataWith(""), "m.pt");
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_FALSE(off->lightGain.enabled);
  auto on = parseModelMetadata(metadataWith(R"({"target_mean": 70, "max_gain": 8, "region": 0.5})"), "m.pt");
  ASSERT_TRUE(on.ok()) << on.error().message;
  EXPECT_TRUE(on->lightGain.enabled);
  EXPECT_EQ(on->lightGain.targetMean, 70);
  EXPECT_EQ(on->lightGain.maxGain, 8);
  EXPECT_EQ(on->lightGain.region, 0.5);
  EXPECT_FALSE(on->lightGain.mirrorAverage) << "no mirror where the key is absent";
  for (const bool mirror : {true, false}) {
    auto m = parseModelMetadata(
        metadataWith(std::string(R"({"target_mean": 70, "max_gain": 8, "region": 0.5, "mirror_average": )") +
                     (mirror ? "true" : "false") + "}"),
        "m.pt");
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->lightGain.mirrorAverage, mirror);
  }
}

TEST(ModelLightGain, BadValuesAreErrorsNamingTheKey) {
  for (const char* bad :
       {R"({"target_mean": 0, "max_gain": 8, "region": 0.5})",
        R"({"target_mean": 70, "max_gain": 0.5, "region": 0.5})",
        R"({"target_mean": 70, "max_gain": 8, "region": 1.5})", R"({"target_mean": 70, "max_gain": 8})",
        R"({"target_mean": 70, "max_gain": 8, "region": 0.5, "mirror_average": 1})"}) {
    auto m = parseModelMetadata(metadataWith(bad), "bad.pt");
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_NE(m.error().message.find("light_gain"), std::string::npos) << m.error().message;
    EXPECT_NE(m.error().message.find("bad.pt"), std::string::npos) << m.error().message;
  }
}

// input.light_gain.mirror_average (the shipped model asks for it): a dim crop's prediction is the mean of the
// net's on the crop and, mapped back, on its mirror image. So the mirrored frame, cropped at the mirrored
// window, gives exactly the mirrored points (at one input pixel per frame pixel the two crops are each
// other's mirror images, pixel for pixel); without the mirror (a bright crop) the net alone is not that
// symmetric.
TEST(ModelMirrorAverage, ADimCropsPointsMirrorWithTheFrame) {
  const std::string path = defaultModelPath();
  if (path.empty()) GTEST_SKIP() << "no shipped model found";
  auto model = KeypointModel::load(path, ComputeDevice::kCpu);
  ASSERT_TRUE(model.ok()) << model.error().message;
  const ModelMetadata& m = model->metadata();
  if (!m.lightGain.mirrorAverage) GTEST_SKIP() << "the shipped model asks for no mirror average";
  // A face-like pattern: smooth blobs, brighter in the middle, deliberately not symmetric.
  cv::RNG rng(5);
  cv::Mat noise(200, 260, CV_8UC1);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
  cv::Mat bright;
  cv::GaussianBlur(noise, bright, cv::Size(0, 0), 5);
  cv::normalize(bright, bright, 40, 230, cv::NORM_MINMAX);
  const int side = m.inputWidth;  // one input pixel per frame pixel
  const CropWindow crop{70.f, 50.f, static_cast<float>(side)};
  // The mirrored window: frame x -> W - x in continuous coordinates, so the left edge moves to W - x0 - side.
  const CropWindow mirroredCrop{static_cast<float>(bright.cols - 70 - side), 50.f, static_cast<float>(side)};
  const auto asymmetry = [&](const cv::Mat& frame) {
    cv::Mat mirrored;
    cv::flip(frame, mirrored, 1);
    auto a = model->predict(frame, {crop});
    auto b = model->predict(mirrored, {mirroredCrop});
    EXPECT_TRUE(a.ok() && b.ok());
    if (!a.ok() || !b.ok()) return 1e9;
    double worst = 0;
    for (int k = 0; k < kNumKeypoints; ++k) {
      const cv::Point2f p = a.value()[0][static_cast<size_t>(k)];
      const cv::Point2f q = b.value()[0][static_cast<size_t>(kMirroredKeypoint[static_cast<size_t>(k)])];
      worst = std::max({worst, std::abs(static_cast<double>(frame.cols) - q.x - p.x),
                        std::abs(static_cast<double>(q.y - p.y))});
    }
    return worst;
  };
  cv::Mat dim;
  bright.convertTo(dim, CV_8U, 0.2);
  ASSERT_LT(cv::mean(dim(crop.rect()))[0], m.lightGain.targetMean) << "the dim crop gets a gain";
  ASSERT_GT(cv::mean(bright(crop.rect()))[0], m.lightGain.targetMean) << "the bright one none";
  EXPECT_LT(asymmetry(dim), 1e-3) << "frame pixels";
  EXPECT_GT(asymmetry(bright), 0.05) << "the net alone is not mirror-symmetric, so the test can fail";
}

}  // namespace
}  // namespace facefilter
