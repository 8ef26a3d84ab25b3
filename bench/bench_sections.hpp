#pragma once
// The sections of facefilter-bench. Each measures one thing on this machine and adds rows and JSON keys
// to the Report. Main thread only.

#include <optional>
#include <string>

#include "bench/bench_stats.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/keypoints/keypoint_model.hpp"
#include "engine/track/face_tracker.hpp"

namespace facefilter::bench {

struct Context {
  std::string dataDir;
  std::string demoPath;      // the demo clip (720x528, 24 fps)
  std::string video720Path;  // the demo clip upscaled to 1280x720, written at start-up
  std::string seedModelPath;
  std::string peerDlibPath;      // our dlib ERT .dat, trained on truth-derived boxes (empty: no ERT row)
  std::string peerDlibHaarPath;  // the same trained on the engine's Haar boxes (train_dlib_ert --boxes haar)
  std::string ibugDlibPath;      // dlib's pretrained iBUG predictor
  std::string appPath;           // the facefilter app (rendering and recording rows; empty: skipped)
  bool quick = false;            // fewer repetitions (a smoke run, not for figures)
  DetectorParams detector;       // the defaults unless overridden on the command line
  bool detectorOverridden = false;
  OneEuroParams oneEuro;  // smoothing for the stability rows (the defaults unless overridden)
  bool refineDetections =
      true;  // stability rows: the second CNN pass for detected faces (--single-pass: off)
};

// Writes the 1280x720 version of `src` (aspect kept, pillar-boxed) to `dst`, at `fps` (0: the source's).
// Returns an error message or "".
std::string makeUpscaledClip(const std::string& src, const std::string& dst, double fps = 0);

void benchDecode(const Context& ctx, Report& report);
void benchDetect(const Context& ctx, Report& report);
void benchKeypoints(const Context& ctx, const KeypointModel& model, Report& report);
void benchSmoothing(const Context& ctx, Report& report);
void benchEndToEnd(const Context& ctx, const KeypointModel& model, Report& report);
void benchSamples(const Context& ctx, const KeypointModel& model, Report& report);
void benchLatency(const Context& ctx, const KeypointModel& model, Report& report);
// The latency section's run with a camera's MJPG frames decoded on the capture thread (bench_decode.cpp).
void benchLatencyMjpgCamera(const Context& ctx, const KeypointModel& model, Report& report);
void benchSeed(const Context& ctx, const KeypointModel& model, Report& report);
void benchAccuracy(const Context& ctx, const KeypointModel& model, Report& report);
void benchStability(const Context& ctx, const KeypointModel& model, Report& report);
void benchPose(const Context& ctx, const KeypointModel& model, Report& report);
void benchPeer(const Context& ctx, const KeypointModel& model, Report& report);
void benchRender(const Context& ctx, Report& report);
void benchEncode(const Context& ctx, Report& report);
void benchVirtualCamera(const Context& ctx, Report& report);

}  // namespace facefilter::bench
