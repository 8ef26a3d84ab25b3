// Camera controls (engine/capture/v4l2/camera_controls.hpp) against recorded uvcvideo answers of two typical
// UVC cameras and a v4l2loopback device (tests/capture/recorded_camera_controls.hpp): what is listed and
// how, setting with the driver's rounding, refusals named with the driver's answer, saved values applied in
// an order the camera takes, reset. No device needed.
#include <gtest/gtest.h>

#include <memory>

#include "capture/recorded_camera_controls.hpp"
#include "engine/capture/v4l2/camera_controls.hpp"
#include "engine/capture/v4l2/camera_list.hpp"

using namespace facefilter;
using test::RecordedControlsIo;

namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

struct Opened {
  std::shared_ptr<RecordedControlsIo> io = std::make_shared<RecordedControlsIo>();
  std::unique_ptr<CameraControls> controls;
};

Opened openRecorded(test::RecordedCamera camera) {
  Opened o;
  const std::string path = "/dev/video" + std::to_string(camera.number);
  o.io->add(std::move(camera));
  auto c = CameraControls::open(o.io, path);
  EXPECT_TRUE(c) << c.error().message;
  if (c) o.controls = std::move(c).value();
  return o;
}

}  // namespace

TEST(CameraControls, KeysAreWhatV4l2CtlCallsThem) {
  EXPECT_EQ(controlKey("White Balance, Automatic"), "white_balance_automatic");
  EXPECT_EQ(controlKey("Exposure Time, Absolute"), "exposure_time_absolute");
  EXPECT_EQ(controlKey("Focus, Automatic Continuous"), "focus_automatic_continuous");
  EXPECT_EQ(controlKey("  Power Line Frequency "), "power_line_frequency");
  EXPECT_EQ(controlKey("keep_format"), "keep_format");
  EXPECT_EQ(controlKey(""), "");
}

TEST(CameraControls, C920ListsEveryControlWithRangeMenuAndState) {
  Opened o = openRecorded(test::recorded::logitechC920());
  ASSERT_TRUE(o.controls);
  const auto& list = o.controls->controls();
  // 19 entries minus the two class headings.
  ASSERT_EQ(list.size(), 17u);
  std::vector<std::string> keys;
  for (const auto& c : list) keys.push_back(c.key);
  EXPECT_EQ(keys,
            (std::vector<std::string>{
                "brightness", "contrast", "saturation", "white_balance_automatic", "gain",
                "power_line_frequency", "white_balance_temperature", "sharpness", "backlight_compensation",
                "auto_exposure", "exposure_time_absolute", "exposure_dynamic_framerate", "pan_absolute",
                "tilt_absolute", "focus_absolute", "focus_automatic_continuous", "zoom_absolute"}));

  const CameraControl* wb = o.controls->find("white_balance_temperature");
  ASSERT_NE(wb, nullptr);
  EXPECT_EQ(wb->name, "White Balance Temperature");
  EXPECT_EQ(wb->type, ControlType::kInteger);
  EXPECT_EQ(wb->minimum, 2000);
  EXPECT_EQ(wb->maximum, 6500);
  EXPECT_EQ(wb->defaultValue, 4000);
  EXPECT_TRUE(wb->inactive) << "automatic white balance is on";

  const CameraControl* ae = o.controls->find("auto_exposure");
  ASSERT_NE(ae, nullptr);
  EXPECT_EQ(ae->type, ControlType::kMenu);
  ASSERT_EQ(ae->menu.size(), 2u) << "the items the camera lacks are left out";
  EXPECT_EQ(ae->menu[0].value, 1);
  EXPECT_EQ(ae->menu[0].label, "Manual Mode");
  EXPECT_EQ(ae->menu[1].value, 3);
  EXPECT_EQ(ae->menuLabel(ae->value), "Aperture Priority Mode");

  const CameraControl* focus = o.controls->find("focus_absolute");
  ASSERT_NE(focus, nullptr);
  EXPECT_EQ(focus->step, 5);
  EXPECT_TRUE(focus->inactive);
  EXPECT_EQ(o.controls->find("focus_automatic_continuous")->type, ControlType::kBoolean);
  EXPECT_EQ(o.controls->find("power_line_frequency")->menu.size(), 3u);
  EXPECT_TRUE(o.controls->offersLightControls());
}

TEST(CameraControls, LaptopCameraHasNoFocusAndAReadOnlyPrivacySwitch) {
  Opened o = openRecorded(test::recorded::laptopCamera(2));
  ASSERT_TRUE(o.controls);
  EXPECT_EQ(o.controls->controls().size(), 15u);
  EXPECT_EQ(o.controls->find("focus_absolute"), nullptr);
  const CameraControl* brightness = o.controls->find("brightness");
  ASSERT_NE(brightness, nullptr);
  EXPECT_EQ(brightness->minimum, -64);
  EXPECT_EQ(brightness->value, 0);
  const CameraControl* privacy = o.controls->find("privacy");
  ASSERT_NE(privacy, nullptr);
  EXPECT_TRUE(privacy->readOnly);

  auto r = o.controls->set("privacy", 1);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("'Privacy' (privacy) on /dev/video2"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("(Permission denied)"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("read-only"), std::string::npos) << r.error().message;
}

TEST(CameraControls, LoopbackDeviceOffersNothingForTheLight) {
  Opened o = openRecorded(test::recorded::loopbackDevice(10));
  ASSERT_TRUE(o.controls);
  std::vector<std::string> keys;
  for (const auto& c : o.controls->controls()) keys.push_back(c.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"keep_format", "sustain_framerate", "timeout"}))
      << "the button is not listed";
  EXPECT_FALSE(o.controls->offersLightControls());
}

TEST(CameraControls, SetRoundsAsTheDriverDoesAndFollowsTheAutomaticModes) {
  Opened o = openRecorded(test::recorded::logitechC920());
  ASSERT_TRUE(o.controls);
  CameraControls& c = *o.controls;

  auto b = c.set("brightness", 999);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b.value(), 255) << "clamped to the range by the driver, read back";
  EXPECT_EQ(c.find("brightness")->value, 255);

  // Manual exposure while auto exposure is on: the camera refuses, and the message says what to do.
  auto refused = c.set("exposure_time_absolute", 300);
  ASSERT_FALSE(refused);
  const std::string& m = refused.error().message;
  EXPECT_NE(m.find("'Exposure Time, Absolute' (exposure_time_absolute)"), std::string::npos) << m;
  EXPECT_NE(m.find("refused 300 (Input/output error)"), std::string::npos) << m;
  EXPECT_NE(m.find("while 'Auto Exposure' (auto_exposure) is on"), std::string::npos) << m;
  EXPECT_EQ(o.io->control(0, V4L2_CID_EXPOSURE_ABSOLUTE)->value, 250) << "nothing changed";

  ASSERT_TRUE(c.set("auto_exposure", V4L2_EXPOSURE_MANUAL));
  EXPECT_FALSE(c.find("exposure_time_absolute")->inactive) << "the flags follow the switch";
  auto e = c.set("exposure_time_absolute", 300);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e.value(), 300);

  ASSERT_TRUE(c.set("focus_automatic_continuous", 0));
  auto f = c.set("focus_absolute", 12);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f.value(), 10) << "rounded to the step of 5";

  // A menu value the camera does not offer: named with the items it does.
  auto mode = c.set("auto_exposure", 0);
  ASSERT_FALSE(mode);
  EXPECT_NE(mode.error().message.find("(Invalid argument)"), std::string::npos) << mode.error().message;
  EXPECT_NE(mode.error().message.find("offers 1 = Manual Mode, 3 = Aperture Priority Mode"),
            std::string::npos)
      << mode.error().message;
  auto unknown = c.set("iris_absolute", 3);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("has no such control"), std::string::npos);
}

TEST(CameraControls, SavedValuesApplyWithTheirAutomaticModesFirst) {
  Opened o = openRecorded(test::recorded::logitechC920());
  ASSERT_TRUE(o.controls);
  // The map's own order puts the absolute values before the modes; applied in that order the camera would
  // refuse them.
  const std::map<std::string, int32_t> saved = {{"exposure_time_absolute", 600},
                                                {"white_balance_temperature", 3200},
                                                {"auto_exposure", 1},
                                                {"white_balance_automatic", 0},
                                                {"gain", 40},
                                                {"brightness", 128}};
  const auto problems = o.controls->apply(saved);
  EXPECT_TRUE(problems.empty()) << joined(problems);
  EXPECT_EQ(o.io->control(0, V4L2_CID_EXPOSURE_ABSOLUTE)->value, 600);
  EXPECT_EQ(o.io->control(0, V4L2_CID_WHITE_BALANCE_TEMPERATURE)->value, 3200);
  EXPECT_EQ(o.io->control(0, V4L2_CID_EXPOSURE_AUTO)->value, 1);
  EXPECT_EQ(o.io->control(0, V4L2_CID_GAIN)->value, 40);
  EXPECT_EQ(o.io->camera(0)->setCalls, 5) << "a value the camera already has is not sent again";
}

TEST(CameraControls, ApplyNamesWhatItCouldNotApplyAndAppliesTheRest) {
  Opened o = openRecorded(test::recorded::laptopCamera());
  ASSERT_TRUE(o.controls);
  // Saved from another camera of the same name, or before a firmware update: a control this one lacks, a
  // read-only one, a menu item it does not have.
  const auto problems = o.controls->apply(
      {{"focus_absolute", 40}, {"privacy", 1}, {"power_line_frequency", 7}, {"gain", 55}, {"contrast", 20}});
  ASSERT_EQ(problems.size(), 3u) << joined(problems);
  const std::string all = joined(problems);
  EXPECT_NE(all.find("'focus_absolute': /dev/video0 has no such control; the saved value 40 is not applied"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("'Privacy' (privacy) on /dev/video0 is read-only"), std::string::npos) << all;
  EXPECT_NE(all.find("'Power Line Frequency' (power_line_frequency) on /dev/video0: the driver refused 7 "
                     "(Numerical result out of range)"),
            std::string::npos)
      << all;
  EXPECT_EQ(o.io->control(0, V4L2_CID_GAIN)->value, 55);
  EXPECT_EQ(o.io->control(0, V4L2_CID_CONTRAST)->value, 20);
}

TEST(CameraControls, ResetAllGivesEveryControlItsDefaultAndTheAutomaticModesBack) {
  Opened o = openRecorded(test::recorded::logitechC920());
  ASSERT_TRUE(o.controls);
  CameraControls& c = *o.controls;
  ASSERT_TRUE(c.apply({{"auto_exposure", 1},
                       {"exposure_time_absolute", 900},
                       {"brightness", 30},
                       {"focus_automatic_continuous", 0},
                       {"focus_absolute", 100}})
                  .empty());
  auto one = c.reset("brightness");
  ASSERT_TRUE(one);
  EXPECT_EQ(one.value(), 128);
  const auto problems = c.resetAll();
  EXPECT_TRUE(problems.empty()) << joined(problems);
  for (const auto& ctrl : c.controls()) {
    if (!ctrl.readOnly) {
      EXPECT_EQ(ctrl.value, ctrl.defaultValue) << ctrl.key;
    }
  }
  EXPECT_EQ(o.io->control(0, V4L2_CID_EXPOSURE_ABSOLUTE)->value, 250) << "set while it could still be set";
  EXPECT_EQ(o.io->control(0, V4L2_CID_EXPOSURE_AUTO)->value, 3);
  EXPECT_TRUE(c.find("exposure_time_absolute")->inactive);
}

TEST(CameraControls, RefreshSeesAnotherProgramsChangesAndAnUnpluggedCamera) {
  Opened o = openRecorded(test::recorded::logitechC920());
  ASSERT_TRUE(o.controls);
  // Another program (guvcview, v4l2-ctl) turns automatic white balance off.
  o.io->control(0, V4L2_CID_AUTO_WHITE_BALANCE)->value = 0;
  o.io->control(0, V4L2_CID_WHITE_BALANCE_TEMPERATURE)->value = 5000;
  ASSERT_TRUE(o.controls->refresh());
  EXPECT_FALSE(o.controls->find("white_balance_temperature")->inactive);
  EXPECT_EQ(o.controls->find("white_balance_temperature")->value, 5000);

  o.io->camera(0)->unplugged = true;
  auto r = o.controls->refresh();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/dev/video0 does not answer (No such device)"), std::string::npos)
      << r.error().message;
  auto s = o.controls->set("gain", 10);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("(No such device)"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("the camera is gone"), std::string::npos) << s.error().message;
}

TEST(CameraControls, OpeningAMissingDeviceSaysWhich) {
  auto io = std::make_shared<RecordedControlsIo>();
  auto c = CameraControls::open(io, "/dev/video7");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "camera controls: cannot open /dev/video7: No such file or directory");
}

TEST(CameraControls, ADriverWithoutControlsListsNone) {
  // The layer's default answer for an ioctl a driver lacks (ENOTTY): no controls, no error.
  auto io = std::make_shared<RecordedControlsIo>();
  test::RecordedCamera bare = test::recorded::logitechC920(4);
  bare.controls.clear();
  io->add(bare);
  auto c = CameraControls::open(io, "/dev/video4");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c.value()->controls().empty());
  EXPECT_FALSE(c.value()->offersLightControls());
  EXPECT_EQ(c.value()->apply({{"gain", 3}}).size(), 1u);
}

TEST(CameraControls, EveryCaptureDeviceHereListsConsistentControls) {
  // Read-only: a real camera's values are the user's, so nothing is set here.
  auto io = systemVideoDeviceIo();
  const auto nodes = listCameras(*io);
  int opened = 0;
  for (const CameraInfo& node : nodes) {
    if (!node.captures || !node.problem.empty()) continue;
    auto c = CameraControls::open(io, node.path);
    ASSERT_TRUE(c) << c.error().message;
    ++opened;
    for (const CameraControl& ctrl : c.value()->controls()) {
      SCOPED_TRACE(node.path + " " + ctrl.key);
      EXPECT_FALSE(ctrl.key.empty());
      EXPECT_LE(ctrl.minimum, ctrl.maximum);
      EXPECT_GE(ctrl.step, 1);
      for (const auto& item : ctrl.menu) {
        EXPECT_GE(item.value, ctrl.minimum);
        EXPECT_LE(item.value, ctrl.maximum);
      }
    }
    EXPECT_TRUE(c.value()->refresh());
  }
  if (opened == 0)
    GTEST_SKIP() << "no video capture device here (" << nodes.size()
                 << " nodes in /sys/class/video4linux); the recorded cameras above cover the logic";
}

TEST(CameraControls, AManualValueSavedUnderAnAutomaticModeIsLeftToTheCamera) {
  Opened o = openRecorded(test::recorded::logitechC920());
  ASSERT_TRUE(o.controls);
  // Focus set by hand, then autofocus turned back on: both saved. The camera focuses by itself; setting the
  // manual value would be refused at every start.
  const auto problems = o.controls->apply({{"focus_automatic_continuous", 1}, {"focus_absolute", 40}});
  EXPECT_TRUE(problems.empty()) << joined(problems);
  EXPECT_EQ(o.io->control(0, V4L2_CID_FOCUS_ABSOLUTE)->value, 0);
  EXPECT_EQ(o.io->camera(0)->setCalls, 0);
  // With autofocus saved off, the manual value is taken.
  EXPECT_TRUE(o.controls->apply({{"focus_automatic_continuous", 0}, {"focus_absolute", 40}}).empty());
  EXPECT_EQ(o.io->control(0, V4L2_CID_FOCUS_ABSOLUTE)->value, 40);
}
