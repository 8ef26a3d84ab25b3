#include "vcam/video_devices.hpp"

namespace facefilter {

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
  const auto devices = listVideoNodes(io);
  const VideoNode* first = nullptr;
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
