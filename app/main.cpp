// facefilter: the desktop app. Interactive by default; --headless renders a file to a video without showing
// a window (no display needed: EGL). See app/app_session.hpp for the architecture.

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "app/app_session.hpp"
#include "app/ui/shortcuts.hpp"
#include "engine/core/logging.hpp"
#include "settings/command_line.hpp"
#include "settings/setting_flags.hpp"

using namespace facefilter;

namespace {

// What the command line holds beyond AppOptions.
struct CommandLine {
  AppOptions options;
  bool headless = false, noConfig = false, vsync = true;
  std::string configPath = defaultConfigPath().string(), presetDir = defaultPresetDir().string();
  int maxFrames = 0, quitAfter = 0, threads = 0;
  spdlog::level::level_enum logLevel = spdlog::level::info;
};

// --debug WORDS: the debug views of the settings table, by their list words.
void addDebugOption(CLI::App& app, AppConfig& c) {
  std::vector<std::string> words;
  for (const Setting& s : settingsTable()) {
    if (!s.debugName.empty()) words.emplace_back(s.debugName);
  }
  const std::string help = "comma-separated: " + command_line_detail::join(words, ",");
  words.insert(words.begin(), "none");
  app.add_option_function<std::vector<std::string>>(
         "--debug",
         [&c](const std::vector<std::string>& given) {
           for (const Setting& s : settingsTable()) {
             for (const std::string& w : given) {
               if (!s.debugName.empty() && w == s.debugName) s.set(c, SettingValue(true));
             }
           }
         },
         help)
      ->type_name("VIEWS")
      ->delimiter(',')
      ->check(CLI::IsMember(words, CLI::ignore_space).description(""));
}

// Options of settings the file keeps write straight into the config (the file is read first: see main), so
// that what the command line gives wins.
void addOptions(CLI::App& app, CommandLine& cl) {
  AppOptions& o = cl.options;
  AppConfig& c = o.config;
  setUpCommandLine(app);
  app.footer("\nKeys: " + shortcutHelp() +
             ".\nSettings given here (source, filters, model, detector, tracking, recording, window size) "
             "override the "
             "settings file's.");
  app.add_flag("--headless", cl.headless,
               "no window: render --input to --record (and/or --snapshot), every frame, then exit");
  // A process-start choice, not a setting: neither kept in the settings file nor changeable while running.
  addChoiceOption(app, "--gl-platform", o.glPlatform,
                  {{"auto", GlPlatform::kAuto}, {"egl", GlPlatform::kEgl}, {"window", GlPlatform::kWindow}},
                  "headless: how the OpenGL context is made: EGL (no display needed), a hidden window "
                  "(needs a display), or auto: EGL when DISPLAY and WAYLAND_DISPLAY are unset");
  app.add_option("--input", c.source, std::string(findSetting("source")->help))
      ->type_name("SOURCE")
      ->check(sourceValidator());
  addSettingFlag(app, c, "filters");
  addTextOption(app, "--record", o.recordPath, "OUT.mp4",
                "record what the window shows (headless: the output, with the input's sound)");
  addSettingFlags(app, c, {SettingsSection::kRecording}, "Recording");
  addSettingFlag(app, c, "virtual_camera", "Virtual camera")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return v == "off" || v == "auto" || v.rfind("/dev/", 0) == 0
                       ? ""
                       : "'" + v + "' is not off, auto or /dev/videoN";
          },
          ""));
  app.add_option_function<std::string>(
         "--virtual-camera-file",
         [&o](const std::string& path) {
           o.virtualCameraSink = [path](const std::string&, const VcamRequest& request) {
             return openDescriptorSink(systemVideoDeviceIo(), path, request.format);
           };
         },
         "write the virtual camera's frames (raw YUYV) to this file or /dev/null instead of a device, with "
         "the "
         "device's write path (benchmarks, checks)")
      ->type_name("FILE")
      ->group("Virtual camera");
  addSettingFlag(app, c, "virtual_camera_size", "Virtual camera");
  addSettingFlag(app, c, "virtual_camera_fps", "Virtual camera");
  addTextOption(app, "--snapshot", o.snapshotPath, "OUT.png",
                "headless: write the last rendered frame as PNG");
  addDebugOption(app, c);
  addCountOption(app, "--max-frames", cl.maxFrames, "N", "headless: stop after N frames (0 = all)");
  app.add_flag("--loop", o.loopFiles, "interactive: loop video files");
  addCountOption(app, "--quit-after", cl.quitAfter, "N", "interactive: quit after N frames (0 = never)");
  addTextOption(app, "--window-screenshot", o.windowScreenshotPath, "OUT.png",
                "interactive: save the whole window (with the panel) when quitting");
  addSizeOption(app, "--window-size", c.windowWidth, c.windowHeight,
                "interactive: the window's size in screen units (e.g. 1280x720)", {320, 240, 16384, 16384});
  addChoiceOption(app, "--vsync", cl.vsync, {{"on", true}, {"off", false}},
                  "interactive: wait for the display's refresh on each frame");
  app.add_flag("--redraw-every-frame", o.redrawEveryFrame,
               "interactive: render the scene on every frame even when nothing changed (benchmarks)");
  app.add_option(
         "--stats-json", o.statsJsonPath,
         "at exit: the render loop's figures (fps, frame-time quantiles, result age, recorder drops, window "
         "size) as one JSON object")
      ->type_name("OUT.json");
  addTextOption(app, "--presets", cl.presetDir, "DIR", "folder of named presets");
  addTextOption(app, "--config", cl.configPath, "FILE", "settings file");
  app.add_flag("--no-config", cl.noConfig, "neither read nor write the settings file");
  addLogLevelOption(app, cl.logLevel);
  addSettingFlag(app, c, "model", "Model");
  addSettingFlag(app, c, "device", "Model");
  addThreadsOption(app, cl.threads)->group("Model");
  addDetectorOptions(app, c.detector);
  addTrackerOptions(app, c.tracker);
}

// Reads the settings file into the options, unless --no-config. A file that cannot be read leaves the
// defaults.
bool readSettingsFile(CommandLine& cl) {
  if (cl.noConfig) return false;
  cl.options.configPath = cl.configPath;
  auto loaded = loadConfig(cl.options.configPath);
  if (!loaded) {
    logger("render")->warn("{} (using defaults)", loaded.error().message);
    return false;
  }
  for (const auto& w : loaded->warnings) logger("render")->warn("{}", w);
  cl.options.config = loaded->config;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine cl;
  CLI::App app("facefilter: webcam face filters (interactive), or a file rendered to a video (--headless).",
               "facefilter");
  addOptions(app, cl);
  if (auto exitCode = parseCommandLine(app, argc, argv)) return *exitCode;
  setLogLevel(cl.logLevel);
  if (cl.headless && app.count("--input") == 0) return argumentError(app, "--headless needs --input");
  if (cl.headless && cl.options.recordPath.empty() && cl.options.snapshotPath.empty()) {
    return argumentError(app, "--headless needs --record OUT.mp4 and/or --snapshot OUT.png");
  }
  if (!cl.headless && cl.options.glPlatform == GlPlatform::kEgl) {
    return argumentError(app, "--gl-platform egl needs --headless (the interactive app shows a window)");
  }
  // Parsed again over the file's values, so that what the command line gives wins. The same arguments parsed
  // before, so this cannot fail.
  if (readSettingsFile(cl)) {
    if (auto exitCode = parseCommandLine(app, argc, argv)) return *exitCode;
  }
  AppOptions& o = cl.options;
  if (auto valid = checkFlagSettings(o.config); !valid) return argumentError(app, valid.error().message);
  o.mode = cl.headless ? RunMode::kHeadless : RunMode::kInteractive;
  if (o.mode == RunMode::kHeadless) o.configPath.clear();  // the batch never writes the user's settings
  o.maxFrames = static_cast<uint64_t>(cl.maxFrames);
  o.quitAfterFrames = static_cast<uint64_t>(cl.quitAfter);
  o.vsync = cl.vsync ? VSync::kOn : VSync::kOff;
  o.presetDir = cl.presetDir;
  setInferenceThreads(cl.threads);

  auto session = AppSession::create(std::move(o));
  if (!session) {
    std::fprintf(stderr, "facefilter: %s\n", session.error().message.c_str());
    return kExitFailed;
  }
  return session.value()->run();
}
