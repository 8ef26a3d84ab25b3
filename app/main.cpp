// facefilter: the desktop app. Interactive by default; --headless renders a file to a video without showing
// a window (works under xvfb-run). See app/app_session.hpp for the architecture.

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "app/app_session.hpp"
#include "cli/arg_parser.hpp"
#include "engine/core/logging.hpp"

using namespace facefilter;

int main(int argc, char** argv) {
  cli::ArgParser p("facefilter [options]");
  p.flag("help", "show this help");
  p.flag("headless", "no window: render --input to --record (and/or --snapshot), every frame, then exit");
  p.option("input", "SOURCE", "camera:N[:WxH[@FPS]] | demo | default | video:PATH | image:PATH | PATH");
  p.option("filter", "NAMES", "comma-separated filters for every face (e.g. sunglasses,moustache; none)");
  p.option("record", "OUT.mp4", "record what the window shows (headless: the output)");
  p.option("snapshot", "OUT.png", "headless: write the last rendered frame as PNG");
  p.option("debug", "VIEWS", "comma-separated: points,indices,boxes,crop,detections,raw,pose");
  p.option("max-frames", "N", "headless: stop after N frames (0 = all)", "0");
  p.flag("loop", "interactive: loop video files");
  p.option("quit-after", "N", "interactive: quit after N frames (0 = never)", "0");
  p.option("window-screenshot", "OUT.png", "interactive: save the whole window (with the panel) when quitting");
  p.option("window-size", "WxH", "interactive: the window's size in screen units (e.g. 1280x720)");
  p.option("vsync", "on|off", "interactive: wait for the display's refresh on each frame", "on");
  p.option("stats-json", "OUT.json", "at exit: the render loop's figures (fps, frame-time quantiles, result age, "
           "recorder drops, window size) as one JSON object");
  p.option("presets", "DIR", "folder of named presets", defaultPresetDir().string());
  p.option("model", "FILE", "keypoint model (TorchScript with facefilter metadata)");
  p.option("device", "auto|cpu|cuda", "where the model runs");
  p.option("config", "FILE", "settings file", defaultConfigPath().string());
  p.flag("no-config", "neither read nor write the settings file");
  p.option("log-level", "LEVEL", "trace|debug|info|warn|error|off", "info");

  std::vector<std::string> args(argv + 1, argv + argc);
  if (auto s = p.parse(args); !s) {
    std::fprintf(stderr, "facefilter: %s\n\n%s", s.error().message.c_str(), p.usage().c_str());
    return 2;
  }
  if (p.has("help")) {
    std::printf("%s", p.usage().c_str());
    std::printf("\nKeys: Tab panel, P points, I indices, B boxes, C crop + CNN input, D detector boxes,\n"
                "      R raw | smoothed side by side, H head pose, S snapshot, V record on/off, Esc quit.\n");
    return 0;
  }
  const auto level = spdlog::level::from_str(p.get("log-level"));
  setLogLevel(level);

  AppOptions options;
  options.mode = p.has("headless") ? RunMode::kHeadless : RunMode::kInteractive;
  if (!p.has("no-config")) {
    options.configPath = p.get("config");
    auto loaded = loadConfig(options.configPath);
    if (!loaded) {
      logger("render")->warn("{} (using defaults)", loaded.error().message);
    } else {
      for (const auto& w : loaded->warnings) logger("render")->warn("{}", w);
      options.config = loaded->config;
    }
  }
  // The headless batch never writes the user's settings.
  if (options.mode == RunMode::kHeadless) options.configPath.clear();
  AppConfig& c = options.config;
  if (p.has("input")) c.source = p.get("input");
  if (p.has("filter")) c.view.filters = p.get("filter");
  if (p.has("model")) c.modelPath = p.get("model");
  if (p.has("device")) c.device = p.get("device");
  if (p.has("debug")) {
    for (const auto& v : splitFilterList(p.get("debug"))) {
      if (v == "points") c.view.debug.points = true;
      else if (v == "indices") c.view.debug.indices = true;
      else if (v == "boxes") c.view.debug.boxes = true;
      else if (v == "crop") c.view.debug.crop = true;
      else if (v == "detections") c.view.debug.rawDetections = true;
      else if (v == "raw") c.view.debug.rawVsSmoothed = true;
      else if (v == "pose") c.view.debug.headPoseAxes = true;
      else {
        std::fprintf(stderr, "facefilter: --debug: unknown view '%s'\n", v.c_str());
        return 2;
      }
    }
  }
  auto maxFrames = p.integer("max-frames", 0, 1 << 30);
  if (!maxFrames) {
    std::fprintf(stderr, "facefilter: %s\n", maxFrames.error().message.c_str());
    return 2;
  }
  options.maxFrames = static_cast<uint64_t>(maxFrames.value());
  options.recordPath = p.get("record");
  options.snapshotPath = p.get("snapshot");
  options.loopFiles = p.has("loop");
  auto quitAfter = p.integer("quit-after", 0, 1 << 30);
  if (!quitAfter) {
    std::fprintf(stderr, "facefilter: %s\n", quitAfter.error().message.c_str());
    return 2;
  }
  options.quitAfterFrames = static_cast<uint64_t>(quitAfter.value());
  options.windowScreenshotPath = p.get("window-screenshot");
  options.statsJsonPath = p.get("stats-json");
  options.presetDir = p.get("presets");
  if (p.has("window-size")) {
    std::smatch m;
    const std::string text = p.get("window-size");
    if (!std::regex_match(text, m, std::regex(R"((\d{3,5})x(\d{3,5}))"))) {
      std::fprintf(stderr, "facefilter: --window-size: expected WxH (e.g. 1280x720), got '%s'\n", text.c_str());
      return 2;
    }
    const int w = std::stoi(m[1].str()), h = std::stoi(m[2].str());
    if (w < 320 || h < 240 || w > 16384 || h > 16384) {
      std::fprintf(stderr, "facefilter: --window-size: %dx%d is outside 320x240 .. 16384x16384\n", w, h);
      return 2;
    }
    c.windowWidth = w;
    c.windowHeight = h;
  }
  const std::string vsync = p.get("vsync");
  if (vsync != "on" && vsync != "off") {
    std::fprintf(stderr, "facefilter: --vsync: expected on or off, got '%s'\n", vsync.c_str());
    return 2;
  }
  options.vsync = vsync == "on" ? VSync::kOn : VSync::kOff;
  if (options.mode == RunMode::kHeadless && !p.has("input")) {
    std::fprintf(stderr, "facefilter: --headless needs --input\n");
    return 2;
  }

  auto session = AppSession::create(std::move(options));
  if (!session) {
    std::fprintf(stderr, "facefilter: %s\n", session.error().message.c_str());
    return 1;
  }
  return session.value()->run();
}
