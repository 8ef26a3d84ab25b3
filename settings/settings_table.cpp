#include "settings/settings_table.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

namespace facefilter {
namespace {

using S = SettingsSection;

// A float field is shown and saved at float precision (0.3f as 0.3, not 0.30000001192092896).
double widen(float v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.7g", static_cast<double>(v));
  return std::strtod(text, nullptr);
}

constexpr int kMaxTextLength = 4096;

// An entry without its value's access yet.
Setting entry(std::string_view key, S section, SettingType type, std::string_view help, double min = 0,
              double max = 0) {
  Setting s;
  s.key = key;
  s.section = section;
  s.type = type;
  s.help = help;
  s.min = min;
  s.max = max;
  return s;
}

// A field of AppConfig held as the SettingValue alternative V (a float field as a double at float precision).
template <typename V, typename Field>
Setting bound(Setting s, Field& (*ref)(AppConfig&)) {
  s.get = [ref](const AppConfig& c) {
    const Field& v = ref(const_cast<AppConfig&>(c));
    if constexpr (std::is_same_v<Field, float>) {
      return SettingValue(widen(v));
    } else {
      return SettingValue(V(v));
    }
  };
  s.set = [ref](AppConfig& c, const SettingValue& v) { ref(c) = static_cast<Field>(std::get<V>(v)); };
  return s;
}

Setting boolean(std::string_view key, S section, bool& (*ref)(AppConfig&), std::string_view help) {
  return bound<bool>(entry(key, section, SettingType::kBool, help), ref);
}

// A boolean stored as something else (an enum of two values).
Setting boolean(std::string_view key, S section, bool (*get)(const AppConfig&), void (*set)(AppConfig&, bool),
                std::string_view help) {
  Setting s = entry(key, section, SettingType::kBool, help);
  s.get = [get](const AppConfig& c) { return SettingValue(get(c)); };
  s.set = [set](AppConfig& c, const SettingValue& v) { set(c, std::get<bool>(v)); };
  return s;
}

Setting integer(std::string_view key, S section, int& (*ref)(AppConfig&), int min, int max,
                std::string_view help) {
  return bound<int>(entry(key, section, SettingType::kInt, help, min, max), ref);
}

Setting real(std::string_view key, S section, double& (*ref)(AppConfig&), double min, double max,
             std::string_view help) {
  return bound<double>(entry(key, section, SettingType::kReal, help, min, max), ref);
}

Setting real(std::string_view key, S section, float& (*ref)(AppConfig&), double min, double max,
             std::string_view help) {
  return bound<double>(entry(key, section, SettingType::kReal, help, min, max), ref);
}

Setting text(std::string_view key, S section, std::string& (*ref)(AppConfig&), std::string_view help,
             std::vector<std::string_view> choices = {}) {
  Setting s = bound<std::string>(entry(key, section, SettingType::kText, help, 0, kMaxTextLength), ref);
  s.choices = std::move(choices);
  return s;
}

// A text setting of fixed words stored as an enum: the words in the enum's order.
template <typename E>
Setting word(std::string_view key, S section, E& (*ref)(AppConfig&), std::vector<std::string_view> words,
             std::string_view help) {
  Setting s = entry(key, section, SettingType::kText, help, 0, kMaxTextLength);
  s.choices = words;
  s.get = [ref, words](const AppConfig& c) {
    return SettingValue(std::string(words.at(static_cast<size_t>(ref(const_cast<AppConfig&>(c))))));
  };
  s.set = [ref, words](AppConfig& c, const SettingValue& v) {
    const auto it = std::find(words.begin(), words.end(), std::get<std::string>(v));
    if (it != words.end()) ref(c) = static_cast<E>(it - words.begin());
  };
  return s;
}

// Builder steps, applied to a freshly made entry.
Setting flag(Setting s, std::string_view name, FlagStyle style, std::string_view valueName = {}) {
  s.flag = name;
  s.flagStyle = style;
  s.valueName = valueName;
  return s;
}

// A flag that turns a setting off says what it does, not what the setting is.
Setting offFlag(Setting s, std::string_view name, std::string_view help) {
  s = flag(std::move(s), name, FlagStyle::kSetsFalse);
  s.flagHelp = help;
  return s;
}

Setting widget(Setting s, std::string_view label, double min = 0, double max = 0,
               const char* format = nullptr, bool logarithmic = false) {
  s.panel = PanelWidget{label, min, max, format, logarithmic};
  return s;
}

Setting debugView(Setting s, std::string_view listName, char key, std::string_view label) {
  s.debugName = listName;
  s.shortcut = key;
  return widget(std::move(s), label);
}

// The session: what a preset leaves alone (the window's size and panel are added at the end of the table).
void addSessionSettings(std::vector<Setting>& t) {
  t.push_back(text(
      "source", S::kSession, [](AppConfig& c) -> std::string& { return c.source; },
      "camera:N[:WxH[@FPS]] | demo | default | video:PATH | image:PATH | PATH"));
  t.push_back(
      flag(text(
               "model", S::kSession, [](AppConfig& c) -> std::string& { return c.modelPath; },
               "keypoint model: default (the shipped model; also when empty), wild (trained on "
               "in-the-wild photographs too; research use only) or a TorchScript file with facefilter "
               "metadata"),
           "model", FlagStyle::kValue, "default|wild|FILE"));
  t.push_back(flag(text("device", S::kSession, [](AppConfig& c) -> std::string& { return c.device; },
                        "where the model runs", {"auto", "cpu", "cuda"}),
                   "device", FlagStyle::kValue, "auto|cpu|cuda"));
}

void addDetectorSettings(std::vector<Setting>& t) {
  t.push_back(
      flag(text(
               "cascade", S::kDetector, [](AppConfig& c) -> std::string& { return c.detector.cascadePath; },
               "Haar cascade XML"),
           "cascade", FlagStyle::kValue, "FILE"));
  t.push_back(widget(
      flag(real(
               "scale_factor", S::kDetector, [](AppConfig& c) -> double& { return c.detector.scaleFactor; },
               1.01, 2.0, "detector pyramid step (> 1): smaller finds more faces, slower"),
           "scale-factor", FlagStyle::kValue, "F"),
      "scale factor", 1.01, 1.5, "%.3f"));
  t.push_back(widget(
      flag(integer(
               "min_neighbors", S::kDetector, [](AppConfig& c) -> int& { return c.detector.minNeighbors; }, 0,
               50, "overlapping detections needed per face: fewer finds more faces and more false ones"),
           "min-neighbors", FlagStyle::kValue, "N"),
      "min neighbours", 0, 20));
  t.push_back(
      widget(flag(integer(
                      "min_size_px", S::kDetector, [](AppConfig& c) -> int& { return c.detector.minSizePx; },
                      0, 4096, "smallest face side in pixels"),
                  "min-size", FlagStyle::kValue, "PX"),
             "min size px", 0, 400));
  t.push_back(
      widget(flag(real(
                      "min_size_fraction", S::kDetector,
                      [](AppConfig& c) -> double& { return c.detector.minSizeFraction; }, 0.0, 1.0,
                      "smallest face side as a share of the frame's shorter side (the larger minimum wins)"),
                  "min-size-fraction", FlagStyle::kValue, "F"),
             "min face size (share of frame)", 0.0, 0.5, "%.3f"));
  t.push_back(flag(integer(
                       "max_size_px", S::kDetector, [](AppConfig& c) -> int& { return c.detector.maxSizePx; },
                       0, 100000, "largest face side in pixels (0 = no limit)"),
                   "max-size", FlagStyle::kValue, "PX"));
  t.push_back(
      flag(real(
               "detect_scale", S::kDetector, [](AppConfig& c) -> double& { return c.detector.detectScale; },
               0.05, 1.0, "run the detector on a copy scaled by F"),
           "detect-scale", FlagStyle::kValue, "F"));
  t.push_back(
      flag(word<DetectDownscale>(
               "downscale", S::kDetector,
               [](AppConfig& c) -> DetectDownscale& { return c.detector.downscale; }, {"min-face", "off"},
               "min-face: run the detector on a copy scaled so that the smallest face is "
               "1.6 cascade windows"),
           "downscale", FlagStyle::kValue, "min-face|off"));
  t.push_back(flag(word<CascadeScan>(
                       "cascade_scan", S::kDetector,
                       [](AppConfig& c) -> CascadeScan& { return c.detector.scan; }, {"ours", "opencv"},
                       "ours: our vectorised scan where it supports the cascade (same boxes as "
                       "OpenCV's, faster); opencv: cv::CascadeClassifier"),
                   "cascade-scan", FlagStyle::kValue, "ours|opencv"));
  t.push_back(widget(
      flag(real(
               "low_light_below", S::kDetector,
               [](AppConfig& c) -> double& { return c.detector.lowLightBelow; }, 0.0, 255.0,
               "a frame darker than this mean grey level is searched on a lifted copy (denoised, gamma) with "
               "a finer pyramid step; 0 = never"),
           "low-light-below", FlagStyle::kValue, "LEVEL"),
      "lift dim frames below (mean grey)", 0.0, 128.0, "%.0f"));
  t.push_back(widget(
      flag(boolean(
               "rolled_passes", S::kDetector, [](AppConfig& c) -> bool& { return c.detector.rolledPasses; },
               "cold start: also scan copies turned by +-30 and +-60 degrees for tilted faces"),
           "rolled-passes", FlagStyle::kOnOff),
      "look for tilted faces (+-30, +-60 deg)"));
  t.push_back(widget(
      flag(boolean(
               "profile_passes", S::kDetector, [](AppConfig& c) -> bool& { return c.detector.profilePasses; },
               "cold start: also scan with the profile cascade (the frame and its mirror)"),
           "profile-passes", FlagStyle::kOnOff),
      "look for faces in profile"));
  t.push_back(
      widget(flag(integer(
                      "extra_passes_per_frame", S::kDetector,
                      [](AppConfig& c) -> int& { return c.detector.extraPassesPerFrame; }, 0, 6,
                      "extra cold-start passes per frame while looking for new faces; they take turns "
                      "(still images: all)"),
                  "extra-passes", FlagStyle::kValue, "N"),
             "extra passes per frame", 0, 6));
}

void addTrackingSettings(std::vector<Setting>& t) {
  t.push_back(widget(flag(integer(
                              "detect_interval", S::kTracking,
                              [](AppConfig& c) -> int& { return c.tracker.detectIntervalFrames; }, 1, 1000,
                              "re-detect at least every N frames while tracking"),
                          "detect-every", FlagStyle::kValue, "N"),
                     "detect every N frames", 1, 120));
  t.push_back(flag(integer(
                       "full_scan_interval", S::kTracking,
                       [](AppConfig& c) -> int& { return c.tracker.fullScanIntervalFrames; }, 1, 100000,
                       "scan the whole frame for new faces at least every N frames while tracking (other "
                       "detections search around the tracked faces; 1 = always the whole frame)"),
                   "full-scan-every", FlagStyle::kValue, "N"));
  t.push_back(widget(
      offFlag(
          boolean(
              "smoothing", S::kTracking,
              [](const AppConfig& c) { return c.tracker.smoothing == Smoothing::kOneEuro; },
              [](AppConfig& c, bool on) { c.tracker.smoothing = on ? Smoothing::kOneEuro : Smoothing::kOff; },
              "One Euro smoothing of the keypoints (off: as the CNN gives them)"),
          "no-smoothing", "keypoints as the CNN gives them (no One Euro smoothing)"),
      "One Euro smoothing"));
  t.push_back(widget(flag(real(
                              "one_euro_min_cutoff_hz", S::kTracking,
                              [](AppConfig& c) -> double& { return c.tracker.oneEuro.minCutoffHz; }, 0.001,
                              100.0, "One Euro min cutoff: lower = smoother when still, more lag"),
                          "min-cutoff", FlagStyle::kValue, "HZ"),
                     "min cutoff Hz", 0.01, 10.0, "%.2f", true));
  t.push_back(widget(
      flag(real(
               "one_euro_beta", S::kTracking, [](AppConfig& c) -> double& { return c.tracker.oneEuro.beta; },
               0.0, 100.0, "One Euro beta: higher = less lag when moving"),
           "beta", FlagStyle::kValue, "B"),
      "beta", 0.0, 1.0, "%.3f"));
  t.push_back(flag(real(
                       "one_euro_derivative_cutoff_hz", S::kTracking,
                       [](AppConfig& c) -> double& { return c.tracker.oneEuro.derivativeCutoffHz; }, 0.001,
                       100.0, "One Euro cutoff of the speed estimate"),
                   "derivative-cutoff", FlagStyle::kValue, "HZ"));
  t.push_back(
      widget(offFlag(boolean(
                         "second_pass_for_detections", S::kTracking,
                         [](AppConfig& c) -> bool& { return c.tracker.refineDetections; },
                         "re-crop a face the detector found from its own keypoints and run the CNN again "
                         "(off: one CNN pass for a face found by the detector)"),
                     "single-pass",
                     "one CNN pass for a face found by the detector (default: a second pass from the box its "
                     "keypoints imply)"),
             "second CNN pass for detected faces"));
  t.push_back(
      widget(flag(real(
                      "presence_threshold", S::kTracking,
                      [](AppConfig& c) -> float& { return c.tracker.presenceThreshold; }, 0.0, 1.0,
                      "a face whose presence score is below F gets no keypoints and no filter; its track "
                      "ends after a few such frames (models with a presence score)"),
                  "presence-threshold", FlagStyle::kValue, "F"),
             "presence threshold", 0.0, 1.0, "%.2f"));
}

void addFilterSettings(std::vector<Setting>& t) {
  t.push_back(
      flag(text(
               "filters", S::kFilters, [](AppConfig& c) -> std::string& { return c.view.filters; },
               "comma-separated filters for every face (e.g. sunglasses,moustache; empty or none: none)"),
           "filter", FlagStyle::kValue, "NAMES"));
  t.push_back(widget(boolean(
                         "fade_with_confidence", S::kFilters,
                         [](AppConfig& c) -> bool& { return c.view.fadeWithConfidence; },
                         "filters fade out as a track's confidence drops"),
                     "fade with track confidence"));
  t.push_back(widget(boolean(
                         "head_pose", S::kFilters, [](AppConfig& c) -> bool& { return c.view.headPose; },
                         "sprites follow the head's yaw and pitch in perspective"),
                     "head pose perspective (yaw/pitch)"));
}

void addDebugViewSettings(std::vector<Setting>& t) {
  t.push_back(debugView(boolean(
                            "debug_points", S::kDebugViews,
                            [](AppConfig& c) -> bool& { return c.view.debug.points; }, "the 68 keypoints"),
                        "points", 'P', "points"));
  t.push_back(
      debugView(boolean(
                    "debug_indices", S::kDebugViews,
                    [](AppConfig& c) -> bool& { return c.view.debug.indices; }, "each keypoint's index"),
                "indices", 'I', "indices"));
  t.push_back(
      debugView(boolean(
                    "debug_boxes", S::kDebugViews, [](AppConfig& c) -> bool& { return c.view.debug.boxes; },
                    "face boxes with track ids"),
                "boxes", 'B', "boxes + ids"));
  t.push_back(
      debugView(boolean(
                    "debug_crop", S::kDebugViews, [](AppConfig& c) -> bool& { return c.view.debug.crop; },
                    "the CNN's crop on the frame and its input image"),
                "crop", 'C', "CNN crop + input"));
  t.push_back(debugView(
      boolean(
          "debug_raw_detections", S::kDebugViews,
          [](AppConfig& c) -> bool& { return c.view.debug.rawDetections; }, "the detector's raw boxes"),
      "detections", 'D', "raw detector boxes"));
  t.push_back(debugView(boolean(
                            "debug_raw_vs_smoothed", S::kDebugViews,
                            [](AppConfig& c) -> bool& { return c.view.debug.rawVsSmoothed; },
                            "raw keypoints (red) beside smoothed ones (green)"),
                        "raw", 'R', "raw | smoothed side by side"));
  t.push_back(
      debugView(boolean(
                    "debug_head_pose", S::kDebugViews,
                    [](AppConfig& c) -> bool& { return c.view.debug.headPoseAxes; }, "the head pose's axes"),
                "pose", 'H', "head pose axes"));
  t.push_back(debugView(
      boolean(
          "debug_occluder", S::kDebugViews, [](AppConfig& c) -> bool& { return c.view.debug.occluder; },
          "the invisible head that hides 3D models' far parts, translucent"),
      "occluder", 'O', "head occluder (3D models)"));
  t.push_back(widget(
      boolean(
          "sync_video_to_result", S::kDebugViews,
          [](const AppConfig& c) { return c.view.sync == VideoSync::kMatchResult; },
          [](AppConfig& c, bool on) { c.view.sync = on ? VideoSync::kMatchResult : VideoSync::kNewestFrame; },
          "show the frame the shown result belongs to (off: the newest frame)"),
      "show the frame the result belongs to (sync)"));
  t.push_back(widget(
      integer(
          "hold_video_frames", S::kDebugViews, [](AppConfig& c) -> int& { return c.view.holdVideoFrames; }, 0,
          30, "without sync: show the frame this many frames old"),
      "hold video N frames", 0, 30));
  t.push_back(
      widget(boolean(
                 "lighting_hint", S::kDebugViews, [](AppConfig& c) -> bool& { return c.view.lightingHint; },
                 "say when the face is too dark or too bright"),
             "lighting hint"));
}

void addRecordingSettings(std::vector<Setting>& t) {
  t.push_back(text(
      "record_dir", S::kRecording, [](AppConfig& c) -> std::string& { return c.record.outputDir; },
      "folder for recordings and snapshots (empty: the current folder)"));
  t.push_back(widget(
      flag(text("record_format", S::kRecording, [](AppConfig& c) -> std::string& { return c.record.format; },
                "what recordings are encoded as: mp4 (H.264 with AAC sound, plays everywhere) or webm (VP9 "
                "with Opus, a free codec); a --record path ending in .webm or .mp4 chooses by itself",
                {"mp4", "webm"}),
           "record-format", FlagStyle::kValue, "mp4|webm"),
      "format"));
  t.push_back(
      widget(flag(integer(
                      "record_crf", S::kRecording, [](AppConfig& c) -> int& { return c.record.crf; }, 0, 51,
                      "video quality as the encoder's constant rate factor: lower is better and larger "
                      "(18 looks lossless, 28 is small)"),
                  "record-crf", FlagStyle::kValue, "N"),
             "quality (CRF, lower = better)", 15, 35));
  t.push_back(widget(
      flag(text("record_preset", S::kRecording, [](AppConfig& c) -> std::string& { return c.record.preset; },
                "encoder speed: faster presets make larger files at the same quality",
                {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                 "veryslow"}),
           "record-preset", FlagStyle::kValue, "PRESET"),
      "encoder preset"));
  t.push_back(
      flag(text(
               "record_audio", S::kRecording, [](AppConfig& c) -> std::string& { return c.record.audio; },
               "sound in recordings: live, the PulseAudio source to record (default, off, or a source "
               "name); with --headless, off leaves out the input file's sound"),
           "record-audio", FlagStyle::kValue, "DEVICE|default|off"));
  t.push_back(real(
      "record_fps", S::kRecording, [](AppConfig& c) -> double& { return c.record.fps; }, 1.0, 240.0,
      "recording frame rate when the source has none"));
  t.push_back(integer(
      "record_queue_frames", S::kRecording, [](AppConfig& c) -> int& { return c.record.queueFrames; }, 1, 120,
      "frames waiting for the encoder before new ones are dropped (live)"));
  t.push_back(widget(
      boolean(
          "record_landmarks", S::kRecording, [](AppConfig& c) -> bool& { return c.record.landmarkSidecar; },
          "write <video>.landmarks.jsonl beside recordings"),
      "landmark sidecar (.landmarks.jsonl)"));
}

void addVirtualCameraSettings(std::vector<Setting>& t) {
  t.push_back(flag(
      text(
          "virtual_camera", S::kSession, [](AppConfig& c) -> std::string& { return c.virtualCamera.device; },
          "send the picture (without the panel) to a v4l2loopback device as a camera for other "
          "programs: off, auto (the device labelled facefilter, else the first loopback device) "
          "or its path"),
      "virtual-camera", FlagStyle::kValue, "off|auto|/dev/videoN"));
  t.push_back(widget(
      flag(text("virtual_camera_size", S::kSession,
                [](AppConfig& c) -> std::string& { return c.virtualCamera.size; },
                "the virtual camera's picture size (the picture is fitted inside, its aspect ratio kept)",
                {"320x240", "640x360", "640x480", "960x540", "1280x720", "1920x1080"}),
           "virtual-camera-size", FlagStyle::kValue, "WxH"),
      "size"));
  t.push_back(
      widget(flag(integer(
                      "virtual_camera_fps", S::kSession,
                      [](AppConfig& c) -> int& { return c.virtualCamera.fps; }, 1, 60,
                      "the virtual camera's frame rate (the last picture repeats when there is no new "
                      "one)"),
                  "virtual-camera-fps", FlagStyle::kValue, "FPS"),
             "frames per second", 5, 60));
}

void addWindowSettings(std::vector<Setting>& t) {
  t.push_back(boolean(
      "show_panel", S::kSession, [](AppConfig& c) -> bool& { return c.view.showPanel; },
      "show the control panel"));
  t.push_back(integer(
      "window_width", S::kSession, [](AppConfig& c) -> int& { return c.windowWidth; }, 320, 16384,
      "window width in screen units"));
  t.push_back(integer(
      "window_height", S::kSession, [](AppConfig& c) -> int& { return c.windowHeight; }, 240, 16384,
      "window height in screen units"));
}

// The order is the settings file's and the panel's.
std::vector<Setting> makeTable() {
  std::vector<Setting> t;
  addSessionSettings(t);
  addDetectorSettings(t);
  addTrackingSettings(t);
  addFilterSettings(t);
  addDebugViewSettings(t);
  addRecordingSettings(t);
  addVirtualCameraSettings(t);
  addWindowSettings(t);
  return t;
}

std::string orList(const std::vector<std::string_view>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace

std::string formatSettingNumber(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::span<const Setting> settingsTable() {
  static const std::vector<Setting> table = makeTable();
  return table;
}

const Setting* findSetting(std::string_view key) {
  for (const Setting& s : settingsTable()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

std::string Setting::format(const SettingValue& value) const {
  switch (type) {
    case SettingType::kBool:
      return std::get<bool>(value) ? "true" : "false";
    case SettingType::kInt:
      return std::to_string(std::get<int>(value));
    case SettingType::kReal:
      return formatSettingNumber(std::get<double>(value));
    case SettingType::kText:
      return std::get<std::string>(value);
  }
  return {};
}

std::string Setting::wrongType() const {
  switch (type) {
    case SettingType::kBool:
      return "is not true/false";
    case SettingType::kInt:
      return "is not an integer";
    case SettingType::kReal:
      return "is not a number";
    case SettingType::kText:
      return "is not a string";
  }
  return "has the wrong type";
}

Status Setting::check(const SettingValue& value) const {
  const auto range = [&] { return "[" + formatSettingNumber(min) + ", " + formatSettingNumber(max) + "]"; };
  if (value.index() != static_cast<size_t>(type)) return makeError(wrongType());
  switch (type) {
    case SettingType::kBool:
      return Ok{};
    case SettingType::kInt: {
      const int v = std::get<int>(value);
      if (v < min || v > max) return makeError("= " + std::to_string(v) + " is outside " + range());
      return Ok{};
    }
    case SettingType::kReal: {
      const double v = std::get<double>(value);
      if (!(v >= min && v <= max)) return makeError("= " + formatSettingNumber(v) + " is outside " + range());
      return Ok{};
    }
    case SettingType::kText: {
      const std::string& v = std::get<std::string>(value);
      if (v.size() > static_cast<size_t>(max)) {
        return makeError("is longer than " + std::to_string(static_cast<int>(max)) + " characters");
      }
      if (!choices.empty() && std::find(choices.begin(), choices.end(), v) == choices.end()) {
        return makeError("must be " + orList(choices));
      }
      return Ok{};
    }
  }
  return Ok{};
}

void normaliseConfig(AppConfig& config) {
  config.tracker.minRedetectGapFrames =
      std::min(TrackerParams{}.minRedetectGapFrames, config.tracker.detectIntervalFrames);
}

}  // namespace facefilter
