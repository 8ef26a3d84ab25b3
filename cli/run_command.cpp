// facefilter-cli run: a source processed headless: keypoints per frame as JSON lines, an optional
// debug-annotated video, per-stage timings at the end. Ctrl-C/SIGTERM stop cleanly: outputs are
// finalised with everything processed so far.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <opencv2/videoio.hpp>

#include "cli/commands.hpp"
#include "engine/capture/capture_thread.hpp"
#include "engine/core/logging.hpp"
#include "engine/io/annotate.hpp"
#include "engine/io/result_json.hpp"
#include "engine/io/write_space.hpp"
#include "engine/pipeline/face_pipeline.hpp"
#include "settings/command_line.hpp"

namespace facefilter::cli {
namespace {

std::atomic<bool> gStopRequested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void onStopSignal(int) { gStopRequested.store(true); }

std::string fmtStage(const char* name, const SampleSummary& s) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "  %-10s %8llu %9.2f %9.2f %9.2f %9.2f\n", name,
                static_cast<unsigned long long>(s.count), s.mean, s.median, s.p95, s.max);
  return buf;
}

struct RunOptions {
  std::string input = "default";
  std::string output;
  std::string points;
  int maxFrames = 0;
  bool loop = false;
  ModelOptions model{defaultModelPath(), "auto", 0};
  DetectorParams detector;
  TrackerParams tracker;
  spdlog::level::level_enum logLevel = spdlog::level::warn;
};

int run(const CLI::App& command, const RunOptions& o) {
  const auto fail = [&](const std::string& message) {
    std::cerr << "facefilter-cli run: " << message << "\n";
    return kExitFailed;
  };
  setLogLevel(o.logLevel);
  if (auto valid = validate(o.detector); !valid) return argumentError(command, valid.error().message);
  if (auto valid = validate(o.tracker); !valid) return argumentError(command, valid.error().message);
  auto spec = parseSourceSpec(o.input);  // its syntax is checked while parsing
  if (!spec) return fail(spec.error().message);
  auto detector = FaceDetector::create(o.detector);
  if (!detector) return fail(detector.error().message);
  auto model = loadModel(o.model);
  if (!model) return fail(model.error().message);
  auto source = openSource(spec.value());
  if (!source) return fail(source.error().message);
  const SourceInfo info = source.value()->info();

  // Open the outputs before processing anything, so a bad path fails fast.
  const std::string& pointsPath = o.points;
  const bool pointsToStdout = pointsPath == "-";
  std::ofstream pointsFile;
  if (!pointsPath.empty() && !pointsToStdout) {
    pointsFile.open(pointsPath, std::ios::out | std::ios::trunc);
    if (!pointsFile) return fail("points file '" + pointsPath + "': cannot be created");
  }
  std::ostream* points = pointsToStdout ? &std::cout : (pointsFile.is_open() ? &pointsFile : nullptr);
  std::ostream& report = pointsToStdout ? std::cerr : std::cout;

  const std::string& videoPath = o.output;
  if (!videoPath.empty()) {
    // The video opens at the first frame (it takes that frame's size); its path is checked now.
    std::error_code ec;
    const bool existed = std::filesystem::exists(videoPath, ec);
    std::ofstream probe;
    if (!std::filesystem::is_directory(videoPath, ec)) probe.open(videoPath, std::ios::out | std::ios::app);
    if (!probe.is_open()) return fail("output video '" + videoPath + "': cannot be created (a folder, a missing folder or no permission)");
    probe.close();
    if (!existed) std::filesystem::remove(videoPath, ec);
  }
  cv::VideoWriter video;
  std::optional<WriteSpaceGuard> videoSpace;  // stops the video while its index still fits (disk full)
  uint64_t videoFrames = 0;

  FacePipeline pipeline(std::move(detector).value(), std::move(model).value(), o.tracker);
  CaptureParams captureParams;
  captureParams.maxFrames = static_cast<uint64_t>(o.maxFrames);
  captureParams.atEnd = o.loop ? EndBehaviour::kLoop : EndBehaviour::kStop;
  CaptureThread capture(spec.value(), std::move(source).value(), captureParams);

  gStopRequested = false;
  auto previousInt = std::signal(SIGINT, onStopSignal);
  auto previousTerm = std::signal(SIGTERM, onStopSignal);

  report << "source: " << info.description << "\n"
         << "model: " << pipeline.modelDescription()->path << " on " << pipeline.modelDescription()->device << "\n";
  report.flush();

  const int64_t startNs = SteadyClock::instance().nowNs();
  capture.start();
  std::string outputError;
  uint64_t processed = 0, faceFrames = 0;
  while (!gStopRequested.load()) {
    auto frame = capture.next(std::chrono::milliseconds(100));
    if (!frame) {
      if (capture.finished()) break;
      continue;
    }
    const FrameResult result = pipeline.process(**frame);
    ++processed;
    if (!result.faces.empty()) ++faceFrames;
    if (points) {
      *points << frameResultJsonLine(result) << '\n';
      points->flush();  // a crash or kill later loses nothing already processed
      if (!*points && outputError.empty()) outputError = "points file '" + pointsPath + "': write failed (disk full?)";
    }
    if (!videoPath.empty()) {
      if (!video.isOpened()) {
        const double fps = info.fps > 0 ? info.fps : 30.0;
        try {
          video.open(videoPath, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps,
                     (*frame)->image.size());
        } catch (const cv::Exception& e) {
        }
        if (!video.isOpened()) {
          outputError = "output video '" + videoPath + "': cannot be created (path, permissions or codec)";
          break;
        }
        videoSpace.emplace(std::vector<std::filesystem::path>{videoPath},
                           static_cast<int64_t>((*frame)->image.total()) * 3 / 4);
      }
      if (!videoSpace->roomForNextFrame(videoFrames)) {
        outputError = "output video '" + videoPath + "': disk full after " + std::to_string(videoFrames) +
                      " frames; the video is finalised with those frames (free some space or write elsewhere)";
        break;
      }
      cv::Mat annotated = (*frame)->image.clone();
      drawAnnotations(annotated, result);
      video.write(annotated);
      ++videoFrames;
    }
    if (!outputError.empty()) break;
  }
  const double wallS = static_cast<double>(SteadyClock::instance().nowNs() - startNs) * 1e-9;
  capture.stop();
  video.release();  // finalises the MP4 with every frame written so far
  if (pointsFile.is_open()) pointsFile.close();
  std::signal(SIGINT, previousInt);
  std::signal(SIGTERM, previousTerm);

  const CaptureStats cs = capture.stats();
  const PipelineStats ps = pipeline.stats();
  char line[256];
  report << "frames: " << processed << " processed, " << faceFrames << " with faces, " << cs.framesDropped
         << " dropped, " << cs.framesSkipped << " undecodable skipped\n";
  std::snprintf(line, sizeof(line),
                "detector: ran on %llu of %llu frames (%.1f%%), %llu of them over the whole frame; tracks created: %llu\n",
                static_cast<unsigned long long>(ps.detectorRuns), static_cast<unsigned long long>(ps.frames),
                ps.frames ? 100.0 * static_cast<double>(ps.detectorRuns) / static_cast<double>(ps.frames) : 0.0,
                static_cast<unsigned long long>(ps.fullScans), static_cast<unsigned long long>(ps.tracksCreated));
  report << line;
  std::snprintf(line, sizeof(line), "throughput: %.1f frames/s over %.2f s\n",
                wallS > 0 ? static_cast<double>(processed) / wallS : 0.0, wallS);
  report << line << "stage timings (ms):\n  stage         count      mean    median       p95       max\n"
         << fmtStage("decode", cs.decodeMs) << fmtStage("detect", ps.detectMs) << fmtStage("keypoints", ps.keypointsMs)
         << fmtStage("track", ps.trackMs) << fmtStage("total", ps.totalMs);
  if (!videoPath.empty() && videoFrames > 0) report << "video: " << videoPath << " (" << videoFrames << " frames)\n";
  if (points && !pointsToStdout) report << "points: " << pointsPath << "\n";
  report.flush();

  if (gStopRequested.load()) std::cerr << "facefilter-cli run: stopped by signal; outputs finalised\n";
  if (!outputError.empty()) {
    std::cerr << "facefilter-cli run: " << outputError << "\n";
    return processed > 0 ? kExitPartial : kExitFailed;
  }
  if (cs.failed) {
    std::cerr << "facefilter-cli run: " << cs.lastError << " (" << processed << " frames processed and kept)\n";
    return processed > 0 ? kExitPartial : kExitFailed;
  }
  if (ps.errors > 0) std::cerr << "facefilter-cli run: " << ps.errors << " frame(s) failed: " << ps.lastError << "\n";
  return processed > 0 ? kExitOk : kExitFailed;
}

}  // namespace

Command addRunCommand(CLI::App& cli) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* command = cli.add_subcommand(
      "run", "process a camera, video, image or folder: keypoints per frame, timings (Ctrl-C stops cleanly)");
  addTextOption(*command, "--input", o->input, "SRC", "camera:N[:WxH[@FPS]], demo, default, or a video/image/folder path")
      ->check(sourceValidator());
  addTextOption(*command, "--output", o->output, "FILE", "write a debug-annotated video (boxes, ids, keypoints)");
  addTextOption(*command, "--points", o->points, "FILE", "write keypoints per frame as JSON lines ('-' = stdout)");
  addCountOption(*command, "--max-frames", o->maxFrames, "N", "stop after N frames (0 = all)");
  command->add_flag("--loop", o->loop, "restart a file source at its end (until --max-frames or Ctrl-C)");
  addModelOptions(*command, o->model);
  addDetectorOptions(*command, o->detector);
  addTrackerOptions(*command, o->tracker);
  addLogLevelOption(*command, o->logLevel);
  return {command, [command, o] { return run(*command, *o); }};
}

}  // namespace facefilter::cli
