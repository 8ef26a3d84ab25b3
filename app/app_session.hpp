#pragma once
// The app: one window (AppWindow), the engine thread, the scene renderer, the filters, the recording
// (SessionRecording), the loop's figures (LoopMonitor), the shortcuts and the control panel, tied together by
// a render loop that never waits on capture or inference.
//   interactive: each frame takes the newest frame and the newest result, draws them, shows the result's age.
//   headless batch (--headless): no window shown (a hidden one where there is a display, else an EGL
//   context: GlPlatform), every input frame rendered in order (the engine's no-drop delivery feeding a
//   bounded queue through the result callback) and recorded; exits at the end.
// Main thread only (GL); SIGINT/SIGTERM end the loop and finalise the recording.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/camera/session_camera.hpp"
#include "app/platform/app_window.hpp"
#include "app/platform/gl_context.hpp"
#include "app/record/session_recording.hpp"
#include "app/record/session_virtual_camera.hpp"
#include "app/render/filter_library.hpp"
#include "app/render/recent_frames.hpp"
#include "app/render/scene_renderer.hpp"
#include "app/stats/loop_monitor.hpp"
#include "app/ui/control_panel.hpp"
#include "app/ui/lighting_hint.hpp"
#include "app/ui/source_status.hpp"
#include "engine/core/bounded_queue.hpp"
#include "engine/pipeline/engine_thread.hpp"
#include "settings/app_config.hpp"
#include "settings/presets.hpp"

namespace facefilter {

enum class RunMode { kInteractive, kHeadless };
// kAlways: batch, every call is a new frame to draw and record. kWhenChanged: interactive; the scene is
// redrawn only when its inputs changed, and recorded only when a new video frame is shown.
enum class Redraw { kAlways, kWhenChanged };

class AppSession;

struct AppOptions {
  AppConfig config;
  std::filesystem::path configPath;  // empty: do not persist
  RunMode mode = RunMode::kInteractive;
  std::string recordPath;               // headless: required; interactive: start recording at once
  std::string snapshotPath;             // headless: also write the last frame as PNG
  uint64_t maxFrames = 0;               // 0 = all
  bool loopFiles = false;               // interactive: loop video files at their end
  uint64_t quitAfterFrames = 0;         // interactive: close after this many frames (tests, demos); 0 = never
  std::string windowScreenshotPath;     // interactive: the whole window (panel included) as PNG at quit
  std::filesystem::path statsJsonPath;  // at exit: the render loop's figures (RenderLoopStats) as JSON
  VSync vsync = VSync::kOn;             // interactive; headless never waits for the display
  // Interactive: render the scene on every loop iteration, changed or not (benchmarks: the scene's whole
  // cost on every frame, not only when a new frame or result comes).
  bool redrawEveryFrame = false;
  GlPlatform glPlatform = GlPlatform::kAuto;  // headless: EGL or the hidden window (interactive: the window)
  std::filesystem::path presetDir = defaultPresetDir();
  // Interactive: called after each frame is shown (tests inspect the session and may requestClose()).
  std::function<void(AppSession&)> afterFrame;
  // Where the virtual camera's frames go (tests); empty: the v4l2loopback device the settings name.
  VirtualCameraSinkFactory virtualCameraSink;
  // Where the camera list's and the camera controls' ioctls and sysfs reads go (tests: recorded cameras);
  // null: the kernel.
  std::shared_ptr<VideoDeviceIo> videoDeviceIo;
};

// Asks the running session to end (from a signal handler: only sets a flag).
void requestStopFromSignal();

class AppSession {
 public:
  static Result<std::unique_ptr<AppSession>> create(AppOptions options);
  ~AppSession();
  // Runs until the window closes (interactive) or the input ends (headless). Returns the exit code
  // (settings/command_line.hpp: 0 done, 1 nothing done, 2 partly done: interrupted, or the disk filled).
  int run();

  // --- The panel's view of the state (main thread). Engine figures are copies; the engine is not exposed.
  AppConfig& config() { return options_.config; }
  FilterAssignment& assignment() { return assignment_; }
  FilterLibrary& filters() { return *filters_; }
  EngineStats engineStats() const { return engine_->stats(); }
  // The source in use: a camera's name, chosen mode and measured rate (a copy; it follows the capture).
  SourceInfo sourceInfo() const { return engine_->sourceInfo(); }
  // The model the engine runs, as a snapshot (the engine thread replaces its model on a load).
  ModelDescriptionPtr modelDescription() const { return engine_->modelDescription(); }
  // The detector parameters the engine runs with (they follow the settings on the next frame).
  DetectorParams detectorInUse() const { return engine_->pipeline().detectorParams(); }
  const FrameResultPtr& shownResult() const { return shownResult_; }
  const FramePtr& shownFrame() const { return scene_->frame(); }
  // The source status line the panel shows (lost, ended, not opened and what is shown instead).
  SourceStatus sourceStatus() const;
  const LoopMonitor& monitor() const { return monitor_; }
  StageHistory& stageHistory() { return monitor_.stages(); }
  // What the lighting hint says (empty when the light is fine), and whether the camera in use offers
  // controls for it (the panel's button beside the hint).
  std::string lightingHint() const { return lightingAdvice(lightingProblem_, camera_.lightControls()); }
  LightingProblem lightingProblem() const { return lightingProblem_; }
  // The camera in use: its controls, their saved values, the camera list.
  SessionCamera& camera() { return camera_; }
  const SceneStats& sceneStats() const { return sceneStats_; }
  const SessionRecording& recording() const { return recording_; }
  SessionVirtualCamera& virtualCamera() { return virtualCamera_; }
  const ControlPanel& panel() const { return panel_; }
  uint64_t framesShown() const { return framesShown_; }

  // --- What the panel and the shortcuts do.
  Status applySource(const std::string& sourceText);
  Status applyModel(const std::string& path, const std::string& device);
  void applyDetectorAndTracker();
  // Presets and per-section defaults: the settings change at once (detector and tracker on the next frame).
  const PresetStore& presets() const { return presets_; }
  Status savePreset(const std::string& name);
  Result<std::vector<std::string>> loadPreset(const std::string& name);
  void resetSection(SettingsSection section);
  void saveConfigNow();
  Status startRecording(const std::filesystem::path& path);
  void stopRecording();
  // V and the panel's button: stop, or start a file named by the time in the recording folder.
  void toggleRecording();
  void requestSnapshot() { recording_.requestSnapshot(); }
  void requestClose();

 private:
  explicit AppSession(AppOptions options) : options_(std::move(options)) {}
  Status openEngine();
  void logMissingFilters() const;
  int runInteractive();
  // The requested source, else the demo clip (the panel says why).
  void openSourceOrDemo();
  // One iteration of the interactive loop, from events to swap.
  void interactiveFrame();
  void finishInteractive();
  int runHeadless();
  void renderOne(const FramePtr& frame, const FrameResultPtr& result, Redraw redraw);
  void takeSnapshotIfRequested();
  void saveWindowScreenshot(const std::filesystem::path& path);
  CaptureParams captureParamsFor(const SourceSpec& spec) const;
  std::filesystem::path recordFolder() const;
  std::string recordingExtension() const;  // of the chosen format: .mp4 or .webm
  int64_t recordingTimeNs(const Frame& frame) const;
  void syncAssignmentFromConfig();
  // Attaches the camera the source has open (if any) to camera_, which applies its saved controls.
  void followCamera(SessionCamera::Reattach when);
  void writeStats();

  AppOptions options_;
  // The GL and ImGui contexts' owner, destroyed after every GL object below: the window, or headless
  // without one, EGL.
  std::unique_ptr<GlContext> gl_;
  AppWindow* window_ = nullptr;  // gl_ where it is the window; null headless through EGL
  std::unique_ptr<EngineThread> engine_;
  std::optional<SceneRenderer> scene_;
  std::unique_ptr<FilterLibrary> filters_;
  FilterAssignment assignment_;
  SessionRecording recording_;
  SessionVirtualCamera virtualCamera_;  // interactive only (a batch renders faster than real time)
  RecentFrames recentFrames_;
  FrameResultPtr shownResult_;
  // What the scene target holds now (see renderOne).
  FrameResultPtr renderedResult_;
  ViewSettings renderedView_;
  FilterAssignment renderedAssignment_;
  bool sceneDirty_ = true;
  LoopMonitor monitor_;
  LightingProblem lightingProblem_ = LightingProblem::kNone;
  SessionCamera camera_;
  uint64_t cameraReconnects_ = 0;
  SceneStats sceneStats_;
  double sourceFps_ = 0;
  SourceSpec sourceSpec_;        // the source in use (a video file's sound goes into headless recordings)
  std::string sourceOpenError_;  // the source asked for could not be opened (shown until another opens)
  std::string sourceFallback_;   // what is shown instead
  PresetStore presets_{defaultPresetDir()};
  ControlPanel panel_;
  uint64_t framesShown_ = 0;
  // The interactive loop's clocks.
  int64_t loopStartNs_ = 0, lastPollNs_ = 0, lastFrameNs_ = 0;
  bool startedRecording_ = false;
};

}  // namespace facefilter
