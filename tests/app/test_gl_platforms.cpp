// The two ways a headless run makes its GL context draw the same picture: a known scene (video, filters,
// debug overlays with ImGui's text) rendered through EGL with no display in the environment, then through
// the hidden GLFW window under Xvfb, in one process; the read-back pixels agree within one level.
// Needs a display for the window half (run under xvfb-run; skips without one).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "app/platform/egl_context.hpp"
#include "gl_fixture.hpp"

using namespace facefilter;

namespace {

// GlTest's helpers without its window: each half of the test makes its own context.
class GlPlatforms : public test::GlTest {
 protected:
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  void SetUp() override {}
  void TearDown() override {}

  // Video with edges and colour, sunglasses and a moustache on one face, keypoints with their indices
  // (ImGui's font), boxes: every kind of drawing the renderer does, into its offscreen target.
  static cv::Mat renderKnownScene() {
    SceneRenderer scene = makeScene();
    FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
    lib.poll();
    const int w = 640, h = 480;
    cv::Mat img(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) img.at<cv::Vec3b>(y, x) = cv::Vec3b(x % 256, (x + y) % 256, y % 256);
    const Landmarks l = test::canonicalLandmarks(80, {320, 220});
    scene.setFrame(makeFrame(img));
    FrameResult r = resultWithFace(l, w, h);
    r.detectorRan = true;
    r.detections.push_back(Detection{cv::Rect2f(200, 120, 240, 240), 3.0f});
    FilterAssignment a;
    a.all = {"sunglasses", "moustache"};
    ViewSettings v;
    v.debug.points = v.debug.indices = v.debug.boxes = v.debug.rawDetections = true;
    const SceneStats st = scene.render(&r, v, a, lib);
    EXPECT_EQ(st.spritesDrawn, 2);
    return readTarget(scene.target());
  }
};

// Sets an environment variable back to what it was when the scope ends.
class EnvRestore {
 public:
  explicit EnvRestore(const char* name) : name_(name) {
    const char* v = std::getenv(name);
    if (v != nullptr) value_ = v;
    had_ = v != nullptr;
  }
  ~EnvRestore() {
    if (had_)
      ::setenv(name_, value_.c_str(), 1);
    else
      ::unsetenv(name_);
  }
  EnvRestore(const EnvRestore&) = delete;
  EnvRestore& operator=(const EnvRestore&) = delete;

 private:
  const char* name_;
  std::string value_;
  bool had_ = false;
};

}  // namespace

TEST_F(GlPlatforms, EglWithoutADisplayRendersWhatTheHiddenWindowRenders) {
  if (!hasDisplay()) GTEST_SKIP() << "no DISPLAY for the window half: run under xvfb-run -a";
  cv::Mat viaEgl, viaWindow;
  {
    EnvRestore display("DISPLAY"), wayland("WAYLAND_DISPLAY");
    ::unsetenv("DISPLAY");
    ::unsetenv("WAYLAND_DISPLAY");
    ASSERT_EQ(resolveGlPlatform(GlPlatform::kAuto), GlPlatform::kEgl);
    auto egl = EglContext::create(EglParams{800, 600});
    ASSERT_TRUE(egl) << egl.error().message;
    egl.value()->beginImGuiFrame();
    viaEgl = renderKnownScene();
    ImGui::EndFrame();
    EXPECT_NE(egl.value()->glVersion().find("Core Profile"), std::string::npos) << egl.value()->glVersion();
  }
  {
    ASSERT_EQ(resolveGlPlatform(GlPlatform::kAuto), GlPlatform::kWindow);
    WindowParams p;
    p.visibility = WindowVisibility::kHidden;
    p.width = 800;
    p.height = 600;
    auto window = AppWindow::create(p);
    ASSERT_TRUE(window) << window.error().message;
    window.value()->beginImGuiFrame();
    viaWindow = renderKnownScene();
    ImGui::EndFrame();
  }
  save("platform-egl", viaEgl);
  save("platform-window", viaWindow);
  ASSERT_EQ(viaEgl.size(), viaWindow.size());
  cv::Mat diff;
  cv::absdiff(viaEgl, viaWindow, diff);
  EXPECT_LE(cv::norm(diff, cv::NORM_INF), 1.0)
      << cv::countNonZero(diff.reshape(1)) << " channel values differ";
  // Not a blank picture on both sides: the lenses are dark over the bright gradient.
  const Landmarks l = test::canonicalLandmarks(80, {320, 220});
  const cv::Rect lens(cv::Point((l[36] + l[39]) * 0.5f) - cv::Point(25, 12), cv::Size(50, 24));
  EXPECT_LT(cv::mean(viaEgl(lens))[1], 80);
}
