#pragma once
// The one source syntax shared by the CLI, the app and the config file:
//   camera[:DEVICE][:WxH][@FPS][:mjpg|:yuyv]              a camera; DEVICE is N (/dev/videoN), /dev/videoN,
//                                                         "NAME" or a unique part of a camera's name; without
//                                                         DEVICE the first real camera (never a loopback
//                                                         device nor a metadata node); without a size the
//                                                         largest mode at >= 30 fps up to 1280x720
//   demo                                                  OpenCV's sample clip (Debian opencv-doc)
//   default                                               the first real camera, else demo
//   video:PATH | image:PATH | folder:PATH                 explicit kinds
//   PATH                                                  a folder, an image (by extension) or a video

#include <string>
#include <string_view>

#include "engine/core/result.hpp"

namespace facefilter {

enum class SourceKind { kDefault, kCamera, kDemo, kVideoFile, kImage, kFolder };

// How a camera is named.
enum class CameraSelect {
  kFirst,   // `camera`, `default`: the first real camera
  kNumber,  // camera:N -> /dev/videoN (cameraIndex)
  kPath,    // camera:/dev/videoN (path)
  kName,    // camera:"NAME" or a unique part of it (cameraName), case-insensitive
};

// The pixel format a camera delivers: chosen (MJPG where YUYV cannot reach the rate) or forced.
enum class CameraFormat { kAuto, kMjpg, kYuyv };

struct SourceSpec {
  SourceKind kind = SourceKind::kDefault;
  CameraSelect cameraSelect = CameraSelect::kFirst;
  int cameraIndex = 0;     // kNumber
  std::string cameraName;  // kName
  int width = 0;           // requested camera size, 0 = chosen (see above)
  int height = 0;
  double fps = 0;  // requested camera rate, 0 = chosen
  CameraFormat cameraFormat = CameraFormat::kAuto;
  std::string path;  // file or folder for file kinds; the device for CameraSelect::kPath
};

inline constexpr const char* kDemoVideoPath = "/usr/share/doc/opencv-doc/examples/data/Megamind.avi";

Result<SourceSpec> parseSourceSpec(std::string_view text);
std::string toString(const SourceSpec& spec);
const char* toString(SourceKind kind);
bool isImagePath(std::string_view path);

}  // namespace facefilter
