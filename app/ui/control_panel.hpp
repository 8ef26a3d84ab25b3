#pragma once
// The ImGui control panel: source (and its status: lost, ended, not opened), presets, detector, model,
// smoothing, filters (all faces or per face), debug views, recording, live stats (fps, per-stage ms over
// the last seconds, drops, result age, latency), the model's metadata and licence. Each settings section
// has a "reset to defaults"; the settings' widgets come from the settings table (app/ui/setting_widgets.hpp).
// Reads copies of the engine's figures through the session; changes take effect through the session.
// Main thread, between AppWindow::beginImGuiFrame() and renderImGui().

#include <string>
#include <vector>

#include "app/ui/camera_panel.hpp"
#include "app/ui/source_status.hpp"
#include "engine/pipeline/engine_thread.hpp"
#include "media/microphone.hpp"
#include "vcam/video_devices.hpp"

namespace facefilter {

class AppSession;

// What the panel showed in its last frame: the source status and every status or error line, in the order
// drawn. The text a user saw, kept for tests and for the window screenshot's reader.
struct PanelState {
  SourceStatus source;
  std::vector<std::string> messages;
  uint64_t framesDrawn = 0;
  CameraPanelState camera;
};

class ControlPanel {
 public:
  void draw(AppSession& session);
  const PanelState& lastState() const { return state_; }

 private:
  void message(float r, float g, float b, const std::string& text);
  // One per section, in the order drawn.
  void drawStatus(AppSession& session, const EngineStats& stats);
  void drawLiveFigures(AppSession& session, const EngineStats& stats);
  void drawSource(AppSession& session, const EngineStats& stats);
  void drawPresets(AppSession& session);
  void drawFilters(AppSession& session);
  void drawDebugViews(AppSession& session);
  void drawDetectorAndTracking(AppSession& session);
  void drawModel(AppSession& session);
  void drawRecording(AppSession& session);
  void drawVirtualCamera(AppSession& session);
  void drawSoundSource(std::string& audio);

  char sourceText_[512] = "";
  char modelPath_[512] = "";
  int deviceIndex_ = 0;
  char presetName_[128] = "";
  std::vector<std::string> presetNames_;
  double presetsListedAt_ = -1e9;
  std::string sourceStatus_;
  std::string modelStatus_;
  std::string recordStatus_;
  std::vector<AudioSourceInfo> soundSources_;
  std::vector<VideoNode> videoDevices_;  // listed when the device list is opened
  std::string soundSourcesError_;
  std::string presetStatus_;
  bool presetStatusIsError_ = false;
  bool initialised_ = false;
  CameraPanel camera_;
  PanelState state_;
};

}  // namespace facefilter
