#pragma once
// Every setting declared once: its key in the settings file, type, range or choices, section, help text, and
// (where it has them) its command-line flag and its panel widget. The table drives the settings file's reader
// and writer (range checks and messages), presets, reset-to-defaults per section, the command-line flags the
// programs share, the app's --debug list and key shortcuts, and the panel's widgets.
// Adding a setting: one entry in settings_table.cpp (and a field in AppConfig). Immutable after start; any
// thread.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "settings/app_config.hpp"

namespace facefilter {

// SettingValue holds the alternative of the same index as the SettingType.
enum class SettingType { kBool, kInt, kReal, kText };
using SettingValue = std::variant<bool, int, double, std::string>;

// How a setting appears on a command line.
enum class FlagStyle {
  kNone,      // no flag
  kValue,     // --name VALUE
  kOnOff,     // --name on|off (a boolean)
  kSetsFalse  // --name alone turns the setting off (--no-smoothing, --single-pass)
};

struct PanelWidget {
  std::string_view label;   // empty: the panel does not show the setting by itself
  double min = 0, max = 0;  // slider range (may be narrower than the accepted range)
  const char* format = nullptr;
  bool logarithmic = false;
};

struct Setting {
  std::string_view key;  // in the settings file (and presets)
  SettingsSection section = SettingsSection::kSession;
  SettingType type = SettingType::kBool;
  double min = 0, max = 0;                // kInt, kReal: accepted range; kText: the longest accepted length
  std::vector<std::string_view> choices;  // kText: the accepted values (empty: any text)
  std::string_view help;
  std::string_view flag;  // command-line name without "--"; empty: none
  FlagStyle flagStyle = FlagStyle::kNone;
  std::string_view valueName;  // e.g. "F", "N", "PX"
  std::string_view flagHelp;   // the flag's help where it differs from the setting's (kSetsFalse)
  std::string_view debugName;  // kDebugViews: the word in the app's --debug list
  char shortcut = 0;           // an app key that toggles it (a letter)
  PanelWidget panel;
  std::function<SettingValue(const AppConfig&)> get;
  std::function<void(AppConfig&, const SettingValue&)> set;

  bool inPreset() const { return section != SettingsSection::kSession; }
  // The value as the settings file and --help show it.
  std::string format(const SettingValue& value) const;
  // Checks type, range and choices; the message says what is wrong (without the key: callers name it).
  Status check(const SettingValue& value) const;
  // What check() says of a value of another type, e.g. "is not an integer".
  std::string wrongType() const;
};

std::span<const Setting> settingsTable();
// A number as the settings file's messages and --help print it (1.1, 1073741824; no trailing zeros).
std::string formatSettingNumber(double value);
const Setting* findSetting(std::string_view key);

// Coupled settings that no single range check covers (validate(DetectorParams), validate(TrackerParams)) and
// derived values (the tracker's re-detect gap never exceeds its interval). Called after any change.
void normaliseConfig(AppConfig& config);

}  // namespace facefilter
