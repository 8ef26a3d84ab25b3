// The render loop's stats file (--stats-json): quantiles, counts and the JSON a benchmark reads.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

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
  s.addDrawn(1, 2);  // two renders of the scene: one face with two 3D models, then three faces with four
  s.addDrawn(3, 4);
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
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(j.is_object()) << "not a JSON object";
  EXPECT_EQ(j.at("mode"), "interactive");
  EXPECT_EQ(j.at("frames_rendered"), 100);
  EXPECT_NEAR(j.at("wall_seconds").get<double>(), 2.0, 1e-9);
  EXPECT_NEAR(j.at("render_fps").get<double>(), 50.0, 1e-9);
  EXPECT_NEAR(j.at("render_ms").at("median").get<double>(), 50.5, 1e-3);
  EXPECT_NEAR(j.at("render_ms").at("p95").get<double>(), 95.05, 1e-3);
  EXPECT_NEAR(j.at("render_ms").at("p99").get<double>(), 99.01, 1e-3);
  EXPECT_NEAR(j.at("result_age_ms").at("median").get<double>(), 40.0, 1e-3);
  EXPECT_EQ(j.at("result_age_ms").at("frames_with_result"), 50);
  EXPECT_EQ(j.at("recorder").at("frames_written"), 100);
  EXPECT_EQ(j.at("recorder").at("frames_dropped"), 4);
  EXPECT_EQ(j.at("scene").at("renders"), 2);
  EXPECT_NEAR(j.at("scene").at("faces_per_render").get<double>(), 2.0, 1e-9);
  EXPECT_NEAR(j.at("scene").at("models_per_render").get<double>(), 3.0, 1e-9);
  EXPECT_EQ(j.at("window").at("width"), 1280);
  EXPECT_EQ(j.at("window").at("height"), 720);
  EXPECT_EQ(j.at("window").at("swap_interval"), 0);
  std::filesystem::remove_all(dir);
}

TEST(RenderLoopStats, EmptyRunWritesZeros) {
  RenderLoopStats s;
  EXPECT_DOUBLE_EQ(s.fps(), 0.0);
  EXPECT_DOUBLE_EQ(s.frameMsQuantile(0.99), 0.0);
  EXPECT_NE(s.json().find("\"frames_rendered\":0"), std::string::npos) << s.json();
}
