#include "app/ui/camera_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "app/app_session.hpp"
#include "engine/core/clock.hpp"

namespace facefilter {
namespace {

// The controls are read again this often while the section is open: values the camera's automatic modes or
// another program change show here. uvcvideo answers most reads from its cache, so this costs little.
constexpr int64_t kControlRefreshNs = 1'000'000'000;

void line(std::vector<std::string>& messages, float r, float g, float b, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(r, g, b, 1));
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
  messages.push_back(text);
}

PanelRect lastItemRect() {
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  return PanelRect{a.x, a.y, b.x, b.y};
}

std::string rangeText(const CameraControl& c) {
  std::string s = c.key + ": ";
  switch (c.type) {
    case ControlType::kInteger:
      s += std::to_string(c.minimum) + " .. " + std::to_string(c.maximum);
      if (c.step > 1) s += " in steps of " + std::to_string(c.step);
      s += ", default " + std::to_string(c.defaultValue);
      break;
    case ControlType::kBoolean:
      s += std::string("on or off, default ") + (c.defaultValue != 0 ? "on" : "off");
      break;
    case ControlType::kMenu:
    case ControlType::kIntegerMenu:
      s += "default " + c.menuLabel(c.defaultValue);
      break;
  }
  if (c.readOnly) s += "\nread-only (or held by another program)";
  return s;
}

const CameraControl* modeControlOf(const CameraControls& all, const CameraControl& c) {
  const uint32_t mode = automaticModeOf(c.id);
  for (const auto& m : all.controls()) {
    if (m.id == mode) return &m;
  }
  return nullptr;
}

}  // namespace

void CameraPanel::drawStatus(AppSession& session, std::vector<std::string>& messages,
                             CameraPanelState& state) {
  state.hintButtonShown = false;
  SessionCamera& camera = session.camera();
  const bool offered = camera.lightControls() == LightControls::kOffered;
  const auto controlsButton = [&](const char* id) {
    ImGui::PushID(id);
    const bool pressed = ImGui::SmallButton("Camera controls...");
    ImGui::PopID();
    const PanelRect where = lastItemRect();
    if (pressed) camera.requestShowControls();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Open the camera's exposure, gain and brightness controls");
    return where;
  };
  if (camera.attached()) {
    const SourceInfo info = session.sourceInfo();
    const CameraModeText t = describeCameraMode(info);
    if (!t.warning.empty()) {
      line(messages, 1, 0.6f, 0.2f, t.warning);
      // A mode rated for the rate that delivers less: the camera slows itself (automatic exposure in a dim
      // room), which its controls can change. A mode rated slower needs another mode, not the controls.
      if (offered && info.fps >= info.requestedFps * 0.99) controlsButton("rate");
    }
  }
  const std::string hint = session.lightingHint();
  if (hint.empty()) return;
  line(messages, 1, 0.8f, 0.2f, hint);
  if (!offered) return;
  state.hintButton = controlsButton("hint");
  state.hintButtonShown = true;
}

void CameraPanel::draw(AppSession& session, std::vector<std::string>& messages, CameraPanelState& state) {
  state.sectionOpen = false;
  state.controlsShown.clear();
  state.resetButtons.clear();
  const bool show = session.camera().takeShowRequest();
  if (show) ImGui::SetNextItemOpen(true);
  if (!ImGui::CollapsingHeader("Camera")) return;
  if (show) ImGui::SetScrollHereY(0.0f);  // the hint's button brings the section into view
  state.sectionOpen = true;
  drawCameraList(session, state);
  // A failed switch is news until another source opens (from here or from the source field).
  if (session.config().source != switchStatusSource_) switchStatus_.clear();
  if (!switchStatus_.empty()) line(messages, 1, 0.4f, 0.4f, switchStatus_);
  if (!session.camera().attached()) {
    ImGui::TextDisabled("The source is not a camera: choose one above.");
    return;
  }
  drawMode(session, messages);
  ImGui::Separator();
  drawControls(session, messages, state);
}

void CameraPanel::drawCameraList(AppSession& session, CameraPanelState& state) {
  SessionCamera& camera = session.camera();
  const std::string current = camera.attached() ? camera.name() + "  (" + camera.path() + ")" : "(none)";
  const bool open = ImGui::BeginCombo("camera", current.c_str());
  state.cameraCombo = lastItemRect();
  if (!open) return;
  // Listed when the list opens, so that a camera plugged in after the start shows up.
  if (ImGui::IsWindowAppearing()) camera.relist();
  state.camerasListed.clear();
  state.cameraItems.clear();
  for (const CameraInfo& c : camera.cameras()) {
    if (c.metadata) continue;  // a UVC camera's second node: no video
    ImGui::PushID(c.path.c_str());
    if (!c.problem.empty()) {
      const std::string label = c.path + "  " + c.name + ": cannot be asked (" + c.problem + ")";
      ImGui::TextDisabled("%s", label.c_str());
      state.camerasListed.push_back(label);
      state.cameraItems.push_back(lastItemRect());
    } else if (c.loopback) {
      // Never offered as an input: facefilter's own output would loop back into it.
      const std::string label = "[loopback] " + c.name + "  (" + c.path + ")";
      ImGui::TextDisabled("%s", label.c_str());
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("A virtual camera. To use it as the input, type camera:%s as the source.",
                          c.path.c_str());
      state.camerasListed.push_back(label);
      state.cameraItems.push_back(lastItemRect());
    } else if (c.captures) {
      const std::string label = c.name + "  (" + c.path + (c.bus.empty() ? "" : ", " + c.bus) + ")";
      if (ImGui::Selectable(label.c_str(), c.path == camera.path())) {
        const std::string text = cameraSourceText(c, camera.cameras(), session.config().source);
        auto s = session.applySource(text);
        switchStatus_ = s ? "" : s.error().message;
        switchStatusSource_ = session.config().source;
      }
      state.camerasListed.push_back(label);
      state.cameraItems.push_back(lastItemRect());
    }
    ImGui::PopID();
  }
  if (state.camerasListed.empty()) ImGui::TextDisabled("no cameras");
  ImGui::EndCombo();
}

void CameraPanel::drawMode(AppSession& session, std::vector<std::string>& messages) {
  const CameraModeText t = describeCameraMode(session.sourceInfo());
  ImGui::TextUnformatted(t.mode.c_str());
  if (t.measuring)
    ImGui::TextDisabled("%s", t.measured.c_str());
  else
    ImGui::TextUnformatted(t.measured.c_str());
  if (!t.note.empty()) line(messages, 1, 0.8f, 0.2f, t.note);
}

void CameraPanel::drawControls(AppSession& session, std::vector<std::string>& messages,
                               CameraPanelState& state) {
  SessionCamera& camera = session.camera();
  CameraControlValues& saved = session.config().cameraControls;
  if (!camera.error().empty()) line(messages, 1, 0.4f, 0.4f, camera.error());
  CameraControls* controls = camera.controls();
  if (controls == nullptr) return;
  camera.refreshIfDue(SteadyClock::instance().nowNs(), kControlRefreshNs);
  if (controls->controls().empty()) {
    ImGui::TextDisabled("The camera's driver offers no controls.");
    return;
  }
  // Copies: a change below re-reads the controls (the states of those an automatic mode governs).
  const std::vector<CameraControl> list = controls->controls();
  for (const CameraControl& c : list) {
    state.controlsShown.push_back(c.key);
    ImGui::PushID(c.key.c_str());
    // The reset first: at the line's start it stays in view whatever the length of the driver's name.
    const bool atDefault = c.value == c.defaultValue;
    if (c.readOnly || atDefault) ImGui::BeginDisabled();
    const bool reset = ImGui::SmallButton("reset");
    state.resetButtons[c.key] = lastItemRect();
    if (c.readOnly || atDefault) ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.5f);
    const bool locked = c.readOnly || c.inactive;
    if (locked) ImGui::BeginDisabled();
    int v = c.value;
    bool changed = false;
    switch (c.type) {
      case ControlType::kInteger:
        changed = ImGui::SliderInt(c.name.c_str(), &v, c.minimum, c.maximum);
        // The driver takes values on its step; snapping here keeps the slider where the value lands.
        if (changed && c.step > 1) v = c.minimum + (v - c.minimum + c.step / 2) / c.step * c.step;
        break;
      case ControlType::kBoolean: {
        bool on = v != 0;
        changed = ImGui::Checkbox(c.name.c_str(), &on);
        v = on ? 1 : 0;
        break;
      }
      case ControlType::kMenu:
      case ControlType::kIntegerMenu:
        if (ImGui::BeginCombo(c.name.c_str(), c.menuLabel(c.value).c_str())) {
          for (const auto& item : c.menu) {
            if (ImGui::Selectable(item.label.c_str(), item.value == c.value)) {
              v = item.value;
              changed = true;
            }
          }
          ImGui::EndCombo();
        }
        break;
    }
    if (locked) ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
      std::string tip = rangeText(c);
      if (c.inactive) {
        const CameraControl* mode = modeControlOf(*controls, c);
        tip += "\nhas no effect while " +
               (mode ? "'" + mode->name + "'" : std::string("its automatic mode")) +
               " is on: turn that off to set it";
      }
      ImGui::SetTooltip("%s", tip.c_str());
    }
    if (reset)
      (void)camera.reset(c.key, saved);
    else if (changed && v != c.value)
      (void)camera.set(c.key, v, saved);
    ImGui::PopID();
  }
  if (ImGui::Button("Reset all camera controls")) camera.resetAll(saved);
  ImGui::SameLine();
  ImGui::TextDisabled("saved for \"%s\"", camera.name().c_str());
  for (const std::string& n : camera.notes()) line(messages, 1, 0.4f, 0.4f, n);
}

}  // namespace facefilter
