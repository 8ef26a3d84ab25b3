#pragma once
// The app's keyboard shortcuts: each table setting with a shortcut letter (settings/settings_table.hpp, the
// debug views) toggles on its key; Tab shows or hides the panel; S, V and Esc are actions. Keys typed into a
// panel text field are the field's. Main thread, inside an ImGui frame.

#include <functional>
#include <string>

#include "settings/app_config.hpp"

namespace facefilter {

struct ShortcutActions {
  std::function<void()> snapshot;         // S
  std::function<void()> toggleRecording;  // V
  std::function<void()> quit;             // Esc
};

void handleShortcuts(AppConfig& config, const ShortcutActions& actions);

// One line per key for --help, e.g. "Tab panel, P points, ...".
std::string shortcutHelp();

}  // namespace facefilter
