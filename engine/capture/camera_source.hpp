#pragma once
// A V4L2 camera, read through our own capture (engine/capture/v4l2): the camera a source spec names (by
// number, path or name), in the mode that reaches the asked rate (camera_modes.hpp), streamed through
// mmap'd driver buffers. MJPG frames are decoded on the capture thread (TurboJPEG), YUYV and NV12 converted;
// each frame carries the driver's capture time stamp where the driver gives a monotonic one (the steady clock
// the engine's latency figures use), so latency counts from the sensor rather than from our read.
//
// The rate the camera actually delivers is measured over its first second (from the driver's frame sequence
// numbers and time stamps, so a slow consumer does not lower it), logged, and published in info() with a
// suggestion when it is far under the asked rate.
//
// Threads: open() on any thread; then one thread at a time (the capture thread) calls read(), info(),
// infoVersion() and reopen(). Failures are values naming the device and what to do: no camera, a metadata
// node, a virtual camera asked for by number or name, a busy device, no permission, unplugged.

#include <memory>
#include <string>
#include <vector>

#include "engine/capture/frame_source.hpp"
#include "engine/capture/jpeg_decode.hpp"
#include "engine/capture/v4l2/camera_list.hpp"
#include "engine/capture/v4l2/camera_modes.hpp"
#include "engine/capture/v4l2/video_device_io.hpp"
#include "engine/core/clock.hpp"

namespace facefilter {

// A measured rate under this share of the asked one is "far under": the panel warns and suggests.
inline constexpr double kFarUnderRateShare = 0.8;

class CameraSource final : public FrameSource {
 public:
  // `io`: the kernel (systemVideoDeviceIo()) or a recorded camera in tests; `clock`: where frames without
  // a driver time stamp get theirs, and what a driver time stamp is checked against.
  static Result<std::unique_ptr<FrameSource>> open(const SourceSpec& spec,
                                                   std::shared_ptr<VideoDeviceIo> io = systemVideoDeviceIo(),
                                                   const Clock& clock = SteadyClock::instance());
  ~CameraSource() override;
  CameraSource(const CameraSource&) = delete;
  CameraSource& operator=(const CameraSource&) = delete;

  ReadResult read() override;
  SourceInfo info() const override { return info_; }
  uint64_t infoVersion() const override { return infoVersion_; }
  int skippedFrames() const override { return skipped_; }
  bool reopen() override;

  // How long read() waits for a frame before it reports the camera as failing.
  static constexpr int kFirstFrameTimeoutMs = 5000;  // cameras take a second or two to start streaming
  static constexpr int kFrameTimeoutMs = 2000;

 private:
  struct Buffer {
    void* data = nullptr;
    size_t length = 0;
  };

  CameraSource(SourceSpec spec, std::shared_ptr<VideoDeviceIo> io, const Clock& clock, JpegDecoder decoder);
  Status start();  // find the camera, choose the mode, map the buffers, stream
  void stop();     // stream off, unmap, close
  Result<cv::Mat> convert(const Buffer& buffer, size_t bytesUsed);
  void measureRate(uint32_t sequence, int64_t captureNs);
  std::string suggestionFor(double measuredFps) const;
  std::string deviceError(const std::string& step, int error) const;

  SourceSpec spec_;
  std::shared_ptr<VideoDeviceIo> io_;
  const Clock& clock_;
  JpegDecoder decoder_;

  CameraInfo camera_;
  std::vector<CameraMode> modes_;
  ModeChoice choice_;
  int fd_ = -1;
  std::vector<Buffer> buffers_;
  bool streaming_ = false;
  uint32_t bytesPerLine_ = 0;
  bool firstFrame_ = true;

  // The first second's rate.
  bool rateKnown_ = false;
  bool rateStarted_ = false;
  uint32_t firstSequence_ = 0;
  uint32_t framesSinceFirst_ = 0;
  int64_t firstNs_ = 0;

  SourceInfo info_;
  uint64_t infoVersion_ = 0;
  int skipped_ = 0;
};

}  // namespace facefilter
