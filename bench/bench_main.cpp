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
#include "engine/core/data_paths.hpp"
#include "engine/core/logging.hpp"
#include "engine/eval/keypoints_dataset.hpp"
#include "settings/command_line.hpp"

using namespace facefilter;
using namespace facefilter::bench;

namespace {

const std::vector<std::string> kAllSections = {"decode",  "detect",  "keypoints", "smoothing", "e2e",
                                               "samples", "latency", "seed",      "stability", "pose",
                                               "peer",    "render",  "encode",    "vcam",      "accuracy"};

}  // namespace

int main(int argc, char** argv) {
  std::string command = "facefilter-bench";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  Context ctx;
  ctx.dataDir = defaultDataDir();
  ctx.demoPath = kDemoVideoPath;
  // The seed model and the dlib peers are a developer's files in the checkout, not shipped: their defaults
  // exist only for a bench run from the build tree. The app is the one built or installed beside this
  // program.
  const std::filesystem::path exeDir = executableDir();
  if (const auto source = sourceTreeDir()) {
    ctx.seedModelPath = (*source / "training" / "runs" / "seed.pt").string();
    ctx.peerDlibPath = (*source / "build-bench" / "dlib" / "ert_udacity.dat").string();
    ctx.peerDlibHaarPath = (*source / "build-bench" / "dlib" / "ert_udacity_haar.dat").string();
    ctx.appPath = (exeDir.parent_path() / "app" / "facefilter").string();
  } else {
    ctx.appPath = (exeDir / "facefilter").string();
  }
  ctx.ibugDlibPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";
  std::string modelPath;  // empty: the shipped model
  std::vector<std::string> sections = kAllSections;
  bool json = false;
  int threads = 0;

  CLI::App app(
      "facefilter-bench: per-stage latency, throughput, stability and accuracy on this machine, as a "
      "markdown table (or one JSON object).",
      "facefilter-bench");
  setUpCommandLine(app);
  addModelPathOption(app, modelPath);
  // The defaults that depend on where this program runs are described, not printed: the help is also the
  // man page, made from the build tree (packaging/CMakeLists.txt).
  app.add_option(
         "--seed-model", ctx.seedModelPath,
         "the seed model (default from a build tree: the checkout's training/runs/seed.pt; without it "
         "the seed rows time untrained weights)")
      ->type_name("FILE");
  app.add_option("--peer-dlib", ctx.peerDlibPath,
                 "our dlib ERT peer (bench/train_dlib_ert writes it; default from a build tree: the "
                 "checkout's build-bench/dlib/ert_udacity.dat)")
      ->type_name("FILE.dat");
  app.add_option(
         "--peer-dlib-haar", ctx.peerDlibHaarPath,
         "the ERT peer trained on Haar boxes (train_dlib_ert --boxes haar; default from a build tree: "
         "the checkout's build-bench/dlib/ert_udacity_haar.dat)")
      ->type_name("FILE.dat");
  addTextOption(app, "--ibug-dlib", ctx.ibugDlibPath, "FILE.dat", "dlib's pretrained iBUG predictor");
  app.add_option("--data", ctx.dataDir,
                 "the data root (udacity-keypoints, samples; default: $FACEFILTER_DATA, else shared/data "
                 "beside the checkout)")
      ->type_name("DIR");
  addTextOption(app, "--video", ctx.demoPath, "PATH", "the clip the video rows play");
  app.add_option("--app", ctx.appPath,
                 "the facefilter app the render section runs as a child process (needs a display: xvfb-run; "
                 "default: the one built or installed beside this program)")
      ->type_name("PATH");
  addThreadsOption(app, threads);
  app.add_option("--sections", sections, "which sections to run, comma-separated")
      ->type_name("LIST")
      ->delimiter(',')
      ->check(CLI::IsMember(kAllSections).description(""))
      // ", " rather than ",": the man page can break the line there.
      ->default_str("all: " + command_line_detail::join(kAllSections, ", "));
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
  if (wanted.count("vcam")) benchVirtualCamera(ctx, report);
  if (wanted.count("accuracy")) benchAccuracy(ctx, m, report);

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
