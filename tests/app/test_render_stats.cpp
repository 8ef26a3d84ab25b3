// The render loop's stats file (--stats-json): quantiles, counts and the JSON a benchmark reads.
#include <gtest/gtest.h>

#include <fstream>

#include <opencv2/core/persistence.hpp>

#include "app/stats/render_loop_stats.hpp"
#include "test_support.hpp"

using namespace facefilter;

TEST(RenderLoopStats, QuantilesAndJsonForABenchmark) {
  RenderLoopStats s;
  s.setMode("interactive");
  // 100 frames: 1..100 ms; results on every other frame, 40 ms old.
  for (int i = 1; i <= 100; ++i) s.addFrame(i, i % 2 == 0 ? 40.0 : -1.0);
  s.setWallSeconds(2.0);
  s.addRecording(90, 3);
  s.addRecording(10, 1);
  s.setWindow(1280, 720, 1280, 720);
  s.setSwapInterval(0);
  EXPECT_EQ(s.frames(), 100u);
  EXPECT_DOUBLE_EQ(s.fps(), 50.0);
  EXPECT_NEAR(s.frameMsQuantile(0.5), 50.5, 1e-6);
  EXPECT_NEAR(s.frameMsQuantile(0.95), 95.05, 1e-6);
  EXPECT_NEAR(s.frameMsQuantile(0.99), 99.01, 1e-6);
  EXPECT_NEAR(s.resultAgeMsQuantile(0.5), 40.0, 1e-6);

  const auto dir = test::freshTempDir("render-stats");
  const auto path = dir / "out" / "stats.json";
  ASSERT_TRUE(s.write(path));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  cv::FileStorage fs(path.string(), cv::FileStorage::READ | cv::FileStorage::FORMAT_JSON);
  ASSERT_TRUE(fs.isOpened());
  EXPECT_EQ(static_cast<std::string>(fs["mode"]), "interactive");
  EXPECT_EQ(static_cast<int>(fs["frames_rendered"]), 100);
  EXPECT_NEAR(static_cast<double>(fs["wall_seconds"]), 2.0, 1e-9);
  EXPECT_NEAR(static_cast<double>(fs["render_fps"]), 50.0, 1e-9);
  EXPECT_NEAR(static_cast<double>(fs["render_ms"]["median"]), 50.5, 1e-3);
  EXPECT_NEAR(static_cast<double>(fs["render_ms"]["p95"]), 95.05, 1e-3);
  EXPECT_NEAR(static_cast<double>(fs["render_ms"]["p99"]), 99.01, 1e-3);
  EXPECT_NEAR(static_cast<double>(fs["result_age_ms"]["median"]), 40.0, 1e-3);
  EXPECT_EQ(static_cast<int>(fs["result_age_ms"]["frames_with_result"]), 50);
  EXPECT_EQ(static_cast<int>(fs["recorder"]["frames_written"]), 100);
  EXPECT_EQ(static_cast<int>(fs["recorder"]["frames_dropped"]), 4);
  EXPECT_EQ(static_cast<int>(fs["window"]["width"]), 1280);
  EXPECT_EQ(static_cast<int>(fs["window"]["height"]), 720);
  EXPECT_EQ(static_cast<int>(fs["window"]["swap_interval"]), 0);
  std::filesystem::remove_all(dir);
}

TEST(RenderLoopStats, EmptyRunWritesZeros) {
  RenderLoopStats s;
  EXPECT_DOUBLE_EQ(s.fps(), 0.0);
  EXPECT_DOUBLE_EQ(s.frameMsQuantile(0.99), 0.0);
  EXPECT_NE(s.json().find("\"frames_rendered\":0"), std::string::npos) << s.json();
}
