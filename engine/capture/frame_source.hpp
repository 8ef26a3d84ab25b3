#pragma once
// A source of frames: camera, video file, image, folder of images. Owned and read by one thread at a
// time (the capture thread). Opening fails with an Error naming the source and what to do; reading
// reports end of stream or a failure as a value.

#include <cstdint>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "engine/capture/source_spec.hpp"
#include "engine/core/result.hpp"

namespace facefilter {

enum class ReadStatus {
  kFrame,        // `image` holds an 8-bit BGR frame
  kEndOfStream,  // no more frames (a file ended); not an error
  kFailed,       // the source broke (camera unplugged, video cut short); `error` says how
};

struct ReadResult {
  ReadStatus status = ReadStatus::kFailed;
  cv::Mat image;
  double sourceTimeMs = 0;
  // Live sources that know when the frame was captured (a camera's driver time stamp), on the steady clock
  // the engine measures latency with; 0: unknown, the capture thread stamps the frame when read() returns.
  int64_t captureNs = 0;
  // Live sources wait for the frame inside read(): the time spent decoding and converting it, measured by
  // the source itself; -1: the capture thread times the whole read() as the decode time.
  int64_t decodeNs = -1;
  std::string error;
};

struct SourceInfo {
  std::string description;  // e.g. "video:/path/clip.mp4 (720x528, 24 fps, 270 frames)"
  bool live = false;        // a camera: frames come at the device's pace and may be dropped
  double fps = 0;           // nominal rate, 0 if unknown
  int frameCount = -1;      // -1 if unknown or unbounded
  int width = 0;
  int height = 0;

  // Cameras only (empty or 0 for other sources); the panel's source section shows them.
  std::string cameraName;   // the driver's name for it, e.g. "HD Pro Webcam C920"
  std::string cameraPath;   // /dev/videoN
  std::string cameraBus;    // bus_info, e.g. "usb-0000:00:14.0-1"
  std::string pixelFormat;  // the chosen mode's format as V4L2 names it: "MJPG", "YUYV"
  // width, height and fps above are the chosen mode's; `requestedFps` the rate asked for (the chosen mode's
  // own when none was asked).
  double requestedFps = 0;
  std::string modeNote;    // how the chosen mode differs from the asked one (the nearest mode), else empty
  double measuredFps = 0;  // frames per second the camera delivered over its first second; 0 until known
  std::string suggestion;  // when measuredFps is far under requestedFps: why, and what would reach it
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual ReadResult read() = 0;
  virtual SourceInfo info() const = 0;
  // Bumped whenever info() changes after opening (a camera's measured rate becomes known); the capture
  // thread then publishes the new info().
  virtual uint64_t infoVersion() const { return 0; }
  // Frames the source skipped because they could not be decoded (counted, not fatal).
  virtual int skippedFrames() const { return 0; }
  // For live sources: try to reopen after a failure. Returns true when frames flow again.
  virtual bool reopen() { return false; }
};

// Opens any source. kDefault tries camera 0 and falls back to the demo clip.
Result<std::unique_ptr<FrameSource>> openSource(const SourceSpec& spec);

// Converts any decoded image (gray, BGRA, 16-bit, float) to 8-bit BGR. Returns an error for empty images.
Result<cv::Mat> toBgr8(const cv::Mat& image);

}  // namespace facefilter
