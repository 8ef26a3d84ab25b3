#include "app/ui/shortcuts.hpp"

#include <imgui.h>

#include "app/platform/keys.hpp"
#include "settings/settings_table.hpp"

namespace facefilter {

void handleShortcuts(AppConfig& config, const ShortcutActions& actions) {
  if (ImGui::GetIO().WantCaptureKeyboard) return;
  if (keyPressed(Key::kTab)) config.view.showPanel = !config.view.showPanel;
  for (const Setting& s : settingsTable()) {
    if (s.shortcut != 0 && s.type == SettingType::kBool && letterPressed(s.shortcut)) {
      s.set(config, SettingValue(!std::get<bool>(s.get(config))));
    }
  }
  if (letterPressed('S') && actions.snapshot) actions.snapshot();
  if (letterPressed('V') && actions.toggleRecording) actions.toggleRecording();
  if (keyPressed(Key::kEscape) && actions.quit) actions.quit();
}

std::string shortcutHelp() {
  std::string text = "Tab panel";
  for (const Setting& s : settingsTable()) {
    if (s.shortcut != 0)
      text += std::string(", ") + s.shortcut + " " + std::string(s.debugName.empty() ? s.key : s.debugName);
  }
  return text + ", S snapshot, V record on/off, Esc quit";
}

}  // namespace facefilter
