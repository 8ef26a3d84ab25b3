#include "engine/capture/v4l2/camera_controls.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace facefilter {
namespace {

// A driver that lists more than this has something wrong with its NEXT_CTRL walk; stop rather than spin.
constexpr int kMaxControls = 512;

std::string fixedText(const uint8_t* text, size_t size) {
  const auto* begin = reinterpret_cast<const char*>(text);
  return std::string(begin, strnlen(begin, size));
}

// The control-class ids mark a heading ("User Controls", "Camera Controls"), not a control.
bool listable(const v4l2_queryctrl& q) {
  if ((q.flags & V4L2_CTRL_FLAG_DISABLED) != 0) return false;
  switch (q.type) {
    case V4L2_CTRL_TYPE_INTEGER:
    case V4L2_CTRL_TYPE_BOOLEAN:
    case V4L2_CTRL_TYPE_MENU:
    case V4L2_CTRL_TYPE_INTEGER_MENU:
      return true;
    default:
      return false;
  }
}

ControlType typeOf(uint32_t v4l2Type) {
  switch (v4l2Type) {
    case V4L2_CTRL_TYPE_BOOLEAN:
      return ControlType::kBoolean;
    case V4L2_CTRL_TYPE_MENU:
      return ControlType::kMenu;
    case V4L2_CTRL_TYPE_INTEGER_MENU:
      return ControlType::kIntegerMenu;
    default:
      return ControlType::kInteger;
  }
}

void takeFlags(CameraControl& c, uint32_t flags) {
  c.inactive = (flags & V4L2_CTRL_FLAG_INACTIVE) != 0;
  c.readOnly = (flags & (V4L2_CTRL_FLAG_READ_ONLY | V4L2_CTRL_FLAG_GRABBED)) != 0;
}

bool isSwitch(const CameraControl& c) {
  return c.type != ControlType::kInteger;
}

std::string quoted(const CameraControl& c) {
  return "'" + c.name + "' (" + c.key + ")";
}

}  // namespace

std::string CameraControl::menuLabel(int32_t v) const {
  for (const auto& item : menu) {
    if (item.value == v) return item.label;
  }
  return {};
}

bool isLightControl(uint32_t id) {
  switch (id) {
    case V4L2_CID_EXPOSURE_AUTO:
    case V4L2_CID_EXPOSURE_ABSOLUTE:
    case V4L2_CID_EXPOSURE:
    case V4L2_CID_AUTOGAIN:
    case V4L2_CID_GAIN:
    case V4L2_CID_ANALOGUE_GAIN:
    case V4L2_CID_BRIGHTNESS:
    case V4L2_CID_BACKLIGHT_COMPENSATION:
      return true;
    default:
      return false;
  }
}

uint32_t automaticModeOf(uint32_t id) {
  switch (id) {
    case V4L2_CID_EXPOSURE_ABSOLUTE:
    case V4L2_CID_EXPOSURE:
      return V4L2_CID_EXPOSURE_AUTO;
    case V4L2_CID_WHITE_BALANCE_TEMPERATURE:
    case V4L2_CID_RED_BALANCE:
    case V4L2_CID_BLUE_BALANCE:
      return V4L2_CID_AUTO_WHITE_BALANCE;
    case V4L2_CID_FOCUS_ABSOLUTE:
    case V4L2_CID_FOCUS_RELATIVE:
      return V4L2_CID_FOCUS_AUTO;
    case V4L2_CID_GAIN:
      return V4L2_CID_AUTOGAIN;
    case V4L2_CID_HUE:
      return V4L2_CID_HUE_AUTO;
    default:
      return 0;
  }
}

std::string controlKey(std::string_view driverName) {
  // As v4l2-ctl spells it, so that a saved key is the one a user would type in `v4l2-ctl -c`.
  std::string key;
  bool gap = false;
  for (const char ch : driverName) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u) != 0) {
      if (gap) key += '_';
      gap = false;
      key += static_cast<char>(std::tolower(u));
    } else if (!key.empty()) {
      gap = true;
    }
  }
  return key;
}

Result<std::unique_ptr<CameraControls>> CameraControls::open(std::shared_ptr<VideoDeviceIo> io,
                                                             const std::string& path) {
  const int fd = io->open(path);
  if (fd < 0) {
    return makeError("camera controls: cannot open " + path + ": " + errnoText(-fd) +
                     (fd == -EACCES ? " (add yourself to the 'video' group)" : ""));
  }
  std::unique_ptr<CameraControls> c(new CameraControls(std::move(io), path, fd));
  c->list();
  return c;
}

CameraControls::~CameraControls() {
  if (fd_ >= 0) io_->close(fd_);
}

void CameraControls::list() {
  controls_.clear();
  uint32_t last = 0;
  for (int n = 0; n < kMaxControls; ++n) {
    v4l2_queryctrl q{};
    q.id = last | V4L2_CTRL_FLAG_NEXT_CTRL;
    if (io_->queryControl(fd_, q) < 0) break;  // EINVAL past the last one (ENOTTY: a driver without controls)
    if (q.id <= last) break;                   // a driver that does not move on
    last = q.id;
    if (!listable(q)) continue;
    CameraControl c;
    c.id = q.id;
    c.name = fixedText(q.name, sizeof q.name);
    c.key = controlKey(c.name);
    c.type = typeOf(q.type);
    c.minimum = q.minimum;
    c.maximum = q.maximum;
    c.step = std::max<int32_t>(1, q.step);
    c.defaultValue = q.default_value;
    takeFlags(c, q.flags);
    if (c.type == ControlType::kMenu || c.type == ControlType::kIntegerMenu) {
      for (int32_t i = std::max(0, c.minimum); i <= c.maximum && i - c.minimum < kMaxControls; ++i) {
        v4l2_querymenu m{};
        m.id = c.id;
        m.index = static_cast<uint32_t>(i);
        if (io_->queryMenu(fd_, m) < 0) continue;  // an item this device lacks
        c.menu.push_back(
            {i, c.type == ControlType::kMenu ? fixedText(m.name, sizeof m.name) : std::to_string(m.value)});
      }
    }
    readValue(c);
    controls_.push_back(std::move(c));
  }
}

void CameraControls::readValue(CameraControl& c) {
  v4l2_control v{};
  v.id = c.id;
  c.valueKnown = io_->getControl(fd_, v) == 0;
  c.value = c.valueKnown ? v.value : c.defaultValue;
}

const CameraControl* CameraControls::find(std::string_view key) const {
  for (const auto& c : controls_) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

CameraControl* CameraControls::findMutable(std::string_view key) {
  return const_cast<CameraControl*>(find(key));
}

bool CameraControls::offersLightControls() const {
  return std::any_of(controls_.begin(), controls_.end(),
                     [](const CameraControl& c) { return isLightControl(c.id) && !c.readOnly; });
}

Status CameraControls::refresh() {
  for (auto& c : controls_) {
    v4l2_queryctrl q{};
    q.id = c.id;
    if (const int r = io_->queryControl(fd_, q); r < 0) {
      return makeError("camera controls: " + path_ + " does not answer (" + errnoText(-r) +
                       "): unplugged, or taken by another program?");
    }
    takeFlags(c, q.flags);
    readValue(c);
  }
  return Ok{};
}

std::string CameraControls::refusal(const CameraControl& c, int32_t value, int error) const {
  std::string text = "camera control " + quoted(c) + " on " + path_ + ": the driver refused " +
                     std::to_string(value) + " (" + errnoText(error) + ")";
  if (c.readOnly) return text + "; the control is read-only or held by another program";
  if (c.inactive) {
    const uint32_t mode = automaticModeOf(c.id);
    for (const auto& m : controls_) {
      if (m.id == mode) return text + "; it has no effect while " + quoted(m) + " is on: turn that off first";
    }
    return text + "; the control is inactive (an automatic mode is on)";
  }
  if ((c.type == ControlType::kMenu || c.type == ControlType::kIntegerMenu) && c.menuLabel(value).empty()) {
    std::string items;
    for (const auto& item : c.menu)
      items += (items.empty() ? "" : ", ") + std::to_string(item.value) + " = " + item.label;
    return text + "; the camera offers " + items;
  }
  if (error == ENODEV) return text + "; the camera is gone";
  return text;
}

Result<int32_t> CameraControls::set(std::string_view key, int32_t value) {
  CameraControl* c = findMutable(key);
  if (c == nullptr)
    return makeError("camera control '" + std::string(key) + "': " + path_ + " has no such control");
  v4l2_control v{};
  v.id = c->id;
  v.value = value;
  if (const int r = io_->setControl(fd_, v); r < 0) {
    // The state may have changed under us (another program switched an automatic mode): name it as it is now.
    v4l2_queryctrl q{};
    q.id = c->id;
    if (io_->queryControl(fd_, q) == 0) takeFlags(*c, q.flags);
    return makeError(refusal(*c, value, -r));
  }
  readValue(*c);
  if (isSwitch(*c)) {
    // An automatic mode switched: the controls it governs change between active and inactive.
    for (auto& other : controls_) {
      if (automaticModeOf(other.id) != c->id) continue;
      v4l2_queryctrl q{};
      q.id = other.id;
      if (io_->queryControl(fd_, q) == 0) takeFlags(other, q.flags);
      readValue(other);
    }
  }
  return c->value;
}

Result<int32_t> CameraControls::reset(std::string_view key) {
  const CameraControl* c = find(key);
  if (c == nullptr)
    return makeError("camera control '" + std::string(key) + "': " + path_ + " has no such control");
  return set(key, c->defaultValue);
}

std::vector<std::string> CameraControls::resetAll() {
  std::vector<std::string> problems;
  // Manual values first, while they can still be set; then the switches, which give the automatic modes
  // back (a manual value that is inactive now is the camera's to choose until its mode is turned off).
  for (const bool switches : {false, true}) {
    for (const auto& c : controls_) {
      if (c.readOnly || isSwitch(c) != switches || (c.valueKnown && c.value == c.defaultValue)) continue;
      if (!switches && c.inactive) continue;
      if (auto r = set(c.key, c.defaultValue); !r) problems.push_back(r.error().message);
    }
  }
  return problems;
}

std::vector<std::string> CameraControls::apply(const std::map<std::string, int32_t>& values) {
  std::vector<std::string> problems;
  for (const auto& [key, value] : values) {
    if (find(key) == nullptr)
      problems.push_back("camera control '" + key + "': " + path_ + " has no such control; the saved value " +
                         std::to_string(value) + " is not applied");
  }
  // Switches first: a manual value is only taken once its automatic mode is off.
  for (const bool switches : {true, false}) {
    for (const auto& c : controls_) {
      const auto it = values.find(c.key);
      if (it == values.end() || isSwitch(c) != switches) continue;
      if (c.readOnly) {
        problems.push_back("camera control " + quoted(c) + " on " + path_ +
                           " is read-only; the saved value is not applied");
        continue;
      }
      if (c.valueKnown && c.value == it->second) continue;
      // Still inactive once the saved switches are in place: the saved automatic mode is on, and the camera
      // chooses this value itself (a manual value saved before the mode was turned back on).
      if (!switches && c.inactive) continue;
      if (auto r = set(c.key, it->second); !r) problems.push_back(r.error().message);
    }
  }
  return problems;
}

}  // namespace facefilter
