// facefilter-cli cameras: the video devices, what each is, the cameras' modes and the source text that names
// each camera; --json for programs.

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "engine/capture/v4l2/camera_report.hpp"
#include "engine/core/logging.hpp"
#include "settings/command_line.hpp"

namespace facefilter::cli {
namespace {

struct CamerasOptions {
  bool json = false;
  spdlog::level::level_enum logLevel = spdlog::level::warn;
};

int listCameras(const CamerasOptions& o) {
  setLogLevel(o.logLevel);
  const auto report = cameraReport(*systemVideoDeviceIo());
  if (o.json)
    std::cout << cameraReportJson(report).dump(2) << "\n";
  else
    std::cout << cameraReportText(report);
  return kExitOk;
}

}  // namespace

Command addCamerasCommand(CLI::App& cli) {
  auto o = std::make_shared<CamerasOptions>();
  CLI::App* command = cli.add_subcommand(
      "cameras", "the cameras (/sys/class/video4linux): name, bus, modes, and the source text for each");
  command->add_flag("--json", o->json, "one JSON document instead of text");
  addLogLevelOption(*command, o->logLevel);
  return {command, [o] { return listCameras(*o); }};
}

}  // namespace facefilter::cli
