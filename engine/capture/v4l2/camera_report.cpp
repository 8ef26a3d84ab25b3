#include "engine/capture/v4l2/camera_report.hpp"

#include <algorithm>
#include <cctype>

namespace facefilter {
namespace {

std::string trimmedFourcc(uint32_t fourcc) {
  std::string s = fourccText(fourcc);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string lowerText(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Modes grouped by format and size, rates fastest first, in the driver's order.
struct SizeRates {
  uint32_t fourcc;
  int width, height;
  std::vector<double> fps;
};
std::vector<SizeRates> grouped(const std::vector<CameraMode>& modes) {
  std::vector<SizeRates> out;
  for (const auto& m : modes) {
    auto it = std::find_if(out.begin(), out.end(), [&](const SizeRates& s) {
      return s.fourcc == m.fourcc && s.width == m.width && s.height == m.height;
    });
    if (it == out.end()) {
      out.push_back({m.fourcc, m.width, m.height, {}});
      it = out.end() - 1;
    }
    it->fps.push_back(m.fps());
  }
  for (auto& s : out) std::sort(s.fps.begin(), s.fps.end(), std::greater<>());
  return out;
}

}  // namespace

std::vector<CameraReportEntry> cameraReport(VideoDeviceIo& io) {
  std::vector<CameraReportEntry> report;
  const std::vector<CameraInfo> all = listCameras(io);
  bool defaultTaken = false;
  for (const CameraInfo& c : all) {
    CameraReportEntry e;
    e.camera = c;
    if (c.realCamera() && c.problem.empty() && !defaultTaken) {
      e.isDefault = true;
      defaultTaken = true;
    }
    // The name works as a source when no other camera's name holds it; a loopback device only by path.
    const std::string low = lowerText(c.name);
    // (A name holding a quote cannot be written in the source syntax: its path then.)
    const bool unique =
        !c.name.empty() && !c.loopback && c.name.find('"') == std::string::npos &&
        std::count_if(all.begin(), all.end(), [&](const CameraInfo& o) {
          return o.captures && !o.loopback && lowerText(o.name).find(low) != std::string::npos;
        }) == 1;
    e.source = unique ? "camera:\"" + c.name + "\"" : "camera:" + c.path;
    if (c.captures && c.problem.empty()) {
      const int fd = io.openCapture(c.path);
      if (fd < 0) {
        e.modesProblem = errnoText(-fd);
      } else {
        auto modes = enumerateModes(io, fd, c.path);
        io.close(fd);
        if (modes) {
          e.modes = std::move(modes).value();
          if (auto chosen = chooseMode(e.modes, {})) e.chosen = std::move(chosen).value();
        } else {
          e.modesProblem = modes.error().message;
        }
      }
    }
    report.push_back(std::move(e));
  }
  return report;
}

OrderedJson cameraReportJson(const std::vector<CameraReportEntry>& report) {
  OrderedJson cameras = OrderedJson::array();
  for (const auto& e : report) {
    const CameraInfo& c = e.camera;
    OrderedJson j;
    j["path"] = c.path;
    j["number"] = c.number;
    j["name"] = c.name;
    j["bus"] = c.bus;
    j["driver"] = c.driver;
    j["captures"] = c.captures;
    j["metadata"] = c.metadata;
    j["loopback"] = c.loopback;
    j["default"] = e.isDefault;
    j["source"] = e.source;
    if (!c.problem.empty()) j["problem"] = c.problem;
    if (!e.modesProblem.empty()) j["modes_problem"] = e.modesProblem;
    if (e.chosen) {
      const CameraMode& m = e.chosen->mode;
      j["chosen_mode"] = {{"format", trimmedFourcc(m.fourcc)},
                          {"width", m.width},
                          {"height", m.height},
                          {"fps", fixedDecimals(m.fps(), 3)}};
    }
    OrderedJson modes = OrderedJson::array();
    for (const auto& s : grouped(e.modes)) {
      OrderedJson rates = OrderedJson::array();
      for (const double f : s.fps) rates.push_back(fixedDecimals(f, 3));
      modes.push_back(
          {{"format", trimmedFourcc(s.fourcc)}, {"width", s.width}, {"height", s.height}, {"fps", rates}});
    }
    j["modes"] = std::move(modes);
    cameras.push_back(std::move(j));
  }
  OrderedJson doc;
  doc["cameras"] = std::move(cameras);
  return doc;
}

std::string cameraReportText(const std::vector<CameraReportEntry>& report) {
  if (report.empty()) return "no video device (/sys/class/video4linux is empty): no camera is plugged in\n";
  std::string out;
  for (const auto& e : report) {
    out += describeCamera(e.camera) + "\n";
    if (!e.camera.captures || !e.camera.problem.empty()) continue;
    out += "    source: " + e.source;
    if (e.isDefault) out += "  (the default camera: `camera`, `default`)";
    if (e.camera.loopback) out += "  (a virtual camera: read only when named by path)";
    out += "\n";
    if (!e.modesProblem.empty()) out += "    modes: " + e.modesProblem + "\n";
    std::string format;
    std::string line;
    for (const auto& s : grouped(e.modes)) {
      const std::string f = trimmedFourcc(s.fourcc);
      if (f != format) {
        if (!line.empty()) out += line + "\n";
        format = f;
        line = "    " + f + (decodableFormat(s.fourcc) ? "" : " (not decoded)") + ":";
      }
      line += " " + std::to_string(s.width) + "x" + std::to_string(s.height) + "@" + fpsText(s.fps.front());
    }
    if (!line.empty()) out += line + "\n";
    if (e.chosen) out += "    without a mode asked: " + describeMode(e.chosen->mode) + "\n";
  }
  return out;
}

}  // namespace facefilter
