// facefilter-cli run: a source processed headless: keypoints per frame as JSON lines, an optional
// debug-annotated video, per-stage timings at the end. Ctrl-C/SIGTERM stop cleanly: outputs are
// finalised with everything processed so far.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "engine/capture/capture_thread.hpp"
#include "engine/core/logging.hpp"
#include "engine/io/annotate.hpp"
#include "engine/io/result_json.hpp"
#include "engine/pipeline/face_pipeline.hpp"
#include "media/frame_clock.hpp"
#include "media/recorder.hpp"
#include "settings/command_line.hpp"

namespace facefilter::cli {
namespace {

std::atomic<bool> gStopRequested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void onStopSignal(int) {
  gStopRequested.store(true);
}

struct RunOptions {
  std::string input = "default";
  std::string output;
  std::string points;
  int maxFrames = 0;
  bool loop = false;
  ModelOptions model{{}, "auto", 0};  // no path: the shipped model
  DetectorParams detector;
  TrackerParams tracker;
  RecordSettings record;
  spdlog::level::level_enum logLevel = spdlog::level::warn;
};

int fail(const std::string& message) {
  std::cerr << "facefilter-cli run: " << message << "\n";
  return kExitFailed;
}

// While one lives, SIGINT and SIGTERM set gStopRequested instead of ending the process.
class StopOnSignals {
 public:
  StopOnSignals() {
    gStopRequested = false;
    previousInt_ = std::signal(SIGINT, onStopSignal);
    previousTerm_ = std::signal(SIGTERM, onStopSignal);
  }
  ~StopOnSignals() {
    std::signal(SIGINT, previousInt_);
    std::signal(SIGTERM, previousTerm_);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

 private:
  void (*previousInt_)(int) = SIG_DFL;
  void (*previousTerm_)(int) = SIG_DFL;
};

struct RunInputs {
  SourceSpec spec;
  std::unique_ptr<FrameSource> source;
  FaceDetector detector;
  KeypointModel model;
};

Result<RunInputs> openInputs(const RunOptions& o) {
  auto spec = parseSourceSpec(o.input);  // its syntax is checked while parsing
  if (!spec) return spec.error();
  auto detector = FaceDetector::create(o.detector);
  if (!detector) return detector.error();
  auto model = loadModel(o.model);
  if (!model) return model.error();
  auto source = openSource(spec.value());
  if (!source) return source.error();
  return RunInputs{std::move(spec).value(), std::move(source).value(), std::move(detector).value(),
                   std::move(model).value()};
}

// Keypoints per frame as JSON lines, to a file or to stdout; with them on stdout, the report goes to stderr.
class PointsOutput {
 public:
  explicit PointsOutput(std::string path) : path_(std::move(path)) {}

  Status open() {
    if (!toFile()) return Ok{};
    file_.open(path_, std::ios::out | std::ios::trunc);
    if (!file_) return Error{"points file '" + path_ + "': cannot be created"};
    return Ok{};
  }
  Status write(const FrameResult& result) {
    std::ostream* points = toStdout() ? &std::cout : (file_.is_open() ? &file_ : nullptr);
    if (!points) return Ok{};
    *points << frameResultJsonLine(result) << '\n';
    points->flush();  // a crash or kill later loses nothing already processed
    if (!*points) return Error{"points file '" + path_ + "': write failed (disk full?)"};
    return Ok{};
  }
  void close() {
    if (file_.is_open()) file_.close();
  }

  bool toFile() const { return !path_.empty() && !toStdout(); }
  const std::string& path() const { return path_; }
  std::ostream& report() const { return toStdout() ? std::cerr : std::cout; }

 private:
  bool toStdout() const { return path_ == "-"; }

  std::string path_;
  std::ofstream file_;
};

// The debug-annotated video, written by the recorder the app uses (H.264 in MP4 or VP9 in WebM, with the
// input's sound, on the input's timing). It opens at the first frame (it takes that frame's size); its path
// is checked before anything is processed.
class VideoOutput {
 public:
  VideoOutput(std::string path, double sourceFps, RecordSettings record, const SourceSpec& source)
      : path_(std::move(path)),
        fps_(sourceFps > 0 ? sourceFps : 30.0),
        record_(std::move(record)),
        clock_(frameClockFor(source.kind, false)) {
    if (clock_ == FrameClock::kSource && record_.audio != "off")
      audioFrom_ = source.kind == SourceKind::kDemo ? kDemoVideoPath : source.path;
  }

  Status checkPath() const {
    if (!enabled()) return Ok{};
    std::error_code ec;
    const bool existed = std::filesystem::exists(path_, ec);
    std::ofstream probe;
    if (!std::filesystem::is_directory(path_, ec)) probe.open(path_, std::ios::out | std::ios::app);
    if (!probe.is_open()) {
      return Error{"output video '" + path_ +
                   "': cannot be created (a folder, a missing folder or no permission)"};
    }
    probe.close();
    if (!existed) std::filesystem::remove(path_, ec);
    return Ok{};
  }
  Status write(const Frame& frame, const FrameResult& result) {
    if (!recorder_) {
      if (auto opened = open(frame.image.size()); !opened) return opened;
    }
    if (recorder_->failed()) return Error{"output video '" + path_ + "': " + recorder_->error()};
    cv::Mat annotated = frame.image.clone();
    drawAnnotations(annotated, result);
    recorder_->push(std::move(annotated), frameTimeNs(frame, clock_, fps_));
    return Ok{};
  }
  // The file keeps every frame written so far; the error of a recorder that stopped early, if any.
  Status finalise() {
    if (!recorder_) return Ok{};
    summary_ = recorder_->stop();
    recorder_.reset();
    if (!summary_.error.empty()) return Error{"output video '" + path_ + "': " + summary_.error};
    return Ok{};
  }

  bool enabled() const { return !path_.empty(); }
  const RecorderSummary& summary() const { return summary_; }

 private:
  Status open(cv::Size size) {
    RecorderParams p;
    p.path = path_;
    p.size = size;
    p.fps = fps_;
    p.encoder = encoderSettingsFor(path_, record_.format, record_.crf, record_.preset);
    p.policy = DropPolicy::kBlock;
    p.audioFromFile = audioFrom_;
    auto started = Recorder::start(p);
    if (!started) return Error{"output video '" + path_ + "': cannot be created: " + started.error().message};
    recorder_ = std::move(started).value();
    return Ok{};
  }

  std::string path_;
  double fps_;
  RecordSettings record_;
  FrameClock clock_;
  std::filesystem::path audioFrom_;
  std::unique_ptr<Recorder> recorder_;
  RecorderSummary summary_;
};

struct RunTally {
  uint64_t processed = 0;
  uint64_t faceFrames = 0;
  double wallS = 0;
  std::string outputError;  // why an output stopped the run; empty if none did
};

// Until the source ends, --max-frames is reached, a signal arrives or an output fails.
RunTally processUntilStopped(CaptureThread& capture, FacePipeline& pipeline, PointsOutput& points,
                             VideoOutput& video) {
  RunTally tally;
  const int64_t startNs = SteadyClock::instance().nowNs();
  capture.start();
  while (!gStopRequested.load()) {
    auto frame = capture.next(std::chrono::milliseconds(100));
    if (!frame) {
      if (capture.finished()) break;
      continue;
    }
    const FrameResult result = pipeline.process(**frame);
    ++tally.processed;
    if (!result.faces.empty()) ++tally.faceFrames;
    // Both outputs get the frame even when one fails on it; the video's failure is the one reported.
    Status written = points.write(result);
    if (video.enabled()) {
      if (Status videoWritten = video.write(**frame, result); !videoWritten) {
        written = std::move(videoWritten);
      }
    }
    if (!written) {
      tally.outputError = written.error().message;
      break;
    }
  }
  tally.wallS = static_cast<double>(SteadyClock::instance().nowNs() - startNs) * 1e-9;
  return tally;
}

std::string fmtStage(const char* name, const SampleSummary& s) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "  %-10s %8llu %9.2f %9.2f %9.2f %9.2f\n", name,
                static_cast<unsigned long long>(s.count), s.mean, s.median, s.p95, s.max);
  return buf;
}

void printSummary(std::ostream& report, const RunTally& tally, const CaptureStats& cs,
                  const PipelineStats& ps, const PointsOutput& points, const VideoOutput& video) {
  char line[256];
  report << "frames: " << tally.processed << " processed, " << tally.faceFrames << " with faces, "
         << cs.framesDropped << " dropped, " << cs.framesSkipped << " undecodable skipped\n";
  std::snprintf(
      line, sizeof(line),
      "detector: ran on %llu of %llu frames (%.1f%%), %llu of them over the whole frame; tracks created: "
      "%llu\n",
      static_cast<unsigned long long>(ps.detectorRuns), static_cast<unsigned long long>(ps.frames),
      ps.frames ? 100.0 * static_cast<double>(ps.detectorRuns) / static_cast<double>(ps.frames) : 0.0,
      static_cast<unsigned long long>(ps.fullScans), static_cast<unsigned long long>(ps.tracksCreated));
  report << line;
  std::snprintf(line, sizeof(line), "throughput: %.1f frames/s over %.2f s\n",
                tally.wallS > 0 ? static_cast<double>(tally.processed) / tally.wallS : 0.0, tally.wallS);
  report << line << "stage timings (ms):\n  stage         count      mean    median       p95       max\n"
         << fmtStage("decode", cs.decodeMs) << fmtStage("detect", ps.detectMs)
         << fmtStage("keypoints", ps.keypointsMs) << fmtStage("track", ps.trackMs)
         << fmtStage("total", ps.totalMs);
  if (video.enabled() && video.summary().framesWritten > 0)
    report << "video: " << recordReport(video.summary()) << "\n";
  if (points.toFile()) report << "points: " << points.path() << "\n";
  report.flush();
}

// The exit code; when the run fell short, stderr says why.
int exitCode(const RunTally& tally, const CaptureStats& cs, const PipelineStats& ps) {
  if (gStopRequested.load()) std::cerr << "facefilter-cli run: stopped by signal; outputs finalised\n";
  const int fellShort = tally.processed > 0 ? kExitPartial : kExitFailed;
  if (!tally.outputError.empty()) {
    std::cerr << "facefilter-cli run: " << tally.outputError << "\n";
    return fellShort;
  }
  if (cs.failed) {
    std::cerr << "facefilter-cli run: " << cs.lastError << " (" << tally.processed
              << " frames processed and kept)\n";
    return fellShort;
  }
  if (ps.errors > 0)
    std::cerr << "facefilter-cli run: " << ps.errors << " frame(s) failed: " << ps.lastError << "\n";
  return tally.processed > 0 ? kExitOk : kExitFailed;
}

int run(const CLI::App& command, const RunOptions& o) {
  setLogLevel(o.logLevel);
  if (auto valid = validate(o.detector); !valid) return argumentError(command, valid.error().message);
  if (auto valid = validate(o.tracker); !valid) return argumentError(command, valid.error().message);
  auto inputs = openInputs(o);
  if (!inputs) return fail(inputs.error().message);
  const SourceInfo info = inputs->source->info();

  // Open the outputs before processing anything, so a bad path fails fast.
  PointsOutput points(o.points);
  if (auto opened = points.open(); !opened) return fail(opened.error().message);
  VideoOutput video(o.output, info.fps, o.record, inputs->spec);
  if (auto checked = video.checkPath(); !checked) return fail(checked.error().message);

  FacePipeline pipeline(std::move(inputs->detector), std::move(inputs->model), o.tracker);
  CaptureParams captureParams;
  captureParams.maxFrames = static_cast<uint64_t>(o.maxFrames);
  captureParams.atEnd = o.loop ? EndBehaviour::kLoop : EndBehaviour::kStop;
  CaptureThread capture(std::move(inputs->spec), std::move(inputs->source), captureParams);

  std::ostream& report = points.report();
  RunTally tally;
  {
    // Until the outputs are finalised, so that a Ctrl-C meanwhile cannot cut them short.
    const StopOnSignals stopOnSignals;
    const ModelDescriptionPtr model = pipeline.modelDescription();
    report << "source: " << info.description << "\n"
           << "model: " << model->path << " on " << model->device << "\n";
    report.flush();
    tally = processUntilStopped(capture, pipeline, points, video);
    capture.stop();
    if (Status finalised = video.finalise(); !finalised && tally.outputError.empty())
      tally.outputError = finalised.error().message;
    points.close();
  }
  const CaptureStats cs = capture.stats();
  const PipelineStats ps = pipeline.stats();
  printSummary(report, tally, cs, ps, points, video);
  return exitCode(tally, cs, ps);
}

}  // namespace

Command addRunCommand(CLI::App& cli) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* command = cli.add_subcommand(
      "run", "process a camera, video, image or folder: keypoints per frame, timings (Ctrl-C stops cleanly)");
  addTextOption(*command, "--input", o->input, "SRC",
                "camera:N[:WxH[@FPS]], demo, default, or a video/image/folder path")
      ->check(sourceValidator());
  addTextOption(
      *command, "--output", o->output, "FILE",
      "write a debug-annotated video (boxes, ids, keypoints) with the input's sound: .mp4 (H.264) or "
      ".webm (VP9)");
  addTextOption(*command, "--points", o->points, "FILE",
                "write keypoints per frame as JSON lines ('-' = stdout)");
  addCountOption(*command, "--max-frames", o->maxFrames, "N", "stop after N frames (0 = all)");
  command->add_flag("--loop", o->loop, "restart a file source at its end (until --max-frames or Ctrl-C)");
  addModelOptions(*command, o->model);
  addDetectorOptions(*command, o->detector);
  addTrackerOptions(*command, o->tracker);
  addRecordOptions(*command, o->record);
  addLogLevelOption(*command, o->logLevel);
  return {command, [command, o] { return run(*command, *o); }};
}

}  // namespace facefilter::cli
