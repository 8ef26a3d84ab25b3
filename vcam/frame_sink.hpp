#pragma once
// Where the virtual camera's frames go: a v4l2loopback device opened and negotiated with V4L2 ioctls
// (openLoopbackOutput), or any file descriptor written the same way (openDescriptorSink: /dev/null or a file,
// for the benchmark and tests). Both write each whole frame with write(2) through the VideoDeviceIo seam.
// A sink is used by one thread at a time (the sender's); it closes its descriptor when destroyed.
// Failures are values whose message says what is wrong and what to do (the module, a busy device, a webcam
// chosen by mistake, a device removed while writing).

#include <memory>
#include <string>

#include "engine/capture/v4l2/video_device_io.hpp"
#include "engine/core/result.hpp"
#include "vcam/frame_convert.hpp"

namespace facefilter {

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // What write() takes: the format the device agreed to (it may differ from the one asked for).
  virtual VcamFrameFormat format() const = 0;
  // For the panel and the log, e.g. `/dev/video4 "facefilter"`.
  virtual std::string description() const = 0;
  // One whole frame of frameBytes(format()) bytes. An error ends the sender (its message is shown).
  virtual Status write(const uint8_t* data, size_t bytes) = 0;
};

struct VcamRequest {
  VcamFrameFormat format;  // asked for; the device may keep another producer's (see FrameSink::format)
  int fps = 30;            // announced to consumers (VIDIOC_S_PARM timeperframe)
};

// Opens `path` as a V4L2 video output (QUERYCAP: the driver and the OUTPUT capability), sets the format
// (S_FMT) and the frame rate (S_PARM), and checks what the device took.
Result<std::unique_ptr<FrameSink>> openLoopbackOutput(std::shared_ptr<VideoDeviceIo> io,
                                                      const std::string& path, const VcamRequest& request);

// Opens `path` for writing frames of `format` with no ioctl (the same write path as a device).
Result<std::unique_ptr<FrameSink>> openDescriptorSink(std::shared_ptr<VideoDeviceIo> io,
                                                      const std::string& path, const VcamFrameFormat& format);

}  // namespace facefilter
