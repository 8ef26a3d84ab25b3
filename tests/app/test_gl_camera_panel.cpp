// GL tests of the panel's camera section in the running app (a real window under Xvfb): the controls of the
// camera in use with the values saved for its name, the drop-down's list (loopback devices marked), and the
// lighting hint whose button opens the camera's controls in one click (clicked through ImGui's GLFW backend,
// as a mouse would). The camera's controls are recorded uvcvideo answers (tests/capture/); the video is a
// clip made here, as no camera streams in CI.
#include <GLFW/glfw3.h>
#include <gtest/gtest.h>
#include <imgui_impl_glfw.h>

#include <cstdlib>
#include <functional>
#include <optional>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "app/app_session.hpp"
#include "capture/recorded_camera_controls.hpp"
#include "test_support.hpp"

using namespace facefilter;

namespace {

constexpr const char* kC920 = "HD Pro Webcam C920";

bool haveDisplay() {
  const char* display = std::getenv("DISPLAY");
  return display != nullptr && *display != '\0';
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

AppOptions options(const std::string& source, const std::filesystem::path& dir,
                   std::shared_ptr<test::RecordedControlsIo> io) {
  AppOptions o;
  o.mode = RunMode::kInteractive;
  o.vsync = VSync::kOff;
  o.config.source = source;
  o.config.modelPath = FACEFILTER_TEST_APP_MODEL;
  o.config.device = "cpu";
  o.config.windowWidth = 800;
  o.config.windowHeight = 600;
  o.presetDir = dir / "presets";
  o.loopFiles = true;
  o.quitAfterFrames = 3000;  // a bound in case the awaited state never comes; the tests close long before
  o.videoDeviceIo = std::move(io);
  return o;
}

// The demo clip at 30 % of its light: a face the lighting hint calls dark, which the detector still finds
// (its features are normalised by the window's contrast).
std::filesystem::path darkClip(const std::filesystem::path& dir) {
  const auto path = dir / "dark.avi";
  cv::VideoCapture in(kDemoVideoPath);
  EXPECT_TRUE(in.isOpened()) << "the demo clip (Debian's opencv-doc) is missing";
  cv::VideoWriter out(path.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 24, cv::Size(720, 528));
  EXPECT_TRUE(out.isOpened());
  cv::Mat frame, dark;
  for (int i = 0; i < 48 && in.read(frame); ++i) {
    frame.convertTo(dark, -1, 0.3);
    out.write(dark);
  }
  return path;
}

// Clicks through ImGui's GLFW backend as a mouse would: the pointer onto the middle of a widget on one frame,
// the button down on the next (the backend's "just pressed" holds it for one frame; GLFW reports it up on the
// frame after, which completes the click).
// Clicks a panel widget through ImGui's GLFW backend. The widget is found by `target` in a frame's panel
// state, and the press re-aims at it in the frame it is made: the panel's layout can shift between frames (a
// face found or lost adds or removes lines above the camera section, and the dark-face hint with its button
// comes and goes with the face), so a position from an earlier frame can miss. Where the widget is not shown
// in the pressing frame, the press waits for a frame that shows it.
class Clicker {
 public:
  using Target = std::function<std::optional<PanelRect>(const PanelState&)>;
  void aimAt(Target target, const PanelState& p) {
    target_ = std::move(target);
    if (const auto r = target_(p)) moveCursor(*r);
    pending_ = true;
  }
  bool pending() const { return pending_; }
  // True when the press was made (the widget was there to press).
  bool press(const PanelState& p) {
    const auto r = target_(p);
    if (!r) return false;
    moveCursor(*r);
    ImGui_ImplGlfw_MouseButtonCallback(glfwGetCurrentContext(), GLFW_MOUSE_BUTTON_LEFT, GLFW_PRESS, 0);
    pending_ = false;
    return true;
  }

 private:
  static void moveCursor(const PanelRect& r) {
    GLFWwindow* window = glfwGetCurrentContext();
    ImGui_ImplGlfw_CursorEnterCallback(window, GLFW_TRUE);
    glfwSetCursorPos(window, (r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2);
  }
  Target target_;
  bool pending_ = false;
};

std::shared_ptr<test::RecordedControlsIo> recordedCameras() {
  auto io = std::make_shared<test::RecordedControlsIo>();
  io->add(test::recorded::laptopCamera(0));
  io->add(test::recorded::logitechC920(2));
  io->add(test::recorded::loopbackDevice(10));
  return io;
}

}  // namespace

TEST(CameraPanelGl, ShowsTheControlsOfTheCameraInUseAndItsWidgetsWork) {
  if (!haveDisplay()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  const auto dir = test::freshTempDir("panel-camera-controls");
  auto io = recordedCameras();
  AppOptions o = options("demo", dir, io);
  o.config.cameraControls[kC920] = {{"auto_exposure", 1}, {"exposure_time_absolute", 800}, {"gain", 30}};
  enum class Step {
    kOpen,
    kClickReset,
    kWaitReset,
    kClickCombo,
    kWaitList,
    kClickCamera,
    kWaitSwitch,
    kDone
  };
  Step step = Step::kOpen;
  Clicker click;
  CameraPanelState seen;
  std::string messages, switchMessage;
  uint64_t openedAt = 0, stepAt = 0;
  int32_t gainBeforeReset = 0;
  PanelRect resetRect;
  o.afterFrame = [&](AppSession& s) {
    const PanelState& p = s.panel().lastState();
    const uint64_t frame = s.framesShown();
    if (click.pending()) {
      (void)click.press(p);
      return;
    }
    if (frame > stepAt + 60) {  // a step that never completes ends the run; the checks below say which
      s.requestClose();
      return;
    }
    switch (step) {
      case Step::kOpen:
        if (frame == 1) {
          // What applySource does when the source is a camera: the camera in use is attached by its
          // SourceInfo.
          s.camera().attach("/dev/video2", kC920, s.config().cameraControls);
          s.camera().requestShowControls();
        } else if (p.camera.sectionOpen && !p.camera.controlsShown.empty()) {
          openedAt = frame;
          seen = p.camera;
          messages = joined(p.messages);
          gainBeforeReset = io->control(2, V4L2_CID_GAIN)->value;
          step = Step::kClickReset;
        }
        break;
      case Step::kClickReset:
        resetRect = p.camera.resetButtons.at("gain");
        click.aimAt(
            [](const PanelState& q) -> std::optional<PanelRect> {
              const auto it = q.camera.resetButtons.find("gain");
              return it == q.camera.resetButtons.end() ? std::nullopt : std::optional<PanelRect>(it->second);
            },
            p);
        step = Step::kWaitReset;
        stepAt = frame;
        break;
      case Step::kWaitReset:
        if (io->control(2, V4L2_CID_GAIN)->value == 0) step = Step::kClickCombo;
        break;
      case Step::kClickCombo:
        click.aimAt([](const PanelState& q) { return std::optional<PanelRect>(q.camera.cameraCombo); }, p);
        step = Step::kWaitList;
        stepAt = frame;
        break;
      case Step::kWaitList:
        if (!p.camera.camerasListed.empty() && p.camera.cameraItems.size() == p.camera.camerasListed.size()) {
          seen.camerasListed = p.camera.camerasListed;
          step = Step::kClickCamera;
        }
        break;
      case Step::kClickCamera:
        // The laptop's camera: the app opens it as the source, through the real capture (no such camera
        // here, so the panel says why and the demo plays on).
        click.aimAt(
            [](const PanelState& q) -> std::optional<PanelRect> {
              if (q.camera.cameraItems.empty()) return std::nullopt;
              return q.camera.cameraItems.front();
            },
            p);
        step = Step::kWaitSwitch;
        stepAt = frame;
        break;
      case Step::kWaitSwitch:
        for (const auto& m : p.messages) {
          if (m.find("Integrated_Webcam_HD") != std::string::npos) switchMessage = m;
        }
        if (!switchMessage.empty()) step = Step::kDone;
        break;
      case Step::kDone:
        s.requestClose();
        break;
    }
  };
  auto session = AppSession::create(std::move(o));
  ASSERT_TRUE(session) << session.error().message;
  ASSERT_EQ(session.value()->run(), 0);

  ASSERT_GT(openedAt, 0u) << "the camera section never showed the controls";
  EXPECT_LE(openedAt, 3u) << "the request opens the section on the next frame";
  ASSERT_EQ(seen.controlsShown.size(), 17u);
  EXPECT_EQ(seen.controlsShown.front(), "brightness");
  EXPECT_EQ(seen.controlsShown.back(), "zoom_absolute");
  EXPECT_EQ(messages.find("refused"), std::string::npos) << messages;
  // The saved values reached the camera when it was attached, in an order it takes.
  EXPECT_EQ(io->control(2, V4L2_CID_EXPOSURE_AUTO)->value, 1);
  EXPECT_EQ(io->control(2, V4L2_CID_EXPOSURE_ABSOLUTE)->value, 800);
  EXPECT_EQ(gainBeforeReset, 30);
  // The reset button: the driver's default, and the saved value forgotten (the others kept).
  EXPECT_EQ(io->control(2, V4L2_CID_GAIN)->value, 0)
      << "the reset click did not reach the camera; clicked at " << resetRect.x0 << "," << resetRect.y0
      << " - " << resetRect.x1 << "," << resetRect.y1;
  const CameraControlValues& saved = session.value()->config().cameraControls;
  ASSERT_EQ(saved.count(kC920), 1u);
  EXPECT_EQ(saved.at(kC920),
            (std::map<std::string, int32_t>{{"auto_exposure", 1}, {"exposure_time_absolute", 800}}));
  // The drop-down: the real cameras by name, the loopback device marked and not offered.
  ASSERT_EQ(seen.camerasListed.size(), 3u) << joined(seen.camerasListed);
  EXPECT_EQ(seen.camerasListed[0].rfind("Integrated_Webcam_HD: Integrate  (/dev/video0", 0), 0u);
  EXPECT_EQ(seen.camerasListed[1].rfind("HD Pro Webcam C920  (/dev/video2, usb-0000:00:14.0-1)", 0), 0u);
  EXPECT_EQ(seen.camerasListed[2], "[loopback] facefilter  (/dev/video10)");
  // Choosing a camera went through the source flow: named in the panel, the source asked for unchanged.
  EXPECT_FALSE(switchMessage.empty()) << "choosing the camera in the drop-down showed nothing";
  RecordProperty("switch_message", switchMessage);
  EXPECT_EQ(session.value()->config().source, "demo");
  std::filesystem::remove_all(dir);
}

TEST(CameraPanelGl, TheDarkFaceHintsButtonOpensTheCameraControlsInOneClick) {
  if (!haveDisplay()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  const auto dir = test::freshTempDir("panel-camera-hint");
  auto io = recordedCameras();
  AppOptions o = options("video:" + darkClip(dir).string(), dir, io);
  enum class Phase { kWaitForButton, kWaitForSection, kDone };
  Phase phase = Phase::kWaitForButton;
  Clicker click;
  std::string hint;
  uint64_t pressedAt = 0, openedAt = 0;
  bool openBeforeClick = false;
  o.afterFrame = [&](AppSession& s) {
    const PanelState& p = s.panel().lastState();
    if (s.framesShown() == 1) s.camera().attach("/dev/video2", kC920, s.config().cameraControls);
    if (click.pending()) {
      if (click.press(p)) pressedAt = s.framesShown();
      return;
    }
    switch (phase) {
      case Phase::kWaitForButton:
        if (p.camera.hintButtonShown) {
          hint = s.lightingHint();
          openBeforeClick = p.camera.sectionOpen;
          click.aimAt(
              [](const PanelState& q) -> std::optional<PanelRect> {
                if (!q.camera.hintButtonShown) return std::nullopt;
                return q.camera.hintButton;
              },
              p);
          phase = Phase::kWaitForSection;
        }
        break;
      case Phase::kWaitForSection:
        if (p.camera.sectionOpen) {
          openedAt = s.framesShown();
          phase = Phase::kDone;
        } else if (s.framesShown() > pressedAt + 30) {
          s.requestClose();
        }
        break;
      case Phase::kDone:
        s.requestClose();
        break;
    }
  };
  auto session = AppSession::create(std::move(o));
  ASSERT_TRUE(session) << session.error().message;
  ASSERT_EQ(session.value()->run(), 0);

  ASSERT_NE(phase, Phase::kWaitForButton) << "the dark face's hint never showed its button";
  EXPECT_NE(hint.find("Face is dark"), std::string::npos) << hint;
  EXPECT_NE(hint.find("raise the camera's exposure, gain or brightness"), std::string::npos) << hint;
  EXPECT_FALSE(openBeforeClick) << "the section starts folded";
  ASSERT_GT(openedAt, 0u) << "the click did not open the camera section";
  EXPECT_LE(openedAt, pressedAt + 3) << "one click, seen within a few frames";
  std::filesystem::remove_all(dir);
}

TEST(CameraPanelGl, ACameraWithoutLightControlsGetsNoButtonAndTheHintSaysSo) {
  if (!haveDisplay()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  const auto dir = test::freshTempDir("panel-camera-none");
  auto io = recordedCameras();
  AppOptions o = options("video:" + darkClip(dir).string(), dir, io);
  std::string hint;
  bool buttonEver = false;
  o.afterFrame = [&](AppSession& s) {
    const PanelState& p = s.panel().lastState();
    // A loopback device chosen by path: a camera whose driver offers nothing for the light.
    if (s.framesShown() == 1) s.camera().attach("/dev/video10", "facefilter", s.config().cameraControls);
    buttonEver |= p.camera.hintButtonShown;
    if (hint.empty() && s.lightingProblem() == LightingProblem::kDark) hint = s.lightingHint();
    if (!hint.empty() && s.framesShown() > 20) s.requestClose();
  };
  auto session = AppSession::create(std::move(o));
  ASSERT_TRUE(session) << session.error().message;
  ASSERT_EQ(session.value()->run(), 0);
  ASSERT_FALSE(hint.empty()) << "the dark face was never judged dark";
  EXPECT_NE(hint.find("this camera offers no exposure, gain or brightness control"), std::string::npos)
      << hint;
  EXPECT_FALSE(buttonEver);

  std::filesystem::remove_all(dir);
}
