#include "cli/common_options.hpp"

#include <spdlog/spdlog.h>

#include "engine/core/logging.hpp"

namespace facefilter::cli {
namespace {

// An option that takes one of two words.
template <typename E>
Result<E> oneOf(const ArgParser& p, const std::string& name, const std::string& a, E ea, const std::string& b, E eb) {
  const std::string v = p.get(name);
  if (v == a) return ea;
  if (v == b) return eb;
  return makeError("--" + name + ": expected " + a + " or " + b + ", got '" + v + "'");
}

}  // namespace

void addModelOptions(ArgParser& p) {
  p.option("model", "FILE", "keypoint model (TorchScript with facefilter metadata)", defaultModelPath());
  p.option("device", "auto|cpu|cuda", "where the model runs", "auto");
  p.option("threads", "N", "CPU threads for inference (0 = LibTorch's default)", "0");
}

void addDetectorOptions(ArgParser& p) {
  const DetectorParams d;
  p.option("cascade", "FILE", "Haar cascade XML", d.cascadePath);
  p.option("scale-factor", "F", "detector pyramid step (> 1)", std::to_string(d.scaleFactor).substr(0, 4));
  p.option("min-neighbors", "N", "overlapping detections needed per face", std::to_string(d.minNeighbors));
  p.option("min-size", "PX", "smallest face side in pixels", std::to_string(d.minSizePx));
  p.option("min-size-fraction", "F", "smallest face side as a share of the frame's shorter side",
           std::to_string(d.minSizeFraction).substr(0, 4));
  p.option("max-size", "PX", "largest face side in pixels (0 = none)", std::to_string(d.maxSizePx));
  p.option("detect-scale", "F", "run the detector on a copy scaled by F (0.05..1)", "1");
  p.option("downscale", "min-face|off",
           "min-face: run the detector on a copy scaled so that the smallest face is 1.6 cascade windows",
           d.downscale == DetectDownscale::kToMinFace ? "min-face" : "off");
  p.option("cascade-scan", "ours|opencv",
           "ours: our vectorised scan where it supports the cascade (same boxes as OpenCV's, faster); opencv: "
           "cv::CascadeClassifier",
           d.scan == CascadeScan::kVectorised ? "ours" : "opencv");
  p.option("rolled-passes", "on|off", "cold start: also scan copies turned by +-30 and +-60 degrees for tilted faces",
           d.rolledPasses ? "on" : "off");
  p.option("profile-passes", "on|off", "cold start: also scan with the profile cascade (the frame and its mirror)",
           d.profilePasses ? "on" : "off");
  p.option("extra-passes", "N",
           "extra cold-start passes per frame while looking for new faces; they take turns (still images: all)",
           std::to_string(d.extraPassesPerFrame));
}

void addPresenceOption(ArgParser& p) {
  p.option("presence-threshold", "F",
           "a face whose presence score is below F (0..1) gets no keypoints and no filter; its track ends after a "
           "few such frames (models with a presence score)",
           std::to_string(TrackerParams{}.presenceThreshold).substr(0, 4));
}

Result<float> presenceThresholdFrom(const ArgParser& p) {
  auto v = p.number("presence-threshold", 0, 1);
  if (!v) return v.error();
  return static_cast<float>(v.value());
}

void addTrackerOptions(ArgParser& p) {
  const TrackerParams t;
  p.flag("no-tracking", "run the detector on every frame (no tracking, no smoothing)");
  p.option("detect-every", "N", "re-detect at least every N frames while tracking", std::to_string(t.detectIntervalFrames));
  p.option("full-scan-every", "N",
           "scan the whole frame for new faces at least every N frames while tracking (other detections search "
           "around the tracked faces; 1 = always the whole frame)",
           std::to_string(t.fullScanIntervalFrames));
  p.flag("no-smoothing", "keypoints as the CNN gives them");
  p.option("min-cutoff", "HZ", "One Euro min cutoff", std::to_string(t.oneEuro.minCutoffHz).substr(0, 4));
  p.option("beta", "B", "One Euro beta", std::to_string(t.oneEuro.beta).substr(0, 5));
  addRefineOption(p);
  addPresenceOption(p);
}

void addRefineOption(ArgParser& p) {
  p.flag("single-pass",
         "one CNN pass for a face found by the detector (default: a second pass from the box its keypoints imply)");
}

bool refineFrom(const ArgParser& p) { return !p.has("single-pass"); }

void addLogOptions(ArgParser& p) { p.option("log-level", "LEVEL", "trace|debug|info|warn|error|off", "warn"); }

Result<DetectorParams> detectorParamsFrom(const ArgParser& p) {
  DetectorParams d;
  d.cascadePath = p.get("cascade");
  auto sf = p.number("scale-factor", 1.0001, 2.0);
  if (!sf) return sf.error();
  auto mn = p.integer("min-neighbors", 0, 100);
  if (!mn) return mn.error();
  auto mins = p.integer("min-size", 0, 10000);
  if (!mins) return mins.error();
  auto minf = p.number("min-size-fraction", 0, 1);
  if (!minf) return minf.error();
  d.minSizeFraction = minf.value();
  auto maxs = p.integer("max-size", 0, 100000);
  if (!maxs) return maxs.error();
  auto ds = p.number("detect-scale", 0.05, 1.0);
  if (!ds) return ds.error();
  d.scaleFactor = sf.value();
  d.minNeighbors = mn.value();
  d.minSizePx = mins.value();
  d.maxSizePx = maxs.value();
  d.detectScale = ds.value();
  auto downscale = oneOf(p, "downscale", "min-face", DetectDownscale::kToMinFace, "off", DetectDownscale::kOff);
  if (!downscale) return downscale.error();
  d.downscale = downscale.value();
  auto scan = oneOf(p, "cascade-scan", "ours", CascadeScan::kVectorised, "opencv", CascadeScan::kOpenCv);
  if (!scan) return scan.error();
  d.scan = scan.value();
  auto rolled = oneOf(p, "rolled-passes", "on", true, "off", false);
  if (!rolled) return rolled.error();
  d.rolledPasses = rolled.value();
  auto profile = oneOf(p, "profile-passes", "on", true, "off", false);
  if (!profile) return profile.error();
  d.profilePasses = profile.value();
  auto extra = p.integer("extra-passes", 0, 6);
  if (!extra) return extra.error();
  d.extraPassesPerFrame = extra.value();
  if (auto v = validate(d); !v) return v.error();
  return d;
}

Result<TrackerParams> trackerParamsFrom(const ArgParser& p) {
  TrackerParams t;
  if (p.has("no-tracking")) t.mode = TrackingMode::kDetectEveryFrame;
  if (p.has("no-smoothing")) t.smoothing = Smoothing::kOff;
  t.refineDetections = refineFrom(p);
  auto every = p.integer("detect-every", 1, 1000);
  if (!every) return every.error();
  t.detectIntervalFrames = every.value();
  t.minRedetectGapFrames = std::min(t.minRedetectGapFrames, t.detectIntervalFrames);
  auto fullEvery = p.integer("full-scan-every", 1, 100000);
  if (!fullEvery) return fullEvery.error();
  t.fullScanIntervalFrames = fullEvery.value();
  auto mc = p.number("min-cutoff", 0.001, 100);
  if (!mc) return mc.error();
  auto beta = p.number("beta", 0, 100);
  if (!beta) return beta.error();
  t.oneEuro.minCutoffHz = mc.value();
  t.oneEuro.beta = beta.value();
  auto presence = presenceThresholdFrom(p);
  if (!presence) return presence.error();
  t.presenceThreshold = presence.value();
  if (auto v = validate(t); !v) return v.error();
  return t;
}

Result<KeypointModel> loadModelFrom(const ArgParser& p) {
  auto device = parseComputeDevice(p.get("device"));
  if (!device) return device.error();
  auto threads = p.integer("threads", 0, 256);
  if (!threads) return threads.error();
  setInferenceThreads(threads.value());
  return KeypointModel::load(p.get("model"), device.value());
}

Status applyLogOptions(const ArgParser& p) {
  const std::string level = p.get("log-level");
  const auto l = spdlog::level::from_str(level);
  if (l == spdlog::level::off && level != "off") return makeError("--log-level: unknown level '" + level + "'");
  setLogLevel(l);
  return Ok{};
}

}  // namespace facefilter::cli
