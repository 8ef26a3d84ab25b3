#pragma once
// A camera's controls as its driver offers them: exposure, gain, white balance, focus, brightness, contrast,
// power-line frequency and whatever else the driver lists (VIDIOC_QUERYCTRL walked with
// V4L2_CTRL_FLAG_NEXT_CTRL, VIDIOC_QUERYMENU for the items of a menu), each with its range, step, default and
// state; read, set and reset through the VideoDeviceIo seam, so that tests run them against recorded answers
// of real cameras.
//
// The controls keep a descriptor of their own on the camera's node: V4L2 lets a second descriptor change
// controls while another one streams (as v4l2-ctl does beside a running camera app), so the capture is not
// involved. Values are saved per camera name by the app (settings/app_config.hpp) and applied when that
// camera opens (apply()).
//
// Thread: one thread at a time (the app's main thread). Each get/set is one ioctl; for a USB camera a control
// transfer of a few milliseconds. Failures are values that name the control, the value and the driver's
// answer (its errno text).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/capture/v4l2/video_device_io.hpp"
#include "engine/core/result.hpp"

namespace facefilter {

enum class ControlType {
  kInteger,      // a slider: minimum..maximum in steps of `step`
  kBoolean,      // a check box: 0 or 1
  kMenu,         // named items (`menu`)
  kIntegerMenu,  // items that are numbers (`menu`, labels are the numbers)
};

struct ControlMenuItem {
  int32_t value = 0;
  std::string label;  // e.g. "Manual Mode", "50 Hz"
};

struct CameraControl {
  uint32_t id = 0;   // V4L2_CID_*
  std::string key;   // v4l2-ctl's name for it (the driver's name in lower case, words joined by '_'), e.g.
                     // "exposure_time_absolute": the key of a saved value
  std::string name;  // the driver's name, e.g. "Exposure Time, Absolute"
  ControlType type = ControlType::kInteger;
  int32_t minimum = 0;
  int32_t maximum = 0;
  int32_t step = 1;
  int32_t defaultValue = 0;
  int32_t value = 0;                  // as last read (listing, refresh(), set())
  std::vector<ControlMenuItem> menu;  // menus: only the items the driver names (uvcvideo leaves out the modes
                                      // a camera lacks, e.g. auto exposure's "Auto Mode" on most webcams)
  bool inactive = false;              // V4L2_CTRL_FLAG_INACTIVE: has no effect now (its automatic mode is on)
  bool readOnly = false;              // V4L2_CTRL_FLAG_READ_ONLY or GRABBED (another program holds it)
  bool valueKnown = true;             // G_CTRL answered (a write-only or failing control shows its default)

  // The label of the menu item `v`, empty when `v` is not an item.
  std::string menuLabel(int32_t v) const;
};

// What a control is for, where facefilter treats it specially (the lighting hint's button, the order in
// which saved values are applied).
bool isLightControl(uint32_t id);  // exposure (auto or not), gain, brightness, backlight compensation
// The automatic mode that makes `id` inactive while on (white balance temperature -> automatic white
// balance, absolute exposure -> auto exposure, absolute focus -> continuous autofocus, gain -> auto gain);
// 0 when none.
uint32_t automaticModeOf(uint32_t id);
// v4l2-ctl's name of a control from the driver's name: "White Balance, Automatic" ->
// "white_balance_automatic".
std::string controlKey(std::string_view driverName);

class CameraControls {
 public:
  // Opens `path` and lists the controls its driver offers (control-class headings, buttons and string or
  // compound controls are left out: they hold no value a slider or a check box can show). Fails with a
  // message naming the device and the errno text when the node cannot be opened.
  static Result<std::unique_ptr<CameraControls>> open(std::shared_ptr<VideoDeviceIo> io,
                                                      const std::string& path);
  ~CameraControls();
  CameraControls(const CameraControls&) = delete;
  CameraControls& operator=(const CameraControls&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<CameraControl>& controls() const { return controls_; }
  const CameraControl* find(std::string_view key) const;
  // Whether any control that changes how bright the picture is (isLightControl) can be set.
  bool offersLightControls() const;

  // Reads every control's value and state again (switching an automatic mode on or off changes which
  // controls are inactive). Fails when the camera is gone (the controls keep their last values).
  Status refresh();
  // Sets `key` to `value` and reads back what the driver took (it rounds an integer to its step and range).
  // The error names the control, the value and the driver's answer, and says why where it knows
  // (read-only, inactive while its automatic mode is on, not an item of the menu).
  Result<int32_t> set(std::string_view key, int32_t value);
  // The control's default (the driver's).
  Result<int32_t> reset(std::string_view key);
  // Every settable control to its default: the manual values first (while they can still be set), then the
  // switches, which give the automatic modes back. One line per control that was refused.
  std::vector<std::string> resetAll();
  // Saved values (key -> value): switches and menus first (automatic modes off before the manual values
  // they unlock), then the rest; a manual value whose automatic mode stays on is left to the camera. A key
  // the camera does not offer, a read-only control, or a value the driver refuses gives one line each; the
  // other values are still applied.
  std::vector<std::string> apply(const std::map<std::string, int32_t>& values);

 private:
  CameraControls(std::shared_ptr<VideoDeviceIo> io, std::string path, int fd)
      : io_(std::move(io)), path_(std::move(path)), fd_(fd) {}
  void list();
  void readValue(CameraControl& c);
  CameraControl* findMutable(std::string_view key);
  std::string refusal(const CameraControl& c, int32_t value, int error) const;

  std::shared_ptr<VideoDeviceIo> io_;
  std::string path_;
  int fd_ = -1;
  std::vector<CameraControl> controls_;
};

}  // namespace facefilter
