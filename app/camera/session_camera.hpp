#pragma once
// The app's side of the camera in use: its controls (engine/capture/v4l2/camera_controls.hpp), the values
// saved for it by name in the settings (AppConfig::cameraControls) and applied when it opens, and the camera
// list the panel's drop-down offers. The session tells it which camera the source has open (attach(), from
// the source's SourceInfo); the panel reads and changes the controls through it. Headless: no GL, no ImGui.
// Main thread only (each control change is an ioctl on that thread: a USB control transfer of a few ms).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/capture/frame_source.hpp"
#include "engine/capture/v4l2/camera_controls.hpp"
#include "engine/capture/v4l2/camera_list.hpp"
#include "settings/app_config.hpp"

namespace facefilter {

// What the lighting hint can offer the user (app/ui/lighting_hint.hpp).
enum class LightControls {
  kNotACamera,  // the source is a file or an image: nothing to set
  kUnknown,     // a camera whose controls could not be read (SessionCamera::error() says why)
  kNone,        // a camera whose driver offers no exposure, gain or brightness control
  kOffered,     // a camera with at least one of them
};

class SessionCamera {
 public:
  // Where ioctls and sysfs reads go; null: the real kernel. Tests give recorded cameras.
  void setIo(std::shared_ptr<VideoDeviceIo> io);

  // The source has the camera at `path`, named `name`, open: opens its controls and applies the values
  // saved for `name`. Nothing happens when that camera is already attached, unless `again` (the camera was
  // reopened, e.g. after it was unplugged: it has lost the values).
  enum class Reattach { kIfChanged, kAgain };
  void attach(const std::string& path, const std::string& name, const CameraControlValues& saved,
              Reattach when = Reattach::kIfChanged);
  // The source is not a camera (any more).
  void detach();

  bool attached() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }
  // Null when no camera is attached or its controls could not be opened (error() says why).
  CameraControls* controls() { return controls_.get(); }
  const CameraControls* controls() const { return controls_.get(); }
  const std::string& error() const { return error_; }
  // What the last attach, set or reset could not do (saved values not applied, refusals), one line each.
  const std::vector<std::string>& notes() const { return notes_; }
  LightControls lightControls() const;

  // Sets a control of the attached camera and keeps the value the driver took in `saved` under the camera's
  // name. The error names the control and the driver's answer (also kept in notes()).
  Status set(const std::string& key, int32_t value, CameraControlValues& saved);
  // The control's default; the saved value is forgotten (the camera chooses it again from now on).
  Status reset(const std::string& key, CameraControlValues& saved);
  // Every control to its default; every value saved for this camera is forgotten.
  void resetAll(CameraControlValues& saved);
  // Reads the controls' values and states again when `intervalNs` has passed since the last read (another
  // program, or the camera's automatic modes, change them).
  void refreshIfDue(int64_t nowNs, int64_t intervalNs);

  // The cameras the kernel lists, read by relist() (the panel relists when its drop-down opens).
  const std::vector<CameraInfo>& cameras() const { return cameras_; }
  void relist();

  // The lighting hint's button asks the panel to show the camera's controls (taken once by the panel).
  void requestShowControls() { showRequested_ = true; }
  bool takeShowRequest();

 private:
  VideoDeviceIo& io();

  std::shared_ptr<VideoDeviceIo> io_;
  std::string path_, name_;
  std::unique_ptr<CameraControls> controls_;
  std::string error_;
  std::vector<std::string> notes_;
  std::vector<CameraInfo> cameras_;
  int64_t lastRefreshNs_ = 0;
  bool showRequested_ = false;
};

// What the panel says about the camera's mode (from its SourceInfo): the mode in use, the rate measured over
// the first second (or that it is being measured), how the mode differs from the one asked for, and, when the
// measured rate is far under the asked one, the warning with the suggestion (shown at the top of the panel,
// where it is seen with every section folded).
struct CameraModeText {
  std::string mode;      // e.g. "mode: MJPG 1280x720 @ 30 fps"; with " (asked 60 fps)" when it differs
  std::string measured;  // e.g. "measured over the first second: 29.8 fps"
  bool measuring = false;
  std::string note;     // the nearest mode used instead of the one asked for; empty when none
  std::string warning;  // "Camera: " + the suggestion; empty while the rate is fine or not yet measured
};
CameraModeText describeCameraMode(const SourceInfo& info);

// The source text that opens `camera` with the mode of `current` (a camera source's size, rate and format
// are kept when switching cameras): by name when no other real camera in `cameras` has that name, else by
// path.
std::string cameraSourceText(const CameraInfo& camera, const std::vector<CameraInfo>& cameras,
                             const std::string& current);

}  // namespace facefilter
