// Presets: named settings files saved and loaded from the panel; per-section reset to defaults.
#include <gtest/gtest.h>

#include <fstream>

#include "settings/presets.hpp"
#include "test_support.hpp"

using namespace facefilter;

namespace {

AppConfig tunedConfig() {
  AppConfig c;
  c.source = "camera:1";
  c.modelPath = "/models/other.pt";
  c.windowWidth = 1000;
  c.detector.scaleFactor = 1.25;
  c.detector.minNeighbors = 9;
  c.tracker.detectIntervalFrames = 40;
  c.tracker.smoothing = Smoothing::kOff;
  c.tracker.oneEuro.beta = 0.5;
  c.view.filters = "hat,moustache";
  c.view.headPose = false;
  c.view.debug.points = true;
  c.view.debug.rawVsSmoothed = true;
  c.view.sync = VideoSync::kNewestFrame;
  c.view.holdVideoFrames = 4;
  c.record.fps = 24;
  c.record.queueFrames = 16;
  c.record.outputDir = "/tmp/recordings";
  return c;
}

void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace

TEST(Presets, SaveThenLoadRestoresThePresetSectionsOnly) {
  const auto dir = test::freshTempDir("presets-roundtrip");
  PresetStore store(dir / "presets");
  ASSERT_TRUE(store.save("tuned for talks", tunedConfig()));
  EXPECT_TRUE(std::filesystem::exists(dir / "presets" / "tuned for talks.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / "presets" / "tuned for talks.json.tmp"));

  AppConfig current;  // defaults, with a session of its own
  current.source = "demo";
  current.windowWidth = 1600;
  auto warnings = store.applyTo("tuned for talks", current);
  ASSERT_TRUE(warnings) << warnings.error().message;
  EXPECT_TRUE(warnings->empty());
  const AppConfig t = tunedConfig();
  EXPECT_DOUBLE_EQ(current.detector.scaleFactor, 1.25);
  EXPECT_EQ(current.detector.minNeighbors, 9);
  EXPECT_EQ(current.tracker.detectIntervalFrames, 40);
  EXPECT_EQ(current.tracker.smoothing, Smoothing::kOff);
  EXPECT_DOUBLE_EQ(current.tracker.oneEuro.beta, 0.5);
  EXPECT_EQ(current.view.filters, "hat,moustache");
  EXPECT_FALSE(current.view.headPose);
  EXPECT_TRUE(current.view.debug.points);
  EXPECT_TRUE(current.view.debug.rawVsSmoothed);
  EXPECT_EQ(current.view.sync, VideoSync::kNewestFrame);
  EXPECT_EQ(current.view.holdVideoFrames, 4);
  EXPECT_DOUBLE_EQ(current.record.fps, 24);
  EXPECT_EQ(current.record.queueFrames, 16);
  EXPECT_EQ(current.record.outputDir, "/tmp/recordings");
  // The session's own settings are not part of a preset.
  EXPECT_EQ(current.source, "demo");
  EXPECT_EQ(current.modelPath, "");
  EXPECT_EQ(current.windowWidth, 1600);
  EXPECT_EQ(serializeConfig(current, ConfigScope::kPreset), serializeConfig(t, ConfigScope::kPreset));

  auto names = store.list();
  ASSERT_TRUE(names);
  EXPECT_EQ(names.value(), std::vector<std::string>{"tuned for talks"});
  ASSERT_TRUE(store.save("another", AppConfig{}));  // overwriting and listing in order
  ASSERT_TRUE(store.save("another", AppConfig{}));
  names = store.list();
  ASSERT_TRUE(names);
  EXPECT_EQ(names.value(), (std::vector<std::string>{"another", "tuned for talks"}));
  ASSERT_TRUE(store.remove("another"));
  EXPECT_FALSE(store.remove("another"));
  std::filesystem::remove_all(dir);
}

TEST(Presets, BadNamesAreRefusedWithTheRuleTheyBreak) {
  const auto dir = test::freshTempDir("presets-names");
  PresetStore store(dir);
  const std::pair<std::string, std::string> bad[] = {
      {"", "empty"},
      {"../escape", "path separator"},
      {"a/b", "path separator"},
      {"a\\b", "path separator"},
      {"..", "dot"},
      {".hidden", "dot"},
      {" padded", "space"},
      {"padded ", "space"},
      {"tab\there", "control"},
      {std::string(kMaxPresetNameLength + 1, 'x'), "longer than"},
  };
  for (const auto& [name, why] : bad) {
    const Status v = validatePresetName(name);
    ASSERT_FALSE(v) << "'" << name << "' was accepted";
    EXPECT_NE(v.error().message.find(why), std::string::npos) << v.error().message;
    EXPECT_FALSE(store.save(name, AppConfig{})) << name;
    EXPECT_FALSE(store.load(name)) << name;
    EXPECT_FALSE(store.remove(name)) << name;
  }
  // Nothing was written anywhere, not even outside the folder.
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  EXPECT_FALSE(std::filesystem::exists(dir.parent_path() / "escape.json"));
  for (const std::string& good : std::vector<std::string>{"a", "Talk 2024-05 (bright room)", "café",
                                                          std::string(kMaxPresetNameLength, 'y')}) {
    EXPECT_TRUE(validatePresetName(good)) << good;
  }
  std::filesystem::remove_all(dir);
}

TEST(Presets, CorruptFileIsReportedAndNothingChanges) {
  const auto dir = test::freshTempDir("presets-corrupt");
  PresetStore store(dir);
  AppConfig current = tunedConfig();
  const std::string before = serializeConfig(current);

  writeText(store.pathFor("truncated"), "{\"scale_factor\": 1.3, \"filters\": ");
  writeText(store.pathFor("binary"), std::string("\x89PNG\r\n\x1a\n\0\0garbage", 18));
  writeText(store.pathFor("array"), "[1, 2, 3]");
  writeText(store.pathFor("out of range"), "{\"scale_factor\": 1.3, \"min_neighbors\": 500}");
  writeText(store.pathFor("wrong type"), "{\"filters\": 7, \"debug_points\": \"yes\"}");
  writeText(store.pathFor("huge"), "{\"filters\": \"" + std::string(kMaxPresetFileBytes, 'a') + "\"}");

  for (const std::string name :
       {"truncated", "binary", "array", "out of range", "wrong type", "huge", "missing"}) {
    auto r = store.applyTo(name, current);
    ASSERT_FALSE(r) << name << " was applied";
    const std::string& m = r.error().message;
    EXPECT_NE(m.find("preset '" + name + "'"), std::string::npos) << m;
    if (name != "missing") {
      EXPECT_NE(m.find("nothing was changed"), std::string::npos) << m;
    }
    EXPECT_EQ(serializeConfig(current), before) << name << " changed the settings";
  }
  // The bad values are named.
  auto r = store.applyTo("out of range", current);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("min_neighbors"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("scale_factor"), std::string::npos) << "the good value is not blamed";

  // An unknown key (a preset from another version) is a warning, not an error; session keys are not
  // presets' to set.
  writeText(store.pathFor("newer"), "{\"min_neighbors\": 4, \"sparkles\": true, \"source\": \"camera:3\"}");
  auto w = store.applyTo("newer", current);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(current.detector.minNeighbors, 4);
  EXPECT_EQ(current.source, "camera:1");
  ASSERT_EQ(w->size(), 2u);
  EXPECT_NE(w.value()[0].find("sparkles"), std::string::npos);
  EXPECT_NE(w.value()[1].find("source"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Presets, LiveUnderTheConfigFolder) {
  const char* old = std::getenv("XDG_CONFIG_HOME");
  const std::string saved = old ? old : "";
  setenv("XDG_CONFIG_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(defaultPresetDir(), std::filesystem::path("/tmp/xdg-test/facefilter/presets"));
  if (old)
    setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  else
    unsetenv("XDG_CONFIG_HOME");
}

TEST(SettingsSections, ResetOneSectionLeavesTheOthers) {
  const AppConfig defaults;
  for (SettingsSection section : kPresetSections) {
    AppConfig c = tunedConfig();
    resetSection(c, section);
    AppConfig expected = tunedConfig();
    copySection(defaults, expected, section);
    EXPECT_EQ(serializeConfig(c), serializeConfig(expected)) << toString(section);
    EXPECT_NE(serializeConfig(c), serializeConfig(tunedConfig())) << toString(section) << " reset nothing";
    // Resetting every section leaves only the session settings changed from the defaults.
  }
  AppConfig all = tunedConfig();
  for (SettingsSection section : kPresetSections) resetSection(all, section);
  EXPECT_EQ(serializeConfig(all, ConfigScope::kPreset), serializeConfig(defaults, ConfigScope::kPreset));
  EXPECT_EQ(all.source, "camera:1");
  EXPECT_EQ(all.windowWidth, 1000);
}
