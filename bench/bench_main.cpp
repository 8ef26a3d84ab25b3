// facefilter-bench: per-stage latency and throughput, end-to-end rates, capture-to-result latency,
// stability and accuracy on this machine. Prints a markdown table (or, with --json, one JSON object)
// with the command that produced it. Progress goes to stderr. `facefilter-bench --help` lists the options.

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"
#include "engine/capture/source_spec.hpp"
#include "engine/core/data_dir.hpp"
#include "engine/core/logging.hpp"
#include "engine/eval/keypoints_dataset.hpp"
#include "settings/command_line.hpp"

#ifndef FACEFILTER_SOURCE_DIR
#define FACEFILTER_SOURCE_DIR "."
#endif

using namespace facefilter;
using namespace facefilter::bench;

namespace {

const std::vector<std::string> kAllSections = {"decode",  "detect",  "keypoints", "smoothing", "e2e",
                                               "samples", "latency", "seed",      "stability", "pose",
                                               "peer",    "render",  "encode"};

}  // namespace

int main(int argc, char** argv) {
  std::string command = "facefilter-bench";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  Context ctx;
  ctx.dataDir = defaultDataDir();
  ctx.demoPath = kDemoVideoPath;
  ctx.seedModelPath = std::string(FACEFILTER_SOURCE_DIR) + "/training/runs/seed.pt";
  ctx.peerDlibPath = std::string(FACEFILTER_SOURCE_DIR) + "/build-bench/dlib/ert_udacity.dat";
  ctx.peerDlibHaarPath = std::string(FACEFILTER_SOURCE_DIR) + "/build-bench/dlib/ert_udacity_haar.dat";
  ctx.ibugDlibPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";
  // The app built beside this program (same build tree), unless --app says otherwise.
  ctx.appPath = (std::filesystem::path(argv[0]).parent_path() / ".." / "app" / "facefilter")
                    .lexically_normal()
                    .string();
  std::string modelPath = defaultModelPath();
  std::vector<std::string> sections = kAllSections;
  bool json = false;
  int threads = 0;

  CLI::App app(
      "facefilter-bench: per-stage latency, throughput, stability and accuracy on this machine, as a "
      "markdown table (or one JSON object).",
      "facefilter-bench");
  setUpCommandLine(app);
  addModelPathOption(app, modelPath);
  addTextOption(app, "--seed-model", ctx.seedModelPath, "FILE",
                "the seed model (training/runs/seed.pt; without it the seed rows time untrained weights)");
  addTextOption(app, "--peer-dlib", ctx.peerDlibPath, "FILE.dat",
                "our dlib ERT peer (bench/train_dlib_ert writes it)");
  addTextOption(app, "--peer-dlib-haar", ctx.peerDlibHaarPath, "FILE.dat",
                "the ERT peer trained on Haar boxes (train_dlib_ert --boxes haar)");
  addTextOption(app, "--ibug-dlib", ctx.ibugDlibPath, "FILE.dat", "dlib's pretrained iBUG predictor");
  addTextOption(app, "--data", ctx.dataDir, "DIR", "the data root (udacity-keypoints, samples)");
  addTextOption(app, "--video", ctx.demoPath, "PATH", "the clip the video rows play");
  addTextOption(app, "--app", ctx.appPath, "PATH",
                "the facefilter app the render section runs as a child process (needs a display: xvfb-run)");
  addThreadsOption(app, threads);
  app.add_option("--sections", sections, "which sections to run, comma-separated")
      ->type_name("LIST")
      ->delimiter(',')
      ->check(CLI::IsMember(kAllSections).description(""))
      ->default_str("all: " + command_line_detail::join(kAllSections, ","));
  app.add_flag("--quick", ctx.quick, "fewer repetitions (a smoke run, not for figures)");
  app.add_flag("--json", json, "print one JSON object instead of the markdown table");
  addDetectorOptions(app, ctx.detector);
  addSmoothingOptions(app, ctx.oneEuro);
  addSinglePassOption(app, ctx.refineDetections)
      ->description("stability rows without the second CNN pass for detected faces");
  if (auto exitCode = parseCommandLine(app, argc, argv)) return *exitCode;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group() == "Detector" && option->count() > 0) ctx.detectorOverridden = true;
  }
  const std::set<std::string> wanted(sections.begin(), sections.end());
  if (auto valid = validate(ctx.detector); !valid) return argumentError(app, valid.error().message);
  setLogLevel(spdlog::level::warn);
  setInferenceThreads(threads);

  auto model = KeypointModel::load(modelPath, ComputeDevice::kCpu);
  if (!model) {
    std::fprintf(stderr, "facefilter-bench: %s\n", model.error().message.c_str());
    return kExitFailed;
  }
  ctx.video720Path = (std::filesystem::temp_directory_path() / "facefilter-bench-1280x720.avi").string();
  if (const std::string err = makeUpscaledClip(ctx.demoPath, ctx.video720Path); !err.empty()) {
    std::fprintf(stderr, "facefilter-bench: 1280x720 clip: %s\n", err.c_str());
    return kExitFailed;
  }

  Report report;
  const MachineInfo machine = machineInfo();
  report.setString("cpu", machine.cpu);
  report.set("cores", machine.cores, 0);
  report.setString("libtorch", machine.torch);
  report.setString("opencv", machine.opencv);
  report.setString("dlib", machine.dlib);
  report.set("inference_threads", machine.inferenceThreads, 0);
  report.setString("device", "cpu (no GPU here: CUDA not measured)");
  report.setString("model", model->path() + " (" + model->metadata().name + ")");

  const KeypointModel& m = model.value();
  if (wanted.count("decode")) benchDecode(ctx, report);
  if (wanted.count("detect")) benchDetect(ctx, report);
  if (wanted.count("keypoints")) benchKeypoints(ctx, m, report);
  if (wanted.count("smoothing")) benchSmoothing(ctx, report);
  if (wanted.count("e2e")) benchEndToEnd(ctx, m, report);
  if (wanted.count("samples")) benchSamples(ctx, m, report);
  if (wanted.count("latency")) benchLatency(ctx, m, report);
  if (wanted.count("seed")) benchSeed(ctx, m, report);
  if (wanted.count("stability")) benchStability(ctx, m, report);
  if (wanted.count("pose")) benchPose(ctx, m, report);
  if (wanted.count("peer")) benchPeer(ctx, m, report);
  if (wanted.count("render")) benchRender(ctx, report);
  if (wanted.count("encode")) benchEncode(ctx, report);

  const std::string machineLine = machine.markdown() + "Model: " + model->path() + " (" +
                                  model->metadata().name + ", " +
                                  std::to_string(model->metadata().inputWidth) + " px input).\n";
  if (json) {
    std::printf("%s\n", report.json(command).c_str());
  } else {
    std::printf("%s", report.markdown(machineLine, command).c_str());
  }
  return kExitOk;
}
