#include "vcam/frame_sink.hpp"

#include <cerrno>
#include <cstring>

#include "engine/core/logging.hpp"
#include "vcam/video_devices.hpp"

namespace facefilter {
namespace {

constexpr const char* kLoopbackDriver = "v4l2 loopback";  // what v4l2loopback's QUERYCAP puts in `driver`

std::string cString(const uint8_t* text, size_t size) {
  const auto* begin = reinterpret_cast<const char*>(text);
  return std::string(begin, strnlen(begin, size));
}

class DescriptorSink final : public FrameSink {
 public:
  DescriptorSink(std::shared_ptr<VideoDeviceIo> io, int fd, VcamFrameFormat format, std::string description)
      : io_(std::move(io)), fd_(fd), format_(format), description_(std::move(description)) {}
  ~DescriptorSink() override { io_->close(fd_); }
  DescriptorSink(const DescriptorSink&) = delete;
  DescriptorSink& operator=(const DescriptorSink&) = delete;

  VcamFrameFormat format() const override { return format_; }
  std::string description() const override { return description_; }

  Status write(const uint8_t* data, size_t bytes) override {
    // v4l2loopback takes a whole frame per write() (it clamps to its buffer size); a file may take less.
    while (bytes > 0) {
      const ssize_t n = io_->write(fd_, data, bytes);
      if (n == -ENODEV || n == -EIO)
        return makeError(
            "virtual camera: " + description_ + " went away while sending (" +
            errnoText(static_cast<int>(-n)) +
            "): the device was removed or v4l2loopback unloaded; choose it again once it is back");
      if (n < 0)
        return makeError("virtual camera: writing to " + description_ +
                         " failed: " + errnoText(static_cast<int>(-n)));
      if (n == 0) return makeError("virtual camera: " + description_ + " took no bytes");
      data += n;
      bytes -= static_cast<size_t>(n);
    }
    return Ok{};
  }

 private:
  std::shared_ptr<VideoDeviceIo> io_;
  int fd_;
  VcamFrameFormat format_;
  std::string description_;
};

Error openError(VideoDeviceIo& io, const std::string& path, int error) {
  const std::string prefix = "virtual camera: ";
  switch (error) {
    case ENOENT:
    case ENODEV:
    case ENXIO: {
      if (!loopbackModuleLoaded(io))
        return makeError(prefix + path +
                         " does not exist and the v4l2loopback kernel module is not loaded; " +
                         loopbackLoadHint());
      std::string listed;
      for (const auto& d : listVideoNodes(io)) {
        if (d.loopback) listed += (listed.empty() ? "" : ", ") + d.path + " \"" + d.name + "\"";
      }
      return makeError(prefix + "no such device " + path + " (loopback devices: " +
                       (listed.empty() ? std::string("none") : listed) + "; `auto` picks one)");
    }
    case EBUSY:
      return makeError(prefix + path +
                       " is busy: it is open by as many programs as it allows (v4l2loopback's max_openers); "
                       "close one of them or pick another device");
    case EACCES:
    case EPERM:
      return makeError(
          prefix + "no permission to open " + path +
          ": add yourself to the 'video' group (`sudo usermod -aG video $USER`, then log in again)");
    default:
      return makeError(prefix + "cannot open " + path + ": " + errnoText(error));
  }
}

}  // namespace

Result<std::unique_ptr<FrameSink>> openLoopbackOutput(std::shared_ptr<VideoDeviceIo> io,
                                                      const std::string& path, const VcamRequest& request) {
  const std::string prefix = "virtual camera: ";
  const int fd = io->open(path);
  if (fd < 0) return openError(*io, path, -fd);
  // Closes the descriptor on every early return below.
  struct Closer {
    VideoDeviceIo& io;
    int fd;
    bool keep = false;
    ~Closer() {
      if (!keep) io.close(fd);
    }
  } closer{*io, fd};

  v4l2_capability cap{};
  if (const int r = io->queryCap(fd, cap); r < 0) {
    return makeError(prefix + path + " is not a video device (VIDIOC_QUERYCAP: " + errnoText(-r) +
                     "); pick a v4l2loopback device, or auto");
  }
  const std::string driver = cString(cap.driver, sizeof cap.driver);
  const std::string card = cString(cap.card, sizeof cap.card);
  const uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities;
  const std::string named = path + " \"" + card + "\"";
  if ((caps & V4L2_CAP_VIDEO_OUTPUT) == 0) {
    // With exclusive_caps=1, a loopback device that a producer is writing to announces CAPTURE only.
    if (driver == kLoopbackDriver)
      return makeError(
          prefix + named +
          " is busy: another program is already sending video to it (a loopback device takes one "
          "sender at a time); close that program or pick another device");
    return makeError(prefix + named + " (driver " + driver +
                     ") is not a v4l2loopback device: it has no video output (a camera?); pick a loopback "
                     "device, or auto");
  }
  if (driver != kLoopbackDriver)
    logger("vcam")->warn("{} (driver {}) is a video output but not v4l2loopback; sending to it anyway", named,
                         driver);

  v4l2_format fmt{};
  fmt.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
  fmt.fmt.pix.width = static_cast<uint32_t>(request.format.width);
  fmt.fmt.pix.height = static_cast<uint32_t>(request.format.height);
  fmt.fmt.pix.pixelformat = fourcc(request.format.pixels);
  fmt.fmt.pix.field = V4L2_FIELD_NONE;
  fmt.fmt.pix.bytesperline = static_cast<uint32_t>(
      request.format.pixels == VcamPixelFormat::kYuyv ? request.format.width * 2 : request.format.width);
  fmt.fmt.pix.sizeimage = static_cast<uint32_t>(frameBytes(request.format));
  fmt.fmt.pix.colorspace = V4L2_COLORSPACE_SMPTE170M;  // BT.601, as the converter writes
  fmt.fmt.pix.quantization = V4L2_QUANTIZATION_LIM_RANGE;
  if (const int r = io->setFormat(fd, fmt); r < 0) {
    if (r == -EBUSY)
      return makeError(prefix + named + " is busy: another program holds its format (VIDIOC_S_FMT: " +
                       errnoText(-r) + "); close that program or pick another device");
    return makeError(prefix + named + " refused " + toString(request.format.pixels) + " " +
                     std::to_string(request.format.width) + "x" + std::to_string(request.format.height) +
                     " (VIDIOC_S_FMT: " + errnoText(-r) + ")");
  }
  // v4l2loopback answers S_FMT with the format it holds: ours, or that of a producer that came first (or
  // one kept with keep_format). Any size will do (the converter letterboxes to it); the pixels must be ours.
  VcamFrameFormat took;
  const uint32_t pix = fmt.fmt.pix.pixelformat;
  if (pix == V4L2_PIX_FMT_YUYV) {
    took.pixels = VcamPixelFormat::kYuyv;
  } else if (pix == V4L2_PIX_FMT_YUV420) {
    took.pixels = VcamPixelFormat::kYu12;
  } else {
    return makeError(prefix + named + " is held at pixel format " + fourccText(pix) +
                     " (set by another program, or kept with keep_format); facefilter sends YUYV or YU12: "
                     "reload v4l2loopback or pick another device");
  }
  took.width = static_cast<int>(fmt.fmt.pix.width);
  took.height = static_cast<int>(fmt.fmt.pix.height);
  if (took.width < 2 || took.height < 2 || took.width % 2 != 0 || took.height % 2 != 0 ||
      fmt.fmt.pix.sizeimage < frameBytes(took)) {
    return makeError(prefix + named + " took an unusable format: " + fourccText(pix) + " " +
                     std::to_string(took.width) + "x" + std::to_string(took.height) + ", " +
                     std::to_string(fmt.fmt.pix.sizeimage) + " bytes a frame");
  }
  if (!(took == request.format)) {
    logger("vcam")->warn("{} keeps {} {}x{} (asked for {} {}x{}): sending that", named, toString(took.pixels),
                         took.width, took.height, toString(request.format.pixels), request.format.width,
                         request.format.height);
  }
  // Consumers read the rate from G_PARM; a device that refuses it still takes frames.
  v4l2_streamparm parm{};
  parm.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
  parm.parm.output.capability = V4L2_CAP_TIMEPERFRAME;
  parm.parm.output.timeperframe.numerator = 1;
  parm.parm.output.timeperframe.denominator = static_cast<uint32_t>(request.fps);
  if (const int r = io->setParm(fd, parm); r < 0)
    logger("vcam")->info("{}: the frame rate was not announced (VIDIOC_S_PARM: {})", named, errnoText(-r));

  closer.keep = true;
  return std::unique_ptr<FrameSink>(std::make_unique<DescriptorSink>(std::move(io), fd, took,
                                                                     named + " " + toString(took.pixels) +
                                                                         " " + std::to_string(took.width) +
                                                                         "x" + std::to_string(took.height)));
}

Result<std::unique_ptr<FrameSink>> openDescriptorSink(std::shared_ptr<VideoDeviceIo> io,
                                                      const std::string& path,
                                                      const VcamFrameFormat& format) {
  const int fd = io->open(path);
  if (fd < 0) return makeError("virtual camera: cannot open " + path + ": " + errnoText(-fd));
  return std::unique_ptr<FrameSink>(std::make_unique<DescriptorSink>(
      std::move(io), fd, format,
      path + " " + toString(format.pixels) + " " + std::to_string(format.width) + "x" +
          std::to_string(format.height)));
}

}  // namespace facefilter
