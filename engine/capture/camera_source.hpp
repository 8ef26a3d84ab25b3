#pragma once
// A V4L2 camera. Opening fails fast with a clear message when there is no such device; a read failure
// (unplugged, taken by another program) is reported and reopen() retries.

#include <memory>

#include <opencv2/videoio.hpp>

#include "engine/capture/frame_source.hpp"

namespace facefilter {

class CameraSource final : public FrameSource {
 public:
  static Result<std::unique_ptr<FrameSource>> open(const SourceSpec& spec);
  ReadResult read() override;
  SourceInfo info() const override { return info_; }
  bool reopen() override;

 private:
  CameraSource(cv::VideoCapture capture, SourceSpec spec, SourceInfo info)
      : capture_(std::move(capture)), spec_(std::move(spec)), info_(std::move(info)) {}
  static Result<cv::VideoCapture> openDevice(const SourceSpec& spec);

  cv::VideoCapture capture_;
  SourceSpec spec_;
  SourceInfo info_;
};

}  // namespace facefilter
