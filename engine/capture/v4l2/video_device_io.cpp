#include "engine/capture/v4l2/video_device_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace facefilter {
namespace {

int ioctlResult(int fd, unsigned long request, void* arg) {
  int r = 0;
  do {
    r = ::ioctl(fd, request, arg);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : 0;
}

class SystemVideoDeviceIo final : public VideoDeviceIo {
 public:
  int open(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
  }
  void close(int fd) override { ::close(fd); }
  int queryCap(int fd, v4l2_capability& cap) override { return ioctlResult(fd, VIDIOC_QUERYCAP, &cap); }
  int getFormat(int fd, v4l2_format& format) override { return ioctlResult(fd, VIDIOC_G_FMT, &format); }
  int setFormat(int fd, v4l2_format& format) override { return ioctlResult(fd, VIDIOC_S_FMT, &format); }
  int setParm(int fd, v4l2_streamparm& parm) override { return ioctlResult(fd, VIDIOC_S_PARM, &parm); }
  int openCapture(const std::string& path) override {
    int fd = 0;
    do {
      fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
  }
  int enumFormat(int fd, v4l2_fmtdesc& desc) override { return ioctlResult(fd, VIDIOC_ENUM_FMT, &desc); }
  int enumFrameSizes(int fd, v4l2_frmsizeenum& size) override {
    return ioctlResult(fd, VIDIOC_ENUM_FRAMESIZES, &size);
  }
  int enumFrameIntervals(int fd, v4l2_frmivalenum& interval) override {
    return ioctlResult(fd, VIDIOC_ENUM_FRAMEINTERVALS, &interval);
  }
  int getParm(int fd, v4l2_streamparm& parm) override { return ioctlResult(fd, VIDIOC_G_PARM, &parm); }
  int requestBuffers(int fd, v4l2_requestbuffers& request) override {
    return ioctlResult(fd, VIDIOC_REQBUFS, &request);
  }
  int queryBuffer(int fd, v4l2_buffer& buffer) override { return ioctlResult(fd, VIDIOC_QUERYBUF, &buffer); }
  int queueBuffer(int fd, v4l2_buffer& buffer) override { return ioctlResult(fd, VIDIOC_QBUF, &buffer); }
  int dequeueBuffer(int fd, v4l2_buffer& buffer) override { return ioctlResult(fd, VIDIOC_DQBUF, &buffer); }
  int mapBuffer(int fd, size_t length, int64_t offset, void** address) override {
    void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(offset));
    if (p == MAP_FAILED) return -errno;
    *address = p;
    return 0;
  }
  void unmapBuffer(void* address, size_t length) override { ::munmap(address, length); }
  int streamOn(int fd, uint32_t type) override {
    int t = static_cast<int>(type);
    return ioctlResult(fd, VIDIOC_STREAMON, &t);
  }
  int streamOff(int fd, uint32_t type) override {
    int t = static_cast<int>(type);
    return ioctlResult(fd, VIDIOC_STREAMOFF, &t);
  }
  int pollReadable(int fd, int timeoutMs) override {
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, timeoutMs);
    if (r < 0) return errno == EINTR ? 0 : -errno;
    return r > 0 ? 1 : 0;
  }
  int queryControl(int fd, v4l2_queryctrl& control) override {
    return ioctlResult(fd, VIDIOC_QUERYCTRL, &control);
  }
  int queryMenu(int fd, v4l2_querymenu& item) override { return ioctlResult(fd, VIDIOC_QUERYMENU, &item); }
  int getControl(int fd, v4l2_control& control) override { return ioctlResult(fd, VIDIOC_G_CTRL, &control); }
  int setControl(int fd, v4l2_control& control) override { return ioctlResult(fd, VIDIOC_S_CTRL, &control); }
  ssize_t write(int fd, const uint8_t* data, size_t bytes) override {
    ssize_t n = 0;
    do {
      n = ::write(fd, data, bytes);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
  }
  bool exists(const std::string& path) override {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  }
  std::optional<std::string> readText(const std::string& path) override {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }
  std::vector<std::string> listDir(const std::string& path) override {
    std::vector<std::string> names;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    return names;
  }
  std::optional<std::string> readLink(const std::string& path) override {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(path, ec);
    if (ec) return std::nullopt;
    return target.string();
  }
};

}  // namespace

std::shared_ptr<VideoDeviceIo> systemVideoDeviceIo() {
  return std::make_shared<SystemVideoDeviceIo>();
}

std::string errnoText(int error) {
  char buf[256];
  // The GNU strerror_r returns the text (which may or may not be in buf).
  return ::strerror_r(error, buf, sizeof buf);
}

std::string fourccText(uint32_t fourcc) {
  std::string s(4, ' ');
  for (int i = 0; i < 4; ++i) {
    const auto c = static_cast<char>((fourcc >> (8 * i)) & 0xff);
    s[static_cast<size_t>(i)] = (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  // Formats with a big-endian variant set the top bit (V4L2_PIX_FMT_FLAG_BE_ORDER): name it as v4l2-ctl does.
  if ((fourcc & (1u << 31)) != 0) {
    s[3] = static_cast<char>((fourcc >> 24) & 0x7f);
    s += "-BE";
  }
  return s;
}

}  // namespace facefilter
