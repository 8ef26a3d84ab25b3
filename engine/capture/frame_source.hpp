#pragma once
// A source of frames: camera, video file, image, folder of images. Owned and read by one thread at a
// time (the capture thread). Opening fails with an Error naming the source and what to do; reading
// reports end of stream or a failure as a value.

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
  std::string error;
};

struct SourceInfo {
  std::string description;  // e.g. "video:/path/clip.mp4 (720x528, 24 fps, 270 frames)"
  bool live = false;        // a camera: frames come at the device's pace and may be dropped
  double fps = 0;           // nominal rate, 0 if unknown
  int frameCount = -1;      // -1 if unknown or unbounded
  int width = 0;
  int height = 0;
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual ReadResult read() = 0;
  virtual SourceInfo info() const = 0;
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
