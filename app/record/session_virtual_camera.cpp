#include "app/record/session_virtual_camera.hpp"

#include <cstdio>

#include "engine/core/logging.hpp"
#include "vcam/video_devices.hpp"

namespace facefilter {

Result<VcamFrameFormat> parseVirtualCameraSize(const std::string& text) {
  int w = 0, h = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%dx%d%c", &w, &h, &tail) != 2 || w < 2 || h < 2 || w > 8192 || h > 8192 ||
      w % 2 != 0 || h % 2 != 0)
    return makeError("virtual camera: size '" + text + "' is not WxH with even sides from 2 to 8192");
  return VcamFrameFormat{VcamPixelFormat::kYuyv, w, h};
}

void SessionVirtualCamera::follow(const VirtualCameraSettings& settings) {
  const bool same =
      settings.device == applied_.device && settings.size == applied_.size && settings.fps == applied_.fps;
  if (same && (attempted_ || settings.device == "off")) return;
  stop();
  applied_ = settings;
  attempted_ = true;
  startError_.clear();
  if (settings.device == "off") return;
  auto format = parseVirtualCameraSize(settings.size);
  if (!format) {
    startError_ = format.error().message;
    return;
  }
  VcamRequest request;
  request.format = format.value();
  request.fps = settings.fps;
  Result<std::unique_ptr<FrameSink>> sink = makeError("");
  if (factory_) {
    sink = factory_(settings.device, request);
  } else {
    auto io = systemVideoDeviceIo();
    auto path = resolveVirtualCameraDevice(*io, settings.device);
    sink = path ? openLoopbackOutput(io, path.value(), request)
                : Result<std::unique_ptr<FrameSink>>(path.error());
  }
  if (!sink) {
    startError_ = sink.error().message;
    logger("vcam")->warn("{}", startError_);
    return;
  }
  camera_ = std::make_unique<VirtualCamera>(std::move(sink).value(), settings.fps);
  readback_ = FrameReadback();
  logger("vcam")->info("virtual camera: sending to {} at {} fps", camera_->description(), settings.fps);
}

void SessionVirtualCamera::addFrame(const gl::RenderTarget& target, bool newPicture) {
  if (!active()) return;
  // A new picture goes into the readback ring (the one before it comes out); with none, the picture still in
  // the ring (its transfer long done) comes out, so a still picture reaches the camera too.
  auto ready = newPicture ? readback_.push(target, 0) : readback_.flush();
  if (ready) camera_->push(std::move(ready->bgra));
}

void SessionVirtualCamera::stop() {
  if (!camera_) return;
  const VirtualCameraStats st = camera_->stats();
  logger("vcam")->info("virtual camera: stopped sending to {}: {} sent, {} repeated, {} dropped",
                       camera_->description(), st.sent, st.repeated, st.dropped);
  if (!st.error.empty()) startError_ = st.error;
  camera_.reset();
  readback_ = FrameReadback();
}

std::optional<VirtualCameraStats> SessionVirtualCamera::stats() const {
  if (!camera_) return std::nullopt;
  return camera_->stats();
}

std::string SessionVirtualCamera::error() const {
  if (camera_ && !camera_->running()) return camera_->stats().error;
  return startError_;
}

std::string SessionVirtualCamera::statusLine() const {
  if (applied_.device == "off") return "off";
  if (const std::string e = error(); !e.empty()) return e;
  if (!camera_) return "starting";
  const VirtualCameraStats st = camera_->stats();
  char line[256];
  std::snprintf(line, sizeof line, "%llu sent, %llu repeated, %llu dropped (convert %.2f ms)",
                static_cast<unsigned long long>(st.sent), static_cast<unsigned long long>(st.repeated),
                static_cast<unsigned long long>(st.dropped), st.convertMsMean);
  return camera_->description() + " @ " + std::to_string(camera_->fps()) + " fps: " + line;
}

}  // namespace facefilter
