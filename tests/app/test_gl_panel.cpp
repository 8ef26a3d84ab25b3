// GL tests of the whole interactive app in-process (a real window under Xvfb): when the source the user
// asked for cannot be opened, or a file ends, the control panel says so and the render loop keeps going.
// The text is read from the panel's own record of what it drew in its last frame.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "app/app_session.hpp"
#include "test_support.hpp"

using namespace facefilter;

namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

AppOptions interactiveOptions(const std::string& source, const std::filesystem::path& dir) {
  AppOptions o;
  o.mode = RunMode::kInteractive;
  o.vsync = VSync::kOff;
  o.config.source = source;
  o.config.modelPath = FACEFILTER_TEST_APP_MODEL;
  o.config.device = "cpu";
  o.config.windowWidth = 800;
  o.config.windowHeight = 600;
  o.presetDir = dir / "presets";
  o.quitAfterFrames = 3000;  // a bound in case the awaited state never comes; the tests close long before
  return o;
}

// What the test saw while the app ran: the first frame whose panel showed `state`, and how the app went on.
struct Watch {
  explicit Watch(SourceState awaited) : state(awaited) {}
  SourceState state;
  uint64_t videoFramesAfter = 0;  // also wait until the video has advanced this many frames
  uint64_t seenAtFrame = 0;
  uint64_t lastFrame = 0;
  std::string messages;
  std::string sourceMessage;
  uint64_t panelFrames = 0;
  uint64_t firstVideoId = 0, lastVideoId = 0;
};

void watchFor(AppOptions& o, Watch& w, uint64_t framesAfter) {
  o.afterFrame = [&w, framesAfter](AppSession& s) {
    const PanelState& p = s.panel().lastState();
    w.lastFrame = s.framesShown();
    w.panelFrames = p.framesDrawn;
    const uint64_t id = s.shownFrame() ? s.shownFrame()->id : 0;
    if (w.seenAtFrame == 0 && p.source.state == w.state) {
      w.seenAtFrame = s.framesShown();
      w.messages = joined(p.messages);
      w.sourceMessage = p.source.message;
      w.firstVideoId = id;
    }
    if (w.seenAtFrame > 0) {
      w.lastVideoId = id;
      if (s.framesShown() >= w.seenAtFrame + framesAfter && id >= w.firstVideoId + w.videoFramesAfter)
        s.requestClose();
    }
  };
}

bool haveDisplay() {
  const char* display = std::getenv("DISPLAY");
  return display != nullptr && *display != '\0';
}

}  // namespace

TEST(PanelGl, CameraThatDoesNotExistIsReportedAndTheDemoRunsOn) {
  if (!haveDisplay()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  if (std::filesystem::exists("/dev/video63")) GTEST_SKIP() << "/dev/video63 exists here";
  const auto dir = test::freshTempDir("panel-camera");
  AppOptions o = interactiveOptions("camera:63", dir);
  Watch w(SourceState::kNotOpened);
  w.videoFramesAfter = 5;
  watchFor(o, w, 60);
  auto session = AppSession::create(std::move(o));
  ASSERT_TRUE(session) << session.error().message;
  const int rc = session.value()->run();

  EXPECT_EQ(rc, 0);
  ASSERT_GT(w.seenAtFrame, 0u) << "the panel never showed the source as not opened";
  EXPECT_EQ(w.seenAtFrame, 1u) << "shown from the first frame";
  EXPECT_NE(w.sourceMessage.find("camera 63"), std::string::npos) << w.sourceMessage;
  EXPECT_NE(w.sourceMessage.find("no camera at /dev/video63, it does not exist"), std::string::npos)
      << w.sourceMessage;
  EXPECT_NE(w.sourceMessage.find("showing the demo video instead"), std::string::npos) << w.sourceMessage;
  EXPECT_NE(w.messages.find(w.sourceMessage), std::string::npos) << "drawn in the panel:\n" << w.messages;
  // The app kept running: 60 more frames rendered with the panel drawn, and the demo's video advanced.
  EXPECT_GE(w.lastFrame, w.seenAtFrame + 60);
  EXPECT_EQ(w.panelFrames, w.lastFrame);
  EXPECT_GE(w.lastVideoId, w.firstVideoId + 5) << "the fallback video plays";
  // The settings keep the camera the user asked for.
  EXPECT_EQ(session.value()->config().source, "camera:63");
  std::filesystem::remove_all(dir);
}

TEST(PanelGl, FileThatEndsIsReportedAndTheLoopGoesOn) {
  if (!haveDisplay()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  const auto dir = test::freshTempDir("panel-ended");
  const auto clip = dir / "short.avi";
  {
    cv::VideoWriter vw(clip.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 30, cv::Size(160, 120));
    ASSERT_TRUE(vw.isOpened());
    for (int i = 0; i < 6; ++i) {
      cv::Mat f(120, 160, CV_8UC3, cv::Scalar(30, 30, 30));
      cv::circle(f, {20 + i * 20, 60}, 10, {0, 200, 255}, -1);
      vw.write(f);
    }
  }
  AppOptions o = interactiveOptions("video:" + clip.string(), dir);
  Watch w(SourceState::kEnded);
  watchFor(o, w, 30);
  auto session = AppSession::create(std::move(o));
  ASSERT_TRUE(session) << session.error().message;
  const int rc = session.value()->run();

  EXPECT_EQ(rc, 0);
  ASSERT_GT(w.seenAtFrame, 0u) << "the panel never showed the file as ended";
  EXPECT_NE(w.sourceMessage.find("Source ended"), std::string::npos) << w.sourceMessage;
  EXPECT_NE(w.sourceMessage.find(clip.string()), std::string::npos) << w.sourceMessage;
  EXPECT_NE(w.messages.find(w.sourceMessage), std::string::npos) << "drawn in the panel:\n" << w.messages;
  EXPECT_GE(w.lastFrame, w.seenAtFrame + 30) << "the loop went on after the end";
  EXPECT_EQ(w.lastVideoId, 5u) << "the last frame stays on screen";
  std::filesystem::remove_all(dir);
}

TEST(PanelGl, PresetsAndResetsReachTheRunningSession) {
  if (!haveDisplay()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  const auto dir = test::freshTempDir("panel-presets");
  auto session = AppSession::create(interactiveOptions("demo", dir));
  ASSERT_TRUE(session) << session.error().message;
  AppSession& s = *session.value();
  // What the panel's widgets change: the filter checkboxes edit the assignment, the sliders the config.
  s.assignment().all = {"hat", "moustache"};
  s.config().detector.minNeighbors = 11;
  s.config().tracker.oneEuro.beta = 0.6;
  ASSERT_TRUE(s.savePreset("evening"));
  EXPECT_TRUE(std::filesystem::exists(dir / "presets" / "evening.json"));

  s.resetSection(SettingsSection::kFilters);
  EXPECT_EQ(s.assignment().all, splitFilterList(ViewSettings{}.filters)) << "the checkboxes follow a reset";
  s.resetSection(SettingsSection::kDetector);
  EXPECT_EQ(s.config().detector.minNeighbors, DetectorParams{}.minNeighbors);
  EXPECT_DOUBLE_EQ(s.config().tracker.oneEuro.beta, 0.6) << "resetting the detector leaves smoothing alone";
  EXPECT_EQ(s.detectorInUse().minNeighbors, DetectorParams{}.minNeighbors) << "the engine got the reset";

  auto loaded = s.loadPreset("evening");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(s.assignment().all, (std::vector<std::string>{"hat", "moustache"}));
  EXPECT_EQ(s.config().detector.minNeighbors, 11);
  EXPECT_EQ(s.detectorInUse().minNeighbors, 11);

  // A corrupt preset changes nothing in the session.
  {
    std::ofstream bad(dir / "presets" / "broken.json");
    bad << "{\"min_neighbors\": 3, \"filters\": ";
  }
  s.assignment().all = {"tiger_mask"};
  const std::string before = serializeConfig(s.config());
  auto failed = s.loadPreset("broken");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("nothing was changed"), std::string::npos) << failed.error().message;
  EXPECT_EQ(serializeConfig(s.config()), before);
  EXPECT_EQ(s.assignment().all, std::vector<std::string>{"tiger_mask"});
  EXPECT_FALSE(s.savePreset("../outside"));
  EXPECT_FALSE(std::filesystem::exists(dir / "outside.json"));
  std::filesystem::remove_all(dir);
}

TEST(PanelGl, InteractiveRecordingHoldsOneFramePerVideoFrame) {
  // The render loop runs faster than the video; a recording must still play at the video's pace, so a
  // frame is recorded only when a new video frame is shown, not on every pass of the loop.
  if (!haveDisplay()) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  const auto dir = test::freshTempDir("panel-record");
  const auto clip = dir / "clip.avi";
  constexpr int kFrames = 24;
  {
    cv::VideoWriter vw(clip.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 30, cv::Size(160, 120));
    ASSERT_TRUE(vw.isOpened());
    for (int i = 0; i < kFrames; ++i)
      vw.write(cv::Mat(120, 160, CV_8UC3, cv::Scalar(10 * i, 40, 200 - 5 * i)));
  }
  AppOptions o = interactiveOptions("video:" + clip.string(), dir);
  o.recordPath = (dir / "out.mp4").string();
  Watch w(SourceState::kEnded);
  watchFor(o, w, 30);
  auto session = AppSession::create(std::move(o));
  ASSERT_TRUE(session) << session.error().message;
  ASSERT_EQ(session.value()->run(), 0);
  ASSERT_GT(w.seenAtFrame, 0u);
  const std::string report = session.value()->recording().lastReport();
  cv::VideoCapture cap((dir / "out.mp4").string());
  ASSERT_TRUE(cap.isOpened()) << report;
  int n = 0;
  for (cv::Mat f; cap.read(f);) ++n;
  EXPECT_GT(w.lastFrame, static_cast<uint64_t>(2 * kFrames)) << "the loop ran faster than the video";
  EXPECT_LE(n, kFrames) << report;
  EXPECT_GE(n, kFrames / 2) << "live delivery may skip a frame, not most of them; " << report;
  std::filesystem::remove_all(dir);
}
