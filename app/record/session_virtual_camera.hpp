#pragma once
// The app's virtual camera: follows the settings (starts on a device, restarts when the device, size or rate
// change, stops on off), reads the scene target back without stalling (its own FrameReadback: the picture
// without the panel) and hands each new picture to the VirtualCamera sender, which converts and writes it on
// its own thread. A start that fails (no module, no device, busy...) keeps its message and is not tried again
// until the settings change or retry() is called; a sender stopped by a write error likewise. The app never
// stops for either. Main (GL) thread only.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/gl/gl_objects.hpp"
#include "app/record/frame_readback.hpp"
#include "settings/app_config.hpp"
#include "vcam/frame_sink.hpp"
#include "vcam/virtual_camera.hpp"

namespace facefilter {

// Opens the sink for a `virtual_camera` setting (auto or a path). Tests pass their own; empty: the real
// device (resolveVirtualCameraDevice, openLoopbackOutput).
using VirtualCameraSinkFactory =
    std::function<Result<std::unique_ptr<FrameSink>>(const std::string& device, const VcamRequest& request)>;

// "1280x720" -> {1280, 720}; even sizes from 2 to 8192 (the converter's and v4l2loopback's limits).
Result<VcamFrameFormat> parseVirtualCameraSize(const std::string& text);

class SessionVirtualCamera {
 public:
  void setSinkFactory(VirtualCameraSinkFactory factory) { factory_ = std::move(factory); }
  // Once a frame, before drawing: applies a change of the settings.
  void follow(const VirtualCameraSettings& settings);
  // After the scene was drawn into `target`; `newPicture`: it differs from the last one. A picture reaches
  // the sender one call later (the readback ring), or at the next call without a new one.
  void addFrame(const gl::RenderTarget& target, bool newPicture);
  void stop();
  // Tries the current settings again (after a failed start or a device that went away).
  void retry() { attempted_ = false; }

  bool active() const { return camera_ != nullptr && camera_->running(); }
  bool enabled() const { return applied_.device != "off"; }
  const VirtualCamera* camera() const { return camera_.get(); }
  std::optional<VirtualCameraStats> stats() const;
  // Why the camera is not sending (start failure, or the sender's write error); empty when it is.
  std::string error() const;
  // One line for the panel and the log: device, format, sent/repeated/dropped, or the error.
  std::string statusLine() const;

 private:
  VirtualCameraSinkFactory factory_;
  VirtualCameraSettings applied_;
  bool attempted_ = false;
  std::unique_ptr<VirtualCamera> camera_;
  FrameReadback readback_;
  std::string startError_;
};

}  // namespace facefilter
