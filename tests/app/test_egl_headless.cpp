// Headless without a display: CTest runs this executable with DISPLAY and WAYLAND_DISPLAY removed from the
// environment (tests/app/CMakeLists.txt), so even under xvfb-run every context here comes from EGL.
//   - an EGL context in this process: GL 3.3 core, a known scene rendered and read back;
//   - the app as a process: `--headless --input demo --filter sunglasses --record out.mp4` records a
//     decodable file through EGL;
//   - no EGL driver (glvnd pointed at no vendor) and no display: one message naming the packages, exit 1;
//     the interactive app and `--gl-platform window` without a display keep GLFW's message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <opencv2/videoio.hpp>

#include "app/platform/egl_context.hpp"
#include "engine/capture/source_spec.hpp"
#include "gl_fixture.hpp"

using namespace facefilter;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

struct AppRun {
  int exitCode = -1;
  std::string output;  // stderr and stdout together
};

// Runs the app with `args` (and `envPrefix`, e.g. "VAR=value ", before it) through the shell.
AppRun runApp(const std::string& args, const std::string& envPrefix = "") {
  const auto dir = test::freshTempDir("egl-app");
  const auto log = dir / "output.txt";
  const std::string cmd =
      envPrefix + "'" FACEFILTER_TEST_APP_EXE "' " + args + " >'" + log.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  AppRun r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  r.output = text.str();
  std::filesystem::remove_all(dir);
  return r;
}

int linesContaining(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.find(what) != std::string::npos ? 1 : 0;
  return n;
}

class EglNoDisplay : public test::GlTest {
 protected:
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  void SetUp() override {}
  void TearDown() override {}
};

}  // namespace

TEST_F(EglNoDisplay, MakesACoreContextAndRendersTheScene) {
  ASSERT_FALSE(hasDisplay()) << "CTest removes DISPLAY and WAYLAND_DISPLAY for these tests";
  EXPECT_EQ(resolveGlPlatform(GlPlatform::kAuto), GlPlatform::kEgl);
  auto egl = EglContext::create(EglParams{800, 600});
  ASSERT_TRUE(egl) << egl.error().message;
  GLint major = 0, minor = 0, mask = 0;
  glGetIntegerv(GL_MAJOR_VERSION, &major);
  glGetIntegerv(GL_MINOR_VERSION, &minor);
  glGetIntegerv(GL_CONTEXT_PROFILE_MASK, &mask);
  EXPECT_GE(major * 10 + minor, 33);
  EXPECT_TRUE(mask & GL_CONTEXT_CORE_PROFILE_BIT);
  EXPECT_EQ(egl.value()->framebufferSize().width, 800);
  EXPECT_FALSE(egl.value()->origin().empty());

  egl.value()->beginImGuiFrame();
  SceneRenderer scene = makeScene();
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  const int w = 640, h = 480;
  const Landmarks l = test::canonicalLandmarks(80, {320, 220});
  cv::Mat img(h, w, CV_8UC3, cv::Scalar(128, 128, 128));
  cv::rectangle(img, {10, 10, 30, 20}, {0, 0, 255}, -1);  // orientation: red block at the top left
  scene.setFrame(makeFrame(img));
  const FrameResult r = resultWithFace(l, w, h);
  FilterAssignment a;
  a.all = {"sunglasses"};
  ViewSettings v;
  v.debug.indices = true;  // text through ImGui's font atlas and its OpenGL 3 backend
  const SceneStats st = scene.render(&r, v, a, lib);
  ImGui::EndFrame();
  EXPECT_EQ(st.spritesDrawn, 1);
  const cv::Mat out = readTarget(scene.target());
  save("egl-scene", out);
  // The lens around the left eye is dark (its mean: the index labels are drawn over it).
  const cv::Rect lens(cv::Point((l[36] + l[39]) * 0.5f) - cv::Point(25, 12), cv::Size(50, 24));
  EXPECT_LT(cv::mean(out(lens))[1], 80) << "left lens";
  EXPECT_EQ(out.at<cv::Vec3b>(20, 20), cv::Vec3b(0, 0, 255)) << "top left stays at the top left";
  EXPECT_EQ(out.at<cv::Vec3b>(470, 630), cv::Vec3b(128, 128, 128)) << "background untouched";
  // The index labels are drawn beside the keypoints: some pixels near the chin differ from the grey.
  cv::Mat grey(h, w, CV_8UC3, cv::Scalar(128, 128, 128)), diff;
  cv::absdiff(out, grey, diff);
  const cv::Rect chin(cv::Point(l[8]) - cv::Point(30, 30), cv::Size(60, 60));
  EXPECT_GT(cv::countNonZero(diff(chin).reshape(1)), 50) << "keypoint labels near the chin";
}

// The command of the issue, without a display: the file plays and holds every frame rendered.
TEST(HeadlessEgl, RecordsTheDemoWithoutADisplay) {
  ASSERT_FALSE(hasDisplay());
  if (!std::filesystem::exists(kDemoVideoPath))
    GTEST_SKIP() << "missing " << kDemoVideoPath << " (opencv-doc)";
  const auto dir = test::freshTempDir("egl-demo");
  const auto out = dir / "out.mp4";
  const int frames = 48;
  const AppRun r =
      runApp("--headless --no-config --log-level info --input demo --filter sunglasses --model '" +
             std::string(FACEFILTER_TEST_APP_MODEL) + "' --max-frames " + std::to_string(frames) +
             " --record '" + out.string() + "'");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("through EGL")) << "the context came from EGL";
  cv::VideoCapture cap(out.string());
  ASSERT_TRUE(cap.isOpened()) << r.output;
  int n = 0;
  for (cv::Mat f; cap.read(f);) {
    EXPECT_EQ(f.cols, 720);
    ++n;
  }
  EXPECT_EQ(n, frames) << r.output;
  std::filesystem::remove_all(dir);
}

// glvnd finds no EGL driver (as where libegl-mesa0 is not installed) and there is no display: the run
// ends before it does anything, with one message naming what to install.
TEST(HeadlessEgl, WithoutEglOrADisplayOneMessageNamesThePackages) {
  ASSERT_FALSE(hasDisplay());
  const auto dir = test::freshTempDir("egl-none");
  const AppRun r = runApp("--headless --no-config --input demo --record '" + (dir / "out.mp4").string() + "'",
                          "__EGL_VENDOR_LIBRARY_FILENAMES=/nonexistent/egl_vendor.json ");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_EQ(linesContaining(r.output, "libegl-mesa0"), 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("install the Debian packages libegl1 and libegl-mesa0")) << r.output;
  EXPECT_THAT(r.output, HasSubstr("xvfb-run")) << r.output;
  EXPECT_THAT(r.output, Not(HasSubstr("frames rendered"))) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "out.mp4"));
  std::filesystem::remove_all(dir);
}

// Where a window is needed (the interactive app, or a headless run told to use one) the message stays
// GLFW's: no display, and how to get one.
TEST(HeadlessEgl, AWindowWithoutADisplayKeepsItsMessage) {
  ASSERT_FALSE(hasDisplay());
  const auto dir = test::freshTempDir("egl-window");
  for (const std::string& args : {std::string("--no-config --input demo --quit-after 1"),
                                  "--headless --gl-platform window --no-config --input demo --record '" +
                                      (dir / "out.mp4").string() + "'"}) {
    SCOPED_TRACE(args);
    const AppRun r = runApp(args);
    EXPECT_EQ(r.exitCode, 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr("DISPLAY=<unset>")) << r.output;
    EXPECT_THAT(r.output, HasSubstr("xvfb-run")) << r.output;
  }
  // Interactive with EGL is refused before anything starts.
  const AppRun r = runApp("--no-config --gl-platform egl --input demo");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--gl-platform egl needs --headless")) << r.output;
  std::filesystem::remove_all(dir);
}
