#include "engine/capture/camera_source.hpp"

#include <filesystem>

#include "engine/core/logging.hpp"

namespace facefilter {

Result<cv::VideoCapture> CameraSource::openDevice(const SourceSpec& spec) {
  const std::string device = "/dev/video" + std::to_string(spec.cameraIndex);
  std::error_code ec;
  if (!std::filesystem::exists(device, ec)) {
    return makeError("camera " + std::to_string(spec.cameraIndex) + ": no camera (" + device +
                     " does not exist); plug one in or choose another source");
  }
  cv::VideoCapture capture;
  try {
    capture.open(spec.cameraIndex, cv::CAP_V4L2);
    if (capture.isOpened()) {
      if (spec.width > 0) capture.set(cv::CAP_PROP_FRAME_WIDTH, spec.width);
      if (spec.height > 0) capture.set(cv::CAP_PROP_FRAME_HEIGHT, spec.height);
      if (spec.fps > 0) capture.set(cv::CAP_PROP_FPS, spec.fps);
      // Keep the driver's queue short: we want the newest frame, not a backlog.
      capture.set(cv::CAP_PROP_BUFFERSIZE, 1);
    }
  } catch (const cv::Exception& e) {
    return makeError("camera " + std::to_string(spec.cameraIndex) + " (" + device + "): " + e.what());
  }
  if (!capture.isOpened()) {
    return makeError("camera " + std::to_string(spec.cameraIndex) + " (" + device +
                     "): cannot be opened (busy in another program, or no permission)");
  }
  return capture;
}

Result<std::unique_ptr<FrameSource>> CameraSource::open(const SourceSpec& spec) {
  auto capture = openDevice(spec);
  if (!capture) return capture.error();
  SourceInfo info;
  info.live = true;
  info.width = static_cast<int>(capture->get(cv::CAP_PROP_FRAME_WIDTH));
  info.height = static_cast<int>(capture->get(cv::CAP_PROP_FRAME_HEIGHT));
  info.fps = capture->get(cv::CAP_PROP_FPS);
  info.description = "camera:" + std::to_string(spec.cameraIndex) + " (" + std::to_string(info.width) + "x" +
                     std::to_string(info.height) + ")";
  return std::unique_ptr<FrameSource>(new CameraSource(std::move(capture).value(), spec, std::move(info)));
}

ReadResult CameraSource::read() {
  ReadResult r;
  cv::Mat raw;
  bool got = false;
  try {
    got = capture_.isOpened() && capture_.read(raw);
  } catch (const cv::Exception& e) {
    got = false;
  }
  if (!got || raw.empty()) {
    r.status = ReadStatus::kFailed;
    r.error =
        "camera " + std::to_string(spec_.cameraIndex) + ": no frame (unplugged or taken by another program)";
    return r;
  }
  auto bgr = toBgr8(raw);
  if (!bgr) {
    r.status = ReadStatus::kFailed;
    r.error = "camera " + std::to_string(spec_.cameraIndex) + ": " + bgr.error().message;
    return r;
  }
  r.status = ReadStatus::kFrame;
  r.image = std::move(bgr).value();
  return r;
}

bool CameraSource::reopen() {
  capture_.release();
  auto capture = openDevice(spec_);
  if (!capture) return false;
  capture_ = std::move(capture).value();
  return true;
}

}  // namespace facefilter
