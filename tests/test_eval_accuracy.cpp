// The committed models meet the accuracy targets, measured by the real command: `facefilter-cli eval
// --json` (the shipped model on the udacity test split, also in a dim room against normal light there and on
// helen-wild; the in-the-wild model on helen-wild's held-out fifth). Skips where the data folder is absent;
// CI has it. CI never trains.

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/core/data_dir.hpp"

namespace {

// Targets from the model issue (fractions of the inter-ocular distance).
constexpr double kPipelineNmeMeanMax = 0.050;
constexpr double kPipelineMissRateMax = 0.02;
constexpr double kGtBoxNmeMeanMax = 0.045;
// helen-wild's held-out fifth, the in-the-wild model (the tilt-and-turn issue's targets).
constexpr double kWildPipelineNmeMeanMax = 0.048;
constexpr double kWildPipelineMissRateMax = 0.03;
// A dim room (`eval --photometric dim`) against normal light, the same split and model: the dim-rooms issue's
// targets, at most 1.5x the misses and NME within 0.3 points, pipeline and gt box.
constexpr double kDimMissRatio = 1.5;
constexpr double kDimGtBoxNmeRiseMax = 0.003;
constexpr double kDimPipelineNmeRiseMax = 0.003;

std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  status = pclose(pipe);
  return out;
}

// The number at section.key of the command's JSON; -1 where the output is not JSON or lacks it.
double field(const std::string& json, const std::string& section, const std::string& key) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object() || !j.contains(section) || !j[section].is_object()) return -1;
  const nlohmann::json& s = j[section];
  return s.contains(key) && s[key].is_number() ? s[key].get<double>() : -1;
}

// Each test runs `facefilter-cli eval --json --no-timing` on the test split with the shipped model
// (`evalCommand_`); skips where the split is absent.
class EvalAccuracy : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string data = facefilter::defaultDataDir() + "/udacity-keypoints";
    if (!std::filesystem::exists(data + "/test_frames_keypoints.csv")) {
      GTEST_SKIP() << "test split not found at " << data << " (set FACEFILTER_DATA); accuracy not checked";
    }
    const std::string model = std::string(FACEFILTER_TEST_SOURCE_DIR) + "/assets/models/ffnet.pt";
    ASSERT_TRUE(std::filesystem::exists(model)) << "the shipped model is missing: " << model;
    evalCommand_ = std::string(FACEFILTER_CLI_PATH) + " eval --json --no-timing --data '" + data +
                   "' --model '" + model + "'";
  }
  std::string evalCommand_;
};

TEST_F(EvalAccuracy, ShippedModelMeetsTargetsOnTestSplit) {
  int status = 0;
  const std::string json = run(evalCommand_, status);
  ASSERT_EQ(status, 0) << json;
  ASSERT_EQ(json.find('{'), 0u) << "expected exactly one JSON object, got: " << json;
  const double gtMean = field(json, "gt_box", "nme_mean");
  const double pipeMean = field(json, "pipeline", "nme_mean");
  const double miss = field(json, "pipeline", "miss_rate");
  RecordProperty("gt_box_nme_mean", std::to_string(gtMean));
  RecordProperty("pipeline_nme_mean", std::to_string(pipeMean));
  RecordProperty("pipeline_miss_rate", std::to_string(miss));
  EXPECT_GE(gtMean, 0.0);
  EXPECT_LE(gtMean, kGtBoxNmeMeanMax) << json;
  EXPECT_GE(pipeMean, 0.0);
  EXPECT_LE(pipeMean, kPipelineNmeMeanMax) << json;
  EXPECT_GE(miss, 0.0);
  EXPECT_LE(miss, kPipelineMissRateMax) << json;
}

// The engine's second pass for detected faces (engine/keypoints/refine.hpp) must earn its cost: on the
// pipeline (Haar box) mode it has to beat the single pass clearly (docs/benchmarks.md has the history).
TEST_F(EvalAccuracy, SecondPassImprovesDetectedFaces) {
  int status = 0;
  const std::string two = run(evalCommand_, status);
  ASSERT_EQ(status, 0) << two;
  const std::string one = run(evalCommand_ + " --single-pass", status);
  ASSERT_EQ(status, 0) << one;
  const double twoMean = field(two, "pipeline", "nme_mean");
  const double oneMean = field(one, "pipeline", "nme_mean");
  RecordProperty("pipeline_nme_mean_single_pass", std::to_string(oneMean));
  RecordProperty("pipeline_nme_mean_two_passes", std::to_string(twoMean));
  ASSERT_GT(oneMean, 0.0) << one;
  EXPECT_LT(twoMean, oneMean - 0.001) << "single pass: " << one << "\ntwo passes: " << two;
  EXPECT_EQ(field(two, "gt_box", "nme_mean"), field(one, "gt_box", "nme_mean")) << "gt-box mode has one pass";
}

// The in-the-wild model (`--model wild`, trained on udacity and four fifths of helen-wild) on the fifth of
// helen-wild it never saw (`--part holdout`), with the detector's neighbour count at 3 as the README gives it
// for this model (its presence net rejects the false hits that lets in): the in-the-wild targets.
TEST(EvalAccuracyWild, WildModelMeetsTargetsOnTheHeldOutFifth) {
  const std::string data = facefilter::defaultDataDir() + "/helen-wild";
  if (!std::filesystem::exists(data + "/val_frames_keypoints.csv")) {
    GTEST_SKIP() << "helen-wild not found at " << data
                 << " (set FACEFILTER_DATA); in-the-wild accuracy not checked";
  }
  const std::string model = std::string(FACEFILTER_TEST_SOURCE_DIR) + "/assets/models/ffnet-wild.pt";
  ASSERT_TRUE(std::filesystem::exists(model)) << "the in-the-wild model is missing: " << model;
  int status = 0;
  const std::string json = run(std::string(FACEFILTER_CLI_PATH) + " eval --json --no-timing --data '" + data +
                                   "' --split val --part holdout --min-neighbors 3 --model '" + model + "'",
                               status);
  ASSERT_EQ(status, 0) << json;
  const double pipeMean = field(json, "pipeline", "nme_mean");
  const double miss = field(json, "pipeline", "miss_rate");
  RecordProperty("wild_pipeline_nme_mean", std::to_string(pipeMean));
  RecordProperty("wild_pipeline_miss_rate", std::to_string(miss));
  EXPECT_GE(pipeMean, 0.0) << json;
  EXPECT_LE(pipeMean, kWildPipelineNmeMeanMax) << json;
  EXPECT_GE(miss, 0.0) << json;
  EXPECT_LE(miss, kWildPipelineMissRateMax) << json;
}

// The shipped model and the default detector in the eval's dim room (gamma 1.8, 35 % of the light, sensor
// noise) against normal light, on the udacity test split and on helen-wild's val split.
class EvalAccuracyDim : public ::testing::TestWithParam<const char*> {};

TEST_P(EvalAccuracyDim, DimRoomKeepsMissesAndNmeNearNormalLight) {
  const std::string set = GetParam();
  const bool helen = set == "helen-wild";
  const std::string data = facefilter::defaultDataDir() + "/" + (helen ? "helen-wild" : "udacity-keypoints");
  const std::string csv = data + (helen ? "/val_frames_keypoints.csv" : "/test_frames_keypoints.csv");
  if (!std::filesystem::exists(csv)) {
    GTEST_SKIP() << csv << " not found (set FACEFILTER_DATA); low-light accuracy not checked";
  }
  const std::string model = std::string(FACEFILTER_TEST_SOURCE_DIR) + "/assets/models/ffnet.pt";
  const std::string command = std::string(FACEFILTER_CLI_PATH) + " eval --json --no-timing --data '" + data +
                              "' --model '" + model + "'" + (helen ? " --split val" : "");
  int status = 0;
  const std::string normal = run(command, status);
  ASSERT_EQ(status, 0) << normal;
  const std::string dim = run(command + " --photometric dim", status);
  ASSERT_EQ(status, 0) << dim;
  const double missNormal = field(normal, "pipeline", "miss_rate");
  const double missDim = field(dim, "pipeline", "miss_rate");
  RecordProperty(set + "_miss_rate_normal", std::to_string(missNormal));
  RecordProperty(set + "_miss_rate_dim", std::to_string(missDim));
  ASSERT_GE(missNormal, 0.0) << normal;
  ASSERT_GE(missDim, 0.0) << dim;
  EXPECT_LE(missDim, kDimMissRatio * missNormal) << "normal: " << normal << "\ndim: " << dim;
  for (const char* mode : {"pipeline", "gt_box"}) {
    const double a = field(normal, mode, "nme_mean"), b = field(dim, mode, "nme_mean");
    RecordProperty(set + "_" + mode + "_nme_normal", std::to_string(a));
    RecordProperty(set + "_" + mode + "_nme_dim", std::to_string(b));
    ASSERT_GT(a, 0.0) << normal;
    const double rise = std::string(mode) == "gt_box" ? kDimGtBoxNmeRiseMax : kDimPipelineNmeRiseMax;
    EXPECT_LE(b, a + rise) << mode << "\nnormal: " << normal << "\ndim: " << dim;
  }
}

// The passes from keypoints after the first (engine/keypoints/refine.hpp) earn their cost where they matter
// most: in the dim room the engine's three beat the second pass alone clearly.
TEST(EvalAccuracyDimPasses, FurtherPassesImproveDetectedFacesInADimRoom) {
  const std::string data = facefilter::defaultDataDir() + "/udacity-keypoints";
  if (!std::filesystem::exists(data + "/test_frames_keypoints.csv")) {
    GTEST_SKIP() << data << " not found (set FACEFILTER_DATA); passes in a dim room not checked";
  }
  const std::string model = std::string(FACEFILTER_TEST_SOURCE_DIR) + "/assets/models/ffnet.pt";
  const std::string command = std::string(FACEFILTER_CLI_PATH) + " eval --json --no-timing --data '" + data +
                              "' --model '" + model + "' --photometric dim";
  int status = 0;
  const std::string three = run(command, status);
  ASSERT_EQ(status, 0) << three;
  const std::string one = run(command + " --refine-passes 1", status);
  ASSERT_EQ(status, 0) << one;
  const double threeMean = field(three, "pipeline", "nme_mean"), oneMean = field(one, "pipeline", "nme_mean");
  RecordProperty("dim_pipeline_nme_mean_one_pass_from_keypoints", std::to_string(oneMean));
  RecordProperty("dim_pipeline_nme_mean_three_passes_from_keypoints", std::to_string(threeMean));
  ASSERT_GT(oneMean, 0.0) << one;
  EXPECT_LT(threeMean, oneMean - 0.001) << "one pass: " << one << "\nthree passes: " << three;
}

INSTANTIATE_TEST_SUITE_P(Sets, EvalAccuracyDim, ::testing::Values("udacity", "helen-wild"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param) == "udacity" ? std::string("Udacity")
                                                                       : std::string("HelenWild");
                         });

}  // namespace
