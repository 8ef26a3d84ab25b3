#include "settings/setting_flags.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace facefilter {
namespace {

std::string formatNumber(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", v);
  return text;
}

// CLI::Range's message prints its bounds with six decimals; this one says it as the settings file does.
CLI::Validator inRange(const Setting& s) {
  const bool integer = s.type == SettingType::kInt;
  const std::string range = "[" + formatNumber(s.min) + ", " + formatNumber(s.max) + "]";
  return CLI::Validator(
      [integer, range, min = s.min, max = s.max](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end == nullptr || *end != '\0') return "'" + text + "' is not a number";
        if (integer && v != std::floor(v)) return "'" + text + "' is not an integer";
        if (!(v >= min && v <= max)) return text + " is outside " + range;
        return {};
      },
      "");
}

std::string shownDefault(const Setting& s) {
  const SettingValue v = s.get(AppConfig{});
  if (s.flagStyle == FlagStyle::kOnOff) return std::get<bool>(v) ? "on" : "off";
  return s.format(v);
}

CLI::Option* add(CLI::App& app, AppConfig& target, const Setting& s) {
  const std::string name = "--" + std::string(s.flag);
  std::string help(s.help);
  if (s.flagStyle == FlagStyle::kValue && (s.type == SettingType::kInt || s.type == SettingType::kReal)) {
    help += " [" + formatNumber(s.min) + ", " + formatNumber(s.max) + "]";
  }
  CLI::Option* opt = nullptr;
  switch (s.flagStyle) {
    case FlagStyle::kNone:
      return nullptr;
    case FlagStyle::kSetsFalse:
      return app.add_flag_callback(name, [&target, &s] { s.set(target, SettingValue(false)); }, help);
    case FlagStyle::kOnOff:
      opt = app.add_option_function<std::string>(
          name, [&target, &s](const std::string& v) { s.set(target, SettingValue(v == "on")); }, help);
      opt->check(CLI::IsMember({"on", "off"}).description(""))->type_name("on|off");
      break;
    case FlagStyle::kValue:
      switch (s.type) {
        case SettingType::kBool:
          return nullptr;  // booleans take kOnOff or kSetsFalse
        case SettingType::kInt:
          opt = app.add_option_function<int>(name, [&target, &s](const int& v) { s.set(target, SettingValue(v)); }, help);
          opt->check(inRange(s));
          break;
        case SettingType::kReal:
          opt = app.add_option_function<double>(name, [&target, &s](const double& v) { s.set(target, SettingValue(v)); },
                                                help);
          opt->check(inRange(s));
          break;
        case SettingType::kText:
          opt = app.add_option_function<std::string>(
              name, [&target, &s](const std::string& v) { s.set(target, SettingValue(v)); }, help);
          if (!s.choices.empty()) {
            std::vector<std::string> words(s.choices.begin(), s.choices.end());
            opt->check(CLI::IsMember(words).description(""));
          }
          break;
      }
      if (!s.valueName.empty()) opt->type_name(std::string(s.valueName));
      break;
  }
  opt->default_str(shownDefault(s));
  return opt;
}

}  // namespace

void addSettingFlags(CLI::App& app, AppConfig& target, std::initializer_list<SettingsSection> sections,
                     const std::string& group) {
  for (const Setting& s : settingsTable()) {
    if (s.flagStyle == FlagStyle::kNone) continue;
    if (std::find(sections.begin(), sections.end(), s.section) == sections.end()) continue;
    if (CLI::Option* opt = add(app, target, s); opt != nullptr && !group.empty()) opt->group(group);
  }
}

CLI::Option* addSettingFlag(CLI::App& app, AppConfig& target, std::string_view key, const std::string& group) {
  const Setting* s = findSetting(key);
  if (s == nullptr) return nullptr;
  CLI::Option* opt = add(app, target, *s);
  if (opt != nullptr && !group.empty()) opt->group(group);
  return opt;
}

Status checkFlagSettings(AppConfig& target) {
  normaliseConfig(target);
  if (auto v = validate(target.detector); !v) return v.error();
  if (auto v = validate(target.tracker); !v) return v.error();
  return Ok{};
}

}  // namespace facefilter
