// The recorder when the encoder lags behind the render loop: push() never waits, the frames that do not fit
// the ring are dropped and counted, the count is reported at stop, and the file is still finalised and
// playable. The lag is a writer hook that blocks until the test releases it (no sleeps, no timing luck).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include <opencv2/videoio.hpp>

#include "media/recorder.hpp"
#include "test_support.hpp"

using namespace facefilter;

namespace {

cv::Mat solidBgra(cv::Size size, int i) {
  return cv::Mat(size, CV_8UC4, cv::Scalar((i * 37) % 256, (i * 91) % 256, 255 - (i * 53) % 256, 255));
}

// Frames 1/30 s apart on the recording's clock.
int64_t frameNs(int i) {
  return static_cast<int64_t>(i) * 1'000'000'000 / 30;
}

}  // namespace

TEST(RecorderLag, StalledEncoderDropsInsteadOfBlockingAndStillFinalises) {
  const test::TempDir tmp;
  const auto& dir = tmp.path();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  bool enteredOnce = false;

  RecorderParams p;
  p.path = dir / "lag.mp4";
  p.size = {160, 120};
  p.fps = 30;
  p.queueFrames = 3;
  p.policy = DropPolicy::kDropWhenFull;
  // The encoder stalls on its first frame until released: everything pushed meanwhile has to fit the ring.
  p.beforeEncode = [&](uint64_t written) {
    if (written == 0 && !enteredOnce) {
      enteredOnce = true;
      entered.set_value();
      released.wait();
    }
  };
  auto started = Recorder::start(p);
  ASSERT_TRUE(started) << started.error().message;
  Recorder& r = *started.value();

  ASSERT_TRUE(r.push(solidBgra(p.size, 0), frameNs(0)));
  // Once the writer holds frame 0 in the stalled encoder, the ring has room for exactly queueFrames more.
  ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);

  constexpr int kPushed = 60;
  int accepted = 1;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i < kPushed; ++i) accepted += r.push(solidBgra(p.size, i), frameNs(i)) ? 1 : 0;
  const double pushMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  // With the encoder stalled for good, a push that waited would never return: reaching this line is the
  // proof; the bound only guards against a push that waits on something else for a while.
  EXPECT_LT(pushMs, 2000.0) << "59 pushes onto a stalled encoder";
  EXPECT_EQ(accepted, 1 + static_cast<int>(p.queueFrames));
  EXPECT_EQ(r.framesDropped(), static_cast<uint64_t>(kPushed - accepted));
  EXPECT_EQ(r.framesWritten(), 0u) << "still stalled";

  release.set_value();
  const RecorderSummary s = r.stop();
  EXPECT_TRUE(s.error.empty()) << s.error;
  EXPECT_EQ(s.framesWritten, static_cast<uint64_t>(accepted));
  EXPECT_EQ(s.framesDropped, static_cast<uint64_t>(kPushed - accepted));
  EXPECT_NEAR(s.droppedShare(), static_cast<double>(kPushed - accepted) / kPushed, 1e-9);
  const std::string report = recordReport(s);
  EXPECT_NE(report.find(std::to_string(kPushed - accepted) + " dropped"), std::string::npos) << report;
  EXPECT_NE(report.find(std::to_string(accepted) + " frames written"), std::string::npos) << report;

  // Finalised and playable: every written frame decodes, in the order pushed (frames 0..3).
  cv::VideoCapture cap(s.path.string());
  ASSERT_TRUE(cap.isOpened());
  std::vector<cv::Mat> frames;
  for (cv::Mat f; cap.read(f);) frames.push_back(f.clone());
  ASSERT_EQ(frames.size(), s.framesWritten);
  for (size_t i = 0; i < frames.size(); ++i) {
    const cv::Scalar want = solidBgra(p.size, static_cast<int>(i)).at<cv::Vec4b>(0, 0);
    const cv::Scalar got = cv::mean(frames[i]);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(got[c], want[c], 12) << "frame " << i << " channel " << c;
  }
}

TEST(RecorderLag, SlowEncoderLosesFramesButNoPushWaits) {
  // The encoder takes a step for every frame it writes; the render side pushes 40 frames between two
  // steps. Whatever the interleaving, pushes return, counts add up and the file plays.
  const test::TempDir tmp;
  const auto& dir = tmp.path();
  std::mutex m;
  std::condition_variable stepped;
  int steps = 0;
  RecorderParams p;
  p.path = dir / "slow.mp4";
  p.size = {96, 64};
  p.queueFrames = 2;
  p.beforeEncode = [&](uint64_t written) {
    std::unique_lock lock(m);
    stepped.wait(lock, [&] { return steps > static_cast<int>(written); });
  };
  auto started = Recorder::start(p);
  ASSERT_TRUE(started) << started.error().message;
  Recorder& r = *started.value();
  int accepted = 0;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 40; ++i)
      accepted += r.push(solidBgra(p.size, round * 40 + i), frameNs(round * 40 + i)) ? 1 : 0;
    {
      std::lock_guard lock(m);
      ++steps;
    }
    stepped.notify_all();
  }
  {
    std::lock_guard lock(m);
    steps = 1 << 20;  // let the encoder drain what is queued
  }
  stepped.notify_all();
  const RecorderSummary s = r.stop();
  EXPECT_EQ(s.framesWritten, static_cast<uint64_t>(accepted));
  EXPECT_EQ(s.framesWritten + s.framesDropped, 200u);
  EXPECT_GT(s.framesDropped, 100u) << "a ring of 2 cannot hold 40 frames a step";
  cv::VideoCapture cap(s.path.string());
  ASSERT_TRUE(cap.isOpened());
  int n = 0;
  for (cv::Mat f; cap.read(f);) ++n;
  EXPECT_EQ(n, static_cast<int>(s.framesWritten));
}
