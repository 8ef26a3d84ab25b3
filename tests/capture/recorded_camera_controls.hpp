#pragma once
// Cameras' controls as their drivers answer, for tests of engine/capture/v4l2/camera_controls.hpp and the
// app's camera panel: a VideoDeviceIo that answers VIDIOC_QUERYCTRL / QUERYMENU / G_CTRL / S_CTRL (and
// QUERYCAP and the sysfs reads that listCameras() makes) as uvcvideo does on Debian 12's kernel (6.1):
//   - QUERYCTRL with V4L2_CTRL_FLAG_NEXT_CTRL gives the control with the next larger id, the control-class
//     headings included ("User Controls" 0x00980001, "Camera Controls" 0x009a0001: type CTRL_CLASS, flags
//     READ_ONLY | WRITE_ONLY); past the last, EINVAL. Without the flag, the id asked or EINVAL.
//   - A control with a master (absolute exposure <- auto exposure, white balance temperature <- automatic
//     white balance, absolute focus <- continuous autofocus) carries V4L2_CTRL_FLAG_INACTIVE while its master
//     is not at its manual value (uvc_ctrl.c: master_id / master_manual).
//   - QUERYMENU answers only the items of the control's menu mask (uvcvideo leaves out the auto exposure
//   modes
//     a camera lacks: Logitech's and most webcams' offer 1 "Manual Mode" and 3 "Aperture Priority Mode"),
//     EINVAL for the others.
//   - S_CTRL: EINVAL for an unknown id; EACCES for a read-only control; an integer is rounded to its step and
//     clamped to its range; a boolean clamped to 0..1; a menu value past the menu is ERANGE, one outside the
//     mask EINVAL; a control whose master is automatic makes the camera stall the request, which the 6.1
//     kernel answers as EIO (as `v4l2-ctl --set-ctrl=white_balance_temperature=6000` shows on a C920 with
//     automatic white balance on: "VIDIOC_S_CTRL: failed: Input/output error").
//   - A camera that was unplugged answers ENODEV to everything.
// The control lists are the public `v4l2-ctl --list-ctrls-menus` output of each camera, written down below.
// Test-only; one thread at a time.

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "engine/capture/v4l2/video_device_io.hpp"

namespace facefilter::test {

struct RecordedControl {
  uint32_t id = 0;
  uint32_t type = V4L2_CTRL_TYPE_INTEGER;
  std::string name;
  int32_t minimum = 0, maximum = 0, step = 1, defaultValue = 0;
  int32_t value = 0;
  std::map<uint32_t, std::string> menu;  // index -> name (the menu mask)
  bool readOnly = false;
  uint32_t master = 0;  // the automatic mode control that makes this one inactive
  int32_t masterManual = 0;
};

struct RecordedCamera {
  int number = 0;
  std::string name;  // sysfs name / QUERYCAP card
  std::string driver = "uvcvideo";
  std::string bus;
  bool loopback = false;
  bool unplugged = false;
  std::vector<RecordedControl> controls;  // in id order
  int setCalls = 0;
};

namespace recorded {

inline RecordedControl integer(uint32_t id, const char* name, int32_t min, int32_t max, int32_t step,
                               int32_t def, int32_t value) {
  RecordedControl c;
  c.id = id;
  c.name = name;
  c.minimum = min;
  c.maximum = max;
  c.step = step;
  c.defaultValue = def;
  c.value = value;
  return c;
}
inline RecordedControl boolean(uint32_t id, const char* name, int32_t def, int32_t value) {
  RecordedControl c = integer(id, name, 0, 1, 1, def, value);
  c.type = V4L2_CTRL_TYPE_BOOLEAN;
  return c;
}
inline RecordedControl menu(uint32_t id, const char* name, int32_t max, int32_t def, int32_t value,
                            std::map<uint32_t, std::string> items) {
  RecordedControl c = integer(id, name, 0, max, 1, def, value);
  c.type = V4L2_CTRL_TYPE_MENU;
  c.menu = std::move(items);
  return c;
}
inline RecordedControl mastered(RecordedControl c, uint32_t master, int32_t manual) {
  c.master = master;
  c.masterManual = manual;
  return c;
}
inline RecordedControl classHeading(uint32_t id, const char* name) {
  RecordedControl c;
  c.id = id;
  c.type = V4L2_CTRL_TYPE_CTRL_CLASS;
  c.name = name;
  c.readOnly = true;
  return c;
}

inline std::map<uint32_t, std::string> powerLineItems() {
  return {{0, "Disabled"}, {1, "50 Hz"}, {2, "60 Hz"}};
}
// uvcvideo's auto exposure menu as webcams that offer manual and aperture priority report it.
inline std::map<uint32_t, std::string> autoExposureItems() {
  return {{1, "Manual Mode"}, {3, "Aperture Priority Mode"}};
}

// Logitech HD Pro Webcam C920 (046d:082d), uvcvideo. Values as the camera starts: every automatic mode on.
inline RecordedCamera logitechC920(int number = 0) {
  RecordedCamera cam;
  cam.number = number;
  cam.name = "HD Pro Webcam C920";
  cam.bus = "usb-0000:00:14.0-1";
  cam.controls = {
      classHeading(V4L2_CID_USER_CLASS, "User Controls"),
      integer(V4L2_CID_BRIGHTNESS, "Brightness", 0, 255, 1, 128, 128),
      integer(V4L2_CID_CONTRAST, "Contrast", 0, 255, 1, 128, 128),
      integer(V4L2_CID_SATURATION, "Saturation", 0, 255, 1, 128, 128),
      boolean(V4L2_CID_AUTO_WHITE_BALANCE, "White Balance, Automatic", 1, 1),
      integer(V4L2_CID_GAIN, "Gain", 0, 255, 1, 0, 0),
      menu(V4L2_CID_POWER_LINE_FREQUENCY, "Power Line Frequency", 2, 2, 2, powerLineItems()),
      mastered(
          integer(V4L2_CID_WHITE_BALANCE_TEMPERATURE, "White Balance Temperature", 2000, 6500, 1, 4000, 4000),
          V4L2_CID_AUTO_WHITE_BALANCE, 0),
      integer(V4L2_CID_SHARPNESS, "Sharpness", 0, 255, 1, 128, 128),
      integer(V4L2_CID_BACKLIGHT_COMPENSATION, "Backlight Compensation", 0, 1, 1, 0, 0),
      classHeading(V4L2_CID_CAMERA_CLASS, "Camera Controls"),
      menu(V4L2_CID_EXPOSURE_AUTO, "Auto Exposure", 3, 3, 3, autoExposureItems()),
      mastered(integer(V4L2_CID_EXPOSURE_ABSOLUTE, "Exposure Time, Absolute", 3, 2047, 1, 250, 250),
               V4L2_CID_EXPOSURE_AUTO, V4L2_EXPOSURE_MANUAL),
      boolean(V4L2_CID_EXPOSURE_AUTO_PRIORITY, "Exposure, Dynamic Framerate", 0, 1),
      integer(V4L2_CID_PAN_ABSOLUTE, "Pan, Absolute", -36000, 36000, 3600, 0, 0),
      integer(V4L2_CID_TILT_ABSOLUTE, "Tilt, Absolute", -36000, 36000, 3600, 0, 0),
      mastered(integer(V4L2_CID_FOCUS_ABSOLUTE, "Focus, Absolute", 0, 250, 5, 0, 0), V4L2_CID_FOCUS_AUTO, 0),
      boolean(V4L2_CID_FOCUS_AUTO, "Focus, Automatic Continuous", 1, 1),
      integer(V4L2_CID_ZOOM_ABSOLUTE, "Zoom, Absolute", 100, 500, 1, 100, 100),
  };
  return cam;
}

// A laptop's built-in USB 2.0 camera on a Sonix-type chip (the ranges public listings of such cameras share:
// brightness -64..64, gamma 72..500, gain 0..100, exposure 1..5000), with the read-only privacy switch
// that laptops with a camera shutter report. No focus controls (fixed focus).
inline RecordedCamera laptopCamera(int number = 0) {
  RecordedCamera cam;
  cam.number = number;
  cam.name = "Integrated_Webcam_HD: Integrate";
  cam.bus = "usb-0000:00:14.0-5";
  cam.controls = {
      classHeading(V4L2_CID_USER_CLASS, "User Controls"),
      integer(V4L2_CID_BRIGHTNESS, "Brightness", -64, 64, 1, 0, 0),
      integer(V4L2_CID_CONTRAST, "Contrast", 0, 64, 1, 32, 32),
      integer(V4L2_CID_SATURATION, "Saturation", 0, 128, 1, 64, 64),
      integer(V4L2_CID_HUE, "Hue", -40, 40, 1, 0, 0),
      boolean(V4L2_CID_AUTO_WHITE_BALANCE, "White Balance, Automatic", 1, 1),
      integer(V4L2_CID_GAMMA, "Gamma", 72, 500, 1, 100, 100),
      integer(V4L2_CID_GAIN, "Gain", 0, 100, 1, 0, 0),
      menu(V4L2_CID_POWER_LINE_FREQUENCY, "Power Line Frequency", 2, 1, 1, powerLineItems()),
      mastered(
          integer(V4L2_CID_WHITE_BALANCE_TEMPERATURE, "White Balance Temperature", 2800, 6500, 1, 4600, 4600),
          V4L2_CID_AUTO_WHITE_BALANCE, 0),
      integer(V4L2_CID_SHARPNESS, "Sharpness", 0, 6, 1, 3, 3),
      integer(V4L2_CID_BACKLIGHT_COMPENSATION, "Backlight Compensation", 0, 2, 1, 1, 1),
      classHeading(V4L2_CID_CAMERA_CLASS, "Camera Controls"),
      menu(V4L2_CID_EXPOSURE_AUTO, "Auto Exposure", 3, 3, 3, autoExposureItems()),
      mastered(integer(V4L2_CID_EXPOSURE_ABSOLUTE, "Exposure Time, Absolute", 1, 5000, 1, 157, 157),
               V4L2_CID_EXPOSURE_AUTO, V4L2_EXPOSURE_MANUAL),
      boolean(V4L2_CID_EXPOSURE_AUTO_PRIORITY, "Exposure, Dynamic Framerate", 0, 0),
  };
  RecordedControl privacy = boolean(V4L2_CID_PRIVACY, "Privacy", 0, 0);
  privacy.readOnly = true;
  cam.controls.push_back(privacy);
  return cam;
}

// A v4l2loopback 0.12 device (Debian 12's v4l2loopback-dkms): its own controls only, none for the light.
inline RecordedCamera loopbackDevice(int number, const char* label = "facefilter") {
  RecordedCamera cam;
  cam.number = number;
  cam.name = label;
  cam.driver = "v4l2 loopback";
  cam.bus = "platform:v4l2loopback-00" + std::to_string(number);
  cam.loopback = true;
  constexpr uint32_t kBase = V4L2_CID_USER_BASE + 0xf000;  // 0x0098f900, v4l2loopback's private range
  RecordedControl timeoutImage = boolean(kBase + 3, "timeout_image_io", 0, 0);
  timeoutImage.type = V4L2_CTRL_TYPE_BUTTON;
  cam.controls = {
      classHeading(V4L2_CID_USER_CLASS, "User Controls"),
      boolean(kBase + 0, "keep_format", 0, 0),
      boolean(kBase + 1, "sustain_framerate", 0, 0),
      integer(kBase + 2, "timeout", 0, 100000, 1, 0, 0),
      timeoutImage,
  };
  return cam;
}

}  // namespace recorded

class RecordedControlsIo final : public VideoDeviceIo {
 public:
  std::vector<RecordedCamera> cameras;

  RecordedCamera& add(RecordedCamera camera) {
    cameras.push_back(std::move(camera));
    return cameras.back();
  }
  RecordedCamera* camera(int number) {
    for (auto& c : cameras)
      if (c.number == number) return &c;
    return nullptr;
  }
  RecordedControl* control(int number, uint32_t id) {
    RecordedCamera* cam = camera(number);
    if (cam == nullptr) return nullptr;
    for (auto& c : cam->controls)
      if (c.id == id) return &c;
    return nullptr;
  }

  int open(const std::string& path) override { return openNode(path); }
  int openCapture(const std::string& path) override { return openNode(path); }
  void close(int fd) override { fds_.erase(fd); }
  int queryCap(int fd, v4l2_capability& cap) override {
    RecordedCamera* cam = of(fd);
    if (cam == nullptr) return -EBADF;
    if (cam->unplugged) return -ENODEV;
    cap = {};
    copy(cap.driver, sizeof cap.driver, cam->driver);
    copy(cap.card, sizeof cap.card, cam->name);
    copy(cap.bus_info, sizeof cap.bus_info, cam->bus);
    const uint32_t caps =
        cam->loopback
            ? V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_STREAMING | V4L2_CAP_READWRITE
            : V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING | V4L2_CAP_EXT_PIX_FORMAT;
    cap.device_caps = caps;
    cap.capabilities = caps | V4L2_CAP_DEVICE_CAPS;
    return 0;
  }
  int getFormat(int, v4l2_format&) override { return -EINVAL; }
  int setFormat(int, v4l2_format&) override { return -EINVAL; }
  int setParm(int, v4l2_streamparm&) override { return -EINVAL; }
  ssize_t write(int, const uint8_t*, size_t) override { return -EINVAL; }

  int queryControl(int fd, v4l2_queryctrl& q) override {
    RecordedCamera* cam = of(fd);
    if (cam == nullptr) return -EBADF;
    if (cam->unplugged) return -ENODEV;
    const bool next = (q.id & V4L2_CTRL_FLAG_NEXT_CTRL) != 0;
    const uint32_t id = q.id & ~(V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND);
    const RecordedControl* found = nullptr;
    for (const auto& c : cam->controls) {
      if (next ? c.id > id && (found == nullptr || c.id < found->id) : c.id == id) found = &c;
    }
    if (found == nullptr) return -EINVAL;
    q = {};
    q.id = found->id;
    q.type = found->type;
    copy(q.name, sizeof q.name, found->name);
    if (found->type == V4L2_CTRL_TYPE_CTRL_CLASS) {
      q.flags = V4L2_CTRL_FLAG_READ_ONLY | V4L2_CTRL_FLAG_WRITE_ONLY;
      return 0;
    }
    q.minimum = found->minimum;
    q.maximum = found->maximum;
    q.step = found->type == V4L2_CTRL_TYPE_MENU ? 1 : found->step;
    q.default_value = found->defaultValue;
    if (found->readOnly) q.flags |= V4L2_CTRL_FLAG_READ_ONLY;
    if (found->type == V4L2_CTRL_TYPE_BUTTON) q.flags |= V4L2_CTRL_FLAG_WRITE_ONLY;
    if (inactive(*cam, *found)) q.flags |= V4L2_CTRL_FLAG_INACTIVE;
    return 0;
  }
  int queryMenu(int fd, v4l2_querymenu& m) override {
    RecordedCamera* cam = of(fd);
    if (cam == nullptr) return -EBADF;
    if (cam->unplugged) return -ENODEV;
    const RecordedControl* c = find(*cam, m.id);
    if (c == nullptr || c->type != V4L2_CTRL_TYPE_MENU) return -EINVAL;
    const auto it = c->menu.find(m.index);
    if (it == c->menu.end()) return -EINVAL;
    copy(m.name, sizeof m.name, it->second);
    return 0;
  }
  int getControl(int fd, v4l2_control& v) override {
    RecordedCamera* cam = of(fd);
    if (cam == nullptr) return -EBADF;
    if (cam->unplugged) return -ENODEV;
    const RecordedControl* c = find(*cam, v.id);
    if (c == nullptr || c->type == V4L2_CTRL_TYPE_CTRL_CLASS) return -EINVAL;
    if (c->type == V4L2_CTRL_TYPE_BUTTON) return -EACCES;
    v.value = c->value;
    return 0;
  }
  int setControl(int fd, v4l2_control& v) override {
    RecordedCamera* cam = of(fd);
    if (cam == nullptr) return -EBADF;
    if (cam->unplugged) return -ENODEV;
    RecordedControl* c = find(*cam, v.id);
    if (c == nullptr || c->type == V4L2_CTRL_TYPE_CTRL_CLASS) return -EINVAL;
    if (c->readOnly) return -EACCES;
    ++cam->setCalls;
    int32_t value = v.value;
    switch (c->type) {
      case V4L2_CTRL_TYPE_INTEGER: {
        const int64_t step = std::max(1, c->step);
        const int64_t offset = static_cast<int64_t>(value) - c->minimum;
        const int64_t rounded = c->minimum + (offset >= 0 ? (offset + step / 2) / step * step : 0);
        value = static_cast<int32_t>(std::clamp<int64_t>(rounded, c->minimum, c->maximum));
        break;
      }
      case V4L2_CTRL_TYPE_BOOLEAN:
        value = std::clamp(value, 0, 1);
        break;
      case V4L2_CTRL_TYPE_MENU:
        if (value < 0 || value > c->maximum) return -ERANGE;
        if (c->menu.count(static_cast<uint32_t>(value)) == 0) return -EINVAL;
        break;
      default:
        break;
    }
    if (inactive(*cam, *c)) return -EIO;  // the camera stalls the control request
    c->value = value;
    v.value = value;
    return 0;
  }

  bool exists(const std::string& path) override {
    for (const auto& c : cameras) {
      const std::string sys = sysPath(c);
      if (path == "/dev/video" + std::to_string(c.number) || path == sys || path == sys + "/name")
        return true;
      if (c.loopback && path == sys + "/max_openers") return true;
    }
    return false;
  }
  std::optional<std::string> readText(const std::string& path) override {
    for (const auto& c : cameras)
      if (path == sysPath(c) + "/name") return c.name;
    return std::nullopt;
  }
  std::vector<std::string> listDir(const std::string& path) override {
    std::vector<std::string> out;
    if (path != kVideo4LinuxClassPath) return out;
    for (const auto& c : cameras) out.push_back("video" + std::to_string(c.number));
    return out;
  }
  std::optional<std::string> readLink(const std::string& path) override {
    for (const auto& c : cameras)
      if (!c.loopback && path == sysPath(c) + "/device/driver")
        return "../../../../../../../bus/usb/drivers/" + c.driver;
    return std::nullopt;
  }

 private:
  static constexpr const char* kVideo4LinuxClassPath = "/sys/class/video4linux";
  static std::string sysPath(const RecordedCamera& c) {
    return std::string(kVideo4LinuxClassPath) + "/video" + std::to_string(c.number);
  }
  static void copy(uint8_t* dst, size_t size, const std::string& text) {
    std::memset(dst, 0, size);
    std::memcpy(dst, text.data(), std::min(text.size(), size - 1));
  }
  int openNode(const std::string& path) {
    for (auto& c : cameras) {
      if (path != "/dev/video" + std::to_string(c.number)) continue;
      if (c.unplugged) return -ENOENT;
      fds_[nextFd_] = c.number;
      return nextFd_++;
    }
    return -ENOENT;
  }
  RecordedCamera* of(int fd) {
    const auto it = fds_.find(fd);
    return it == fds_.end() ? nullptr : camera(it->second);
  }
  static RecordedControl* find(RecordedCamera& cam, uint32_t id) {
    for (auto& c : cam.controls)
      if (c.id == id) return &c;
    return nullptr;
  }
  static bool inactive(RecordedCamera& cam, const RecordedControl& c) {
    if (c.master == 0) return false;
    const RecordedControl* m = find(cam, c.master);
    return m != nullptr && m->value != c.masterManual;
  }

  std::map<int, int> fds_;  // descriptor -> camera number
  int nextFd_ = 3;
};

}  // namespace facefilter::test
