// engine/detect/haar_cascade: our vectorised scan must find exactly the windows OpenCV's CascadeClassifier
// finds (same positions, sizes and final-stage sums) and group them into the same boxes, for every cascade
// it accepts; cascades it cannot scan are refused with the reason.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/videoio.hpp>

#include "engine/detect/face_detector.hpp"
#include "engine/detect/haar_cascade.hpp"
#include "test_support.hpp"

namespace facefilter {
namespace {

using ::testing::HasSubstr;

const std::string kCascades = "/usr/share/opencv4/haarcascades/";

// A window as both scans report it; the sum is compared exactly (same arithmetic, same order).
using Window = std::tuple<int, int, int, int, int, double>;

std::vector<Window> windows(const std::vector<cv::Rect>& boxes, const std::vector<int>& levels,
                            const std::vector<double>& weights) {
  std::vector<Window> w;
  for (size_t i = 0; i < boxes.size(); ++i) {
    w.emplace_back(boxes[i].x, boxes[i].y, boxes[i].width, boxes[i].height, levels[i], weights[i]);
  }
  std::sort(w.begin(), w.end());
  return w;
}

struct Case {
  double scaleFactor;
  int minNeighbors;  // 0: the raw windows, before grouping
  cv::Size minSize, maxSize;
};

// Runs both scans on `gray`; returns how many windows/boxes they agreed on.
size_t expectSameAsOpenCv(const std::string& cascadePath, const cv::Mat& gray, const Case& c,
                          const std::string& what) {
  cv::CascadeClassifier reference(cascadePath);
  auto ours = HaarCascade::load(cascadePath);
  EXPECT_TRUE(ours.ok()) << (ours.ok() ? "" : ours.error().message);
  if (!ours.ok()) return 0;
  std::vector<cv::Rect> boxes;
  std::vector<int> levels;
  std::vector<double> weights;
  reference.detectMultiScale(gray, boxes, levels, weights, c.scaleFactor, c.minNeighbors, 0, c.minSize,
                             c.maxSize, true);
  const HaarCascade::Hits hits = ours->detect(gray, c.scaleFactor, c.minNeighbors, c.minSize, c.maxSize);
  const auto expected = windows(boxes, levels, weights);
  const auto actual = windows(hits.boxes, hits.levels, hits.weights);
  EXPECT_EQ(actual, expected) << what << " with " << cascadePath << ", scale factor " << c.scaleFactor
                              << ", min neighbours " << c.minNeighbors << ", min size " << c.minSize
                              << ": OpenCV " << expected.size() << ", ours " << actual.size();
  return expected.size();
}

std::vector<cv::Mat> demoFrames(const std::vector<int>& indices) {
  std::vector<cv::Mat> out;
  cv::VideoCapture cap(test::kDemoClip);
  cv::Mat frame;
  for (int i = 0; cap.read(frame); ++i) {
    if (std::find(indices.begin(), indices.end(), i) == indices.end()) continue;
    cv::Mat gray;
    cv::cvtColor(frame, gray, cv::COLOR_BGR2GRAY);
    out.push_back(gray);
  }
  return out;
}

TEST(HaarCascade, SameWindowsAndBoxesAsOpenCvOnTheDemoClip) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  const auto frames = demoFrames({0, 40, 120, 200, 260});
  ASSERT_EQ(frames.size(), 5u);
  size_t raw = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    const cv::Mat& gray = frames[i];
    cv::Mat
        small;  // what FaceDetector scans by default: the frame scaled so the smallest face is 1.6 windows
    cv::resize(gray, small, cv::Size(), 0.73, 0.73, cv::INTER_AREA);
    const std::string what = "demo frame " + std::to_string(i);
    raw += expectSameAsOpenCv(kCascades + "haarcascade_frontalface_default.xml", small,
                              {1.1, 0, cv::Size(38, 38), cv::Size()}, what + " (scaled)");
    expectSameAsOpenCv(kCascades + "haarcascade_frontalface_default.xml", small,
                       {1.1, 5, cv::Size(38, 38), cv::Size()}, what + " (scaled)");
    raw += expectSameAsOpenCv(kCascades + "haarcascade_frontalface_default.xml", gray,
                              {1.1, 0, cv::Size(30, 30), cv::Size()}, what);
  }
  EXPECT_GT(raw, 100u) << "the frames should hold windows to compare";
}

TEST(HaarCascade, SameAsOpenCvForOtherSettingsAndCascades) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  const auto frames = demoFrames({80});
  ASSERT_EQ(frames.size(), 1u);
  cv::Mat small;
  cv::resize(frames[0], small, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  const std::string what = "demo frame 80 at half size";
  for (const Case& c :
       {Case{1.05, 0, cv::Size(24, 24), cv::Size()}, Case{1.25, 0, cv::Size(40, 40), cv::Size()},
        Case{1.1, 3, cv::Size(30, 30), cv::Size(120, 120)}, Case{2.0, 0, cv::Size(0, 0), cv::Size()}}) {
    expectSameAsOpenCv(kCascades + "haarcascade_frontalface_default.xml", small, c, what);
  }
  for (const char* name : {"haarcascade_frontalface_alt.xml", "haarcascade_frontalface_alt_tree.xml",
                           "haarcascade_profileface.xml", "haarcascade_eye.xml"}) {
    if (!std::filesystem::exists(kCascades + name)) continue;
    expectSameAsOpenCv(kCascades + name, small, {1.1, 0, cv::Size(24, 24), cv::Size()}, what);
    expectSameAsOpenCv(kCascades + name, small, {1.1, 4, cv::Size(24, 24), cv::Size()}, what);
  }
}

TEST(HaarCascade, SameAsOpenCvOnNoiseFlatAndOddSizedImages) {
  cv::Mat noise(203, 317, CV_8UC1);
  cv::randu(noise, 0, 256);
  cv::Mat blurred;
  cv::GaussianBlur(noise, blurred, cv::Size(0, 0), 2.0);  // texture that passes early stages
  const std::string cascade = kCascades + "haarcascade_frontalface_default.xml";
  expectSameAsOpenCv(cascade, noise, {1.1, 0, cv::Size(24, 24), cv::Size()}, "uniform noise");
  expectSameAsOpenCv(cascade, blurred, {1.1, 0, cv::Size(24, 24), cv::Size()}, "blurred noise");
  expectSameAsOpenCv(cascade, cv::Mat(100, 90, CV_8UC1, cv::Scalar(128)), {1.1, 0, cv::Size(), cv::Size()},
                     "a flat image (no variance)");
  expectSameAsOpenCv(cascade, blurred(cv::Rect(0, 0, 25, 25)).clone(), {1.1, 0, cv::Size(), cv::Size()},
                     "an image one pixel larger than the window");
  auto ours = HaarCascade::load(cascade);
  ASSERT_TRUE(ours.ok());
  EXPECT_TRUE(ours->detect(cv::Mat(20, 20, CV_8UC1, cv::Scalar(0)), 1.1, 3, {}, {}).boxes.empty())
      << "smaller than the window: nothing to scan";
  EXPECT_TRUE(ours->detect(cv::Mat(), 1.1, 3, {}, {}).boxes.empty());
  EXPECT_TRUE(ours->detect(cv::Mat(50, 50, CV_8UC3), 1.1, 3, {}, {}).boxes.empty()) << "gray images only";
}

TEST(HaarCascade, SameBoxesAsOpenCvOnTheSamplePhotos) {
  for (const char* name : {"obamas.jpg", "the_beatles.jpg"}) {
    const auto path = test::samplePath(name);
    FACEFILTER_SKIP_IF_MISSING(path);
    cv::Mat gray = cv::imread(path.string(), cv::IMREAD_GRAYSCALE);
    ASSERT_FALSE(gray.empty());
    if (gray.cols > 1000) cv::resize(gray, gray, cv::Size(), 0.25, 0.25, cv::INTER_AREA);
    const std::string cascade = kCascades + "haarcascade_frontalface_default.xml";
    EXPECT_GT(expectSameAsOpenCv(cascade, gray, {1.1, 0, cv::Size(24, 24), cv::Size()}, name), 20u);
    EXPECT_GE(expectSameAsOpenCv(cascade, gray, {1.1, 5, cv::Size(24, 24), cv::Size()}, name), 2u);
  }
}

TEST(HaarCascade, RefusesWhatItCannotScanWithTheReason) {
  auto missing = HaarCascade::load("/nonexistent/cascade.xml");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("/nonexistent/cascade.xml"));

  test::TempDir dir;
  const auto garbage = dir.path() / "garbage.xml";
  std::ofstream(garbage) << "<?xml version=\"1.0\"?>\n<opencv_storage><x>1</x></opencv_storage>\n";
  auto notCascade = HaarCascade::load(garbage.string());
  ASSERT_FALSE(notCascade.ok());
  EXPECT_THAT(notCascade.error().message, HasSubstr("not a boosted cascade"));

  const std::string lbp = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface.xml";
  if (std::filesystem::exists(lbp)) {
    auto l = HaarCascade::load(lbp);
    ASSERT_FALSE(l.ok());
    EXPECT_THAT(l.error().message, HasSubstr("not a Haar cascade"));
  }
  const std::string trees = kCascades + "haarcascade_frontalface_alt2.xml";
  if (std::filesystem::exists(trees)) {
    auto t = HaarCascade::load(trees);
    ASSERT_FALSE(t.ok());
    EXPECT_THAT(t.error().message, HasSubstr("trees"));
  }
}

TEST(HaarCascade, FaceDetectorGivesTheSameFacesWithEitherScan) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  DetectorParams opencv;
  opencv.scan = CascadeScan::kOpenCv;
  auto a = FaceDetector::create({});
  auto b = FaceDetector::create(opencv);
  ASSERT_TRUE(a.ok() && b.ok());
  size_t faces = 0;
  for (const cv::Mat& gray : demoFrames({10, 100, 190})) {
    auto key = [](const std::vector<Detection>& d) {
      std::vector<std::tuple<float, float, float, float, float>> k;
      for (const Detection& x : d) k.emplace_back(x.box.x, x.box.y, x.box.width, x.box.height, x.score);
      std::sort(k.begin(), k.end());
      return k;
    };
    const auto fast = a->detect(gray);
    EXPECT_EQ(key(fast), key(b->detect(gray)));
    faces += fast.size();
    const cv::Rect2f region(100, 50, 400, 400);
    EXPECT_EQ(key(a->detectIn(gray, region, 60, 300)), key(b->detectIn(gray, region, 60, 300)));
  }
  EXPECT_GE(faces, 3u);
}

TEST(HaarCascade, FaceDetectorUsesItWhereItCanAndOpenCvElsewhere) {
  auto d = FaceDetector::create({});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(d->vectorisedScan()) << "the default cascade is one our scan serves";
  const std::string trees = kCascades + "haarcascade_frontalface_alt2.xml";
  if (!std::filesystem::exists(trees)) GTEST_SKIP() << "missing " << trees;
  DetectorParams p;
  p.cascadePath = trees;
  ASSERT_TRUE(d->setParams(p).ok());
  EXPECT_FALSE(d->vectorisedScan()) << "a cascade of trees goes to OpenCV's scan";
  p.cascadePath = kDefaultCascadePath;
  ASSERT_TRUE(d->setParams(p).ok());
  EXPECT_TRUE(d->vectorisedScan());
  p.scan = CascadeScan::kOpenCv;
  ASSERT_TRUE(d->setParams(p).ok());
  EXPECT_FALSE(d->vectorisedScan()) << "asked for OpenCV's scan";
}

}  // namespace
}  // namespace facefilter
