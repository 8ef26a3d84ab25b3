#include "app/camera/session_camera.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "engine/capture/source_spec.hpp"
#include "engine/core/logging.hpp"

namespace facefilter {

void SessionCamera::setIo(std::shared_ptr<VideoDeviceIo> io) {
  io_ = std::move(io);
}

VideoDeviceIo& SessionCamera::io() {
  if (!io_) io_ = systemVideoDeviceIo();
  return *io_;
}

void SessionCamera::attach(const std::string& path, const std::string& name, const CameraControlValues& saved,
                           Reattach when) {
  if (when == Reattach::kIfChanged && path == path_ && name == name_) return;
  detach();
  path_ = path;
  name_ = name;
  io();  // makes io_
  auto opened = CameraControls::open(io_, path);
  if (!opened) {
    error_ = opened.error().message;
    logger("capture")->warn("{}", error_);
    return;
  }
  controls_ = std::move(opened).value();
  const auto it = saved.find(name);
  if (it == saved.end() || it->second.empty()) return;
  notes_ = controls_->apply(it->second);
  logger("capture")->info("camera '{}' ({}): {} saved control value(s) applied, {} not", name, path,
                          it->second.size() - std::min(it->second.size(), notes_.size()), notes_.size());
  for (const auto& n : notes_) logger("capture")->warn("{}", n);
}

void SessionCamera::detach() {
  path_.clear();
  name_.clear();
  controls_.reset();
  error_.clear();
  notes_.clear();
}

LightControls SessionCamera::lightControls() const {
  if (!attached()) return LightControls::kNotACamera;
  if (!controls_) return LightControls::kUnknown;
  return controls_->offersLightControls() ? LightControls::kOffered : LightControls::kNone;
}

Status SessionCamera::set(const std::string& key, int32_t value, CameraControlValues& saved) {
  if (!controls_) return makeError("camera controls: no camera in use");
  notes_.clear();
  auto taken = controls_->set(key, value);
  if (!taken) {
    notes_.push_back(taken.error().message);
    return taken.error();
  }
  saved[name_][key] = taken.value();
  return Ok{};
}

Status SessionCamera::reset(const std::string& key, CameraControlValues& saved) {
  if (!controls_) return makeError("camera controls: no camera in use");
  notes_.clear();
  auto taken = controls_->reset(key);
  if (!taken) {
    notes_.push_back(taken.error().message);
    return taken.error();
  }
  if (auto it = saved.find(name_); it != saved.end()) {
    it->second.erase(key);
    if (it->second.empty()) saved.erase(it);
  }
  return Ok{};
}

void SessionCamera::resetAll(CameraControlValues& saved) {
  if (!controls_) return;
  notes_ = controls_->resetAll();
  saved.erase(name_);
}

void SessionCamera::refreshIfDue(int64_t nowNs, int64_t intervalNs) {
  if (!controls_ || nowNs - lastRefreshNs_ < intervalNs) return;
  lastRefreshNs_ = nowNs;
  // A camera that stopped answering is the capture's to report (lost, retrying); the controls keep their
  // last values until it is back and attached again.
  (void)controls_->refresh();
}

void SessionCamera::relist() {
  cameras_ = listCameras(io());
}

bool SessionCamera::takeShowRequest() {
  const bool requested = showRequested_;
  showRequested_ = false;
  return requested;
}

CameraModeText describeCameraMode(const SourceInfo& info) {
  CameraModeText t;
  char text[160];
  std::snprintf(text, sizeof text, "mode: %s%s%dx%d @ %.4g fps", info.pixelFormat.c_str(),
                info.pixelFormat.empty() ? "" : " ", info.width, info.height, info.fps);
  t.mode = text;
  if (info.requestedFps > 0 && std::abs(info.requestedFps - info.fps) > 0.01) {
    std::snprintf(text, sizeof text, " (asked %.4g fps)", info.requestedFps);
    t.mode += text;
  }
  t.measuring = info.measuredFps <= 0;
  if (t.measuring) {
    t.measured = "measuring the rate over the first second...";
  } else {
    std::snprintf(text, sizeof text, "measured over the first second: %.1f fps", info.measuredFps);
    t.measured = text;
  }
  t.note = info.modeNote;
  if (!info.suggestion.empty()) t.warning = "Camera: " + info.suggestion;
  return t;
}

std::string cameraSourceText(const CameraInfo& camera, const std::vector<CameraInfo>& cameras,
                             const std::string& current) {
  SourceSpec spec;
  if (auto parsed = parseSourceSpec(current); parsed && parsed->kind == SourceKind::kCamera)
    spec = parsed.value();
  spec.kind = SourceKind::kCamera;
  // A name picks the camera whose name holds it (case-insensitive): it must hold for this camera alone.
  const auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  const std::string wanted = lower(camera.name);
  const auto sameName = std::count_if(cameras.begin(), cameras.end(), [&](const CameraInfo& c) {
    return c.realCamera() && lower(c.name).find(wanted) != std::string::npos;
  });
  // A name survives a re-plug that changes the number; a loopback device is only ever chosen by its path.
  const bool byName =
      !camera.loopback && !camera.name.empty() && sameName == 1 && camera.name.find('"') == std::string::npos;
  spec.cameraSelect = byName ? CameraSelect::kName : CameraSelect::kPath;
  spec.cameraName = byName ? camera.name : "";
  spec.path = byName ? "" : camera.path;
  return toString(spec);
}

}  // namespace facefilter
