#pragma once
// The app's settings (declared in settings/settings_table.hpp), persisted as JSON in
// $XDG_CONFIG_HOME/facefilter/config.json (or
// ~/.config/facefilter). Pure and headless: tested without GL. Written to a temp file then renamed;
// every value is range-checked when read, and a bad value is named in the returned warnings and replaced
// by its default. Any thread, no shared state.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/core/result.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/track/face_tracker.hpp"

namespace facefilter {

enum class VideoSync { kNewestFrame, kMatchResult };

struct DebugViews {
  bool points = false;
  bool indices = false;
  bool boxes = false;
  bool crop = false;
  bool rawDetections = false;
  bool rawVsSmoothed = false;  // raw keypoints (red) beside smoothed (green)
  bool headPoseAxes = false;
  bool occluder = false;  // the invisible head that hides 3D models' far parts, drawn translucent
  bool operator==(const DebugViews&) const = default;
};

struct ViewSettings {
  std::string filters = "sunglasses";  // comma-separated filter names applied to every face; "" = none
  bool fadeWithConfidence = true;
  bool headPose = true;  // perspective sprites (yaw/pitch)
  VideoSync sync = VideoSync::kMatchResult;
  int holdVideoFrames = 0;  // with kNewestFrame: show the frame this many frames old (0..30)
  bool showPanel = true;
  bool lightingHint = true;
  DebugViews debug;
  bool operator==(const ViewSettings&) const = default;
};

struct RecordSettings {
  std::string outputDir;            // empty: the current directory
  std::string format = "mp4";       // mp4 (H.264 + AAC) | webm (VP9 + Opus)
  int crf = 22;                     // the encoder's constant rate factor: lower is better and larger
  std::string preset = "veryfast";  // x264's speed/size preset (VP9 maps it onto its speed)
  std::string audio =
      "default";  // live: the PulseAudio source (default | off | a name); batch: off drops the input's sound
  double fps = 30.0;            // used when the source has no rate
  int queueFrames = 8;          // frames waiting for the encoder before new ones are dropped (live)
  bool landmarkSidecar = true;  // <video>.landmarks.jsonl beside recordings
};

// The virtual camera (vcam/): where the window's picture (without the panel) goes as a camera for other
// programs. Session settings: kept in the settings file, not in presets (a preset is a look; an old preset
// would otherwise switch a running camera off).
struct VirtualCameraSettings {
  std::string device = "off";     // off | auto | /dev/videoN
  std::string size = "1280x720";  // WxH, one of the table's choices
  int fps = 30;
};

// Camera controls saved per camera: the camera's name (as the driver gives it, so that a saved value follows
// the camera to another port or number) -> control key (v4l2-ctl's name, e.g. "exposure_time_absolute") ->
// value. Only controls the user changed are kept; the others stay as the camera chooses. Applied when that
// camera opens (app/camera/session_camera.hpp). Session state: in the settings file as "camera_controls",
// not in presets (a preset is a look, not a camera).
using CameraControlValues = std::map<std::string, std::map<std::string, int32_t>>;

struct AppConfig {
  std::string source = "default";
  std::string modelPath;        // empty: the engine's default model
  std::string device = "auto";  // auto | cpu | cuda
  DetectorParams detector;
  TrackerParams tracker;
  ViewSettings view;
  RecordSettings record;
  VirtualCameraSettings virtualCamera;
  CameraControlValues cameraControls;
  int windowWidth = 1280;
  int windowHeight = 800;
};

// $XDG_CONFIG_HOME/facefilter, else $HOME/.config/facefilter.
std::filesystem::path configDir();
std::filesystem::path defaultConfigPath();

// The groups of settings the panel shows, each with its own "reset to defaults". A preset holds all of them
// but kSession: what a preset leaves out belongs to the session (source, model, device, window, panel shown).
// Which setting is in which section: settings/settings_table.hpp.
enum class SettingsSection { kDetector, kTracking, kFilters, kDebugViews, kRecording, kSession };
inline constexpr SettingsSection kPresetSections[] = {SettingsSection::kDetector, SettingsSection::kTracking,
                                                      SettingsSection::kFilters, SettingsSection::kDebugViews,
                                                      SettingsSection::kRecording};
const char* toString(SettingsSection section);
// Puts the section's defaults into `config`; the other sections are left as they are.
void resetSection(AppConfig& config, SettingsSection section);
// Copies one section from `from` into `to`.
void copySection(const AppConfig& from, AppConfig& to, SettingsSection section);

// What a settings file holds: everything (config.json), or the preset sections only (presets/<name>.json).
enum class ConfigScope { kEverything, kPreset };

struct LoadedConfig {
  AppConfig config;
  std::vector<std::string> warnings;  // one per rejected value, then one per unknown key, each naming it
  int rejectedValues = 0;             // how many of the warnings (the first ones) are about bad values
};

// Parses JSON text; unknown keys and bad values become warnings (the rest is kept). Fails only when the
// text is not a JSON object at all. Every value is checked against its entry in the settings table. With
// kPreset, the session keys (source, model, ...) are unknown keys.
Result<LoadedConfig> parseConfig(const std::string& json, const std::string& origin,
                                 ConfigScope scope = ConfigScope::kEverything);
// A missing file gives the defaults without warnings.
Result<LoadedConfig> loadConfig(const std::filesystem::path& path);
std::string serializeConfig(const AppConfig& config, ConfigScope scope = ConfigScope::kEverything);
// Writes path.tmp, then renames it over `path` (creating the folder).
Status saveConfig(const std::filesystem::path& path, const AppConfig& config,
                  ConfigScope scope = ConfigScope::kEverything);

}  // namespace facefilter
