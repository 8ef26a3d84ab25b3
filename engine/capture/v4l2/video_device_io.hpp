#pragma once
// The one seam between facefilter and the kernel's video devices: every open, ioctl, mmap, poll, write and
// sysfs read that the camera capture (engine/capture) and the virtual camera (vcam/) make goes through a
// VideoDeviceIo, so that the device logic (which node is a camera, a metadata node or a loopback device, mode
// choice, buffer handling, what each errno means) runs in tests against recorded answers of real devices
// (tests/capture/, tests/vcam/) as it runs here against the real kernel.
//
// Why V4L2 ioctls directly and not OpenCV's V4L2 backend or FFmpeg's libavdevice: the capture needs each
// camera's full mode list (formats, sizes, frame intervals) to choose a mode, the driver's buffer time stamps
// and sequence numbers, and the errno of each step (ENOENT, EBUSY, EACCES, ENOTTY, ENODEV) to say what is
// wrong and what to do; the virtual camera needs the capabilities and driver name QUERYCAP answers (a webcam
// node must be refused before anything is written to it) and the format the device actually took after S_FMT.
// OpenCV and libavdevice hide these behind their own properties, AVERROR codes and log lines.
//
// Return values follow the kernel's: a descriptor, a byte count or 0 on success, -errno on failure. The
// capture calls have a default answer of -ENOTTY (what the kernel answers for an ioctl a driver does not
// implement), so a test double that models only an output device need not spell them out. Any thread; an
// implementation keeps no state between calls beyond what the kernel keeps.

#include <linux/videodev2.h>
#include <sys/types.h>

#include <cerrno>
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

  // --- Capture: a camera read through mmap'd buffers. ---
  // open(2) of a capture node: O_RDWR (mmap'd buffers are mapped read/write), O_NONBLOCK (DQBUF answers
  // EAGAIN instead of blocking; waiting is poll's job, with a timeout), close-on-exec.
  virtual int openCapture(const std::string& /*path*/) { return -ENOTTY; }
  // VIDIOC_ENUM_FMT, VIDIOC_ENUM_FRAMESIZES, VIDIOC_ENUM_FRAMEINTERVALS: 0, or -EINVAL past the last entry.
  virtual int enumFormat(int /*fd*/, v4l2_fmtdesc& /*desc*/) { return -ENOTTY; }
  virtual int enumFrameSizes(int /*fd*/, v4l2_frmsizeenum& /*size*/) { return -ENOTTY; }
  virtual int enumFrameIntervals(int /*fd*/, v4l2_frmivalenum& /*interval*/) { return -ENOTTY; }
  // VIDIOC_G_PARM.
  virtual int getParm(int /*fd*/, v4l2_streamparm& /*parm*/) { return -ENOTTY; }
  // VIDIOC_REQBUFS, VIDIOC_QUERYBUF, VIDIOC_QBUF, VIDIOC_DQBUF (-EAGAIN: no filled buffer yet).
  virtual int requestBuffers(int /*fd*/, v4l2_requestbuffers& /*request*/) { return -ENOTTY; }
  virtual int queryBuffer(int /*fd*/, v4l2_buffer& /*buffer*/) { return -ENOTTY; }
  virtual int queueBuffer(int /*fd*/, v4l2_buffer& /*buffer*/) { return -ENOTTY; }
  virtual int dequeueBuffer(int /*fd*/, v4l2_buffer& /*buffer*/) { return -ENOTTY; }
  // mmap(2) of a buffer QUERYBUF described (shared, read/write): 0 and `*address`, or -errno.
  virtual int mapBuffer(int /*fd*/, size_t /*length*/, int64_t /*offset*/, void** /*address*/) {
    return -ENOTTY;
  }
  virtual void unmapBuffer(void* /*address*/, size_t /*length*/) {}
  // VIDIOC_STREAMON / VIDIOC_STREAMOFF for a buffer type.
  virtual int streamOn(int /*fd*/, uint32_t /*type*/) { return -ENOTTY; }
  virtual int streamOff(int /*fd*/, uint32_t /*type*/) { return -ENOTTY; }
  // poll(2) for a filled buffer: 1 when the descriptor is readable or in error (the next DQBUF says which),
  // 0 after `timeoutMs`, -errno.
  virtual int pollReadable(int /*fd*/, int /*timeoutMs*/) { return -ENOTTY; }

  // --- Controls (exposure, gain, white balance, focus, ...). ---
  // VIDIOC_QUERYCTRL (id | V4L2_CTRL_FLAG_NEXT_CTRL walks them all; -EINVAL past the last),
  // VIDIOC_QUERYMENU, VIDIOC_G_CTRL, VIDIOC_S_CTRL.
  virtual int queryControl(int /*fd*/, v4l2_queryctrl& /*control*/) { return -ENOTTY; }
  virtual int queryMenu(int /*fd*/, v4l2_querymenu& /*item*/) { return -ENOTTY; }
  virtual int getControl(int /*fd*/, v4l2_control& /*control*/) { return -ENOTTY; }
  virtual int setControl(int /*fd*/, v4l2_control& /*control*/) { return -ENOTTY; }

  // --- The file system around the devices (/sys/class/video4linux, /sys/module, /dev). ---
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

// A V4L2 fourcc as its four characters, e.g. "MJPG", "YUYV".
std::string fourccText(uint32_t fourcc);

}  // namespace facefilter
