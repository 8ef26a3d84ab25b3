// engine/pipeline: the description of the model in use, which the engine publishes for other threads (the
// control panel). Models are loaded over and over while another thread reads the description: each
// snapshot read must describe one model whole, and stay as it was however many loads follow. Run under
// ThreadSanitizer (scripts/ci-sanitize.sh tsan), where reading the engine's own model object instead is
// reported as a race with the engine thread's replacing it.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "engine/core/logging.hpp"
#include "engine/pipeline/engine_thread.hpp"
#include "test_support.hpp"

namespace facefilter {
namespace {

class QuietLogs : public ::testing::Environment {
 public:
  void SetUp() override { setLogLevel(spdlog::level::off); }
};
const auto* const kQuietLogs = ::testing::AddGlobalTestEnvironment(new QuietLogs);

// The two test models differ in every field the panel shows: name, crop rotation and presence.
std::string incoherence(const ModelDescriptionPtr& d) {
  if (!d) return "no description";
  if (d->device != "cpu") return "device " + d->device;
  if (d->path == test::kTestModel) {
    if (d->metadata.name == "test-random" && !d->hasPresence && !d->alignsCrops && !d->hasDetectorStage &&
        d->metadata.presenceMethod.empty() && d->metadata.rawJson.find("test-random") != std::string::npos) {
      return "";
    }
  } else if (d->path == test::kTestModelPresence) {
    if (d->metadata.name == "test-presence" && d->hasPresence && d->alignsCrops && !d->hasDetectorStage &&
        d->metadata.presenceMethod == "presence" &&
        d->metadata.rawJson.find("test-presence") != std::string::npos) {
      return "";
    }
  }
  return "mixed: " + d->path + " named " + d->metadata.name +
         (d->hasPresence ? ", presence" : ", no presence") +
         (d->alignsCrops ? ", eye-line crops" : ", upright crops");
}

KeypointModel loadModel(const std::string& path) {
  auto model = KeypointModel::load(path, ComputeDevice::kCpu);
  if (!model.ok()) throw std::runtime_error(model.error().message);
  return std::move(model).value();
}

std::unique_ptr<FacePipeline> makePipeline() {
  auto detector = FaceDetector::create({});
  if (!detector.ok()) throw std::runtime_error(detector.error().message);
  return std::make_unique<FacePipeline>(std::move(detector).value(), loadModel(test::kTestModel));
}

TEST(ModelDescription, DescribesTheModelInUseFromTheFrameItIsTakenIn) {
  const std::unique_ptr<FacePipeline> made = makePipeline();
  FacePipeline& pipeline = *made;
  const ModelDescriptionPtr before = pipeline.modelDescription();
  EXPECT_EQ(incoherence(before), "");
  EXPECT_EQ(before->path, test::kTestModel);

  pipeline.setModel(loadModel(test::kTestModelPresence));
  EXPECT_EQ(pipeline.modelDescription(), before) << "a model waiting for the next frame is not in use yet";
  Frame f;
  f.image = cv::Mat(120, 160, CV_8UC1, cv::Scalar(90));
  pipeline.process(f);
  const ModelDescriptionPtr after = pipeline.modelDescription();
  EXPECT_EQ(incoherence(after), "");
  EXPECT_EQ(after->path, test::kTestModelPresence);
  EXPECT_EQ(before->path, test::kTestModel) << "a snapshot held by a reader stays as it was";
  EXPECT_EQ(before->metadata.name, "test-random");
}

TEST(ModelDescription, ReadersSeeWholeModelsWhileTheEngineThreadLoadsOthers) {
  test::TempDir dir;
  const std::string image = dir.file("still.png");
  ASSERT_TRUE(cv::imwrite(image, test::syntheticFrame(0, {160, 120})));
  auto spec = parseSourceSpec(image);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EngineThread engine(makePipeline());
  CaptureParams loop;
  loop.atEnd = EndBehaviour::kLoop;  // frames keep coming, so that each load is taken in at once
  ASSERT_TRUE(engine.setSource(spec.value(), loop).ok());

  // The reader keeps no lock and touches nothing else of the engine, as the panel's Model section.
  std::atomic<bool> done{false};
  std::atomic<uint64_t> reads{0};
  std::map<std::string, uint64_t> seen;  // the reader's own, read after join()
  std::string firstIncoherence;
  std::thread reader([&] {
    while (!done.load()) {
      const ModelDescriptionPtr d = engine.modelDescription();
      if (const std::string bad = incoherence(d); !bad.empty()) {
        if (firstIncoherence.empty()) firstIncoherence = bad;
      } else {
        ++seen[d->path];
      }
      reads.fetch_add(1);
    }
  });

  constexpr int kLoads = 12;
  for (int i = 0; i < kLoads; ++i) {
    const std::string path = i % 2 == 0 ? test::kTestModelPresence : test::kTestModel;
    KeypointModel next = loadModel(path);  // as the panel's Load button: a fresh load each time
    const uint64_t version = engine.resultVersion();
    engine.pipeline().setModel(std::move(next));
    // A frame begun after setModel() has returned has taken the model in.
    ASSERT_TRUE(
        test::waitUntil([&] { return engine.resultVersion() >= version + 2; }, std::chrono::seconds(60)));
    EXPECT_EQ(engine.modelDescription()->path, path);
    // Let the reader read the new one at least once (a read begun after the swap) before the next load.
    const uint64_t r = reads.load();
    ASSERT_TRUE(test::waitUntil([&] { return reads.load() >= r + 2; }));
  }
  done = true;
  reader.join();
  engine.stop();

  EXPECT_EQ(firstIncoherence, "");
  EXPECT_GT(seen[test::kTestModel], 0u);
  EXPECT_GT(seen[test::kTestModelPresence], 0u);
  EXPECT_EQ(engine.stats().pipeline.errors, 0u) << engine.stats().pipeline.lastError;
}

}  // namespace
}  // namespace facefilter
