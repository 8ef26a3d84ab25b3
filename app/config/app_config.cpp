#include "app/config/app_config.hpp"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <opencv2/core/persistence.hpp>

namespace facefilter {
namespace {

class Reader {
 public:
  Reader(const cv::FileNode& root, std::vector<std::string>& warnings) : root_(root), warnings_(warnings) {}

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

Result<LoadedConfig> parseConfig(const std::string& json, const std::string& origin) {
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
  Reader r(fs.root(), out.warnings);
  r.string("source", c.source);
  r.string("model", c.modelPath);
  r.string("device", c.device);
  if (c.device != "auto" && c.device != "cpu" && c.device != "cuda") {
    r.warn("device", "must be auto, cpu or cuda");
    c.device = "auto";
  }
  r.number("scale_factor", c.detector.scaleFactor, 1.01, 2.0);
  r.integer("min_neighbors", c.detector.minNeighbors, 0, 50);
  r.integer("min_size_px", c.detector.minSizePx, 0, 4096);
  r.number("min_size_fraction", c.detector.minSizeFraction, 0.0, 1.0);
  r.number("detect_scale", c.detector.detectScale, 0.05, 1.0);
  r.integer("detect_interval", c.tracker.detectIntervalFrames, 1, 1000);
  c.tracker.minRedetectGapFrames = std::min(c.tracker.minRedetectGapFrames, c.tracker.detectIntervalFrames);
  bool smoothing = c.tracker.smoothing == Smoothing::kOneEuro;
  r.boolean("smoothing", smoothing);
  c.tracker.smoothing = smoothing ? Smoothing::kOneEuro : Smoothing::kOff;
  r.number("one_euro_min_cutoff_hz", c.tracker.oneEuro.minCutoffHz, 0.001, 100.0);
  r.number("one_euro_beta", c.tracker.oneEuro.beta, 0.0, 100.0);
  r.number("one_euro_derivative_cutoff_hz", c.tracker.oneEuro.derivativeCutoffHz, 0.001, 100.0);
  r.string("filters", c.view.filters);
  r.boolean("fade_with_confidence", c.view.fadeWithConfidence);
  r.boolean("head_pose", c.view.headPose);
  bool match = c.view.sync == VideoSync::kMatchResult;
  r.boolean("sync_video_to_result", match);
  c.view.sync = match ? VideoSync::kMatchResult : VideoSync::kNewestFrame;
  r.integer("hold_video_frames", c.view.holdVideoFrames, 0, 30);
  r.boolean("show_panel", c.view.showPanel);
  r.boolean("lighting_hint", c.view.lightingHint);
  r.boolean("debug_points", c.view.debug.points);
  r.boolean("debug_indices", c.view.debug.indices);
  r.boolean("debug_boxes", c.view.debug.boxes);
  r.boolean("debug_crop", c.view.debug.crop);
  r.boolean("debug_raw_detections", c.view.debug.rawDetections);
  r.boolean("debug_raw_vs_smoothed", c.view.debug.rawVsSmoothed);
  r.boolean("debug_head_pose", c.view.debug.headPoseAxes);
  r.string("record_dir", c.record.outputDir);
  r.number("record_fps", c.record.fps, 1.0, 240.0);
  r.integer("record_queue_frames", c.record.queueFrames, 1, 120);
  r.boolean("record_landmarks", c.record.landmarkSidecar);
  r.integer("window_width", c.windowWidth, 320, 16384);
  r.integer("window_height", c.windowHeight, 240, 16384);
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

std::string serializeConfig(const AppConfig& c) {
  std::ostringstream o;
  o.precision(10);
  auto b = [](bool v) { return v ? "true" : "false"; };
  o << "{\n"
    << "  \"source\": " << quote(c.source) << ",\n"
    << "  \"model\": " << quote(c.modelPath) << ",\n"
    << "  \"device\": " << quote(c.device) << ",\n"
    << "  \"scale_factor\": " << c.detector.scaleFactor << ",\n"
    << "  \"min_neighbors\": " << c.detector.minNeighbors << ",\n"
    << "  \"min_size_px\": " << c.detector.minSizePx << ",\n"
    << "  \"min_size_fraction\": " << c.detector.minSizeFraction << ",\n"
    << "  \"detect_scale\": " << c.detector.detectScale << ",\n"
    << "  \"detect_interval\": " << c.tracker.detectIntervalFrames << ",\n"
    << "  \"smoothing\": " << b(c.tracker.smoothing == Smoothing::kOneEuro) << ",\n"
    << "  \"one_euro_min_cutoff_hz\": " << c.tracker.oneEuro.minCutoffHz << ",\n"
    << "  \"one_euro_beta\": " << c.tracker.oneEuro.beta << ",\n"
    << "  \"one_euro_derivative_cutoff_hz\": " << c.tracker.oneEuro.derivativeCutoffHz << ",\n"
    << "  \"filters\": " << quote(c.view.filters) << ",\n"
    << "  \"fade_with_confidence\": " << b(c.view.fadeWithConfidence) << ",\n"
    << "  \"head_pose\": " << b(c.view.headPose) << ",\n"
    << "  \"sync_video_to_result\": " << b(c.view.sync == VideoSync::kMatchResult) << ",\n"
    << "  \"hold_video_frames\": " << c.view.holdVideoFrames << ",\n"
    << "  \"show_panel\": " << b(c.view.showPanel) << ",\n"
    << "  \"lighting_hint\": " << b(c.view.lightingHint) << ",\n"
    << "  \"debug_points\": " << b(c.view.debug.points) << ",\n"
    << "  \"debug_indices\": " << b(c.view.debug.indices) << ",\n"
    << "  \"debug_boxes\": " << b(c.view.debug.boxes) << ",\n"
    << "  \"debug_crop\": " << b(c.view.debug.crop) << ",\n"
    << "  \"debug_raw_detections\": " << b(c.view.debug.rawDetections) << ",\n"
    << "  \"debug_raw_vs_smoothed\": " << b(c.view.debug.rawVsSmoothed) << ",\n"
    << "  \"debug_head_pose\": " << b(c.view.debug.headPoseAxes) << ",\n"
    << "  \"record_dir\": " << quote(c.record.outputDir) << ",\n"
    << "  \"record_fps\": " << c.record.fps << ",\n"
    << "  \"record_queue_frames\": " << c.record.queueFrames << ",\n"
    << "  \"record_landmarks\": " << b(c.record.landmarkSidecar) << ",\n"
    << "  \"window_width\": " << c.windowWidth << ",\n"
    << "  \"window_height\": " << c.windowHeight << "\n"
    << "}\n";
  return o.str();
}

Status saveConfig(const std::filesystem::path& path, const AppConfig& config) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return makeError("saveConfig: cannot create " + path.parent_path().string() + ": " + ec.message());
  const auto tmp = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return makeError("saveConfig: cannot write " + tmp.string());
    out << serializeConfig(config);
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
