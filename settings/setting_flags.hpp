#pragma once
// The command-line flags of table settings (settings/settings_table.hpp), for any program that parses its
// command line with CLI11: names, value names, help, defaults, ranges and choices all come from the table, so
// a setting's flag reads the same in facefilter, facefilter-cli and facefilter-bench.

#include <initializer_list>

#include <CLI/CLI.hpp>

#include "settings/app_config.hpp"
#include "settings/settings_table.hpp"

namespace facefilter {

// Adds a flag for every setting of `sections` that has one; a given flag writes into `target` as CLI11 parses
// it (ranges and choices are checked by CLI11, with the flag's name in the message). After parsing, call
// checkFlagSettings(target): the coupled checks (validate(DetectorParams), validate(TrackerParams)).
// Options are added to `group` (a heading in --help) unless it is empty.
void addSettingFlags(CLI::App& app, AppConfig& target, std::initializer_list<SettingsSection> sections,
                     const std::string& group = {});
// One setting's flag (e.g. the session's --model, --device), by its key.
CLI::Option* addSettingFlag(CLI::App& app, AppConfig& target, std::string_view key, const std::string& group = {});

Status checkFlagSettings(AppConfig& target);

}  // namespace facefilter
