#pragma once
// The ImGui control panel: source, detector, model, smoothing, filters (all faces or per face), debug views,
// recording, live stats (fps, per-stage ms plot, drops, result age, latency), the model's metadata and
// licence. Reads the engine's stats and the session's state; changes take effect through the session.
// Main thread, between AppWindow::beginImGuiFrame() and renderImGui().

#include <string>

namespace facefilter {

class AppSession;

class ControlPanel {
 public:
  void draw(AppSession& session);

 private:
  char sourceText_[512] = "";
  char modelPath_[512] = "";
  int deviceIndex_ = 0;
  char recordPath_[512] = "";
  std::string sourceStatus_;
  std::string modelStatus_;
  bool initialised_ = false;
};

}  // namespace facefilter
