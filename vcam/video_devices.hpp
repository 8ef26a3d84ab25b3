#pragma once
// The loopback device the virtual camera writes to. The video devices themselves are listed by the engine's
// listVideoNodes() (engine/capture/v4l2/camera_list.hpp: the /dev path, the name (a webcam's model, a
// loopback device's card_label) and whether v4l2loopback made it), the same call the camera list builds on.
// Any thread; each call reads sysfs afresh through the VideoDeviceIo seam.

#include <string>
#include <vector>

#include "engine/capture/v4l2/camera_list.hpp"
#include "engine/capture/v4l2/video_device_io.hpp"
#include "engine/core/result.hpp"

namespace facefilter {

inline constexpr const char* kSysLoopbackModule = "/sys/module/v4l2loopback";
// The card label `auto` looks for first, and the one the README's modprobe line gives.
inline constexpr const char* kLoopbackLabel = "facefilter";

bool loopbackModuleLoaded(VideoDeviceIo& io);
// What to run when the module is not loaded (one line, for messages).
std::string loopbackLoadHint();

// The device a setting names: "auto" is the loopback device labelled "facefilter", else the first loopback
// device; a path is taken as it is (opening it says whether it will do). The error says what is missing and
// how to get it (the module, or a device).
Result<std::string> resolveVirtualCameraDevice(VideoDeviceIo& io, const std::string& setting);

}  // namespace facefilter
