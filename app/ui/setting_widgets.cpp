#include "app/ui/setting_widgets.hpp"

#include <imgui.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace facefilter {

bool settingWidget(const Setting& s, AppConfig& config) {
  if (s.panel.label.empty()) return false;
  std::string label(s.panel.label);
  if (s.shortcut != 0) label += std::string(" (") + s.shortcut + ")";
  bool changed = false;
  const SettingValue value = s.get(config);
  switch (s.type) {
    case SettingType::kBool: {
      bool v = std::get<bool>(value);
      if (ImGui::Checkbox(label.c_str(), &v)) {
        s.set(config, SettingValue(v));
        changed = true;
      }
      break;
    }
    case SettingType::kInt: {
      int v = std::get<int>(value);
      if (ImGui::SliderInt(label.c_str(), &v, static_cast<int>(s.panel.min), static_cast<int>(s.panel.max))) {
        s.set(config, SettingValue(v));
        changed = true;
      }
      break;
    }
    case SettingType::kReal: {
      float v = static_cast<float>(std::get<double>(value));
      const ImGuiSliderFlags flags =
          s.panel.logarithmic ? ImGuiSliderFlags_Logarithmic : ImGuiSliderFlags_None;
      if (ImGui::SliderFloat(label.c_str(), &v, static_cast<float>(s.panel.min),
                             static_cast<float>(s.panel.max),
                             s.panel.format != nullptr ? s.panel.format : "%.3f", flags)) {
        // The slider works in float: keep what it shows (1.2, not 1.2000000476837158).
        char text[32];
        std::snprintf(text, sizeof text, "%.7g", static_cast<double>(v));
        s.set(config, SettingValue(std::strtod(text, nullptr)));
        changed = true;
      }
      break;
    }
    case SettingType::kText: {
      const std::string& v = std::get<std::string>(value);
      if (s.choices.empty()) {
        ImGui::TextDisabled("%s: %s", label.c_str(), v.c_str());
        break;
      }
      if (ImGui::BeginCombo(label.c_str(), v.c_str())) {
        for (std::string_view choice : s.choices) {
          const std::string c(choice);
          if (ImGui::Selectable(c.c_str(), c == v) && c != v) {
            s.set(config, SettingValue(c));
            changed = true;
          }
        }
        ImGui::EndCombo();
      }
      break;
    }
  }
  if (ImGui::IsItemHovered() && !s.help.empty())
    ImGui::SetTooltip("%.*s", static_cast<int>(s.help.size()), s.help.data());
  if (changed) normaliseConfig(config);
  return changed;
}

bool sectionWidgets(SettingsSection section, AppConfig& config) {
  bool changed = false;
  for (const Setting& s : settingsTable()) {
    if (s.section == section) changed |= settingWidget(s, config);
  }
  return changed;
}

}  // namespace facefilter
