#pragma once
// A video file decoded by OpenCV (FFmpeg). Corrupt frames are skipped and counted; a file that ends
// before its announced length reports kFailed once its last good frame has been delivered.

#include <memory>
#include <string>

#include <opencv2/videoio.hpp>

#include "engine/capture/frame_source.hpp"

namespace facefilter {

class VideoFileSource final : public FrameSource {
 public:
  static Result<std::unique_ptr<FrameSource>> open(const std::string& path);

  ReadResult read() override;
  SourceInfo info() const override { return info_; }
  int skippedFrames() const override { return skipped_; }

 private:
  VideoFileSource(cv::VideoCapture capture, SourceInfo info, std::string path);

  cv::VideoCapture capture_;
  SourceInfo info_;
  std::string path_;
  int delivered_ = 0;
  int skipped_ = 0;
  double lastTimeMs_ = 0;
};

}  // namespace facefilter
