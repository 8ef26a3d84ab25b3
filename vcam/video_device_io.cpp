#include "vcam/video_device_io.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
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

}  // namespace facefilter
