// The app's virtual camera in-process (a real window under Xvfb): with the panel shown, what the camera
// receives is the scene (a known picture, letterboxed into the camera's size), never the panel; a device that
// cannot be opened is reported in the panel while the app goes on.
#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "app/app_session.hpp"
#include "test_support.hpp"

using namespace facefilter;

namespace {

bool haveDisplay() {
  const char* display = std::getenv("DISPLAY");
  return display != nullptr && *display != '\0';
}

// Keeps what the virtual camera wrote (as a device would), for the test thread to read.
class CaptureSink final : public FrameSink {
 public:
  struct Shared {
    std::mutex mutex;
    std::vector<uint8_t> last;
    int writes = 0;
    VcamFrameFormat format;
  };
  CaptureSink(std::shared_ptr<Shared> shared, VcamFrameFormat f) : shared_(std::move(shared)), format_(f) {
    shared_->format = f;
  }
  VcamFrameFormat format() const override { return format_; }
  std::string description() const override { return "test sink"; }
  Status write(const uint8_t* data, size_t bytes) override {
    std::lock_guard lock(shared_->mutex);
    shared_->last.assign(data, data + bytes);
    ++shared_->writes;
    return Ok{};
  }

 private:
  std::shared_ptr<Shared> shared_;
  VcamFrameFormat format_;
};

AppOptions options(const std::string& source, const std::filesystem::path& dir) {
  AppOptions o;
  o.mode = RunMode::kInteractive;
  o.vsync = VSync::kOff;
  o.config.source = source;
  o.config.modelPath = FACEFILTER_TEST_APP_MODEL;
  o.config.device = "cpu";
  o.config.view.filters = "";
  o.config.view.showPanel = true;
  o.config.windowWidth = 800;
  o.config.windowHeight = 600;
  o.presetDir = dir / "presets";
  o.quitAfterFrames = 2000;  // a bound; the tests close long before
  return o;
}

// A 640x360 picture of four coloured quadrants (2-pixel aligned, so chroma pairs never mix two colours).
cv::Mat quadrants() {
  cv::Mat m(360, 640, CV_8UC3);
  m(cv::Rect(0, 0, 320, 180)).setTo(cv::Scalar(40, 200, 40));
  m(cv::Rect(320, 0, 320, 180)).setTo(cv::Scalar(200, 40, 40));
  m(cv::Rect(0, 180, 320, 180)).setTo(cv::Scalar(40, 40, 200));
  m(cv::Rect(320, 180, 320, 180)).setTo(cv::Scalar(220, 220, 220));
  return m;
}

}  // namespace

TEST(VirtualCameraGl, TheCameraReceivesTheSceneWithoutThePanel) {
  if (!haveDisplay()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  const auto dir = test::freshTempDir("vcam-scene");
  const auto image = dir / "quadrants.png";
  ASSERT_TRUE(cv::imwrite(image.string(), quadrants()));
  auto shared = std::make_shared<CaptureSink::Shared>();
  AppOptions o = options("image:" + image.string(), dir);
  o.config.virtualCamera = {"auto", "640x480", 30};
  std::string askedDevice;
  o.virtualCameraSink = [shared, &askedDevice](
                            const std::string& device,
                            const VcamRequest& request) -> Result<std::unique_ptr<FrameSink>> {
    askedDevice = device;
    return std::unique_ptr<FrameSink>(std::make_unique<CaptureSink>(shared, request.format));
  };
  std::string status;
  o.afterFrame = [shared, &status](AppSession& s) {
    std::lock_guard lock(shared->mutex);
    if (shared->writes >= 10) {
      status = s.virtualCamera().statusLine();
      s.requestClose();
    }
  };
  auto session = AppSession::create(std::move(o));
  ASSERT_TRUE(session) << session.error().message;
  session.value()->run();

  std::filesystem::remove_all(dir);
  std::lock_guard lock(shared->mutex);
  ASSERT_GE(shared->writes, 10) << "the camera never received 10 frames";
  EXPECT_EQ(askedDevice, "auto");
  EXPECT_EQ(shared->format, (VcamFrameFormat{VcamPixelFormat::kYuyv, 640, 480}));
  EXPECT_NE(status.find("test sink"), std::string::npos) << status;
  ASSERT_EQ(shared->last.size(), 640u * 480u * 2u);
  cv::Mat got;
  cv::cvtColor(cv::Mat(480, 640, CV_8UC2, shared->last.data()), got, cv::COLOR_YUV2BGR_YUYV);
  // 16:9 in 4:3: 60 black rows above and below, the picture between, the right way up.
  cv::Mat expected(480, 640, CV_8UC3, cv::Scalar(0, 0, 0));
  quadrants().copyTo(expected(cv::Rect(0, 60, 640, 360)));
  cv::Mat diff;
  cv::absdiff(got, expected, diff);
  const cv::Scalar meanDiff = cv::mean(diff);
  EXPECT_LT(meanDiff[0] + meanDiff[1] + meanDiff[2], 6.0) << "the camera's picture is not the scene";
  // Where the panel is drawn in the window (its top-left corner), the camera has the scene's colour.
  const cv::Vec3b corner = got.at<cv::Vec3b>(60 + 40, 40);
  EXPECT_NEAR(corner[0], 40, 4);
  EXPECT_NEAR(corner[1], 200, 4);
  EXPECT_NEAR(corner[2], 40, 4);
  EXPECT_LE(got.at<cv::Vec3b>(10, 320)[1], 2) << "the letterbox is black";
}

TEST(VirtualCameraGl, ADeviceThatCannotBeOpenedIsReportedAndTheAppGoesOn) {
  if (!haveDisplay()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  const auto dir = test::freshTempDir("vcam-busy");
  AppOptions o = options("demo", dir);
  o.config.virtualCamera = {"/dev/video63", "1280x720", 30};
  int opens = 0;
  o.virtualCameraSink = [&opens](const std::string& device,
                                 const VcamRequest&) -> Result<std::unique_ptr<FrameSink>> {
    ++opens;
    return makeError("virtual camera: " + device +
                     " is busy: another program is already sending video to it");
  };
  std::string messages;
  uint64_t framesAfter = 0;
  o.afterFrame = [&](AppSession& s) {
    for (const auto& m : s.panel().lastState().messages)
      if (m.find("virtual camera") != std::string::npos) messages = m;
    if (!messages.empty() && ++framesAfter >= 30) s.requestClose();
  };
  auto session = AppSession::create(std::move(o));
  ASSERT_TRUE(session) << session.error().message;
  EXPECT_EQ(session.value()->run(), 0);
  std::filesystem::remove_all(dir);
  EXPECT_NE(messages.find("/dev/video63 is busy"), std::string::npos) << messages;
  EXPECT_GE(framesAfter, 30u) << "the app kept rendering";
  EXPECT_EQ(opens, 1) << "a failed start is not retried every frame";
}
