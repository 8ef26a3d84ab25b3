// facefilter-cli eval: keypoint accuracy (NME) in gt-box and pipeline modes, and ms per face, over a
// labelled split. With --json, stdout holds exactly one JSON object.

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "engine/core/data_dir.hpp"
#include "engine/core/logging.hpp"
#include "engine/eval/keypoint_eval.hpp"
#include "engine/io/json_output.hpp"
#include "settings/command_line.hpp"

namespace facefilter::cli {
namespace {

struct EvalCommandOptions {
  std::string data = defaultDataDir() + "/udacity-keypoints";
  std::string split = "test";
  std::string part = "all";
  int limit = 0;
  bool json = false;
  bool timing = true;
  // Speed is quoted per face on one CPU thread unless asked otherwise.
  ModelOptions model{{}, "auto", 1};  // no path: the shipped model
  DetectorParams detector;
  bool refine = true;
  int refinePasses = RefineOptions{}.passes;
  float presenceThreshold = TrackerParams{}.presenceThreshold;
  std::string crops = "model";
  std::string photometric = "normal";
  std::string perSample;  // CSV path; empty = none
  spdlog::level::level_enum logLevel = spdlog::level::warn;
};

void printJson(const EvalReport& r, const std::string& photometric) {
  const OrderedJson j = {
      {"photometric", photometric},
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
       {{"threads_1", fixedDecimals(r.msPerFaceSingle, 4)},
        {"batch_4", fixedDecimals(r.msPerFaceBatch4, 4)}}},
  };
  std::cout << jsonLine(j) << std::endl;
}

void printTable(const EvalReport& r, const KeypointModel& model, const EvalCommandOptions& o) {
  char line[256];
  std::cout << "model: " << model.path() << " (" << model.metadata().name << ", " << model.deviceName()
            << ")\n"
            << "data: " << o.data << " split " << o.split
            << (o.part == "all" ? std::string() : " (" + o.part + " part)")
            << (o.photometric == "normal" ? std::string() : ", lighting " + o.photometric) << ": " << r.images
            << " images, " << r.unreadable << " unreadable\n\n"
            << "| mode     | faces | NME mean | NME median | failure rate (NME>0.10) | miss rate |\n"
            << "|----------|------:|---------:|-----------:|------------------------:|----------:|\n";
  std::snprintf(line, sizeof(line), "| gt-box   | %5zu | %7.2f%% | %9.2f%% | %22.2f%% |         - |\n",
                r.gtBox.count, 100 * r.gtBox.mean, 100 * r.gtBox.median, 100 * r.gtBox.failureRate);
  std::cout << line;
  std::snprintf(line, sizeof(line), "| pipeline | %5zu | %7.2f%% | %9.2f%% | %22.2f%% | %8.2f%% |\n",
                r.pipeline.count, 100 * r.pipeline.mean, 100 * r.pipeline.median,
                100 * r.pipeline.failureRate, 100 * r.missRate);
  std::cout << line;
  if (o.timing) {
    std::snprintf(line, sizeof(line), "\nms per face (%s): %.3f one at a time, %.3f in a batch of 4\n",
                  model.deviceName().c_str(), r.msPerFaceSingle, r.msPerFaceBatch4);
    std::cout << line;
  }
}

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// One row per sample: what the pipeline made of it, so that the faces behind a figure can be looked at.
Status writePerSample(const std::string& path, const std::vector<KeypointsSample>& samples,
                      const EvalReport& r) {
  std::ofstream out(path);
  if (!out) return makeError("cannot write '" + path + "' (--per-sample)");
  const auto number = [](double v, int decimals) {
    if (!std::isfinite(v)) return std::string();  // an empty field: no such figure
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    return std::string(text);
  };
  out << "image,gt_box_nme,pipeline,pipeline_nme,presence,box_x,box_y,box_w,box_h\n";
  for (size_t i = 0; i < r.pipelineSamples.size() && i < samples.size(); ++i) {
    const PipelineSample& p = r.pipelineSamples[i];
    const bool boxed = p.outcome == PipelineOutcome::kFound || p.outcome == PipelineOutcome::kPresenceReject;
    out << csvField(std::filesystem::path(samples[i].imagePath).filename().string()) << ','
        << number(r.gtBoxNmes[i], 5) << ',' << toString(p.outcome) << ',' << number(p.nme, 5) << ','
        << (p.presence >= 0 ? number(p.presence, 4) : std::string());
    if (boxed) {
      out << ',' << number(p.box.x, 1) << ',' << number(p.box.y, 1) << ',' << number(p.box.width, 1) << ','
          << number(p.box.height, 1);
    } else {
      out << ",,,,";
    }
    out << '\n';
  }
  out.close();
  if (!out) return makeError("writing '" + path + "' failed (--per-sample; is the disk full?)");
  return Ok{};
}

int evaluate(const CLI::App& command, const EvalCommandOptions& o) {
  const auto fail = [](const std::string& message) {
    std::cerr << "facefilter-cli eval: " << message << "\n";
    return kExitFailed;
  };
  setLogLevel(o.logLevel);
  if (auto valid = validate(o.detector); !valid) return argumentError(command, valid.error().message);
  auto samples = loadKeypointsSplit(o.data, o.split);
  if (!samples) return fail(samples.error().message);
  const auto part = parseDatasetPart(o.part);
  if (!part) return argumentError(command, part.error().message);
  samples = selectPart(std::move(samples.value()), part.value());
  auto detector = FaceDetector::create(o.detector);
  if (!detector) return fail(detector.error().message);
  auto model = loadModel(o.model);
  if (!model) return fail(model.error().message);
  if (o.crops != "model") model = model->withEyeLineCrops(o.crops == "eye-line");

  EvalOptions options;
  options.limit = static_cast<size_t>(o.limit);
  options.timing = o.timing;
  options.refine = o.refine;
  options.refineOptions.passes = o.refinePasses;
  options.presenceThreshold = o.presenceThreshold;
  options.photometric = parsePhotometric(o.photometric).value();  // the option's check allows only these
  auto report = evaluateKeypoints(samples.value(), model.value(), &detector.value(), options);
  if (!report) return fail(report.error().message);
  if (!o.perSample.empty()) {
    if (auto written = writePerSample(o.perSample, samples.value(), report.value()); !written) {
      std::cerr << "facefilter-cli eval: " << written.error().message << "\n";  // the figures still print
    }
  }
  if (o.json) {
    printJson(report.value(), o.photometric);
  } else {
    printTable(report.value(), model.value(), o);
  }
  return report->unreadable > 0 ? kExitPartial : kExitOk;
}

}  // namespace

Command addEvalCommand(CLI::App& cli) {
  auto o = std::make_shared<EvalCommandOptions>();
  CLI::App* command = cli.add_subcommand("eval", "keypoint accuracy and speed on a labelled split");
  addTextOption(*command, "--data", o->data, "DIR",
                "folder with <split>_frames_keypoints.csv and <split>/ (or the data root)");
  addTextOption(*command, "--split", o->split, "NAME", "which split to evaluate");
  command
      ->add_option("--part", o->part,
                   "which rows: all; the fifth held out from training (photographs sorted by file name, "
                   "every fifth) or the other four fifths")
      ->type_name("all|train|holdout")
      ->check(CLI::IsMember({"all", "train", "holdout"}).description(""))
      ->capture_default_str();
  addCountOption(*command, "--limit", o->limit, "N", "only the first N samples (0 = all)");
  command->add_flag("--json", o->json, "print one JSON object instead of a table");
  command->add_flag_function(
      "--no-timing", [o](std::int64_t) { o->timing = false; }, "skip the ms/face measurement");
  addModelOptions(*command, o->model);
  addDetectorOptions(*command, o->detector);
  addSinglePassOption(*command, o->refine);
  addPresenceOption(*command, o->presenceThreshold);
  command
      ->add_option(
          "--refine-passes", o->refinePasses,
          "passes from keypoints after the detector box's pass (the engine makes 3; 1 = the second pass "
          "only)")
      ->type_name("N")
      ->check(CLI::Range(1, 4))
      ->capture_default_str();
  command
      ->add_option(
          "--crops", o->crops,
          "crops from keypoints (gt-box mode, second pass): as the model's metadata says, turned with "
          "the eye line (aligned mode), or axis-aligned")
      ->type_name("model|eye-line|upright")
      ->check(CLI::IsMember({"model", "eye-line", "upright"}).description(""))
      ->capture_default_str();
  command
      ->add_option("--photometric", o->photometric,
                   "see every image under this synthetic lighting (the same pixels every run): a dim room "
                   "(gamma 1.8, 35 % of the light, noise sigma 4) or a bright window behind the face")
      ->type_name("normal|dim|backlit")
      ->check(CLI::IsMember({"normal", "dim", "backlit"}).description(""))
      ->capture_default_str();
  addTextOption(*command, "--per-sample", o->perSample, "FILE",
                "also write one CSV row per sample: its gt-box NME, what the pipeline made of it (found, "
                "not_detected, presence_reject), its NME, presence score and detection box");
  addLogLevelOption(*command, o->logLevel);
  return {command, [command, o] { return evaluate(*command, *o); }};
}

}  // namespace facefilter::cli
