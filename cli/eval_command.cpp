// facefilter-cli eval: keypoint accuracy (NME) in gt-box and pipeline modes, and ms per face, over a
// labelled split. With --json, stdout holds exactly one JSON object.

#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "engine/eval/keypoint_eval.hpp"
#include "engine/io/json_output.hpp"

namespace facefilter::cli {

int evalCommand(const std::vector<std::string>& args) {
  ArgParser p("facefilter-cli eval [--data DIR] [--model FILE] [--json] [options]");
  p.option("data", "DIR", "folder with <split>_frames_keypoints.csv and <split>/ (or the data root)",
           defaultDataDir() + "/udacity-keypoints");
  p.option("split", "NAME", "which split to evaluate", "test");
  p.option("limit", "N", "only the first N samples (0 = all)", "0");
  p.flag("json", "print one JSON object instead of a table");
  p.flag("no-timing", "skip the ms/face measurement");
  addModelOptions(p);
  addDetectorOptions(p);
  addRefineOption(p);
  addPresenceOption(p);
  p.option("crops", "model|eye-line|upright",
           "crops from keypoints (gt-box mode, second pass): as the model's metadata says, turned with the eye "
           "line (aligned mode), or axis-aligned",
           "model");
  addLogOptions(p);
  p.flag("help", "show this help");
  const auto fail = [](const std::string& message) {
    std::cerr << "facefilter-cli eval: " << message << "\n";
    return kExitFailed;
  };
  if (auto s = p.parse(args); !s) return fail(s.error().message + "\n" + p.usage());
  if (p.has("help")) {
    std::cout << p.usage();
    return kExitOk;
  }
  if (auto s = applyLogOptions(p); !s) return fail(s.error().message);
  // Speed is quoted per face on one CPU thread unless asked otherwise.
  if (!p.has("threads")) setInferenceThreads(1);
  auto limit = p.integer("limit", 0, 1 << 30);
  if (!limit) return fail(limit.error().message);
  auto samples = loadKeypointsSplit(p.get("data"), p.get("split"));
  if (!samples) return fail(samples.error().message);
  auto detectorParams = detectorParamsFrom(p);
  if (!detectorParams) return fail(detectorParams.error().message);
  auto detector = FaceDetector::create(detectorParams.value());
  if (!detector) return fail(detector.error().message);
  auto model = loadModelFrom(p);
  if (!model) return fail(model.error().message);
  const std::string crops = p.get("crops");
  if (crops == "eye-line" || crops == "upright") {
    model = model->withEyeLineCrops(crops == "eye-line");
  } else if (crops != "model") {
    return fail("--crops: expected model, eye-line or upright, got '" + crops + "'");
  }
  auto presence = presenceThresholdFrom(p);
  if (!presence) return fail(presence.error().message);

  EvalOptions options;
  options.limit = static_cast<size_t>(limit.value());
  options.timing = !p.has("no-timing");
  options.refine = refineFrom(p);
  options.presenceThreshold = presence.value();
  auto report = evaluateKeypoints(samples.value(), model.value(), &detector.value(), options);
  if (!report) return fail(report.error().message);
  const EvalReport& r = report.value();

  if (p.has("json")) {
    const OrderedJson j = {
        {"gt_box",
         {{"nme_mean", fixedDecimals(r.gtBox.mean, 5)},
          {"nme_median", fixedDecimals(r.gtBox.median, 5)},
          {"failure_rate", fixedDecimals(r.gtBox.failureRate, 5)}}},
        {"pipeline",
         {{"nme_mean", fixedDecimals(r.pipeline.mean, 5)},
          {"nme_median", fixedDecimals(r.pipeline.median, 5)},
          {"failure_rate", fixedDecimals(r.pipeline.failureRate, 5)},
          {"miss_rate", fixedDecimals(r.missRate, 5)},
          {"presence_rejects", r.presenceRejects}}},
        {"ms_per_face",
         {{"threads_1", fixedDecimals(r.msPerFaceSingle, 4)}, {"batch_4", fixedDecimals(r.msPerFaceBatch4, 4)}}},
    };
    std::cout << jsonLine(j) << std::endl;
  } else {
    char line[256];
    std::cout << "model: " << model->path() << " (" << model->metadata().name << ", " << model->deviceName() << ")\n"
              << "data: " << p.get("data") << " split " << p.get("split") << ": " << r.images << " images, "
              << r.unreadable << " unreadable\n\n"
              << "| mode     | faces | NME mean | NME median | failure rate (NME>0.10) | miss rate |\n"
              << "|----------|------:|---------:|-----------:|------------------------:|----------:|\n";
    std::snprintf(line, sizeof(line), "| gt-box   | %5zu | %7.2f%% | %9.2f%% | %22.2f%% |         - |\n", r.gtBox.count,
                  100 * r.gtBox.mean, 100 * r.gtBox.median, 100 * r.gtBox.failureRate);
    std::cout << line;
    std::snprintf(line, sizeof(line), "| pipeline | %5zu | %7.2f%% | %9.2f%% | %22.2f%% | %8.2f%% |\n",
                  r.pipeline.count, 100 * r.pipeline.mean, 100 * r.pipeline.median, 100 * r.pipeline.failureRate,
                  100 * r.missRate);
    std::cout << line;
    if (options.timing) {
      std::snprintf(line, sizeof(line), "\nms per face (%s): %.3f one at a time, %.3f in a batch of 4\n",
                    model->deviceName().c_str(), r.msPerFaceSingle, r.msPerFaceBatch4);
      std::cout << line;
    }
  }
  return r.unreadable > 0 ? kExitPartial : kExitOk;
}

}  // namespace facefilter::cli
