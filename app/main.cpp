// facefilter: the desktop app. Interactive by default; --headless renders a file to a video without showing
// a window (works under xvfb-run). See app/app_session.hpp for the architecture.

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "app/app_session.hpp"
#include "engine/core/logging.hpp"
#include "settings/command_line.hpp"

using namespace facefilter;

namespace {

constexpr const char* kKeys =
    "\nKeys: Tab panel, P points, I indices, B boxes, C crop + CNN input, D detector boxes,\n"
    "      R raw | smoothed side by side, H head pose, S snapshot, V record on/off, Esc quit.\n"
    "Settings given here (source, filters, model, detector, tracking, window size) override the settings file's.";

// The --debug words and the views they turn on.
const std::vector<std::pair<std::string, bool DebugViews::*>> kDebugViews = {
    {"points", &DebugViews::points},         {"indices", &DebugViews::indices},
    {"boxes", &DebugViews::boxes},           {"crop", &DebugViews::crop},
    {"detections", &DebugViews::rawDetections}, {"raw", &DebugViews::rawVsSmoothed},
    {"pose", &DebugViews::headPoseAxes}};

}  // namespace

int main(int argc, char** argv) {
  AppOptions options;
  AppConfig& c = options.config;
  bool headless = false, noConfig = false, vsync = true;
  std::string configPath = defaultConfigPath().string(), presetDir = defaultPresetDir().string();
  int maxFrames = 0, quitAfter = 0, threads = 0;
  spdlog::level::level_enum logLevel = spdlog::level::info;

  CLI::App app("facefilter: webcam face filters (interactive), or a file rendered to a video (--headless).",
               "facefilter");
  setUpCommandLine(app);
  app.footer(kKeys);
  app.add_flag("--headless", headless, "no window: render --input to --record (and/or --snapshot), every frame, then exit");
  // Values that live in the settings file go straight into it (after it is read: see below), without a default
  // here: the file's value is the default.
  app.add_option("--input", c.source, "camera:N[:WxH[@FPS]] | demo | default | video:PATH | image:PATH | PATH")
      ->type_name("SOURCE")
      ->check(sourceValidator());
  app.add_option("--filter", c.view.filters, "comma-separated filters for every face (e.g. sunglasses,moustache; none)")
      ->type_name("NAMES");
  addTextOption(app, "--record", options.recordPath, "OUT.mp4", "record what the window shows (headless: the output)");
  addTextOption(app, "--snapshot", options.snapshotPath, "OUT.png", "headless: write the last rendered frame as PNG");
  std::vector<std::string> debugWords = {"none"};
  for (const auto& [word, view] : kDebugViews) debugWords.push_back(word);
  app.add_option_function<std::vector<std::string>>(
         "--debug",
         [&c](const std::vector<std::string>& words) {
           for (const auto& [word, view] : kDebugViews) {
             for (const std::string& w : words) {
               if (w == word) c.view.debug.*view = true;
             }
           }
         },
         "comma-separated: " + command_line_detail::join({debugWords.begin() + 1, debugWords.end()}, ","))
      ->type_name("VIEWS")
      ->delimiter(',')
      ->check(CLI::IsMember(debugWords, CLI::ignore_space).description(""));
  addCountOption(app, "--max-frames", maxFrames, "N", "headless: stop after N frames (0 = all)");
  app.add_flag("--loop", options.loopFiles, "interactive: loop video files");
  addCountOption(app, "--quit-after", quitAfter, "N", "interactive: quit after N frames (0 = never)");
  addTextOption(app, "--window-screenshot", options.windowScreenshotPath, "OUT.png",
                "interactive: save the whole window (with the panel) when quitting");
  addSizeOption(app, "--window-size", c.windowWidth, c.windowHeight,
                "interactive: the window's size in screen units (e.g. 1280x720)", {320, 240, 16384, 16384});
  addChoiceOption(app, "--vsync", vsync, {{"on", true}, {"off", false}},
                  "interactive: wait for the display's refresh on each frame");
  app.add_option("--stats-json", options.statsJsonPath,
                 "at exit: the render loop's figures (fps, frame-time quantiles, result age, recorder drops, window "
                 "size) as one JSON object")
      ->type_name("OUT.json");
  addTextOption(app, "--presets", presetDir, "DIR", "folder of named presets");
  addTextOption(app, "--config", configPath, "FILE", "settings file");
  app.add_flag("--no-config", noConfig, "neither read nor write the settings file");
  addLogLevelOption(app, logLevel);
  app.add_option("--model", c.modelPath, "keypoint model (TorchScript with facefilter metadata)")
      ->type_name("FILE")
      ->group("Model");
  app.add_option("--device", c.device, "where the model runs")
      ->type_name("auto|cpu|cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}).description(""))
      ->group("Model");
  addThreadsOption(app, threads)->group("Model");
  addDetectorOptions(app, c.detector);
  addTrackerOptions(app, c.tracker);

  if (auto exitCode = parseCommandLine(app, argc, argv)) return *exitCode;
  setLogLevel(logLevel);
  if (headless && app.count("--input") == 0) return argumentError(app, "--headless needs --input");
  if (headless && options.recordPath.empty() && options.snapshotPath.empty()) {
    return argumentError(app, "--headless needs --record OUT.mp4 and/or --snapshot OUT.png");
  }

  options.mode = headless ? RunMode::kHeadless : RunMode::kInteractive;
  if (!noConfig) {
    options.configPath = configPath;
    auto loaded = loadConfig(options.configPath);
    if (!loaded) {
      logger("render")->warn("{} (using defaults)", loaded.error().message);
    } else {
      for (const auto& w : loaded->warnings) logger("render")->warn("{}", w);
      options.config = loaded->config;
      // Parsed again over the file's values, so that what the command line gives wins. The same arguments
      // parsed before, so this cannot fail.
      if (auto exitCode = parseCommandLine(app, argc, argv)) return *exitCode;
    }
  }
  if (auto valid = validate(c.detector); !valid) return argumentError(app, valid.error().message);
  if (auto valid = validate(c.tracker); !valid) return argumentError(app, valid.error().message);
  // The headless batch never writes the user's settings.
  if (options.mode == RunMode::kHeadless) options.configPath.clear();
  options.maxFrames = static_cast<uint64_t>(maxFrames);
  options.quitAfterFrames = static_cast<uint64_t>(quitAfter);
  options.vsync = vsync ? VSync::kOn : VSync::kOff;
  options.presetDir = presetDir;
  setInferenceThreads(threads);

  auto session = AppSession::create(std::move(options));
  if (!session) {
    std::fprintf(stderr, "facefilter: %s\n", session.error().message.c_str());
    return kExitFailed;
  }
  return session.value()->run();
}
