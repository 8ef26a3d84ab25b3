// The settings table: consistent declarations, every setting through the settings file and back, sections
// for presets and resets, and the command-line flags it generates.
#include <gtest/gtest.h>

#include <set>

#include "settings/app_config.hpp"
#include "settings/setting_flags.hpp"
#include "settings/settings_table.hpp"

using namespace facefilter;

namespace {

// An accepted value different from `current`.
SettingValue otherValue(const Setting& s, const SettingValue& current) {
  switch (s.type) {
    case SettingType::kBool:
      return !std::get<bool>(current);
    case SettingType::kInt: {
      const int v = std::get<int>(current);
      return v < static_cast<int>(s.max) ? v + 1 : v - 1;
    }
    case SettingType::kReal: {
      const double v = std::get<double>(current);
      const double step = (s.max - s.min) / 7;
      return v + step <= s.max ? v + step : v - step;
    }
    case SettingType::kText:
      if (!s.choices.empty()) {
        for (auto w : s.choices) {
          if (w != std::get<std::string>(current)) return std::string(w);
        }
      }
      return std::get<std::string>(current) + "x";
  }
  return current;
}

bool sameValue(const SettingValue& a, const SettingValue& b) {
  if (a.index() != b.index()) return false;
  if (std::holds_alternative<double>(a)) return std::abs(std::get<double>(a) - std::get<double>(b)) < 1e-6;
  return a == b;
}

std::vector<std::string> argvOf(std::initializer_list<const char*> args) {
  return {args.begin(), args.end()};
}

}  // namespace

TEST(SettingsTable, DeclarationsAreConsistent) {
  const AppConfig defaults;
  std::set<std::string_view> keys, flags, debugNames;
  std::set<char> shortcuts;
  for (const Setting& s : settingsTable()) {
    EXPECT_TRUE(keys.insert(s.key).second) << "key declared twice: " << s.key;
    EXPECT_FALSE(s.help.empty()) << s.key << " has no help text";
    EXPECT_TRUE(s.check(s.get(defaults))) << s.key << "'s default is refused by its own check";
    EXPECT_EQ(s.get(defaults).index(), static_cast<size_t>(s.type)) << s.key;
    if (!s.flag.empty()) {
      EXPECT_TRUE(flags.insert(s.flag).second) << "flag declared twice: " << s.flag;
    }
    if (!s.debugName.empty()) {
      EXPECT_EQ(s.section, SettingsSection::kDebugViews) << s.key;
      EXPECT_TRUE(debugNames.insert(s.debugName).second) << s.debugName;
    }
    if (s.shortcut != 0) {
      EXPECT_TRUE(shortcuts.insert(s.shortcut).second) << "key " << s.shortcut << " used twice";
    }
    if (s.flagStyle == FlagStyle::kOnOff || s.flagStyle == FlagStyle::kSetsFalse) {
      EXPECT_EQ(s.type, SettingType::kBool) << s.key;
    }
    if (!s.panel.label.empty() && s.type != SettingType::kBool) {
      EXPECT_GE(s.panel.min, s.min) << s.key << ": the slider reaches below the accepted range";
      EXPECT_LE(s.panel.max, s.max) << s.key << ": the slider reaches above the accepted range";
    }
  }
  EXPECT_EQ(findSetting("scale_factor")->section, SettingsSection::kDetector);
  EXPECT_EQ(findSetting("no_such_setting"), nullptr);
}

TEST(SettingsTable, EverySettingRoundTripsThroughTheFile) {
  AppConfig changed;
  for (const Setting& s : settingsTable()) {
    const SettingValue v = otherValue(s, s.get(changed));
    ASSERT_TRUE(s.check(v)) << s.key;
    s.set(changed, v);
  }
  changed.detector.maxSizePx = 500;  // a maximum must not be under the minimum
  normaliseConfig(changed);
  ASSERT_TRUE(validate(changed.detector));
  ASSERT_TRUE(validate(changed.tracker));
  auto parsed = parseConfig(serializeConfig(changed), "mem");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->warnings.empty()) << parsed->warnings.front();
  const AppConfig defaults;
  for (const Setting& s : settingsTable()) {
    EXPECT_TRUE(sameValue(s.get(parsed->config), s.get(changed))) << s.key << " did not round-trip";
    EXPECT_FALSE(sameValue(s.get(parsed->config), s.get(defaults))) << s.key << " still at its default";
  }
}

TEST(SettingsTable, ControlCharactersRoundTrip) {
  AppConfig c;
  c.record.outputDir = std::string("tab\there, bell\x07, unit sep\x1f");
  c.source = "video:a \"quoted\"\\path.mp4";
  const std::string text = serializeConfig(c);
  EXPECT_NE(text.find("\\u0007"), std::string::npos) << text;
  auto parsed = parseConfig(text, "mem");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->warnings.empty());
  EXPECT_EQ(parsed->config.record.outputDir, c.record.outputDir);
  EXPECT_EQ(parsed->config.source, c.source);
}

TEST(SettingsTable, PresetsHoldEveryPresetSectionAndNoSessionKey) {
  AppConfig c;
  const std::string preset = serializeConfig(c, ConfigScope::kPreset);
  for (const Setting& s : settingsTable()) {
    const bool written = preset.find("\"" + std::string(s.key) + "\"") != std::string::npos;
    EXPECT_EQ(written, s.inPreset()) << s.key;
  }
  auto asPreset = parseConfig(R"({"source": "demo", "beta": 0.5})", "p", ConfigScope::kPreset);
  ASSERT_TRUE(asPreset);
  ASSERT_EQ(asPreset->warnings.size(), 2u);
  EXPECT_NE(asPreset->warnings[0].find("'source' is not a known setting"), std::string::npos);
}

TEST(SettingsTable, ResetTouchesOnlyItsSection) {
  for (SettingsSection section : kPresetSections) {
    AppConfig changed;
    for (const Setting& s : settingsTable()) s.set(changed, otherValue(s, s.get(changed)));
    normaliseConfig(changed);
    AppConfig reset = changed;
    resetSection(reset, section);
    const AppConfig defaults;
    for (const Setting& s : settingsTable()) {
      const SettingValue expected = s.section == section ? s.get(defaults) : s.get(changed);
      EXPECT_TRUE(sameValue(s.get(reset), expected)) << toString(section) << ": " << s.key;
    }
  }
}

TEST(SettingsTable, ANumberTooLargeForADoubleIsAnErrorNotACrash) {
  auto parsed = parseConfig(R"({"detect_interval": 1e999})", "huge.json");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("huge.json is not valid JSON"), std::string::npos)
      << parsed.error().message;
}

TEST(SettingsTable, BadValuesAreNamedWithTheirRange) {
  auto parsed = parseConfig(R"({"scale_factor": 7.5, "min_neighbors": 2.5, "debug_points": 1, "device": "tpu",
                                "downscale": "half", "window_width": 99999999999})",
                            "cfg.json");
  ASSERT_TRUE(parsed);
  std::set<std::string> messages(parsed->warnings.begin(), parsed->warnings.end());
  EXPECT_TRUE(messages.count("config: 'scale_factor' = 7.5 is outside [1.01, 2]; using the default"));
  EXPECT_TRUE(messages.count("config: 'min_neighbors' is not an integer; using the default"));
  EXPECT_TRUE(messages.count("config: 'debug_points' is not true/false; using the default"));
  EXPECT_TRUE(messages.count("config: 'device' must be auto, cpu or cuda; using the default"));
  EXPECT_TRUE(messages.count("config: 'downscale' must be min-face or off; using the default"));
  EXPECT_TRUE(
      messages.count("config: 'window_width' = 2147483647 is outside [320, 16384]; using the default"));
  EXPECT_EQ(parsed->rejectedValues, 6);
}

TEST(SettingFlags, FlagsSetTheirSettings) {
  CLI::App app("test");
  AppConfig c;
  addSettingFlags(app, c, {SettingsSection::kDetector, SettingsSection::kTracking});
  addSettingFlag(app, c, "device");
  auto args =
      argvOf({"--device", "cpu", "--beta", "0.5", "--rolled-passes", "off", "--no-smoothing", "--single-pass",
              "--min-neighbors", "3", "--downscale", "off", "--scale-factor", "1.2"});
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  ASSERT_NO_THROW(app.parse(args));
  ASSERT_TRUE(checkFlagSettings(c));
  EXPECT_EQ(c.device, "cpu");
  EXPECT_DOUBLE_EQ(c.tracker.oneEuro.beta, 0.5);
  EXPECT_FALSE(c.detector.rolledPasses);
  EXPECT_EQ(c.tracker.smoothing, Smoothing::kOff);
  EXPECT_FALSE(c.tracker.refineDetections);
  EXPECT_EQ(c.detector.minNeighbors, 3);
  EXPECT_EQ(c.detector.downscale, DetectDownscale::kOff);
  EXPECT_DOUBLE_EQ(c.detector.scaleFactor, 1.2);
  EXPECT_TRUE(c.detector.profilePasses) << "a flag not given leaves its setting alone";
}

TEST(SettingFlags, OutOfRangeAndUnknownWordsNameTheFlag) {
  for (auto bad : {argvOf({"--scale-factor", "7"}), argvOf({"--device", "tpu"}),
                   argvOf({"--rolled-passes", "maybe"}), argvOf({"--extra-passes", "x"})}) {
    CLI::App app("test");
    AppConfig c;
    addSettingFlags(app, c, {SettingsSection::kDetector});
    addSettingFlag(app, c, "device");
    const std::string flag = bad.front();
    std::reverse(bad.begin(), bad.end());
    try {
      app.parse(bad);
      ADD_FAILURE() << flag << " was accepted";
    } catch (const CLI::ParseError& e) {
      EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
    }
  }
}

TEST(SettingFlags, HelpShowsValueNamesAndDefaults) {
  CLI::App app("test");
  AppConfig c;
  addSettingFlags(app, c, {SettingsSection::kDetector}, "Detector");
  const std::string help = app.help();
  EXPECT_NE(help.find("--scale-factor F"), std::string::npos) << help;
  EXPECT_NE(help.find("1.1"), std::string::npos) << help;
  EXPECT_NE(help.find("--rolled-passes on|off"), std::string::npos) << help;
  EXPECT_NE(help.find("Detector"), std::string::npos) << help;
  EXPECT_NE(help.find("[1.01, 2]"), std::string::npos) << help;
}
