#pragma once
// What `facefilter-cli cameras` prints: every video device with what it is, each camera's modes, which one
// `camera` / `default` would open and in which mode, and the source text that names it. Built through the
// VideoDeviceIo seam (tests use recorded cameras); any thread.

#include <optional>
#include <string>
#include <vector>

#include "engine/capture/v4l2/camera_list.hpp"
#include "engine/capture/v4l2/camera_modes.hpp"
#include "engine/io/json_output.hpp"

namespace facefilter {

struct CameraReportEntry {
  CameraInfo camera;
  std::vector<CameraMode> modes;     // empty for nodes that are not video cameras
  std::string modesProblem;          // why the modes could not be listed, else empty
  bool isDefault = false;            // what `camera` and `default` open
  std::string source;                // the source text that names it: camera:"NAME" (unique), else its path
  std::optional<ModeChoice> chosen;  // the mode `camera` (no size) gets on it
};

std::vector<CameraReportEntry> cameraReport(VideoDeviceIo& io);

// {"cameras": [{"path", "number", "name", "bus", "driver", "captures", "metadata", "loopback", "default",
//   "source", "problem"?, "chosen_mode"?: {"format", "width", "height", "fps"}, "modes": [{"format",
//   "width", "height", "fps": [30, 24, ...]}]}]}
OrderedJson cameraReportJson(const std::vector<CameraReportEntry>& report);
// For people: one block per device, modes grouped by format as WIDTHxHEIGHT@MAXFPS.
std::string cameraReportText(const std::vector<CameraReportEntry>& report);

}  // namespace facefilter
