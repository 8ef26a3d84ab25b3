// The settings file: round trip, range checks naming the bad value, atomic save, XDG location.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "settings/app_config.hpp"
#include "test_support.hpp"

using namespace facefilter;

TEST(AppConfig, RoundTrip) {
  AppConfig c;
  c.source = "video:/tmp/a \"quoted\".mp4";
  c.detector.scaleFactor = 1.2;
  c.detector.minNeighbors = 7;
  c.tracker.detectIntervalFrames = 30;
  c.tracker.oneEuro.beta = 0.25;
  c.view.filters = "hat,moustache";
  c.view.debug.indices = true;
  c.view.holdVideoFrames = 3;
  c.record.fps = 25;
  auto parsed = parseConfig(serializeConfig(c), "mem");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->warnings.empty());
  const AppConfig& r = parsed->config;
  EXPECT_EQ(r.source, c.source);
  EXPECT_DOUBLE_EQ(r.detector.scaleFactor, 1.2);
  EXPECT_EQ(r.detector.minNeighbors, 7);
  EXPECT_EQ(r.tracker.detectIntervalFrames, 30);
  EXPECT_DOUBLE_EQ(r.tracker.oneEuro.beta, 0.25);
  EXPECT_EQ(r.view.filters, "hat,moustache");
  EXPECT_TRUE(r.view.debug.indices);
  EXPECT_EQ(r.view.holdVideoFrames, 3);
  EXPECT_DOUBLE_EQ(r.record.fps, 25);
}

TEST(AppConfig, BadValuesAreNamedAndReplacedByDefaults) {
  auto parsed = parseConfig(R"({"scale_factor": 7.5, "min_neighbors": "many", "detect_interval": 20,
                                "device": "tpu", "hold_video_frames": -2, "debug_points": 3})",
                            "cfg.json");
  ASSERT_TRUE(parsed);
  const AppConfig defaults;
  EXPECT_DOUBLE_EQ(parsed->config.detector.scaleFactor, defaults.detector.scaleFactor);
  EXPECT_EQ(parsed->config.detector.minNeighbors, defaults.detector.minNeighbors);
  EXPECT_EQ(parsed->config.tracker.detectIntervalFrames, 20);  // the good value is kept
  EXPECT_EQ(parsed->config.device, "auto");
  EXPECT_EQ(parsed->config.view.holdVideoFrames, 0);
  std::string all;
  for (const auto& w : parsed->warnings) all += w + "\n";
  for (const char* key : {"scale_factor", "min_neighbors", "device", "hold_video_frames", "debug_points"}) {
    EXPECT_NE(all.find(key), std::string::npos) << key << " not named in:\n" << all;
  }
  EXPECT_FALSE(parseConfig("[1, 2]", "x"));
}

TEST(AppConfig, SaveWritesAtomicallyAndLoads) {
  const auto dir = test::freshTempDir("config");
  const auto path = dir / "sub" / "config.json";
  AppConfig c;
  c.view.filters = "tiger_mask";
  ASSERT_TRUE(saveConfig(path, c));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  auto loaded = loadConfig(path);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->config.view.filters, "tiger_mask");
  // A missing file is the defaults, silently.
  auto missing = loadConfig(dir / "none.json");
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->warnings.empty());
  std::filesystem::remove_all(dir);
}

TEST(AppConfig, FollowsXdgConfigHome) {
  const char* old = std::getenv("XDG_CONFIG_HOME");
  const std::string saved = old ? old : "";
  setenv("XDG_CONFIG_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(defaultConfigPath(), std::filesystem::path("/tmp/xdg-test/facefilter/config.json"));
  if (old)
    setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  else
    unsetenv("XDG_CONFIG_HOME");
}
