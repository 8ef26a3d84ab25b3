#pragma once
// The GL tests' fixture: one hidden window (GL 3.3 core + ImGui) per test suite under Xvfb, an ImGui frame
// around each test, and helpers to read the scene target back. Tests skip when there is no DISPLAY.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include <imgui.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "app/gl/shader_program.hpp"
#include "app/platform/app_window.hpp"
#include "app/render/filter_library.hpp"
#include "app/render/scene_renderer.hpp"
#include "test_support.hpp"

namespace facefilter::test {

class GlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* display = std::getenv("DISPLAY");
    if (display == nullptr || *display == '\0') return;
    WindowParams p;
    p.visibility = WindowVisibility::kHidden;
    p.width = 800;
    p.height = 600;
    auto w = AppWindow::create(p);
    if (!w) {
      failure_ = w.error().message;
      return;
    }
    window_ = std::move(w).value().release();
    window_->beginImGuiFrame();
    ImGui::EndFrame();
  }
  static void TearDownTestSuite() {
    delete window_;
    window_ = nullptr;
  }
  void SetUp() override {
    if (window_ == nullptr && failure_.empty()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
    ASSERT_TRUE(failure_.empty()) << failure_;
    window_->beginImGuiFrame();
  }
  void TearDown() override {
    if (window_ != nullptr) ImGui::EndFrame();
  }

  static cv::Mat readTarget(const gl::RenderTarget& t) {
    cv::Mat bgra(t.height(), t.width(), CV_8UC4);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, t.framebuffer());
    glReadPixels(0, 0, t.width(), t.height(), GL_BGRA, GL_UNSIGNED_BYTE, bgra.data);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
    cv::Mat flipped, bgr;
    cv::flip(bgra, flipped, 0);
    cv::cvtColor(flipped, bgr, cv::COLOR_BGRA2BGR);
    return bgr;
  }
  static void save(const std::string& name, const cv::Mat& img) {
    const auto path = std::filesystem::temp_directory_path() / ("facefilter-gl-" + name + ".png");
    cv::imwrite(path.string(), img);
  }
  static FramePtr makeFrame(cv::Mat image, uint64_t id = 1) {
    auto f = std::make_shared<Frame>();
    f->id = id;
    f->image = std::move(image);
    return f;
  }
  static FrameResult resultWithFace(const Landmarks& l, int w, int h) {
    FrameResult r;
    r.frameId = 1;
    r.frameWidth = w;
    r.frameHeight = h;
    FaceResult face;
    face.trackId = 7;
    face.confidence = 1.0f;
    face.keypoints = l;
    face.rawKeypoints = l;
    face.box = cv::boundingRect(std::vector<cv::Point2f>(l.begin(), l.end()));
    face.pose = estimateHeadPose(l, cv::Size(w, h));  // as the engine solves it (unsmoothed: one frame)
    r.faces.push_back(face);
    return r;
  }
  static SceneRenderer makeScene() {
    auto dir = gl::findShaderDir();
    EXPECT_TRUE(dir) << dir.error().message;
    auto s = SceneRenderer::create(dir.value());
    EXPECT_TRUE(s) << s.error().message;
    return std::move(s).value();
  }

  static inline AppWindow* window_ = nullptr;
  static inline std::string failure_;
};

}  // namespace facefilter::test
