#pragma once
// A camera's modes (pixel format, size, frame rate) as V4L2 enumerates them, and the choice of the mode that
// gives what was asked for. USB 2.0 bandwidth limits uncompressed YUYV at 1280x720 to 5-10 frames/s on most
// webcams, while the same cameras give 30 frames/s as MJPG: the choice looks at every format's rates, so
// `camera:0:1280x720@30` gets the MJPG mode that reaches 30 rather than the YUYV one that does not.
//
// Pure functions over the VideoDeviceIo seam (enumerateModes) or over a list (chooseMode); any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/capture/source_spec.hpp"
#include "engine/capture/v4l2/video_device_io.hpp"
#include "engine/core/result.hpp"

namespace facefilter {

struct CameraMode {
  uint32_t fourcc = 0;  // V4L2_PIX_FMT_MJPEG, V4L2_PIX_FMT_YUYV, ...
  int width = 0;
  int height = 0;
  // The frame interval as the driver gives it (seconds per frame = numerator / denominator).
  uint32_t intervalNumerator = 1;
  uint32_t intervalDenominator = 30;

  double fps() const {
    return intervalNumerator == 0 ? 0.0 : static_cast<double>(intervalDenominator) / intervalNumerator;
  }
  bool operator==(const CameraMode&) const = default;
};

// Formats the capture decodes: MJPG (and JPEG, the same to a decoder), YUYV, NV12.
bool decodableFormat(uint32_t fourcc);
bool compressedFormat(uint32_t fourcc);

// "MJPG 1280x720@30" (a fractional rate keeps its fraction: "@7.5").
std::string describeMode(const CameraMode& mode);
// The rate as text: "30", "7.5".
std::string fpsText(double fps);
// The source syntax that asks for exactly this mode on a device, e.g. "camera:0:1280x720@30:mjpg".
std::string modeSpecText(const std::string& device, const CameraMode& mode);

// Every mode of an open capture node (ENUM_FMT x ENUM_FRAMESIZES x ENUM_FRAMEINTERVALS), formats in the
// driver's order. Stepwise and continuous sizes and intervals are sampled (the common sizes inside the range,
// the fastest and slowest rates and 30 fps where they lie inside it). An error when the node lists no format.
Result<std::vector<CameraMode>> enumerateModes(VideoDeviceIo& io, int fd, const std::string& device);

struct ModeRequest {
  int width = 0;  // 0: the largest mode at >= fps up to kDefaultMaxWidth x kDefaultMaxHeight
  int height = 0;
  double fps = 0;  // 0: kDefaultFps
  CameraFormat format = CameraFormat::kAuto;
};

inline constexpr int kDefaultMaxWidth = 1280;
inline constexpr int kDefaultMaxHeight = 720;
inline constexpr double kDefaultFps = 30;

struct ModeChoice {
  CameraMode mode;
  double requestedFps = 0;  // the rate aimed at (request.fps, else kDefaultFps)
  // How the mode differs from the request, for the log and the panel ("999x999@240 is not a mode of this
  // camera; the nearest is MJPG 1280x720@30"); empty when it is what was asked.
  std::string note;
};

// The mode for a request: the rate first (a mode that reaches the asked rate wins over one closer in size
// that does not), then the size (the asked one, else the nearest), then YUYV where it reaches the rate (no
// decode cost) else MJPG, then the slowest rate that reaches the asked one. A forced format is kept when the
// camera has it in some size. An error only when no mode is in a format the capture decodes.
Result<ModeChoice> chooseMode(const std::vector<CameraMode>& modes, const ModeRequest& request);

// A mode of the same size (else the largest smaller one) that reaches `fps`, for the suggestion when a camera
// delivers far fewer frames than asked; nothing when no decodable mode reaches it.
std::optional<CameraMode> modeReaching(const std::vector<CameraMode>& modes, int width, int height,
                                       double fps);

}  // namespace facefilter
