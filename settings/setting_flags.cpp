#include "settings/setting_flags.hpp"

#include <algorithm>
#include <cmath>

namespace facefilter {
namespace {

CLI::Validator inRange(const Setting& s) {
  return rangeValidator(s.min, s.max, s.type == SettingType::kInt);
}

}  // namespace

// CLI::Range's message prints its bounds with six decimals; this one says it as the settings file does.
CLI::Validator rangeValidator(double min, double max, bool integer) {
  const std::string range = "[" + formatSettingNumber(min) + ", " + formatSettingNumber(max) + "]";
  return CLI::Validator(
      [integer, range, min, max](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v)) return "'" + text + "' is not a number";
        if (integer && v != std::floor(v)) return "'" + text + "' is not an integer";
        if (!(v >= min && v <= max)) return text + " is outside " + range;
        return {};
      },
      "");
}

CLI::Option* addFlagFor(CLI::App& app, const Setting& s, ApplySetting apply, const SettingValue& shown) {
  const std::string name = "--" + std::string(s.flag);
  std::string help(s.flagHelp.empty() ? s.help : s.flagHelp);
  if (s.flagStyle == FlagStyle::kValue && (s.type == SettingType::kInt || s.type == SettingType::kReal)) {
    help += " [" + formatSettingNumber(s.min) + ", " + formatSettingNumber(s.max) + "]";
  }
  CLI::Option* opt = nullptr;
  switch (s.flagStyle) {
    case FlagStyle::kNone:
      return nullptr;
    case FlagStyle::kSetsFalse:
      return app.add_flag_callback(
          name, [apply, &s] { apply(s, SettingValue(false)); }, help);
    case FlagStyle::kOnOff:
      opt = app.add_option_function<std::string>(
          name, [apply, &s](const std::string& v) { apply(s, SettingValue(v == "on")); }, help);
      opt->check(CLI::IsMember({"on", "off"}).description(""))->type_name("on|off");
      opt->default_str(std::get<bool>(shown) ? "on" : "off");
      return opt;
    case FlagStyle::kValue:
      break;
  }
  switch (s.type) {
    case SettingType::kBool:
      return nullptr;  // booleans take kOnOff or kSetsFalse
    case SettingType::kInt:
      opt = app.add_option_function<int>(
          name, [apply, &s](const int& v) { apply(s, SettingValue(v)); }, help);
      opt->check(inRange(s));
      break;
    case SettingType::kReal:
      opt = app.add_option_function<double>(
          name, [apply, &s](const double& v) { apply(s, SettingValue(v)); }, help);
      opt->check(inRange(s));
      break;
    case SettingType::kText:
      opt = app.add_option_function<std::string>(
          name, [apply, &s](const std::string& v) { apply(s, SettingValue(v)); }, help);
      if (!s.choices.empty()) {
        std::vector<std::string> words(s.choices.begin(), s.choices.end());
        opt->check(CLI::IsMember(words).description(""));
      }
      break;
  }
  if (!s.valueName.empty()) opt->type_name(std::string(s.valueName));
  opt->default_str(s.format(shown));
  return opt;
}

void addSettingFlags(CLI::App& app, AppConfig& target, std::initializer_list<SettingsSection> sections,
                     const std::string& group) {
  for (const Setting& s : settingsTable()) {
    if (s.flagStyle == FlagStyle::kNone) continue;
    if (std::find(sections.begin(), sections.end(), s.section) == sections.end()) continue;
    if (CLI::Option* opt = addSettingFlag(app, target, s.key); opt != nullptr && !group.empty())
      opt->group(group);
  }
}

CLI::Option* addSettingFlag(CLI::App& app, AppConfig& target, std::string_view key,
                            const std::string& group) {
  const Setting* s = findSetting(key);
  if (s == nullptr || s->flagStyle == FlagStyle::kNone) return nullptr;
  CLI::Option* opt = addFlagFor(
      app, *s,
      [&target](const Setting& setting, const SettingValue& value) {
        setting.set(target, value);
        normaliseConfig(target);
      },
      s->get(target));
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
