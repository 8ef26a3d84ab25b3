#include "vcam/video_devices.hpp"

#include <algorithm>
#include <cctype>

namespace facefilter {
namespace {

// "video12" -> 12; -1 for other names (v4l-subdev0, media0 live elsewhere, but be strict).
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

// v4l2loopback gives each of its nodes its own sysfs attributes (format, buffers, max_openers); a driver
// that registers a parent device shows as device/driver. Either marks the node as a loopback device.
bool isLoopbackNode(VideoDeviceIo& io, const std::string& sysNode) {
  if (io.exists(sysNode + "/max_openers")) return true;
  const auto driver = io.readLink(sysNode + "/device/driver");
  return driver && baseName(*driver) == "v4l2loopback";
}

}  // namespace

std::vector<VideoDeviceInfo> listVideoDevices(VideoDeviceIo& io) {
  std::vector<VideoDeviceInfo> out;
  for (const std::string& name : io.listDir(kSysVideoClass)) {
    const int n = nodeNumber(name);
    if (n < 0) continue;
    const std::string sysNode = std::string(kSysVideoClass) + "/" + name;
    VideoDeviceInfo d;
    d.path = "/dev/" + name;
    d.number = n;
    d.name = io.readText(sysNode + "/name").value_or("");
    d.loopback = isLoopbackNode(io, sysNode);
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  return out;
}

bool loopbackModuleLoaded(VideoDeviceIo& io) {
  return io.exists(kSysLoopbackModule);
}

std::string loopbackLoadHint() {
  return "load it with `sudo modprobe v4l2loopback exclusive_caps=1 card_label=facefilter` (Debian package "
         "v4l2loopback-dkms)";
}

Result<std::string> resolveVirtualCameraDevice(VideoDeviceIo& io, const std::string& setting) {
  if (setting != "auto") {
    if (setting.empty() || setting == "off") return makeError("virtual camera: no device chosen (off)");
    return setting;
  }
  if (!loopbackModuleLoaded(io))
    return makeError("virtual camera: the v4l2loopback kernel module is not loaded; " + loopbackLoadHint());
  const auto devices = listVideoDevices(io);
  const VideoDeviceInfo* first = nullptr;
  for (const auto& d : devices) {
    if (!d.loopback) continue;
    if (d.name == kLoopbackLabel) return d.path;
    if (first == nullptr) first = &d;
  }
  if (first != nullptr) return first->path;
  return makeError(
      "virtual camera: v4l2loopback is loaded but has no device (it was loaded with devices=0?); reload it "
      "with `sudo modprobe -r v4l2loopback && sudo modprobe v4l2loopback exclusive_caps=1 "
      "card_label=facefilter`");
}

}  // namespace facefilter
