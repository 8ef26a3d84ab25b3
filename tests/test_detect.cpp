// engine/detect: the Haar face detector's factory, parameter checks and results on real photographs.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/detect/face_detector.hpp"
#include "engine/keypoints/face_crop.hpp"
#include "test_support.hpp"

namespace facefilter {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

cv::Mat loadGray(const std::string& path) {
  cv::Mat gray = cv::imread(path, cv::IMREAD_GRAYSCALE);
  EXPECT_FALSE(gray.empty()) << "cannot read " << path;
  return gray;
}

FaceDetector makeDetector(const DetectorParams& params = {}) {
  auto d = FaceDetector::create(params);
  if (!d.ok()) throw std::runtime_error(d.error().message);
  return std::move(d).value();
}

std::vector<Detection> sortedByX(std::vector<Detection> d) {
  std::sort(d.begin(), d.end(), [](const Detection& a, const Detection& b) { return a.box.x < b.box.x; });
  return d;
}

void expectInside(const std::vector<Detection>& dets, const cv::Mat& image) {
  for (const auto& d : dets) {
    EXPECT_GE(d.box.x, 0);
    EXPECT_GE(d.box.y, 0);
    EXPECT_LE(d.box.x + d.box.width, image.cols + 0.5f);
    EXPECT_LE(d.box.y + d.box.height, image.rows + 0.5f);
    EXPECT_GT(d.box.width, 0);
    EXPECT_NEAR(d.box.width, d.box.height, 1.0f) << "Haar boxes are square";
  }
}

class DetectorOnSamples : public ::testing::Test {
 protected:
  void SetUp() override {
    obamas_ = test::samplePath("obamas.jpg").string();
    beatles_ = test::samplePath("the_beatles.jpg").string();
  }
  std::string obamas_, beatles_;
};

// ---------------------------------------------------------------------------------------------
// Factory and parameters

TEST(FaceDetector, DefaultCascadeLoads) {
  auto d = FaceDetector::create({});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->params().cascadePath, kDefaultCascadePath);
}

TEST(FaceDetector, MissingCascadeIsAnErrorNamingTheFile) {
  DetectorParams p;
  p.cascadePath = "/nonexistent/cascade.xml";
  auto d = FaceDetector::create(p);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.error().message, HasSubstr("/nonexistent/cascade.xml"));
  EXPECT_THAT(d.error().message, HasSubstr("does not exist"));
}

TEST(FaceDetector, NonCascadeFilesAreErrors) {
  TempDir dir;
  const std::string storage = dir.file("storage.xml");  // valid OpenCV XML, but no cascade in it
  test::writeFile(storage,
                  "<?xml version=\"1.0\"?>\n<opencv_storage>\n<answer>42</answer>\n</opencv_storage>\n");
  const std::string html = dir.file("page.xml");  // XML of another kind
  test::writeFile(html, "<?xml version=\"1.0\"?>\n<html><body>hello</body></html>\n");
  const std::string garbage = dir.file("garbage.xml");
  test::writeFile(garbage, std::string("\x89PNG\r\n\x1a\n binary junk \x01\x02\x03", 24));
  const std::string empty = dir.file("empty.xml");
  test::writeFile(empty, "");
  for (const std::string& path : {storage, html, garbage, empty}) {
    DetectorParams p;
    p.cascadePath = path;
    auto d = FaceDetector::create(p);
    ASSERT_FALSE(d.ok()) << path << " was accepted as a cascade";
    EXPECT_THAT(d.error().message, HasSubstr(path));
    EXPECT_THAT(d.error().message, HasSubstr("not a valid OpenCV cascade"));
  }
}

TEST(FaceDetector, ValidateAcceptsDefaultsAndRejectsBadValues) {
  EXPECT_TRUE(validate(DetectorParams{}).ok());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    const char* name;
    void (*apply)(DetectorParams&, double);
    double value;
    const char* mentions;
  };
  const Case cases[] = {
      {"scale factor 1", [](DetectorParams& p, double v) { p.scaleFactor = v; }, 1.0, "scale factor"},
      {"scale factor 2.5", [](DetectorParams& p, double v) { p.scaleFactor = v; }, 2.5, "scale factor"},
      {"scale factor NaN", [](DetectorParams& p, double v) { p.scaleFactor = v; }, nan, "scale factor"},
      {"min neighbours -1", [](DetectorParams& p, double v) { p.minNeighbors = static_cast<int>(v); }, -1,
       "neighbours"},
      {"min neighbours 101", [](DetectorParams& p, double v) { p.minNeighbors = static_cast<int>(v); }, 101,
       "neighbours"},
      {"min size -1", [](DetectorParams& p, double v) { p.minSizePx = static_cast<int>(v); }, -1, "min size"},
      {"min size fraction 1.5", [](DetectorParams& p, double v) { p.minSizeFraction = v; }, 1.5, "fraction"},
      {"min size fraction NaN", [](DetectorParams& p, double v) { p.minSizeFraction = v; }, nan, "fraction"},
      {"max size -1", [](DetectorParams& p, double v) { p.maxSizePx = static_cast<int>(v); }, -1, "max size"},
      {"max size below min", [](DetectorParams& p, double v) { p.maxSizePx = static_cast<int>(v); }, 10,
       "max size"},
      {"detect scale 0", [](DetectorParams& p, double v) { p.detectScale = v; }, 0.0, "detection scale"},
      {"detect scale 1.5", [](DetectorParams& p, double v) { p.detectScale = v; }, 1.5, "detection scale"},
      {"detect scale NaN", [](DetectorParams& p, double v) { p.detectScale = v; }, nan, "detection scale"},
  };
  for (const Case& c : cases) {
    DetectorParams p;
    c.apply(p, c.value);
    const Status s = validate(p);
    ASSERT_FALSE(s.ok()) << c.name << " was accepted";
    EXPECT_THAT(s.error().message, HasSubstr(c.mentions)) << c.name;
    auto d = FaceDetector::create(p);
    EXPECT_FALSE(d.ok()) << "create() must validate too: " << c.name;
  }
  DetectorParams edge;
  edge.scaleFactor = 2.0;
  edge.minNeighbors = 0;
  edge.minSizePx = 0;
  edge.minSizeFraction = 0;
  edge.maxSizePx = 0;
  edge.detectScale = 1.0;
  EXPECT_TRUE(validate(edge).ok()) << "the ends of the ranges are allowed";
}

TEST(FaceDetector, EmptyOrWrongTypeInputGivesNoFaces) {
  FaceDetector d = makeDetector();
  EXPECT_TRUE(d.detect(cv::Mat()).empty());
  EXPECT_TRUE(d.detect(cv::Mat(100, 100, CV_8UC3, cv::Scalar::all(128))).empty()) << "BGR is not accepted";
  EXPECT_TRUE(d.detect(cv::Mat(200, 200, CV_8UC1, cv::Scalar::all(128))).empty())
      << "a flat image has no face";
}

// ---------------------------------------------------------------------------------------------
// Real photographs

TEST_F(DetectorOnSamples, ObamasHasTwoFaces) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  const cv::Mat gray = loadGray(obamas_);
  const auto faces = sortedByX(makeDetector().detect(gray));
  ASSERT_EQ(faces.size(), 2u);
  expectInside(faces, gray);
  EXPECT_LT(iou(faces[0].box, faces[1].box), 0.01f) << "two different faces";
  for (const auto& f : faces) {
    EXPECT_GT(f.box.width, 0.1f * static_cast<float>(gray.rows)) << "faces in this portrait are large";
  }
}

TEST_F(DetectorOnSamples, BeatlesHasFourFaces) {
  FACEFILTER_SKIP_IF_MISSING(beatles_);
  const cv::Mat gray = loadGray(beatles_);
  const auto faces = sortedByX(makeDetector().detect(gray));
  ASSERT_EQ(faces.size(), 4u);
  expectInside(faces, gray);
  for (size_t i = 0; i + 1 < faces.size(); ++i) EXPECT_LT(iou(faces[i].box, faces[i + 1].box), 0.01f);
}

TEST_F(DetectorOnSamples, SearchAroundAFaceFindsItInFramePixels) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  const cv::Mat gray = loadGray(obamas_);
  const FaceDetector det = makeDetector();
  const auto full = sortedByX(det.detect(gray));
  ASSERT_EQ(full.size(), 2u);
  for (const auto& face : full) {
    SCOPED_TRACE(face.box.x);
    const float side = face.box.width;
    const cv::Rect2f region(face.box.x - side / 2, face.box.y - side / 2, 2 * side, 2 * side);
    const auto found = det.detectIn(gray, region, 0.6f * side, 1.6f * side);
    ASSERT_EQ(found.size(), 1u) << "only the face in the region";
    EXPECT_GT(iou(found[0].box, face.box), 0.6f) << "the box comes back in frame pixels";
    expectInside(found, gray);
  }
  // A region without a face, one outside the frame, and sizes that cannot be a face give nothing.
  EXPECT_TRUE(det.detectIn(gray, cv::Rect2f(0, 300, 150, 150), 60, 150).empty());
  EXPECT_TRUE(det.detectIn(gray, cv::Rect2f(-500, -500, 200, 200), 60, 150).empty());
  EXPECT_TRUE(det.detectIn(gray, cv::Rect2f(0, 0, 759, 500), 0, 150).empty());
  EXPECT_TRUE(det.detectIn(gray, cv::Rect2f(0, 0, 759, 500), 150, 100).empty());
  EXPECT_TRUE(det.detectIn(cv::Mat(), cv::Rect2f(0, 0, 759, 500), 60, 150).empty());
}

// The photo turned by `deg` (cv::getRotationMatrix2D's sense) on a canvas large enough to hold it; `m` gets
// the map from the photo to the canvas.
cv::Mat turnedPhoto(const cv::Mat& gray, double deg, cv::Matx23d& m) {
  const int side = static_cast<int>(std::ceil(std::hypot(gray.cols, gray.rows)));
  cv::Mat r = cv::getRotationMatrix2D(cv::Point2f(gray.cols / 2.f, gray.rows / 2.f), deg, 1.0);
  r.at<double>(0, 2) += (side - gray.cols) / 2.0;
  r.at<double>(1, 2) += (side - gray.rows) / 2.0;
  m = cv::Matx23d(r);
  cv::Mat out;
  cv::warpAffine(gray, out, r, cv::Size(side, side), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(128));
  return out;
}

cv::Point2f mapped(const cv::Matx23d& m, cv::Point2f p) {
  return {static_cast<float>(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2)),
          static_cast<float>(m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2))};
}

// Faces rolled 45 degrees either way: the upright scan misses them, the turned passes find each with its
// roll, and the box is centred on the face in frame pixels.
TEST_F(DetectorOnSamples, TurnedPassesFindRolledFacesWithTheirAngle) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  const cv::Mat gray = loadGray(obamas_);
  const FaceDetector det = makeDetector();
  const auto upright = sortedByX(det.detect(gray));
  ASSERT_EQ(upright.size(), 2u);
  for (double deg : {45.0, -45.0}) {
    SCOPED_TRACE(deg);
    cv::Matx23d m;
    const cv::Mat turned = turnedPhoto(gray, deg, m);
    EXPECT_TRUE(det.detect(turned).empty()) << "the frontal cascade does not reach 45 degrees";
    const auto found = det.detectAllPasses(turned);
    // getRotationMatrix2D turns counter-clockwise on screen: an image-coordinate roll of -deg.
    const float roll = static_cast<float>(-deg * CV_PI / 180);
    for (const auto& face : upright) {
      const cv::Point2f c = mapped(m, {face.box.x + face.box.width / 2, face.box.y + face.box.height / 2});
      const Detection* hit = nullptr;
      for (const auto& d : found) {
        const cv::Point2f dc(d.box.x + d.box.width / 2, d.box.y + d.box.height / 2);
        if (cv::norm(dc - c) < 0.25 * face.box.width) hit = &d;
      }
      ASSERT_NE(hit, nullptr) << "the face at " << c;
      EXPECT_LT(angleDistance(hit->angle, roll), static_cast<float>(20 * CV_PI / 180)) << hit->angle;
      EXPECT_NEAR(hit->box.width, face.box.width, 0.25f * face.box.width);
    }
    // Turned about a tracked face, the region search finds it too.
    const cv::Point2f c = mapped(
        m, {upright[0].box.x + upright[0].box.width / 2, upright[0].box.y + upright[0].box.height / 2});
    const float side = upright[0].box.width;
    const auto again = det.detectIn(turned, cv::Rect2f(c.x - side, c.y - side, 2 * side, 2 * side),
                                    0.6f * side, 1.6f * side, roll);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_FLOAT_EQ(again[0].angle, roll);
    EXPECT_LT(cv::norm(again[0].box.tl() + cv::Point2f(again[0].box.width / 2, again[0].box.height / 2) - c),
              0.2 * side);
  }
}

TEST_F(DetectorOnSamples, PassesCanBeTurnedOffAndMergeOverlaps) {
  FACEFILTER_SKIP_IF_MISSING(beatles_);
  const cv::Mat gray = loadGray(beatles_);
  DetectorParams none;
  none.rolledPasses = none.profilePasses = false;
  EXPECT_TRUE(makeDetector(none).extraPasses().empty());
  EXPECT_EQ(makeDetector(none).detectAllPasses(gray).size(), 4u);
  // Every pass on the upright photo: the same four faces, each once (overlaps across passes merged).
  const auto all = makeDetector().detectAllPasses(gray);
  EXPECT_EQ(makeDetector().extraPasses().size(), 6u);
  size_t frontal = 0;
  for (const auto& d : all) frontal += d.angle == 0.f ? 1 : 0;
  EXPECT_GE(frontal, 4u);
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = i + 1; j < all.size(); ++j) EXPECT_LE(iou(all[i].box, all[j].box), 0.3f);
  }
  // mergePasses keeps the frontal face over an overlapping profile one, whatever their scores.
  const std::vector<Detection> merged = FaceDetector::mergePasses(
      {{cv::Rect2f(0, 0, 100, 100), 1.f, 0.f}, {cv::Rect2f(5, 5, 100, 100), 9.f, 0.f}}, 1);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].score, 1.f);
}

TEST(FaceDetector, MissingProfileCascadeIsAnErrorOnlyWhenProfilePassesAreOn) {
  DetectorParams p;
  p.profileCascadePath = "/nonexistent/profile.xml";
  auto d = FaceDetector::create(p);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.error().message, HasSubstr("profile passes"));
  EXPECT_THAT(d.error().message, HasSubstr("/nonexistent/profile.xml"));
  p.profilePasses = false;
  EXPECT_TRUE(FaceDetector::create(p).ok());
  p.extraPassesPerFrame = 7;
  EXPECT_FALSE(validate(p).ok());
}

TEST_F(DetectorOnSamples, EqualisationLeavesTheCallersFrameAlone) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  const cv::Mat gray = loadGray(obamas_);
  const cv::Mat before = gray.clone();
  DetectorParams p;
  p.equalizeHistogram = true;
  p.downscale = DetectDownscale::kOff;
  EXPECT_EQ(makeDetector(p).detect(gray).size(), 2u);
  EXPECT_EQ(cv::norm(gray, before, cv::NORM_INF), 0.0) << "the frame is shared with the CNN and the renderer";
}

TEST_F(DetectorOnSamples, HalfScaleGivesFullFrameBoxes) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  const cv::Mat gray = loadGray(obamas_);
  const auto full = sortedByX(makeDetector().detect(gray));
  DetectorParams half;
  half.detectScale = 0.5;
  const auto scaled = sortedByX(makeDetector(half).detect(gray));
  ASSERT_EQ(full.size(), 2u);
  ASSERT_EQ(scaled.size(), full.size());
  for (size_t i = 0; i < full.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_GT(iou(full[i].box, scaled[i].box), 0.7f) << "boxes come back in full-frame pixels";
    const float tol = 0.1f * full[i].box.width;
    EXPECT_NEAR(scaled[i].box.x + scaled[i].box.width / 2, full[i].box.x + full[i].box.width / 2, tol);
    EXPECT_NEAR(scaled[i].box.y + scaled[i].box.height / 2, full[i].box.y + full[i].box.height / 2, tol);
    EXPECT_NEAR(scaled[i].box.width, full[i].box.width, 0.15f * full[i].box.width);
  }
}

TEST_F(DetectorOnSamples, BeatlesAtHalfScaleFindsTheSameFaces) {
  FACEFILTER_SKIP_IF_MISSING(beatles_);
  const cv::Mat gray = loadGray(beatles_);
  const auto full = makeDetector().detect(gray);
  ASSERT_EQ(full.size(), 4u);
  DetectorParams half;
  half.detectScale = 0.5;
  const auto scaled = makeDetector(half).detect(gray);
  expectInside(scaled, gray);
  for (const auto& f : full) {
    float best = 0;
    for (const auto& s : scaled) best = std::max(best, iou(f.box, s.box));
    EXPECT_GT(best, 0.7f) << "face at " << f.box << " has no half-scale match in full-frame pixels";
  }
}

TEST_F(DetectorOnSamples, SetParamsTakesEffectOnTheNextDetect) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  const cv::Mat gray = loadGray(obamas_);
  FaceDetector d = makeDetector();
  ASSERT_EQ(d.detect(gray).size(), 2u);
  const float faceSide = d.detect(gray)[0].box.width;

  // Faces larger than the maximum size are not reported.
  DetectorParams small;
  small.minSizePx = 20;
  small.maxSizePx = static_cast<int>(faceSide / 3);
  ASSERT_TRUE(d.setParams(small).ok());
  EXPECT_EQ(d.params().maxSizePx, small.maxSizePx);
  for (const auto& f : d.detect(gray)) EXPECT_LE(f.box.width, static_cast<float>(small.maxSizePx) + 1);

  // A minimum size above the faces' size finds nothing.
  DetectorParams large;
  large.minSizePx = static_cast<int>(faceSide * 2);
  ASSERT_TRUE(d.setParams(large).ok());
  EXPECT_TRUE(d.detect(gray).empty());

  // Bad parameters are refused and the previous ones stay in force.
  DetectorParams bad;
  bad.scaleFactor = 0.9;
  EXPECT_FALSE(d.setParams(bad).ok());
  EXPECT_EQ(d.params().minSizePx, large.minSizePx);
  EXPECT_TRUE(d.detect(gray).empty());

  DetectorParams missingCascade;
  missingCascade.cascadePath = "/nonexistent/other.xml";
  const Status s = d.setParams(missingCascade);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("/nonexistent/other.xml"));
  EXPECT_EQ(d.params().cascadePath, kDefaultCascadePath);

  ASSERT_TRUE(d.setParams(DetectorParams{}).ok());
  EXPECT_EQ(d.detect(gray).size(), 2u) << "back to the defaults";
}

TEST_F(DetectorOnSamples, MinScoreFiltersByLevelWeight) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  const cv::Mat gray = loadGray(obamas_);
  FaceDetector d = makeDetector();
  const auto faces = d.detect(gray);
  ASSERT_EQ(faces.size(), 2u);
  const float lowest = std::min(faces[0].score, faces[1].score);
  const float highest = std::max(faces[0].score, faces[1].score);
  DetectorParams p;
  p.minScore = (lowest + highest) / 2;
  if (lowest == highest) GTEST_SKIP() << "both faces have the same score";
  ASSERT_TRUE(d.setParams(p).ok());
  const auto kept = d.detect(gray);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_FLOAT_EQ(kept[0].score, highest);
}

TEST_F(DetectorOnSamples, AnotherCascadeCanBeLoadedBySetParams) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  const std::string alt = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml";
  if (!std::filesystem::exists(alt)) GTEST_SKIP() << "missing " << alt;
  FaceDetector d = makeDetector();
  DetectorParams p;
  p.cascadePath = alt;
  ASSERT_TRUE(d.setParams(p).ok());
  EXPECT_EQ(d.params().cascadePath, alt);
  EXPECT_EQ(d.detect(loadGray(obamas_)).size(), 2u);
}

}  // namespace
}  // namespace facefilter
