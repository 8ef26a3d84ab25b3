#pragma once
// The panel's camera section: a drop-down of the cameras by name (loopback devices marked and not offered:
// a virtual camera is only an input when typed by path in the source field; metadata nodes left out), the
// chosen mode and the rate measured over the first second, the warning and the suggested mode when that rate
// is far under the asked one, and the controls the camera's driver offers (sliders, check boxes and menus,
// each with its range and a reset; "reset all"). Also the lighting hint with its button that opens this
// section. Changes go through the session: a camera chosen here opens as the source (applySource), a
// control changed here is set and saved for the camera's name (SessionCamera).
// Main thread, inside the control panel's window (ImGui).

#include <map>
#include <string>
#include <vector>

namespace facefilter {

class AppSession;

// Where a widget was drawn, in the window's coordinates (ImGui's): tests click there.
struct PanelRect {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// What the section showed in its last frame, for tests and the window screenshot's reader.
struct CameraPanelState {
  bool sectionOpen = false;
  std::vector<std::string> controlsShown;         // the keys of the controls drawn, in order
  std::map<std::string, PanelRect> resetButtons;  // each control's reset button, by key
  PanelRect cameraCombo;                          // the drop-down
  std::vector<std::string> camerasListed;         // the drop-down's entries, as drawn, when it was last open
  std::vector<PanelRect> cameraItems;             // where each entry was drawn
  bool hintButtonShown = false;
  PanelRect hintButton;
};

class CameraPanel {
 public:
  // The top of the panel, seen with every section folded: a camera delivering far under the asked rate (with
  // the suggestion) and the lighting hint, each with a button that opens the camera's controls where they can
  // help. Lines drawn are added to `messages`.
  void drawStatus(AppSession& session, std::vector<std::string>& messages, CameraPanelState& state);
  // The "Camera" section.
  void draw(AppSession& session, std::vector<std::string>& messages, CameraPanelState& state);

 private:
  void drawCameraList(AppSession& session, CameraPanelState& state);
  void drawMode(AppSession& session, std::vector<std::string>& messages);
  void drawControls(AppSession& session, std::vector<std::string>& messages, CameraPanelState& state);

  std::string switchStatus_;        // why the camera chosen in the drop-down could not be opened
  std::string switchStatusSource_;  // the source in use then
};

}  // namespace facefilter
