#pragma once
// A video file decoded by OpenCV (FFmpeg); MJPEG's frames by TurboJPEG from the file's packets. Frames come
// in buffers of the frame pool (engine/core/frame_buffer_pool.hpp). Corrupt frames are skipped and counted; a
// file that ends before its announced length reports kFailed once its last good frame has been delivered.

#include <memory>
#include <optional>
#include <string>

#include <opencv2/videoio.hpp>

#include "engine/capture/frame_source.hpp"
#include "engine/capture/jpeg_decode.hpp"

namespace facefilter {

class VideoFileSource final : public FrameSource {
 public:
  static Result<std::unique_ptr<FrameSource>> open(const std::string& path);

  ReadResult read() override;
  SourceInfo info() const override { return info_; }
  int skippedFrames() const override { return skipped_; }
  // "TurboJPEG" (an MJPEG file, decoded from its packets) or "FFmpeg".
  const char* decoderName() const { return jpeg_ ? "TurboJPEG" : "FFmpeg"; }

 private:
  VideoFileSource(cv::VideoCapture capture, SourceInfo info, std::string path,
                  std::optional<JpegDecoder> jpeg);

  cv::VideoCapture capture_;
  SourceInfo info_;
  std::string path_;
  int delivered_ = 0;
  int skipped_ = 0;
  double lastTimeMs_ = 0;
  std::optional<JpegDecoder> jpeg_;  // MJPEG: the capture gives packets, decoded here
  cv::Mat packet_;
};

}  // namespace facefilter
