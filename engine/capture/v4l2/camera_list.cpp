#include "engine/capture/v4l2/camera_list.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>

namespace facefilter {
namespace {

// "video12" -> 12; -1 for other names (v4l-subdev0, vbi0, radio0 share the class folder).
int nodeNumber(const std::string& name) {
  constexpr std::string_view kPrefix = "video";
  if (name.size() <= kPrefix.size() || name.compare(0, kPrefix.size(), kPrefix) != 0) return -1;
  int n = 0;
  for (size_t i = kPrefix.size(); i < name.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return -1;
    n = n * 10 + (name[i] - '0');
    if (n > 1'000'000) return -1;
  }
  return n;
}

std::string baseName(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// QUERYCAP's strings are fixed-size arrays, NUL-terminated unless full.
std::string capText(const uint8_t* text, size_t size) {
  const auto* p = reinterpret_cast<const char*>(text);
  return std::string(p, strnlen(p, size));
}

// v4l2loopback gives each of its nodes its own sysfs attributes (format, buffers, max_openers); a driver
// that registers a parent device shows as device/driver. Either marks the node as a loopback device, also
// when the node cannot be opened.
bool loopbackInSysfs(VideoDeviceIo& io, const std::string& sysNode) {
  if (io.exists(sysNode + "/max_openers")) return true;
  const auto driver = io.readLink(sysNode + "/device/driver");
  return driver && baseName(*driver) == "v4l2loopback";
}

}  // namespace

std::vector<CameraInfo> listCameras(VideoDeviceIo& io) {
  std::vector<CameraInfo> out;
  for (const std::string& entry : io.listDir(kVideo4LinuxClass)) {
    const int n = nodeNumber(entry);
    if (n < 0) continue;
    const std::string sysNode = std::string(kVideo4LinuxClass) + "/" + entry;
    CameraInfo c;
    c.path = "/dev/" + entry;
    c.number = n;
    c.name = io.readText(sysNode + "/name").value_or("");
    c.loopback = loopbackInSysfs(io, sysNode);
    if (const auto driver = io.readLink(sysNode + "/device/driver")) c.driver = baseName(*driver);

    const int fd = io.openCapture(c.path);
    if (fd < 0) {
      c.problem = errnoText(-fd);
      if (fd == -EACCES)
        c.problem += " (add yourself to the `video` group: sudo usermod -aG video $USER, then log in again)";
      out.push_back(std::move(c));
      continue;
    }
    v4l2_capability cap{};
    const int r = io.queryCap(fd, cap);
    io.close(fd);
    if (r < 0) {
      c.problem = "VIDIOC_QUERYCAP: " + errnoText(-r);
      out.push_back(std::move(c));
      continue;
    }
    // device_caps describe this node; capabilities the whole device (all of a UVC camera's nodes alike).
    const uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities;
    c.captures = (caps & V4L2_CAP_VIDEO_CAPTURE) != 0;
    c.metadata = !c.captures && (caps & V4L2_CAP_META_CAPTURE) != 0;
    c.driver = capText(cap.driver, sizeof cap.driver);
    c.bus = capText(cap.bus_info, sizeof cap.bus_info);
    if (c.name.empty()) c.name = capText(cap.card, sizeof cap.card);
    if (c.driver == "v4l2 loopback") c.loopback = true;
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  return out;
}

std::string describeCamera(const CameraInfo& c) {
  std::string s = c.path + "  " + (c.name.empty() ? "(no name)" : c.name) + "  (";
  s += c.driver.empty() ? "driver unknown" : c.driver;
  if (!c.bus.empty()) s += ", " + c.bus;
  s += ")";
  if (c.loopback)
    s += c.captures ? "  virtual camera (v4l2loopback)" : "  virtual camera (v4l2loopback), no producer";
  else if (c.metadata)
    s += "  metadata node, no video";
  else if (!c.captures && c.problem.empty())
    s += "  no video capture";
  if (!c.problem.empty()) s += "  cannot be asked: " + c.problem;
  return s;
}

}  // namespace facefilter
