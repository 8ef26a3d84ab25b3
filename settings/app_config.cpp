#include "settings/app_config.hpp"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <opencv2/core/persistence.hpp>

namespace facefilter {
namespace {

class Reader {
 public:
  Reader(const cv::FileNode& root, LoadedConfig& out) : root_(root), warnings_(out.warnings), rejected_(out.rejectedValues) {}

  void number(const char* key, double& value, double min, double max) {
    known_.insert(key);
    const cv::FileNode n = root_[key];
    if (n.empty()) return;
    if (!n.isReal() && !n.isInt()) return warn(key, "is not a number");
    const double v = static_cast<double>(n);
    if (!(v >= min && v <= max)) return warn(key, "= " + std::to_string(v) + " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    value = v;
  }
  void number(const char* key, float& value, double min, double max) {
    double v = value;
    number(key, v, min, max);
    value = static_cast<float>(v);
  }
  void integer(const char* key, int& value, int min, int max) {
    known_.insert(key);
    const cv::FileNode n = root_[key];
    if (n.empty()) return;
    if (!n.isInt()) return warn(key, "is not an integer");
    const int v = static_cast<int>(n);
    if (v < min || v > max) return warn(key, "= " + std::to_string(v) + " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    value = v;
  }
  void boolean(const char* key, bool& value) {
    known_.insert(key);
    const cv::FileNode n = root_[key];
    if (n.empty()) return;
    if (!n.isInt() || (static_cast<int>(n) != 0 && static_cast<int>(n) != 1)) return warn(key, "is not true/false");
    value = static_cast<int>(n) == 1;
  }
  void string(const char* key, std::string& value, size_t maxLength = 4096) {
    known_.insert(key);
    const cv::FileNode n = root_[key];
    if (n.empty()) return;
    if (!n.isString()) return warn(key, "is not a string");
    std::string v = static_cast<std::string>(n);
    if (v.size() > maxLength) return warn(key, "is longer than " + std::to_string(maxLength) + " characters");
    // Paths, sources and filter names never hold control characters, and the file could not keep them.
    for (char ch : v) {
      if (static_cast<unsigned char>(ch) < 0x20) return warn(key, "contains control characters");
    }
    value = v;
  }
  void warn(const std::string& key, const std::string& what) {
    ++rejected_;
    warnings_.push_back("config: '" + key + "' " + what + "; using the default");
  }
  // Keys no reader asked for: typos and settings of other versions, named once each.
  void warnUnknownKeys() {
    for (const auto& key : root_.keys()) {
      if (known_.count(key) == 0) warnings_.push_back("config: '" + key + "' is not a known setting; ignored");
    }
  }

 private:
  cv::FileNode root_;
  std::vector<std::string>& warnings_;
  int& rejected_;
  std::set<std::string> known_;
};

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      // cv::FileStorage reads no \u escapes back: control characters are left out (the reader refuses
      // them anyway), so a saved file always loads.
      continue;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::filesystem::path configDir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::filesystem::path(xdg) / "facefilter";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".config" / "facefilter";
  }
  return std::filesystem::path(".facefilter");
}

std::filesystem::path defaultConfigPath() { return configDir() / "config.json"; }

const char* toString(SettingsSection section) {
  switch (section) {
    case SettingsSection::kDetector: return "detector";
    case SettingsSection::kTracking: return "tracking and smoothing";
    case SettingsSection::kFilters: return "filters";
    case SettingsSection::kDebugViews: return "debug views";
    case SettingsSection::kRecording: return "recording";
  }
  return "?";
}

void copySection(const AppConfig& from, AppConfig& to, SettingsSection section) {
  switch (section) {
    case SettingsSection::kDetector:
      to.detector = from.detector;
      break;
    case SettingsSection::kTracking:
      to.tracker = from.tracker;
      break;
    case SettingsSection::kFilters:
      to.view.filters = from.view.filters;
      to.view.fadeWithConfidence = from.view.fadeWithConfidence;
      to.view.headPose = from.view.headPose;
      break;
    case SettingsSection::kDebugViews:
      to.view.debug = from.view.debug;
      to.view.sync = from.view.sync;
      to.view.holdVideoFrames = from.view.holdVideoFrames;
      to.view.lightingHint = from.view.lightingHint;
      break;
    case SettingsSection::kRecording:
      to.record = from.record;
      break;
  }
}

void resetSection(AppConfig& config, SettingsSection section) { copySection(AppConfig{}, config, section); }

Result<LoadedConfig> parseConfig(const std::string& json, const std::string& origin, ConfigScope scope) {
  cv::FileStorage fs;
  try {
    if (!fs.open(json, cv::FileStorage::READ | cv::FileStorage::MEMORY | cv::FileStorage::FORMAT_JSON)) {
      return makeError("parseConfig: " + origin + " is not valid JSON");
    }
  } catch (const cv::Exception& e) {
    return makeError("parseConfig: " + origin + " is not valid JSON: " + e.err);
  }
  if (!fs.root().isMap()) return makeError("parseConfig: " + origin + ": the top level must be an object");
  LoadedConfig out;
  AppConfig& c = out.config;
  Reader r(fs.root(), out);
  if (scope == ConfigScope::kEverything) {
    r.string("source", c.source);
    r.string("model", c.modelPath);
    r.string("device", c.device);
    if (c.device != "auto" && c.device != "cpu" && c.device != "cuda") {
      r.warn("device", "must be auto, cpu or cuda");
      c.device = "auto";
    }
  }
  // kDetector
  r.number("scale_factor", c.detector.scaleFactor, 1.01, 2.0);
  r.integer("min_neighbors", c.detector.minNeighbors, 0, 50);
  r.integer("min_size_px", c.detector.minSizePx, 0, 4096);
  r.number("min_size_fraction", c.detector.minSizeFraction, 0.0, 1.0);
  r.number("detect_scale", c.detector.detectScale, 0.05, 1.0);
  r.boolean("rolled_passes", c.detector.rolledPasses);
  r.boolean("profile_passes", c.detector.profilePasses);
  r.integer("extra_passes_per_frame", c.detector.extraPassesPerFrame, 0, 6);
  // kTracking
  r.integer("detect_interval", c.tracker.detectIntervalFrames, 1, 1000);
  c.tracker.minRedetectGapFrames = std::min(c.tracker.minRedetectGapFrames, c.tracker.detectIntervalFrames);
  bool smoothing = c.tracker.smoothing == Smoothing::kOneEuro;
  r.boolean("smoothing", smoothing);
  c.tracker.smoothing = smoothing ? Smoothing::kOneEuro : Smoothing::kOff;
  r.number("one_euro_min_cutoff_hz", c.tracker.oneEuro.minCutoffHz, 0.001, 100.0);
  r.number("one_euro_beta", c.tracker.oneEuro.beta, 0.0, 100.0);
  r.number("one_euro_derivative_cutoff_hz", c.tracker.oneEuro.derivativeCutoffHz, 0.001, 100.0);
  r.boolean("second_pass_for_detections", c.tracker.refineDetections);
  r.number("presence_threshold", c.tracker.presenceThreshold, 0.0, 1.0);
  // kFilters
  r.string("filters", c.view.filters);
  r.boolean("fade_with_confidence", c.view.fadeWithConfidence);
  r.boolean("head_pose", c.view.headPose);
  // kDebugViews
  bool match = c.view.sync == VideoSync::kMatchResult;
  r.boolean("sync_video_to_result", match);
  c.view.sync = match ? VideoSync::kMatchResult : VideoSync::kNewestFrame;
  r.integer("hold_video_frames", c.view.holdVideoFrames, 0, 30);
  r.boolean("lighting_hint", c.view.lightingHint);
  r.boolean("debug_points", c.view.debug.points);
  r.boolean("debug_indices", c.view.debug.indices);
  r.boolean("debug_boxes", c.view.debug.boxes);
  r.boolean("debug_crop", c.view.debug.crop);
  r.boolean("debug_raw_detections", c.view.debug.rawDetections);
  r.boolean("debug_raw_vs_smoothed", c.view.debug.rawVsSmoothed);
  r.boolean("debug_head_pose", c.view.debug.headPoseAxes);
  // kRecording
  r.string("record_dir", c.record.outputDir);
  r.number("record_fps", c.record.fps, 1.0, 240.0);
  r.integer("record_queue_frames", c.record.queueFrames, 1, 120);
  r.boolean("record_landmarks", c.record.landmarkSidecar);
  if (scope == ConfigScope::kEverything) {
    r.boolean("show_panel", c.view.showPanel);
    r.integer("window_width", c.windowWidth, 320, 16384);
    r.integer("window_height", c.windowHeight, 240, 16384);
  }
  if (auto v = validate(c.detector); !v) {
    r.warn("detector", v.error().message);
    c.detector = DetectorParams{};
  }
  if (auto v = validate(c.tracker); !v) {
    r.warn("tracker", v.error().message);
    c.tracker = TrackerParams{};
  }
  r.warnUnknownKeys();
  return out;
}

Result<LoadedConfig> loadConfig(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return LoadedConfig{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError("loadConfig: cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return parseConfig(ss.str(), path.string());
}

std::string serializeConfig(const AppConfig& c, ConfigScope scope) {
  std::ostringstream o;
  o.precision(10);
  const char* sep = "{\n";
  // Each value on its own line; the separator goes before every entry but the first.
  auto key = [&](const char* name) -> std::ostream& {
    o << sep << "  \"" << name << "\": ";
    sep = ",\n";
    return o;
  };
  auto b = [](bool v) { return v ? "true" : "false"; };
  const bool everything = scope == ConfigScope::kEverything;
  if (everything) {
    key("source") << quote(c.source);
    key("model") << quote(c.modelPath);
    key("device") << quote(c.device);
  }
  key("scale_factor") << c.detector.scaleFactor;
  key("min_neighbors") << c.detector.minNeighbors;
  key("min_size_px") << c.detector.minSizePx;
  key("min_size_fraction") << c.detector.minSizeFraction;
  key("detect_scale") << c.detector.detectScale;
  key("rolled_passes") << b(c.detector.rolledPasses);
  key("profile_passes") << b(c.detector.profilePasses);
  key("extra_passes_per_frame") << c.detector.extraPassesPerFrame;
  key("detect_interval") << c.tracker.detectIntervalFrames;
  key("smoothing") << b(c.tracker.smoothing == Smoothing::kOneEuro);
  key("one_euro_min_cutoff_hz") << c.tracker.oneEuro.minCutoffHz;
  key("one_euro_beta") << c.tracker.oneEuro.beta;
  key("one_euro_derivative_cutoff_hz") << c.tracker.oneEuro.derivativeCutoffHz;
  key("second_pass_for_detections") << b(c.tracker.refineDetections);
  key("presence_threshold") << c.tracker.presenceThreshold;
  key("filters") << quote(c.view.filters);
  key("fade_with_confidence") << b(c.view.fadeWithConfidence);
  key("head_pose") << b(c.view.headPose);
  key("sync_video_to_result") << b(c.view.sync == VideoSync::kMatchResult);
  key("hold_video_frames") << c.view.holdVideoFrames;
  key("lighting_hint") << b(c.view.lightingHint);
  key("debug_points") << b(c.view.debug.points);
  key("debug_indices") << b(c.view.debug.indices);
  key("debug_boxes") << b(c.view.debug.boxes);
  key("debug_crop") << b(c.view.debug.crop);
  key("debug_raw_detections") << b(c.view.debug.rawDetections);
  key("debug_raw_vs_smoothed") << b(c.view.debug.rawVsSmoothed);
  key("debug_head_pose") << b(c.view.debug.headPoseAxes);
  key("record_dir") << quote(c.record.outputDir);
  key("record_fps") << c.record.fps;
  key("record_queue_frames") << c.record.queueFrames;
  key("record_landmarks") << b(c.record.landmarkSidecar);
  if (everything) {
    key("show_panel") << b(c.view.showPanel);
    key("window_width") << c.windowWidth;
    key("window_height") << c.windowHeight;
  }
  o << "\n}\n";
  return o.str();
}

Status saveConfig(const std::filesystem::path& path, const AppConfig& config, ConfigScope scope) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return makeError("saveConfig: cannot create " + path.parent_path().string() + ": " + ec.message());
  const auto tmp = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return makeError("saveConfig: cannot write " + tmp.string());
    out << serializeConfig(config, scope);
    out.flush();
    if (!out) return makeError("saveConfig: writing " + tmp.string() + " failed (disk full?)");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return makeError("saveConfig: cannot rename " + tmp.string() + " to " + path.string());
  }
  return Ok{};
}

}  // namespace facefilter
