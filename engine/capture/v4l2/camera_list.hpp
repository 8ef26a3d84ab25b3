#pragma once
// The cameras the kernel lists in /sys/class/video4linux, as the user chooses among them: each videoN node
// with its driver's name for it, its bus, whether it captures video (a UVC camera's second node carries only
// metadata) and whether v4l2loopback made it (facefilter's own virtual camera must never be its input).
// Any thread; each call reads sysfs and asks each node (VIDIOC_QUERYCAP) afresh through the VideoDeviceIo
// seam; nothing is kept open.

#include <string>
#include <vector>

#include "engine/capture/source_spec.hpp"
#include "engine/capture/v4l2/video_device_io.hpp"
#include "engine/core/result.hpp"

namespace facefilter {

// A videoN node as sysfs describes it, without opening it (the virtual camera picks its loopback device from
// these; listCameras() asks each one further).
struct VideoNode {
  std::string path;       // /dev/videoN
  int number = -1;        // N
  std::string name;       // sysfs `name`: a camera's model, a loopback device's card label
  std::string driver;     // the driver sysfs links (device/driver), empty where it links none
  bool loopback = false;  // made by v4l2loopback, as sysfs shows it
};

struct CameraInfo {
  std::string path;  // /dev/videoN
  int number = -1;   // N
  std::string
      name;  // the driver's name for it (sysfs `name`, else QUERYCAP's card), e.g. "HD Pro Webcam C920"
  std::string bus;     // QUERYCAP bus_info, e.g. "usb-0000:00:14.0-1": tells two cameras of one model apart
  std::string driver;  // QUERYCAP driver, e.g. "uvcvideo", "v4l2 loopback"
  bool captures = false;  // delivers video frames (V4L2_CAP_VIDEO_CAPTURE in the node's device caps)
  bool metadata = false;  // a metadata node (V4L2_CAP_META_CAPTURE without video), such as UVC's second node
  bool loopback = false;  // made by v4l2loopback (a virtual camera, ours or another program's)
  std::string problem;    // why the node could not be asked (e.g. no permission), empty when it answered

  // A camera that `camera` / `default` may pick: captures video and is not a loopback device.
  bool realCamera() const { return captures && !loopback; }
};

inline constexpr const char* kVideo4LinuxClass = "/sys/class/video4linux";

// Every videoN node in sysfs, in number order; opens nothing.
std::vector<VideoNode> listVideoNodes(VideoDeviceIo& io);

// Every videoN node, in number order (video capture nodes, metadata nodes, loopback and other devices alike:
// the caller filters with the flags).
std::vector<CameraInfo> listCameras(VideoDeviceIo& io);

// The camera a source spec names (CameraSelect): `camera` / `default` the first real camera (never a loopback
// device, never a metadata node); a number /dev/videoN; a path as given (also /dev/v4l/by-id/... links); a
// name the one camera whose name is it (case-insensitive) or holds it. The error names what was asked, what
// is there and what to do (a metadata node names its camera's video node; a name matching several lists
// them).
Result<CameraInfo> findCamera(VideoDeviceIo& io, const SourceSpec& spec);

// One line for logs and the CLI, e.g. "/dev/video0  HD Pro Webcam C920  (uvcvideo, usb-0000:00:14.0-1)".
std::string describeCamera(const CameraInfo& camera);

}  // namespace facefilter
