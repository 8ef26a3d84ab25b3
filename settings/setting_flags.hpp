#pragma once
// The command-line flags of table settings (settings/settings_table.hpp), for any program that parses its
// command line with CLI11: names, value names, help, defaults, ranges and choices all come from the table, so
// a setting's flag reads the same in facefilter, facefilter-cli and facefilter-bench.

#include <functional>
#include <initializer_list>
#include <string>

#include <CLI/CLI.hpp>

#include "settings/app_config.hpp"
#include "settings/settings_table.hpp"

namespace facefilter {

// A number in [min, max] (a whole number when `integer`); the message names the range as the settings file
// does.
CLI::Validator rangeValidator(double min, double max, bool integer);

// How a parsed flag's value reaches its destination, and the value --help shows as the default.
using ApplySetting = std::function<void(const Setting&, const SettingValue&)>;
CLI::Option* addFlagFor(CLI::App& app, const Setting& setting, ApplySetting apply, const SettingValue& shown);

// Adds a flag for every setting of `sections` that has one; a given flag writes into `target` as CLI11 parses
// it (ranges and choices are checked by CLI11, with the flag's name in the message). After parsing, call
// checkFlagSettings(target): the coupled checks (validate(DetectorParams), validate(TrackerParams)).
// Options are added to `group` (a heading in --help) unless it is empty.
void addSettingFlags(CLI::App& app, AppConfig& target, std::initializer_list<SettingsSection> sections,
                     const std::string& group = {});
// One setting's flag, by its key; nullptr when it has none.
CLI::Option* addSettingFlag(CLI::App& app, AppConfig& target, std::string_view key,
                            const std::string& group = {});

// One setting's flag for a program that keeps only a part of the settings (DetectorParams, a model path...):
// `part` picks that part out of an AppConfig. The flag writes into `target`; --help shows target's value.
template <typename Part>
CLI::Option* addSettingFlagInto(CLI::App& app, Part& target, Part& (*part)(AppConfig&),
                                std::string_view key) {
  const Setting* s = findSetting(key);
  if (s == nullptr || s->flagStyle == FlagStyle::kNone) return nullptr;
  AppConfig shown;
  part(shown) = target;
  return addFlagFor(
      app, *s,
      [&target, part](const Setting& setting, const SettingValue& value) {
        AppConfig scratch;
        part(scratch) = target;
        setting.set(scratch, value);
        normaliseConfig(scratch);
        target = part(scratch);
      },
      s->get(shown));
}

Status checkFlagSettings(AppConfig& target);

}  // namespace facefilter
