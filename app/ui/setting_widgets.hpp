#pragma once
// The panel's widgets for table settings (settings/settings_table.hpp): a checkbox for a boolean, a slider
// for a number, with the table's label, slider range and help as the tooltip. UI thread only (ImGui).

#include "settings/app_config.hpp"
#include "settings/settings_table.hpp"

namespace facefilter {

// Draws the setting's widget; true when the user changed the value this frame. Settings without a panel
// label draw nothing.
bool settingWidget(const Setting& setting, AppConfig& config);
// Every setting of `section` that has a widget, in the table's order; true when any changed.
bool sectionWidgets(SettingsSection section, AppConfig& config);

}  // namespace facefilter
