#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <thread>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "engine/capture/image_source.hpp"
#include "engine/capture/video_file_source.hpp"
#include "engine/core/clock.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/eval/keypoint_eval.hpp"
#include "engine/eval/keypoints_dataset.hpp"
#include "engine/pipeline/engine_thread.hpp"
#include "engine/pipeline/face_pipeline.hpp"
#include "engine/track/face_tracker.hpp"
#include "engine/track/one_euro_filter.hpp"

namespace facefilter::bench {
namespace {

const Clock& clk() {
  return SteadyClock::instance();
}

// CPU time of the whole process (all threads), ms: shows the work done whatever else the machine runs.
double processCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

void progress(const char* what) {
  std::fprintf(stderr, "facefilter-bench: %s ...\n", what);
}

std::vector<cv::Mat> loadFrames(const std::string& path, size_t maxFrames) {
  std::vector<cv::Mat> frames;
  auto src = VideoFileSource::open(path);
  if (!src) return frames;
  while (frames.size() < maxFrames) {
    ReadResult r = src.value()->read();
    if (r.status != ReadStatus::kFrame) break;
    frames.push_back(r.image);
  }
  return frames;
}

cv::Mat toGray(const cv::Mat& bgr) {
  cv::Mat g;
  cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
  return g;
}

FaceDetector makeDetector(const DetectorParams& p = {}) {
  return std::move(FaceDetector::create(p)).value();
}

// The seed's detector: OpenCV's defaults as the seed called them (training/haar_stats.json), full frame.
DetectorParams seedDetectorParams() {
  DetectorParams p;
  p.scaleFactor = 1.1;
  p.minNeighbors = 5;
  p.minSizePx = 30;
  p.minSizeFraction = 0;
  p.detectScale = 1.0;
  p.downscale = DetectDownscale::kOff;
  p.scan = CascadeScan::kOpenCv;  // the seed called cv::CascadeClassifier
  return p;
}

struct ClipRun {
  double fps = 0;
  std::vector<double> frameMs;        // decode + process, per frame
  std::vector<double> detectMs;       // Haar, frames where it ran
  std::vector<double> trackOnlyMs;    // process(), frames served by tracking only
  std::vector<double> detectFrameMs;  // process(), frames where the detector ran
  std::vector<double> trackStageMs;   // association, motion check, smoothing
  size_t frames = 0, detectorRuns = 0, framesWithFace = 0;
};

// Decodes and processes every frame of `path` on this thread, as a batch run does.
ClipRun runClip(const std::string& path, const KeypointModel& model, const DetectorParams& dp,
                const TrackerParams& tp, size_t maxFrames) {
  ClipRun run;
  FacePipeline pipeline(makeDetector(dp), model, tp);
  auto src = VideoFileSource::open(path);
  if (!src) return run;
  const int64_t start = clk().nowNs();
  for (uint64_t id = 0; run.frames < maxFrames; ++id) {
    const int64_t t0 = clk().nowNs();
    ReadResult rr = src.value()->read();
    if (rr.status != ReadStatus::kFrame) break;
    const int64_t t1 = clk().nowNs();
    Frame f;
    f.id = id;
    f.captureNs = t1;
    f.decodeNs = t1 - t0;
    f.sourceTimeMs = rr.sourceTimeMs;
    f.image = std::move(rr.image);
    const FrameResult r = pipeline.process(f);
    const int64_t t2 = clk().nowNs();
    ++run.frames;
    run.frameMs.push_back(nsToMs(t2 - t0));
    if (r.detectorRan) {
      ++run.detectorRuns;
      run.detectMs.push_back(r.times.detect);
      run.detectFrameMs.push_back(nsToMs(t2 - t1));
    } else {
      run.trackOnlyMs.push_back(nsToMs(t2 - t1));
    }
    run.trackStageMs.push_back(r.times.track);
    if (!r.faces.empty()) ++run.framesWithFace;
  }
  run.fps = static_cast<double>(run.frames) / (nsToMs(clk().nowNs() - start) / 1000.0);
  return run;
}

TrackerParams everyFrame() {
  TrackerParams t;
  t.mode = TrackingMode::kDetectEveryFrame;
  return t;
}

}  // namespace

std::string makeUpscaledClip(const std::string& src, const std::string& dst, double fpsOverride) {
  cv::VideoCapture in(src);
  if (!in.isOpened()) return "cannot open " + src;
  const double fps =
      fpsOverride > 0 ? fpsOverride : (in.get(cv::CAP_PROP_FPS) > 0 ? in.get(cv::CAP_PROP_FPS) : 24.0);
  cv::VideoWriter out(dst, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, cv::Size(1280, 720));
  if (!out.isOpened()) return "cannot write " + dst;
  cv::Mat frame, scaled, padded;
  while (in.read(frame)) {
    const double s = 720.0 / frame.rows;
    cv::resize(frame, scaled, cv::Size(static_cast<int>(std::lround(frame.cols * s)), 720), 0, 0,
               cv::INTER_LINEAR);
    const int left = (1280 - scaled.cols) / 2;
    cv::copyMakeBorder(scaled, padded, 0, 0, left, 1280 - scaled.cols - left, cv::BORDER_CONSTANT,
                       cv::Scalar(0, 0, 0));
    out.write(padded);
  }
  return "";
}

// benchDecode: bench_decode.cpp.

void benchDetect(const Context& ctx, Report& report) {
  progress("detect");
  const size_t n = ctx.quick ? 20 : 80;
  struct Case {
    std::string path, name;
  };
  for (const Case& c : {Case{ctx.demoPath, "demo 720x528"}, Case{ctx.video720Path, "1280x720"}}) {
    std::vector<cv::Mat> grays;
    for (const auto& f : loadFrames(c.path, n)) grays.push_back(toGray(f));
    if (grays.empty()) continue;
    const double configured = ctx.detector.detectScale;
    struct Variant {
      double scale;
      CascadeScan scan;
    };
    // The configured detector, the other scale, and the configured one on OpenCV's own scan (what ours
    // replaced).
    const CascadeScan other =
        ctx.detector.scan == CascadeScan::kOpenCv ? CascadeScan::kVectorised : CascadeScan::kOpenCv;
    for (const Variant v :
         {Variant{configured, ctx.detector.scan}, Variant{configured == 1.0 ? 0.5 : 1.0, ctx.detector.scan},
          Variant{configured, other}}) {
      const double scale = v.scale;
      DetectorParams p = ctx.detector;
      p.detectScale = scale;
      p.scan = v.scan;
      FaceDetector det = makeDetector(p);
      std::vector<double> ms;
      size_t found = 0;
      const double cpu0 = processCpuMs();
      for (const auto& g : grays) {
        const int64_t t0 = clk().nowNs();
        found += det.detect(g).empty() ? 0 : 1;
        ms.push_back(nsToMs(clk().nowNs() - t0));
      }
      const bool isDefault = scale == configured && v.scan == ctx.detector.scan;
      report.add({"detect (Haar)",
                  c.name + (scale == 1.0 ? ", full frame" : ", detectScale " + fmt(scale, 2)) +
                      (isDefault ? (ctx.detectorOverridden ? " (as set)" : " (default)") : "") +
                      (v.scan != ctx.detector.scan
                           ? (v.scan == CascadeScan::kOpenCv ? ", OpenCV's scan" : ", our vectorised scan")
                           : ""),
                  summarise(ms), "frame",
                  "face found in " + std::to_string(found) + "/" + std::to_string(grays.size()) +
                      " frames; CPU " + fmt((processCpuMs() - cpu0) / static_cast<double>(grays.size()), 1) +
                      " ms/frame (all threads)"});
    }
    // Re-confirming a tracked face: only the region around it (what the tracker asks for between full scans).
    {
      FaceDetector det = makeDetector(ctx.detector);
      std::vector<double> ms;
      size_t found = 0, tried = 0;
      for (const auto& g : grays) {
        const std::vector<Detection> full = det.detect(g);
        if (full.empty()) continue;
        const DetectRegion region = regionAround(full[0].box);
        const int64_t t0 = clk().nowNs();
        found += det.detectIn(g, region.area, region.minSidePx, region.maxSidePx).empty() ? 0 : 1;
        ms.push_back(nsToMs(clk().nowNs() - t0));
        ++tried;
      }
      report.add({"detect (Haar)", c.name + ", around a tracked face (2x its box)", summarise(ms), "frame",
                  "face found in " + std::to_string(found) + "/" + std::to_string(tried) + " frames"});
    }
    // The seed's settings (minimum size 30 px only), for reference.
    FaceDetector seed = makeDetector(seedDetectorParams());
    std::vector<double> ms;
    for (const auto& g : grays) {
      const int64_t t0 = clk().nowNs();
      (void)seed.detect(g);
      ms.push_back(nsToMs(clk().nowNs() - t0));
    }
    report.add(
        {"detect (Haar)", c.name + ", seed settings (full frame, min 30 px)", summarise(ms), "frame", ""});
  }
}

void benchKeypoints(const Context& ctx, const KeypointModel& model, Report& report) {
  progress("keypoints");
  const std::vector<cv::Mat> frames = loadFrames(ctx.demoPath, 1);
  if (frames.empty()) return;
  const cv::Mat gray = toGray(frames[0]);
  std::vector<Detection> d = makeDetector(ctx.detector).detect(gray);
  const cv::Rect2f box = d.empty() ? cv::Rect2f(gray.cols * 0.35f, gray.rows * 0.25f, 180, 180) : d[0].box;
  const int reps = ctx.quick ? 30 : 200;
  const ModelMetadata& m = model.metadata();
  // What the pipeline runs per face: the crop, the keypoints and, where the model scores it, the presence.
  const std::string modelNote = m.name + " " + std::to_string(m.inputWidth) + "x" +
                                std::to_string(m.inputHeight) + "x" + std::to_string(m.channels) +
                                (model.hasPresence() ? ", crop + forward + presence" : ", crop + forward");
  std::vector<float> presence;
  // A tracked face's pass: crops from keypoints, one forward pass each (a dim one is not mirrored).
  constexpr MirrorAverage kTracked = MirrorAverage::kDetectorCropsOnly;
  for (int warm = 0; warm < 20; ++warm)
    (void)model.predict(gray, {model.cropFor(box)}, {}, &presence, kTracked);
  for (int faces : {1, 2, 4, 8}) {
    std::vector<CropWindow> crops;
    for (int k = 0; k < faces; ++k) {
      cv::Rect2f b = box;
      b.x += static_cast<float>(k) * 0.02f * b.width;
      b.y -= static_cast<float>(k) * 0.02f * b.height;
      crops.push_back(model.cropFor(b));
    }
    std::vector<double> batched, single;
    for (int r = 0; r < reps; ++r) {
      int64_t t0 = clk().nowNs();
      (void)model.predict(gray, crops, {}, &presence, kTracked);
      batched.push_back(nsToMs(clk().nowNs() - t0));
      if (faces == 1) continue;
      t0 = clk().nowNs();
      for (const auto& c : crops) (void)model.predict(gray, {c}, {}, &presence, kTracked);
      single.push_back(nsToMs(clk().nowNs() - t0));
    }
    const Dist b = summarise(batched);
    report.add({"keypoints", std::to_string(faces) + (faces == 1 ? " face" : " faces, batched"), b, "frame",
                fmt(b.median / faces, 2) + " ms/face (" + modelNote + ")"});
    if (faces == 1) {
      report.set("keypoints_ms_per_face", b.median);
      report.set("keypoints_faces_per_s", 1000.0 / b.mean, 1);
    } else {
      const Dist s = summarise(single);
      report.add({"keypoints", std::to_string(faces) + " faces, one by one", s, "frame",
                  fmt(s.median / faces, 2) + " ms/face"});
      report.set("keypoints_" + std::to_string(faces) + "_batched_ms", b.median);
      report.set("keypoints_" + std::to_string(faces) + "_one_by_one_ms", s.median);
    }
  }
}

void benchSmoothing(const Context& ctx, Report& report) {
  progress("smoothing");
  const OneEuroParams p = TrackerParams{}.oneEuro;
  std::vector<OneEuroFilter> filters(2 * kNumKeypoints);
  cv::RNG rng(7);
  const int frames = ctx.quick ? 200 : 2000;
  std::vector<double> ms;
  double sink = 0;
  for (int f = 0; f < frames; ++f) {
    const int64_t t = static_cast<int64_t>(f) * 33'333'333;
    double values[2 * kNumKeypoints];
    for (double& v : values) v = 100 + rng.gaussian(1.0);
    const int64_t t0 = clk().nowNs();
    for (size_t i = 0; i < filters.size(); ++i) sink += filters[i].filter(values[i], t, p);
    ms.push_back(nsToMs(clk().nowNs() - t0));
  }
  report.add({"smoothing", "One Euro, 68 points x 2 (one face)", summarise(ms), "frame",
              sink > 0 ? "min cutoff " + fmt(p.minCutoffHz, 2) + " Hz, beta " + fmt(p.beta, 3) : ""});
}

void benchEndToEnd(const Context& ctx, const KeypointModel& model, Report& report) {
  progress("end-to-end (demo clip, tracking)");
  const size_t maxFrames = ctx.quick ? 90 : 100000;
  ClipRun track = runClip(ctx.demoPath, model, ctx.detector, {}, maxFrames);
  report.add({"end-to-end", "demo 720x528, tracking (default settings)", summarise(track.frameMs), "frame",
              fmt(track.fps, 1) + " fps wall; detector on " + std::to_string(track.detectorRuns) + "/" +
                  std::to_string(track.frames) + " frames; face in " + std::to_string(track.framesWithFace)});
  report.add({"detect (Haar)", "in the pipeline, demo, frames where it ran", summarise(track.detectMs),
              "frame", ""});
  report.add({"pipeline", "demo, frames served by tracking only (no Haar)", summarise(track.trackOnlyMs),
              "frame", "process(): crop + CNN + track + smoothing"});
  report.add(
      {"pipeline", "demo, frames where the detector ran", summarise(track.detectFrameMs), "frame", ""});
  report.add({"smoothing", "tracker stage in the pipeline (motion check, association, One Euro)",
              summarise(track.trackStageMs), "frame", ""});
  report.set("demo_fps_tracking", track.fps, 1);
  report.set(
      "demo_detector_share_tracking",
      track.frames ? static_cast<double>(track.detectorRuns) / static_cast<double>(track.frames) : 0.0);

  progress("end-to-end (demo clip, detection on every frame)");
  ClipRun every = runClip(ctx.demoPath, model, ctx.detector, everyFrame(), maxFrames);
  report.add({"end-to-end", "demo 720x528, detection on every frame", summarise(every.frameMs), "frame",
              fmt(every.fps, 1) + " fps wall; face in " + std::to_string(every.framesWithFace) + "/" +
                  std::to_string(every.frames)});
  report.set("demo_fps_detect_every_frame", every.fps, 1);

  progress("end-to-end (1280x720, detection on every frame)");
  ClipRun hd = runClip(ctx.video720Path, model, ctx.detector, everyFrame(), maxFrames);
  const DetectorParams& dp = ctx.detector;
  report.add({"end-to-end",
              std::string("1280x720, detection on every frame") +
                  (ctx.detectorOverridden ? " (detector as set)" : " (default detector)"),
              summarise(hd.frameMs), "frame",
              fmt(hd.fps, 1) + " fps wall; detectScale " + fmt(dp.detectScale, 2) + ", minSizeFraction " +
                  fmt(dp.minSizeFraction, 3) + "; face in " + std::to_string(hd.framesWithFace) + "/" +
                  std::to_string(hd.frames)});
  report.set("hd720_fps_detect_every_frame", hd.fps, 1);
  ClipRun hdTrack = runClip(ctx.video720Path, model, ctx.detector, {}, maxFrames);
  report.add({"end-to-end", "1280x720, tracking", summarise(hdTrack.frameMs), "frame",
              fmt(hdTrack.fps, 1) + " fps wall"});
  report.set("hd720_fps_tracking", hdTrack.fps, 1);
}

void benchSamples(const Context& ctx, const KeypointModel& model, Report& report) {
  progress("multi-face sample images");
  const int reps = ctx.quick ? 5 : 30;
  for (const char* name : {"obamas.jpg", "the_beatles.jpg"}) {
    const std::string path = ctx.dataDir + "/samples/" + name;
    auto image = readImageFile(path);
    if (!image) {
      report.skip(std::string(name) + ": " + image.error().message);
      continue;
    }
    for (TrackingMode mode : {TrackingMode::kDetectEveryFrame, TrackingMode::kTrack}) {
      TrackerParams tp;
      tp.mode = mode;
      FacePipeline pipeline(makeDetector(ctx.detector), model, tp);
      std::vector<double> ms;
      size_t faces = 0;
      for (int i = 0; i < reps + 3; ++i) {
        Frame f;
        f.id = static_cast<uint64_t>(i);
        f.captureNs = static_cast<int64_t>(i) * 33'333'333;
        f.image = image.value();
        const int64_t t0 = clk().nowNs();
        const FrameResult r = pipeline.process(f);
        if (i >= 3) ms.push_back(nsToMs(clk().nowNs() - t0));
        faces = r.faces.size();
      }
      report.add({"end-to-end",
                  std::string(name) + " " + std::to_string(image->cols) + "x" + std::to_string(image->rows) +
                      (mode == TrackingMode::kTrack ? ", tracking (still image as video)"
                                                    : ", detection every frame"),
                  summarise(ms), "frame", std::to_string(faces) + " faces"});
    }
  }
}

void benchLatency(const Context& ctx, const KeypointModel& model, Report& report) {
  progress("capture-to-result latency (demo at 24 fps, latest-only, EngineThread)");
  auto pipeline = std::make_unique<FacePipeline>(makeDetector(ctx.detector), model, TrackerParams{});
  EngineThread engine(std::move(pipeline));
  std::mutex mutex;
  std::vector<double> latency;
  engine.setResultCallback([&](const FramePtr&, const FrameResultPtr& r) {
    std::lock_guard lock(mutex);
    latency.push_back(nsToMs(r->resultNs - r->captureNs));
  });
  CaptureParams cp;
  cp.delivery = Delivery::kLatest;
  cp.pacing = Pacing::kSourceRate;
  cp.maxFrames = ctx.quick ? 48 : 240;
  SourceSpec spec;
  spec.kind = SourceKind::kVideoFile;
  spec.path = ctx.demoPath;
  if (auto s = engine.setSource(spec, cp); !s) {
    report.skip("latency: " + s.error().message);
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!engine.finished() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const EngineStats st = engine.stats();
  engine.stop();
  std::lock_guard lock(mutex);
  const Dist d = summarise(latency);
  report.add({"latency", "capture -> result, demo paced at 24 fps, latest-only (EngineThread)", d, "frame",
              std::to_string(st.capture.framesDropped) + " dropped of " +
                  std::to_string(st.capture.framesCaptured)});
  report.set("capture_to_result_ms_median", d.median);
  report.set("capture_to_result_ms_p95", d.p95);
  report.set("capture_to_result_ms_p99", d.p99);
  report.set("latency_frames_dropped", static_cast<double>(st.capture.framesDropped), 0);
  benchLatencyMjpgCamera(ctx, model, report);
}

namespace {

// The seed model to time: the trained one when there is one (--seed-model, default training/runs/seed.pt),
// else the seed's architecture with untrained weights, generated at build time (training/make_test_model.py
// --seed-arch): the same network costs the same per face whatever its weights, so the speed rows hold
// without the hour of training; only accuracy needs the trained weights.
struct SeedModelChoice {
  std::string path;
  bool trained = false;
};

SeedModelChoice chooseSeedModel(const Context& ctx) {
  std::error_code ec;
  if (!ctx.seedModelPath.empty() && std::filesystem::exists(ctx.seedModelPath, ec))
    return {ctx.seedModelPath, true};
  return {FACEFILTER_BENCH_UNTRAINED_SEED_MODEL, false};
}

// The seed's accuracy on the udacity test split, as the seed ran: its detector settings, one pass.
void seedAccuracy(const Context& ctx, const KeypointModel& seed, Report& report) {
  auto samples = loadKeypointsSplit(ctx.dataDir, "test");
  if (!samples) {
    report.skip("seed accuracy: " + samples.error().message);
    return;
  }
  progress("seed accuracy on the udacity test split (gt box, and its pipeline)");
  const FaceDetector detector = makeDetector(seedDetectorParams());
  EvalOptions opt;
  opt.timing = false;
  opt.refine = false;  // the seed's own one-pass pipeline
  if (ctx.quick) opt.limit = 100;
  auto r = evaluateKeypoints(samples.value(), seed, &detector, opt);
  if (!r) {
    report.skip("seed accuracy: " + r.error().message);
    return;
  }
  const std::string section = "accuracy (udacity test, " + std::to_string(r->gtBox.count) + " faces)";
  report.addText(
      section, "seed: " + seed.metadata().name + ", box from the truth",
      "NME mean " + fmt(100 * r->gtBox.mean, 2) + " %, median " + fmt(100 * r->gtBox.median, 2) + " %");
  report.addText(
      section, "seed: its pipeline (Haar, seed settings, one pass)",
      "NME mean " + fmt(100 * r->pipeline.mean, 2) + " %, misses " + fmt(100 * r->missRate, 1) + " %");
  report.set("nme_seed_gt_box", 100 * r->gtBox.mean);
  report.set("nme_seed_pipeline", 100 * r->pipeline.mean);
}

}  // namespace

void benchSeed(const Context& ctx, const KeypointModel& ours, Report& report) {
  const SeedModelChoice choice = chooseSeedModel(ctx);
  const std::string untrainedNote =
      "seed architecture with untrained weights (speed only; no trained seed model at '" + ctx.seedModelPath +
      "', --seed-model FILE)";
  report.set("nme_seed_gt_box", std::nullopt);
  report.set("nme_seed_pipeline", std::nullopt);
  auto seed = KeypointModel::load(choice.path, ComputeDevice::kCpu);
  if (!seed) {
    report.skip("seed pipeline rows: " + seed.error().message);
    report.set("seed_pipeline_fps", std::nullopt);
    report.set("speedup_vs_seed_pipeline", std::nullopt);
    return;
  }
  report.setString("seed_model", choice.trained ? "trained: " + choice.path : untrainedNote);
  if (!choice.trained) {
    std::fprintf(stderr, "facefilter-bench: seed rows: %s\n", untrainedNote.c_str());
    report.skip(
        "seed accuracy: needs the trained seed model (--seed-model FILE; training/README.md, Seed baseline)");
  }
  const size_t maxFrames = ctx.quick ? 24 : 96;
  // The seed's loop: decode, Haar on every frame at full size, one face at a time through its CNN.
  auto runSeed = [&](const KeypointModel& model, const DetectorParams& dp) {
    FaceDetector det = makeDetector(dp);
    std::vector<double> ms;
    auto src = VideoFileSource::open(ctx.demoPath);
    const int64_t start = clk().nowNs();
    size_t frames = 0;
    while (src && frames < maxFrames) {
      const int64_t t0 = clk().nowNs();
      ReadResult rr = src.value()->read();
      if (rr.status != ReadStatus::kFrame) break;
      const cv::Mat gray = toGray(rr.image);
      for (const Detection& d : det.detect(gray)) {
        (void)model.predict(model.metadata().channels == 1 ? gray : rr.image, {model.cropFor(d.box)}, {true});
      }
      ms.push_back(nsToMs(clk().nowNs() - t0));
      ++frames;
    }
    return std::pair{static_cast<double>(frames) / (nsToMs(clk().nowNs() - start) / 1000.0), ms};
  };
  progress(choice.trained
               ? "seed pipeline (Haar every frame, seed model, one face at a time)"
               : "seed pipeline (Haar every frame, seed architecture untrained, one face at a time)");
  (void)seed->predict(cv::Mat(64, 64, CV_8UC1, cv::Scalar(0)), {CropWindow{0, 0, 64}});
  const auto [seedFps, seedMs] = runSeed(seed.value(), seedDetectorParams());
  progress("our pipeline on the same frames (tracking, batched)");
  ClipRun mine = runClip(ctx.demoPath, ours, ctx.detector, {}, maxFrames);
  report.add({"seed vs ours",
              "seed: Haar every frame (full frame) + seed CNN " +
                  std::to_string(seed->metadata().inputWidth) + "px, one face at a time" +
                  (choice.trained ? "" : " (untrained weights: same cost)"),
              summarise(seedMs), "frame", fmt(seedFps, 1) + " fps wall"});
  report.add({"seed vs ours", "ours: tracking + batched CNN, same " + std::to_string(mine.frames) + " frames",
              summarise(mine.frameMs), "frame", fmt(mine.fps, 1) + " fps wall"});
  report.set("seed_pipeline_fps", seedFps, 2);
  report.set("ours_pipeline_fps_same_frames", mine.fps, 1);
  report.set("speedup_vs_seed_pipeline", seedFps > 0 ? mine.fps / seedFps : 0.0, 1);
  report.addText("seed vs ours", "throughput ratio (ours / seed), demo clip",
                 fmt(mine.fps / seedFps, 1) + "x");
  if (choice.trained) seedAccuracy(ctx, seed.value(), report);
}

}  // namespace facefilter::bench
