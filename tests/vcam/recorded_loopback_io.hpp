#pragma once
// A VideoDeviceIo that answers as the real kernel does with v4l2loopback loaded (or not), a USB webcam and
// /dev/null beside it: the answers recorded from v4l2loopback's source (v4l2loopback.c, the 0.12 series that
// Debian 12's v4l2loopback-dkms builds) and the V4L2 core:
//   - QUERYCAP: driver "v4l2 loopback", card = the card_label, bus_info "platform:v4l2loopback-NNN";
//     capabilities STREAMING | READWRITE, plus with exclusive_caps=1 VIDEO_OUTPUT only while no producer
//     writes (ready_for_output) and VIDEO_CAPTURE once one has (ready_for_capture); with exclusive_caps=0
//     both; V4L2_CAP_DEVICE_CAPS set and device_caps the same set.
//   - open: EBUSY once open_count reaches max_openers (default 10); ENOENT for a node that does not exist.
//   - S_FMT (output): with no producer, takes the size (clamped to max_width/max_height 8192) and fourcc,
//     sets colorspace SRGB, field NONE, bytesperline = width * bpp / 8 (packed) or width (planar) and
//     sizeimage PAGE_ALIGN(image size); with a producer's format in place (ready_for_capture), answers that
//     format unchanged.
//   - write: takes min(count, buffer size) bytes and sets ready_for_capture; ENODEV once the device is gone
//     (the V4L2 core's answer for an unregistered node).
//   - a webcam (uvcvideo): VIDEO_CAPTURE | STREAMING | EXT_PIX_FORMAT, no output; /dev/null: ENOTTY.
//   - sysfs: /sys/class/video4linux/videoN/name is the card label; loopback nodes carry v4l2loopback's own
//     attributes (format, buffers, max_openers); a webcam's node has device/driver -> .../uvcvideo;
//     /sys/module/v4l2loopback exists while the module is loaded.
// Test-only; one thread at a time.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/capture/v4l2/video_device_io.hpp"

namespace facefilter::test {

class RecordedLoopbackIo final : public VideoDeviceIo {
 public:
  enum class Kind { kLoopback, kWebcam, kNotVideo };
  struct Node {
    Kind kind = Kind::kLoopback;
    int number = 0;
    std::string label = "Dummy video device (0x0000)";  // v4l2loopback's default card label
    bool exclusiveCaps = true;
    int maxOpeners = 10;
    int openCount = 0;
    int producers = 0;           // ready_for_capture: writers with a format in place
    v4l2_pix_format format{};    // the held format (valid while producers > 0)
    bool removed = false;        // unplugged / module unloaded while open
    std::vector<size_t> writes;  // bytes of each write taken
  };

  bool moduleLoaded = true;
  std::vector<Node> nodes;
  int parmCalls = 0;
  uint32_t lastParmDenominator = 0;

  Node& addLoopback(int number, std::string label, bool exclusiveCaps = true) {
    Node n;
    n.number = number;
    n.label = std::move(label);
    n.exclusiveCaps = exclusiveCaps;
    nodes.push_back(n);
    return nodes.back();
  }
  Node& addWebcam(int number, std::string model) {
    Node n;
    n.kind = Kind::kWebcam;
    n.number = number;
    n.label = std::move(model);
    nodes.push_back(n);
    return nodes.back();
  }
  Node* node(int number) {
    for (auto& n : nodes)
      if (n.number == number) return &n;
    return nullptr;
  }
  // Another program writing to the device (so with exclusive_caps it announces CAPTURE only).
  void attachOtherProducer(int number, uint32_t fourcc, int width, int height) {
    Node& n = *node(number);
    n.producers = 1;
    n.format = {};
    n.format.width = static_cast<uint32_t>(width);
    n.format.height = static_cast<uint32_t>(height);
    n.format.pixelformat = fourcc;
    n.format.sizeimage = imageBytes(fourcc, width, height);
  }

  int open(const std::string& path) override {
    if (path == "/dev/null") {
      fds_[nextFd_] = -1;
      return nextFd_++;
    }
    Node* n = byPath(path);
    if (n == nullptr) return -ENOENT;
    if (n->kind == Kind::kLoopback && n->openCount >= n->maxOpeners) return -EBUSY;
    ++n->openCount;
    fds_[nextFd_] = n->number;
    return nextFd_++;
  }
  void close(int fd) override {
    auto it = fds_.find(fd);
    if (it == fds_.end()) return;
    if (Node* n = node(it->second)) {
      --n->openCount;
      if (writers_.erase(fd) > 0) --n->producers;
      if (n->openCount == 0) n->producers = 0;  // try_free_buffers: the format goes with the last opener
    }
    fds_.erase(it);
  }
  int queryCap(int fd, v4l2_capability& cap) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -ENOTTY;
    cap = {};
    uint32_t caps = 0;
    if (n->kind == Kind::kWebcam) {
      copy(cap.driver, sizeof cap.driver, "uvcvideo");
      caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING | V4L2_CAP_EXT_PIX_FORMAT;
    } else {
      copy(cap.driver, sizeof cap.driver, "v4l2 loopback");
      char bus[32];
      std::snprintf(bus, sizeof bus, "platform:v4l2loopback-%03d", n->number);
      copy(cap.bus_info, sizeof cap.bus_info, bus);
      caps = V4L2_CAP_STREAMING | V4L2_CAP_READWRITE;
      if (!n->exclusiveCaps) {
        caps |= V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_OUTPUT;
      } else {
        if (n->producers > 0) caps |= V4L2_CAP_VIDEO_CAPTURE;
        if (n->producers == 0) caps |= V4L2_CAP_VIDEO_OUTPUT;
      }
    }
    copy(cap.card, sizeof cap.card, n->label.c_str());
    cap.device_caps = caps;
    cap.capabilities = caps | V4L2_CAP_DEVICE_CAPS;
    return 0;
  }
  int getFormat(int fd, v4l2_format& f) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -ENOTTY;
    f.fmt.pix = n->format;
    return 0;
  }
  int setFormat(int fd, v4l2_format& f) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -ENOTTY;
    if (n->kind == Kind::kWebcam) return -EINVAL;  // uvcvideo has no output queue
    if (n->producers > 0) {
      f.fmt.pix = n->format;
      return 0;
    }
    const uint32_t w = std::min<uint32_t>(f.fmt.pix.width == 0 ? 640 : f.fmt.pix.width, 8192);
    const uint32_t h = std::min<uint32_t>(f.fmt.pix.height == 0 ? 480 : f.fmt.pix.height, 8192);
    const bool planar = f.fmt.pix.pixelformat == V4L2_PIX_FMT_YUV420;
    f.fmt.pix.width = w;
    f.fmt.pix.height = h;
    f.fmt.pix.bytesperline = planar ? w : w * 2;
    f.fmt.pix.sizeimage =
        pageAlign(imageBytes(f.fmt.pix.pixelformat, static_cast<int>(w), static_cast<int>(h)));
    f.fmt.pix.colorspace = V4L2_COLORSPACE_SRGB;
    f.fmt.pix.field = V4L2_FIELD_NONE;
    n->format = f.fmt.pix;
    pendingFormat_.insert(fd);
    return 0;
  }
  int setParm(int fd, v4l2_streamparm& parm) override {
    if (nodeOf(fd) == nullptr) return -ENOTTY;
    ++parmCalls;
    lastParmDenominator = parm.parm.output.timeperframe.denominator;
    return 0;
  }
  ssize_t write(int fd, const uint8_t*, size_t bytes) override {
    auto it = fds_.find(fd);
    if (it == fds_.end()) return -EBADF;
    if (it->second < 0) return static_cast<ssize_t>(bytes);  // /dev/null
    Node* n = node(it->second);
    if (n->removed) return -ENODEV;
    if (n->kind == Kind::kWebcam) return -EINVAL;
    if (writers_.insert(fd).second) ++n->producers;
    const size_t taken = std::min<size_t>(bytes, n->format.sizeimage);
    n->writes.push_back(taken);
    return static_cast<ssize_t>(taken);
  }

  bool exists(const std::string& path) override {
    if (path == "/sys/module/v4l2loopback") return moduleLoaded;
    for (const auto& n : nodes) {
      const std::string sys = sysPath(n);
      if (path == "/dev/video" + std::to_string(n.number) || path == sys || path == sys + "/name")
        return true;
      if (n.kind == Kind::kLoopback &&
          (path == sys + "/max_openers" || path == sys + "/buffers" || path == sys + "/format"))
        return true;
    }
    return false;
  }
  std::optional<std::string> readText(const std::string& path) override {
    for (const auto& n : nodes) {
      if (path == sysPath(n) + "/name") return n.label;
      if (n.kind == Kind::kLoopback && path == sysPath(n) + "/max_openers")
        return std::to_string(n.maxOpeners);
    }
    return std::nullopt;
  }
  std::vector<std::string> listDir(const std::string& path) override {
    std::vector<std::string> out;
    if (path != kSysVideoClassPath) return out;
    for (const auto& n : nodes) out.push_back("video" + std::to_string(n.number));
    return out;
  }
  std::optional<std::string> readLink(const std::string& path) override {
    for (const auto& n : nodes) {
      if (n.kind == Kind::kWebcam && path == sysPath(n) + "/device/driver")
        return "../../../../../../../bus/usb/drivers/uvcvideo";
    }
    return std::nullopt;
  }

  static uint32_t imageBytes(uint32_t fourcc, int w, int h) {
    const auto px = static_cast<uint32_t>(w) * static_cast<uint32_t>(h);
    return fourcc == V4L2_PIX_FMT_YUV420 ? px * 3 / 2 : px * 2;
  }

 private:
  static constexpr const char* kSysVideoClassPath = "/sys/class/video4linux";
  static uint32_t pageAlign(uint32_t bytes) { return (bytes + 4095u) & ~4095u; }
  static void copy(uint8_t* dst, size_t size, const char* text) {
    std::memcpy(dst, text, std::min(std::strlen(text), size - 1));  // the rest stays zero
  }
  static std::string sysPath(const Node& n) {
    return std::string(kSysVideoClassPath) + "/video" + std::to_string(n.number);
  }
  Node* byPath(const std::string& path) {
    for (auto& n : nodes)
      if (path == "/dev/video" + std::to_string(n.number)) return &n;
    return nullptr;
  }
  Node* nodeOf(int fd) {
    auto it = fds_.find(fd);
    return it == fds_.end() || it->second < 0 ? nullptr : node(it->second);
  }
  std::map<int, int> fds_;  // descriptor -> node number (-1: /dev/null)
  std::set<int> writers_, pendingFormat_;
  int nextFd_ = 3;
};

}  // namespace facefilter::test
