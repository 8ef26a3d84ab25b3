// GL test of the keyboard shortcuts in the running app (a real window under Xvfb): each key goes in where a
// real key press does, through the ImGui GLFW backend's key callback, and must reach the session's settings
// with the panel shown and hidden (app/platform/keys.hpp is where the app looks keys up).
#include <gtest/gtest.h>

#include <GLFW/glfw3.h>
#include <imgui_impl_glfw.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/videoio.hpp>

#include "app/app_session.hpp"
#include "test_support.hpp"

using namespace facefilter;

namespace {

bool haveDisplay() {
  const char* display = std::getenv("DISPLAY");
  return display != nullptr && *display != '\0';
}

// One key stroke: its GLFW code, and what it changes in the session (read before and after).
struct Stroke {
  int glfwKey;
  const char* what;
  std::function<bool(AppSession&)> state;
};

bool& debugFlag(AppSession& s, bool DebugViews::*flag) {
  return s.config().view.debug.*flag;
}

}  // namespace

TEST(KeysGl, EveryShortcutReachesTheSessionWithThePanelShownAndHidden) {
  if (!haveDisplay()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  const auto dir = test::freshTempDir("keys");
  const auto clip = dir / "clip.avi";
  {
    cv::VideoWriter vw(clip.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 30, cv::Size(160, 120));
    ASSERT_TRUE(vw.isOpened());
    for (int i = 0; i < 12; ++i) vw.write(cv::Mat(120, 160, CV_8UC3, cv::Scalar(8 * i, 60, 200 - 8 * i)));
  }
  AppOptions o;
  o.mode = RunMode::kInteractive;
  o.vsync = VSync::kOff;
  o.config.source = "video:" + clip.string();
  o.config.modelPath = FACEFILTER_TEST_APP_MODEL;
  o.config.device = "cpu";
  o.config.windowWidth = 800;
  o.config.windowHeight = 600;
  o.config.record.outputDir = dir.string();  // where S and V write
  o.presetDir = dir / "presets";
  o.loopFiles = true;
  constexpr uint64_t kBound = 3000;  // frames; Escape must close the window long before
  o.quitAfterFrames = kBound;

  auto flag = [](bool DebugViews::*f) { return [f](AppSession& s) { return debugFlag(s, f); }; };
  auto panel = [](AppSession& s) { return s.config().view.showPanel; };
  auto recording = [](AppSession& s) { return s.recording().active(); };
  const std::vector<Stroke> strokes = {
      {GLFW_KEY_P, "P (points)", flag(&DebugViews::points)},
      {GLFW_KEY_I, "I (indices)", flag(&DebugViews::indices)},
      {GLFW_KEY_B, "B (boxes)", flag(&DebugViews::boxes)},
      {GLFW_KEY_C, "C (crop)", flag(&DebugViews::crop)},
      {GLFW_KEY_D, "D (detector boxes)", flag(&DebugViews::rawDetections)},
      {GLFW_KEY_R, "R (raw vs smoothed)", flag(&DebugViews::rawVsSmoothed)},
      {GLFW_KEY_H, "H (head pose axes)", flag(&DebugViews::headPoseAxes)},
      {GLFW_KEY_O, "O (head occluder)", flag(&DebugViews::occluder)},
      {GLFW_KEY_S, "S (snapshot)", [](AppSession& s) { return !s.recording().lastSnapshot().empty(); }},
      {GLFW_KEY_V, "V (start recording)", recording},
      {GLFW_KEY_V, "V (stop recording)", recording},
      {GLFW_KEY_TAB, "Tab (panel)", panel},
      {GLFW_KEY_P, "P with the panel hidden", flag(&DebugViews::points)},
      {GLFW_KEY_TAB, "Tab (panel back)", panel},
  };
  // Each stroke: press in one frame, release in the next, read the state a few frames on (a snapshot is
  // written when the next video frame is drawn).
  constexpr uint64_t kFirst = 10, kPeriod = 8;
  std::vector<bool> before(strokes.size()), after(strokes.size());
  uint64_t escapeAt = 0;
  o.afterFrame = [&](AppSession& s) {
    GLFWwindow* window = glfwGetCurrentContext();
    const uint64_t f = s.framesShown();
    if (f < kFirst) return;
    const uint64_t i = (f - kFirst) / kPeriod, phase = (f - kFirst) % kPeriod;
    if (i < strokes.size()) {
      if (phase == 0) {
        before[i] = strokes[i].state(s);
        ImGui_ImplGlfw_KeyCallback(window, strokes[i].glfwKey, 0, GLFW_PRESS, 0);
      } else if (phase == 1) {
        ImGui_ImplGlfw_KeyCallback(window, strokes[i].glfwKey, 0, GLFW_RELEASE, 0);
      } else if (phase == kPeriod - 1) {
        after[i] = strokes[i].state(s);
      }
    } else if (i == strokes.size() && phase == 0) {
      escapeAt = f;
      ImGui_ImplGlfw_KeyCallback(window, GLFW_KEY_ESCAPE, 0, GLFW_PRESS, 0);
    }
  };
  auto session = AppSession::create(std::move(o));
  ASSERT_TRUE(session) << session.error().message;
  ASSERT_EQ(session.value()->run(), 0);

  for (size_t i = 0; i < strokes.size(); ++i) {
    EXPECT_NE(before[i], after[i]) << strokes[i].what << " changed nothing";
  }
  ASSERT_GT(escapeAt, 0u) << "the window closed before Escape was pressed";
  EXPECT_LE(session.value()->framesShown(), escapeAt + 3) << "Escape did not close the window";
  EXPECT_EQ(session.value()->recording().lastSnapshot().rfind("saved ", 0), 0u)
      << session.value()->recording().lastSnapshot();
  bool recorded = false;
  for (const auto& e : std::filesystem::directory_iterator(dir)) recorded |= e.path().extension() == ".mp4";
  EXPECT_TRUE(recorded) << "V then V left no recording in " << dir;
  std::filesystem::remove_all(dir);
}
