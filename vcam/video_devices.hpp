#pragma once
// The video devices the kernel lists in /sys/class/video4linux: their /dev path, their name (a webcam's
// model, a loopback device's card_label) and whether v4l2loopback made them. The virtual camera picks its
// device here ("auto"); the panel lists them. A camera list (capture devices) can be built on the same call.
// Any thread; each call reads sysfs afresh through the VideoDeviceIo seam.

#include <string>
#include <vector>

#include "engine/capture/v4l2/video_device_io.hpp"
#include "engine/core/result.hpp"

namespace facefilter {

struct VideoDeviceInfo {
  std::string path;       // /dev/videoN
  int number = -1;        // N
  std::string name;       // sysfs `name`: the card label of a loopback device, the model of a camera
  bool loopback = false;  // made by v4l2loopback
};

inline constexpr const char* kSysVideoClass = "/sys/class/video4linux";
inline constexpr const char* kSysLoopbackModule = "/sys/module/v4l2loopback";
// The card label `auto` looks for first, and the one the README's modprobe line gives.
inline constexpr const char* kLoopbackLabel = "facefilter";

// Every videoN node, in number order.
std::vector<VideoDeviceInfo> listVideoDevices(VideoDeviceIo& io);
bool loopbackModuleLoaded(VideoDeviceIo& io);
// What to run when the module is not loaded (one line, for messages).
std::string loopbackLoadHint();

// The device a setting names: "auto" is the loopback device labelled "facefilter", else the first loopback
// device; a path is taken as it is (opening it says whether it will do). The error says what is missing and
// how to get it (the module, or a device).
Result<std::string> resolveVirtualCameraDevice(VideoDeviceIo& io, const std::string& setting);

}  // namespace facefilter
