// The same image and face box through the Python preprocessing + model (training/predict.py) and
// through the C++ engine give the same keypoints within 0.5 px.

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/capture/image_source.hpp"
#include "engine/core/data_dir.hpp"
#include "engine/keypoints/keypoint_model.hpp"

namespace facefilter {
namespace {

constexpr double kParityTolerancePx = 0.5;

std::string runCommand(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  return out;
}

// Parses {"keypoints": [[x, y], ...]} as printed by predict.py.
std::vector<cv::Point2f> parsePoints(const std::string& json) {
  std::vector<cv::Point2f> points;
  const size_t start = json.find("[[");
  if (start == std::string::npos) return points;
  std::string body = json.substr(start);
  for (char& c : body) {
    if (c == '[' || c == ']' || c == ',' || c == '}') c = ' ';
  }
  std::istringstream in(body);
  float x = 0, y = 0;
  while (in >> x >> y) points.emplace_back(x, y);
  return points;
}

// fromDetector: the box is a detector's, so a two-stage model runs its detector-box stage on both sides.
void expectParity(const std::string& modelPath, const std::string& imagePath, const cv::Rect2f& box,
                  bool fromDetector = false) {
  auto model = KeypointModel::load(modelPath, ComputeDevice::kCpu);
  ASSERT_TRUE(model.ok()) << model.error().message;
  auto image = readImageFile(imagePath);
  ASSERT_TRUE(image.ok()) << image.error().message;
  cv::Mat gray;
  cv::cvtColor(image.value(), gray, cv::COLOR_BGR2GRAY);
  auto cpp = model->predict(model->metadata().channels == 1 ? gray : image.value(), {model->cropFor(box)},
                            {fromDetector});
  ASSERT_TRUE(cpp.ok()) << cpp.error().message;

  char boxArg[128];
  std::snprintf(boxArg, sizeof(boxArg), "%.4f,%.4f,%.4f,%.4f", box.x, box.y, box.width, box.height);
  const std::string command = std::string(FACEFILTER_TEST_PYTHON) + " " + FACEFILTER_TEST_SOURCE_DIR +
                              "/training/predict.py --model '" + modelPath + "' --image '" + imagePath +
                              "' --box=" + boxArg + (fromDetector ? " --detector-box" : "") + " 2>&1";
  const std::string output = runCommand(command);
  const std::vector<cv::Point2f> py = parsePoints(output);
  ASSERT_EQ(py.size(), 68u) << "predict.py said: " << output;

  double worst = 0;
  for (size_t i = 0; i < py.size(); ++i) {
    const cv::Point2f d = py[i] - cpp.value()[0][i];
    worst = std::max(worst, static_cast<double>(std::sqrt(d.x * d.x + d.y * d.y)));
  }
  EXPECT_LE(worst, kParityTolerancePx) << "largest Python/C++ keypoint difference for " << modelPath;
  ::testing::Test::RecordProperty("max_difference_px", std::to_string(worst));
}

// A synthetic face-like image, so that the parity check needs no data folder.
std::string syntheticImage() {
  // One file per process: CTest runs the test cases of this file in parallel.
  const std::string path =
      (std::filesystem::temp_directory_path() / ("facefilter_parity_" + std::to_string(::getpid()) + ".png"))
          .string();
  cv::Mat img(300, 400, CV_8UC3, cv::Scalar(40, 80, 120));
  cv::ellipse(img, cv::Point(200, 150), cv::Size(70, 95), 0, 0, 360, cv::Scalar(150, 170, 210), cv::FILLED);
  cv::circle(img, cv::Point(172, 130), 9, cv::Scalar(30, 30, 30), cv::FILLED);
  cv::circle(img, cv::Point(228, 130), 9, cv::Scalar(30, 30, 30), cv::FILLED);
  cv::ellipse(img, cv::Point(200, 200), cv::Size(28, 10), 0, 0, 180, cv::Scalar(40, 40, 140), 4);
  cv::imwrite(path, img);
  return path;
}

TEST(Parity, TestModelOnSyntheticImage) {
  expectParity(FACEFILTER_TEST_MODEL, syntheticImage(), cv::Rect2f(125.5f, 60.25f, 150.f, 150.f));
}

TEST(Parity, TestModelWithCropOutsideTheImage) {
  // The crop reaches past the border: both sides must replicate the border identically.
  expectParity(FACEFILTER_TEST_MODEL, syntheticImage(), cv::Rect2f(-30.f, -20.f, 160.f, 160.f));
}

TEST(Parity, TwoStageTestModelBothStages) {
  const std::string image = syntheticImage();
  for (bool fromDetector : {false, true}) {
    SCOPED_TRACE(fromDetector ? "detector-box stage" : "forward()");
    expectParity(FACEFILTER_TEST_MODEL_TWO_STAGE, image, cv::Rect2f(125.5f, 60.25f, 150.f, 150.f),
                 fromDetector);
  }
}

TEST(Parity, ShippedModelOnSamplePhoto) {
  const std::string model = std::string(FACEFILTER_TEST_SOURCE_DIR) + "/assets/models/ffnet.pt";
  if (!std::filesystem::exists(model)) GTEST_SKIP() << "no shipped model at " << model;
  const std::string image = defaultDataDir() + "/samples/obamas.jpg";
  if (!std::filesystem::exists(image))
    GTEST_SKIP() << "sample image missing: " << image << " (set FACEFILTER_DATA)";
  for (bool fromDetector : {false, true}) {  // both stages, where the file has two
    SCOPED_TRACE(fromDetector ? "detector box" : "box from keypoints");
    expectParity(model, image, cv::Rect2f(174.f, 71.f, 180.f, 180.f), fromDetector);
    expectParity(model, image, cv::Rect2f(370.f, 141.f, 165.f, 165.f), fromDetector);
  }
}

// A photo at a sixth of its light: the face crop is darker than the shipped model's input.light_gain target,
// so both sides brighten it before normalising (docs/model-format.md, preprocessing step 4).
TEST(Parity, ShippedModelOnADimPhoto) {
  const std::string model = std::string(FACEFILTER_TEST_SOURCE_DIR) + "/assets/models/ffnet.pt";
  if (!std::filesystem::exists(model)) GTEST_SKIP() << "no shipped model at " << model;
  const std::string photo = defaultDataDir() + "/samples/obamas.jpg";
  if (!std::filesystem::exists(photo))
    GTEST_SKIP() << "sample image missing: " << photo << " (set FACEFILTER_DATA)";
  auto loaded = KeypointModel::load(model, ComputeDevice::kCpu);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  if (!loaded->metadata().lightGain.enabled) GTEST_SKIP() << "the shipped model asks for no light gain";
  const cv::Mat bright = cv::imread(photo);
  ASSERT_FALSE(bright.empty());
  cv::Mat dim;
  bright.convertTo(dim, CV_8U, 1.0 / 6.0);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("facefilter_parity_dim_" + std::to_string(::getpid()) + ".png"))
                               .string();
  ASSERT_TRUE(cv::imwrite(path, dim));
  for (bool fromDetector : {false, true}) {
    SCOPED_TRACE(fromDetector ? "detector box" : "box from keypoints");
    expectParity(model, path, cv::Rect2f(174.f, 71.f, 180.f, 180.f), fromDetector);
    expectParity(model, path, cv::Rect2f(370.f, 141.f, 165.f, 165.f), fromDetector);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace facefilter
