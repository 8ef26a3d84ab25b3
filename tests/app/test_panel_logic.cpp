// The panel's headless logic: the per-stage plot over a time window (injected time stamps, no sleeps) and
// the source status line.
#include <gtest/gtest.h>

#include "app/ui/source_status.hpp"
#include "app/ui/stage_history.hpp"

using namespace facefilter;

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000 * kMs;

StageSample sample(int64_t timeNs, float totalMs, float detectMs = 0) {
  StageSample s;
  s.timeNs = timeNs;
  s.detectMs = detectMs;
  s.keypointsMs = totalMs / 2;
  s.trackMs = 0.1f;
  s.totalMs = totalMs;
  return s;
}

}  // namespace

TEST(StageHistory, KeepsTheLastSecondsWhateverTheRate) {
  StageHistory h(5 * kSecond);
  // 60 results a second for 10 s: only the last 5 s stay (301 samples: both ends of the window).
  for (int i = 0; i <= 600; ++i) h.add(sample(100 * kSecond + i * kSecond / 60, 10));
  EXPECT_EQ(h.samples().size(), 301u);
  EXPECT_EQ(h.samples().front().timeNs, 105 * kSecond);
  // 2 results a second for 10 s: also 5 s, not a fixed count.
  StageHistory slow(5 * kSecond);
  for (int i = 0; i <= 20; ++i) slow.add(sample(i * kSecond / 2, 10));
  EXPECT_EQ(slow.samples().size(), 11u);
  EXPECT_EQ(slow.samples().front().timeNs, 5 * kSecond);
  // Time passing without results empties the window.
  slow.trim(12 * kSecond);
  EXPECT_EQ(slow.samples().size(), 7u);  // 7.0, 7.5, ... 10.0 s
  slow.trim(20 * kSecond);
  EXPECT_TRUE(slow.samples().empty());
}

TEST(StageHistory, SeriesBinsByTimeWithSpikesKeptAndGapsHeld) {
  StageHistory h(5 * kSecond);
  const int64_t now = 50 * kSecond;
  const int64_t start = now - 5 * kSecond;
  // 10 bins of 500 ms. Results only in the second half of the window.
  h.add(sample(start + 2600 * kMs, 20));      // bin 5
  h.add(sample(start + 2700 * kMs, 80, 30));  // bin 5: a spike, kept as the bin's value
  h.add(sample(start + 2800 * kMs, 25));      // bin 5
  h.add(sample(start + 4100 * kMs, 12));      // bin 8
  const StageSeries s = h.series(now, 10);
  ASSERT_EQ(s.totalMs.size(), 10u);
  EXPECT_EQ(s.samples, 4u);
  EXPECT_FLOAT_EQ(s.maxMs, 80);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(s.totalMs[static_cast<size_t>(i)], 0) << "before the first result: " << i;
  EXPECT_FLOAT_EQ(s.totalMs[5], 80);
  EXPECT_FLOAT_EQ(s.detectMs[5], 30);
  EXPECT_FLOAT_EQ(s.keypointsMs[5], 40);
  EXPECT_FLOAT_EQ(s.totalMs[6], 80) << "no result: the last value holds";
  EXPECT_FLOAT_EQ(s.totalMs[7], 80);
  EXPECT_FLOAT_EQ(s.totalMs[8], 12);
  EXPECT_FLOAT_EQ(s.totalMs[9], 12);
  // Later, the spike has scrolled out of the window.
  const StageSeries later = h.series(now + 2900 * kMs, 10);
  EXPECT_EQ(later.samples, 1u);
  EXPECT_FLOAT_EQ(later.maxMs, 12);
  EXPECT_FLOAT_EQ(later.totalMs.back(), 12);
}

TEST(StageHistory, OutOfOrderSamplesAreDropped) {
  StageHistory h(5 * kSecond);
  h.add(sample(10 * kSecond, 5));
  h.add(sample(9 * kSecond, 50));
  ASSERT_EQ(h.samples().size(), 1u);
  EXPECT_FLOAT_EQ(h.samples().front().totalMs, 5);
  EXPECT_TRUE(h.series(10 * kSecond, 0).totalMs.empty());
}

TEST(SourceStatus, SaysWhatHappenedToTheSource) {
  EngineStats st;
  st.source = "video:/tmp/a.mp4 (320x240)";
  EXPECT_EQ(sourceStatus(st, "", "").state, SourceState::kOk);
  EXPECT_TRUE(sourceStatus(st, "", "").message.empty());

  EngineStats lost = st;
  lost.capture.sourceLost = true;
  lost.capture.lastError = "camera 0: no frame (unplugged or taken by another program)";
  lost.capture.reconnects = 2;
  const SourceStatus l = sourceStatus(lost, "", "");
  EXPECT_EQ(l.state, SourceState::kLost);
  EXPECT_NE(l.message.find("Camera lost"), std::string::npos);
  EXPECT_NE(l.message.find("unplugged"), std::string::npos);
  EXPECT_NE(l.message.find("retrying"), std::string::npos);

  EngineStats ended = st;
  ended.sourceEnded = true;
  const SourceStatus e = sourceStatus(ended, "", "");
  EXPECT_EQ(e.state, SourceState::kEnded);
  EXPECT_NE(e.message.find("/tmp/a.mp4"), std::string::npos);

  EngineStats failed = st;
  failed.capture.failed = true;
  failed.capture.ended = true;
  failed.capture.lastError = "video: cannot reopen";
  EXPECT_EQ(sourceStatus(failed, "", "").state, SourceState::kFailed);

  const SourceStatus n =
      sourceStatus(st, "camera 7: no camera (/dev/video7 does not exist)", "the demo video");
  EXPECT_EQ(n.state, SourceState::kNotOpened);
  EXPECT_NE(n.message.find("/dev/video7"), std::string::npos);
  EXPECT_NE(n.message.find("showing the demo video instead"), std::string::npos);
}
