// facefilter-bench: per-stage latency and throughput, end-to-end rates, capture-to-result latency,
// stability and accuracy on this machine. Prints a markdown table (or, with --json, one JSON object)
// with the command that produced it. Progress goes to stderr.
//
//   facefilter-bench [--model FILE] [--seed-model FILE] [--peer-dlib FILE.dat] [--ibug-dlib FILE.dat]
//                    [--data DIR] [--video PATH] [--threads N] [--sections a,b,...] [--quick] [--json]

#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"
#include "engine/capture/source_spec.hpp"
#include "engine/core/logging.hpp"
#include "engine/eval/keypoints_dataset.hpp"

#ifndef FACEFILTER_SOURCE_DIR
#define FACEFILTER_SOURCE_DIR "."
#endif

using namespace facefilter;
using namespace facefilter::bench;

namespace {

const char* kAllSections = "decode,detect,keypoints,smoothing,e2e,samples,latency,seed,stability,pose,peer,render";

int usage(const std::string& why) {
  std::fprintf(stderr,
               "%s\nusage: facefilter-bench [--model FILE] [--seed-model FILE] [--peer-dlib FILE.dat]\n"
               "         [--ibug-dlib FILE.dat] [--data DIR] [--video PATH] [--threads N]\n"
               "         [--sections LIST] [--quick] [--json]\n"
               "         [--detect-scale X] [--min-size-fraction X] [--scale-factor X] [--min-neighbors N]\n"
               "         [--downscale min-face|off] [--cascade-scan ours|opencv] [--min-cutoff HZ] [--beta B] [--app PATH]\n"
               "         [--single-pass] (stability rows without the second CNN pass for detected faces)\n"
               "         [--peer-dlib-haar FILE.dat]\n"
               "  sections: %s (default: all)\n"
               "  --seed-model defaults to training/runs/seed.pt; its rows are skipped when it is absent.\n"
               "  --peer-dlib defaults to build-bench/dlib/ert_udacity.dat (bench/train_dlib_ert writes it);\n"
               "  --peer-dlib-haar to build-bench/dlib/ert_udacity_haar.dat (train_dlib_ert --boxes haar).\n"
               "  --app defaults to the facefilter app of the same build tree; the render section needs a display\n"
               "  (xvfb-run) and runs the app as a child process.\n",
               why.c_str(), kAllSections);
  return why.empty() ? 0 : 1;
}

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
  ctx.appPath = (std::filesystem::path(argv[0]).parent_path() / ".." / "app" / "facefilter").lexically_normal().string();
  std::string modelPath = defaultModelPath();
  std::string sections = kAllSections;
  bool json = false;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return usage("");
    if (a == "--json") { json = true; continue; }
    if (a == "--quick") { ctx.quick = true; continue; }
    if (a == "--single-pass") { ctx.refineDetections = false; continue; }
    if (i + 1 >= argc) return usage("missing value after " + a);
    const std::string v = argv[++i];
    if (a == "--model") modelPath = v;
    else if (a == "--seed-model") ctx.seedModelPath = v;
    else if (a == "--peer-dlib") ctx.peerDlibPath = v;
    else if (a == "--ibug-dlib") ctx.ibugDlibPath = v;
    else if (a == "--app") ctx.appPath = v;
    else if (a == "--peer-dlib-haar") ctx.peerDlibHaarPath = v;
    else if (a == "--data") ctx.dataDir = v;
    else if (a == "--video") ctx.demoPath = v;
    else if (a == "--sections") sections = v;
    else if (a == "--threads") threads = std::atoi(v.c_str());
    else if (a == "--detect-scale") { ctx.detector.detectScale = std::atof(v.c_str()); ctx.detectorOverridden = true; }
    else if (a == "--min-size-fraction") { ctx.detector.minSizeFraction = std::atof(v.c_str()); ctx.detectorOverridden = true; }
    else if (a == "--scale-factor") { ctx.detector.scaleFactor = std::atof(v.c_str()); ctx.detectorOverridden = true; }
    else if (a == "--downscale") { ctx.detector.downscale = v == "off" ? DetectDownscale::kOff : DetectDownscale::kToMinFace; ctx.detectorOverridden = true; }
    else if (a == "--cascade-scan") {
      if (v != "ours" && v != "opencv") return usage("--cascade-scan: expected ours or opencv, got " + v);
      ctx.detector.scan = v == "ours" ? CascadeScan::kVectorised : CascadeScan::kOpenCv;
      ctx.detectorOverridden = true;
    }
    else if (a == "--min-cutoff") ctx.oneEuro.minCutoffHz = std::atof(v.c_str());
    else if (a == "--beta") ctx.oneEuro.beta = std::atof(v.c_str());
    else if (a == "--min-neighbors") { ctx.detector.minNeighbors = std::atoi(v.c_str()); ctx.detectorOverridden = true; }
    else return usage("unknown option " + a);
  }
  std::set<std::string> wanted;
  {
    std::stringstream ss(sections);
    std::string s;
    const std::string all = std::string(",") + kAllSections + ",";
    while (std::getline(ss, s, ',')) {
      if (all.find("," + s + ",") == std::string::npos) return usage("unknown section '" + s + "'");
      wanted.insert(s);
    }
  }
  if (auto valid = validate(ctx.detector); !valid) return usage(valid.error().message);
  setLogLevel(spdlog::level::warn);
  setInferenceThreads(threads);

  auto model = KeypointModel::load(modelPath, ComputeDevice::kCpu);
  if (!model) {
    std::fprintf(stderr, "facefilter-bench: %s\n", model.error().message.c_str());
    return 1;
  }
  ctx.video720Path = (std::filesystem::temp_directory_path() / "facefilter-bench-1280x720.avi").string();
  if (const std::string err = makeUpscaledClip(ctx.demoPath, ctx.video720Path); !err.empty()) {
    std::fprintf(stderr, "facefilter-bench: 1280x720 clip: %s\n", err.c_str());
    return 1;
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

  const std::string machineLine = machine.markdown() + "Model: " + model->path() + " (" + model->metadata().name +
                                  ", " + std::to_string(model->metadata().inputWidth) + " px input).\n";
  if (json) {
    std::printf("%s\n", report.json(command).c_str());
  } else {
    std::printf("%s", report.markdown(machineLine, command).c_str());
  }
  return 0;
}
