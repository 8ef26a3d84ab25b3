#pragma once
// The one seam between the virtual camera and the kernel: every open, ioctl, write and sysfs read the
// virtual camera makes goes through a VideoDeviceIo, so that the device logic (which node is a loopback
// device, format negotiation, what each errno means) runs in tests against recorded v4l2loopback answers
// (tests/vcam/recorded_loopback_io.hpp) as it runs here against the real kernel.
//
// Why V4L2 ioctls directly and not FFmpeg's libavdevice v4l2 output: the virtual camera needs the errno of
// each step (ENOENT, EBUSY, EACCES, ENOTTY, ENODEV) to say what is wrong and what to do, the capabilities and
// driver name QUERYCAP answers (a webcam node must be refused before anything is written to it), and the
// format the device actually took after S_FMT (v4l2loopback keeps the format of a producer that came first).
// libavdevice folds these into AVERROR codes and its own log lines, and opens the device inside
// avformat_write_header; the ioctls are a handful of calls that we can test one by one.
//
// Return values follow the kernel's: a descriptor, a byte count or 0 on success, -errno on failure. Any
// thread; an implementation keeps no state between calls beyond what the kernel keeps.

#include <linux/videodev2.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace facefilter {

class VideoDeviceIo {
 public:
  virtual ~VideoDeviceIo() = default;
  // open(2) for writing (O_RDWR, as producers open v4l2loopback), close-on-exec; a descriptor or -errno.
  virtual int open(const std::string& path) = 0;
  virtual void close(int fd) = 0;
  // VIDIOC_QUERYCAP, VIDIOC_G_FMT, VIDIOC_S_FMT, VIDIOC_S_PARM: 0 or -errno.
  virtual int queryCap(int fd, v4l2_capability& cap) = 0;
  virtual int getFormat(int fd, v4l2_format& format) = 0;
  virtual int setFormat(int fd, v4l2_format& format) = 0;
  virtual int setParm(int fd, v4l2_streamparm& parm) = 0;
  // write(2): bytes written or -errno.
  virtual ssize_t write(int fd, const uint8_t* data, size_t bytes) = 0;

  // The file system around the devices (/sys/class/video4linux, /sys/module, /dev).
  virtual bool exists(const std::string& path) = 0;
  // A small text file (a sysfs attribute) without its trailing newline; nothing when it cannot be read.
  virtual std::optional<std::string> readText(const std::string& path) = 0;
  // The names in a folder (unsorted); empty when it cannot be listed.
  virtual std::vector<std::string> listDir(const std::string& path) = 0;
  // Where a symbolic link points (as readlink(2) gives it); nothing when `path` is not a link.
  virtual std::optional<std::string> readLink(const std::string& path) = 0;
};

// The real kernel: the calls above, one system call each.
std::shared_ptr<VideoDeviceIo> systemVideoDeviceIo();

// The text of an errno value (strerror_r), e.g. "Device or resource busy".
std::string errnoText(int error);

}  // namespace facefilter
