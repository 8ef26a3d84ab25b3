#pragma once
// The one source syntax shared by the CLI, the app and the config file:
//   camera | camera:N | camera:N:WxH | camera:N:WxH@FPS   a camera (V4L2 index)
//   demo                                                  OpenCV's sample clip (Debian opencv-doc)
//   default                                               camera:0, falling back to demo without a camera
//   video:PATH | image:PATH | folder:PATH                 explicit kinds
//   PATH                                                  a folder, an image (by extension) or a video

#include <string>
#include <string_view>

#include "engine/core/result.hpp"

namespace facefilter {

enum class SourceKind { kDefault, kCamera, kDemo, kVideoFile, kImage, kFolder };

struct SourceSpec {
  SourceKind kind = SourceKind::kDefault;
  int cameraIndex = 0;
  int width = 0;  // requested camera resolution, 0 = driver default
  int height = 0;
  double fps = 0;    // requested camera rate, 0 = driver default
  std::string path;  // file or folder for file kinds
};

inline constexpr const char* kDemoVideoPath = "/usr/share/doc/opencv-doc/examples/data/Megamind.avi";

Result<SourceSpec> parseSourceSpec(std::string_view text);
std::string toString(const SourceSpec& spec);
const char* toString(SourceKind kind);
bool isImagePath(std::string_view path);

}  // namespace facefilter
