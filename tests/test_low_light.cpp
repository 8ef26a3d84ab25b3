// Faces in a dim room: the evaluation's synthetic lighting (engine/eval/photometric.hpp), the detector's
// lifted copy of dim frames, and the model's optional input.light_gain. The accuracy targets themselves are
// measured by `facefilter-cli eval --photometric dim` in test_eval_accuracy.

#include <cmath>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "engine/capture/image_source.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/eval/photometric.hpp"
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
}

TEST(ModelLightGain, BadValuesAreErrorsNamingTheKey) {
  for (const char* bad :
       {R"({"target_mean": 0, "max_gain": 8, "region": 0.5})",
        R"({"target_mean": 70, "max_gain": 0.5, "region": 0.5})",
        R"({"target_mean": 70, "max_gain": 8, "region": 1.5})", R"({"target_mean": 70, "max_gain": 8})"}) {
    auto m = parseModelMetadata(metadataWith(bad), "bad.pt");
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_NE(m.error().message.find("light_gain"), std::string::npos) << m.error().message;
    EXPECT_NE(m.error().message.find("bad.pt"), std::string::npos) << m.error().message;
  }
}

}  // namespace
}  // namespace facefilter
